"""Search: ``/api/search``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from .. import queries as Q
from ..errors import API_ERRORS
from ..queries import search
from ._common import Gen, json_response

__all__ = ["router"]

router = APIRouter(tags=["api"], responses=API_ERRORS)


@router.get("/api/search")
def api_search(gen: Gen, q: Annotated[str, Query(min_length=1, max_length=Q.MAX_Q)],
               limit: Annotated[int, Query(ge=1, le=100)] = 20) -> Response:
    """Organisations (names and aliases), places, layers, synergies and sources; tolerates typos."""
    return json_response({"q": q, "items": search.search(gen, q, limit)})
