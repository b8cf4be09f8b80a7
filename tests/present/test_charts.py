"""The chart builders shared by the web and the briefings, and their print versions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stackatlas.present import charts
from stackatlas.report import charts as print_charts

LAYERS = {"chips": "Chips", "ai": "AI"}
PLACES = {"mra": "MRA", "brainport": "Brainport Eindhoven (Metropoolregio Eindhoven)"}
ROWS = [{"place": "mra", "layer": "chips", "lq": 0.8, "lq_low": 0.5, "lq_high": 1.25, "count": 12, "expected": 15.0},
        {"place": "mra", "layer": "ai", "lq": 1.5, "lq_low": 1.1, "lq_high": 2.0, "count": 30, "expected": 20.0},
        {"place": "brainport", "layer": "chips", "lq": 2.5, "lq_low": 2.0, "lq_high": 3.1, "count": 1234, "expected": 493.6},
        {"place": "brainport", "layer": "ai", "lq": None, "lq_low": None, "lq_high": None, "count": 0, "expected": 2.0}]


def _keys(x: Any) -> set[str]:
    if isinstance(x, dict):
        return set(x) | {k for v in x.values() for k in _keys(v)}
    if isinstance(x, list):
        return {k for v in x for k in _keys(v)}
    return set()


def test_profile_cells_write_their_labels_in_the_language() -> None:
    nl = charts.profile_cells(ROWS, LAYERS, PLACES, title="t", lang="nl")
    en = charts.profile_cells(ROWS, LAYERS, PLACES, title="t", lang="en")
    labels_nl = [v["label"] for v in nl["data"]["values"]]
    assert labels_nl[0] == ["LQ 0,80", "0,50–1,25", "n = 12"]
    assert en["data"]["values"][0]["label"] == ["LQ 0.80", "0.50–1.25", "n = 12"]
    assert labels_nl[3] == ["–", "", "n = 0"]
    assert [v["above"] for v in nl["data"]["values"]] == [False, True, True, False]
    assert nl["height"] == 54 * 2 and nl["width"] == "container"


def test_candidate_scores_pad_the_axis_around_the_intervals() -> None:
    rows = [{"rank": 1, "label": "Chips × AI", "score": 2.0, "score_low": 1.5, "score_high": 2.5,
             "curated_match": "C"},
            {"rank": 2, "label": "Cloud × AI", "score": 1.0, "score_low": 0.5, "score_high": 1.4}]
    spec = charts.candidate_scores(rows, title="", axis="Score")
    assert [v["label"] for v in spec["data"]["values"]] == ["1. Chips × AI", "2. Cloud × AI"]
    assert [v["curated"] for v in spec["data"]["values"]] == ["C", ""]
    domain = spec["layer"][0]["encoding"]["x"]["scale"]["domain"]
    assert domain == [0.34, 2.66]  # 8% of the range (0.5 to 2.5) on each side


def test_print_versions_have_a_fixed_width_and_nothing_interactive() -> None:
    web = charts.profile_intervals(ROWS, LAYERS, PLACES, title="t")
    assert "tooltip" in _keys(web)
    parts = [{"label": "within MRA", "ties": 3, "side": "a"}, {"label": "across", "ties": 5, "side": "both"}]
    values = [{"layer": "Chips", "region": "MRA", "actors": 4}]
    specs = [print_charts.intervals(ROWS, LAYERS, PLACES, title="t"),
             print_charts.heatmap(ROWS, LAYERS, PLACES, title="t", lang="en"),
             print_charts.ties(parts, title=""), print_charts.support(values, ["Chips"], ["MRA"], title="")]
    for spec in specs:
        assert isinstance(spec["width"], int) and isinstance(spec["height"], (int, float))
        assert spec["config"] is print_charts.CONFIG and spec["autosize"] == print_charts.AUTOSIZE
        assert not _keys(spec) & {"tooltip", "href", "cursor"}
        json.dumps(spec)  # plain JSON
    assert specs[2]["width"] == print_charts.WIDTH - 100 and specs[3]["width"] == print_charts.WIDTH - 60
    assert specs[0]["height"] == 26 * 2 * 2 ** 0.5 + 20


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_print_chart_renders_offline() -> None:
    spec = print_charts.ties([{"label": "within MRA", "ties": 3, "side": "a"},
                              {"label": "across", "ties": 5, "side": "both"}], title="")
    svg = print_charts.render_svg(spec, prefix="t")
    assert svg.startswith('<svg role="img"') and "within MRA" in svg
