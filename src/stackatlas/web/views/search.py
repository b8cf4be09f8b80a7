"""The search page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from .. import queries as Q
from ..present import View
from ..queries import search
from ._common import Gen, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, gen: Gen, q: Annotated[str, Query(max_length=Q.MAX_Q)] = "") -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        results = search.search(gen, q, limit=50) if q.strip() else []
        v.lk.actor.prefetch(r["id"] for r in results if r["type"] == "actor")
        return {"q": q, "results": results}

    return page(request, gen, "search.html", build)
