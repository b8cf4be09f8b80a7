from __future__ import annotations

from pathlib import Path

import pytest

import stackatlas
from stackatlas.analysis.scenario import load_scenario, run_scenario
from stackatlas.errors import InvalidData

SCENARIOS = Path(stackatlas.bundled_path()) / "scenarios"


def test_bundled_scenarios_load() -> None:
    names = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))
    assert names == ["frontier-ai-lab-amsterdam", "iamm-opens-almere"]
    for p in SCENARIOS.glob("*.yaml"):
        sc = load_scenario(p)
        assert sc.add or sc.remove


@pytest.mark.slow  # several seconds: `make test` runs it, `make test-fast` does not
def test_adding_an_ai_lab_raises_ai_in_mra(tmp_path: Path) -> None:
    atlas = stackatlas.open(data=stackatlas.fixture_path(), db=tmp_path / "fx.duckdb")
    f = tmp_path / "lab.yaml"
    f.write_text("""
id: lab
name: {en: A lab}
synergy: D
add:
  actors:
    - {id: new-lab, name: New lab, kind: lab, hq: amsterdam, layers: [{layer: ai, role: core}],
       sources: [{source: tech-corridor-2026, locator: test}]}
  relations:
    - {id: new-lab-uva, type: partnership, from: new-lab, to: uva,
       sources: [{source: tech-corridor-2026, locator: test}]}
remove:
  actors: [daf]
""")
    result = run_scenario(atlas, load_scenario(f), workdir=tmp_path / "work")
    prof = result["profile"].set_index(["place", "layer"])
    assert prof.loc[("mra", "ai"), "count_change"] == 1
    assert prof.loc[("brainport", "devices"), "count_change"] == -1
    assert {"id", "rank_before", "rank_after", "score_change"} <= set(result["synergies"].columns)
    assert "introductions" in result


def test_bad_scenario_is_reported_with_its_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("id: bad\nname: {en: Bad}\nadd:\n  actors:\n    - {id: x, name: X, kind: company, hq: amsterdam}\n")
    with pytest.raises(InvalidData) as exc:
        load_scenario(f)
    assert any(p.line == 5 and "layers" in p.field for p in exc.value.errors)


def test_removing_an_unknown_actor_fails(tmp_path: Path) -> None:
    atlas = stackatlas.open(data=stackatlas.fixture_path(), db=tmp_path / "fx.duckdb")
    f = tmp_path / "rm.yaml"
    f.write_text("id: rm\nname: {en: Remove}\nremove:\n  actors: [nobody]\n")
    with pytest.raises(InvalidData):
        run_scenario(atlas, load_scenario(f), workdir=tmp_path / "work")
