"""Nothing is hard-wired to the corridor: a dataset with other regions (and other members), other layer names,
other synergy ids and another title gives briefings made of its own names, in all three formats."""

from __future__ import annotations

import re
import shutil

import pytest
from pypdf import PdfReader

from stackatlas import report
from stackatlas.atlas import Atlas

from .conftest import NORTH, NORTH_NAME, SOUTH, SOUTH_NAME, SYN_NAME, artifact, layer_name, page_images

LANGS = ("nl", "en")
OLD_NAMES = ("Metropoolregio Amsterdam", "Amsterdam Metropolitan Area", "Brainport Eindhoven", "Tech Corridor",
             "Kunstmatige intelligentie", "Artificial intelligence", "Grondstoffen", "Raw materials",
             "AI voor chips", "AI for chips", "Chips voor toekomstige AI", "Chips for future AI")


def headings(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("#")]


@pytest.mark.slow  # several seconds: `make test` runs it, `make test-fast` does not
@pytest.mark.parametrize("lang", LANGS)
def test_corridor_briefing_of_another_dataset(synthetic_atlas: Atlas, lang: str) -> None:
    doc = report.corridor_report(synthetic_atlas, lang=lang, bootstrap=30)  # the dataset's own pair
    assert doc.title.startswith(NORTH_NAME[lang]) and SOUTH_NAME[lang] in doc.title
    md = report.to_markdown(doc)
    html = report.to_html(doc)
    for old in OLD_NAMES:
        assert all(old not in h for h in headings(md)), old
        for t in doc.tables():
            if t.id in ("pos-table", "stack-layers", "synergies-curated", "synergies-discovered", "bridges-measures"):
                assert old not in str(t.texts()), (old, t.id)
    # layers, regions, synergies and the dataset come from the data
    for k in range(7):
        assert layer_name(k, lang) in md
    assert {"syn-QX", "syn-QY"} <= {s.id for _, s in doc.walk()}
    assert SYN_NAME["QX"][lang] in md
    assert "proefcorridor" in doc.sources[0].title
    heat = next(c for c in doc.charts() if c.id == "pos-heatmap")
    assert layer_name(0, lang).split()[0] in (heat.svg or "")
    assert NORTH_NAME[lang] in (heat.svg or "") and SOUTH_NAME[lang] in (heat.svg or "")
    # the members changed: Almere and Hilversum (now in the south) are among the municipalities shown
    assert doc.section("position-municipalities").title
    muni = next(c for c in doc.charts() if c.id == "muni-heatmap")
    assert {"Almere", "Hilversum"} <= {r["place"] for r in muni.spec["data"]["values"]}
    assert html.count("<svg") == len(doc.charts())


@pytest.mark.slow  # WeasyPrint
@pytest.mark.parametrize("lang", LANGS)
def test_corridor_briefing_of_another_dataset_as_pdf(synthetic_atlas: Atlas, lang: str) -> None:
    doc = report.corridor_report(synthetic_atlas, lang=lang, bootstrap=30)
    pdf = artifact(f"synthetic-{lang}.pdf")
    report.write(doc, pdf)
    assert len(PdfReader(pdf).pages) > 3
    if shutil.which("pdftoppm"):
        assert page_images(pdf, f"synthetic-{lang}")


@pytest.mark.slow  # several seconds: `make test` runs it, `make test-fast` does not
def test_other_pair_and_place_and_synergy(synthetic_atlas: Atlas, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a pair of municipalities instead of regions
    doc = report.corridor_report(synthetic_atlas, "amsterdam", "eindhoven", lang="en", bootstrap=20)
    assert doc.title == "Amsterdam and Eindhoven on the Digital Stack"
    assert {s.id for _, s in doc.walk()} >= {"summary", "synergies", "bridges"}
    assert "position-municipalities" not in {s.id for _, s in doc.walk()}
    place = report.place_report(synthetic_atlas, SOUTH, lang="nl")
    assert place.title == f"{SOUTH_NAME['nl']} op de Digitale Stack"
    md = report.to_markdown(place)
    assert "Hilversum" in md and "Almere" in md  # members of the renamed region
    syn = report.synergy_report(synthetic_atlas, "QX", lang="en")
    assert syn.title == f"Synergy QX: {SYN_NAME['QX']['en']}"
    text = report.to_markdown(syn)
    assert NORTH_NAME["en"] in text and SOUTH_NAME["en"] in text
    report.write(place, tmp_path / "place.html")
    assert (tmp_path / "place.html").stat().st_size > 1000
    assert re.search(r"<svg", (tmp_path / "place.html").read_text(encoding="utf-8"))


@pytest.mark.slow  # WeasyPrint
def test_synergy_briefing_of_another_dataset_as_pdf(synthetic_atlas: Atlas, tmp_path) -> None:  # type: ignore[no-untyped-def]
    syn = report.synergy_report(synthetic_atlas, "QX", lang="en")
    report.write(syn, tmp_path / "syn.pdf")
    assert len(PdfReader(tmp_path / "syn.pdf").pages) >= 1


@pytest.mark.slow  # several seconds: `make test` runs it, `make test-fast` does not
def test_discovered_synergy_briefing(synthetic_atlas: Atlas) -> None:
    data = report.collect_corridor(synthetic_atlas, NORTH, SOUTH, top=3, intros=1, bootstrap=0)
    moved = {"almere", "hilversum"}  # MRA municipalities that the synthetic dataset puts in the south
    assert moved <= set(data.municipalities[SOUTH]) and not moved & set(data.municipalities[NORTH])
    found = data.discovered
    ident = found[0]["id"]
    doc = report.synergy_report(synthetic_atlas, ident, lang="nl")
    assert doc.title.startswith(f"Synergie {ident}: ")
    assert {"synergy", "evidence", "introductions", "guests", "method", "sources"} <= {s.id for _, s in doc.walk()}
