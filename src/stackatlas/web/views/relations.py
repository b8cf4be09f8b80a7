"""Ties between organisations: the filtered list with facets, and one tie."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from .. import queries as Q
from ..present import View
from ..queries import places, relations
from ._common import Facet, Gen, Ident, Limit, Offset, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


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
        found = relations.relation_page(gen, sort=sort, limit=limit, offset=offset,
                                        labels={"type": {t: v.rtype(t) for t in v.lk.rtype}}, **filters)
        v.lk.actor.prefetch([filters["actor"], *(x for r in found["items"] for x in (r["from"], r["to"]))])
        api = {k: val for k, val in filters.items() if val}
        layer_counts = [(x["id"], 0) for x in v.lk.layers]
        return {"rows": found["items"], "total": found["total"], "limit": limit, "offset": offset,
                "facets": relations.relation_facets(gen, filters), "filters": filters, "sort": sort,
                "layer_values": layer_counts,
                "place_values": [(p, n) for p, n in places.actors_per_place(gen, "region")]
                + [(p, n) for p, n in places.actors_per_place(gen, "municipality")][:40],
                "sorts": [("date", v.t("date")), ("-date", f"{v.t('date')} ↓"), ("-amount", f"{v.t('amount')} ↓"),
                          ("type", v.t("type")), ("from", v.t("from")), ("to", v.t("to"))],
                "json_url": "/api/relations?" + urlencode({**api, "sort": sort, "limit": Q.MAX_LIMIT}),
                "csv_url": "/api/relations?" + urlencode({**api, "sort": sort, "limit": Q.MAX_LIMIT,
                                                          "format": "csv"})}

    return page(request, gen, "relations.html", build)


@router.get("/relations/{ident}", response_class=HTMLResponse)
def relation_page(request: Request, gen: Gen, ident: Ident) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        return {"r": relations.relation_detail(gen, ident)}

    return page(request, gen, "relation.html", build)
