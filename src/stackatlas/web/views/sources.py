"""Sources: the list, and one source with the facts citing it."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from .. import queries as Q
from ..present import View
from ..queries import sources
from ._common import Facet, Gen, Ident, Limit, Offset, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, gen: Gen, type: Facet = None,  # noqa: A002
                 q: Annotated[str | None, Query(max_length=Q.MAX_Q)] = None,
                 sort: Annotated[str, Query(max_length=40)] = "-citations", limit: Limit = 100,
                 offset: Offset = 0) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        rows = Q.sort_rows(sources.sources(gen, type=type or None, q=q or None), sort, sources.SOURCE_SORTS)
        types = sorted({r["type"] for r in sources.sources(gen) if r["type"]})
        counts = {t: sum(1 for r in sources.sources(gen, q=q or None) if r["type"] == t) for t in types}
        api = {k: val for k, val in (("type", type), ("q", q)) if val}
        return {"rows": rows[offset:offset + limit], "total": len(rows), "limit": limit, "offset": offset,
                "type_values": [(t, counts[t]) for t in types], "filters": {"type": type, "q": q}, "sort": sort,
                "sorts": [("-citations", f"{v.t('citations')} ↓"), ("title", v.t("title")), ("-date", f"{v.t('date')} ↓"),
                          ("publisher", v.t("publisher")), ("id", "id")],
                "json_url": "/api/sources?" + urlencode({**api, "sort": sort, "limit": Q.MAX_LIMIT}),
                "csv_url": "/api/sources?" + urlencode({**api, "sort": sort, "limit": Q.MAX_LIMIT, "format": "csv"})}

    return page(request, gen, "sources.html", build)


@router.get("/sources/{ident}", response_class=HTMLResponse)
def source_page(request: Request, gen: Gen, ident: Ident) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        s = sources.source_detail(gen, ident)
        v.lk.actor.prefetch(c["subject"] for c in s["cited_by"] if c["subject_type"] == "actor")
        return {"s": s}

    return page(request, gen, "source.html", build)
