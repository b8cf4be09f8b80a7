"""The JSON API under ``/api`` (and ``/healthz``); list endpoints also give CSV with ``format=csv``.

Page sizes are bounded (``limit`` ≤ 500) and every query runs on the request's database generation.
CSV goes through :func:`stackatlas.present.output.to_csv`, which neutralises cells a spreadsheet would run.
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
from ..present.output import to_csv
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
            "content_hash": gen.content_hash, "generation": gen.number, "actors": len(lk.actor),
            "compare": [p for p in lk.compare if p]}


@router.get("/api/actors")
def api_actors(gen: Gen, layer: Facet = None, place: Facet = None, kind: Facet = None, domain: Facet = None,
               control_country: Facet = None, q: Text = None,
               sort: Annotated[str, Query(max_length=40, description="name, kind, hq, control_country, layers, "
                                                                      "ties; - for descending")] = "name",
               limit: Limit = 100, offset: Offset = 0, fmt: FormatQ = Fmt.json) -> Response:
    """Organisations with layers, domains, control and sources; a region or province as ``place`` means all
    its municipalities."""
    found = Q.actor_page(gen, sort=sort, limit=limit, offset=offset, layer=layer or None, place=place or None,
                         kind=kind or None, domain=domain or None, control_country=control_country or None,
                         q=q or None)
    if fmt == Fmt.csv:
        return _csv(found["items"], [*ACTOR_COLUMNS, "ties"], "actors")
    return _json(found)


@router.get("/api/actors/{ident}")
def api_actor(gen: Gen, ident: Ident) -> Response:
    """One organisation: layers and offerings, domains, control, parent, sites, ties and sources (``ties``
    counts its relations; ``relations`` lists the first 200 by date; all of them: /api/relations?actor=)."""
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
    found = Q.relation_page(gen, sort=sort, limit=limit, offset=offset, type=type or None, family=family or None,
                            status=status or None, actor=actor or None, layer=layer or None, place=place or None)
    if fmt == Fmt.csv:
        return _csv(found["items"], [*RELATION_COLUMNS, "family"], "relations")
    return _json(found)


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


PlaceQ = Annotated[str | None, Query(max_length=120, description="A place id (default: the dataset's compare "
                                                                 "pair).")]
AndQ = Annotated[str | None, Query(alias="and", max_length=120, description="The other place id.")]
SynIdent = Annotated[str, PathParam(min_length=1, max_length=120, description="A curated synergy id (e.g. C) or a "
                                                                              "discovered one (e.g. chips.ai--manufacturing).")]
SYNERGY_CSV = ["kind", "id", "rank", "name", "name_nl", "layers", "domains", "places", "actors_a", "actors_b", "actors",
               "relations", "score", "score_low", "score_high", "curated_match", "sources"]


@router.get("/api/synergies")
def api_synergies(gen: Gen, between: PlaceQ = None, and_: AndQ = None,
                  top: Annotated[int, Query(ge=1, le=Q.DISCOVER_POOL, description="Discovered candidates "
                                            f"(at most {Q.DISCOVER_POOL}).")] = Q.DISCOVER_TOP,
                  fmt: FormatQ = Fmt.json) -> Response:
    """Synergies between two places (default: the dataset's compare pair). ``curated``: the synergies of the
    source with their named actors per side; ``discovered``: candidates derived from the data, best first
    (``rank, id, label, label_nl, layers, domains, places, score, score_low, score_high`` with the bootstrap 95%
    interval, the score components, ``evidence`` {place: [{id, name, municipality, layers}], ties: [...]} and
    ``curated_match``). ``discovered_error`` says why there are none when the pair cannot be analysed. With
    ``format=csv`` both as one flat table (``kind`` curated or discovered)."""
    lk = Q.lookups(gen)
    a, b = Q.pair(lk, between or None, and_ or None)
    curated = Q.synergies(gen, a, b)
    found = Q.discovered(gen, a, b)
    disc = found["items"][:top]
    if fmt == Fmt.csv:
        rows = [{"kind": "curated", **s, "actors_a": s["sides"]["a"] + s["sides"]["both"],
                 "actors_b": s["sides"]["b"] + s["sides"]["both"]} for s in curated]
        for c in disc:
            ev = c.get("evidence") or {}
            side_a, side_b = [x["id"] for x in ev.get(a, [])], [x["id"] for x in ev.get(b, [])]
            rows.append({**c, "kind": "discovered", "name": c.get("label"), "name_nl": c.get("label_nl"),
                         "actors_a": side_a, "actors_b": side_b, "actors": list(dict.fromkeys(side_a + side_b)),
                         "relations": [t["id"] for t in ev.get("ties", [])], "sources": []})
        return _csv(rows, SYNERGY_CSV, "synergies")
    return _json({"between": a, "and": b, "curated": curated, "discovered": disc, "bootstrap": found["bootstrap"],
                  "discovered_error": found["error"]})


@router.get("/api/synergies/{ident}")
def api_synergy(gen: Gen, ident: SynIdent, between: PlaceQ = None, and_: AndQ = None) -> Response:
    """One synergy between two places. Curated (``kind: curated``): layers, named and further actors per side,
    the ties among them, sources. Discovered (``kind: discovered``; layers in any order, ``id`` answers the
    canonical one): layers, domains, the evidence (supporting actors per side, ties that already cross), the
    municipalities, the curated synergy it corresponds to and, when it is among the best candidates, its
    rank, label and score with the 95% interval."""
    ref = Q.synergy_ref(gen, ident)
    if ref["kind"] == "curated":
        return _json({**Q.synergy_detail(gen, ident, between or None, and_ or None), "kind": "curated"})
    return _json(Q.discovered_detail(gen, ident, between or None, and_ or None))


INTRO_CSV = ["a", "a_name", "a_place", "b", "b_name", "b_place", "score", "reasons", "a_layers", "b_layers",
             "shared_domains", "common_partners", "named"]
GUEST_CSV = ["pick", "actor", "name", "region", "helix", "layers", "gain", "covers", "reason"]


@router.get("/api/synergies/{ident}/introductions")
def api_introductions(gen: Gen, ident: SynIdent, between: PlaceQ = None, and_: AndQ = None,
                      top: Annotated[int, Query(ge=1, le=Q.MAX_INTRO_TOP, description="How many pairs (at most "
                                                f"{Q.MAX_INTRO_TOP}).")] = Q.INTRO_TOP,
                      fmt: FormatQ = Fmt.json) -> Response:
    """Introductions for a synergy: pairs (one organisation in each place, not yet tied) that together cover
    its layers, share its domains and are close in the tie network, best first, each with ``reasons`` (a
    sentence) and ``facts`` (layers of each, shared domains, common partners)."""
    ref = Q.synergy_ref(gen, ident)
    a, b = Q.pair(Q.lookups(gen), between or None, and_ or None)
    rows = Q.introductions_for(gen, ident, a, b, top)
    if fmt == Fmt.csv:
        return _csv([{**r, **(r.get("facts") or {})} for r in rows], INTRO_CSV, "introductions")
    return _json({"synergy": ref["id"], "kind": ref["kind"], "between": a, "and": b, "top": top, "items": rows})


@router.get("/api/synergies/{ident}/guests")
def api_guests(gen: Gen, ident: SynIdent, between: PlaceQ = None, and_: AndQ = None,
               size: Annotated[int, Query(ge=1, le=Q.MAX_GUESTS, description="Guests (at most "
                                          f"{Q.MAX_GUESTS}).")] = Q.GUESTS_SIZE,
               fmt: FormatQ = Fmt.json) -> Response:
    """A guest list for a synergy that covers its layers × both places × the quadruple helix, picked greedily
    (each pick with the ``cells`` it adds). ``coverage``: the coverage value, the cells covered of those
    that can be covered and of all; the greedy list reaches at least ``guarantee`` (1 − 1/e ≈ 63%) of the
    best value any list of this size could reach."""
    ref = Q.synergy_ref(gen, ident)
    a, b = Q.pair(Q.lookups(gen), between or None, and_ or None)
    out = Q.guests_for(gen, ident, a, b, size)
    if fmt == Fmt.csv:
        return _csv(out["items"], GUEST_CSV, "guests")
    return _json({**out, "kind": ref["kind"]})


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
def api_source(gen: Gen, ident: Ident,
               limit: Annotated[int, Query(ge=1, le=Q.MAX_CITED, description="Citations per page (at most "
                                           f"{Q.MAX_CITED}).")] = Q.MAX_CITED,
               offset: Offset = 0) -> Response:
    """One source and the facts that cite it (``cited_total``; ``cited_by``: a page of them)."""
    return _json(Q.source_detail(gen, ident, limit, offset))


@router.get("/api/layers")
def api_layers(gen: Gen) -> Response:
    """The layers of the taxonomy, bottom-up, with the global position of each bloc."""
    lk = Q.lookups(gen)
    out = []
    for layer in lk.layers:
        out.append({**layer, "positions": Q.positions(gen, layer["id"])})
    return _json({"items": out})


@router.get("/api/integration")
def api_integration(gen: Gen, limit: Limit = Q.MAX_LIMIT, offset: Offset = 0) -> Response:
    """The foundries table (best first; ``foundries_total`` rows, of which the first 2,000 can be paged with
    ``limit`` and ``offset``) and the layer flow (when the integration analysis is available)."""
    data = Q.integration(gen)
    if data is None:
        raise NotFound("analysis", "integration")
    if data.get("foundries") is not None:
        data = {**data, "foundries": data["foundries"][offset:offset + limit]}
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
