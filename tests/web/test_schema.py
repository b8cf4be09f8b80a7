"""The OpenAPI document says what the API does: schemathesis generates requests from /openapi.json (valid and
invalid ones, at most 25 of each per operation) and checks every answer against it with all its checks (no
500, documented status codes, content types, headers and bodies; invalid input refused, valid input
accepted), in process on the ASGI app.

(schemathesis' own pytest plugin does not run under pytest 9, so the operations are driven with hypothesis
directly: one test per operation and generation mode.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402

import stackatlas  # noqa: E402
from stackatlas.web import create_app  # noqa: E402

MAX_EXAMPLES = 25


def _without_lifespan(app: Any) -> Any:
    """``app`` with its lifespan answered but not run: schemathesis starts and stops the app around every
    call, and stopping closes the database (the fixture closes it once at the end)."""
    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    return wrapped


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    db: Path = tmp_path_factory.mktemp("web-schema") / "fixture.duckdb"
    # URLs up to 1 MiB: schemathesis sometimes sends a query of more than 8 KiB, which the server refuses with
    # 414 before any route runs (documented; tests/web/test_hardening.py covers it), and its negative check
    # does not count 414 as a rejection; here the routes themselves must refuse what is invalid
    app = create_app(stackatlas.fixture_path(), db, warm_caches=False, max_url_bytes=1 << 20)
    schema = schemathesis.openapi.from_asgi("/openapi.json", _without_lifespan(app))
    yield schema
    app.state.store.close()


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_openapi(api_schema: Any, mode: GenerationMode) -> None:
    operations = _operations(api_schema)
    assert len(operations) >= 15  # every route of the API is in the document
    failures: list[str] = []
    for op in operations:
        if mode is GenerationMode.NEGATIVE and not op.definition.raw.get("parameters"):
            continue  # nothing to make invalid (/healthz, /api/layers)
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=op.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            case.call_and_validate()

        try:
            run()
        except Exception as exc:  # collect all operations, then fail with each one's first problem
            failures.append(f"{op.label}: {exc}")
    assert not failures, "\n\n".join(failures)
