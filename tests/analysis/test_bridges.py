"""Bridges between two regions: E-I index, density ratio, cross-region brokers and communities."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path
from typing import Any

import igraph
import pandas as pd
import pytest
import yaml

import stackatlas
from stackatlas.analysis import duckdb_engine
from stackatlas.analysis.bridges import bridges, ei_index
from stackatlas.engine import Engine
from stackatlas.errors import AnalysisError, NotFound

SRC = [{"source": "tech-corridor-2026", "locator": "test"}]


def make_engine(tmp_path: Path, actors: list[dict[str, Any]], relations: list[dict[str, Any]]) -> Engine:
    """A tiny dataset: the fixture's places and sources with only these actors and relations."""
    root = tmp_path / "ds"
    shutil.copytree(stackatlas.fixture_path(), root)
    shutil.rmtree(root / "actors")
    (root / "actors").mkdir()
    acts = [{"name": a["id"].upper(), "kind": "company", "control_country": "NL", "layers": [{"layer": "ai"}],
             "sources": SRC, **a} for a in actors]
    rels = [{"id": f"{r['from']}-{r['type']}-{r['to']}-{i}", "sources": SRC, **r} for i, r in enumerate(relations)]
    for name, data in (("actors/actors.yaml", acts), ("relations.yaml", rels), ("synergies.yaml", []),
                       ("recommendations.yaml", []), ("positions.yaml", []), ("indicators.yaml", [])):
        (root / name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return duckdb_engine(stackatlas.open(data=root, db=tmp_path / "ds.duckdb").con)


def tie(a: str, b: str, typ: str = "partnership", **kw: Any) -> dict[str, Any]:
    return {"type": typ, "from": a, "to": b, **kw}


#   a3 - o1 - b2 - a2 - a1 - b1        (o1 is outside both regions, ab is in both)
ACTORS = [{"id": "a1", "hq": "amsterdam"}, {"id": "a2", "hq": "almere"}, {"id": "a3", "hq": "hilversum"},
          {"id": "b1", "hq": "eindhoven"}, {"id": "b2", "hq": "veldhoven"}, {"id": "o1", "hq": "paris"},
          {"id": "ab", "hq": "amsterdam", "sites": ["eindhoven"]}]
TIES = [tie("a1", "b1"), tie("a1", "b1", "investment"),  # two relations, one adjacent pair
        tie("a1", "a2"), tie("a2", "b2", "supply"), tie("a3", "o1"), tie("o1", "b2"),
        tie("ab", "a1"), tie("ab", "b1"),                      # in both regions: left out of E and I
        tie("a3", "b1", status="ended")]                        # ended: no tie


@pytest.fixture
def line(tmp_path: Path) -> Engine:
    return make_engine(tmp_path, ACTORS, TIES)


def test_ei_index() -> None:
    assert ei_index(2, 1) == pytest.approx(1 / 3)
    assert ei_index(0, 4) == -1.0 and ei_index(3, 0) == 1.0
    assert ei_index(0, 0) is None


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_counts_ei_and_density_by_hand(line: Engine) -> None:
    r = bridges(line, a="mra", b="brainport")
    assert (r["actors_a"], r["actors_b"], r["actors_both"], r["both"]) == (3, 2, 1, ["ab"])
    assert (r["external"], r["internal"], r["internal_a"], r["internal_b"]) == (2, 1, 1, 0)
    assert r["ei_index"] == pytest.approx(1 / 3)                # 2 across, 1 within
    assert r["density_across"] == pytest.approx(2 / 6)          # of 3 x 2 possible pairs
    assert r["density_within"] == pytest.approx(1 / 4)          # of C(3,2) + C(2,2) possible pairs
    assert r["density_ratio"] == pytest.approx(4 / 3)
    t = r["ties"]
    assert sorted(t["kind"]) == ["across", "across", "across", "within-a"]   # both a1-b1 relations listed
    assert set(t["from_region"]) | set(t["to_region"]) == {"mra", "brainport"}
    assert not (set(t["from_actor"]) | set(t["to_actor"])) & {"ab", "o1"}


def test_brokers_by_hand(line: Engine) -> None:
    # pairs (s in A, t in B): a1-b2 via a2; a2-b1 via a1; a3-b1 via o1, b2, a2, a1; a3-b2 via o1
    b = bridges(line, a="mra", b="brainport")["brokers"].set_index("actor")
    assert b["betweenness"].round(9).to_dict() == {"a1": 2.0, "a2": 2.0, "o1": 2.0, "b2": 1.0}
    assert pd.isna(b.loc["o1", "region"]) and b.loc["a1", "region"] == "mra" and b.loc["b2", "region"] == "brainport"
    assert b.loc["a1", "betweenness_norm"] == pytest.approx(2 / 6)
    assert b.loc["o1", "constraint"] == pytest.approx(0.5)      # two unconnected contacts: 2 x (1/2)^2


def test_brokers_agree_with_enumerated_shortest_paths(tmp_path: Path) -> None:
    pairs = [(u, v) for u in range(12) for v in range(u + 1, 12)]
    g = igraph.Graph(n=12, edges=random.Random(7).sample(pairs, 20))
    hq = ["amsterdam"] * 4 + ["eindhoven"] * 4 + ["paris"] * 4
    actors = [{"id": f"x{i:02d}", "hq": hq[i]} for i in range(12)]
    rels = [tie(f"x{u:02d}", f"x{v:02d}") for u, v in g.get_edgelist()]
    got = bridges(make_engine(tmp_path, actors, rels), a="amsterdam", b="eindhoven")["brokers"]
    expect = [0.0] * 12
    for s in range(4):
        for t in range(4, 8):
            paths = g.get_all_shortest_paths(s, to=t)
            for p in paths:
                for v in p[1:-1]:
                    expect[v] += 1 / len(paths)
    got_map = dict(zip(got["actor"], got["betweenness"], strict=True))
    for i, e in enumerate(expect):
        assert got_map.get(f"x{i:02d}", 0.0) == pytest.approx(e)


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_communities_split_two_cliques(tmp_path: Path) -> None:
    left = [f"l{i}" for i in range(4)]
    right = [f"r{i}" for i in range(4)]
    actors = [{"id": x, "hq": "amsterdam"} for x in left] + [{"id": x, "hq": "eindhoven"} for x in right]
    rels = [tie(u, v) for grp in (left, right) for i, u in enumerate(grp) for v in grp[i + 1:]]
    rels.append(tie("l0", "r0"))
    r = bridges(make_engine(tmp_path, actors, rels), a="amsterdam", b="eindhoven")
    c = r["communities"].set_index("actor")["community"]
    assert c[left].nunique() == 1 and c[right].nunique() == 1 and c["l1"] != c["r1"]
    assert sorted(set(c)) == [1, 2]
    assert r["communities_n"] == 2 and r["communities_mixed"] == 0
    assert r["modularity"] == pytest.approx(2 * (6 / 13 - (13 / 26) ** 2))   # 13 edges, 6 inside each clique
    assert (r["external"], r["internal"]) == (1, 12)
    again = bridges(make_engine(tmp_path / "again", actors, rels), a="amsterdam", b="eindhoven")
    assert again["communities"].equals(r["communities"])          # a fixed seed


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_families_and_presence(line: Engine) -> None:
    r = bridges(line, a="mra", b="brainport", families=["trade"])
    assert (r["external"], r["internal"]) == (1, 0)                 # only the a2-b2 supply
    assert r["density_ratio"] is None                               # no internal ties
    hq = bridges(line, a="mra", b="brainport", presence="hq")
    assert hq["both"] == [] and hq["actors_a"] == 4                  # ab counts for MRA by head office
    assert hq["external"] == 3                                       # ab-b1 is now across


def test_bad_arguments(line: Engine) -> None:
    with pytest.raises(NotFound):
        bridges(line, a="mra", b="atlantis")
    with pytest.raises(AnalysisError, match="differ"):
        bridges(line, a="mra", b="mra")
    with pytest.raises(AnalysisError, match="presence"):
        bridges(line, a="mra", b="brainport", presence="somewhere")
    with pytest.raises(AnalysisError, match="unknown relation family"):
        bridges(line, a="mra", b="brainport", families=["friendship"])


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_bundled_corridor(tmp_path: Path) -> None:
    eng = duckdb_engine(stackatlas.open(db=tmp_path / "c.duckdb").con)
    r = bridges(eng, a="mra", b="brainport")
    assert -1 <= r["ei_index"] <= 1 and r["external"] > 0 and r["internal"] > r["external"]
    assert r["brokers"]["betweenness"].is_monotonic_decreasing
    assert set(r["communities"]["community"]) == set(range(1, r["communities_n"] + 1))


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    from stackatlas.cli import main

    code = main(["--data", str(stackatlas.fixture_path()), *args])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_cli_bridges(capsys: pytest.CaptureFixture[str]) -> None:
    res = json.loads(_cli(["bridges", "--between", "mra", "--and", "brainport", "--presence", "hq",
                           "--format", "json"], capsys))
    assert res["ei_index"] == pytest.approx(1 / 3)
    assert isinstance(res["ties"], list) and {t["kind"] for t in res["ties"]} == {"within-a", "across"}
    assert res["brokers"][0]["actor"] == "arcnl"
    assert {"actor", "community", "region"} <= set(res["communities"][0])
    table = _cli(["bridges", "--between", "mra", "--and", "brainport", "--presence", "hq"], capsys)
    assert "ei_index" in table and "arcnl" in table
    csv = _cli(["bridges", "--between", "mra", "--and", "brainport", "--format", "csv"], capsys)
    assert csv.splitlines()[0].startswith("actor,name,region,betweenness")


@pytest.mark.slow  # several seconds: `make test` runs it, `make test-fast` does not
def test_sampled_betweenness_is_unbiased(tmp_path: Path) -> None:
    # Brandes & Pich: with k of the n sources drawn at random and the sums scaled by n/k, the mean over
    # draws is the exact value; the seeds are fixed, so this is deterministic
    pairs = [(u, v) for u in range(12) for v in range(u + 1, 12)]
    g = igraph.Graph(n=12, edges=random.Random(7).sample(pairs, 22))
    hq = ["amsterdam"] * 4 + ["eindhoven"] * 4 + ["paris"] * 4
    actors = [{"id": f"x{i:02d}", "hq": hq[i]} for i in range(12)]
    eng = make_engine(tmp_path, actors, [tie(f"x{u:02d}", f"x{v:02d}") for u, v in g.get_edgelist()])
    exact = bridges(eng, a="amsterdam", b="eindhoven")
    assert exact["betweenness_sources"] == 4
    want = dict(zip(exact["brokers"]["actor"], exact["brokers"]["betweenness"], strict=True))
    runs = [bridges(eng, a="amsterdam", b="eindhoven", max_sources=2, seed=s) for s in range(60)]
    assert {r["betweenness_sources"] for r in runs} == {2}
    assert len({tuple(r["brokers"]["betweenness"].round(9)) for r in runs}) > 1   # the draws differ
    for actor, value in want.items():
        mean = sum(dict(zip(r["brokers"]["actor"], r["brokers"]["betweenness"], strict=True)).get(actor, 0.0)
                   for r in runs) / len(runs)
        assert mean == pytest.approx(value, rel=0.25)
