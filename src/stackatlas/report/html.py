"""A briefing as one self-contained HTML file: inline CSS, charts as inline SVG, no scripts, no requests.

The same HTML is the input of the PDF (:mod:`.pdf`): its print style sheet adds the title page, the
page numbers in the table of contents (``target-counter``) and the page counters.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from .charts import render_svg
from .markdown import outline
from .model import Bullets, Chart, Document, Paragraph, Run, Table

__all__ = ["render_charts", "to_html"]


def _runs(rs: list[Run]) -> Markup:
    out = []
    for r in rs:
        t = str(escape(r.text))
        if r.strong and t.strip():
            t = f"<strong>{t}</strong>"
        if r.href and t.strip():
            t = f'<a href="{escape(r.href)}">{t}</a>'
        if r.cites:
            marks = ",".join(f'<a href="#src-{n}">{n}</a>' for n in r.cites)
            t += f'<sup class="fn">{marks}</sup>'
        out.append(t)
    return Markup("".join(out))


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=PackageLoader("stackatlas.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["runs"] = _runs
    env.tests["paragraph"] = lambda b: isinstance(b, Paragraph)
    env.tests["bullets"] = lambda b: isinstance(b, Bullets)
    env.tests["table"] = lambda b: isinstance(b, Table)
    env.tests["chart"] = lambda b: isinstance(b, Chart)
    return env


@lru_cache(maxsize=1)
def _css() -> str:
    return resources.files("stackatlas.report").joinpath("templates/report.css").read_text("utf-8")


def render_charts(doc: Document) -> None:
    """Render every chart of the document to SVG (offline, with vl-convert), in place."""
    for ch in doc.charts():
        if ch.svg is None:
            ch.svg = render_svg(ch.spec, lang=doc.lang, prefix=ch.id)


def to_html(doc: Document) -> str:
    render_charts(doc)
    ol = outline(doc)
    numbers = {s.id: num for num, _, s in ol}
    figures: dict[str, int] = {}
    tables: dict[str, int] = {}
    for _, _, s in ol:
        for b in s.blocks:
            if isinstance(b, Chart):
                figures[b.id] = len(figures) + 1
            elif isinstance(b, Table):
                tables[b.id] = len(tables) + 1
    ctx: dict[str, Any] = {"doc": doc, "outline": ol, "numbers": numbers, "figures": figures, "tables": tables,
                           "css": Markup(_css()), "svg": lambda ch: Markup(ch.svg or "")}
    return _env().get_template("report.html.j2").render(**ctx)
