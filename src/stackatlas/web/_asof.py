"""``?as_of=DATE`` on every page and API route: the analyses of the request see the dataset as of that date.

:class:`AsOf` (ASGI middleware) reads the parameter into a context variable for the request; the
generation's :meth:`~stackatlas.web.state.Generation.engine` and
:meth:`~stackatlas.web.state.Generation.analysis` read it (so every analysis, and its cache key, follows it
without code of its own), and record the sentence on undated facts (docs/dataset-format.md, "Time"). The
sentence is shown above the page (:func:`note`, a template global) and sent with every response as the
``X-Undated`` header. A bad date is a 422 like any other analysis error.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AsOf", "current", "note", "set_note"]

_request: ContextVar[dict[str, Any] | None] = ContextVar("stackatlas_as_of", default=None)


def current() -> str | None:
    """The ``as_of`` of the request being answered, or None."""
    holder = _request.get()
    return None if holder is None else holder.get("as_of")


def set_note(text: str) -> None:
    """Record the sentence on undated facts for the request (shown on the page, sent as a header)."""
    holder = _request.get()
    if holder is not None:
        holder["note"] = text


def note() -> str:
    """The sentence on undated facts of the request ("" when it used no analysis as of a date)."""
    holder = _request.get()
    return "" if holder is None else str(holder.get("note") or "")


class AsOf:
    """Put the request's ``as_of`` query parameter (first value, at most 10 characters) into the context."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        value = next((v for k, v in parse_qsl(query) if k == "as_of" and v), None)
        holder: dict[str, Any] = {"as_of": value[:10] if value else None}
        token = _request.set(holder)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and holder.get("note"):
                headers = list(message.get("headers", []))
                headers.append((b"x-undated", str(holder["note"]).encode("ascii", "replace")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            _request.reset(token)
