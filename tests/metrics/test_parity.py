"""Parity with the Growth Lab's py-ecomplexity (PyPI ``ecomplexity``), column by column, atol 1e-8."""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from stackatlas.metrics import complexity, proximity

from ._tables import long_table, structured_matrix, structured_table

ecomplexity_pkg = pytest.importorskip("ecomplexity")

COLUMNS = ["rca", "mcp", "diversity", "ubiquity", "eci", "pci", "density", "coi", "cog"]
KEYS = ["year", "location", "activity"]
COLS_INPUT = {"time": "year", "loc": "location", "prod": "activity", "val": "value"}


def reference(df: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out: pd.DataFrame = ecomplexity_pkg.ecomplexity(
            df, COLS_INPUT, verbose=False, check_logsupermodularity=False, **kwargs
        )
    return out


def ours(df: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    return complexity(df, location="location", activity="activity", value="value", time="year", **kwargs)


def assert_parity(ref: pd.DataFrame, got: pd.DataFrame, columns: list[str] = COLUMNS) -> None:
    assert len(ref) == len(got)
    merged = ref.merge(got, on=KEYS, how="outer", suffixes=("_ref", "_ours"), indicator=True)
    assert (merged["_merge"] == "both").all(), "the two tables have different (year, location, activity) rows"
    for col in columns:
        a = merged[f"{col}_ref"].to_numpy(dtype=float)
        b = merged[f"{col}_ours"].to_numpy(dtype=float)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"NaN pattern of {col}")
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-8, equal_nan=True, err_msg=col)


@pytest.mark.parametrize(
    ("n_loc", "n_act", "seed"),
    [
        (20, 15, 1),  # activity side, dense eigensolver
        (12, 40, 2),  # more activities than locations: location side
        (150, 90, 3),  # Lanczos on the activity side
        (70, 200, 4),  # Lanczos on the location side
    ],
)
def test_random_tables(n_loc: int, n_act: int, seed: int) -> None:
    df = structured_table(n_loc, n_act, seed=seed)
    assert_parity(reference(df), ours(df))


def test_multi_year_table_with_changing_locations_and_activities() -> None:
    df = structured_table(40, 25, seed=5, years=(2001, 2002, 2003))
    df = df[~((df.year == 2002) & (df.location == "L007"))]  # a location absent one year
    df = df[~((df.year == 2003) & (df.activity == "A011"))]  # an activity absent one year
    ref = reference(df)
    assert set(ref["year"]) == {2001, 2002, 2003}
    assert_parity(ref, ours(df))


def test_all_zero_row() -> None:
    x = structured_matrix(25, 18, seed=6)
    x[3, :] = 0.0
    df = long_table(x, year=2020)
    ref = reference(df)
    assert ref.loc[ref.location == "L003", "eci"].isna().all()
    assert_parity(ref, ours(df))


def test_all_zero_column() -> None:
    x = structured_matrix(25, 18, seed=7)
    x[:, 5] = 0.0
    assert_parity(reference(long_table(x, year=2020)), ours(long_table(x, year=2020)))


def test_long_table_with_missing_rows_and_integer_values() -> None:
    df = structured_table(30, 20, seed=8, years=(1, 2))
    df = df[df["value"] > 0].sample(frac=0.8, random_state=1)
    df["value"] = np.ceil(df["value"]).astype("int64")
    assert_parity(reference(df), ours(df))


def test_no_time_column() -> None:
    df = structured_table(20, 15, seed=9)
    got = complexity(df.drop(columns="year"), location="location", activity="activity", value="value")
    assert_parity(reference(df), got.assign(year=2020))


@pytest.mark.parametrize("threshold", [0.8, 1.3])
def test_other_rca_thresholds(threshold: float) -> None:
    df = structured_table(30, 20, seed=10, zero_share=0.05)
    got = ours(df, rca_threshold=threshold)
    assert (got["diversity"] > 0).all() and (got["ubiquity"] > 0).all()  # py-ecomplexity fails otherwise
    assert_parity(reference(df, rca_mcp_threshold=threshold), got)


def test_asymmetric_proximity() -> None:
    df = structured_table(25, 15, seed=11)
    assert_parity(reference(df, asymmetric=True), ours(df, asymmetric=True))


def test_manual_presence() -> None:
    """py-ecomplexity's presence_test="manual": the value column is M itself (and is reported as rca)."""
    mcp = ours(structured_table(30, 20, seed=12))[[*KEYS, "mcp"]].rename(columns={"mcp": "value"})
    got = ours(mcp, presence="value")
    assert_parity(reference(mcp, presence_test="manual"), got, [c for c in COLUMNS if c != "rca"])


def test_duplicates_keep_the_first() -> None:
    df = structured_table(15, 10, seed=13)
    dup = pd.concat([df, df.iloc[[3, 40]].assign(value=1e6)], ignore_index=True)
    with pytest.warns(UserWarning, match="keeping the first"):
        got = ours(dup)
    ref = reference(dup)
    # py-ecomplexity's final outer merge with the input brings the discarded rows back, metrics NaN
    leftovers = ref["value"] == 1e6
    assert leftovers.sum() == 2 and ref.loc[leftovers, "eci"].isna().all()
    assert_parity(ref[~leftovers], got)


def test_proximity_table() -> None:
    df = structured_table(30, 12, seed=14, years=(2001, 2002))
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ecomplexity_pkg.proximity(df, COLS_INPUT)
    ref = ref.rename(columns={"activity_1": "activity_a", "activity_2": "activity_b"})
    got = proximity(df, location="location", activity="activity", value="value", time="year")
    keys = ["year", "activity_a", "activity_b"]
    merged = ref.merge(got, on=keys, how="outer", suffixes=("_ref", "_ours"), indicator=True)
    assert len(ref) == len(got) and (merged["_merge"] == "both").all()
    np.testing.assert_allclose(merged["proximity_ours"], merged["proximity_ref"], rtol=0, atol=1e-12)
