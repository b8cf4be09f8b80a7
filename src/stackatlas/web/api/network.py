"""Analyses of the whole network: ``/api/integration`` and ``/api/sovereignty``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from .. import queries as Q
from ..errors import API_ERRORS
from ..queries import network
from ._common import CSV, Facet, Fmt, FormatQ, Gen, Limit, Offset, csv_response, json_response

__all__ = ["router"]

router = APIRouter(tags=["api"], responses=API_ERRORS)


@router.get("/api/integration")
def api_integration(gen: Gen, limit: Limit = Q.MAX_LIMIT, offset: Offset = 0) -> Response:
    """The foundries table (best first; ``foundries_total`` rows, of which the first 2,000 can be paged with
    ``limit`` and ``offset``) and the layer flow (when the integration analysis is available)."""
    data = network.integration(gen)
    return json_response({**data, "foundries": data["foundries"][offset:offset + limit]})




@router.get("/api/sovereignty", responses=CSV)
def api_sovereignty(gen: Gen, place: Facet = None, fmt: FormatQ = Fmt.json) -> Response:
    """Shares of actors per layer by control bloc (when the sovereignty analysis is available)."""
    rows = network.sovereignty(gen, place or None)
    if fmt == Fmt.csv:
        cols = list(rows[0]) if rows else ["layer", "actors", *Q.lookups(gen).bloc, "unknown", "hhi", "eu_share",
                                           "weakest"]
        return csv_response(rows, cols, "sovereignty")
    return json_response({"place": place or None, "items": rows})
