"""Comparing two places and their synergies: ``/compare``, ``/synergies`` and one synergy (curated or
discovered) with its evidence, introductions and guest list."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...errors import AnalysisError
from ...present import charts
from .. import queries as Q
from ..present import View
from ..queries import actors, network, places, relations, synergies
from ..state import Generation
from ._common import Gen, Ident, Place, Scope, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, gen: Gen, a: Place = None, b: Place = None, scope: Scope = None) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        lk = v.lk
        pa, pb = a or lk.compare[0], b or lk.compare[1]
        Q.check(lk, "place", pa)
        Q.check(lk, "place", pb)
        prof_a, prof_b = places.place_profile(gen, pa), places.place_profile(gen, pb)
        names = v.layer_names
        pnames = {pa: v.place(pa), pb: v.place(pb)}
        spec = charts.profile_intervals(prof_a + prof_b, names, pnames, title=f"{pnames[pa]} ↔ {pnames[pb]}",
                                        colors={pnames[pa]: charts.SIDE_COLORS["a"],
                                                pnames[pb]: charts.SIDE_COLORS["b"]})
        same_type = lk.place[pa]["type"] == lk.place[pb]["type"]
        br = network.bridges(gen, pa, pb) if pa != pb else None
        choices = [p for p, _ in places.actors_per_place(gen, "region")] + \
                  [p for p, _ in places.actors_per_place(gen, "municipality")]
        syn_query = _query(pa, pb, lk.compare, scope)
        return {"a": pa, "b": pb, "prof": {pa: prof_a, pb: prof_b}, "spec": spec, "same_type": same_type,
                "bridges": br, "bridges_too_large": network.graph_too_large(gen),
                "synergies": synergies.synergies(gen, pa, pb) if pa != pb else [], "syn_a": pa, "syn_b": pb,
                "syn_query": syn_query, "choices": choices,
                "counts": {pa: places.layer_counts(gen, pa), pb: places.layer_counts(gen, pb)},
                **_discovered_ctx(v, gen, pa, pb, syn_query, scope)}

    return page(request, gen, "compare.html", build)


def _query(a: str, b: str, own: tuple[str, str], scope: str | None) -> str:
    """The query string that keeps a pair (when not the dataset's own) and an explicitly chosen scope."""
    q = {} if (a, b) == own else {"a": a, "b": b}
    return urlencode({**q, **({"scope": scope} if scope else {})})


def _discovered_ctx(v: View, gen: Generation, a: str, b: str, syn_query: str,
                    scope: str | None = None) -> dict[str, Any]:
    """The discovered candidates of a pair for the templates (table, interval chart, API links) and the links
    that switch the scope."""
    if a == b:
        return {"disc": None, "disc_spec": None, "disc_api": "", "scopes": []}
    found = synergies.discovered(gen, a, b, scope)
    items = found["items"][:synergies.DISCOVER_TOP]
    href = {c["id"]: f"/synergies/{quote(c['id'], safe='')}" + (f"?{syn_query}" if syn_query else "")
            for c in items}
    spec = None
    if items:
        spec = charts.synergy_scores(items, {c["id"]: v.layer_set(c["layers"], c["domains"]) for c in items},
                                     names={c["id"]: v.label(c) for c in items}, href=href,
                                     title=f"{v.t('discovered')}: {v.t('score')} (95%)", axis_title=v.t("score"))
    api = "/api/synergies?" + urlencode({"between": a, "and": b, **({"scope": scope} if scope else {})})
    scopes = [{"id": s, "current": s == found["scope"],
               "href": "/compare?" + urlencode({"a": a, "b": b, "scope": s}) + "#discovered"}
              for s in ("between", "corridor")]
    return {"disc": {**found, "items": items, "href": href}, "disc_spec": spec, "disc_api": api, "scopes": scopes}


@router.get("/synergies", response_class=HTMLResponse)
def synergies_page(request: Request, gen: Gen) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        a, b = v.lk.compare
        return {"synergies": synergies.synergies(gen, a, b), "syn_a": a, "syn_b": b, "syn_query": "",
                **_discovered_ctx(v, gen, a, b, "")}

    return page(request, gen, "synergies.html", build)


Size = Annotated[int, Query(ge=1, le=synergies.MAX_GUESTS)]


@router.get("/synergies/{ident}", response_class=HTMLResponse, response_model=None)
def synergy_page(request: Request, gen: Gen, ident: Ident, a: Place = None, b: Place = None,
                 size: Size = synergies.GUESTS_SIZE, scope: Scope = None) -> HTMLResponse | RedirectResponse:
    ref = synergies.synergy_ref(gen, ident)
    if ref["id"] != ident:  # a discovered id with its layers in another order: the canonical address
        query = urlencode(list(request.query_params.multi_items()))
        return RedirectResponse(f"/synergies/{quote(ref['id'], safe='')}" + (f"?{query}" if query else ""),
                                status_code=308)

    def build(v: View) -> dict[str, Any]:
        lk = v.lk
        pa, pb = synergies.pair(lk, a, b)
        syn_query = _query(pa, pb, lk.compare, scope)
        if ref["kind"] == "curated":
            s = synergies.synergy_detail(gen, ident, pa, pb)
            found = synergies.discovered(gen, pa, pb, scope)["items"]
            s = {**s, "kind": "curated",
                 "matches": [c for c in found[:synergies.DISCOVER_TOP] if c.get("curated_match") == ident]}
        else:
            s = synergies.discovered_detail(gen, ident, pa, pb, scope)
            s["ties_total"] = len(s["evidence"]["ties"])
            s["ties"] = relations.relations_by_ids(gen, [t["id"] for t in s["evidence"]["ties"][:synergies.TIES_SHOWN]])
            degree = actors.ties_of(gen, [x["id"] for side in (pa, pb) for x in s["evidence"][side]])
            for side in (pa, pb):
                s["evidence"][side] = sorted(
                    s["evidence"][side], key=lambda x: (-len(x["layers"]), -degree.get(x["id"], 0),
                                                        x["name"].casefold()))
        title = v.text(s) if s["kind"] == "curated" else (v.label(s["candidate"]) if s["candidate"]
                                                           else v.layer_set(s["layers"], s["domains"]))
        s.setdefault("ties_total", len(s["ties"]))
        lk.actor.prefetch([*(x for r in s["ties"] for x in (r["from"], r["to"])),
                           *(x["id"] for side in (pa, pb) for x in (s.get("evidence") or {}).get(side, [])[:60])])
        # the wording of evidence, introductions and guests follows the scope (corridor: municipalities)
        scope_suffix = "_corridor" if synergies.scope_for(lk, pa, pb, scope) == "corridor" else ""
        ctx: dict[str, Any] = {"s": s, "title": title, "a": pa, "b": pb, "syn_query": syn_query, "size": size,
                               "scope_suffix": scope_suffix,
                               "evidence_limit": synergies.EVIDENCE_LIMIT,
                               "max_size": synergies.MAX_GUESTS, "intro_error": None, "guest_error": None,
                               "intros": [], "guests": None}
        try:
            ctx["intros"] = synergies.introductions_for(gen, ident, pa, pb, synergies.INTRO_TOP, scope)
        except AnalysisError as exc:
            ctx["intro_error"] = str(exc)
        try:
            ctx["guests"] = synergies.guests_for(gen, ident, pa, pb, size, scope)
            cov = ctx["guests"]["coverage"]
            ctx["helix_groups"] = cov.get("cells_total", 0) // max(1, cov.get("places", 2) * len(s["layers"]))
        except AnalysisError as exc:
            ctx["guest_error"] = str(exc)
        api_q = {"between": pa, "and": pb, **({"scope": scope} if scope else {})}
        base = f"/api/synergies/{quote(ident, safe='')}"
        ctx["api"] = {"detail": f"{base}?{urlencode(api_q)}",
                      "intros": f"{base}/introductions?{urlencode({**api_q, 'top': synergies.INTRO_TOP})}",
                      "intros_csv": f"{base}/introductions?{urlencode({**api_q, 'top': synergies.INTRO_TOP, 'format': 'csv'})}",
                      "guests": f"{base}/guests?{urlencode({**api_q, 'size': size})}",
                      "guests_csv": f"{base}/guests?{urlencode({**api_q, 'size': size, 'format': 'csv'})}"}
        return ctx

    return page(request, gen, "synergy.html", build)
