"""Analyses of the whole network: vertical integration and sovereignty."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ...present import charts
from ..present import View
from ..queries import network, places
from ._common import Gen, Place, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/integration", response_class=HTMLResponse)
def integration_page(request: Request, gen: Gen) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        data = network.integration(gen)
        data = {**data, "foundries": data["foundries"][:network.FOUNDRIES_SHOWN]}
        v.lk.actor.prefetch(r["actor"] for r in data["foundries"])
        spec = charts.layer_flow(data["flow"], v.layer_names, title=v.t("layer_flow"))
        return {"data": data, "flow_spec": spec}

    return page(request, gen, "integration.html", build)


@router.get("/sovereignty", response_class=HTMLResponse)
def sovereignty_page(request: Request, gen: Gen, place: Place = None) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        rows = network.sovereignty(gen, place or None)
        blocs = [c for c in rows[0] if c not in ("layer", "actors", "hhi", "eu_share", "weakest")] if rows else []
        spec = charts.sovereignty_bars(rows, v.layer_names, {b: v.bloc(b) for b in blocs}, title=v.t("sovereignty"))
        choices = [p for p, _ in places.actors_per_place(gen, "region")]
        return {"rows": rows, "spec": spec, "blocs": blocs, "place": place or None, "choices": choices}

    return page(request, gen, "sovereignty.html", build)
