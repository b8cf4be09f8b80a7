"""Layers: one layer with its positions, places and figures (``/layers`` is the stack on the home page)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .. import queries as Q
from ..present import View
from ..queries import actors, places
from ._common import Gen, Ident, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/layers", response_class=HTMLResponse)
def layers_page(request: Request, gen: Gen) -> RedirectResponse:
    return RedirectResponse("/#stack-h", status_code=307)


@router.get("/layers/{ident}", response_class=HTMLResponse)
def layer_page(request: Request, gen: Gen, ident: Ident) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        lk = v.lk
        Q.check(lk, "layer", ident)
        layer = lk.layer[ident]
        return {"layer": layer, "positions": places.positions(gen, ident),
                "regions": places.actors_per_place(gen, "region", ident),
                "municipalities": places.actors_per_place(gen, "municipality", ident),
                "indicators": places.layer_indicators(gen, ident),
                "sublayers": [(s, v.sublayer(ident, s)) for s in layer.get("sublayers") or []],
                "actors_total": actors.actor_count(gen, layer=ident)}

    return page(request, gen, "layer.html", build)
