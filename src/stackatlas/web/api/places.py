"""Places and stack profiles: ``/api/places``, ``/api/places/{ident}`` and ``/api/profile``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ...errors import AnalysisError
from .. import queries as Q
from ..errors import API_ERRORS
from ..queries import places
from ._common import CSV, Fmt, FormatQ, Gen, Ident, PlaceType, csv_response, json_response

__all__ = ["PROFILE_COLUMNS", "router"]

router = APIRouter(tags=["api"], responses=API_ERRORS)


@router.get("/api/places", responses=CSV)
def api_places(gen: Gen, type: PlaceType = "region",  # noqa: A002
               fmt: FormatQ = Fmt.json) -> Response:
    """Places of one type that have organisations, with their number of organisations (most first)."""
    lk = Q.lookups(gen)
    rows = [{"id": p, "type": type, "name_nl": lk.place[p]["name_nl"], "name_en": lk.place[p]["name_en"],
             "actors": n} for p, n in places.actors_per_place(gen, type)]
    if fmt == Fmt.csv:
        return csv_response(rows, ["id", "type", "name_nl", "name_en", "actors"], "places")
    return json_response({"type": type, "items": rows})


@router.get("/api/places/{ident}")
def api_place(gen: Gen, ident: Ident) -> Response:
    """A place: its municipalities and sites, number of actors per layer, stack profile and figures."""
    rec = dict(places.place_detail(gen, ident))
    rec["layer_counts"] = places.layer_counts(gen, ident)
    rec["profile"] = places.place_profile(gen, ident)
    rec["indicators"] = places.indicators(gen, ident)
    return json_response(rec)


PROFILE_COLUMNS = ["place", "layer", "count", "actors", "share", "expected", "lq", "lq_low", "lq_high",
                   "p_value", "lq_shrunk"]


@router.get("/api/profile", responses=CSV)
def api_profile(gen: Gen, place: Annotated[list[str], Query(min_length=1, max_length=20,
                                                            description="Place id (repeatable).")],
                fmt: FormatQ = Fmt.json) -> Response:
    """The stack profile of one or more places: counts, shares and location quotients with 95% intervals
    (baseline: the dataset's)."""
    rows: list[dict[str, Any]] = []
    for p in dict.fromkeys(place):
        if len(p) > 120:
            raise AnalysisError("place ids are at most 120 characters")
        rows.extend(places.place_profile(gen, p))
    if fmt == Fmt.csv:
        return csv_response(rows, PROFILE_COLUMNS, "profile")
    return json_response({"baseline": Q.lookups(gen).baseline, "items": rows})
