"""Sources: ``/api/sources`` and ``/api/sources/{ident}`` (with a page of the facts citing it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from .. import queries as Q
from ..errors import API_ERRORS
from ..queries import sources
from ._common import (
    CSV,
    Facet,
    Fmt,
    FormatQ,
    Gen,
    Ident,
    Limit,
    Offset,
    SourceSort,
    Text,
    csv_response,
    json_response,
    page,
)

__all__ = ["router"]

router = APIRouter(tags=["api"], responses=API_ERRORS)


@router.get("/api/sources", responses=CSV)
def api_sources(gen: Gen, type: Facet = None, q: Text = None,  # noqa: A002
                sort: Annotated[SourceSort, Query(description="- in front: descending")] = "id",
                limit: Limit = 100, offset: Offset = 0,
                fmt: FormatQ = Fmt.json) -> Response:
    """Sources with the number of facts that cite each."""
    rows = Q.sort_rows(sources.sources(gen, type=type or None, q=q or None), sort, sources.SOURCE_SORTS)
    if fmt == Fmt.csv:
        return csv_response(rows[offset:offset + limit], ["id", "title", "author", "publisher", "date", "url", "type",
                                                  "licence", "citations"], "sources")
    return json_response(page(rows, limit, offset))


@router.get("/api/sources/{ident}")
def api_source(gen: Gen, ident: Ident,
               limit: Annotated[int, Query(ge=1, le=sources.MAX_CITED, description="Citations per page (at most "
                                           f"{sources.MAX_CITED}).")] = sources.MAX_CITED,
               offset: Offset = 0) -> Response:
    """One source and the facts that cite it (``cited_total``; ``cited_by``: a page of them)."""
    return json_response(sources.source_detail(gen, ident, limit, offset))
