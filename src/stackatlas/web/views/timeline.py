"""The corridor over time: the Timeline page and "What changed since …"."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ...analysis.changes import GRAPH_MAX_ACTORS
from ...present import timecharts
from ..present import View
from ..queries import timeline as T
from ._common import Gen, Place, page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
By = Annotated[str, Query(pattern="^(year|quarter)$")]
Since = Annotated[str | None, Query(max_length=10)]


@router.get("/timeline", response_class=HTMLResponse)
def timeline_page(request: Request, gen: Gen, a: Place = None, b: Place = None, by: By = "year") -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        data = T.timeline(gen, a or None, b or None, by)
        pa, pb = data["a"], data["b"]
        across = [r for r in data["rows"] if r["measure"] == "ties_across"]
        orgs = [r for r in data["rows"] if r["measure"] == "organisations_new"]
        types = {r["type"]: v.rtype(r["type"]) for r in across}
        regions = {pa: v.place(pa), pb: v.place(pb)}
        series = T.indicator_series(gen)
        return {
            "data": data, "a": pa, "b": pb, "by": by, "series": series,
            "across_spec": timecharts.ties_by_type(across, types, title=v.t("tl_across"), axis=v.t("tl_count")),
            "orgs_spec": timecharts.new_organisations(orgs, v.layer_names, regions, title=v.t("tl_new_orgs"),
                                                      axis=v.t("tl_count")),
            "series_spec": timecharts.indicator_lines(series, title=v.t("tl_series")) if series else None,
        }

    return page(request, gen, "timeline.html", build)


@router.get("/changes", response_class=HTMLResponse)
def changes_page(request: Request, gen: Gen, since: Since = None, a: Place = None, b: Place = None) -> HTMLResponse:
    def build(v: View) -> dict[str, Any]:
        data = T.changes(gen, since, a or None, b or None) if since else None
        return {"data": data, "since": since or "", "graph_max": GRAPH_MAX_ACTORS}

    return page(request, gen, "changes.html", build)
