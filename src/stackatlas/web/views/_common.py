"""What the pages share: parameter types and :func:`page`, which renders a template with the request's
:class:`~stackatlas.web.present.View` (names, numbers and links in the request's language)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Path as PathParam
from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from .. import queries as Q
from .._auth import auth_of, csrf_token, user_of
from .._deps import Gen
from .._templates import env, lang_of, query_of, route_path
from ..present import View
from ..state import Generation

__all__ = ["Facet", "Gen", "Ident", "Limit", "Offset", "Place", "Scope", "page", "personal_page"]

Ident = Annotated[str, PathParam(min_length=1, max_length=120)]
Facet = Annotated[str | None, Query(max_length=120)]
Limit = Annotated[int, Query(ge=1, le=Q.MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Place = Annotated[str | None, Query(max_length=120)]
#: The unit of complementarity of discovered synergies (default: corridor for the dataset's pair).
Scope = Annotated[str | None, Query(pattern="^(between|corridor)$")]


def page(request: Request, gen: Generation, template: str, build: Callable[[View], dict[str, Any]]) -> HTMLResponse:
    """Render ``template`` with ``build(v)`` (the response is cached per generation by ``ResponseCache``)."""
    lang = lang_of(request)
    lk = Q.lookups(gen)
    v = View(lk, lang, route_path(request), query_of(request))
    ctx = build(v)
    ctx.setdefault("q", None)
    ctx.setdefault("me", user_of(request))
    ctx.setdefault("curating", auth_of(request) is not None)
    ctx.setdefault("csrf_token", lambda: csrf_token(request))
    return HTMLResponse(env.get_template(template).render(v=v, lang=lang, meta=lk.meta, **ctx))


def personal_page(request: Request, gen: Generation, template: str, build: Callable[[View], dict[str, Any]], *,
                  status: int = 200) -> HTMLResponse:
    """:func:`page` for one person (login, forms, review): with ``status`` and never stored by any cache."""
    response = page(request, gen, template, build)
    response.status_code = status
    response.headers["cache-control"] = "no-store"
    return response
