"""Ties between organisations: ``/api/relations`` (filtered, sorted, paged; CSV)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ...atlas import RELATION_COLUMNS
from ..errors import API_ERRORS
from ..queries import relations
from ._common import CSV, Facet, Fmt, FormatQ, Gen, Limit, Offset, RelationSort, csv_response, json_response

__all__ = ["router"]

router = APIRouter(tags=["api"], responses=API_ERRORS)


@router.get("/api/relations", responses=CSV)
def api_relations(gen: Gen, type: Facet = None, family: Facet = None, status: Facet = None,  # noqa: A002
                  actor: Facet = None, layer: Facet = None, place: Facet = None,
                  sort: Annotated[RelationSort, Query(description="- in front: descending")] = "date",
                  limit: Limit = 100, offset: Offset = 0, fmt: FormatQ = Fmt.json) -> Response:
    """Ties between organisations (investments, acquisitions, partnerships, ...) with amounts, dates and
    sources; ``layer`` and ``place`` keep ties with at least one end there."""
    found = relations.relation_page(gen, sort=sort, limit=limit, offset=offset, type=type or None,
                                    family=family or None, status=status or None, actor=actor or None,
                                    layer=layer or None, place=place or None)
    if fmt == Fmt.csv:
        return csv_response(found["items"], [*RELATION_COLUMNS, "family"], "relations")
    return json_response(found)
