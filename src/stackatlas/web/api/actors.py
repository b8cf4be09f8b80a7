"""Organisations: ``/api/actors`` (filtered, sorted, paged; CSV) and ``/api/actors/{ident}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ...atlas import ACTOR_COLUMNS
from ..errors import API_ERRORS
from ..queries import actors, places
from ._common import CSV, ActorSort, Facet, Fmt, FormatQ, Gen, Ident, Limit, Offset, Text, csv_response, json_response

__all__ = ["router"]

router = APIRouter(tags=["api"], responses=API_ERRORS)


@router.get("/api/actors", responses=CSV)
def api_actors(gen: Gen, layer: Facet = None, place: Facet = None, kind: Facet = None, domain: Facet = None,
               control_country: Facet = None, q: Text = None,
               sort: Annotated[ActorSort, Query(description="- in front: descending")] = "name",
               limit: Limit = 100, offset: Offset = 0, fmt: FormatQ = Fmt.json) -> Response:
    """Organisations with layers, domains, control and sources; a region or province as ``place`` means all
    its municipalities."""
    found = actors.actor_page(gen, sort=sort, limit=limit, offset=offset, layer=layer or None,
                              place=place or None, kind=kind or None, domain=domain or None,
                              control_country=control_country or None, q=q or None)
    if fmt == Fmt.csv:
        return csv_response(found["items"], [*ACTOR_COLUMNS, "ties"], "actors")
    return json_response(found)


@router.get("/api/actors/{ident}")
def api_actor(gen: Gen, ident: Ident) -> Response:
    """One organisation: layers and offerings, domains, control, parent, sites, ties and sources (``ties``
    counts its relations; ``relations`` lists the first 200 by date; all of them: /api/relations?actor=)."""
    rec = dict(actors.actor_detail(gen, ident))
    rec["indicators"] = places.indicators(gen, ident)
    return json_response(rec)
