"""Turn a long (tidy) table into dense location x activity matrices, one per time period.

This is the input side shared by :mod:`stackatlas.metrics.complexity`: it validates the table (missing
columns, empty table, non-numeric, negative or infinite values, missing keys) and pivots it with numpy
indexing (``np.bincount`` on flat cell codes) instead of ``pandas.pivot_table``, which is an order of
magnitude faster on tables with millions of rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from stackatlas.errors import AnalysisError

__all__ = ["Duplicates", "Panel", "Period", "build_panel"]

Duplicates = Literal["first", "sum", "raise"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Period:
    """One time period of a :class:`Panel`.

    ``locations`` and ``activities`` are codes into the panel's label indexes (sorted, those seen in
    this period); ``values`` (and ``presence``) are dense ``len(locations) x len(activities)`` matrices
    with 0 for cells the table does not list.
    """

    label: Hashable
    locations: IntArray
    activities: IntArray
    values: FloatArray
    presence: FloatArray | None


@dataclass(frozen=True)
class Panel:
    """A long table pivoted into one dense matrix per period."""

    location_labels: pd.Index
    activity_labels: pd.Index
    periods: list[Period]


def _column(df: pd.DataFrame, name: str, role: str) -> pd.Series:
    if not isinstance(name, str) or name not in df.columns:
        cols = ", ".join(repr(c) for c in list(df.columns)[:20])
        raise AnalysisError(f"column {name!r} ({role}) is not in the table; its columns are: {cols}")
    col = df[name]
    if isinstance(col, pd.DataFrame):
        raise AnalysisError(f"column {name!r} ({role}) appears more than once in the table")
    return col


def _codes(col: pd.Series, name: str, role: str) -> tuple[IntArray, pd.Index]:
    if bool(col.isna().any()):
        row = col.index[np.flatnonzero(col.isna().to_numpy())[0]]
        raise AnalysisError(f"column {name!r} ({role}) has missing values (first at row {row!r})")
    try:
        codes, uniques = pd.factorize(col, sort=True)
    except TypeError:  # labels of mixed, unorderable types: keep first-seen order
        codes, uniques = pd.factorize(col, sort=False)
    return np.asarray(codes, dtype=np.intp), pd.Index(uniques)


def _numbers(col: pd.Series, name: str, role: str) -> FloatArray:
    if pd.api.types.is_bool_dtype(col.dtype) or pd.api.types.is_numeric_dtype(col.dtype):
        arr = col.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        try:
            arr = pd.to_numeric(col, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        except (ValueError, TypeError) as exc:
            raise AnalysisError(f"column {name!r} ({role}) is not numeric: {exc}") from None
    finite = np.isfinite(arr)
    bad_inf = ~finite & ~np.isnan(arr)
    if bad_inf.any():
        row = col.index[np.flatnonzero(bad_inf)[0]]
        raise AnalysisError(f"column {name!r} ({role}) has infinite values (first at row {row!r})")
    neg = arr < 0  # NaN compares False
    if neg.any():
        i = int(np.flatnonzero(neg)[0])
        raise AnalysisError(f"column {name!r} ({role}) has negative values (first at row {col.index[i]!r}: {arr[i]!r})")
    # a missing value means "nothing recorded", as in py-ecomplexity (which coerces NaN to 0)
    return np.where(finite, arr, 0.0)


def _scatter(flat: IntArray, weights: FloatArray, size: int, first_wins: bool) -> FloatArray:
    if first_wins:
        uniq, first = np.unique(flat, return_index=True)
        out = np.zeros(size, dtype=np.float64)
        out[uniq] = weights[first]
        return out
    return np.bincount(flat, weights=weights, minlength=size).astype(np.float64, copy=False)


def build_panel(
    df: pd.DataFrame,
    *,
    location: str,
    activity: str,
    value: str,
    time: str | None = None,
    presence: str | None = None,
    duplicates: Duplicates = "first",
) -> Panel:
    """Validate ``df`` and pivot it into one dense matrix per period.

    Raises :class:`~stackatlas.errors.AnalysisError` for a missing column, an empty table, missing
    keys, non-numeric / negative / infinite values, a table without any positive value, and for
    duplicate (time, location, activity) keys when ``duplicates="raise"``.
    """
    if not isinstance(df, pd.DataFrame):
        raise AnalysisError(f"expected a pandas DataFrame, got {type(df).__name__}")
    if duplicates not in ("first", "sum", "raise"):
        raise AnalysisError(f"duplicates must be 'first', 'sum' or 'raise', not {duplicates!r}")
    roles: list[tuple[str, str]] = [(location, "location"), (activity, "activity"), (value, "value")]
    if time is not None:
        roles.append((time, "time"))
    if presence is not None:
        roles.append((presence, "presence"))
    cols = {role: _column(df, name, role) for name, role in roles}
    keys = [location, activity] + ([time] if time is not None else [])
    if len(set(keys)) != len(keys):
        raise AnalysisError(f"location, activity and time must be different columns, got {keys!r}")
    if len(df) == 0:
        raise AnalysisError(f"the table is empty: no rows to compute {value!r} metrics from")

    loc_codes, loc_labels = _codes(cols["location"], location, "location")
    act_codes, act_labels = _codes(cols["activity"], activity, "activity")
    vals = _numbers(cols["value"], value, "value")
    pres = _numbers(cols["presence"], presence, "presence") if presence is not None else None
    if not (vals > 0).any() and (pres is None or not (pres > 0).any()):
        raise AnalysisError(f"column {value!r} (value) has no positive value: nothing to measure")

    if time is not None:
        time_codes, time_labels = _codes(cols["time"], time, "time")
        order = np.argsort(time_codes, kind="stable")
        bounds = np.searchsorted(time_codes[order], np.arange(len(time_labels) + 1))
        groups: Sequence[tuple[Hashable, IntArray | slice]] = [
            (time_labels[k], order[bounds[k] : bounds[k + 1]]) for k in range(len(time_labels))
        ]
    else:
        groups = [(None, slice(None))]

    n_loc, n_act = len(loc_labels), len(act_labels)
    periods: list[Period] = []
    for label, rows in groups:
        lc, ac = loc_codes[rows], act_codes[rows]
        seen_l = np.zeros(n_loc, dtype=bool)
        seen_l[lc] = True
        seen_a = np.zeros(n_act, dtype=bool)
        seen_a[ac] = True
        locs, acts = np.flatnonzero(seen_l), np.flatnonzero(seen_a)
        # local (dense) codes via a lookup table, O(rows)
        l_map = np.cumsum(seen_l) - 1
        a_map = np.cumsum(seen_a) - 1
        flat = l_map[lc] * len(acts) + a_map[ac]
        size = len(locs) * len(acts)
        counts = np.bincount(flat, minlength=size)
        dup = bool((counts > 1).any())
        if dup:
            where = "" if label is None else f" in period {label!r}"
            if duplicates == "raise":
                cell = int(np.flatnonzero(counts > 1)[0])
                raise AnalysisError(
                    f"duplicate ({location!r}, {activity!r}) keys{where}: e.g. "
                    f"{loc_labels[locs[cell // len(acts)]]!r}, {act_labels[acts[cell % len(acts)]]!r}"
                )
            if duplicates == "first":
                warnings.warn(
                    f"duplicate ({location!r}, {activity!r}) keys{where}: keeping the first occurrence "
                    "(pass duplicates='sum' to add them up)",
                    UserWarning,
                    stacklevel=3,
                )
        first_wins = dup and duplicates == "first"
        v = _scatter(flat, vals[rows], size, first_wins).reshape(len(locs), len(acts))
        p = _scatter(flat, pres[rows], size, first_wins).reshape(len(locs), len(acts)) if pres is not None else None
        periods.append(Period(label, locs.astype(np.intp), acts.astype(np.intp), v, p))
    return Panel(loc_labels, act_labels, periods)
