"""Property tests (hypothesis) of stackatlas.metrics on small random tables."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from _examples import examples
from stackatlas.metrics import ConvergenceWarning, complexity, fitness_complexity, proximity

from ._tables import long_table

KEYS: dict[str, Any] = {"location": "location", "activity": "activity", "value": "value"}

matrices = (
    st.tuples(st.integers(2, 8), st.integers(2, 8))
    .flatmap(lambda shape: arrays(np.int64, shape, elements=st.integers(0, 60)))
    .filter(lambda x: bool(x.sum() > 0))
)

options = st.fixed_dictionaries(
    {
        "rca_threshold": st.sampled_from([0.5, 1.0, 1.5]),
        "density_diagonal": st.booleans(),
        "cog": st.sampled_from(["ecomplexity", "atlas"]),
        "asymmetric": st.booleans(),
    }
)


def run(x: np.ndarray, **kwargs: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return complexity(long_table(x), **KEYS, **kwargs)  # type: ignore[arg-type]


@settings(max_examples=examples(150), deadline=None)
@given(x=matrices, opts=options)
def test_diversity_and_ubiquity_are_sums_of_mcp(x: np.ndarray, opts: dict[str, object]) -> None:
    out = run(x, **opts)
    active = out.dropna(subset=["mcp"])
    by_loc = active.groupby("location")
    np.testing.assert_array_equal(by_loc["mcp"].sum(), by_loc["diversity"].first())
    by_act = active.groupby("activity")
    np.testing.assert_array_equal(by_act["mcp"].sum(), by_act["ubiquity"].first())
    assert set(np.unique(active["mcp"])) <= {0.0, 1.0}
    # NaN exactly on the locations / activities with a zero total
    zero = (out.groupby("location")["value"].transform("sum") == 0) | (
        out.groupby("activity")["value"].transform("sum") == 0
    )
    assert (out["rca"].isna() == zero).all()


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
@settings(max_examples=examples(150), deadline=None)
@given(x=matrices, opts=options)
def test_eci_is_the_mean_pci_of_present_activities(x: np.ndarray, opts: dict[str, object]) -> None:
    out = run(x, **opts)
    present = out[(out["mcp"] == 1) & out["eci"].notna()]
    assume(len(present) > 0)
    mean_pci = present.groupby("location")["pci"].mean()
    eci = present.groupby("location")["eci"].first()
    scale = max(1.0, float(np.abs(eci).max()), float(np.abs(out["pci"]).max()))
    np.testing.assert_allclose(mean_pci, eci, rtol=0, atol=1e-9 * scale)


@settings(max_examples=examples(100), deadline=None)
@given(x=matrices)
def test_eci_is_standardised_and_zscore_standardises_both(x: np.ndarray) -> None:
    out = run(x).dropna(subset=["eci"]).drop_duplicates("location")["eci"]
    assume(len(out) >= 2 and np.isfinite(out).all())
    assert abs(out.mean()) < 1e-9 and abs(out.std(ddof=0) - 1.0) < 1e-9
    z = run(x, normalization="zscore")
    pci = z.dropna(subset=["pci"]).drop_duplicates("activity")["pci"]
    assume(np.isfinite(pci).all())
    assert abs(pci.mean()) < 1e-9 and abs(pci.std(ddof=0) - 1.0) < 1e-9


@settings(max_examples=examples(150), deadline=None)
@given(x=matrices)
def test_rca_identity_and_density_range(x: np.ndarray) -> None:
    out = run(x)
    # sum_p RCA_cp * X_p / X = 1 for every location with a positive total
    share = out.groupby("activity")["value"].transform("sum") / out["value"].sum()
    total = (out["rca"] * share).groupby(out["location"]).sum(min_count=1).dropna()
    np.testing.assert_allclose(total, 1.0, rtol=1e-12)
    dens = out["density"].dropna()
    assert ((dens >= -1e-12) & (dens <= 1 + 1e-12)).all()


@settings(max_examples=examples(150), deadline=None)
@given(x=matrices, threshold=st.sampled_from([0.5, 1.0, 1.5]))
def test_proximity_is_symmetric_within_unit_interval(x: np.ndarray, threshold: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        prox = proximity(long_table(x), **KEYS, rca_threshold=threshold)
    mat = prox.pivot(index="activity_a", columns="activity_b", values="proximity")
    assert list(mat.index) == list(mat.columns)
    v = mat.to_numpy()
    np.testing.assert_array_equal(np.isnan(v), np.isnan(v.T))
    np.testing.assert_allclose(v, v.T, equal_nan=True)
    finite = v[np.isfinite(v)]
    assert ((finite >= 0) & (finite <= 1)).all()
    diag = np.diag(v)
    assert (diag[np.isfinite(diag)] == 1).all()
    if threshold <= 1.0:  # every activity with a positive total then has a ubiquity >= 1
        assert np.isfinite(v).all()


@settings(max_examples=examples(100), deadline=None)
@given(x=matrices)
def test_fitness_is_positive_and_normalised(x: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = fitness_complexity(long_table(x), **KEYS, max_iter=300)
    f = res.fitness["fitness"].dropna().to_numpy()
    q = res.complexity["complexity"].dropna().to_numpy()
    assert len(f) > 0 and len(q) > 0
    assert (f > 0).all() and (q > 0).all()
    assert abs(f.mean() - 1.0) < 1e-9 and abs(q.mean() - 1.0) < 1e-9
    np.testing.assert_array_equal(res.fitness["fitness"].isna(), ~(res.fitness["diversity"] > 0))


@settings(max_examples=examples(60), deadline=None)
@given(x=matrices, seed=st.integers(0, 2**16))
def test_invariant_to_row_order_and_to_scaling_by_a_power_of_two(x: np.ndarray, seed: int) -> None:
    df = long_table(x)
    base = run(x)
    shuffled = complexity(df.sample(frac=1.0, random_state=seed), **KEYS)
    pd.testing.assert_frame_equal(shuffled, base)
    scaled = complexity(df.assign(value=df["value"] * 4.0), **KEYS)
    pd.testing.assert_frame_equal(scaled.drop(columns="value"), base.drop(columns="value"))
