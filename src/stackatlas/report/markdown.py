"""A briefing as Markdown (GitHub-flavoured): diff-friendly, for review.

Footnote markers are Markdown footnotes (``[^3]``) whose definitions form the numbered source list.
Every table is preceded by ``<!-- table: ID -->`` so that tools (and the tests) can find it; numbers
are written exactly as in the HTML and PDF editions.
"""

from __future__ import annotations

import re

from .model import Bullets, Chart, Document, Paragraph, Run, Section, SourceEntry, Table

__all__ = ["outline", "to_markdown"]

_ESC = re.compile(r"([\\`*_\[\]<>|])")


def _esc(text: str, *, cell: bool = False) -> str:
    s = _ESC.sub(r"\\\1", text)
    if cell:
        s = s.replace("\n", " ")
    return s


def _runs(rs: list[Run], *, cell: bool = False) -> str:
    out = []
    for r in rs:
        t = _esc(r.text, cell=cell)
        if r.strong and t.strip():
            lead, core, trail = t[: len(t) - len(t.lstrip())], t.strip(), t[len(t.rstrip()):]
            t = f"{lead}**{core}**{trail}"
        if r.href and t.strip():
            t = f"[{t}]({r.href})"
        out.append(t + "".join(f"[^{n}]" for n in r.cites))
    return "".join(out)


def outline(doc: Document) -> list[tuple[str, int, Section]]:
    """(number, level, section) in reading order; the source list is not numbered."""
    out: list[tuple[str, int, Section]] = []

    def visit(sections: list[Section], prefix: str, level: int) -> None:
        i = 0
        for s in sections:
            if s.id == "sources":
                out.append(("", level, s))
                continue
            i += 1
            num = f"{prefix}{i}"
            out.append((num, level, s))
            visit(s.children, num + ".", level + 1)

    visit(doc.sections, "", 1)
    return out


def _table(t: Table, label: str) -> list[str]:
    lines = [f"<!-- table: {t.id} -->", ""]
    head = [_esc(c, cell=True) or " " for c in t.columns]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join("---:" if i in t.numeric else "---" for i in range(len(t.columns))) + "|")
    for row in t.rows:
        lines.append("| " + " | ".join(_runs(cell, cell=True) or " " for cell in row) + " |")
    lines.append("")
    if t.caption:
        lines += [f"*{label}:* {_runs(t.caption)}", ""]
    return lines


def _source(e: SourceEntry, doc: Document) -> str:
    parts = [_esc(e.title)]
    if e.author:
        parts.append(_esc(e.author))
    pub = ", ".join(x for x in (e.publisher, e.date) if x)
    if pub:
        parts.append(_esc(pub))
    text = ". ".join(p.rstrip(".") for p in parts) + "."
    if e.url:
        text += f" <{e.url}>"
    if e.locators:
        label = doc.labels["cited_at"] if e.kind == "source" else ""
        locs = "; ".join(_esc(x) for x in e.locators[:8]) + (" …" if len(e.locators) > 8 else "")
        text += f" ({label}: {locs})" if label else f" ({locs})"
    return f"[^{e.number}]: {text}"


def to_markdown(doc: Document) -> str:
    lines = [f"# {_esc(doc.title)}", "", f"*{_esc(doc.subtitle)}*", ""]
    for c in doc.colophon:
        lines += [_runs(c), ""]
    ol = outline(doc)
    lines += [f"## {_esc(doc.labels['contents'])}", ""]
    for num, level, s in ol:
        if level <= 2:
            lines.append(f"{'  ' * (level - 1)}- [{(num + ' ') if num else ''}{_esc(s.title)}](#{s.id})")
    lines.append("")
    figure = 0
    for num, level, s in ol:
        hashes = "#" * min(6, level + 1)
        lines += [f'<a id="{s.id}"></a>', "", f"{hashes} {(num + ' ') if num else ''}{_esc(s.title)}", ""]
        if s.id == "sources":
            lines += [_source(e, doc) for e in doc.sources]
            lines.append("")
            continue
        for b in s.blocks:
            if isinstance(b, Paragraph):
                lines += [_runs(b.runs), ""]
            elif isinstance(b, Bullets):
                for i, item in enumerate(b.items, start=1):
                    lines.append(f"{i}. {_runs(item)}" if b.ordered else f"- {_runs(item)}")
                lines.append("")
            elif isinstance(b, Table):
                lines += _table(b, doc.labels["table"])
            elif isinstance(b, Chart):
                figure += 1
                cap = f" {_runs(b.caption)}" if b.caption else ""
                lines += [f"<!-- chart: {b.id} -->", "",
                          f"> *{doc.labels['chart']} {figure}: {_esc(b.title)}.*{cap}", ""]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"
