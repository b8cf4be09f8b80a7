"""The home page: the stack of the compare pair, the corridor map and the curated synergies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ...present import charts
from .. import queries as Q
from ..present import View
from ..queries import network, places, synergies
from ._common import Gen, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, gen: Gen) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        lk = v.lk
        a, b = lk.compare
        sides = [(s, p) for s, p in (("a", a), ("b", b)) if p in lk.place]
        stack = []
        for layer in reversed(lk.layers):
            stack.append({"id": layer["id"], "position": layer["position"],
                          "counts": {p: places.layer_counts(gen, p).get(layer["id"], 0) for _, p in sides}})
        max_count = max([n for x in stack for n in x["counts"].values()] + [1])
        stats = Q.stats(gen)
        ctx: dict[str, Any] = {"stack": stack, "sides": sides, "max_count": max_count, "stats": stats}
        if len(sides) == 2:
            md = network.map_data(gen, a, b)
            ctx["map"] = md
            ctx["map_spec"] = charts.corridor_map(md["points"], md["lines"],
                                                  {"a": v.place(a), "b": v.place(b), "other": v.t("elsewhere")},
                                                  title=v.t("map"))
            ctx.update(synergies=synergies.synergies(gen, a, b), syn_a=a, syn_b=b, syn_query="")
        else:  # a dataset without a compare pair
            ctx["map"] = {"points": [], "lines": []}
            ctx["map_spec"] = charts.corridor_map([], [], {}, title=v.t("map"))
            ctx.update(synergies=[], syn_a="", syn_b="", syn_query="")
        return ctx

    return page(request, gen, "home.html", build)
