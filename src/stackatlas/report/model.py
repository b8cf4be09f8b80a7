"""The document model of a briefing: sections of blocks (paragraphs, lists, tables, charts) made of text runs
that carry footnote markers into a numbered source list.

The model is plain data and knows nothing of output formats; :mod:`.markdown`, :mod:`.html` and
:mod:`.pdf` render it. Every number that the composer puts in a run carries the numbers of the sources
behind it (``cites``), which the renderers turn into footnote markers linking to :attr:`Document.sources`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Block",
    "Bullets",
    "Chart",
    "Document",
    "Paragraph",
    "Run",
    "Section",
    "SourceEntry",
    "Table",
    "runs",
]


@dataclass(frozen=True)
class Run:
    """A piece of text, optionally strong, optionally followed by footnote markers (source numbers)."""

    text: str
    cites: tuple[int, ...] = ()
    strong: bool = False
    href: str | None = None  # an anchor inside the document ("#syn-C"); never an external address


def runs(*parts: Run | str) -> list[Run]:
    """Strings and runs as a list of runs."""
    return [p if isinstance(p, Run) else Run(p) for p in parts if not (isinstance(p, str) and p == "")]


@dataclass
class Paragraph:
    runs: list[Run]
    kind: str = "text"  # "text", "lead" (the generated reading of a chart) or "note"


@dataclass
class Bullets:
    items: list[list[Run]]
    ordered: bool = False


@dataclass
class Table:
    """Rows of cells; a cell is a list of runs. ``numeric`` holds the indices of right-aligned columns."""

    id: str
    columns: list[str]
    rows: list[list[list[Run]]]
    caption: list[Run] = field(default_factory=list)
    numeric: frozenset[int] = frozenset()
    widths: Sequence[int] | None = None  # relative column widths (HTML/PDF)
    compact: bool = False

    def texts(self) -> list[list[str]]:
        """The cells as plain strings (without footnote markers)."""
        return [["".join(r.text for r in cell) for cell in row] for row in self.rows]


@dataclass
class Chart:
    """A Vega-Lite chart: the spec (a plain dict) and, once rendered, its SVG."""

    id: str
    title: str
    spec: dict[str, Any]
    caption: list[Run] = field(default_factory=list)
    svg: str | None = None


Block = Paragraph | Bullets | Table | Chart


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)
    wide: bool = False  # printed on landscape pages

    def add(self, *blocks: Block) -> Section:
        self.blocks.extend(blocks)
        return self

    def walk(self, level: int = 1) -> Iterator[tuple[int, Section]]:
        yield level, self
        for c in self.children:
            yield from c.walk(level + 1)


@dataclass
class SourceEntry:
    """One numbered entry of the source list: a source of the dataset, or the dataset itself (computed)."""

    number: int
    id: str
    title: str
    kind: str = "source"  # "source" or "dataset"
    author: str | None = None
    publisher: str | None = None
    date: str | None = None
    url: str | None = None
    locators: list[str] = field(default_factory=list)


@dataclass
class Document:
    lang: str
    kind: str  # "corridor", "place" or "synergy"
    title: str
    subtitle: str
    colophon: list[list[Run]]
    sections: list[Section]
    sources: list[SourceEntry]
    labels: dict[str, str]  # interface words of the renderers in the document's language

    def walk(self) -> Iterator[tuple[int, Section]]:
        for s in self.sections:
            yield from s.walk()

    def charts(self) -> list[Chart]:
        return [b for _, s in self.walk() for b in s.blocks if isinstance(b, Chart)]

    def tables(self) -> list[Table]:
        return [b for _, s in self.walk() for b in s.blocks if isinstance(b, Table)]

    def section(self, ident: str) -> Section:
        for _, s in self.walk():
            if s.id == ident:
                return s
        raise KeyError(ident)
