"""The pieces: number words, the numbered source list, the document model and the chart rendering."""

from __future__ import annotations

import pytest

from stackatlas.present.texts import Words
from stackatlas.report.charts import render_svg
from stackatlas.report.cite import Bibliography
from stackatlas.report.compose import _lc


def test_numbers_in_both_languages() -> None:
    nl, en = Words("nl"), Words("en")
    assert nl.num(1234.567) == "1.234,57" and en.num(1234.567) == "1,234.57"
    assert nl.count(12.0) == "12" and en.count(2.5) == "2.5"
    assert nl.pct(0.385) == "38%" or nl.pct(0.385) == "39%"
    assert nl.interval(0.5, 1.25) == "0,50–1,25"
    assert nl.value(2016.0, "year") == "2016" and en.value(0.4, "percent") == "0.4"
    assert nl.num(float("nan")) == "–" and en.num(None) == "–"
    assert nl.join(["a", "b", "c"]) == "a, b en c" and en.join(["a", "b"]) == "a and b"
    with pytest.raises(ValueError):
        Words("de")


def test_lower_case_inside_sentences() -> None:
    assert _lc("Chips") == "chips" and _lc("AI") == "AI" and _lc("IoT-apparaten") == "IoT-apparaten"


def test_bibliography_numbers_in_order_of_first_citation() -> None:
    sources = {"s1": {"title": "One", "url": "https://example.org/1"}, "s2": {"title": "Two"}}
    facts = {("actor", "a"): [("s2", "p. 3")], ("actor", "b"): [("s1", None), ("s2", "p. 4")],
             ("actor", "c"): [("s1", None)], ("actor", "d"): [("s1", None)]}
    bib = Bibliography(sources, facts, "the dataset")
    assert bib.dataset == (1,)
    assert bib.fact("actor", "a") == (2,)
    assert bib.fact("actor", "b") == (3, 2)
    assert bib.count("actor", ["a", "b"]) == (1, 2, 3)  # few facts: the dataset and their sources
    assert bib.count("actor", ["a", "b", "c", "d"]) == (1,)  # many: the dataset only
    assert bib.count("actor", []) == (1,)
    entries = bib.entries()
    assert [e.number for e in entries] == [1, 2, 3]
    assert entries[0].kind == "dataset" and entries[1].locators == ["p. 3", "p. 4"]
    assert entries[2].url == "https://example.org/1"


def test_svg_is_rendered_offline_with_unique_ids() -> None:
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "data": {"values": [{"x": 0.0, "c": 1}, {"x": 3.0, "c": 2}]}, "width": 200, "height": 50,
            "mark": "rect", "encoding": {"x": {"field": "x", "type": "ordinal"},
                                         "color": {"field": "x", "type": "quantitative"}}}
    a = render_svg(spec, prefix="one")
    b = render_svg(spec, prefix="two")
    assert a.startswith("<svg") and b.startswith("<svg")
    ids_a = {x for x in a.split('id="')[1:]}
    assert ids_a and all(x.startswith("one-") for x in ids_a)
    assert 'gradientUnits="userSpaceOnUse"' in a  # WeasyPrint paints legend gradients only in user space
    with pytest.raises(Exception):  # noqa: B017 - external data is refused
        render_svg({**spec, "data": {"url": "https://example.org/data.csv"}}, prefix="x")
