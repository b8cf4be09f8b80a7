"""``stackatlas serve``: the web atlas on the embedded database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import err, state

__all__ = ["register", "serve"]


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=0, max=65535)] = 8000,
    data: Annotated[Path | None, typer.Option("--data", help="Dataset folder (default: the global --data).")] = None,
    db: Annotated[Path | None, typer.Option("--db", help="DuckDB file (default: the global --db).")] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request (URLs cut to 256 characters).")] = False,
    cache_mb: Annotated[int, typer.Option(help="Memory for cached whole responses, per database version (MiB).",
                                          min=0)] = 64,
    check_every: Annotated[float, typer.Option(help="Seconds between checks for a rebuilt database "
                                               "(0: every request).", min=0.0)] = 0.0,
    private: Annotated[bool, typer.Option("--private", help="Every page needs a login (an editable dataset "
                                          "folder with accounts: stackatlas init).")] = False,
) -> None:
    """Serve the web atlas (pages, JSON API at /api, OpenAPI docs at /docs); Ctrl-C stops it.

    The database is built first when missing or out of date. While serving, a rebuild of it (stackatlas
    build, from another shell) is picked up without a restart. On an editable dataset folder (stackatlas
    init) the team logs in to propose, review and approve changes (docs/curation.md).
    """
    import uvicorn

    from ..web import create_app, log_config, server_headers

    st = state(ctx)
    root = (data or st.data).resolve()
    target = (db.resolve() if db is not None else
              (st.db if data is None else None))
    application = create_app(root, target, check_every=check_every, response_cache_bytes=cache_mb * 2**20,
                             server_headers=True, private=private)
    err.print(f"stackatlas: serving {root.name} on http://{host}:{port}/ (API docs: /docs)")
    # the security headers are sent by the server itself, so that its own 400s carry them too (httptools)
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=access_log,
                log_config=log_config(), proxy_headers=False, server_header=False, headers=server_headers(),
                http="httptools")


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""
    app.command()(serve)
