"""Organisations: the filtered list with facets, and one organisation with its ego network."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ...present import charts
from .. import queries as Q
from ..present import View
from ..queries import actors, places
from ._common import Facet, Gen, Ident, Limit, Offset, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


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
        found = actors.actor_page(gen, sort=sort, limit=limit, offset=offset, labels=labels, **filters)
        facets = actors.actor_facets(gen, filters)
        api = {k: val for k, val in filters.items() if val}
        return {"rows": found["items"], "total": found["total"], "limit": limit, "offset": offset,
                "facets": facets, "filters": filters, "sort": sort, "sorts": _actor_sorts(v),
                "json_url": "/api/actors?" + urlencode({**api, "sort": sort, "limit": Q.MAX_LIMIT}),
                "csv_url": "/api/actors?" + urlencode({**api, "sort": sort, "limit": Q.MAX_LIMIT, "format": "csv"})}

    return page(request, gen, "actors.html", build)


@router.get("/actors/{ident}", response_class=HTMLResponse)
def actor_page(request: Request, gen: Gen, ident: Ident) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        rec = actors.actor_detail(gen, ident)
        ego = actors.ego_network(gen, ident)
        lk = v.lk
        lk.actor.prefetch([*ego["nodes"], rec.get("parent"), *rec["children"],
                           *(x for r in rec["relations"] for x in (r["from"], r["to"]))])
        nodes = []
        for n in ego["nodes"]:
            main = ego["layers"].get(n)
            nodes.append({"id": n, "name": v.actor(n), "layer": v.layer(main) if main else "–"})
        spec = charts.ego_network(ident, nodes, ego["edges"], title=f"{v.t('ego_network')}: {rec['name']}",
                                  layer_names=v.layer_names)
        ind = places.indicators(gen, ident)
        return {"a": rec, "ego_spec": spec, "ego": ego, "indicators": ind, "lk": lk}

    return page(request, gen, "actor.html", build)
