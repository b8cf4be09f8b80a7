"""Sovereignty: shares of actors by control bloc per layer, HHI, European share and the weakest layer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import stackatlas
from stackatlas.analysis import duckdb_engine
from stackatlas.analysis.sovereignty import bloc_order, sovereignty
from stackatlas.dataset.loader import builtin_taxonomy_path
from stackatlas.dataset.yamlio import load_yaml
from stackatlas.engine import Engine
from stackatlas.errors import AnalysisError, NotFound

SRC = [{"source": "tech-corridor-2026", "locator": "test"}]
BLOCS = ("nl", "eu", "us", "cn", "other")  # the built-in taxonomy's blocs, in its order
SHARES = [*BLOCS, "unknown"]


def make_engine(tmp_path: Path, actors: list[dict[str, Any]], indicators: list[dict[str, Any]] = ()) -> Engine:
    """A tiny dataset: the fixture's places and sources with only these actors (and indicators)."""
    root = tmp_path / "ds"
    shutil.copytree(stackatlas.fixture_path(), root)
    shutil.rmtree(root / "actors")
    (root / "actors").mkdir()
    acts = [{"name": a["id"].upper(), "kind": "company", "hq": "amsterdam", "sources": SRC, **a,
             "layers": [{"layer": x} for x in a["layers"]]} for a in actors]
    inds = [{"unit": "count", "sources": SRC, **i} for i in indicators]
    places = yaml.safe_load((root / "places.yaml").read_text(encoding="utf-8"))
    places["countries"] += [{"id": c.lower(), "code": c, "name": {"en": c}, "sources": SRC} for c in ("CN", "JP")]
    (root / "places.yaml").write_text(yaml.safe_dump(places, sort_keys=False), encoding="utf-8")
    for name, data in (("actors/actors.yaml", acts), ("relations.yaml", []), ("synergies.yaml", []),
                       ("recommendations.yaml", []), ("positions.yaml", []), ("indicators.yaml", inds)):
        (root / name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return duckdb_engine(stackatlas.open(data=root, db=tmp_path / "ds.duckdb").con)


ACTORS = [
    {"id": "nl1", "layers": ["chips", "ai"], "control_country": "NL"},
    {"id": "nl2", "layers": ["chips"], "control_country": "NL"},
    {"id": "us1", "layers": ["chips"], "control_country": "US", "hq": "eindhoven"},
    {"id": "anon", "layers": ["chips"]},                                          # no control country
    {"id": "de1", "layers": ["cloud"], "control_country": "DE"},
    {"id": "cn1", "layers": ["cloud"], "control_country": "CN"},
    {"id": "cn2", "layers": ["cloud"], "control_country": "CN"},
    {"id": "jp1", "layers": ["ai"], "control_country": "JP"},                     # other
]


@pytest.fixture
def small(tmp_path: Path) -> Engine:
    return make_engine(tmp_path, ACTORS, [
        {"id": "nl1-employees", "subject": "nl1", "metric": "employees", "value": 300},
        {"id": "us1-employees", "subject": "us1", "metric": "employees", "value": 100}])


def test_shares_by_hand(small: Engine) -> None:
    t = sovereignty(small).set_index("layer")
    assert list(t.columns) == ["actors", *SHARES, "hhi", "eu_share", "weakest"]
    chips = t.loc["chips"]
    assert chips["actors"] == 4
    assert chips[SHARES].tolist() == pytest.approx([0.5, 0, 0.25, 0, 0, 0.25])
    assert chips["hhi"] == pytest.approx((2 / 3) ** 2 + (1 / 3) ** 2)      # known blocs only: NL 2, US 1
    assert chips["eu_share"] == pytest.approx(0.5)
    cloud = t.loc["cloud"]
    assert cloud[["eu", "cn"]].tolist() == pytest.approx([1 / 3, 2 / 3])
    assert cloud["eu_share"] == pytest.approx(1 / 3) and bool(cloud["weakest"])
    assert t.loc["ai", ["nl", "other"]].tolist() == pytest.approx([0.5, 0.5])   # an actor counts in every layer
    assert int(t["weakest"].sum()) == 1
    assert t.loc["devices", "actors"] == 0 and np.isnan(t.loc["devices", "nl"]) and not t.loc["devices", "weakest"]


def test_shares_per_layer_sum_to_one(small: Engine) -> None:
    t = sovereignty(small)
    filled = t[t["actors"] > 0]
    assert filled[SHARES].sum(axis=1).to_numpy() == pytest.approx(np.ones(len(filled)))
    assert list(t["layer"]) == ["raw-materials", "chips", "networks", "cloud", "ai", "applications", "devices"]


def test_place_and_weight(small: Engine) -> None:
    bp = sovereignty(small, place="brainport").set_index("layer")
    assert bp.loc["chips", "actors"] == 1 and bp.loc["chips", "us"] == 1.0 and bp.loc["chips", "weakest"]
    w = sovereignty(small, weight="employees").set_index("layer")
    assert w.loc["chips", ["nl", "us", "unknown"]].tolist() == pytest.approx([0.75, 0.25, 0.0])  # 300 vs 100
    assert np.isnan(w.loc["cloud", "nl"])                  # no weight at all: shares undefined, not weakest
    assert w.loc["chips", "weakest"] and not w.loc["cloud", "weakest"]


def test_bad_arguments(small: Engine) -> None:
    with pytest.raises(NotFound):
        sovereignty(small, place="atlantis")
    with pytest.raises(AnalysisError, match="metric"):
        sovereignty(small, weight="unicorns")
    with pytest.raises(AnalysisError, match="presence"):
        sovereignty(small, place="mra", presence="nowhere")


def test_bloc_order_is_the_taxonomys() -> None:
    doc, _ = load_yaml(builtin_taxonomy_path("digital-stack"))
    assert doc is not None
    eng = stackatlas.open(data=stackatlas.fixture_path()).engine()
    assert bloc_order(eng) == tuple(b["id"] for b in doc.data["blocs"]) == BLOCS
    t = sovereignty(eng)
    assert list(t.columns) == ["layer", "actors", *SHARES, "hhi", "eu_share", "weakest"]


@pytest.mark.slow  # about 10 s or more: `make test` runs it, `make test-fast` does not
@pytest.mark.parametrize("place", [None, "mra", "brainport"])
def test_bundled_corridor_shares_sum_to_one(tmp_path_factory: pytest.TempPathFactory, place: str | None) -> None:
    eng = duckdb_engine(stackatlas.open(db=tmp_path_factory.mktemp("c") / "c.duckdb").con)
    t = sovereignty(eng, place=place)
    filled = t[t["actors"] > 0]
    assert filled[SHARES].sum(axis=1).to_numpy() == pytest.approx(np.ones(len(filled)))
    assert ((filled["hhi"] >= 1 / len(BLOCS) - 1e-9) & (filled["hhi"] <= 1 + 1e-9)).all()
    assert t["weakest"].sum() >= 1
    assert t.loc[t["weakest"], "eu_share"].iloc[0] == pytest.approx(filled["eu_share"].min())


@pytest.mark.slow  # about 3 s or more: `make test` runs it, `make test-fast` does not
def test_cli_sovereignty(capsys: pytest.CaptureFixture[str]) -> None:
    from stackatlas.cli import main

    assert main(["--data", str(stackatlas.fixture_path()), "sovereignty", "--place", "mra", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    cloud = next(r for r in rows if r["layer"] == "cloud")
    assert cloud["us"] == 1.0 and cloud["weakest"] is True
    assert next(r for r in rows if r["layer"] == "raw-materials")["nl"] is not None
    assert main(["--data", str(stackatlas.fixture_path()), "sovereignty"]) == 0
    assert "weakest" in capsys.readouterr().out
