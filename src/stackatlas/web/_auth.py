"""Who is asking: accounts, sessions, CSRF and the private mode of the web atlas (on an editable dataset
folder, see :mod:`stackatlas.curation`; on any other dataset the atlas is read-only and public).

- A login sets the cookie ``sa_session`` (a value signed with itsdangerous: the user name and a nonce; 14
  days), ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` when the request came over https. The user is looked
  up on every request, so removing a user ends their sessions. API calls use ``Authorization: Bearer TOKEN``.
- CSRF (starlette-csrf, double-submit cookie ``csrftoken``): every POST that carries the session cookie,
  and the login form always, must send the token in the header ``x-csrftoken`` or, for HTML forms, in the
  form field ``csrftoken``; else 403. A request authenticated only by a Bearer token carries no cookie a
  browser would add on its own, so it needs none.
- ``private``: every page and API call needs a login (pages redirect to /login; the API answers 401).
- Pages for a logged-in user and pages with a form are never kept in the response cache.
"""

from __future__ import annotations

import functools
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette_csrf import CSRFMiddleware

from ..curation import Accounts, User
from ..curation._errors import Forbidden, Unauthorized
from ..curation.folder import curation_dir

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "Auth",
    "FormCSRF",
    "PrivateGate",
    "auth_of",
    "csrf_token",
    "dumps_record",
    "login_redirect",
    "need_user",
    "user_of",
]

SESSION_COOKIE = "sa_session"
CSRF_COOKIE = "csrftoken"
SESSION_DAYS = 14
_MAX_FORM = 256 * 1024


def _secret(root: Path) -> str:
    """The signing key of the folder (``.stackatlas/secret``, 0600, made once)."""
    f = curation_dir(root) / "secret"
    if not f.is_file():
        tmp = f.with_name("secret.tmp")
        tmp.write_text(secrets.token_hex(32), encoding="ascii")
        tmp.chmod(0o600)
        tmp.replace(f)
    return f.read_text(encoding="ascii").strip()


@dataclass
class Auth:
    """The curation side of an app: the folder, its accounts, the signing key and the private flag."""

    root: Path
    db: Path
    private: bool = False

    def __post_init__(self) -> None:
        self.accounts = Accounts(self.root)
        self.secret = _secret(self.root)
        self.sessions = URLSafeTimedSerializer(self.secret, salt="stackatlas-session")

    def session_value(self, user: User) -> str:
        return self.sessions.dumps({"u": user.name, "n": secrets.token_hex(8)})

    def user(self, request: Request) -> User | None:
        """The user of a request: a valid Bearer token, else a valid session cookie, else None."""
        header = request.headers.get("authorization", "")
        if header[:7].lower() == "bearer ":
            return self.accounts.by_token(header[7:].strip())
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        try:
            data = self.sessions.loads(cookie, max_age=SESSION_DAYS * 86400)
        except BadSignature:
            return None
        return self.accounts.get(str(data.get("u", ""))) if isinstance(data, dict) else None


def auth_of(request: Request) -> Auth | None:
    """The app's :class:`Auth` (None: a read-only atlas without accounts)."""
    return getattr(request.app.state, "auth", None)


def user_of(request: Request, role: str | None = None) -> User | None:
    """The request's user (cached on the request); with ``role``: raises :class:`Unauthorized` (nobody) or
    :class:`Forbidden` (a lower role)."""
    auth = auth_of(request)
    if "sa_user" not in request.scope:
        request.scope["sa_user"] = auth.user(request) if auth is not None else None
    user: User | None = request.scope["sa_user"]
    if role is not None:
        if auth is None:
            raise Forbidden("this atlas is read-only: serve an editable dataset folder (stackatlas init)")
        if user is None:
            raise Unauthorized("log in first (or send Authorization: Bearer TOKEN)")
        if not user.can(role):
            raise Forbidden(f"this needs the role {role} or higher")
    return user


def need_user(request: Request, role: str) -> User:
    """The request's user, who must have ``role`` or above (:func:`user_of` with a role, never None)."""
    user = user_of(request, role)
    assert user is not None
    return user


def csrf_token(request: Request) -> str:
    """The CSRF token for the forms of a page: the cookie's, or a new one that the response sets."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = request.scope.get("sa_csrf_new")
        if token is None:
            token = request.scope["sa_csrf_new"] = FormCSRF.serializer_of(request).dumps(secrets.token_urlsafe(32))
    request.scope["sa_no_store"] = True
    return str(token)


class FormCSRF(CSRFMiddleware):
    """starlette-csrf's double-submit check on every unsafe request that carries the session cookie, and on
    the login form always; the token comes from the header or from the form field ``csrftoken`` of an
    url-encoded form (the body is read once, at most 256 KiB, and replayed to the app). The cookie is set
    to the token a page put in its forms (or to a new one, as starlette-csrf does)."""

    @staticmethod
    def serializer_of(request: Request) -> Any:
        return request.app.state.csrf_serializer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        wrapped = functools.partial(self.send, send=send, scope=scope)
        needed = scope.get("path") == "/login" or SESSION_COOKIE in request.cookies
        if scope.get("method") in self.safe_methods or not needed:
            await self.app(scope, receive, wrapped)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > _MAX_FORM:
                await JSONResponse({"error": {"code": "too_large", "message": "request body too large",
                                              "details": None}}, status_code=413)(scope, receive, send)
                return
        scope["sa_body"] = body
        cookie = request.cookies.get(self.cookie_name)
        submitted = await self._get_submitted_csrf_token(request)
        if not cookie or not submitted or not self._csrf_tokens_match(cookie, submitted):
            await self._get_error_response(request)(scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, wrapped)

    async def _get_submitted_csrf_token(self, request: Request) -> str | None:
        header = request.headers.get(self.header_name)
        if header:
            return header
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            values = parse_qs(request.scope.get("sa_body", b"").decode("utf-8", "replace")).get(CSRF_COOKIE)
            return values[0] if values else None
        return None

    async def send(self, message: Message, send: Send, scope: Scope) -> None:
        new = scope.get("sa_csrf_new")
        if message["type"] == "http.response.start" and new and CSRF_COOKIE not in Request(scope).cookies:
            headers = MutableHeaders(scope=message)
            secure = "; Secure" if scope.get("scheme") == "https" else ""
            headers.append("set-cookie", f"{CSRF_COOKIE}={new}; Path=/; SameSite=Lax{secure}")
            await send(message)
            return
        await super().send(message, send, scope)


_OPEN = re.compile(r"^/(login|static/.*|healthz|favicon\.ico)$")


class PrivateGate:
    """``serve --private``: anonymous requests get a redirect to /login (pages) or 401 (API)."""

    def __init__(self, app: ASGIApp, *, auth: Auth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _OPEN.match(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if self.auth.user(request) is None:
            path = scope.get("path", "/")
            if path.startswith("/api") or path in ("/openapi.json",):
                body = {"error": {"code": "unauthorized", "message": "log in first (or send Authorization: "
                                  "Bearer TOKEN)", "details": None}}
                response: Any = JSONResponse(body, status_code=401, headers={"www-authenticate": "Bearer"})
            else:
                response = login_redirect(path)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def login_redirect(path: str) -> RedirectResponse:
    """303 to the login page, back to ``path`` afterwards."""
    return RedirectResponse("/login?next=" + quote(path, safe="/"), status_code=303)


def dumps_record(record: Any) -> str:
    """A record as readable JSON (for diffs of records that are not in a file yet)."""
    return json.dumps(record, indent=2, ensure_ascii=False)
