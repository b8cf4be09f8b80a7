"""Fixtures of the web tests: TestClients on the fixture and bundled datasets, a live uvicorn server."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import stackatlas
from stackatlas.web import create_app

EVIL_ACTOR = """
- id: evil-corp
  name: "=HYPERLINK(\\"http://evil.example\\",\\"x\\")<script>alert(1)</script>"
  aliases: ["+cmd|' /C calc'!A0", "@SUM(1+1)"]
  kind: company
  hq: amsterdam
  layers:
    - {layer: applications, offering: "<img src=x onerror=alert(2)>", role: core}
  domains: [finance]
  control_country: NL
  description: {nl: "</script><script>alert(3)</script>", en: "-2+3 \\"quoted\\" & <b>bold</b>"}
  sources: [{source: tech-corridor-2026, locator: "<i>p. 1</i>"}]
"""

#: An actor whose name holds the LIKE wildcards ``%`` and ``_`` (no other name, id or alias of the fixture
#: does), and ties with statuses the fixture lacks (it has one ``completed`` tie and ties without a status).
ODD_ACTOR = """
- id: percent-lab
  name: "100% Chips_Lab"
  kind: company
  hq: amsterdam
  layers:
    - {layer: chips, role: core}
  sources: [{source: tech-corridor-2026, locator: test}]
"""
ODD_RELATIONS = """
- id: percent-lab-asml-partnership
  type: partnership
  from: percent-lab
  to: asml
  status: active
  sources: [{source: tech-corridor-2026, locator: test}]
- id: percent-lab-nxp-partnership
  type: partnership
  from: percent-lab
  to: nxp
  status: active
  sources: [{source: tech-corridor-2026, locator: test}]
- id: percent-lab-tue-partnership
  type: partnership
  from: percent-lab
  to: tue
  status: announced
  sources: [{source: tech-corridor-2026, locator: test}]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def fixture_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("web-fixture") / "fixture.duckdb"
    app = create_app(stackatlas.fixture_path(), db, warm_caches=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def bundled_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("web-bundled") / "corridor.duckdb"
    app = create_app(None, db, warm_caches=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def evil_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture dataset with an actor whose texts are formulas and markup."""
    dst = tmp_path_factory.mktemp("evil") / "fixture"
    shutil.copytree(stackatlas.fixture_path(), dst)
    with open(dst / "actors" / "mra.yaml", "a", encoding="utf-8") as f:
        f.write(EVIL_ACTOR)
    return dst


@pytest.fixture(scope="session")
def evil_client(evil_dir: Path) -> Iterator[TestClient]:
    app = create_app(evil_dir, evil_dir.parent / "evil.duckdb", warm_caches=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def odd_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The fixture dataset with :data:`ODD_ACTOR` and :data:`ODD_RELATIONS`."""
    dst = tmp_path_factory.mktemp("odd") / "fixture"
    shutil.copytree(stackatlas.fixture_path(), dst)
    with open(dst / "actors" / "mra.yaml", "a", encoding="utf-8") as f:
        f.write(ODD_ACTOR)
    with open(dst / "relations.yaml", "a", encoding="utf-8") as f:
        f.write(ODD_RELATIONS)
    app = create_app(dst, dst.parent / "odd.duckdb", warm_caches=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


class LiveServer:
    def __init__(self, app: object, port: int) -> None:
        import uvicorn

        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The bundled dataset served by uvicorn on 127.0.0.1 (a free port)."""
    db = tmp_path_factory.mktemp("web-live") / "corridor.duckdb"
    srv = LiveServer(create_app(None, db), free_port())
    srv.start()
    yield srv
    srv.stop()
