"""Errors at the web boundary: the library's exceptions, invalid parameters and unknown routes translated into
one JSON envelope ``{"error": {"code", "message", "details"}}`` for the API (and ``/healthz``, ``/openapi.json``
and ``format=json|csv``) and an HTML page for the pages; never a 500 for bad input."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import AnalysisError, InvalidData, NotFound, StackAtlasError
from ..present.i18n import translator
from . import queries as Q
from ._templates import env, lang_of, query_of, route_path
from .present import View

__all__ = ["API_ERRORS", "ErrorBody", "ErrorEnvelope", "error_response", "install", "render_error"]

log = logging.getLogger("stackatlas.web")


class ErrorBody(BaseModel):
    code: str = Field(description="not_found, analysis_error, invalid_data, validation_error, bad_request, ...")
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    """Every error of the API (and never a 500 for bad input)."""

    error: ErrorBody


#: The error answers every API route documents (``responses`` of its router).
API_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorEnvelope, "description": "Bad request"},
    404: {"model": ErrorEnvelope, "description": "Unknown id (of a record or of a filter value)"},
    414: {"model": ErrorEnvelope, "description": "URL too long (more than 8 KiB: refused before any work)"},
    422: {"model": ErrorEnvelope, "description": "Invalid parameters, or an analysis that cannot be done"},
}


def _wants_json(request: Request) -> bool:
    p = request.url.path
    return (p.startswith("/api") or p in ("/healthz", "/openapi.json")
            or request.query_params.get("format") in ("json", "csv"))


def error_response(request: Request, status: int, code: str, message: str, details: Any = None) -> Response:
    """The error as the JSON envelope (API) or as an HTML page (pages)."""
    if _wants_json(request):
        body = ErrorEnvelope(error=ErrorBody(code=code, message=message, details=jsonable_encoder(details)))
        return JSONResponse(body.model_dump(), status_code=status)
    return render_error(request, status, code, message, details)


def render_error(request: Request, status: int, code: str, message: str, details: Any = None) -> HTMLResponse:
    """An error as an HTML page (the API gets the JSON envelope instead)."""
    lang = lang_of(request)
    t = translator(lang)
    store = request.app.state.store
    gen = store.current()
    gen.acquire()
    try:
        lk = Q.lookups(gen)
        # links (the language switch) from the route, never from the raw path; no route (404): the home page
        path = route_path(request)
        v = View(lk, lang, path, query_of(request) if "route" in request.scope else {})
        if isinstance(details, list):
            details = [f"{d.get('msg')} ({'.'.join(str(x) for x in d.get('loc', []))})"
                       if isinstance(d, dict) else str(d) for d in details]
        html = env.get_template("error.html").render(
            v=v, lang=lang, meta=lk.meta, q=None, me=None, curating=False, status=status, code=code, message=message,
            details=details if isinstance(details, list) else None,
            heading=t("not_found") if status == 404 else t("bad_request") if status < 500 else t("error"))
    finally:
        gen.release()
    return HTMLResponse(html, status_code=status)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors():
        out.append({"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))})
    return out


def install(app: FastAPI) -> None:
    """Register the handlers: NotFound 404, AnalysisError 422, InvalidData and other library errors 400,
    invalid parameters 422, HTTP errors (404, 405, ...) with their status, anything else 500 (logged)."""
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
        # 401, 403, 409, 429 of curation keep their status and code; other library errors are 400
        status = exc.status if 400 <= exc.status < 500 else 400
        response = error_response(request, status, exc.code if status != 400 else "bad_request", str(exc))
        if status == 401:
            response.headers["www-authenticate"] = "Bearer"
        if getattr(exc, "retry_after", None):
            response.headers["retry-after"] = str(exc.retry_after)  # type: ignore[attr-defined]
        return response

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, "validation_error", "invalid request parameters",
                              _validation_details(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = "no such page" if exc.status_code == 404 else str(exc.detail)
        response = error_response(request, exc.status_code, code, message)
        for k, v in (exc.headers or {}).items():  # ``Allow`` of a 405
            response.headers[k] = v
        return response

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:  # pragma: no cover - a bug
        log.exception("unhandled error on %s", request.url.path)
        return error_response(request, 500, "internal_error", "internal error")
