"""The briefing's charts for print and their offline rendering to SVG.

The specs come from the builders shared with the web atlas (:mod:`stackatlas.present.charts`);
:func:`static` turns one into a print spec (a fixed width, the report's font, no tooltips or links). Charts
are rendered with vl-convert (a bundled JavaScript engine, no browser): data is always inline and
``allowed_base_urls=[]`` forbids any request, so rendering never leaves the machine.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

from ..present import charts

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
SCHEMA = charts.SCHEMA
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


# -- the briefing's charts: the builders of :mod:`stackatlas.present.charts`, sized for print ------------------
def heatmap(rows: list[dict[str, Any]], layer_names: dict[str, str], place_names: dict[str, str], *,
            title: str, lang: str) -> dict[str, Any]:
    """:func:`~stackatlas.present.charts.profile_cells` (LQ, interval and count per cell) for print."""
    return static(charts.profile_cells(rows, layer_names, place_names, title=title, lang=lang))


def intervals(rows: list[dict[str, Any]], layer_names: dict[str, str], place_names: dict[str, str], *,
              title: str, colors: dict[str, str] | None = None) -> dict[str, Any]:
    spec = charts.profile_intervals(rows, layer_names, place_names, title=title, colors=colors)
    places = {r["place"] for r in rows}
    return static(spec, height=26 * len(layer_names) * max(1, len(places)) ** 0.5 + 20)


def layer_flow(flow: list[dict[str, Any]], layer_names: dict[str, str], *, title: str) -> dict[str, Any]:
    return static(charts.layer_flow(flow, layer_names, title=title), width=560, height=260)


def sovereignty(rows: list[dict[str, Any]], layer_names: dict[str, str], bloc_names: dict[str, str], *,
                title: str) -> dict[str, Any]:
    return static(charts.sovereignty_bars(rows, layer_names, bloc_names, title=title),
                  height=24 * len(layer_names) + 10)


def scores(rows: list[dict[str, Any]], *, title: str, axis: str) -> dict[str, Any]:
    """Discovered candidates: the score as a point with its bootstrap interval, best first."""
    return static(charts.candidate_scores(rows, title=title, axis=axis))


def ties(parts: list[dict[str, Any]], *, title: str) -> dict[str, Any]:
    """Bars: ties within each region and across (``parts``: label, ties, side)."""
    return static(charts.tie_bars(parts, title=title), width=WIDTH - 100)


def support(values: list[dict[str, Any]], layer_order: list[str], region_order: list[str], *,
            title: str) -> dict[str, Any]:
    """Grouped bars: organisations per layer (y) and region (colour)."""
    return static(charts.layer_support(values, layer_order, region_order, title=title), width=WIDTH - 60)


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
