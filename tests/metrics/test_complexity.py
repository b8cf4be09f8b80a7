"""Hand-computed cases, options, time handling and errors of stackatlas.metrics."""

from __future__ import annotations

import doctest
import importlib
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from stackatlas.errors import AnalysisError
from stackatlas.metrics import (
    ConvergenceWarning,
    FitnessComplexity,
    complexity,
    fitness_complexity,
    proximity,
)

from ._tables import long_table, structured_matrix, structured_table

core = importlib.import_module("stackatlas.metrics.complexity")
KEYS: dict[str, Any] = {"location": "location", "activity": "activity", "value": "value"}
S3 = math.sqrt(3.0)


def grid(out: pd.DataFrame, col: str) -> np.ndarray:
    """A (single-period) output column back as a location x activity matrix."""
    return out.pivot(index="location", columns="activity", values=col).to_numpy()


# --------------------------------------------------------------------------------------------------
# hand-computed
# --------------------------------------------------------------------------------------------------


def test_rca_of_a_2x2_table_by_hand() -> None:
    # row totals 40, 60; column totals 30, 70; world 100
    out = complexity(long_table([[10, 30], [20, 40]]), **KEYS)
    expected = [(10 / 40) / (30 / 100), (30 / 40) / (70 / 100), (20 / 60) / (30 / 100), (40 / 60) / (70 / 100)]
    assert expected == pytest.approx([5 / 6, 15 / 14, 10 / 9, 20 / 21])
    np.testing.assert_allclose(out["rca"], expected, rtol=1e-15)
    assert out["mcp"].tolist() == [0.0, 1.0, 1.0, 0.0]
    assert out["diversity"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert out["ubiquity"].tolist() == [1.0, 1.0, 1.0, 1.0]
    # the two activities never co-occur: proximity is the identity, so density is the own presence
    assert out["density"].tolist() == [0.0, 1.0, 1.0, 0.0]
    assert out["value"].tolist() == [10.0, 30.0, 20.0, 40.0]


def test_rca_at_the_threshold_counts_as_present() -> None:
    out = complexity(long_table([[1, 1], [1, 1]]), **KEYS)
    assert out["rca"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert out["mcp"].tolist() == [1.0, 1.0, 1.0, 1.0]


@pytest.fixture
def two_by_three() -> pd.DataFrame:
    """M = [[1, 1, 1], [0, 1, 0]]: location a has all three activities, b only the middle one."""
    df = long_table([[1, 1, 1], [0, 1, 0]], locations=["a", "b"], activities=["p1", "p2", "p3"])
    df["present"] = df["value"]
    return df


def test_eci_pci_density_coi_cog_by_hand(two_by_three: pd.DataFrame) -> None:
    # kc0 = (3, 1), kp0 = (1, 2, 1). The matrix M~P has rows (1/3, 1/3, 1/3), (1/6, 2/3, 1/6),
    # (1/3, 1/3, 1/3): eigenvalues 1, 1/3, 0; for 1/3 the eigenvector is (1, -1, 1)/sqrt(3) = kp,
    # so kc = M kp / kc0 = (1/(3 sqrt 3), -1/sqrt 3), mean -1/(3 sqrt 3), std 2/(3 sqrt 3):
    # ECI = (1, -1) and PCI = (kp - mean kc)/std kc = (2, -1, 2).
    out = complexity(two_by_three, **KEYS, presence="present")
    np.testing.assert_allclose(grid(out, "eci")[:, 0], [1.0, -1.0], atol=1e-12)
    np.testing.assert_allclose(grid(out, "pci")[0], [2.0, -1.0, 2.0], atol=1e-12)
    # proximity: phi12 = 1/max(1,2) = 1/2, phi13 = 1/1, phi23 = 1/2; row sums 2.5, 2, 2.5
    np.testing.assert_allclose(grid(out, "density"), np.array([[1, 1, 1], [0.2, 0.5, 0.2]], dtype=float), atol=1e-12)
    # COI: a has nothing left; b: 0.2 kp1 + 0.2 kp3 > 0  -> standardised to (-1, 1)
    np.testing.assert_allclose(grid(out, "coi")[:, 0], [-1.0, 1.0], atol=1e-12)
    # COG of b in p1: (1/2.5 kp1 + 1/2.5 kp3) / std(kc) = (0.8/sqrt 3) * (3 sqrt 3 / 2) = 1.2
    np.testing.assert_allclose(grid(out, "cog"), np.array([[0, 0, 0], [1.2, 0, 1.2]], dtype=float), atol=1e-12)
    # Atlas variant subtracts density * kp / std(kc) = 0.2 * (1/sqrt 3) * (3 sqrt 3 / 2) = 0.3
    atlas = complexity(two_by_three, **KEYS, presence="present", cog="atlas")
    np.testing.assert_allclose(grid(atlas, "cog"), np.array([[0, 0, 0], [0.9, 0, 0.9]], dtype=float), atol=1e-12)


def test_density_without_the_diagonal_by_hand(two_by_three: pd.DataFrame) -> None:
    # phi without diagonal: p1 row (0, .5, 1) sum 1.5; p2 row (.5, 0, .5) sum 1; p3 like p1
    out = complexity(two_by_three, **KEYS, presence="present", density_diagonal=False)
    np.testing.assert_allclose(grid(out, "density"), np.array([[1, 1, 1], [1 / 3, 0, 1 / 3]], dtype=float), atol=1e-12)


def test_raw_and_zscore_normalisations_by_hand(two_by_three: pd.DataFrame) -> None:
    raw = complexity(two_by_three, **KEYS, presence="present", normalization="none")
    np.testing.assert_allclose(grid(raw, "pci")[0], np.array([1, -1, 1]) / S3, atol=1e-12)
    np.testing.assert_allclose(grid(raw, "eci")[:, 0], [1 / (3 * S3), -1 / S3], atol=1e-12)
    # raw COG and COI, and the Atlas variant with the raw PCI
    np.testing.assert_allclose(grid(raw, "cog")[1], [0.8 / S3, 0, 0.8 / S3], atol=1e-12)
    np.testing.assert_allclose(grid(raw, "coi")[:, 0], [0, 0.4 / S3], atol=1e-12)
    z = complexity(two_by_three, **KEYS, presence="present", normalization="zscore")
    kp = np.array([1, -1, 1]) / S3
    np.testing.assert_allclose(grid(z, "pci")[0], (kp - kp.mean()) / kp.std(), atol=1e-12)
    np.testing.assert_allclose(grid(z, "eci")[:, 0], [1.0, -1.0], atol=1e-12)
    np.testing.assert_allclose(grid(z, "cog")[1], [0.8 / S3 / kp.std(), 0, 0.8 / S3 / kp.std()], atol=1e-12)
    d1 = complexity(two_by_three, **KEYS, presence="present", ddof=1)
    np.testing.assert_allclose(grid(d1, "eci")[:, 0], [1 / math.sqrt(2), -1 / math.sqrt(2)], atol=1e-12)


def test_proximity_by_hand(two_by_three: pd.DataFrame) -> None:
    prox = proximity(two_by_three, **KEYS, presence="present")
    assert list(prox.columns) == ["activity_a", "activity_b", "proximity"]
    got = prox.pivot(index="activity_a", columns="activity_b", values="proximity").to_numpy()
    np.testing.assert_allclose(got, [[1, 0.5, 1], [0.5, 1, 0.5], [1, 0.5, 1]])
    # asymmetric: P(b | a) = co(a, b) / ubiquity(a)
    asym = proximity(two_by_three, **KEYS, presence="present", asymmetric=True)
    got = asym.pivot(index="activity_a", columns="activity_b", values="proximity").to_numpy()
    np.testing.assert_allclose(got, [[1.0, 1.0, 1.0], [0.5, 1.0, 0.5], [1.0, 1.0, 1.0]])
    off = proximity(two_by_three, **KEYS, presence="present", diagonal=False)
    assert len(off) == 6
    assert (off["activity_a"] != off["activity_b"]).all()


def test_eci_pci_match_the_textbook_definition_on_both_sides() -> None:
    """numpy.linalg.eig of the non-symmetric M~P, as the definition (and py-ecomplexity) has it."""
    for shape, seed in [((30, 12), 1), ((12, 30), 2), ((150, 90), 3), ((90, 150), 4)]:
        x = structured_matrix(*shape, seed=seed, zero_share=0.1)
        out = complexity(long_table(x), **KEYS)
        m = grid(out, "mcp")
        kc0, kp0 = m.sum(axis=1), m.sum(axis=0)
        mpp = (m / kc0[:, None]).T @ m / kp0[:, None]
        vals, vecs = np.linalg.eig(mpp)
        kp = np.real(vecs[:, vals.argsort()[-2]])
        kc = (m / kc0[:, None]) @ kp
        s = np.sign(np.corrcoef(kc0, kc)[0, 1])
        kp, kc = s * kp, s * kc
        np.testing.assert_allclose(grid(out, "eci")[:, 0], (kc - kc.mean()) / kc.std(), atol=1e-8)
        np.testing.assert_allclose(grid(out, "pci")[0], (kp - kc.mean()) / kc.std(), atol=1e-8)


def test_second_eigvec_small_and_large_paths_agree() -> None:
    rng = np.random.default_rng(0)
    for n in (10, 200):
        b = rng.normal(size=(n, n + 5))
        gram = b @ b.T
        u = core._second_eigvec(gram.copy())
        _vals, vecs = np.linalg.eigh(gram)
        assert abs(abs(float(u @ vecs[:, -2])) - 1.0) < 1e-10


def test_lanczos_gives_up_on_an_invariant_subspace_and_the_dense_fallback_answers() -> None:
    # two distinct eigenvalues only: the Krylov space has dimension 2 and misses that the largest
    # eigenvalue (1.0) is double, i.e. that the second largest is 1.0 as well
    n = 100
    gram = np.diag(np.r_[np.full(n - 2, 0.5), 1.0, 1.0])
    assert core._lanczos_second(gram) is None
    u = core._second_eigvec(gram)
    assert u is not None
    assert float(u @ gram @ u) == pytest.approx(1.0)


def test_fitness_complexity_fixed_point() -> None:
    x = structured_matrix(60, 40, seed=11)
    res = fitness_complexity(long_table(x), **KEYS)
    assert isinstance(res, FitnessComplexity)
    f = res.fitness["fitness"].to_numpy()
    q = res.complexity["complexity"].to_numpy()
    assert (f > 0).all() and (q > 0).all()
    assert f.mean() == pytest.approx(1.0) and q.mean() == pytest.approx(1.0)
    m = grid(complexity(long_table(x), **KEYS), "mcp")
    np.testing.assert_array_equal(res.fitness["diversity"], m.sum(axis=1))
    np.testing.assert_array_equal(res.complexity["ubiquity"], m.sum(axis=0))
    # at the fixed point F ∝ M Q and Q ∝ 1 / (M^T (1/F))
    f_next = m @ q
    q_next = 1.0 / (m.T @ (1.0 / f))
    np.testing.assert_allclose(f_next / f_next.mean(), f, atol=1e-8)
    np.testing.assert_allclose(q_next / q_next.mean(), q, atol=1e-8)


def test_fitness_complexity_warns_when_not_converged() -> None:
    nested = long_table([[1, 1, 1], [1, 1, 0], [1, 0, 0]])
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        res = fitness_complexity(nested, **KEYS, presence="value", max_iter=20)
    f = res.fitness["fitness"].to_numpy()
    assert (f > 0).all() and f[0] > f[1] > f[2]


def test_fitness_complexity_by_year() -> None:
    df = structured_table(30, 20, seed=5, years=(2001, 2002))
    res = fitness_complexity(df, **KEYS, time="year")
    assert list(res.fitness.columns) == ["year", "location", "fitness", "diversity"]
    assert list(res.complexity.columns) == ["year", "activity", "complexity", "ubiquity"]
    assert len(res.fitness) == 60 and len(res.complexity) == 40
    one = fitness_complexity(df[df.year == 2002].drop(columns="year"), **KEYS)
    np.testing.assert_allclose(res.fitness.loc[res.fitness.year == 2002, "fitness"], one.fitness["fitness"])


# --------------------------------------------------------------------------------------------------
# output shape, time, zero rows, duplicates
# --------------------------------------------------------------------------------------------------


def test_output_columns_order_and_key_dtypes() -> None:
    df = structured_table(6, 5, seed=1, years=(2019, 2020))
    out = complexity(df, **KEYS, time="year")
    assert list(out.columns) == [
        "year", "location", "activity", "value",
        "rca", "mcp", "diversity", "ubiquity", "eci", "pci", "density", "coi", "cog",
    ]  # fmt: skip
    assert len(out) == 2 * 6 * 5
    assert out["year"].dtype == df["year"].dtype
    assert out["location"].dtype == df["location"].dtype
    keys = list(zip(out["year"], out["location"], out["activity"], strict=True))
    assert keys == sorted(keys)


def test_each_period_is_computed_on_its_own_and_time_none_is_one_period() -> None:
    df = structured_table(25, 15, seed=3, years=(2001, 2002, 2003))
    df = df[~((df.year == 2002) & (df.location == "L003"))]  # a location missing in one year
    out = complexity(df, **KEYS, time="year")
    assert len(out) == 3 * 25 * 15 - 15
    for year in (2001, 2002, 2003):
        alone = complexity(df[df.year == year].drop(columns="year"), **KEYS)
        part = out[out.year == year].drop(columns="year").reset_index(drop=True)
        pd.testing.assert_frame_equal(part, alone)


def test_zero_rows_and_columns_get_nan_and_do_not_change_the_rest() -> None:
    x = structured_matrix(20, 12, seed=8, zero_share=0.0)
    with_zero = x.copy()
    with_zero[4, :] = 0.0
    with_zero[:, 7] = 0.0
    out = complexity(long_table(with_zero), **KEYS)
    dropped = out[(out.location == "L004") | (out.activity == "A007")]
    assert dropped[["rca", "mcp", "diversity", "ubiquity", "eci", "pci", "density", "coi", "cog"]].isna().all().all()
    assert (dropped["value"] == 0).all()
    kept_x = np.delete(np.delete(with_zero, 4, axis=0), 7, axis=1)
    locs = [f"L{i:03d}" for i in range(20) if i != 4]
    acts = [f"A{j:03d}" for j in range(12) if j != 7]
    ref = complexity(long_table(kept_x, locations=locs, activities=acts), **KEYS)
    rest = out.drop(dropped.index).reset_index(drop=True)
    pd.testing.assert_frame_equal(rest, ref)


def test_zero_diversity_with_a_high_threshold_leaves_only_that_location_out() -> None:
    x = structured_matrix(30, 20, seed=9, zero_share=0.0)
    x[0] = x[1:].sum(axis=0) / 100  # a perfectly average location: every RCA is 1
    out = complexity(long_table(x), **KEYS, rca_threshold=1.2)
    first = out[out.location == "L000"]
    assert (first["diversity"] == 0).all()
    assert first["eci"].isna().all()
    rest = out[out.location != "L000"]
    assert rest["eci"].notna().all() and out["pci"].notna().all()
    present = rest[rest.mcp == 1]
    np.testing.assert_allclose(
        present.groupby("location")["pci"].mean(), rest.groupby("location")["eci"].first(), atol=1e-9
    )


def test_nan_values_count_as_zero() -> None:
    df = long_table([[10, 30, 5], [20, 40, 1], [3, 3, 3]])
    with_nan = df.copy()
    df.loc[2, "value"] = 0.0
    with_nan.loc[2, "value"] = np.nan
    pd.testing.assert_frame_equal(complexity(with_nan, **KEYS), complexity(df, **KEYS))


def test_missing_cells_count_as_zero() -> None:
    x = structured_matrix(15, 10, seed=4)
    full = long_table(x)
    sparse = full[full["value"] > 0].sample(frac=1.0, random_state=0)
    pd.testing.assert_frame_equal(complexity(sparse, **KEYS), complexity(full, **KEYS))


def test_duplicates_first_sum_raise() -> None:
    df = long_table([[10, 30], [20, 40]])
    dup = pd.concat([df, df.iloc[[0]].assign(value=1000.0)], ignore_index=True)
    with pytest.warns(UserWarning, match="keeping the first"):
        first = complexity(dup, **KEYS)
    pd.testing.assert_frame_equal(first, complexity(df, **KEYS))
    summed = complexity(dup, **KEYS, duplicates="sum")
    assert summed["value"].tolist() == [1010.0, 30.0, 20.0, 40.0]
    with pytest.raises(AnalysisError, match="duplicate"):
        complexity(dup, **KEYS, duplicates="raise")


def test_sign_by_ubiquity() -> None:
    x = structured_matrix(40, 25, seed=12)
    out = complexity(long_table(x), **KEYS, sign="ubiquity")
    per_act = out.drop_duplicates("activity")
    rho = float(per_act[["pci", "ubiquity"]].corr(method="spearman").to_numpy()[0, 1])
    assert rho <= 0
    default = complexity(long_table(x), **KEYS)
    np.testing.assert_allclose(np.abs(out["eci"]), np.abs(default["eci"]), atol=1e-10)


def test_presence_column_is_used_as_given(two_by_three: pd.DataFrame) -> None:
    df = two_by_three.assign(value=[5.0, 1.0, 2.0, 0.0, 7.0, 0.0])
    out = complexity(df, **KEYS, presence="present")
    assert out["mcp"].tolist() == [1.0, 1.0, 1.0, 0.0, 1.0, 0.0]
    np.testing.assert_allclose(out["rca"], core._rca(np.array([[5.0, 1, 2], [0, 7, 0]])).ravel())


def test_doctests() -> None:
    result = doctest.testmod(core, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [complexity, proximity, fitness_complexity])
@pytest.mark.parametrize(
    ("arg", "missing"),
    [("location", "region"), ("activity", "sector"), ("value", "jobs"), ("time", "year"), ("presence", "flag")],
)
def test_missing_column_names_the_column(fn: object, arg: str, missing: str) -> None:
    df = long_table([[1, 2], [3, 4]])
    kwargs = dict(KEYS)
    kwargs[arg] = missing
    with pytest.raises(AnalysisError, match=f"'{missing}'"):
        fn(df, **kwargs)  # type: ignore[operator]


def test_empty_table() -> None:
    df = long_table([[1, 2]]).iloc[0:0]
    with pytest.raises(AnalysisError, match="empty"):
        complexity(df, **KEYS)


def test_negative_values_name_the_column() -> None:
    df = long_table([[1, -2], [3, 4]], value="exports")
    with pytest.raises(AnalysisError, match=r"'exports'.*negative"):
        complexity(df, location="location", activity="activity", value="exports")


def test_infinite_and_non_numeric_values() -> None:
    df = long_table([[1, np.inf], [3, 4]])
    with pytest.raises(AnalysisError, match=r"'value'.*infinite"):
        complexity(df, **KEYS)
    df = long_table([[1, 2], [3, 4]])
    df["value"] = ["1", "2", "three", "4"]
    with pytest.raises(AnalysisError, match=r"'value'.*not numeric"):
        complexity(df, **KEYS)
    df["value"] = ["1", "2", "3", "4"]  # numeric strings are fine
    assert len(complexity(df, **KEYS)) == 4


def test_missing_keys_and_no_positive_value() -> None:
    df = long_table([[1, 2], [3, 4]])
    df.loc[1, "location"] = None
    with pytest.raises(AnalysisError, match=r"'location'.*missing"):
        complexity(df, **KEYS)
    with pytest.raises(AnalysisError, match="no positive value"):
        complexity(long_table([[0, 0], [0, 0]]), **KEYS)


def test_bad_options() -> None:
    df = long_table([[1, 2], [3, 4]])
    with pytest.raises(AnalysisError, match="normalization"):
        complexity(df, **KEYS, normalization="minmax")  # type: ignore[arg-type]
    with pytest.raises(AnalysisError, match="rca_threshold"):
        complexity(df, **KEYS, rca_threshold=0)
    with pytest.raises(AnalysisError, match="duplicates"):
        complexity(df, **KEYS, duplicates="mean")  # type: ignore[arg-type]
    with pytest.raises(AnalysisError, match="max_iter"):
        fitness_complexity(df, **KEYS, max_iter=0)
    with pytest.raises(AnalysisError, match="DataFrame"):
        complexity(df.to_dict(), **KEYS)  # type: ignore[arg-type]
    with pytest.raises(AnalysisError, match="different columns"):
        complexity(df, location="location", activity="location", value="value")


def test_no_warnings_on_ordinary_input() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # numpy: division by zero, invalid values
        warnings.simplefilter("error", UserWarning)
        complexity(structured_table(20, 10, seed=2, years=(1, 2)), **KEYS, time="year")
        proximity(structured_table(20, 10, seed=2), **KEYS)
