from __future__ import annotations

import itertools

import numpy as np
import pytest

from stackatlas.analysis import duckdb_engine
from stackatlas.analysis.guests import GUARANTEE, candidate_cells, coverage_value, guest_list
from stackatlas.analysis.synergy import synergy_spec
from stackatlas.atlas import Atlas


@pytest.fixture(scope="module")
def engine(atlas: Atlas):  # type: ignore[no-untyped-def]
    return duckdb_engine(atlas.con)


def test_gains_never_grow_and_list_is_distinct(engine) -> None:  # type: ignore[no-untyped-def]
    g = guest_list(engine, synergy="C", a="mra", b="brainport", size=8)
    assert g["actor"].is_unique
    assert (np.diff(g["gain"].to_numpy()) <= 1e-12).all()
    assert g.iloc[0]["covers"]


def test_greedy_meets_its_guarantee_against_brute_force(engine) -> None:  # type: ignore[no-untyped-def]
    """On the fixture the optimum can be found by brute force: greedy reaches ≥ (1 - 1/e) of it."""
    size = 3
    spec = synergy_spec(engine, "D")
    cand, cover, _, _, _ = candidate_cells(engine, spec=spec, a="mra", b="brainport")
    best = max(coverage_value(cover[list(combo)].sum(axis=0))
               for combo in itertools.combinations(range(len(cand)), size))
    greedy = guest_list(engine, synergy=spec, a="mra", b="brainport", size=size)
    assert greedy.attrs["coverage"]["value"] >= GUARANTEE * best - 1e-9
    assert greedy.attrs["coverage"]["value"] <= best + 1e-9


def test_coverage_value() -> None:
    assert coverage_value(np.array([0, 0])) == 0.0
    assert coverage_value(np.array([1, 1])) == 1.0
    assert coverage_value(np.array([2, 0])) == 0.75


def test_corridor_scope_balances_municipalities(engine) -> None:  # type: ignore[no-untyped-def]
    spec = synergy_spec(engine, "C")
    cand, cover, labels, _, places_of = candidate_cells(engine, spec=spec, a="mra", b="brainport", scope="corridor")
    between = candidate_cells(engine, spec=spec, a="mra", b="brainport")[4]
    assert list(between.columns) == ["mra", "brainport"]
    assert len(places_of.columns) > 2 and not set(places_of.columns) & {"mra", "brainport"}
    assert cover.shape[1] == len(labels) and cover.shape[0] == len(cand)
    assert places_of.any(axis=1).all()           # every candidate is somewhere in the corridor
    g = guest_list(engine, synergy="C", a="mra", b="brainport", size=6, scope="corridor")
    assert g.attrs["coverage"]["places"] == len(places_of.columns)
    assert all(set(r.split(" & ")) <= set(places_of.columns) for r in g["region"])
