"""What the API routes share: parameter types (bounded ids, facets, pages, ``format``) and the JSON and CSV
answers. CSV goes through :func:`stackatlas.present.output.to_csv`, which neutralises cells a spreadsheet
would run."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Literal

from fastapi import Path as PathParam
from fastapi import Query
from fastapi.responses import JSONResponse, Response

from ...present.output import to_csv
from .. import queries as Q
from .._deps import Gen

__all__ = ["CSV", "ActorSort", "Facet", "Fmt", "FormatQ", "Gen", "Ident", "Limit", "Offset", "PlaceType",
           "RelationSort", "SourceSort", "Text", "csv_response", "json_response", "page"]

Ident = Annotated[str, PathParam(min_length=1, max_length=120, description="Record id.")]
Facet = Annotated[str | None, Query(max_length=120)]
Limit = Annotated[int, Query(ge=1, le=Q.MAX_LIMIT, description=f"Page size (at most {Q.MAX_LIMIT}).")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Text = Annotated[str | None, Query(max_length=Q.MAX_Q, description="Text in the name, id or aliases.")]


class Fmt(str, Enum):
    json = "json"
    csv = "csv"


FormatQ = Annotated[Fmt, Query(alias="format", description="json (default) or csv.")]

#: The answer of a route with ``format``: JSON, or CSV with ``format=csv`` (``responses=`` of the route).
CSV: dict[int | str, dict[str, Any]] = {
    200: {"description": "JSON, or CSV with format=csv (an attachment)",
          "content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}}},
}

# The orders the API accepts, spelt out so that the OpenAPI document lists them (an enum) and anything else
# is a 422 before the route runs; tests check them against queries.*_SORTS and places.PROFILE_LEVELS.
#: ``sort`` of /api/actors (``-`` in front: descending).
ActorSort = Literal["name", "-name", "kind", "-kind", "hq", "-hq", "control_country", "-control_country",
                    "layers", "-layers", "ties", "-ties"]
#: ``sort`` of /api/relations.
RelationSort = Literal["date", "-date", "type", "-type", "amount", "-amount", "from", "-from", "to", "-to"]
#: ``sort`` of /api/sources.
SourceSort = Literal["id", "-id", "title", "-title", "date", "-date", "publisher", "-publisher", "type", "-type",
                     "citations", "-citations"]
#: ``type`` of /api/places.
PlaceType = Literal["region", "municipality", "province", "country", "site"]


def json_response(data: Any) -> Response:
    """``data`` as JSON."""
    return JSONResponse(data)


def csv_response(rows: list[dict[str, Any]], columns: list[str], name: str) -> Response:
    """``rows`` as a CSV attachment ``{name}.csv`` with ``columns``."""
    return Response(to_csv(rows, columns), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}.csv"'})


def page(rows: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    """A page of a list computed whole (``total``, ``limit``, ``offset``, ``items``)."""
    return {"total": len(rows), "limit": limit, "offset": offset, "items": rows[offset:offset + limit]}
