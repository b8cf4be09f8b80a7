"""The layers of the taxonomy with the global position of each bloc: ``/api/layers``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from .. import queries as Q
from ..errors import API_ERRORS
from ..queries import places
from ._common import Gen, json_response

__all__ = ["router"]

router = APIRouter(tags=["api"], responses=API_ERRORS)


@router.get("/api/layers")
def api_layers(gen: Gen) -> Response:
    """The layers of the taxonomy, bottom-up, with the global position of each bloc."""
    lk = Q.lookups(gen)
    out = []
    for layer in lk.layers:
        out.append({**layer, "positions": places.positions(gen, layer["id"])})
    return json_response({"items": out})
