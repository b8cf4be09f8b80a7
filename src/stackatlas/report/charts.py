"""Vega-Lite specifications of the briefing's charts (plain dicts) and their offline rendering to SVG.

The web atlas's builders (:mod:`stackatlas.present.charts`) are reused where they fit; :func:`static` turns
one of their specs into a print spec (a fixed width, the report's font, no tooltips or links). Charts are
rendered with vl-convert (a bundled JavaScript engine, no browser): data is always inline and
``allowed_base_urls=[]`` forbids any request, so rendering never leaves the machine.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from typing import Any

from ..present import charts as web_charts

__all__ = ["FONT", "WIDTH", "heatmap", "intervals", "layer_flow", "render_svg", "scores", "sovereignty", "static",
           "support", "ties"]

FONT = "DejaVu Sans"
WIDTH = 660  # px of the whole chart (axes and legends included): the text width of an A4 page at 96 px/in
AUTOSIZE = {"type": "fit-x", "contains": "padding"}
CONFIG: dict[str, Any] = {
    "font": FONT,
    "view": {"stroke": None},
    "background": "white",
    "axis": {"labelFontSize": 11, "titleFontSize": 11, "labelColor": "#1f2937", "titleColor": "#1f2937",
             "labelLimit": 220},
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "labelColor": "#1f2937", "titleColor": "#1f2937",
               "labelLimit": 260},
    "title": {"font": FONT, "fontSize": 12, "anchor": "start"},
}
SCHEMA = web_charts.SCHEMA
_DROP = {"tooltip", "href", "cursor"}


def _strip(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items() if k not in _DROP}
    if isinstance(x, list):
        return [_strip(v) for v in x]
    return x


def static(spec: dict[str, Any], *, width: int = WIDTH, height: float | None = None) -> dict[str, Any]:
    """A web spec for print: fixed width, the report's config, no tooltips, links or pointer cursors."""
    out = _strip(copy.deepcopy(spec))
    out["width"] = width
    out["autosize"] = AUTOSIZE
    if height is not None:
        out["height"] = height
    elif not isinstance(out.get("height"), (int, float)):
        out["height"] = 300
    out["config"] = CONFIG
    out["$schema"] = SCHEMA
    return out  # type: ignore[no-any-return]


def _base(description: str, **extra: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "description": description, "config": CONFIG, "autosize": AUTOSIZE, **extra}


_WRAP = "split(datum.label, ' ')"  # axis labels over several lines, one word each
# a long place name over two lines at " (": "Brainport Eindhoven" / "(Metropoolregio Eindhoven)"
_WRAP_PAREN = ("indexof(datum.label, ' (') > 0 ? [slice(datum.label, 0, indexof(datum.label, ' (')), "
               "slice(datum.label, indexof(datum.label, ' (') + 1)] : datum.label")


def heatmap(rows: list[dict[str, Any]], layer_names: dict[str, str], place_names: dict[str, str], *,
            title: str, num: Any) -> dict[str, Any]:
    """Places × layers coloured by LQ; each cell shows the LQ, its 95% interval and the count.

    Cells whose whole interval lies above 1 get a dark border. ``num`` formats numbers in the document's
    language (the labels are computed here, so the chart and the tables read the same).
    """
    values = []
    for r in rows:
        lq = r.get("lq")
        ok = lq is not None and math.isfinite(lq)
        values.append({
            "layer": layer_names.get(r["layer"], r["layer"]), "place": place_names.get(r["place"], r["place"]),
            "lq": round(float(lq), 3) if ok and lq is not None else None,
            "above": bool(ok and (r.get("lq_low") or 0) > 1),
            "label": [f"LQ {num(lq)}" if ok else "–",
                      f"{num(r['lq_low'])}–{num(r['lq_high'])}" if ok else "",
                      f"n = {int(r['count'] or 0)}"],
        })
    places = list(dict.fromkeys(v["place"] for v in values))
    cols = list(layer_names.values())
    return _base(
        title, width=WIDTH, height=max(60, 54 * len(places)), data={"values": values},
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


def intervals(rows: list[dict[str, Any]], layer_names: dict[str, str], place_names: dict[str, str], *,
              title: str, colors: dict[str, str] | None = None) -> dict[str, Any]:
    spec = web_charts.profile_intervals(rows, layer_names, place_names, title=title, colors=colors)
    places = {r["place"] for r in rows}
    return static(spec, height=26 * len(layer_names) * max(1, len(places)) ** 0.5 + 20)


def layer_flow(flow: list[dict[str, Any]], layer_names: dict[str, str], *, title: str) -> dict[str, Any]:
    spec = static(web_charts.layer_flow(flow, layer_names, title=title), width=560, height=260)
    return spec


def sovereignty(rows: list[dict[str, Any]], layer_names: dict[str, str], bloc_names: dict[str, str], *,
                title: str) -> dict[str, Any]:
    return static(web_charts.sovereignty_bars(rows, layer_names, bloc_names, title=title),
                  height=24 * len(layer_names) + 10)


def scores(rows: list[dict[str, Any]], *, title: str, axis: str) -> dict[str, Any]:
    """Discovered candidates: the score as a point with its bootstrap interval, best first."""
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
        title, width=WIDTH, height=22 * len(values) + 10, data={"values": values},
        layer=[
            {"mark": {"type": "rule", "strokeWidth": 2, "color": "#6b3fa0"},
             "encoding": {"y": y, "x": {"field": "lo", **x}, "x2": {"field": "hi"}}},
            {"mark": {"type": "point", "filled": True, "size": 60, "color": "#6b3fa0"},
             "encoding": {"y": y, "x": {"field": "score", **x}}},
            {"mark": {"type": "text", "align": "left", "dx": 6, "fontSize": 10, "fontWeight": "bold",
                      "color": "#b5520f"},
             "encoding": {"y": y, "x": {"field": "hi", **x}, "text": {"field": "curated"}}},
        ],
    )


def ties(parts: list[dict[str, Any]], *, title: str) -> dict[str, Any]:
    """Bars: ties within each region and across (``parts``: label, ties, side)."""
    colors = web_charts.SIDE_COLORS
    order = [p["label"] for p in parts]
    return _base(
        title, width=WIDTH - 100, height=26 * len(parts), data={"values": parts},
        layer=[
            {"mark": {"type": "bar"},
             "encoding": {"y": {"field": "label", "type": "nominal", "sort": order, "title": None,
                                "axis": {"labelLimit": 360}},
                          "x": {"field": "ties", "type": "quantitative", "title": None},
                          "color": {"field": "side", "type": "nominal", "legend": None,
                                    "scale": {"domain": list(colors), "range": list(colors.values())}}}},
            {"mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 11},
             "encoding": {"y": {"field": "label", "type": "nominal", "sort": order},
                          "x": {"field": "ties", "type": "quantitative"}, "text": {"field": "ties"}}},
        ],
    )


def support(values: list[dict[str, Any]], layer_order: list[str], region_order: list[str], *,
            title: str) -> dict[str, Any]:
    """Grouped bars: organisations per layer (y) and region (colour)."""
    colors = [web_charts.SIDE_COLORS["a"], web_charts.SIDE_COLORS["b"]]
    return _base(
        title, width=WIDTH - 60, height=max(80, 40 * len(layer_order)), data={"values": values},
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


# -- rendering -------------------------------------------------------------------------------------------
_SVG_CACHE: dict[str, str] = {}
_ID = re.compile(r'\bid="([^"]+)"')


def render_svg(spec: dict[str, Any], *, lang: str = "en", prefix: str = "c") -> str:
    """The chart as an inline ``<svg>`` element (no XML declaration), its ids prefixed so that several
    charts can live in one HTML document. Offline: external data is forbidden."""
    import vl_convert as vlc

    key = hashlib.sha256(json.dumps([spec, lang], sort_keys=True, default=str).encode()).hexdigest()
    svg = _SVG_CACHE.get(key)
    if svg is None:
        svg = vlc.vegalite_to_svg(spec, allowed_base_urls=[],
                                  format_locale="nl-NL" if lang == "nl" else "en-US")
        _SVG_CACHE[key] = svg
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    ids = set(_ID.findall(svg))
    for i in sorted(ids, key=len, reverse=True):
        svg = (svg.replace(f'id="{i}"', f'id="{prefix}-{i}"').replace(f"url(#{i})", f"url(#{prefix}-{i})")
               .replace(f'href="#{i}"', f'href="#{prefix}-{i}"'))
    svg = _user_space_gradients(svg)
    # charts are laid out to fit the text width (autosize "fit-x"), so print needs no scaling (WeasyPrint
    # loses gradients in scaled SVG); the screen style sheet scales them down in narrow windows
    return svg.replace("<svg ", '<svg role="img" ', 1)


_GRADIENT_FILL = re.compile(r'<path d="M0,0h([\d.]+)v([\d.]+)h-[\d.]+Z" fill="url\(#([^)]+)\)"')


def _user_space_gradients(svg: str) -> str:
    """Vega's legend gradients in user space: WeasyPrint does not paint a ``linearGradient`` in bounding-box
    units (the default) on these rectangles, but does paint the same gradient given in user space."""
    for m in _GRADIENT_FILL.finditer(svg):
        w, h, ident = float(m.group(1)), float(m.group(2)), m.group(3)
        g = re.search(rf'<linearGradient id="{re.escape(ident)}" x1="([\d.]+)" x2="([\d.]+)" y1="([\d.]+)" '
                      rf'y2="([\d.]+)">', svg)
        if g is None:
            continue
        x1, x2, y1, y2 = (float(v) for v in g.groups())
        svg = svg.replace(g.group(0), f'<linearGradient id="{ident}" gradientUnits="userSpaceOnUse" '
                                      f'x1="{x1 * w:g}" x2="{x2 * w:g}" y1="{y1 * h:g}" y2="{y2 * h:g}">', 1)
    return svg
