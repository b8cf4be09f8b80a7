"""The web atlas: a FastAPI application over the compiled database (HTML pages and a JSON API).

``create_app(data=None, db=None)`` compiles the dataset when needed (as the CLI does) and serves it
read-only. Errors of the library are translated here: one JSON envelope ``{"error": {"code", "message",
"details"}}`` for the API, an HTML page for the pages, never a 500 for bad input.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._version import __version__
from ..dataset.loader import bundled_path
from ..errors import AnalysisError, InvalidData, NotFound, StackAtlasError
from ..present.i18n import LANGS
from ..store import default_db_path, ensure_db
from .state import Generation, Store

__all__ = ["STATIC", "create_app", "generation"]

log = logging.getLogger("stackatlas.web")

HERE = Path(__file__).parent
STATIC = HERE / "static"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# Swagger UI sets inline styles; its page still runs no inline script
CSP_DOCS = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response, and the ``lang`` cookie when ``?lang=``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        lang: str | None = None
        qs = scope.get("query_string", b"")
        if b"lang=" in qs:
            lang = (parse_qs(qs.decode("latin-1")).get("lang") or [""])[0]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in SECURITY_HEADERS.items():
                    headers[k] = v
                headers["content-security-policy"] = CSP_DOCS if path == "/docs" else CSP
                if path.startswith("/static/"):
                    headers["cache-control"] = "public, max-age=3600"
                elif "cache-control" not in headers:
                    headers["cache-control"] = "no-cache"
                if lang in LANGS:
                    headers.append("set-cookie", f"lang={lang}; Path=/; Max-Age=31536000; SameSite=Lax")
            await send(message)

        await self.app(scope, receive, send_wrapper)


def generation(request: Request) -> Iterator[Generation]:
    """FastAPI dependency: the current database generation, held for the request."""
    store: Store = request.app.state.store
    with store.use() as gen:
        hook = request.app.state.warm
        if hook is not None:
            hook()
        request.scope.setdefault("state", {})["generation"] = gen.number
        yield gen


class ResponseCache:
    """Pure ASGI middleware: a GET that was answered 200 before, on the same database generation and in
    the same language, is answered from memory without touching the app (no thread, no query).

    The cache lives on the generation, so a rebuilt database starts with an empty one; a response is only
    stored when the app served it from the generation the cache belongs to.
    """

    MAX_BYTES = 2_000_000

    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "HEAD":  # HEAD is a GET without the body
            get_send = send

            async def no_body(message: Message) -> None:
                if message["type"] == "http.response.body":
                    message = {**message, "body": b""}
                await get_send(message)

            scope = {**scope, "method": "GET"}
            send = no_body
        path: str = scope.get("path", "")
        if (scope["type"] != "http" or scope.get("method") != "GET" or path.startswith("/static/")
                or path == "/healthz"):
            await self.app(scope, receive, send)
            return
        from starlette.datastructures import Headers

        qs: bytes = scope.get("query_string", b"")
        headers = Headers(scope=scope)
        lang_q: str | None = None
        if b"lang=" in qs:
            lang_q = (parse_qs(qs.decode("latin-1")).get("lang") or [""])[0]
        cookie = headers.get("cookie", "")
        lang_c = None
        if "lang=" in cookie:
            for part in cookie.split(";"):
                k, _, v = part.strip().partition("=")
                if k == "lang":
                    lang_c = v
        from ..present.i18n import pick_lang

        lang = pick_lang(lang_q, lang_c, headers.get("accept-language"))
        gen = self.store.current()
        key = (path, qs, lang)
        hit = gen.responses.peek(key)
        if hit is not None:
            status, raw_headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": raw_headers})
            await send({"type": "http.response.body", "body": body})
            return

        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        cacheable = True

        async def capture(message: Message) -> None:
            nonlocal cacheable
            if message["type"] == "http.response.start":
                start.update(message)
                if message["status"] != 200:
                    cacheable = False
            elif message["type"] == "http.response.body" and cacheable:
                chunks.append(message.get("body", b""))
                if sum(len(c) for c in chunks) > self.MAX_BYTES:
                    cacheable = False
                    chunks.clear()
                if not message.get("more_body", False) and cacheable and start:
                    served_by = scope.get("state", {}).get("generation")
                    if served_by == gen.number:
                        hdrs = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"set-cookie"]
                        gen.responses.put(key, (start["status"], hdrs, b"".join(chunks)))
            await send(message)

        await self.app(scope, receive, capture)


def _wants_json(request: Request) -> bool:
    p = request.url.path
    return (p.startswith("/api") or p in ("/healthz", "/openapi.json")
            or request.query_params.get("format") in ("json", "csv"))


def error_response(request: Request, status: int, code: str, message: str, details: Any = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": {"code": code, "message": message, "details": jsonable_encoder(details)}},
                            status_code=status)
    from .views import render_error

    return render_error(request, status, code, message, details)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        out.append({"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))})
    return out


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return error_response(request, 404, exc.code, str(exc), {"kind": exc.kind, "id": exc.ident})

    @app.exception_handler(AnalysisError)
    async def analysis_error(request: Request, exc: AnalysisError) -> Response:
        return error_response(request, 422, exc.code, str(exc))

    @app.exception_handler(InvalidData)
    async def invalid_data(request: Request, exc: InvalidData) -> Response:
        return error_response(request, 400, exc.code, f"{len(exc.errors)} problem(s) in the data",
                              [str(p) for p in exc.errors[:100]])

    @app.exception_handler(StackAtlasError)
    async def bad_request(request: Request, exc: StackAtlasError) -> Response:
        return error_response(request, 400, "bad_request", str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, "validation_error", "invalid request parameters",
                              _validation_details(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = "no such page" if exc.status_code == 404 else str(exc.detail)
        return error_response(request, exc.status_code, code, message)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:  # pragma: no cover - a bug
        log.exception("unhandled error on %s", request.url.path)
        return error_response(request, 500, "internal_error", "internal error")


def _warm_detail(gen: Generation, ident: str, a: str, b: str) -> None:
    from . import queries as Q

    if Q.synergy_ref(gen, ident)["kind"] == "discovered":
        Q.discovered_detail(gen, ident, a, b)


_STOP = threading.Event()                 # set at interpreter exit: warming threads stop between steps
_WARMERS: set[threading.Thread] = set()
_WARMERS_LOCK = threading.Lock()


class _Stopped(Exception):
    """Warming was asked to stop (the generation was retired or the interpreter is exiting)."""


def _stop_warmers(timeout: float = 300.0) -> None:
    """Ask every warming thread to stop and wait for it to finish the step it is in.

    Registered with :mod:`atexit`: a daemon thread that is still inside DuckDB when the interpreter
    finalises is killed by a forced unwind through C++ frames, which aborts the process
    ("terminate called after throwing an instance of ''")."""
    _STOP.set()
    with _WARMERS_LOCK:
        threads = list(_WARMERS)
    for t in threads:
        t.join(timeout)


atexit.register(_stop_warmers)


def _start_warmer(gen: Generation) -> None:
    def run() -> None:
        try:
            warm(gen)
        finally:
            with _WARMERS_LOCK:
                _WARMERS.discard(threading.current_thread())

    t = threading.Thread(target=run, daemon=True, name=f"warm-{gen.number}")
    with _WARMERS_LOCK:
        _WARMERS.add(t)
    t.start()


def warm(gen: Generation) -> None:
    """Compute the expensive analyses of a generation ahead of the first requests (in a thread).

    Between steps it stops when the generation has been retired (a newer build is served, or the app
    shut down) or the interpreter is exiting."""
    from . import queries as Q

    def step(fn: Any, *args: Any) -> Any:
        if gen._retired or _STOP.is_set():
            raise _Stopped
        return fn(*args)

    gen.acquire()
    try:
        step(Q.ready, gen)  # the web index (a few seconds at a million actors)
        lk = step(Q.lookups, gen)
        a, b = lk.compare
        for level in Q.PROFILE_LEVELS:
            step(Q.profile_table, gen, level)
        pair = a in lk.place and b in lk.place and a != b
        step(Q.actor_facets, gen, {})
        step(Q.stats, gen)
        if pair:
            step(Q.layer_counts, gen, a)
            step(Q.layer_counts, gen, b)
            step(Q.map_data, gen, a, b)
            step(Q.synergies, gen, a, b)
            step(Q.bridges, gen, a, b)
            step(Q.discovered, gen, a, b)  # with the full bootstrap: the default pair is never computed on demand
        step(Q.integration, gen)
        step(Q.sovereignty, gen)
        if pair and not Q.graph_too_large(gen):
            # the synergy pages of the default pair: evidence, introductions, default guest list (on a very
            # large dataset each takes long: they are computed when first asked for instead)
            ids = [s["id"] for s in Q.curated_list(gen)]
            ids += [c["id"] for c in Q.discovered(gen, a, b)["items"][:Q.DISCOVER_TOP]]
            for ident in ids:
                for fn in (_warm_detail, Q.introductions_for, Q.guests_for):
                    try:
                        step(fn, gen, ident, a, b)
                    except StackAtlasError:  # e.g. no organisation in a synergy's layers: the page says so
                        pass
        import gc

        gc.collect()
        gc.freeze()  # the long-lived caches leave the collector's generations: no long pauses under load
    except _Stopped:
        pass
    except Exception:  # pragma: no cover - warming is best effort; requests compute what is missing
        log.exception("warming the caches failed")
    finally:
        gen.release()


def create_app(data: Path | str | None = None, db: Path | str | None = None, *, warm_caches: bool = True,
               check_every: float = 0.0) -> FastAPI:
    """The web atlas on the dataset in ``data`` (default: the bundled one), compiled into ``db``.

    ``check_every`` (seconds) throttles the check for a rebuilt database file (0: on every request).
    """
    root = Path(data).resolve() if data is not None else bundled_path().resolve()
    target = Path(db).resolve() if db is not None else default_db_path(root)
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
    store = Store(target, root, check_every=check_every)
    app.state.store = store
    if warm_caches:
        last: dict[str, int] = {"n": 0}
        lock = threading.Lock()

        def on_request_warm() -> None:
            gen = store._current
            if gen is None:
                return
            with lock:
                if last["n"] == gen.number:
                    return
                last["n"] = gen.number
            _start_warmer(gen)

        app.state.warm = on_request_warm
        on_request_warm()
    else:
        app.state.warm = None

    _install_errors(app)
    app.add_middleware(ResponseCache, store=store)
    app.add_middleware(SecurityHeaders)  # outermost: also on cached responses
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    from .api import health as health_router
    from .api import router as api_router
    from .views import router as page_router

    app.include_router(health_router)
    app.include_router(api_router)
    app.include_router(page_router)
    return app
