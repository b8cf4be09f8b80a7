"""Vega-Lite specifications of the charts of the web atlas and the briefings, built in Python.

The web renders them in the browser with vega-embed; the briefings turn the same specs into print specs
(:func:`stackatlas.report.charts.static`: a fixed width, the print font, no tooltips or links) and render
them to SVG offline. Data is always inlined (``data.values``): a chart never fetches anything. Every chart
also has its data as a table next to it (for screen readers, and for the sources of its numbers).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any

from .formats import number

__all__ = [
    "SCHEMA",
    "SIDE_COLORS",
    "candidate_scores",
    "corridor_map",
    "ego_network",
    "layer_flow",
    "layer_support",
    "profile_cells",
    "profile_heatmap",
    "profile_intervals",
    "sovereignty_bars",
    "synergy_scores",
    "tie_bars",
]

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier only: never fetched
SIDE_COLORS = {"a": "#1f5fa8", "b": "#b5520f", "both": "#6b3fa0", "other": "#6b7280"}
BLOC_COLORS = {"nl": "#e07b00", "eu": "#1f5fa8", "us": "#b3261e", "cn": "#8a6d00", "other": "#6b7280",
               "unknown": "#c7ccd4"}
LAYER_COLORS = {"raw-materials": "#8a6d00", "chips": "#1f5fa8", "networks": "#0f766e", "cloud": "#4b5563",
                "ai": "#6b3fa0", "applications": "#b5520f", "devices": "#b3261e"}
CONFIG: dict[str, Any] = {
    "font": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    "view": {"stroke": None},
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": "#1f2937", "titleColor": "#1f2937"},
    "legend": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": "#1f2937", "titleColor": "#1f2937"},
}


def _base(description: str, **extra: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "description": description, "config": CONFIG, **extra}


@lru_cache(maxsize=1)
def netherlands() -> dict[str, Any]:
    """The vendored outline of the Netherlands (world-atlas, Natural Earth 1:50m) as GeoJSON."""
    text = resources.files("stackatlas.web").joinpath("static/geo/netherlands.geo.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def profile_intervals(rows: list[dict[str, Any]], layer_names: dict[str, str], place_names: dict[str, str],
                      *, title: str, colors: dict[str, str] | None = None) -> dict[str, Any]:
    """LQ per layer with its 95% interval, for one or more places (a point and an error bar per place)."""
    order = list(layer_names)
    values = [{"layer": layer_names.get(r["layer"], r["layer"]), "place": place_names.get(r["place"], r["place"]),
               "lq": r["lq"], "lo": r["lq_low"], "hi": r["lq_high"], "count": r["count"],
               "expected": round(r["expected"] or 0.0, 2)} for r in rows if r.get("lq") is not None]
    places = list(dict.fromkeys(v["place"] for v in values))
    his = [v["hi"] for v in values if v["hi"] is not None and math.isfinite(v["hi"])]
    xmax = min(max([2.0, *his]) * 1.05, 12.0)
    color: dict[str, Any] = {"field": "place", "type": "nominal", "title": None,
                             "legend": {"orient": "top", "labelLimit": 400} if len(places) > 1 else None}
    if colors:
        color["scale"] = {"domain": places, "range": [colors.get(p, "#1f5fa8") for p in places]}
    y = {"field": "layer", "type": "nominal", "sort": [layer_names[x] for x in reversed(order)], "title": None}
    y_offset = {"yOffset": {"field": "place", "type": "nominal"}} if len(places) > 1 else {}
    tooltip = [{"field": "place"}, {"field": "layer"}, {"field": "count", "title": "actors"},
               {"field": "expected"}, {"field": "lq", "format": ".2f", "title": "LQ"},
               {"field": "lo", "format": ".2f", "title": "95% low"}, {"field": "hi", "format": ".2f", "title": "95% high"}]
    return _base(
        title, width="container", height=34 * len(order) * max(1, len(places)) ** 0.5 + 20,
        data={"values": values},
        layer=[
            {"mark": {"type": "rule", "color": "#374151", "strokeDash": [4, 3]}, "data": {"values": [{"x": 1}]},
             "encoding": {"x": {"field": "x", "type": "quantitative"}}},
            {"mark": {"type": "rule", "strokeWidth": 2},
             "encoding": {"y": y, **y_offset, "x": {"field": "lo", "type": "quantitative",
                                                    "scale": {"domain": [0, xmax], "clamp": True},
                                                    "title": "LQ (95%)"},
                          "x2": {"field": "hi"}, "color": color, "tooltip": tooltip}},
            {"mark": {"type": "point", "filled": True, "size": 80},
             "encoding": {"y": y, **y_offset, "x": {"field": "lq", "type": "quantitative"}, "color": color,
                          "tooltip": tooltip}},
        ],
    )


def profile_heatmap(rows: list[dict[str, Any]], layer_names: dict[str, str], place_names: dict[str, str],
                    *, title: str) -> dict[str, Any]:
    """Places × layers, coloured by LQ (diverging around 1), with the number of actors in each cell."""
    values = [{"layer": layer_names.get(r["layer"], r["layer"]), "place": place_names.get(r["place"], r["place"]),
               "lq": None if r["lq"] is None else round(r["lq"], 2), "count": int(r["count"] or 0),
               "interval": None if r["lq"] is None else f"{r['lq_low']:.2f}–{r['lq_high']:.2f}"}
              for r in rows]
    places = list(dict.fromkeys(v["place"] for v in values))
    return _base(
        title, width="container", height=max(60, 26 * len(places)), data={"values": values}, padding={"top": 30, "right": 30, "left": 5, "bottom": 5},
        encoding={"x": {"field": "layer", "type": "nominal", "sort": list(layer_names.values()), "title": None,
                        "axis": {"orient": "top", "labelAngle": -30}},
                  "y": {"field": "place", "type": "nominal", "sort": places, "title": None,
                        "axis": {"labelLimit": 240}}},
        layer=[
            {"mark": {"type": "rect", "stroke": "#ffffff"},
             "encoding": {"color": {"field": "lq", "type": "quantitative", "title": "LQ",
                                    "scale": {"scheme": "blueorange", "domainMid": 1, "domain": [0, 3],
                                              "clamp": True}},
                          "tooltip": [{"field": "place"}, {"field": "layer"}, {"field": "count", "title": "actors"},
                                      {"field": "lq", "title": "LQ"}, {"field": "interval", "title": "95%"}]}},
            {"mark": {"type": "text", "fontSize": 11},
             "encoding": {"text": {"field": "count"},
                          "color": {"condition": {"test": "datum.lq > 2.2 || datum.lq < 0.35", "value": "#ffffff"},
                                    "value": "#111827"}}},
        ],
    )


def corridor_map(points: list[dict[str, Any]], lines: list[dict[str, Any]], side_names: dict[str, str],
                 *, title: str, href: str = "/places/") -> dict[str, Any]:
    """The Netherlands with municipalities as points (size: actors) and cross-region ties as lines."""
    sides = [s for s in ("a", "b", "other") if any(p["side"] == s for p in points)]
    pts = [{**p, "group": side_names.get(p["side"], p["side"]), "url": f"{href}{p['id']}"} for p in points]
    labelled = sorted(points, key=lambda p: -p["actors"])[:6]
    domain = [side_names.get(s, s) for s in sides]
    rng = [SIDE_COLORS[s] for s in sides]
    return _base(
        title, width="container", height=520,
        # fitted to the Netherlands (automatic fitting over several geo layers goes wrong for rules)
        projection={"type": "mercator", "fit": {"type": "Feature", "properties": {}, "geometry": {
            "type": "MultiPoint", "coordinates": [[3.35, 50.75], [7.22, 53.55]]}}},
        layer=[
            {"data": {"values": netherlands()["features"]}, "mark": {"type": "geoshape", "fill": "#eef1f5",
                                                                      "stroke": "#9aa4b2", "strokeWidth": 0.8}},
            {"data": {"values": lines},
             "mark": {"type": "rule", "color": "#6b3fa0", "opacity": 0.55},
             "encoding": {"longitude": {"field": "lon", "type": "quantitative"},
                          "latitude": {"field": "lat", "type": "quantitative"},
                          "longitude2": {"field": "lon2"}, "latitude2": {"field": "lat2"},
                          "strokeWidth": {"field": "ties", "type": "quantitative", "title": "ties",
                                          "scale": {"range": [1, 6]}, "legend": None},
                          "tooltip": [{"field": "from_name", "title": "from"}, {"field": "to_name", "title": "to"},
                                      {"field": "ties"}]}},
            {"data": {"values": pts},
             "mark": {"type": "circle", "opacity": 0.8, "stroke": "#ffffff", "strokeWidth": 0.8, "cursor": "pointer"},
             "encoding": {"longitude": {"field": "lon", "type": "quantitative"},
                          "latitude": {"field": "lat", "type": "quantitative"},
                          "size": {"field": "actors", "type": "quantitative", "title": "actors",
                                   "scale": {"range": [20, 900]}},
                          "color": {"field": "group", "type": "nominal", "title": None,
                                    "scale": {"domain": domain, "range": rng},
                                    "legend": {"orient": "top-left", "labelLimit": 320}},
                          "href": {"field": "url"},
                          "tooltip": [{"field": "name"}, {"field": "actors"}, {"field": "group", "title": "region"}]}},
            {"data": {"values": labelled},
             "mark": {"type": "text", "dy": -12, "fontSize": 11, "fontWeight": "bold", "color": "#111827"},
             "encoding": {"longitude": {"field": "lon", "type": "quantitative"},
                          "latitude": {"field": "lat", "type": "quantitative"}, "text": {"field": "name"}}},
        ],
    )


def ego_network(center: str, nodes: list[dict[str, Any]], edges: list[dict[str, Any]], *, title: str,
                href: str = "/actors/", layer_names: dict[str, str] | None = None) -> dict[str, Any]:
    """The actor in the middle, its partners on a circle (sorted by side/kind), ties as lines."""
    others = [n for n in nodes if n["id"] != center]
    pos: dict[str, tuple[float, float]] = {center: (0.0, 0.0)}
    k = max(1, len(others))
    for i, n in enumerate(others):
        ang = 2 * math.pi * i / k - math.pi / 2
        pos[n["id"]] = (round(math.cos(ang), 4), round(math.sin(ang), 4))
    node_values = [{**n, "x": pos[n["id"]][0], "y": pos[n["id"]][1], "url": f"{href}{n['id']}",
                    "center": n["id"] == center} for n in nodes]
    edge_values = []
    for e in edges:
        if e["from_actor"] in pos and e["to_actor"] in pos:
            (x, y), (x2, y2) = pos[e["from_actor"]], pos[e["to_actor"]]
            edge_values.append({"x": x, "y": y, "x2": x2, "y2": y2, "type": e["type"],
                                "direct": center in (e["from_actor"], e["to_actor"])})
    axis = {"scale": {"domain": [-1.45, 1.45]}, "axis": None}
    return _base(
        title, width="container", height=440,
        layer=[
            {"data": {"values": edge_values},
             "mark": {"type": "rule"},
             "encoding": {"x": {"field": "x", "type": "quantitative", **axis},
                          "y": {"field": "y", "type": "quantitative", **axis},
                          "x2": {"field": "x2"}, "y2": {"field": "y2"},
                          "color": {"condition": {"test": "datum.direct", "value": "#6b7280"}, "value": "#c7ccd4"},
                          "tooltip": [{"field": "type"}]}},
            {"data": {"values": node_values},
             "mark": {"type": "circle", "stroke": "#ffffff", "cursor": "pointer"},
             "encoding": {"x": {"field": "x", "type": "quantitative", **axis},
                          "y": {"field": "y", "type": "quantitative", **axis},
                          "size": {"condition": {"test": "datum.center", "value": 700}, "value": 220},
                          "color": {"field": "layer", "type": "nominal", "title": None,
                                    "legend": {"orient": "bottom", "columns": 4},
                                    **({"scale": {"domain": list(layer_names.values()),
                                                  "range": [LAYER_COLORS.get(k, "#6b7280") for k in layer_names]}}
                                       if layer_names else {})},
                          "href": {"field": "url"},
                          "tooltip": [{"field": "name"}, {"field": "layer"}]}},
            {"data": {"values": node_values},
             "mark": {"type": "text", "dy": -14, "fontSize": 11, "color": "#111827"},
             "encoding": {"x": {"field": "x", "type": "quantitative", **axis},
                          "y": {"field": "y", "type": "quantitative", **axis}, "text": {"field": "name"},
                          "href": {"field": "url"}}},
        ],
    )


def layer_flow(flow: list[dict[str, Any]], layer_names: dict[str, str], *, title: str) -> dict[str, Any]:
    values = [{"from": layer_names.get(r["layer_from"], r["layer_from"]),
               "to": layer_names.get(r["layer_to"], r["layer_to"]), "ties": r["ties"],
               "weight": round(r["weight"], 2)} for r in flow]
    order = list(layer_names.values())
    return _base(
        title, width="container", height=300, data={"values": values},
        encoding={"x": {"field": "to", "type": "nominal", "sort": order, "title": "→",
                        "axis": {"labelAngle": -30}},
                  "y": {"field": "from", "type": "nominal", "sort": order, "title": None}},
        layer=[
            {"mark": {"type": "rect", "stroke": "#ffffff"},
             "encoding": {"color": {"field": "weight", "type": "quantitative", "scale": {"scheme": "purples"},
                                    "title": "weight"},
                          "tooltip": [{"field": "from"}, {"field": "to"}, {"field": "ties"}, {"field": "weight"}]}},
            {"mark": {"type": "text", "fontSize": 11},
             "encoding": {"text": {"field": "ties"},
                          "color": {"condition": {"test": "datum.weight > 6", "value": "#ffffff"},
                                    "value": "#111827"}}},
        ],
    )


def sovereignty_bars(rows: list[dict[str, Any]], layer_names: dict[str, str], bloc_names: dict[str, str],
                     *, title: str) -> dict[str, Any]:
    blocs = [b for b in (*BLOC_COLORS,) if any(b in r for r in rows)]
    values = []
    for r in rows:
        for b in blocs:
            v = r.get(b)
            if v is not None and v > 0:
                values.append({"layer": layer_names.get(r["layer"], r["layer"]), "bloc": bloc_names.get(b, b),
                               "share": round(v, 4), "actors": r["actors"], "bloc_order": blocs.index(b)})
    order = [layer_names[x] for x in reversed(list(layer_names))]
    return _base(
        title, width="container", height=280, data={"values": values},
        mark={"type": "bar"},
        encoding={"y": {"field": "layer", "type": "nominal", "sort": order, "title": None},
                  "x": {"field": "share", "type": "quantitative", "stack": "normalize", "title": None,
                        "axis": {"format": "%"}},
                  "color": {"field": "bloc", "type": "nominal", "title": None,
                            "scale": {"domain": [bloc_names.get(b, b) for b in blocs],
                                      "range": [BLOC_COLORS[b] for b in blocs]},
                            "legend": {"orient": "top"}},
                  "order": {"field": "bloc_order", "type": "quantitative"},
                  "tooltip": [{"field": "layer"}, {"field": "bloc"}, {"field": "share", "format": ".0%"},
                              {"field": "actors", "title": "actors in layer"}]},
    )


def synergy_scores(items: list[dict[str, Any]], labels: dict[str, str], *, title: str, axis_title: str,
                   names: dict[str, str] | None = None, href: dict[str, str] | None = None) -> dict[str, Any]:
    """Score of each discovered candidate (a point) with its bootstrap 95% interval (a bar), in list order.

    ``labels``: short texts for the axis; ``names``: the full labels for the tooltip; ``href``: links."""
    values = [{"rank": r["rank"], "label": f"{r['rank']}. {labels.get(r['id'], r['id'])}",
               "name": (names or labels).get(r["id"], r["id"]), "score": round(r["score"], 3),
               "lo": round(r["score_low"], 3), "hi": round(r["score_high"], 3),
               **({"url": href[r["id"]]} if href and r["id"] in href else {})}
              for r in items if r.get("score") is not None]
    order = [v["label"] for v in values]
    y = {"field": "label", "type": "nominal", "sort": order, "title": None, "axis": {"labelLimit": 420}}
    tooltip = [{"field": "name", "title": "#"}, {"field": "score", "format": ".2f"},
               {"field": "lo", "format": ".2f", "title": "95% low"}, {"field": "hi", "format": ".2f", "title": "95% high"}]
    x = {"field": "lo", "type": "quantitative", "scale": {"zero": False}, "title": axis_title}
    return _base(
        title, width="container", height=20 * len(values) + 10, data={"values": values},
        layer=[
            {"mark": {"type": "rule", "strokeWidth": 2, "color": SIDE_COLORS["both"]},
             "encoding": {"y": y, "x": x, "x2": {"field": "hi"}, "tooltip": tooltip}},
            {"mark": {"type": "point", "filled": True, "size": 60, "color": SIDE_COLORS["both"], "cursor": "pointer"},
             "encoding": {"y": y, "x": {"field": "score", "type": "quantitative"}, "tooltip": tooltip,
                          **({"href": {"field": "url"}} if href else {})}},
        ],
    )


_WRAP = "split(datum.label, ' ')"  # axis labels over several lines, one word each
# a long place name over two lines at " (": "Brainport Eindhoven" / "(Metropoolregio Eindhoven)"
_WRAP_PAREN = ("indexof(datum.label, ' (') > 0 ? [slice(datum.label, 0, indexof(datum.label, ' (')), "
               "slice(datum.label, indexof(datum.label, ' (') + 1)] : datum.label")


def profile_cells(rows: list[dict[str, Any]], layer_names: dict[str, str], place_names: dict[str, str], *,
                  title: str, lang: str) -> dict[str, Any]:
    """Places × layers coloured by LQ; each cell shows the LQ, its 95% interval and the count.

    Cells whose whole interval lies above 1 get a dark border. The labels are written in ``lang``
    (:mod:`.formats`), so the chart and the tables next to it read the same.
    """
    values = []
    for r in rows:
        lq = r.get("lq")
        ok = lq is not None and math.isfinite(lq)
        values.append({
            "layer": layer_names.get(r["layer"], r["layer"]), "place": place_names.get(r["place"], r["place"]),
            "lq": round(float(lq), 3) if ok and lq is not None else None,
            "above": bool(ok and (r.get("lq_low") or 0) > 1),
            "label": [f"LQ {number(lq, lang=lang)}" if ok else "–",
                      f"{number(r['lq_low'], lang=lang)}–{number(r['lq_high'], lang=lang)}" if ok else "",
                      f"n = {int(r['count'] or 0)}"],
        })
    places = list(dict.fromkeys(v["place"] for v in values))
    cols = list(layer_names.values())
    return _base(
        title, width="container", height=max(60, 54 * len(places)), data={"values": values},
        encoding={"x": {"field": "layer", "type": "nominal", "sort": cols, "title": None,
                        "axis": {"orient": "bottom", "labelAngle": 0, "labelLimit": 100, "labelFontSize": 9,
                                 "labelExpr": _WRAP, "labelLineHeight": 12, "domain": False, "ticks": False}},
                  "y": {"field": "place", "type": "nominal", "sort": places, "title": None,
                        "axis": {"labelLimit": 200, "labelExpr": _WRAP_PAREN, "labelLineHeight": 13,
                                 "domain": False, "ticks": False}}},
        layer=[
            {"mark": {"type": "rect", "stroke": "#ffffff", "strokeWidth": 2},
             "encoding": {"color": {"field": "lq", "type": "quantitative", "title": "LQ",
                                    "scale": {"scheme": "blueorange", "domainMid": 1, "domain": [0, 3],
                                              "clamp": True},
                                    "legend": {"orient": "right", "gradientLength": max(60, 54 * len(places) - 20)}}}},
            {"transform": [{"filter": "datum.above"}],
             "mark": {"type": "rect", "fill": None, "stroke": "#111827", "strokeWidth": 2}},
            {"mark": {"type": "text", "fontSize": 10, "lineHeight": 13, "baseline": "top", "dy": -19},
             "encoding": {"text": {"field": "label"},
                          "color": {"condition": {"test": "datum.lq > 2.2 || datum.lq < 0.35", "value": "#ffffff"},
                                    "value": "#111827"}}},
        ],
    )


def candidate_scores(rows: list[dict[str, Any]], *, title: str, axis: str) -> dict[str, Any]:
    """Discovered candidates in rank order: the score as a point with its bootstrap interval, and the id of
    the matching curated synergy next to it (``rows``: rank, label, score, score_low, score_high,
    curated_match)."""
    values = [{"label": f"{r['rank']}. {r['label']}", "score": r["score"], "lo": r["score_low"],
               "hi": r["score_high"], "curated": r.get("curated_match") or ""} for r in rows]
    order = [v["label"] for v in values]
    y = {"field": "label", "type": "nominal", "sort": order, "title": None, "axis": {"labelLimit": 330}}
    lo = min([v["lo"] for v in values] or [0.0])
    hi = max([v["hi"] for v in values] or [1.0])
    pad = max(0.05, (hi - lo) * 0.08)
    x = {"type": "quantitative", "title": axis, "scale": {"domain": [round(lo - pad, 2), round(hi + pad, 2)],
                                                          "zero": False}}
    return _base(
        title, width="container", height=22 * len(values) + 10, data={"values": values},
        layer=[
            {"mark": {"type": "rule", "strokeWidth": 2, "color": SIDE_COLORS["both"]},
             "encoding": {"y": y, "x": {"field": "lo", **x}, "x2": {"field": "hi"}}},
            {"mark": {"type": "point", "filled": True, "size": 60, "color": SIDE_COLORS["both"]},
             "encoding": {"y": y, "x": {"field": "score", **x}}},
            {"mark": {"type": "text", "align": "left", "dx": 6, "fontSize": 10, "fontWeight": "bold",
                      "color": SIDE_COLORS["b"]},
             "encoding": {"y": y, "x": {"field": "hi", **x}, "text": {"field": "curated"}}},
        ],
    )


def tie_bars(parts: list[dict[str, Any]], *, title: str) -> dict[str, Any]:
    """Bars: ties within each region and across (``parts``: label, ties, side ``a``/``b``/``both``)."""
    order = [p["label"] for p in parts]
    return _base(
        title, width="container", height=26 * len(parts), data={"values": parts},
        layer=[
            {"mark": {"type": "bar"},
             "encoding": {"y": {"field": "label", "type": "nominal", "sort": order, "title": None,
                                "axis": {"labelLimit": 360}},
                          "x": {"field": "ties", "type": "quantitative", "title": None},
                          "color": {"field": "side", "type": "nominal", "legend": None,
                                    "scale": {"domain": list(SIDE_COLORS), "range": list(SIDE_COLORS.values())}}}},
            {"mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 11},
             "encoding": {"y": {"field": "label", "type": "nominal", "sort": order},
                          "x": {"field": "ties", "type": "quantitative"}, "text": {"field": "ties"}}},
        ],
    )


def layer_support(values: list[dict[str, Any]], layer_order: list[str], region_order: list[str], *,
                  title: str) -> dict[str, Any]:
    """Grouped bars: organisations per layer (y) and region (colour); ``values``: layer, region, actors."""
    colors = [SIDE_COLORS["a"], SIDE_COLORS["b"]]
    return _base(
        title, width="container", height=max(80, 40 * len(layer_order)), data={"values": values},
        encoding={"y": {"field": "layer", "type": "nominal", "sort": layer_order, "title": None},
                  "yOffset": {"field": "region", "type": "nominal", "sort": region_order},
                  "x": {"field": "actors", "type": "quantitative", "title": None}},
        layer=[
            {"mark": {"type": "bar"},
             "encoding": {"color": {"field": "region", "type": "nominal", "title": None,
                                    "scale": {"domain": region_order, "range": colors[: len(region_order)]},
                                    "legend": {"orient": "top", "labelLimit": 420}}}},
            {"mark": {"type": "text", "align": "left", "dx": 3, "fontSize": 10},
             "encoding": {"text": {"field": "actors"}}},
        ],
    )
