"""The pure ASGI middleware of the web app: security headers (and the ``lang`` cookie) on every response, and
a cache of whole responses per database generation."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..present.i18n import LANGS, pick_lang
from .state import Store

__all__ = ["CSP", "CSP_DOCS", "SECURITY_HEADERS", "ResponseCache", "SecurityHeaders"]

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
