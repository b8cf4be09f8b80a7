"""The JSON API under ``/api`` (and ``/healthz``); list endpoints also give CSV with ``format=csv``.

Page sizes are bounded (``limit`` ≤ 500) and every query runs on the request's database generation.
CSV goes through :func:`stackatlas.output.to_csv`, which neutralises cells a spreadsheet would run.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ..atlas import ACTOR_COLUMNS, RELATION_COLUMNS
from ..errors import AnalysisError, NotFound
from ..output import to_csv
from . import queries as Q
from .app import generation
from .state import Generation

__all__ = ["health", "router"]


class ErrorBody(BaseModel):
    code: str = Field(description="not_found, analysis_error, invalid_data, validation_error, bad_request, ...")
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    """Every error of the API (and never a 500 for bad input)."""

    error: ErrorBody


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorEnvelope, "description": "Bad request"},
    404: {"model": ErrorEnvelope, "description": "Unknown id (of a record or of a filter value)"},
    422: {"model": ErrorEnvelope, "description": "Invalid parameters, or an analysis that cannot be done"},
}
router = APIRouter(tags=["api"], responses=_ERRORS)
health = APIRouter(tags=["health"])

Gen = Annotated[Generation, Depends(generation)]
Ident = Annotated[str, PathParam(min_length=1, max_length=120, description="Record id.")]
Facet = Annotated[str | None, Query(max_length=120)]
Limit = Annotated[int, Query(ge=1, le=Q.MAX_LIMIT, description=f"Page size (at most {Q.MAX_LIMIT}).")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Text = Annotated[str | None, Query(max_length=Q.MAX_Q, description="Text in the name, id or aliases.")]


class Fmt(str, Enum):
    json = "json"
    csv = "csv"


FormatQ = Annotated[Fmt, Query(alias="format", description="json (default) or csv.")]


def _json(data: Any) -> Response:
    return JSONResponse(data)


def _csv(rows: list[dict[str, Any]], columns: list[str], name: str) -> Response:
    return Response(to_csv(rows, columns), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}.csv"'})


def _page(rows: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    return {"total": len(rows), "limit": limit, "offset": offset, "items": rows[offset:offset + limit]}


@health.get("/healthz")
def healthz(gen: Gen) -> dict[str, Any]:
    """Liveness, and which build of the data is being served."""
    lk = Q.lookups(gen)
    return {"status": "ok", "dataset": lk.meta.get("id"), "version": lk.meta.get("version"),
            "content_hash": gen.content_hash, "generation": gen.number, "actors": len(lk.actor)}


@router.get("/api/actors")
def api_actors(gen: Gen, layer: Facet = None, place: Facet = None, kind: Facet = None, domain: Facet = None,
               control_country: Facet = None, q: Text = None,
               sort: Annotated[str, Query(max_length=40, description="name, kind, hq, control_country, layers, "
                                                                      "ties; - for descending")] = "name",
               limit: Limit = 100, offset: Offset = 0, fmt: FormatQ = Fmt.json) -> Response:
    """Organisations with layers, domains, control and sources; a region or province as ``place`` means all
    its municipalities."""
    rows = Q.sort_rows(Q.actors(gen, layer=layer or None, place=place or None, kind=kind or None,
                                domain=domain or None, control_country=control_country or None, q=q or None),
                       sort, Q.ACTOR_SORTS)
    if fmt == Fmt.csv:
        return _csv(rows[offset:offset + limit], [*ACTOR_COLUMNS, "ties"], "actors")
    return _json(_page(rows, limit, offset))


@router.get("/api/actors/{ident}")
def api_actor(gen: Gen, ident: Ident) -> Response:
    """One organisation: layers and offerings, domains, control, parent, sites, ties and sources."""
    rec = dict(Q.actor_detail(gen, ident))
    rec["indicators"] = Q.indicators(gen, ident)
    return _json(rec)


@router.get("/api/relations")
def api_relations(gen: Gen, type: Facet = None, family: Facet = None, status: Facet = None,  # noqa: A002
                  actor: Facet = None, layer: Facet = None, place: Facet = None,
                  sort: Annotated[str, Query(max_length=40, description="date, type, amount, from, to; - for "
                                                                         "descending")] = "date",
                  limit: Limit = 100, offset: Offset = 0, fmt: FormatQ = Fmt.json) -> Response:
    """Ties between organisations (investments, acquisitions, partnerships, ...) with amounts, dates and
    sources; ``layer`` and ``place`` keep ties with at least one end there."""
    lk = Q.lookups(gen)
    Q.check(lk, "relation type", type or None)
    Q.check(lk, "actor", actor or None)
    rows = Q.sort_rows(Q.relations(gen, type=type or None, family=family or None, status=status or None,
                                   actor=actor or None, layer=layer or None, place=place or None),
                       sort, Q.RELATION_SORTS, {"amount": lambda r: (r["amount"] or {}).get("value")})
    if fmt == Fmt.csv:
        return _csv(rows[offset:offset + limit], [*RELATION_COLUMNS, "family"], "relations")
    return _json(_page(rows, limit, offset))


@router.get("/api/places")
def api_places(gen: Gen, type: Annotated[str, Query(description="region, municipality, province, country or "  # noqa: A002
                                                                 "site")] = "region",
               fmt: FormatQ = Fmt.json) -> Response:
    """Places of one type that have organisations, with their number of organisations (most first)."""
    if type not in Q.PROFILE_LEVELS:
        raise AnalysisError(f"type must be one of {', '.join(Q.PROFILE_LEVELS)}, not {type!r}")
    lk = Q.lookups(gen)
    rows = [{"id": p, "type": type, "name_nl": lk.place[p]["name_nl"], "name_en": lk.place[p]["name_en"],
             "actors": n} for p, n in Q.actors_per_place(gen, type)]
    if fmt == Fmt.csv:
        return _csv(rows, ["id", "type", "name_nl", "name_en", "actors"], "places")
    return _json({"type": type, "items": rows})


@router.get("/api/places/{ident}")
def api_place(gen: Gen, ident: Ident) -> Response:
    """A place: its municipalities and sites, number of actors per layer, stack profile and figures."""
    rec = dict(Q.place_detail(gen, ident))
    rec["layer_counts"] = Q.layer_counts(gen, ident)
    rec["profile"] = Q.place_profile(gen, ident)
    rec["indicators"] = Q.indicators(gen, ident)
    return _json(rec)


PROFILE_COLUMNS = ["place", "layer", "count", "actors", "share", "expected", "lq", "lq_low", "lq_high",
                   "p_value", "lq_shrunk"]


@router.get("/api/profile")
def api_profile(gen: Gen, place: Annotated[list[str], Query(min_length=1, max_length=20,
                                                            description="Place id (repeatable).")],
                fmt: FormatQ = Fmt.json) -> Response:
    """The stack profile of one or more places: counts, shares and location quotients with 95% intervals
    (baseline: the dataset's)."""
    rows: list[dict[str, Any]] = []
    for p in dict.fromkeys(place):
        if len(p) > 120:
            raise AnalysisError("place ids are at most 120 characters")
        rows.extend(Q.place_profile(gen, p))
    if fmt == Fmt.csv:
        return _csv(rows, PROFILE_COLUMNS, "profile")
    return _json({"baseline": Q.lookups(gen).baseline, "items": rows})


@router.get("/api/synergies")
def api_synergies(gen: Gen, between: Facet = None,
                  and_: Annotated[str | None, Query(alias="and", max_length=120)] = None,
                  fmt: FormatQ = Fmt.json) -> Response:
    """Synergies between two places (default: the dataset's compare pair). ``curated``: the synergies of the
    source with their named actors per side; ``discovered``: reserved for candidates derived from the data."""
    lk = Q.lookups(gen)
    a, b = between or lk.compare[0], and_ or lk.compare[1]
    curated = Q.synergies(gen, a, b)
    if fmt == Fmt.csv:
        rows = [{**s, "actors_a": s["sides"]["a"] + s["sides"]["both"], "actors_b": s["sides"]["b"] + s["sides"]["both"]}
                for s in curated]
        return _csv(rows, ["id", "name", "name_nl", "layers", "domains", "places", "actors_a", "actors_b", "actors",
                           "relations", "sources"], "synergies")
    return _json({"between": a, "and": b, "curated": curated, "discovered": None})


@router.get("/api/synergies/{ident}")
def api_synergy(gen: Gen, ident: Ident, between: Facet = None,
                and_: Annotated[str | None, Query(alias="and", max_length=120)] = None) -> Response:
    """One curated synergy: layers, named and further actors per side, the ties among them, sources."""
    return _json(Q.synergy_detail(gen, ident, between or None, and_ or None))


@router.get("/api/search")
def api_search(gen: Gen, q: Annotated[str, Query(min_length=1, max_length=Q.MAX_Q)],
               limit: Annotated[int, Query(ge=1, le=100)] = 20) -> Response:
    """Organisations (names and aliases), places, layers, synergies and sources; tolerates typos."""
    return _json({"q": q, "items": Q.search(gen, q, limit)})


@router.get("/api/sources")
def api_sources(gen: Gen, type: Facet = None, q: Text = None,  # noqa: A002
                sort: Annotated[str, Query(max_length=40)] = "id", limit: Limit = 100, offset: Offset = 0,
                fmt: FormatQ = Fmt.json) -> Response:
    """Sources with the number of facts that cite each."""
    rows = Q.sort_rows(Q.sources(gen, type=type or None, q=q or None), sort, Q.SOURCE_SORTS)
    if fmt == Fmt.csv:
        return _csv(rows[offset:offset + limit], ["id", "title", "author", "publisher", "date", "url", "type",
                                                  "licence", "citations"], "sources")
    return _json(_page(rows, limit, offset))


@router.get("/api/sources/{ident}")
def api_source(gen: Gen, ident: Ident) -> Response:
    """One source and every fact that cites it."""
    return _json(Q.source_detail(gen, ident))


@router.get("/api/layers")
def api_layers(gen: Gen) -> Response:
    """The layers of the taxonomy, bottom-up, with the global position of each bloc."""
    lk = Q.lookups(gen)
    out = []
    for layer in lk.layers:
        out.append({**layer, "positions": Q.positions(gen, layer["id"])})
    return _json({"items": out})


@router.get("/api/integration")
def api_integration(gen: Gen) -> Response:
    """The foundries table and the layer flow (when the integration analysis is available)."""
    data = Q.integration(gen)
    if data is None:
        raise NotFound("analysis", "integration")
    return _json(data)


SOV_COLUMNS = ["layer", "actors", "nl", "eu", "us", "cn", "other", "unknown", "hhi", "eu_share", "weakest"]


@router.get("/api/sovereignty")
def api_sovereignty(gen: Gen, place: Facet = None, fmt: FormatQ = Fmt.json) -> Response:
    """Shares of actors per layer by control bloc (when the sovereignty analysis is available)."""
    rows = Q.sovereignty(gen, place or None)
    if rows is None:
        raise NotFound("analysis", "sovereignty")
    if fmt == Fmt.csv:
        cols = list(rows[0]) if rows else SOV_COLUMNS
        return _csv(rows, cols, "sovereignty")
    return _json({"place": place or None, "items": rows})
