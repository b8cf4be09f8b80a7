"""Small table builders shared by the metrics tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def long_table(
    matrix: Sequence[Sequence[float]] | np.ndarray,
    *,
    locations: Sequence[str] | None = None,
    activities: Sequence[str] | None = None,
    value: str = "value",
    year: int | None = None,
) -> pd.DataFrame:
    """Every cell of a location x activity matrix as one row of a long table."""
    x = np.asarray(matrix, dtype=float)
    n_c, n_p = x.shape
    locs = list(locations) if locations is not None else [f"L{i:03d}" for i in range(n_c)]
    acts = list(activities) if activities is not None else [f"A{j:03d}" for j in range(n_p)]
    df = pd.DataFrame(
        {
            "location": np.repeat(np.array(locs, dtype=object), n_p),
            "activity": np.tile(np.array(acts, dtype=object), n_c),
            value: x.ravel(),
        }
    )
    if year is not None:
        df.insert(0, "year", year)
    return df


def structured_matrix(n_loc: int, n_act: int, seed: int, zero_share: float = 0.15) -> np.ndarray:
    """Random values with skewed sizes and a nested capability structure (a clear ECI signal)."""
    rng = np.random.default_rng(seed)
    cap = rng.uniform(0.0, 1.0, n_loc)
    cpx = rng.uniform(0.0, 1.0, n_act)
    size_l = rng.pareto(1.5, n_loc) + 1.0
    size_a = rng.pareto(1.5, n_act) + 1.0
    prob = 1.0 / (1.0 + np.exp(-8.0 * (cap[:, None] - cpx[None, :])))
    x = size_l[:, None] * size_a[None, :] * prob * rng.lognormal(0.0, 1.0, (n_loc, n_act))
    x[rng.uniform(size=x.shape) < zero_share] = 0.0
    return np.round(x * 100.0, 3)


def structured_table(
    n_loc: int, n_act: int, seed: int, years: Sequence[int] = (2020,), zero_share: float = 0.15
) -> pd.DataFrame:
    """A long multi-year table of :func:`structured_matrix` values."""
    frames = [long_table(structured_matrix(n_loc, n_act, seed + k, zero_share), year=y) for k, y in enumerate(years)]
    return pd.concat(frames, ignore_index=True)
