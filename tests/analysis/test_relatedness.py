from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _examples import examples
from stackatlas.analysis import duckdb_engine, relatedness
from stackatlas.analysis.relatedness import METHODS, bh, normalise
from stackatlas.atlas import Atlas
from stackatlas.errors import AnalysisError


@pytest.fixture(scope="module")
def engine(atlas: Atlas):  # type: ignore[no-untyped-def]
    return duckdb_engine(atlas.con)


@settings(max_examples=examples(50), deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=4, max_size=4), min_size=2, max_size=30))
def test_normalisations_symmetric_and_bounded(incidence: list[list[bool]]) -> None:
    a = np.array(incidence, dtype=float)
    n = a.sum(axis=0)
    c = a.T @ a
    np.fill_diagonal(c, 0)
    for method in METHODS:
        v = normalise(c, n, method=method)
        assert np.allclose(v, v.T), method
        assert (v >= 0).all()
        if method != "association":
            assert (v <= 1 + 1e-12).all(), method


def test_hand_computed_cosine_and_prob() -> None:
    c = np.array([[0.0, 2.0], [2.0, 0.0]])
    n = np.array([4.0, 2.0])
    assert normalise(c, n, method="cosine")[0, 1] == pytest.approx(2 / np.sqrt(8))
    assert normalise(c, n, method="jaccard")[0, 1] == pytest.approx(2 / 4)
    assert normalise(c, n, method="prob")[0, 1] == pytest.approx(0.5)


def test_bh_is_monotone_and_bounded() -> None:
    p = np.array([0.001, 0.2, 0.03, 0.5, 0.04])
    q = bh(p)
    assert (q >= p).all() and (q <= 1).all()
    order = np.argsort(p)
    assert (np.diff(q[order]) >= -1e-12).all()


def test_fixture_counts(engine) -> None:  # type: ignore[no-untyped-def]
    r = relatedness(engine, method="cosine")
    row = r[(r.layer_a == "chips") & (r.layer_b == "ai")].iloc[0]
    # axelera-ai, tue and nvidia have both chips and ai
    assert row["cooccurrence"] == 3
    assert set(r.columns) >= {"layer_a", "layer_b", "cooccurrence", "value", "z", "p", "q"}
    assert r["q"].between(0, 1).all() and (r["q"] >= r["p"] - 1e-12).all()


def test_with_relations_adds_units(engine) -> None:  # type: ignore[no-untyped-def]
    base = relatedness(engine, method="cosine")
    more = relatedness(engine, method="cosine", with_relations=True)
    key = ["layer_a", "layer_b"]
    merged = base.merge(more, on=key, suffixes=("", "_rel"))
    assert (merged["cooccurrence_rel"] >= merged["cooccurrence"]).all()
    assert (merged["cooccurrence_rel"] > merged["cooccurrence"]).any()


def test_unknown_method(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AnalysisError):
        relatedness(engine, method="vibes")


@pytest.mark.parametrize("by", ["layer", "sublayer", "domain"])
@pytest.mark.parametrize("with_relations", [False, True])
def test_signature_counts_equal_the_self_join(engine, by: str, with_relations: bool) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from stackatlas.analysis._locate import activities
    from stackatlas.analysis.relatedness import _counts_by_pairs, _counts_by_signature

    acts = activities(engine, by=by)
    order = sorted(set(engine.execute(acts.select("activity").distinct())["activity"]))
    n1, c1, u1 = _counts_by_signature(engine, acts, order, with_relations=with_relations,
                                      relation_types=None)
    n2, c2, u2 = _counts_by_pairs(engine, order, by=by, with_relations=with_relations, relation_types=None)
    assert u1 == u2 > 0
    np.testing.assert_array_equal(n1, n2)
    np.testing.assert_array_equal(c1, c2)
    assert c1.sum() > 0
