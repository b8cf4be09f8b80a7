"""The PDF briefing: it renders (title page, contents with page numbers, page counters, a landscape page for
the synergy overview), the text reads back, and page images are kept under $STACKATLAS_ARTIFACTS/report/."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from pypdf import PdfReader

from stackatlas.report.markdown import outline
from stackatlas.report.model import Document

from .conftest import page_images

pytestmark = pytest.mark.slow  # renders PDFs with WeasyPrint: `make test` runs it, `make test-fast` does not

LANGS = ("nl", "en")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                                   reason="poppler-utils missing (make system-deps)")


def pages_text(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return out.split("\f")


def flat(text: str) -> str:
    return " ".join(text.split())


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
def test_pdf_renders_with_every_section(corridor_pdf: dict[str, Path], corridor_docs: dict[str, Document],
                                        lang: str) -> None:
    pdf, doc = corridor_pdf[lang], corridor_docs[lang]
    reader = PdfReader(pdf)
    assert len(reader.pages) > 3
    text = flat(" ".join(pages_text(pdf)))
    assert flat(doc.title) in text
    for num, level, s in outline(doc):
        if level <= 2:
            assert flat(f"{num} {s.title}".strip()) in text, s.title
    # page numbers: "n / N" at the foot of every page but the title page
    pages = pages_text(pdf)
    total = len(reader.pages)
    for i, page in enumerate(pages[:total], start=1):
        if i > 1:
            assert re.search(rf"\b{i} / {total}\b", page), i


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
def test_contents_gives_the_right_page_numbers(corridor_pdf: dict[str, Path], corridor_docs: dict[str, Document],
                                               lang: str) -> None:
    """target-counter() in the table of contents points at the page where each chapter starts."""
    pdf, doc = corridor_pdf[lang], corridor_docs[lang]
    pages = pages_text(pdf)
    contents = pages[1]
    assert doc.labels["contents"] in contents
    for num, level, s in outline(doc):
        if level != 1 or not num:
            continue
        first = s.title.split()[0]
        m = re.search(rf"(?:^|\n)\s*{re.escape(num)}\s+{re.escape(first)}.*?\.{{3,}}\s*(\d+)", contents, re.S)
        assert m, (num, s.title)
        page = int(m.group(1))
        head = flat(pages[page - 1])
        assert flat(f"{num} {s.title}") in head, (s.title, page)


@needs_poppler
def test_title_page_and_landscape_overview(corridor_pdf: dict[str, Path], corridor_docs: dict[str, Document]) -> None:
    reader = PdfReader(corridor_pdf["en"])
    first = flat(reader.pages[0].extract_text())
    assert "Briefing".upper() in first.upper() and "stackatlas" in first
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    landscape = [i for i, (w, h) in enumerate(sizes) if w > h]
    assert landscape, "the synergy overview is printed on a landscape page"
    text = flat(reader.pages[landscape[0]].extract_text())
    assert corridor_docs["en"].section("synergy-overview").title in text


@needs_poppler
def test_links_in_the_pdf_are_internal_or_sources(corridor_pdf: dict[str, Path],
                                                  corridor_docs: dict[str, Document]) -> None:
    reader = PdfReader(corridor_pdf["en"])
    urls = {unquote(s.url) for s in corridor_docs["en"].sources if s.url}
    seen = 0
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            a = annot.get_object().get("/A") or {}
            uri = a.get("/URI")
            if uri is not None:
                assert unquote(str(uri)) in urls, uri  # WeasyPrint percent-encodes non-ASCII
                seen += 1
    assert seen > 10


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
def test_page_images(corridor_pdf: dict[str, Path], lang: str) -> None:
    """pdftoppm -png -r 50: one image per page, kept in $STACKATLAS_ARTIFACTS/report/ to look at."""
    images = page_images(corridor_pdf[lang], f"corridor-{lang}")
    assert len(images) == len(PdfReader(corridor_pdf[lang]).pages)
    for img in images:
        assert img.stat().st_size > 1000
        assert img.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
