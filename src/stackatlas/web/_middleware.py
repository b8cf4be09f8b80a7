"""The pure ASGI middleware of the web app: security headers (and the ``lang`` cookie) on every response, a
bound on the length of URLs, and a cache of whole responses per database generation."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._lang import lang_of_scope, query_lang
from .state import Store

__all__ = ["CSP", "CSP_DOCS", "MAX_URL_BYTES", "SECURITY_HEADERS", "STATIC_CACHE", "VARY", "ResponseCache",
           "SecurityHeaders", "server_headers"]

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
#: Cache-Control of a static file that was found (anything else under /static/ is ``no-cache``).
STATIC_CACHE = "public, max-age=3600"
#: What the language of a page depends on besides its URL (see :mod:`stackatlas.web._lang`).
VARY = "Cookie, Accept-Language"
#: The longest path + query string answered (longer: 414). Every link of the atlas is far shorter; nginx's
#: default (``large_client_header_buffers 4 8k``) refuses request lines above 8 KiB as well.
MAX_URL_BYTES = 8192


def server_headers() -> list[tuple[str, str]]:
    """The headers for uvicorn's ``headers=`` (with ``create_app(server_headers=True)``): the security headers
    that do not depend on the page, so that uvicorn's own answers (a 400 of its HTTP parser with the
    httptools parser) carry them too."""
    return list(SECURITY_HEADERS.items())


def _too_long(scope: Scope, max_url: int) -> bool:
    raw = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    return len(raw) + len(scope.get("query_string", b"")) > max_url


async def _uri_too_long(send: Send) -> None:
    body = json.dumps({"error": {"code": "uri_too_long", "message": "URL too long", "details": None}}).encode()
    await send({"type": "http.response.start", "status": 414,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response, ``Vary`` on pages (their language depends on
    the cookie and Accept-Language), the ``lang`` cookie when ``?lang=`` names a language (never on static
    files, which are cached publicly), and a 414 for a URL longer than ``max_url`` bytes.

    ``server_sets``: the HTTP server adds :data:`SECURITY_HEADERS` to every response itself (uvicorn's
    ``headers=``, see :func:`server_headers`; then they are also on the 400 answers of its HTTP parser,
    which never reach the app), so they are not set twice here.
    """

    def __init__(self, app: ASGIApp, *, max_url: int = MAX_URL_BYTES, server_sets: bool = False) -> None:
        self.app = app
        self.max_url = max_url
        self.own = {} if server_sets else SECURITY_HEADERS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        static = path.startswith("/static/")
        lang = None if static else query_lang(scope.get("query_string", b""))

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in self.own.items():
                    headers[k] = v
                headers["content-security-policy"] = CSP_DOCS if path == "/docs" else CSP
                if static:
                    headers["cache-control"] = STATIC_CACHE if message["status"] in (200, 304) else "no-cache"
                elif "cache-control" not in headers:
                    headers["cache-control"] = "no-cache"
                if not static and headers.get("content-type", "").startswith("text/html"):
                    headers["vary"] = VARY
                if lang is not None:
                    headers.append("set-cookie", f"lang={lang}; Path=/; Max-Age=31536000; SameSite=Lax")
            await send(message)

        if _too_long(scope, self.max_url):
            await _uri_too_long(send_wrapper)
            return
        await self.app(scope, receive, send_wrapper)


def _personal(scope: Scope) -> bool:
    """True for a request with a session cookie or an Authorization header (see web._auth)."""
    for k, v in scope.get("headers", []):
        if k == b"authorization" or (k == b"cookie" and b"sa_session=" in v):
            return True
    return False


class ResponseCache:
    """Pure ASGI middleware: a GET that was answered 200 before, on the same database generation and in
    the same language, is answered from memory without touching the app (no thread, no query).

    The key is the path, the raw query string and the language the request is decided to be in
    (:func:`stackatlas.web._lang.lang_of_scope`, the very function the pages use), never the raw cookie.
    The cache is bounded in entries and in bytes (``Store(response_bytes=...)``); a response above
    ``MAX_BYTES`` is not kept.

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
        if _personal(scope):  # a logged-in user's pages (their name, forms) are never shared
            await self.app(scope, receive, send)
            return
        qs: bytes = scope.get("query_string", b"")
        lang = lang_of_scope(scope)  # the page renders in the same language (web._templates.lang_of)
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
                    if served_by == gen.number and not scope.get("sa_no_store"):
                        hdrs = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"set-cookie"]
                        gen.responses.put(key, (start["status"], hdrs, b"".join(chunks)))
            await send(message)

        await self.app(scope, receive, capture)
