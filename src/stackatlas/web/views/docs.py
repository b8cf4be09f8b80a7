"""The API docs (Swagger UI, vendored; no inline script)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .._templates import env, lang_of

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    return HTMLResponse(env.get_template("docs.html").render(lang=lang_of(request)))
