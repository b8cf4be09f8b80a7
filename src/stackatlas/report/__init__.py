"""Briefing reports generated from a dataset: Markdown, self-contained HTML and PDF, in Dutch or English.

Three kinds (``stackatlas report``): a corridor between two regions (``--between A --and B``), one place
(``--place P``) and one synergy (``--synergy ID``). A briefing is built in three steps:

1. :mod:`.collect` runs the analyses of :mod:`stackatlas.analysis` once (language independent);
2. :mod:`.compose` writes a :class:`~.model.Document` in one language: sections of paragraphs, lists,
   tables and charts whose numbers carry footnotes into a numbered source list (:mod:`.cite`);
3. :mod:`.markdown`, :mod:`.html` (charts as inline SVG, rendered offline by vl-convert) and :mod:`.pdf`
   (the HTML typeset by WeasyPrint) render it.

>>> import stackatlas
>>> from stackatlas import report
>>> atlas = stackatlas.open(data=stackatlas.fixture_path())
>>> doc = report.place_report(atlas, "brainport", lang="en")
>>> doc.title
'Brainport Eindhoven on the Digital Stack'
>>> report.to_markdown(doc).startswith("# Brainport Eindhoven on the Digital Stack")
True
"""

from __future__ import annotations

from pathlib import Path

from ..atlas import Atlas
from ..errors import StackAtlasError
from ..present.texts import LANGS
from .collect import (
    CorridorData,
    PlaceData,
    Progress,
    SynergyData,
    collect_corridor,
    collect_place,
    collect_synergy,
)
from .compose import compose_corridor, compose_place, compose_synergy
from .html import to_html
from .markdown import to_markdown
from .model import Document
from .pdf import to_pdf

__all__ = [
    "FORMATS",
    "LANGS",
    "CorridorData",
    "Document",
    "PlaceData",
    "SynergyData",
    "collect_corridor",
    "collect_place",
    "collect_synergy",
    "compose_corridor",
    "compose_place",
    "compose_synergy",
    "corridor_report",
    "format_of",
    "place_report",
    "render",
    "synergy_report",
    "to_html",
    "to_markdown",
    "to_pdf",
    "write",
]

FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}


def corridor_report(atlas: Atlas, a: str | None = None, b: str | None = None, *, lang: str = "nl",
                    top: int = 10, intros: int = 3, bootstrap: int = 200, seed: int = 0,
                    progress: Progress | None = None) -> Document:
    """The briefing on two regions (default: the dataset's pair)."""
    a, b = atlas.compare_pair(a, b)
    data = collect_corridor(atlas, a, b, top=top, intros=intros, bootstrap=bootstrap, seed=seed, progress=progress)
    return _dated(compose_corridor(data, lang), atlas)


def place_report(atlas: Atlas, place: str, *, lang: str = "nl", progress: Progress | None = None) -> Document:
    """The briefing on one place (a region, municipality, province, country or site)."""
    return _dated(compose_place(collect_place(atlas, place, progress=progress), lang), atlas)


def synergy_report(atlas: Atlas, synergy: str, a: str | None = None, b: str | None = None, *, lang: str = "nl",
                   intros: int = 10, guests: int = 12, progress: Progress | None = None) -> Document:
    """The briefing on one synergy (curated id such as ``C`` or discovered id such as ``chips.ai``)."""
    return _dated(compose_synergy(collect_synergy(atlas, synergy, a, b, intros=intros, guests=guests,
                                                  progress=progress), lang), atlas)


def _dated(doc: Document, atlas: Atlas) -> Document:
    """A briefing made with ``atlas.as_of``: the date in the subtitle and, first in the colophon, how many
    undated facts were counted as present throughout (docs/dataset-format.md, "Time")."""
    note = atlas.undated_note(lang=doc.lang)
    if note is None:
        return doc
    from .model import Run

    doc.subtitle = f"{doc.subtitle} ({'stand per' if doc.lang == 'nl' else 'as of'} {atlas.as_of})"
    doc.colophon.insert(0, [Run(note)])
    return doc


def format_of(path: Path | str) -> str:
    """``md``, ``html`` or ``pdf`` from a file name; anything else is an error."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise StackAtlasError(f"cannot tell the format of {str(path)!r}: use a name ending in .md, .html or .pdf")
    return FORMATS[suffix]


def render(doc: Document, fmt: str) -> bytes:
    """The document as bytes in ``md``, ``html`` or ``pdf``."""
    if fmt == "md":
        return to_markdown(doc).encode("utf-8")
    if fmt == "html":
        return to_html(doc).encode("utf-8")
    if fmt == "pdf":
        return to_pdf(doc)
    raise StackAtlasError(f"unknown report format {fmt!r}: md, html or pdf")


def write(doc: Document, path: Path | str) -> Path:
    """Write the document; the format follows from the file name. Written atomically (temp file + rename)."""
    target = Path(path)
    data = render(doc, format_of(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target
