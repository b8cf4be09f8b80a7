"""The corridor over time: ``/api/timeline`` and ``/api/changes``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ..errors import API_ERRORS
from ..queries import timeline as T
from ._common import Facet, Gen, json_response

__all__ = ["router"]

router = APIRouter(tags=["api"], responses=API_ERRORS)
By = Annotated[str, Query(pattern="^(year|quarter)$")]
#: A year, a month or a day (the schema lists only real days; 29 February is given as 2024-02 or 2024-03-01)
DATE_PATTERN = ("^[1-9][0-9]{3}(-(0[1-9]|1[0-2]))?$|^[1-9][0-9]{3}-(02-(0[1-9]|1[0-9]|2[0-8])"
                "|(0[469]|11)-(0[1-9]|[12][0-9]|30)|(0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01]))$")
Since = Annotated[str, Query(min_length=4, max_length=10, pattern=DATE_PATTERN,
                             description="YYYY, YYYY-MM or YYYY-MM-DD: the end of it")]


@router.get("/api/timeline")
def api_timeline(gen: Gen, a: Facet = None, b: Facet = None, by: By = "year") -> Response:
    """Per period: new ties within each region and across (by type and family), new organisations per layer
    and region, ties ended (rows ``period, measure, region, layer, type, count``); ``undated``: the ties and
    organisations of the pair without a date, which no period counts."""
    return json_response(T.timeline(gen, a, b, by))


@router.get("/api/changes")
def api_changes(gen: Gen, since: Since, a: Facet = None, b: Facet = None) -> Response:
    """What changed since ``since``: the headline figures as of then against now, and the dated facts since
    (undated facts count on both sides; ``undated`` says how many)."""
    return json_response(T.changes(gen, since, a, b))
