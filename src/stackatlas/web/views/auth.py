"""Log in and log out (forms with CSRF tokens; see :mod:`stackatlas.web._auth`)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...curation._errors import Forbidden, Throttled
from .._auth import SESSION_COOKIE, SESSION_DAYS, auth_of, csrf_token
from ..present import View
from ._common import Gen, personal_page

__all__ = ["form_of", "router", "safe_next"]

router = APIRouter(include_in_schema=False)
log = logging.getLogger("stackatlas.web")


def safe_next(value: str | None) -> str:
    """A local path to go to after logging in (never another site: ``//x``, ``/\\x``, ``http:``)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or len(value) > 500:
        return "/"
    return value


async def form_of(request: Request) -> dict[str, str]:
    """The fields of an url-encoded form (the last value of each)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _login_page(request: Request, gen: Gen, *, error: str | None = None, status: int = 200,
                name: str = "", nxt: str = "/") -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        return {"csrf": csrf_token(request), "error": error, "name": name, "next": safe_next(nxt)}

    return personal_page(request, gen, "login.html", build, status=status)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, gen: Gen, next: str = "/") -> HTMLResponse:  # noqa: A002
    if auth_of(request) is None:
        raise Forbidden("this atlas is read-only: serve an editable dataset folder (stackatlas init)")
    return _login_page(request, gen, nxt=next)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, gen: Gen) -> Response:
    auth = auth_of(request)
    if auth is None:
        raise Forbidden("this atlas is read-only: serve an editable dataset folder (stackatlas init)")
    form = await form_of(request)
    name, password, nxt = form.get("username", "")[:64], form.get("password", ""), form.get("next", "/")
    address = request.client.host if request.client else "unknown"
    from starlette.concurrency import run_in_threadpool

    try:
        user = await run_in_threadpool(auth.accounts.login, name=name, password=password[:1024], address=address)
    except Throttled as exc:
        log.warning("login throttled for a user or address")
        response = _login_page(request, gen, error=str(exc), status=429, name=name, nxt=nxt)
        response.headers["retry-after"] = str(exc.retry_after)
        return response
    if user is None:
        from ...present.i18n import translator
        from .._templates import lang_of

        return _login_page(request, gen, error=translator(lang_of(request))("login_failed"), status=401,
                           name=name, nxt=nxt)
    redirect = RedirectResponse(safe_next(nxt), status_code=303)
    redirect.set_cookie(SESSION_COOKIE, auth.session_value(user), max_age=SESSION_DAYS * 86400, path="/",
                        httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return redirect


@router.post("/logout")
def logout(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")
    return response
