"""Synergies between two places: ``/api/synergies``, one synergy, its introductions and guest list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import Response

from .. import queries as Q
from ..errors import API_ERRORS
from ..queries import synergies
from ._common import CSV, Fmt, FormatQ, Gen, csv_response, json_response

__all__ = ["GUEST_CSV", "INTRO_CSV", "SYNERGY_CSV", "router"]

router = APIRouter(tags=["api"], responses=API_ERRORS)


PlaceQ = Annotated[str | None, Query(max_length=120, description="A place id (default: the dataset's compare "
                                                                 "pair).")]
AndQ = Annotated[str | None, Query(alias="and", max_length=120, description="The other place id.")]
ScopeQ = Annotated[str | None, Query(pattern="^(between|corridor)$", description="The unit of complementarity: "
                                     "between (the two places) or corridor (the municipalities of both); default "
                                     "corridor for the dataset's compare pair, else between.")]
SynIdent = Annotated[str, PathParam(min_length=1, max_length=120, description="A curated synergy id (e.g. C) or a "
                                                                              "discovered one (e.g. chips.ai--manufacturing).")]
SYNERGY_CSV = ["kind", "id", "rank", "name", "name_nl", "layers", "domains", "places", "actors_a", "actors_b", "actors",
               "relations", "score", "score_low", "score_high", "curated_match", "sources"]


@router.get("/api/synergies", responses=CSV)
def api_synergies(gen: Gen, between: PlaceQ = None, and_: AndQ = None,
                  top: Annotated[int, Query(ge=1, le=synergies.DISCOVER_POOL, description="Discovered candidates "
                                            f"(at most {synergies.DISCOVER_POOL}).")] = synergies.DISCOVER_TOP,
                  fmt: FormatQ = Fmt.json, scope: ScopeQ = None) -> Response:
    """Synergies between two places (default: the dataset's compare pair). ``curated``: the synergies of the
    source with their named actors per side; ``discovered``: candidates derived from the data, best first
    (``rank, id, label, label_nl, layers, domains, places, score, score_low, score_high`` with the bootstrap 95%
    interval, the score components, ``evidence`` {place: [{id, name, municipality, layers}], ties: [...]} and
    ``curated_match``). ``discovered_error`` says why there are none when the pair cannot be analysed. With
    ``format=csv`` both as one flat table (``kind`` curated or discovered)."""
    lk = Q.lookups(gen)
    a, b = synergies.pair(lk, between or None, and_ or None)
    curated = synergies.synergies(gen, a, b)
    found = synergies.discovered(gen, a, b, scope)
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
        return csv_response(rows, SYNERGY_CSV, "synergies")
    return json_response({"between": a, "and": b, "scope": found["scope"], "curated": curated, "discovered": disc,
                          "bootstrap": found["bootstrap"],
                  "discovered_error": found["error"]})


@router.get("/api/synergies/{ident}")
def api_synergy(gen: Gen, ident: SynIdent, between: PlaceQ = None, and_: AndQ = None,
                scope: ScopeQ = None) -> Response:
    """One synergy between two places. Curated (``kind: curated``): layers, named and further actors per side,
    the ties among them, sources. Discovered (``kind: discovered``; layers in any order, ``id`` answers the
    canonical one): layers, domains, the evidence (supporting actors per side, ties that already cross), the
    municipalities, the curated synergy it corresponds to and, when it is among the best candidates, its
    rank, label and score with the 95% interval."""
    ref = synergies.synergy_ref(gen, ident)
    if ref["kind"] == "curated":
        return json_response({**synergies.synergy_detail(gen, ident, between or None, and_ or None), "kind": "curated"})
    return json_response(synergies.discovered_detail(gen, ident, between or None, and_ or None, scope))


INTRO_CSV = ["a", "a_name", "a_place", "b", "b_name", "b_place", "score", "reasons", "a_layers", "b_layers",
             "shared_domains", "common_partners", "named"]
GUEST_CSV = ["pick", "actor", "name", "region", "helix", "layers", "gain", "covers", "reason"]


@router.get("/api/synergies/{ident}/introductions", responses=CSV)
def api_introductions(gen: Gen, ident: SynIdent, between: PlaceQ = None, and_: AndQ = None,
                      top: Annotated[int, Query(ge=1, le=synergies.MAX_INTRO_TOP, description="How many pairs (at most "
                                                f"{synergies.MAX_INTRO_TOP}).")] = synergies.INTRO_TOP,
                      fmt: FormatQ = Fmt.json, scope: ScopeQ = None) -> Response:
    """Introductions for a synergy: pairs (one organisation in each place, not yet tied) that together cover
    its layers, share its domains and are close in the tie network, best first, each with ``reasons`` (a
    sentence) and ``facts`` (layers of each, shared domains, common partners)."""
    ref = synergies.synergy_ref(gen, ident)
    a, b = synergies.pair(Q.lookups(gen), between or None, and_ or None)
    rows = synergies.introductions_for(gen, ident, a, b, top, scope)
    if fmt == Fmt.csv:
        return csv_response([{**r, **(r.get("facts") or {})} for r in rows], INTRO_CSV, "introductions")
    return json_response({"synergy": ref["id"], "kind": ref["kind"], "between": a, "and": b, "top": top, "items": rows})


@router.get("/api/synergies/{ident}/guests", responses=CSV)
def api_guests(gen: Gen, ident: SynIdent, between: PlaceQ = None, and_: AndQ = None,
               size: Annotated[int, Query(ge=1, le=synergies.MAX_GUESTS, description="Guests (at most "
                                          f"{synergies.MAX_GUESTS}).")] = synergies.GUESTS_SIZE,
               fmt: FormatQ = Fmt.json, scope: ScopeQ = None) -> Response:
    """A guest list for a synergy that covers its layers × both places × the quadruple helix, picked greedily
    (each pick with the ``cells`` it adds). ``coverage``: the coverage value, the cells covered of those
    that can be covered and of all; the greedy list reaches at least ``guarantee`` (1 − 1/e ≈ 63%) of the
    best value any list of this size could reach."""
    ref = synergies.synergy_ref(gen, ident)
    a, b = synergies.pair(Q.lookups(gen), between or None, and_ or None)
    out = synergies.guests_for(gen, ident, a, b, size, scope)
    if fmt == Fmt.csv:
        return csv_response(out["items"], GUEST_CSV, "guests")
    return json_response({**out, "kind": ref["kind"]})
