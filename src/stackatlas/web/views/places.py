"""Places: the list by type, and one place with its profile and heat map."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ...errors import AnalysisError
from ...present import charts
from ..present import View
from ..queries import places
from ._common import Facet, Gen, Ident, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/places", response_class=HTMLResponse)
def places_page(request: Request, gen: Gen, type: Facet = "region") -> HTMLResponse:  # noqa: A002
    if type not in places.PROFILE_LEVELS:
        raise AnalysisError(f"type must be one of {', '.join(places.PROFILE_LEVELS)}, not {type!r}")

    def build(v: View) -> dict[str, Any]:
        per = places.actors_per_place(gen, type or "region")
        return {"type": type, "rows": per, "types": places.PROFILE_LEVELS}

    return page(request, gen, "places.html", build)


@router.get("/places/{ident}", response_class=HTMLResponse)
def place_page(request: Request, gen: Gen, ident: Ident) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        lk = v.lk
        rec = places.place_detail(gen, ident)
        prof = places.place_profile(gen, ident)
        names = v.layer_names
        ctx: dict[str, Any] = {"p": rec, "profile": prof, "top": places.top_actors(gen, ident),
                               "indicators": places.indicators(gen, ident), "baseline": lk.baseline}
        ctx["interval_spec"] = charts.profile_intervals(prof, names, {ident: v.place(ident)},
                                                        title=f"{v.t('profile')}: {v.place(ident)}")
        heat_rows = list(prof)
        if rec["municipalities"]:
            munis = set(rec["municipalities"])
            heat_rows += [r for r in places.profile_table(gen, "municipality") if r["place"] in munis and r["count"]]
        ctx["heat_rows"] = heat_rows
        ctx["heat_spec"] = charts.profile_heatmap(heat_rows, names, {p: v.place(p) for p in
                                                                     {r["place"] for r in heat_rows}},
                                                  title=v.t("heatmap"))
        return ctx

    return page(request, gen, "place.html", build)
