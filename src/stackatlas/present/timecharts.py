"""Vega-Lite charts of the corridor over time (the web's Timeline page and the yearly monitor): ties across
the corridor per period stacked by type, new organisations per layer per period for each region, and
indicator series as lines. Data inlined, as every chart of :mod:`stackatlas.present.charts`."""

from __future__ import annotations

from typing import Any

from .charts import CONFIG as _CONFIG
from .charts import LAYER_COLORS, SCHEMA

__all__ = ["indicator_lines", "new_organisations", "ties_by_type"]


def _base(description: str, **extra: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "description": description, "config": _CONFIG, **extra}


def ties_by_type(rows: list[dict[str, Any]], type_names: dict[str, str], *, title: str, axis: str) -> dict[str, Any]:
    """Stacked bars: ``rows`` of ``period, type, count`` (e.g. the ties across per year), one colour a type."""
    values = [{"period": r["period"], "type": type_names.get(r["type"], r["type"]), "count": r["count"]}
              for r in rows]
    return _base(title, width="container", height=220, data={"values": values}, mark={"type": "bar"},
                 encoding={"x": {"field": "period", "type": "ordinal", "title": None},
                           "y": {"field": "count", "type": "quantitative", "title": axis, "stack": "zero"},
                           "color": {"field": "type", "type": "nominal", "title": None},
                           "tooltip": [{"field": "period"}, {"field": "type"}, {"field": "count"}]})


def new_organisations(rows: list[dict[str, Any]], layer_names: dict[str, str], region_names: dict[str, str], *,
                      title: str, axis: str) -> dict[str, Any]:
    """Stacked bars per region (one row of charts each): ``rows`` of ``period, region, layer, count``."""
    order = list(LAYER_COLORS)
    values = [{"period": r["period"], "region": region_names.get(r["region"], r["region"]),
               "layer": layer_names.get(r["layer"], r["layer"]), "count": r["count"]} for r in rows]
    domain = [layer_names.get(x, x) for x in order]
    return _base(title, data={"values": values},
                 facet={"row": {"field": "region", "type": "nominal", "title": None}},
                 spec={"width": 560, "height": 140, "mark": {"type": "bar"},
                       "encoding": {"x": {"field": "period", "type": "ordinal", "title": None},
                                    "y": {"field": "count", "type": "quantitative", "title": axis},
                                    "color": {"field": "layer", "type": "nominal", "title": None,
                                              "scale": {"domain": domain, "range": list(LAYER_COLORS.values())}},
                                    "tooltip": [{"field": "period"}, {"field": "layer"}, {"field": "count"}]}})


def indicator_lines(points: list[dict[str, Any]], *, title: str) -> dict[str, Any]:
    """Lines: ``points`` of ``series, when, value`` (one series a subject and metric), time on x."""
    return _base(title, width="container", height=220, data={"values": points},
                 mark={"type": "line", "point": True},
                 encoding={"x": {"field": "when", "type": "temporal", "title": None},
                           "y": {"field": "value", "type": "quantitative", "title": None},
                           "color": {"field": "series", "type": "nominal", "title": None},
                           "tooltip": [{"field": "series"}, {"field": "when", "type": "temporal"},
                                       {"field": "value"}]})
