"""Rebuilding the dataset while the server runs: new requests see the new build, requests in flight finish
on the old one, and nothing fails in between."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from stackatlas.dataset.loader import load_dataset
from stackatlas.store import build
from stackatlas.web import create_app
from stackatlas.web.state import Memo


def _rename_adyen(folder: Path, new: str) -> None:
    f = folder / "actors" / "mra.yaml"
    text = f.read_text(encoding="utf-8")
    f.write_text(re.sub(r"^  name: Adyen.*$", f"  name: {new}", text, count=1, flags=re.M), encoding="utf-8")


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_rebuild_is_picked_up_and_in_flight_requests_finish(fixture_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    app = create_app(fixture_dir, db, warm_caches=False)
    store = app.state.store
    with TestClient(app, raise_server_exceptions=False) as client:
        before = client.get("/healthz").json()
        assert client.get("/api/actors/adyen").json()["name"] == "Adyen"
        assert "Adyen" in client.get("/actors/adyen").text  # a cached page of the old build

        with store.use() as old:  # a request in flight on the old build
            cur = old.atlas()
            _rename_adyen(fixture_dir, "Adyen Renamed")
            build(load_dataset(fixture_dir), db)  # atomic replace, as `stackatlas build` does

            after = client.get("/healthz").json()
            assert after["content_hash"] != before["content_hash"]
            assert after["generation"] == before["generation"] + 1
            assert client.get("/api/actors/adyen").json()["name"] == "Adyen Renamed"
            assert "Adyen Renamed" in client.get("/actors/adyen").text  # no stale page cache
            # the old generation still answers on its connection
            assert cur.sql("SELECT name FROM actors WHERE id = 'adyen'")["name"].item() == "Adyen"
            cur.close()
            assert old.link.exists()
        assert not old.link.exists()  # closed and unlinked once its last request ended
        assert store.reloads == 1


@pytest.mark.slow  # about 5 s or more: `make test` runs it, `make test-fast` does not
def test_concurrent_requests_during_rebuilds(fixture_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "busy.duckdb"
    app = create_app(fixture_dir, db, warm_caches=False)
    errors: list[str] = []
    stop = threading.Event()

    with TestClient(app, raise_server_exceptions=False) as client:
        def hammer() -> None:
            paths = ["/api/actors?layer=chips", "/api/actors/asml", "/api/search?q=asml", "/actors", "/healthz"]
            i = 0
            while not stop.is_set():
                r = client.get(paths[i % len(paths)])
                if r.status_code != 200:
                    errors.append(f"{paths[i % len(paths)]}: {r.status_code} {r.text[:200]}")
                i += 1

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            for k in range(4):
                _rename_adyen(fixture_dir, f"Adyen {k}")
                build(load_dataset(fixture_dir), db)
                client.get("/healthz")
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert not errors, errors[:5]
        assert client.get("/api/actors/adyen").json()["name"] == "Adyen 3"
        assert app.state.store.reloads >= 1
        # retired generations leave no files behind: only the current one's link and its web index remain
        current = app.state.store.current()
        leftovers = sorted(p.name for p in app.state.store._dir.iterdir())
        assert leftovers[0] == current.link.name, leftovers
        assert set(leftovers) <= {current.link.name, current.index_path.name, current.index_path.name + ".wal"}


def test_memo_is_bounded_and_computes_once() -> None:
    memo = Memo(size=3)
    calls: list[int] = []

    def compute(i: int) -> int:
        calls.append(i)
        return i * i

    for i in range(5):
        assert memo.get(i, lambda i=i: compute(i)) == i * i
    assert len(memo) == 3
    assert memo.get(4, lambda: compute(99)) == 16  # cached
    assert calls == [0, 1, 2, 3, 4]

    barrier = threading.Barrier(8)
    slow_calls: list[int] = []

    def slow() -> int:
        slow_calls.append(1)
        return 7

    def worker() -> None:
        barrier.wait()
        memo.get("k", slow)

    ts = [threading.Thread(target=worker) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(slow_calls) == 1


def test_folders_of_dead_servers_are_removed(tmp_path: Path) -> None:
    import stackatlas
    from stackatlas.web.state import Store

    db = tmp_path / "x.duckdb"
    stackatlas.open(data=stackatlas.fixture_path(), db=db).close()
    stale = tmp_path / ".x.duckdb.serve-999999999-abc"
    stale.mkdir()
    (stale / "g1.duckdb").write_bytes(b"")
    store = Store(db, stackatlas.fixture_path())
    try:
        assert not stale.exists()
        assert store._dir.name.startswith(f".x.duckdb.serve-{__import__('os').getpid()}-")
    finally:
        store.close()
    assert not store._dir.exists()


@pytest.mark.slow  # several seconds: `make test` runs it, `make test-fast` does not
def test_exit_while_warming_is_clean(tmp_path: Path) -> None:
    # the caches are warmed in a daemon thread; leaving the interpreter while it is inside DuckDB used to
    # abort the process ("terminate called after throwing an instance of ''", exit code 134)
    import subprocess
    import sys

    code = ("import sys, stackatlas\n"
            "from stackatlas.web import create_app\n"
            "from stackatlas.web._warmup import _WARMERS\n"
            f"create_app(data=stackatlas.fixture_path(), db={str(tmp_path / 'w.duckdb')!r})\n"
            "assert _WARMERS, 'a warming thread runs'\n"
            "sys.exit(0)\n")
    for _ in range(2):
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        assert "terminate called" not in run.stderr


@pytest.mark.slow  # waits for the bundled corridor's warm-up (10-20 s): `make test` runs it
def test_healthz_says_when_the_warm_up_is_done(bundled_client: TestClient) -> None:
    """``/healthz`` reports ``warm`` once the warm-up of the served build has finished; by then every template
    is compiled (a first visit of a page does not pay for it)."""
    from stackatlas.web import _templates

    deadline = time.monotonic() + 300
    while not (health := bundled_client.get("/healthz").json())["warm"]:
        assert time.monotonic() < deadline, "the warm-up did not finish"
        time.sleep(0.2)
    assert health["status"] == "ok"
    cached = {t.name for t in _templates.env.cache.values()} if _templates.env.cache is not None else set()
    assert cached >= set(_templates.env.list_templates())
