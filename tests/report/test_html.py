"""The HTML briefing of the bundled corridor: every section, an <svg> per chart, self-contained, every
number footnoted into the numbered source list."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser

import pytest

from stackatlas import report
from stackatlas.report.collect import CorridorData
from stackatlas.report.model import Chart, Document, Table

LANGS = ("nl", "en")
REQUIRED = ["summary", "stack", "positions", "position", "position-regions", "integration", "foundries",
            "layer-flow", "synergies", "synergy-overview", "synergy-match", "synergy-curated", "synergy-discovered",
            "sovereignty", "indicators", "bridges", "method", "sources"]


class Tags(HTMLParser):
    """Every start tag with its attributes, and the ids of the document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        self.tags.append((tag, d))
        if d.get("id"):
            self.ids.add(str(d["id"]))


def parse(html: str) -> Tags:
    p = Tags()
    p.feed(html)
    return p


def _sources_block(html: str) -> tuple[int, int]:
    start = html.index('<ol class="sources">')
    return start, html.index("</ol>", start)


@pytest.mark.parametrize("lang", LANGS)
def test_every_section_is_there(corridor_html: dict[str, str], corridor_docs: dict[str, Document], lang: str) -> None:
    html, doc = corridor_html[lang], corridor_docs[lang]
    ids = parse(html).ids
    for sid in REQUIRED:
        assert sid in ids, sid
    for _, s in doc.walk():
        assert f'id="{s.id}"' in html
    # one sub-section per curated synergy and per discovered candidate
    data_ids = {s.id for _, s in doc.walk()}
    assert {f"syn-{x}" for x in "ABCDEFGHI"} <= data_ids
    assert {f"disc-{k}" for k in range(1, 11)} <= data_ids


@pytest.mark.parametrize("lang", LANGS)
def test_one_svg_per_chart(corridor_html: dict[str, str], corridor_docs: dict[str, Document], lang: str) -> None:
    html, doc = corridor_html[lang], corridor_docs[lang]
    charts = doc.charts()
    assert len(charts) >= 8  # heatmaps, intervals, flow, scores, sovereignty ×2, ties
    figures = re.findall(r'<figure id="([^"]+)" class="chart">(.*?)</figure>', html, re.S)
    assert [f[0] for f in figures] == [c.id for c in charts]
    for ident, body in figures:
        assert body.count("<svg") == 1, ident
        assert "</svg>" in body
    # the SVGs carry the numbers in the document's language
    heat = dict(figures)["pos-heatmap"]
    assert ("0,00–" if lang == "nl" else "0.00–") in heat


@pytest.mark.parametrize("lang", LANGS)
def test_self_contained(corridor_html: dict[str, str], lang: str) -> None:
    """No scripts, style sheets, images, frames or fonts from anywhere; http(s) only in the source list."""
    html = corridor_html[lang]
    tags = parse(html).tags
    names = {t for t, _ in tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "base", "image", "use", "video",
                        "audio", "source"}
    assert "@import" not in html and "url(http" not in html and "@font-face" not in html
    start, end = _sources_block(html)
    for m in re.finditer(r'\b(src|href|xlink:href|srcset|action|data)\s*=\s*["\']?\s*(https?:)?', html, re.I):
        if m.group(2):
            assert start < m.start() < end, html[m.start() - 80: m.end() + 80]
        assert m.group(1).lower() != "src"
    # internal links resolve: footnote markers to numbered sources, cross references to sections
    ids = parse(html).ids
    for _, attrs in tags:
        href = attrs.get("href") or ""
        if href.startswith("#"):
            assert href[1:] in ids, href


@pytest.mark.parametrize("lang", LANGS)
def test_source_list(corridor_docs: dict[str, Document], corridor_html: dict[str, str],
                     corridor_data: CorridorData, lang: str) -> None:
    doc, html = corridor_docs[lang], corridor_html[lang]
    meta = corridor_data.lk.meta
    first = doc.sources[0]
    assert first.kind == "dataset" and first.number == 1
    words = ("stackatlas-dataset {} versie {}, berekend {}" if lang == "nl"
             else "stackatlas dataset {} version {}, computed {}")
    assert first.title == words.format(meta["id"], meta["version"], corridor_data.facts.date)
    assert [s.number for s in doc.sources] == list(range(1, len(doc.sources) + 1))
    assert len({s.id for s in doc.sources}) == len(doc.sources)
    start, end = _sources_block(html)
    urls = set(re.findall(r'href="(https?://[^"]+)"', html[start:end]))
    assert urls and urls <= {s.url.replace("&", "&amp;") for s in doc.sources if s.url}
    cited = {int(n) for n in re.findall(r'href="#src-(\d+)"', html)}
    assert cited == set(range(1, len(doc.sources) + 1))  # every entry is cited, every marker has an entry


def _cells(doc: Document, table: str) -> Table:
    return next(t for t in doc.tables() if t.id == table)


@pytest.mark.parametrize("lang", LANGS)
def test_every_number_in_a_table_is_footnoted(corridor_docs: dict[str, Document], lang: str) -> None:
    doc = corridor_docs[lang]
    checked = 0
    for t in doc.tables():
        for row in t.rows:
            for i, cell in enumerate(row):
                if i not in t.numeric:
                    continue
                for run in cell:
                    if re.search(r"\d", run.text) and not (t.columns[i] in ("#", "Nr.", "No.") or i == 0):
                        assert run.cites, (t.id, t.columns[i], run.text)
                        checked += 1
    assert checked > 300


@pytest.mark.parametrize("lang", LANGS)
def test_counts_cite_the_dataset_and_few_facts_their_sources(corridor_docs: dict[str, Document],
                                                             corridor_data: CorridorData, lang: str) -> None:
    doc = corridor_docs[lang]
    t = _cells(doc, "pos-table")
    facts = corridor_data.facts.citations
    number = {e.id: e.number for e in doc.sources}
    for row, prof in zip(t.rows, corridor_data.profile["rows"], strict=True):
        count = row[2][0]
        assert 1 in count.cites
        actors = corridor_data.profile["cells"].get((prof["place"], prof["layer"]), [])
        assert len(actors) == prof["count"]
        if 0 < len(actors) <= 3:  # few facts: their own sources are cited as well
            want = {number[s] for a in actors for s, _ in facts[("actor", a)]}
            assert want <= set(count.cites)
        else:
            assert count.cites == (1,)


@pytest.mark.parametrize("lang", LANGS)
def test_indicator_figures_cite_their_own_sources(corridor_docs: dict[str, Document],
                                                  corridor_data: CorridorData, lang: str) -> None:
    doc = corridor_docs[lang]
    t = _cells(doc, "indicators-table")
    number = {e.id: e.number for e in doc.sources}
    assert len(t.rows) == len(corridor_data.indicators) > 10
    for row, ind in zip(t.rows, corridor_data.indicators, strict=True):
        value = row[2][0]
        assert set(value.cites) == {number[s] for s in ind["sources"]}
        assert 1 not in value.cites  # a published figure, not a computed one
        assert row[4][0].text == (ind["date"] or (f"{ind['period_start']}–{ind['period_end'] or ''}"
                                                  if ind["period_start"] else "–"))
    with_baseline = [r for r, i in zip(t.rows, corridor_data.indicators, strict=True) if i["baseline_value"] is not None]
    assert with_baseline and all(r[5][0].text != "–" for r in with_baseline)


def test_generated_text_states_what_the_numbers_show(corridor_docs: dict[str, Document],
                                                     corridor_data: CorridorData) -> None:
    """The reading of each region's profile names exactly the layers whose 95% interval lies above 1."""
    rows = corridor_data.profile["rows"]
    for lang, doc in corridor_docs.items():
        sec = doc.section("position-regions")
        leads = ["".join(r.text for r in b.runs) for b in sec.blocks if getattr(b, "kind", "") == "lead"]
        assert len(leads) == 2
        for place, text in zip((corridor_data.a, corridor_data.b), leads, strict=True):
            above = [r for r in rows if r["place"] == place and r["lq_low"] > 1]
            below = [r for r in rows if r["place"] == place and r["lq_high"] < 1]
            c = report.compose.Composer(corridor_data.lk, corridor_data.facts, lang)
            assert text.startswith(c.place(place))
            n = len(corridor_data.profile["actors"][place])
            assert (f" telt {n} organisaties" if lang == "nl" else f" has {n} organisations") in text
            for r in above + below:
                lq = c.w.num(r["lq"])
                assert f"{c.layer_lc(r['layer'])} ({c.w.count(r['count'])}" in text, (lang, r["layer"])
                assert lq in text
            if above:
                assert (f"Voor {len(above)} " if lang == "nl" else f"For {len(above)} ") in text
            else:
                assert "geen enkele laag" in text or "For no layer" in text
    # on the bundled corridor: Brainport's chips lie above 1; connected devices too by the estimate (1.76),
    # with an interval that reaches just below 1 (0.94) since region-wide programmes count (actor_places)
    brainport = [r["layer"] for r in rows if r["place"] == corridor_data.b and r["lq_low"] > 1]
    assert brainport == ["chips"]
    devices = next(r for r in rows if r["place"] == corridor_data.b and r["layer"] == "devices")
    assert devices["lq"] > 1.5 and devices["lq_low"] > 0.9


@pytest.mark.parametrize("lang", LANGS)
def test_synergy_overview_side_by_side(corridor_docs: dict[str, Document], corridor_html: dict[str, str],
                                       corridor_data: CorridorData, lang: str) -> None:
    doc, html = corridor_docs[lang], corridor_html[lang]
    ov = doc.section("synergy-overview")
    assert ov.wide
    tables = [b for b in ov.blocks if isinstance(b, Table)]
    assert [t.id for t in tables] == ["synergies-curated", "synergies-discovered"]
    cur, disc = tables
    assert [r[0][0].text for r in cur.rows] == [s["id"] for s in corridor_data.curated]
    assert len(disc.rows) == 10
    for row, found in zip(disc.rows, corridor_data.discovered, strict=True):
        assert row[3][0].text == report.compose.Words(lang).interval(found["score_low"], found["score_high"])
        assert (row[4][0].text if found["curated_match"] else "–") == (found["curated_match"] or "–")
    block = html[html.index('<section id="synergy-overview"'):html.index("</section>", html.index('id="synergy-overview"'))]
    assert '<div class="side-by-side">' in block and block.count("<table") == 2


@pytest.mark.parametrize("lang", LANGS)
def test_each_synergy_has_evidence_and_introductions(corridor_docs: dict[str, Document],
                                                     corridor_data: CorridorData, lang: str) -> None:
    doc = corridor_docs[lang]
    for s in corridor_data.curated:
        sec = doc.section(f"syn-{s['id']}")
        kinds = [type(b).__name__ for b in sec.blocks]
        assert "Bullets" in kinds
        if corridor_data.intros[s["id"]]:
            intro = next(b for b in sec.blocks if isinstance(b, Table))
            assert len(intro.rows) == len(corridor_data.intros[s["id"]]) <= 3
    for found in corridor_data.discovered:
        sec = doc.section(f"disc-{found['rank']}")
        text = " ".join(r.text for b in sec.blocks if hasattr(b, "items") for item in b.items for r in item)
        n_a = len(found["evidence"][corridor_data.a])
        assert f"({n_a}" in text or f"{n_a}" in text


def test_numbers_are_written_in_the_language(corridor_docs: dict[str, Document]) -> None:
    nl = corridor_docs["nl"].section("position-regions")
    en = corridor_docs["en"].section("position-regions")
    t_nl = next(b for b in nl.blocks if isinstance(b, Table))
    t_en = next(b for b in en.blocks if isinstance(b, Table))
    for a, b in zip(t_nl.texts(), t_en.texts(), strict=True):
        assert a[4] == b[4].replace(".", ",")
        if b[4] != "–" and math.isfinite(float(b[4])):
            assert "," in a[4] and "." in b[4]


def _urls(x: object) -> list[str]:
    """Every ``url`` key anywhere in a spec (data fetched by Vega)."""
    if isinstance(x, dict):
        return ([str(x["url"])] if "url" in x else []) + [u for v in x.values() for u in _urls(v)]
    if isinstance(x, list):
        return [u for v in x for u in _urls(v)]
    return []


def test_charts_are_offline_vega_lite(corridor_docs: dict[str, Document]) -> None:
    for ch in corridor_docs["en"].charts():
        assert isinstance(ch, Chart)
        assert ch.spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")  # an identifier only
        assert _urls({k: v for k, v in ch.spec.items() if k != "$schema"}) == [], ch.id
        assert "values" in str(ch.spec)  # data inline
