"""The web atlas: a FastAPI application over the compiled database (HTML pages and a JSON API).

``create_app(data=None, db=None)`` compiles the dataset when needed (as the CLI does) and serves it
read-only. It assembles the parts, each in a module of its own: the routes (:mod:`.api`, :mod:`.views`),
the generation each request runs on (:mod:`._deps`), the middleware (:mod:`._middleware`: security headers,
response cache), the warm-up of a new generation (:mod:`._warmup`) and the translation of errors
(:mod:`.errors`: one JSON envelope ``{"error": {"code", "message", "details"}}`` for the API, an HTML page
for the pages, never a 500 for bad input).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from .._version import __version__
from ..curation import is_curated, recover
from ..dataset.loader import bundled_path
from ..errors import StackAtlasError
from ..store import default_db_path, ensure_db
from . import _warmup, api, errors, views
from ._asof import AsOf
from ._auth import Auth, FormCSRF, PrivateGate
from ._middleware import MAX_URL_BYTES, ResponseCache, SecurityHeaders
from .state import Store

__all__ = ["RESPONSE_CACHE_BYTES", "STATIC", "create_app"]

HERE = Path(__file__).parent
STATIC = HERE / "static"
#: The default byte budget of the response cache (see docs/security.md, "Memory").
RESPONSE_CACHE_BYTES = 64 << 20


def create_app(data: Path | str | None = None, db: Path | str | None = None, *, warm_caches: bool = True,
               check_every: float = 0.0, response_cache_bytes: int = RESPONSE_CACHE_BYTES,
               max_url_bytes: int = MAX_URL_BYTES, server_headers: bool = False,
               private: bool = False) -> FastAPI:
    """The web atlas on the dataset in ``data`` (default: the bundled one), compiled into ``db``.

    ``check_every`` (seconds) throttles the check for a rebuilt database file (0: on every request).
    ``response_cache_bytes`` bounds the cache of whole responses (keys, headers and bodies, per database
    generation); ``max_url_bytes`` the path + query string answered (longer: 414). ``server_headers``: the
    server adds :func:`stackatlas.web.server_headers` itself (``uvicorn.run(..., headers=server_headers())``).
    See docs/security.md.

    On an editable dataset folder (``stackatlas init``; :func:`stackatlas.curation.is_curated`) the atlas has
    accounts, proposals, review and history (:mod:`stackatlas.web._auth`); ``private``: every page and API
    call needs a login. An interrupted approval is finished first (:func:`stackatlas.curation.recover`).
    """
    root = Path(data).resolve() if data is not None else bundled_path().resolve()
    target = Path(db).resolve() if db is not None else default_db_path(root)
    curated = is_curated(root)
    if curated:
        recover(root=root, db=target)
    elif private:
        raise StackAtlasError("--private needs an editable dataset folder with accounts (stackatlas init)")
    ensure_db(root, target)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.store.close()

    app = FastAPI(
        title="stackatlas",
        version=__version__,
        description="The Digital Stack atlas: organisations on the seven layers of the stack, their ties, "
        "figures and sources, and the analyses of the Tech Corridor report. Every fact carries its sources.",
        docs_url=None, redoc_url=None, lifespan=lifespan,
        openapi_tags=[{"name": "api", "description": "JSON (and CSV) data"},
                      {"name": "health", "description": "Liveness"}],
    )
    store = Store(target, root, check_every=check_every, response_bytes=response_cache_bytes)
    app.state.store = store
    app.state.warm = _warmup.on_request(store) if warm_caches else None
    if app.state.warm is not None:
        app.state.warm()

    errors.install(app)
    app.state.auth = Auth(root, target, private=private) if curated else None
    app.add_middleware(AsOf)  # inside the cache: a cached response keeps its X-Undated header
    app.add_middleware(ResponseCache, store=store)
    if app.state.auth is not None:
        from itsdangerous.url_safe import URLSafeSerializer

        app.state.csrf_serializer = URLSafeSerializer(app.state.auth.secret, "csrftoken")
        app.add_middleware(FormCSRF, secret=app.state.auth.secret, cookie_samesite="lax")
        if private:
            app.add_middleware(PrivateGate, auth=app.state.auth)
    app.add_middleware(SecurityHeaders, max_url=max_url_bytes, server_sets=server_headers)  # outermost: also on cached responses
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.health)
    app.include_router(api.router)
    if app.state.auth is not None:
        app.include_router(api.curation)
    app.include_router(views.router)
    return app
