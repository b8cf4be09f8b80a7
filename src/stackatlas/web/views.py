"""The HTML pages: server-rendered with Jinja2 (autoescape on), each rendered page cached per generation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ..errors import AnalysisError
from ..present import charts
from ..present.i18n import pick_lang, translator
from . import queries as Q
from .app import generation
from .present import View
from .state import Generation

__all__ = ["env", "render_error", "router"]

router = APIRouter(include_in_schema=False)

env = Environment(
    loader=PackageLoader("stackatlas.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False}

Gen = Annotated[Generation, Depends(generation)]
Ident = Annotated[str, PathParam(min_length=1, max_length=120)]
Facet = Annotated[str | None, Query(max_length=120)]
Limit = Annotated[int, Query(ge=1, le=Q.MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def lang_of(request: Request) -> str:
    return pick_lang(request.query_params.get("lang"), request.cookies.get("lang"),
                     request.headers.get("accept-language"))


def _query(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k != "lang"}


def page(request: Request, gen: Generation, template: str, build: Callable[[View], dict[str, Any]]) -> HTMLResponse:
    """Render ``template`` with ``build(v)`` (the response is cached per generation by ``ResponseCache``)."""
    lang = lang_of(request)
    lk = Q.lookups(gen)
    v = View(lk, lang, request.url.path, _query(request))
    ctx = build(v)
    ctx.setdefault("q", None)
    return HTMLResponse(env.get_template(template).render(v=v, lang=lang, meta=lk.meta, **ctx))


def render_error(request: Request, status: int, code: str, message: str, details: Any = None) -> HTMLResponse:
    """An error as an HTML page (the API gets the JSON envelope instead)."""
    lang = lang_of(request)
    t = translator(lang)
    store = request.app.state.store
    gen = store.current()
    gen.acquire()
    try:
        lk = Q.lookups(gen)
        v = View(lk, lang, request.url.path, _query(request))
        if isinstance(details, list):
            details = [f"{d.get('msg')} ({'.'.join(str(x) for x in d.get('loc', []))})"
                       if isinstance(d, dict) else str(d) for d in details]
        html = env.get_template("error.html").render(
            v=v, lang=lang, meta=lk.meta, q=None, status=status, code=code, message=message,
            details=details if isinstance(details, list) else None,
            heading=t("not_found") if status == 404 else t("bad_request") if status < 500 else t("error"))
    finally:
        gen.release()
    return HTMLResponse(html, status_code=status)


# -- home -----------------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def home(request: Request, gen: Gen) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        lk = v.lk
        a, b = lk.compare
        sides = [(s, p) for s, p in (("a", a), ("b", b)) if p in lk.place]
        stack = []
        for layer in reversed(lk.layers):
            stack.append({"id": layer["id"], "position": layer["position"],
                          "counts": {p: Q.layer_counts(gen, p).get(layer["id"], 0) for _, p in sides}})
        max_count = max([n for x in stack for n in x["counts"].values()] + [1])
        stats = Q.stats(gen)
        ctx: dict[str, Any] = {"stack": stack, "sides": sides, "max_count": max_count, "stats": stats}
        if len(sides) == 2:
            md = Q.map_data(gen, a, b)
            ctx["map"] = md
            ctx["map_spec"] = charts.corridor_map(md["points"], md["lines"],
                                                  {"a": v.place(a), "b": v.place(b), "other": v.t("elsewhere")},
                                                  title=v.t("map"))
            ctx.update(synergies=Q.synergies(gen, a, b), syn_a=a, syn_b=b, syn_query="")
        else:  # a dataset without a compare pair
            ctx["map"] = {"points": [], "lines": []}
            ctx["map_spec"] = charts.corridor_map([], [], {}, title=v.t("map"))
            ctx.update(synergies=[], syn_a="", syn_b="", syn_query="")
        return ctx

    return page(request, gen, "home.html", build)


# -- search ---------------------------------------------------------------------------------------------
@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, gen: Gen, q: Annotated[str, Query(max_length=Q.MAX_Q)] = "") -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        results = Q.search(gen, q, limit=50) if q.strip() else []
        v.lk.actor.prefetch(r["id"] for r in results if r["type"] == "actor")
        return {"q": q, "results": results}

    return page(request, gen, "search.html", build)


# -- actors ---------------------------------------------------------------------------------------------
def _actor_sorts(v: View) -> list[tuple[str, str]]:
    return [("name", v.t("name")), ("-ties", f"{v.t('ties')} ↓"), ("-layers", f"{v.t('layers')} ↓"),
            ("kind", v.t("kind")), ("hq", v.t("hq")), ("control_country", v.t("control_country"))]


@router.get("/actors", response_class=HTMLResponse)
def actors_page(request: Request, gen: Gen, layer: Facet = None, place: Facet = None, kind: Facet = None,
                domain: Facet = None, control_country: Facet = None,
                q: Annotated[str | None, Query(max_length=Q.MAX_Q)] = None,
                sort: Annotated[str, Query(max_length=40)] = "name", limit: Limit = 50,
                offset: Offset = 0) -> HTMLResponse:
    filters = {"layer": layer or None, "place": place or None, "kind": kind or None, "domain": domain or None,
               "control_country": (control_country or "").upper() or None, "q": q or None}

    def build(v: View) -> dict[str, Any]:
        labels = {"kind": {k: v.kind(k) for k in v.lk.kind}, "hq": {p: v.place(p) for p in v.lk.place}}
        found = Q.actor_page(gen, sort=sort, limit=limit, offset=offset, labels=labels, **filters)
        facets = Q.actor_facets(gen, filters)
        api = {k: val for k, val in filters.items() if val}
        return {"rows": found["items"], "total": found["total"], "limit": limit, "offset": offset,
                "facets": facets, "filters": filters, "sort": sort, "sorts": _actor_sorts(v),
                "json_url": "/api/actors?" + urlencode({**api, "sort": sort, "limit": Q.MAX_LIMIT}),
                "csv_url": "/api/actors?" + urlencode({**api, "sort": sort, "limit": Q.MAX_LIMIT, "format": "csv"})}

    return page(request, gen, "actors.html", build)


@router.get("/actors/{ident}", response_class=HTMLResponse)
def actor_page(request: Request, gen: Gen, ident: Ident) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        rec = Q.actor_detail(gen, ident)
        ego = Q.ego_network(gen, ident)
        lk = v.lk
        lk.actor.prefetch([*ego["nodes"], rec.get("parent"), *rec["children"],
                           *(x for r in rec["relations"] for x in (r["from"], r["to"]))])
        nodes = []
        first = Q.main_layers(gen, ego["nodes"])
        for n in ego["nodes"]:
            main = first.get(n)
            nodes.append({"id": n, "name": v.actor(n), "layer": v.layer(main) if main else "–"})
        spec = charts.ego_network(ident, nodes, ego["edges"], title=f"{v.t('ego_network')}: {rec['name']}",
                                  layer_names=v.layer_names)
        ind = Q.indicators(gen, ident)
        return {"a": rec, "ego_spec": spec, "ego": ego, "indicators": ind, "lk": lk}

    return page(request, gen, "actor.html", build)


# -- relations ------------------------------------------------------------------------------------------
@router.get("/relations", response_class=HTMLResponse)
def relations_page(request: Request, gen: Gen, type: Facet = None, family: Facet = None,  # noqa: A002
                   status: Facet = None, actor: Facet = None, layer: Facet = None, place: Facet = None,
                   sort: Annotated[str, Query(max_length=40)] = "date", limit: Limit = 50,
                   offset: Offset = 0) -> HTMLResponse:
    filters = {"type": type or None, "family": family or None, "status": status or None, "actor": actor or None,
               "layer": layer or None, "place": place or None}

    def build(v: View) -> dict[str, Any]:
        Q.check(v.lk, "relation type", filters["type"])
        Q.check(v.lk, "actor", filters["actor"])
        found = Q.relation_page(gen, sort=sort, limit=limit, offset=offset,
                                labels={"type": {t: v.rtype(t) for t in v.lk.rtype}}, **filters)
        v.lk.actor.prefetch([filters["actor"], *(x for r in found["items"] for x in (r["from"], r["to"]))])
        api = {k: val for k, val in filters.items() if val}
        layer_counts = [(x["id"], 0) for x in v.lk.layers]
        return {"rows": found["items"], "total": found["total"], "limit": limit, "offset": offset,
                "facets": Q.relation_facets(gen, filters), "filters": filters, "sort": sort,
                "layer_values": layer_counts,
                "place_values": [(p, n) for p, n in Q.actors_per_place(gen, "region")]
                + [(p, n) for p, n in Q.actors_per_place(gen, "municipality")][:40],
                "sorts": [("date", v.t("date")), ("-date", f"{v.t('date')} ↓"), ("-amount", f"{v.t('amount')} ↓"),
                          ("type", v.t("type")), ("from", v.t("from")), ("to", v.t("to"))],
                "json_url": "/api/relations?" + urlencode({**api, "sort": sort, "limit": Q.MAX_LIMIT}),
                "csv_url": "/api/relations?" + urlencode({**api, "sort": sort, "limit": Q.MAX_LIMIT,
                                                          "format": "csv"})}

    return page(request, gen, "relations.html", build)


# -- places ---------------------------------------------------------------------------------------------
@router.get("/places", response_class=HTMLResponse)
def places_page(request: Request, gen: Gen, type: Facet = "region") -> HTMLResponse:  # noqa: A002
    if type not in Q.PROFILE_LEVELS:
        raise AnalysisError(f"type must be one of {', '.join(Q.PROFILE_LEVELS)}, not {type!r}")

    def build(v: View) -> dict[str, Any]:
        per = Q.actors_per_place(gen, type or "region")
        return {"type": type, "rows": per, "types": Q.PROFILE_LEVELS}

    return page(request, gen, "places.html", build)


@router.get("/places/{ident}", response_class=HTMLResponse)
def place_page(request: Request, gen: Gen, ident: Ident) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        lk = v.lk
        rec = Q.place_detail(gen, ident)
        prof = Q.place_profile(gen, ident)
        names = v.layer_names
        ctx: dict[str, Any] = {"p": rec, "profile": prof, "top": Q.top_actors(gen, ident),
                               "indicators": Q.indicators(gen, ident), "baseline": lk.baseline}
        ctx["interval_spec"] = charts.profile_intervals(prof, names, {ident: v.place(ident)},
                                                        title=f"{v.t('profile')}: {v.place(ident)}")
        heat_rows = list(prof)
        if rec["municipalities"]:
            munis = set(rec["municipalities"])
            heat_rows += [r for r in Q.profile_table(gen, "municipality") if r["place"] in munis and r["count"]]
        ctx["heat_rows"] = heat_rows
        ctx["heat_spec"] = charts.profile_heatmap(heat_rows, names, {p: v.place(p) for p in
                                                                     {r["place"] for r in heat_rows}},
                                                  title=v.t("heatmap"))
        return ctx

    return page(request, gen, "place.html", build)


# -- layers ---------------------------------------------------------------------------------------------
@router.get("/layers", response_class=HTMLResponse)
def layers_page(request: Request, gen: Gen) -> RedirectResponse:
    return RedirectResponse("/#stack-h", status_code=307)


@router.get("/layers/{ident}", response_class=HTMLResponse)
def layer_page(request: Request, gen: Gen, ident: Ident) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        lk = v.lk
        Q.check(lk, "layer", ident)
        layer = lk.layer[ident]
        return {"layer": layer, "positions": Q.positions(gen, ident),
                "regions": Q.actors_per_place(gen, "region", ident),
                "municipalities": Q.actors_per_place(gen, "municipality", ident),
                "indicators": Q.layer_indicators(gen, ident),
                "sublayers": [(s, v.sublayer(ident, s)) for s in layer.get("sublayers") or []],
                "actors_total": Q.actor_count(gen, layer=ident)}

    return page(request, gen, "layer.html", build)


# -- compare and synergies ------------------------------------------------------------------------------
Place = Annotated[str | None, Query(max_length=120)]


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, gen: Gen, a: Place = None, b: Place = None) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        lk = v.lk
        pa, pb = a or lk.compare[0], b or lk.compare[1]
        Q.check(lk, "place", pa)
        Q.check(lk, "place", pb)
        prof_a, prof_b = Q.place_profile(gen, pa), Q.place_profile(gen, pb)
        names = v.layer_names
        pnames = {pa: v.place(pa), pb: v.place(pb)}
        spec = charts.profile_intervals(prof_a + prof_b, names, pnames, title=f"{pnames[pa]} ↔ {pnames[pb]}",
                                        colors={pnames[pa]: charts.SIDE_COLORS["a"],
                                                pnames[pb]: charts.SIDE_COLORS["b"]})
        same_type = lk.place[pa]["type"] == lk.place[pb]["type"]
        br = Q.bridges(gen, pa, pb) if pa != pb else None
        choices = [p for p, _ in Q.actors_per_place(gen, "region")] + \
                  [p for p, _ in Q.actors_per_place(gen, "municipality")]
        syn_query = "" if (pa, pb) == lk.compare else urlencode({"a": pa, "b": pb})
        return {"a": pa, "b": pb, "prof": {pa: prof_a, pb: prof_b}, "spec": spec, "same_type": same_type,
                "bridges": br, "bridges_available": Q.optional("bridges") is not None,
                "bridges_too_large": Q.graph_too_large(gen),
                "synergies": Q.synergies(gen, pa, pb) if pa != pb else [], "syn_a": pa, "syn_b": pb,
                "syn_query": syn_query, "choices": choices,
                "counts": {pa: Q.layer_counts(gen, pa), pb: Q.layer_counts(gen, pb)},
                **_discovered_ctx(v, gen, pa, pb, syn_query)}

    return page(request, gen, "compare.html", build)


def _discovered_ctx(v: View, gen: Generation, a: str, b: str, syn_query: str) -> dict[str, Any]:
    """The discovered candidates of a pair for the templates (table, interval chart, API links)."""
    if a == b:
        return {"disc": None, "disc_spec": None, "disc_api": ""}
    found = Q.discovered(gen, a, b)
    items = found["items"][:Q.DISCOVER_TOP]
    href = {c["id"]: f"/synergies/{quote(c['id'], safe='')}" + (f"?{syn_query}" if syn_query else "")
            for c in items}
    spec = None
    if items:
        spec = charts.synergy_scores(items, {c["id"]: v.layer_set(c["layers"], c["domains"]) for c in items},
                                     names={c["id"]: v.label(c) for c in items}, href=href,
                                     title=f"{v.t('discovered')}: {v.t('score')} (95%)", axis_title=v.t("score"))
    api = "/api/synergies?" + urlencode({"between": a, "and": b})
    return {"disc": {**found, "items": items, "href": href}, "disc_spec": spec, "disc_api": api}


@router.get("/synergies", response_class=HTMLResponse)
def synergies_page(request: Request, gen: Gen) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        a, b = v.lk.compare
        return {"synergies": Q.synergies(gen, a, b), "syn_a": a, "syn_b": b, "syn_query": "",
                **_discovered_ctx(v, gen, a, b, "")}

    return page(request, gen, "synergies.html", build)


Size = Annotated[int, Query(ge=1, le=Q.MAX_GUESTS)]


@router.get("/synergies/{ident}", response_class=HTMLResponse, response_model=None)
def synergy_page(request: Request, gen: Gen, ident: Ident, a: Place = None, b: Place = None,
                 size: Size = Q.GUESTS_SIZE) -> HTMLResponse | RedirectResponse:
    ref = Q.synergy_ref(gen, ident)
    if ref["id"] != ident:  # a discovered id with its layers in another order: the canonical address
        query = urlencode(list(request.query_params.multi_items()))
        return RedirectResponse(f"/synergies/{quote(ref['id'], safe='')}" + (f"?{query}" if query else ""),
                                status_code=308)

    def build(v: View) -> dict[str, Any]:
        lk = v.lk
        pa, pb = Q.pair(lk, a, b)
        syn_query = "" if (pa, pb) == lk.compare else urlencode({"a": pa, "b": pb})
        if ref["kind"] == "curated":
            s = Q.synergy_detail(gen, ident, pa, pb)
            found = Q.discovered(gen, pa, pb)["items"]
            s = {**s, "kind": "curated",
                 "matches": [c for c in found[:Q.DISCOVER_TOP] if c.get("curated_match") == ident]}
        else:
            s = Q.discovered_detail(gen, ident, pa, pb)
            s["ties_total"] = len(s["evidence"]["ties"])
            s["ties"] = Q.relations_by_ids(gen, [t["id"] for t in s["evidence"]["ties"][:Q.TIES_SHOWN]])
            degree = Q.ties_of(gen, [x["id"] for side in (pa, pb) for x in s["evidence"][side]])
            for side in (pa, pb):
                s["evidence"][side] = sorted(
                    s["evidence"][side], key=lambda x: (-len(x["layers"]), -degree.get(x["id"], 0),
                                                        x["name"].casefold()))
        title = v.text(s) if s["kind"] == "curated" else (v.label(s["candidate"]) if s["candidate"]
                                                           else v.layer_set(s["layers"], s["domains"]))
        s.setdefault("ties_total", len(s["ties"]))
        lk.actor.prefetch([*(x for r in s["ties"] for x in (r["from"], r["to"])),
                           *(x["id"] for side in (pa, pb) for x in (s.get("evidence") or {}).get(side, [])[:60])])
        ctx: dict[str, Any] = {"s": s, "title": title, "a": pa, "b": pb, "syn_query": syn_query, "size": size,
                               "evidence_limit": Q.EVIDENCE_LIMIT,
                               "max_size": Q.MAX_GUESTS, "intro_error": None, "guest_error": None,
                               "intros": [], "guests": None}
        try:
            ctx["intros"] = Q.introductions_for(gen, ident, pa, pb, Q.INTRO_TOP)
        except AnalysisError as exc:
            ctx["intro_error"] = str(exc)
        try:
            ctx["guests"] = Q.guests_for(gen, ident, pa, pb, size)
            cov = ctx["guests"]["coverage"]
            ctx["helix_groups"] = cov.get("cells_total", 0) // max(1, 2 * len(s["layers"]))
        except AnalysisError as exc:
            ctx["guest_error"] = str(exc)
        api_q = {"between": pa, "and": pb}
        base = f"/api/synergies/{quote(ident, safe='')}"
        ctx["api"] = {"detail": f"{base}?{urlencode(api_q)}",
                      "intros": f"{base}/introductions?{urlencode({**api_q, 'top': Q.INTRO_TOP})}",
                      "intros_csv": f"{base}/introductions?{urlencode({**api_q, 'top': Q.INTRO_TOP, 'format': 'csv'})}",
                      "guests": f"{base}/guests?{urlencode({**api_q, 'size': size})}",
                      "guests_csv": f"{base}/guests?{urlencode({**api_q, 'size': size, 'format': 'csv'})}"}
        return ctx

    return page(request, gen, "synergy.html", build)


# -- integration, sovereignty ---------------------------------------------------------------------------
@router.get("/integration", response_class=HTMLResponse)
def integration_page(request: Request, gen: Gen) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        data = Q.integration(gen)
        spec = None
        if data and data.get("foundries") is not None:
            data = {**data, "foundries": data["foundries"][:Q.FOUNDRIES_SHOWN]}
            v.lk.actor.prefetch(r["actor"] for r in data["foundries"])
        if data and data.get("flow") is not None:
            spec = charts.layer_flow(data["flow"], v.layer_names, title=v.t("layer_flow"))
        return {"data": data, "flow_spec": spec}

    return page(request, gen, "integration.html", build)


@router.get("/sovereignty", response_class=HTMLResponse)
def sovereignty_page(request: Request, gen: Gen, place: Place = None) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        rows = Q.sovereignty(gen, place or None)
        spec = None
        blocs: list[str] = []
        if rows is not None:
            blocs = [c for c in rows[0] if c not in ("layer", "actors", "hhi", "eu_share", "weakest")] if rows else []
            spec = charts.sovereignty_bars(rows, v.layer_names, {b: v.bloc(b) for b in blocs},
                                           title=v.t("sovereignty"))
        choices = [p for p, _ in Q.actors_per_place(gen, "region")]
        return {"rows": rows, "spec": spec, "blocs": blocs, "place": place or None, "choices": choices}

    return page(request, gen, "sovereignty.html", build)


# -- sources --------------------------------------------------------------------------------------------
@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, gen: Gen, type: Facet = None,  # noqa: A002
                 q: Annotated[str | None, Query(max_length=Q.MAX_Q)] = None,
                 sort: Annotated[str, Query(max_length=40)] = "-citations", limit: Limit = 100,
                 offset: Offset = 0) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        rows = Q.sort_rows(Q.sources(gen, type=type or None, q=q or None), sort, Q.SOURCE_SORTS)
        types = sorted({r["type"] for r in Q.sources(gen) if r["type"]})
        counts = {t: sum(1 for r in Q.sources(gen, q=q or None) if r["type"] == t) for t in types}
        api = {k: val for k, val in (("type", type), ("q", q)) if val}
        return {"rows": rows[offset:offset + limit], "total": len(rows), "limit": limit, "offset": offset,
                "type_values": [(t, counts[t]) for t in types], "filters": {"type": type, "q": q}, "sort": sort,
                "sorts": [("-citations", f"{v.t('citations')} ↓"), ("title", v.t("title")), ("-date", f"{v.t('date')} ↓"),
                          ("publisher", v.t("publisher")), ("id", "id")],
                "json_url": "/api/sources?" + urlencode({**api, "sort": sort, "limit": Q.MAX_LIMIT}),
                "csv_url": "/api/sources?" + urlencode({**api, "sort": sort, "limit": Q.MAX_LIMIT, "format": "csv"})}

    return page(request, gen, "sources.html", build)


@router.get("/sources/{ident}", response_class=HTMLResponse)
def source_page(request: Request, gen: Gen, ident: Ident) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        s = Q.source_detail(gen, ident)
        v.lk.actor.prefetch(c["subject"] for c in s["cited_by"] if c["subject_type"] == "actor")
        return {"s": s}

    return page(request, gen, "source.html", build)


# -- API docs (Swagger UI, vendored; no inline script) --------------------------------------------------
@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    return HTMLResponse(env.get_template("docs.html").render(lang=lang_of(request)))


@router.get("/relations/{ident}", response_class=HTMLResponse)
def relation_page(request: Request, gen: Gen, ident: Ident) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        return {"r": Q.relation_detail(gen, ident)}

    return page(request, gen, "relation.html", build)
