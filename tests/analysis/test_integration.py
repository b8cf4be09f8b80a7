"""Cross-stack integration: control closure, layers via subsidiaries and ties, patterns, foundries, flows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import stackatlas
from stackatlas.analysis import duckdb_engine
from stackatlas.analysis.integration import closure, foundries, integration, layer_flow, subsidiaries
from stackatlas.engine import Engine
from stackatlas.errors import AnalysisError

SRC = [{"source": "tech-corridor-2026", "locator": "test"}]
REPORT_FOUNDRIES = {"google", "microsoft", "amazon", "meta", "nvidia", "tencent", "baidu", "alibaba", "huawei"}


def _layer(x: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(x, dict):
        return x
    layer, _, sub = x.partition("/")
    return {"layer": layer, "sublayer": sub} if sub else {"layer": layer}


def make_engine(tmp_path: Path, actors: list[dict[str, Any]], relations: list[dict[str, Any]]) -> Engine:
    """A tiny dataset: the fixture's places and sources with only these actors and relations."""
    root = tmp_path / "ds"
    shutil.copytree(stackatlas.fixture_path(), root)
    shutil.rmtree(root / "actors")
    (root / "actors").mkdir()
    acts = [{"name": a["id"].upper(), "kind": "company", "hq": "amsterdam", "control_country": "NL", "sources": SRC,
             **a, "layers": [_layer(x) for x in a["layers"]]} for a in actors]
    rels = [{"id": f"{r['from']}-{r['type']}-{r['to']}", "sources": SRC, **r} for r in relations]
    for name, data in (("actors/actors.yaml", acts), ("relations.yaml", rels), ("synergies.yaml", []),
                       ("recommendations.yaml", []), ("positions.yaml", []), ("indicators.yaml", [])):
        (root / name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return duckdb_engine(stackatlas.open(data=root, db=tmp_path / "ds.duckdb").con)


def rel(frm: str, typ: str, to: str, **kw: Any) -> dict[str, Any]:
    return {"type": typ, "from": frm, "to": to, **kw}


@pytest.fixture(scope="module")
def fixture_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    db = tmp_path_factory.mktemp("fx") / "fixture.duckdb"
    return duckdb_engine(stackatlas.open(data=stackatlas.fixture_path(), db=db).con)


@pytest.fixture(scope="module")
def corridor_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return duckdb_engine(stackatlas.open(db=tmp_path_factory.mktemp("corridor") / "c.duckdb").con)


# -- closure -----------------------------------------------------------------------------------------------

def test_closure_of_a_chain_has_depths() -> None:
    c = closure(["a", "b", "c"], ["b", "c", "d"])
    got = {(r.actor, r.subsidiary): r.depth for r in c.itertuples()}
    assert got == {("a", "b"): 1, ("a", "c"): 2, ("a", "d"): 3, ("b", "c"): 1, ("b", "d"): 2, ("c", "d"): 1}


def test_closure_of_a_cycle_never_makes_an_actor_its_own_subsidiary() -> None:
    c = closure(["a", "b"], ["b", "a"])
    assert sorted(zip(c.actor, c.subsidiary, c.depth, strict=True)) == [("a", "b", 1), ("b", "a", 1)]


def test_closure_of_nothing() -> None:
    assert closure([], []).empty


# -- integration -------------------------------------------------------------------------------------------

CHAIN_ACTORS = [
    {"id": "a", "layers": ["chips/design"]},
    {"id": "b", "layers": ["cloud/hyperscale"]},
    {"id": "c", "layers": ["ai/foundation-models"], "parent": "b"},     # b owns c through the parent column
    {"id": "d", "layers": ["applications/fintech"]},
    {"id": "e", "layers": ["devices/robotics"]},
    {"id": "f", "layers": ["networks/telecom"]},
    {"id": "g", "layers": ["cloud/colocation"]},
    {"id": "h", "layers": ["raw-materials/energy"]},
]
CHAIN_RELATIONS = [
    rel("a", "ownership", "b"),                       # a owns b owns c
    rel("a", "acquisition", "d", status="ended"),     # an ended acquisition gives no control
    rel("a", "partnership", "e"),                     # collaboration: e's devices via ties
    rel("g", "investment", "a"),                      # a receives capital from g (cloud: already via b)
    rel("h", "supply", "a"),                          # h supplies a: raw materials via ties, not investing
    rel("f", "investment", "d"),                      # f invests in d: f is a cross-stack investor, d is not
    rel("a", "membership", "f"),                      # membership is not a tie type of via_ties
]


@pytest.fixture
def chain(tmp_path: Path) -> Engine:
    return make_engine(tmp_path, CHAIN_ACTORS, CHAIN_RELATIONS)


def test_subsidiaries_follow_relations_and_parents_transitively(chain: Engine) -> None:
    s = subsidiaries(chain)
    assert sorted(zip(s.actor, s.subsidiary, s.depth, strict=True)) == [("a", "b", 1), ("a", "c", 2), ("b", "c", 1)]


def test_a_chain_gives_the_layers_of_the_last_link(chain: Engine) -> None:
    t = integration(chain).set_index("actor")
    a = t.loc["a"]
    assert a["layers"] == ["chips"]
    assert a["via_subsidiaries"] == ["cloud", "ai"]            # b's cloud and c's AI, in taxonomy order
    assert a["subsidiaries"] == ["b", "c"]
    # d (ended acquisition) and f (membership) are not reached; g's cloud is already via b
    assert a["via_ties"] == ["raw-materials", "devices"]
    assert a["patterns"] == ["vertical", "cross-stack-investor"]   # partnership to e (devices)
    assert t.loc["b", "via_subsidiaries"] == ["ai"]
    assert t.loc["c", "via_subsidiaries"] == []


def test_investor_pattern_needs_an_outgoing_capital_tie(chain: Engine) -> None:
    t = integration(chain).set_index("actor")
    assert t.loc["f", "patterns"] == ["cross-stack-investor"]
    assert t.loc["d", "via_ties"] == ["networks"] and t.loc["d", "patterns"] == []
    assert t.loc["h", "via_ties"] == ["chips"] and t.loc["h", "patterns"] == []   # supply is trade


def test_the_three_layer_lists_are_disjoint_and_the_table_is_complete(chain: Engine) -> None:
    t = integration(chain)
    assert list(t.columns) == ["actor", "name", "layers", "via_subsidiaries", "via_ties", "patterns", "subsidiaries"]
    assert sorted(t.actor) == sorted(a["id"] for a in CHAIN_ACTORS)
    for row in t.itertuples():
        lists = [set(row.layers), set(row.via_subsidiaries), set(row.via_ties)]
        assert sum(len(x) for x in lists) == len(set().union(*lists))


def test_horizontal_by_sublayers_or_by_a_subsidiary_in_the_same_layer(tmp_path: Path) -> None:
    eng = make_engine(tmp_path, [
        {"id": "two-sub", "layers": ["chips/design", "chips/packaging"]},
        {"id": "one-sub", "layers": ["chips/design", "cloud/hyperscale"]},
        {"id": "buyer", "layers": ["applications/consumer-platforms"]},
        {"id": "rival", "layers": ["applications/communication"]},
    ], [rel("buyer", "acquisition", "rival")])
    t = integration(eng).set_index("actor")
    assert t.loc["two-sub", "patterns"] == ["horizontal"]          # one layer only: not vertical
    assert t.loc["one-sub", "patterns"] == ["vertical"]
    assert t.loc["buyer", "patterns"] == ["horizontal"]           # same layer: no new layer, not vertical
    assert t.loc["buyer", "via_subsidiaries"] == []
    assert t.loc["rival", "patterns"] == []


def test_unknown_tie_type(chain: Engine) -> None:
    with pytest.raises(AnalysisError, match="unknown relation type"):
        integration(chain, tie_types=["friendship"])


def test_fixture_integration(fixture_engine: Engine) -> None:
    t = integration(fixture_engine).set_index("actor")
    assert t.loc["booking-holdings", "via_subsidiaries"] == ["ai"]
    assert t.loc["booking-holdings", "subsidiaries"] == ["booking-com"]
    assert t.loc["asml", "via_ties"] == ["raw-materials", "ai"]


# -- foundries ---------------------------------------------------------------------------------------------

@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_foundries_combine_own_subsidiary_and_investment(tmp_path: Path) -> None:
    eng = make_engine(tmp_path, [
        {"id": "big", "name": "Big", "layers": [{"layer": "chips", "offering": "TPU"}]},
        {"id": "cloudco", "name": "CloudCo", "parent": "big", "layers": [{"layer": "cloud", "offering": "BigCloud"}]},
        {"id": "lab", "name": "Lab", "layers": ["ai/foundation-models", "applications/consumer-platforms"]},
        {"id": "future", "name": "Future", "layers": ["applications/fintech"]},
        {"id": "small", "name": "Small", "layers": ["chips/design", "ai/research"]},
    ], [rel("big", "investment", "lab"), rel("big", "investment", "future", status="planned"),
        rel("small", "investment", "lab", status="ended")])
    f = foundries(eng)
    assert list(f.columns) == ["actor", "name", "chips", "cloud", "ai", "applications", "coverage"]
    assert f["actor"].tolist() == ["big"]
    big = f.iloc[0]
    assert big["chips"] == ["TPU"]
    assert big["cloud"] == ["CloudCo: BigCloud (subsidiary)"]
    assert big["ai"] == ["Lab (investment)"]
    assert big["applications"] == ["Future (investment, planned)", "Lab (investment)"]
    assert big["coverage"] == 4
    # without investments Big covers 2 columns (1 itself: it sorts after Lab and Small, 2 each)
    assert foundries(eng, investments=False, min_coverage=2)["actor"].tolist() == ["lab", "small", "big"]
    # Small's ended investment never counts
    assert foundries(eng, min_coverage=2).set_index("actor").loc["small", "coverage"] == 2
    narrow = foundries(eng, layers=["chips", "ai"], min_coverage=2)
    assert list(narrow.columns) == ["actor", "name", "chips", "ai", "coverage"]
    assert narrow["actor"].tolist() == ["small", "big"]


def test_foundries_arguments(fixture_engine: Engine) -> None:
    with pytest.raises(AnalysisError, match="unknown layer"):
        foundries(fixture_engine, layers=["chips", "quantum"])
    with pytest.raises(AnalysisError, match="min_coverage"):
        foundries(fixture_engine, min_coverage=5)
    assert foundries(fixture_engine, min_coverage=4).empty


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_foundries_of_the_report_come_out_of_the_bundled_data(corridor_engine: Engine) -> None:
    f = foundries(corridor_engine)
    assert REPORT_FOUNDRIES <= set(f["actor"])
    assert (f["coverage"] >= 3).all() and f["coverage"].is_monotonic_decreasing
    amazon = f.set_index("actor").loc["amazon"]
    assert any("Anthropic (investment" in x for x in amazon["ai"])


# -- layer flow --------------------------------------------------------------------------------------------

def test_layer_flow_by_hand(tmp_path: Path) -> None:
    eng = make_engine(tmp_path, [
        {"id": "p", "layers": ["chips/design", "ai/research"]},          # k = 2
        {"id": "q", "layers": ["cloud/hyperscale"]},                      # m = 1
        {"id": "s", "layers": ["networks/telecom"]},
        {"id": "u", "layers": ["devices/robotics"]},
        {"id": "v", "layers": ["devices/medical", "applications/fintech"]},
    ], [rel("p", "investment", "q"),            # chips->cloud 1/2, ai->cloud 1/2
        rel("s", "supply", "q"),                # q buys from s: cloud->networks 1
        rel("u", "partnership", "v"),           # both ways: devices<->devices 1/2 (once), devices<->apps 1/2
        rel("p", "investment", "v", status="ended"),
        rel("p", "ownership", "s")])            # control is not a flow by default
    f = layer_flow(eng)
    got = {(r.layer_from, r.layer_to): (r.ties, round(r.weight, 9)) for r in f.itertuples()}
    assert got == {("chips", "cloud"): (1, 0.5), ("ai", "cloud"): (1, 0.5), ("cloud", "networks"): (1, 1.0),
                   ("devices", "devices"): (1, 0.5), ("devices", "applications"): (1, 0.5),
                   ("applications", "devices"): (1, 0.5)}
    assert list(f.columns) == ["layer_from", "layer_to", "ties", "weight"]
    assert f["layer_from"].tolist()[:2] == ["chips", "cloud"]        # taxonomy order
    control = layer_flow(eng, families=["control"])
    assert control[["layer_from", "layer_to", "ties"]].values.tolist() == [["chips", "networks", 1],
                                                                           ["ai", "networks", 1]]
    with pytest.raises(AnalysisError, match="unknown relation family"):
        layer_flow(eng, families=["friendship"])


def test_layer_flow_weights_sum_to_the_directed_ties(corridor_engine: Engine) -> None:
    # capital ties are directed and every actor has a layer: each live tie spreads a weight of 1
    f = layer_flow(corridor_engine, families=["capital"])
    r = corridor_engine.table("relations")
    live = r.filter((r.family == "capital") & (r.status != "ended"))
    n = int(corridor_engine.execute(live.agg(n=live.id.count()))["n"].iloc[0])
    assert f["weight"].sum() == pytest.approx(n)
    assert (f["weight"] <= f["ties"] + 1e-9).all()


# -- CLI ---------------------------------------------------------------------------------------------------

def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    from stackatlas.cli import main

    code = main(["--data", str(stackatlas.fixture_path()), *args])
    out = capsys.readouterr().out
    assert code == 0, out
    return out


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_cli_integration(capsys: pytest.CaptureFixture[str]) -> None:
    rows = json.loads(_cli(["integration", "--format", "json"], capsys))
    assert {r["actor"] for r in rows} >= {"asml", "booking-holdings"}
    assert next(r for r in rows if r["actor"] == "booking-holdings")["via_subsidiaries"] == ["ai"]
    only = json.loads(_cli(["integration", "--pattern", "horizontal", "--format", "json"], capsys))
    assert [r["actor"] for r in only] == ["booking-holdings"]
    rows = json.loads(_cli(["integration", "--foundries", "--format", "json"], capsys))
    assert [r["actor"] for r in rows] == ["nvidia"]
    csv = _cli(["integration", "--flow", "--format", "csv"], capsys)
    assert csv.splitlines()[0] == "layer_from,layer_to,ties,weight"
    assert "cross-stack integration" in _cli(["integration"], capsys)


def test_cli_integration_rejects_both_views(capsys: pytest.CaptureFixture[str]) -> None:
    from stackatlas.cli import main

    assert main(["--data", str(stackatlas.fixture_path()), "integration", "--foundries", "--flow"]) != 0


def test_frames_have_plain_types(fixture_engine: Engine) -> None:
    t = integration(fixture_engine)
    assert all(isinstance(x, list) for x in t["patterns"])
    assert isinstance(layer_flow(fixture_engine), pd.DataFrame)


@pytest.mark.parametrize("families", [None, ["capital"], ["collaboration"], ["trade"], ["control", "capital"]])
def test_layer_flow_by_signature_equals_the_join(corridor_engine: Engine, families: list[str] | None) -> None:
    import numpy as np

    from stackatlas.analysis.integration import FLOW_FAMILIES, _flow_by_pairs, _flow_by_signature, _layer_order, _live

    r = _live(corridor_engine.table("relations"))
    r = r.filter(r.family.isin(list(families or FLOW_FAMILIES)) & (r.from_actor != r.to_actor))
    a = _flow_by_signature(corridor_engine, r, _layer_order(corridor_engine))
    b = _flow_by_pairs(corridor_engine, r)
    key = ["layer_from", "layer_to"]
    a, b = a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True)
    assert len(a) > 0
    assert a[key].values.tolist() == b[key].values.tolist()
    np.testing.assert_array_equal(a["ties"].astype(int), b["ties"].astype(int))
    np.testing.assert_allclose(a["weight"].astype(float), b["weight"].astype(float), rtol=1e-12)
