"""The Markdown briefing: diff-friendly, and the numbers round-trip (tables read back give the same cells,
and the profile's numbers are the analysis's numbers at the printed precision)."""

from __future__ import annotations

import re

import pytest

from stackatlas.report.collect import CorridorData
from stackatlas.report.model import Document

LANGS = ("nl", "en")
_MARK = re.compile(r"\[\^(\d+)\]")


def unescape(s: str) -> str:
    return re.sub(r"\\([\\`*_\[\]<>|])", r"\1", s)


def split_row(line: str) -> list[str]:
    """The cells of a Markdown table row (escaped pipes stay inside their cell)."""
    cells, cur, i = [], "", 1
    body = line.strip()
    while i < len(body) - 1:
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            cur += body[i: i + 2]
            i += 2
            continue
        if ch == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    cells.append(cur.strip())
    return cells


def plain(cell: str) -> str:
    """A cell without footnote markers, emphasis and links, unescaped."""
    s = _MARK.sub("", cell)
    s = re.sub(r"\[(.*?)\]\(#[^)]*\)", r"\1", s)
    s = re.sub(r"(?<!\\)\*\*", "", s)
    return unescape(s).strip()


def tables(md: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    lines = md.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"<!-- table: (\S+) -->", line)
        if not m:
            continue
        j = i + 1
        while not lines[j].startswith("|"):
            j += 1
        rows = []
        j += 2  # header and alignment row
        while j < len(lines) and lines[j].startswith("|"):
            rows.append(split_row(lines[j]))
            j += 1
        out[m.group(1)] = rows
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_tables_round_trip(corridor_md: dict[str, str], corridor_docs: dict[str, Document], lang: str) -> None:
    md, doc = corridor_md[lang], corridor_docs[lang]
    found = tables(md)
    assert set(found) == {t.id for t in doc.tables()}
    for t in doc.tables():
        back = [[plain(c) for c in row] for row in found[t.id]]
        want = [[" ".join(c.split()) or "" for c in row] for row in t.texts()]
        assert back == want, t.id


@pytest.mark.parametrize("lang", LANGS)
def test_profile_numbers_round_trip(corridor_md: dict[str, str], corridor_data: CorridorData, lang: str) -> None:
    rows = tables(corridor_md[lang])["pos-table"]
    prof = corridor_data.profile["rows"]
    assert len(rows) == len(prof)

    def number(s: str) -> float:
        s = plain(s)
        return float(s.replace(".", "").replace(",", ".") if lang == "nl" else s.replace(",", ""))

    for cells, p in zip(rows, prof, strict=True):
        assert number(cells[2]) == p["count"]
        assert number(cells[3]) == pytest.approx(p["expected"], abs=0.005)
        assert number(cells[4]) == pytest.approx(p["lq"], abs=0.005)
        lo, hi = plain(cells[5]).split("–")
        assert number(lo) == pytest.approx(p["lq_low"], abs=0.005)
        assert number(hi) == pytest.approx(p["lq_high"], abs=0.005)


@pytest.mark.parametrize("lang", LANGS)
def test_footnotes_and_sections(corridor_md: dict[str, str], corridor_docs: dict[str, Document], lang: str) -> None:
    md, doc = corridor_md[lang], corridor_docs[lang]
    defined = [int(n) for n in re.findall(r"^\[\^(\d+)\]: ", md, re.M)]
    assert defined == list(range(1, len(doc.sources) + 1))
    used = {int(n) for n in re.findall(r"\[\^(\d+)\](?!:)", md)}
    assert used == set(defined)
    for _, s in doc.walk():
        assert f'<a id="{s.id}"></a>' in md
    assert md.startswith(f"# {doc.title}\n")
    assert "<svg" not in md and "<script" not in md
    # every chart is announced where it stands in the HTML and PDF editions
    assert md.count("<!-- chart: ") == len(doc.charts())


def test_markdown_is_deterministic(corridor_docs: dict[str, Document], corridor_md: dict[str, str]) -> None:
    from stackatlas.report import to_markdown

    assert to_markdown(corridor_docs["nl"]) == corridor_md["nl"]
