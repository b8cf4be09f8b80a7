from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _examples import examples
from stackatlas.analysis import duckdb_engine, profile, specialisation
from stackatlas.analysis.profile import lq_table
from stackatlas.atlas import Atlas
from stackatlas.errors import AnalysisError


@pytest.fixture(scope="module")
def engine(atlas: Atlas):  # type: ignore[no-untyped-def]
    return duckdb_engine(atlas.con)


def test_hand_computed_lq() -> None:
    # place a: 3 in x, 1 in y; baseline: 5 in x, 5 in y -> LQ(a, x) = (3/4)/(5/10) = 1.5
    counts = pd.DataFrame({"place": ["a", "a"], "activity": ["x", "y"], "count": [3.0, 1.0], "actors": [3, 1]})
    t = lq_table(counts, pd.Series({"x": 5.0, "y": 5.0})).set_index("layer")
    assert t.loc["x", "lq"] == pytest.approx(1.5)
    assert t.loc["y", "lq"] == pytest.approx(0.5)
    assert t.loc["x", "expected"] == pytest.approx(2.0)
    # exact Poisson interval for 3 events: [0.6186, 8.7673] / E
    assert t.loc["x", "lq_low"] == pytest.approx(0.6186 / 2, abs=1e-4)
    assert t.loc["x", "lq_high"] == pytest.approx(8.7673 / 2, abs=1e-4)
    # P(X >= 3 | Poisson(2)) = 1 - e^-2 (1 + 2 + 2)
    assert t.loc["x", "p_value"] == pytest.approx(1 - np.exp(-2) * 5)


counts_st = st.lists(st.integers(0, 40), min_size=4, max_size=4)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(counts_st, min_size=1, max_size=5), counts_st)
def test_lq_invariants(rows: list[list[int]], base: list[int]) -> None:
    acts = ["w", "x", "y", "z"]
    if sum(base) == 0:
        base = [1, 1, 1, 1]
    recs = [{"place": f"p{i}", "activity": a, "count": float(c), "actors": c}
            for i, row in enumerate(rows) for a, c in zip(acts, row, strict=True)]
    # the baseline itself as a place: its LQ is 1 wherever it has actors
    recs += [{"place": "base", "activity": a, "count": float(c), "actors": c} for a, c in zip(acts, base, strict=True)]
    t = lq_table(pd.DataFrame(recs), pd.Series(dict(zip(acts, map(float, base), strict=True))), order=acts)
    b = t[(t.place == "base") & (t["count"] > 0)]
    assert np.allclose(b["lq"], 1.0)
    shares = t.groupby("place")["share"].sum()
    nonempty = t.groupby("place")["count"].sum() > 0
    assert np.allclose(shares[nonempty], 1.0)
    ok = t["lq"].notna()
    assert (t.loc[ok, "lq_low"] <= t.loc[ok, "lq"] + 1e-12).all()
    assert (t.loc[ok, "lq"] <= t.loc[ok, "lq_high"] + 1e-12).all()
    assert t["p_value"].dropna().between(0, 1).all()
    assert (t["lq_shrunk"].dropna() >= 0).all()


def test_profile_regions_on_fixture(engine) -> None:  # type: ignore[no-untyped-def]
    t = profile(engine, level="region")
    bp = t[t.place == "brainport"].set_index("layer")
    # asml, axelera-ai, nxp, tue have chips and are in Brainport by head office
    assert bp.loc["chips", "actors"] == 4
    assert bp.loc["chips", "lq"] > 1
    assert list(t[t.place == "mra"]["layer"]) == ["raw-materials", "chips", "networks", "cloud", "ai",
                                                "applications", "devices"]


def test_baseline_country_has_lq_one(engine) -> None:  # type: ignore[no-untyped-def]
    t = profile(engine, level="country", baseline="nl")
    nl = t[(t.place == "nl") & (t["count"] > 0)]
    assert np.allclose(nl["lq"], 1.0)


def test_fractional_counts_sum_to_actors(engine, atlas: Atlas) -> None:  # type: ignore[no-untyped-def]
    t = profile(engine, level="region", fractional=True, presence="hq")
    mra = t[t.place == "mra"]["count"].sum()
    n = len(atlas.actors(place="mra").query("hq in ['amsterdam', 'haarlemmermeer', 'hilversum', 'almere']"))
    assert mra == pytest.approx(n)


@pytest.mark.slow  # about 3 s or more: `make test` runs it, `make test-fast` does not
def test_by_domain_and_sublayer(engine) -> None:  # type: ignore[no-untyped-def]
    d = profile(engine, level="region", by="domain")
    assert "domain" in d.columns and "finance" in set(d["domain"])
    s = profile(engine, level="municipality", by="sublayer", places=["veldhoven"])
    assert "chips/equipment-and-materials" in set(s[s["count"] > 0]["sublayer"])


def test_specialisation(engine) -> None:  # type: ignore[no-untyped-def]
    sp = specialisation(profile(engine, level="region")).set_index("place")
    assert sp.loc["brainport", "krugman"] == pytest.approx(2 * sp.loc["brainport", "hoover"])
    assert 0 < sp.loc["brainport", "hhi"] <= 1
    assert sp.loc["brainport", "krugman"] > sp.loc["mra", "krugman"]  # Brainport is more specialised


@pytest.mark.parametrize("kwargs", [{"level": "galaxy"}, {"by": "colour"}, {"baseline": "atlantis"},
                                    {"presence": "sometimes"}])
def test_bad_arguments(engine, kwargs: dict) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AnalysisError):
        profile(engine, **kwargs)


def test_eb_prior_does_not_collapse_on_underdispersed_counts() -> None:
    # five actors over places, less spread than Poisson: the plain maximum puts σ at 0 (full pooling,
    # every P(LQ > 1) = 0); the penalised one keeps a finite prior with the same mean
    from scipy import special

    from stackatlas.analysis.profile import eb_prior

    c = np.array([[3.0], [1.0], [1.0], [0.0], [0.0]])
    e = np.array([[3.0], [1.0], [1.0], [0.3], [0.2]])
    a0, b0 = eb_prior(c, e, penalty=0.0)
    a1, b1 = eb_prior(c, e)
    assert a0[0] > 1e3
    assert 1.0 < a1[0] < 100.0
    assert a1[0] / b1[0] == pytest.approx(c.sum() / e.sum(), rel=0.15)
    p_plain = special.gammaincc(c[0, 0] + a0[0], e[0, 0] + b0[0])
    p_pen = special.gammaincc(c[0, 0] + a1[0], e[0, 0] + b1[0])
    assert p_plain < 0.05            # certain that the place with 3 of 5 actors is not specialised
    assert 0.2 < p_pen < 0.8         # with five actors, nobody can tell


def test_eb_prior_keeps_real_heterogeneity() -> None:
    # one place with ten times its expected count: the prior stays wide, so its shrunk LQ stays large
    from stackatlas.analysis.profile import eb_prior

    c = np.array([[30.0], [2.0], [3.0], [2.0], [1.0], [2.0]])
    e = np.array([[3.0], [3.0], [3.0], [3.0], [3.0], [3.0]])
    for penalty in (0.0, 1.0):
        a, b = eb_prior(c, e, penalty=penalty)
        assert (c[0, 0] + a[0]) / (e[0, 0] + b[0]) > 5.0
    a0, _ = eb_prior(c, e, penalty=0.0)
    a1, _ = eb_prior(c, e)
    assert a1[0] == pytest.approx(a0[0], rel=0.5)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.integers(0, 30), min_size=2, max_size=12), st.floats(0.2, 5.0))
def test_eb_prior_is_finite_and_proper(counts: list[int], scale: float) -> None:
    from stackatlas.analysis.profile import eb_prior

    c = np.array(counts, dtype=float)[:, None]
    e = np.full_like(c, max(c.mean(), 0.1) * scale)
    a, b = eb_prior(c, e)
    assert np.isfinite(a).all() and np.isfinite(b).all()
    assert (a > 0).all() and (b > 0).all()
    if c.sum() > 0:
        assert a[0] < 1e5   # never a point mass


@pytest.mark.slow  # about 5 s or more: `make test` runs it, `make test-fast` does not
def test_roles_of_layers(atlas: Atlas) -> None:
    eng = duckdb_engine(atlas.con)
    roles = atlas.sql("SELECT actor, layer, bool_or(role = 'core') AS core FROM actor_layers GROUP BY 1, 2")
    assert (~roles["core"]).any(), "the fixture has secondary layers"
    full = profile(eng, level="region").set_index(["place", "layer"])
    core = profile(eng, level="region", role="core").set_index(["place", "layer"])
    half = profile(eng, level="region", secondary_weight=0.5).set_index(["place", "layer"])
    both = full.join(core[["count"]].rename(columns={"count": "count_core"})).join(
        half[["count"]].rename(columns={"count": "count_half"})).fillna(0.0)
    # a secondary layer counts 1 (all), 0.5 (weight 0.5) or not at all (core)
    assert ((both["count_core"] <= both["count_half"]) & (both["count_half"] <= both["count"])).all()
    assert np.allclose(both["count_half"], (both["count"] + both["count_core"]) / 2)
    assert (both["count_core"] < both["count"]).any()
    with pytest.raises(AnalysisError, match="role"):
        profile(eng, role="some")
    with pytest.raises(AnalysisError, match="secondary weight"):
        profile(eng, secondary_weight=2.0)
