"""Benchmark stackatlas.metrics.complexity against py-ecomplexity (the ``ecomplexity`` package).

Table: 1000 locations x 1000 activities x 3 years, dense (every cell listed) with a realistic skew:
Pareto-distributed location and activity sizes, log-normal noise, a nested capability structure
(locations with more capabilities are present in more, and more complex, activities) and 15% zeros.

Each implementation runs once untimed-for-the-median (its first, cold run: imports, thread pools and
fresh memory pages; reported separately) and then ``--runs`` times (default 3); the script prints the
median wall time of each, the speed-up, and checks that every output column agrees to ``atol=1e-8``.
Both run in the same process, on the same table, one after the other.

    .venv/bin/python benchmarks/bench_complexity.py [--locations 1000] [--activities 1000]
        [--years 3] [--runs 3]

py-ecomplexity runs with ``verbose=False`` and ``check_logsupermodularity=False``: that optional
diagnostic prints a percentage and is not part of the returned table (it would only add to its time).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

try:
    from stackatlas.metrics import complexity
except ImportError:  # running from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from stackatlas.metrics import complexity

COLUMNS = ["rca", "mcp", "diversity", "ubiquity", "eci", "pci", "density", "coi", "cog"]


def make_table(n_loc: int, n_act: int, n_years: int, seed: int = 42) -> pd.DataFrame:
    """Dense long table with skewed sizes and a nested (capability) structure."""
    rng = np.random.default_rng(seed)
    cap = rng.uniform(0.0, 1.0, n_loc)
    cpx = rng.uniform(0.0, 1.0, n_act)
    size_loc = rng.pareto(1.2, n_loc) + 1.0
    size_act = rng.pareto(1.2, n_act) + 1.0
    locs = np.array([f"L{i:04d}" for i in range(n_loc)], dtype=object)
    acts = np.array([f"A{j:04d}" for j in range(n_act)], dtype=object)
    frames = []
    for k in range(n_years):
        drift = rng.normal(0.0, 0.03, n_loc)  # capabilities move a little from year to year
        prob = 1.0 / (1.0 + np.exp(-8.0 * ((cap + drift)[:, None] - cpx[None, :])))
        x = size_loc[:, None] * size_act[None, :] * prob * rng.lognormal(0.0, 1.0, (n_loc, n_act))
        x[rng.uniform(size=x.shape) < 0.15] = 0.0
        frames.append(
            pd.DataFrame(
                {
                    "year": 2020 + k,
                    "location": np.repeat(locs, n_act),
                    "activity": np.tile(acts, n_loc),
                    "value": np.round(x * 1000.0, 2).ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def run_ours(df: pd.DataFrame) -> pd.DataFrame:
    return complexity(df, location="location", activity="activity", value="value", time="year")


def run_reference(df: pd.DataFrame) -> pd.DataFrame:
    from ecomplexity import ecomplexity

    cols = {"time": "year", "loc": "location", "prod": "activity", "val": "value"}
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out: pd.DataFrame = ecomplexity(df, cols, verbose=False, check_logsupermodularity=False)
    return out


def timed(fn: Callable[[pd.DataFrame], pd.DataFrame], df: pd.DataFrame, runs: int) -> tuple[float, float, pd.DataFrame]:
    """(first run, median of ``runs`` further runs, output). The result of a run is dropped before the
    next one starts, so that no run pays for the memory of the one before."""
    t0 = time.perf_counter()
    out = fn(df)
    first = time.perf_counter() - t0
    times = []
    for _ in range(runs):
        del out
        t0 = time.perf_counter()
        out = fn(df)
        times.append(time.perf_counter() - t0)
    return first, statistics.median(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--locations", type=int, default=1000)
    ap.add_argument("--activities", type=int, default=1000)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    df = make_table(args.locations, args.activities, args.years)
    shape = f"{args.locations} locations x {args.activities} activities x {args.years} years"
    print(f"table: {len(df):,} rows ({shape})")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cpus, load average {load} (other work on the machine slows both sides)")
    try:
        import threadpoolctl

        for info in threadpoolctl.threadpool_info():
            print(
                f"blas: {info.get('internal_api')} {info.get('version')} {info.get('architecture')}, "
                f"{info.get('num_threads')} threads"
            )
    except ImportError:
        pass

    c_ours, t_ours, ours = timed(run_ours, df, args.runs)
    print(f"stackatlas.metrics.complexity: median {t_ours:.3f} s over {args.runs} runs", end="")
    print(f" (first run {c_ours:.3f} s)")
    c_ref, t_ref, ref = timed(run_reference, df, args.runs)
    print(f"ecomplexity.ecomplexity:       median {t_ref:.3f} s over {args.runs} runs", end="")
    print(f" (first run {c_ref:.3f} s)")
    print(f"speed-up (median): {t_ref / t_ours:.1f}x   (first runs: {c_ref / c_ours:.1f}x)")

    merged = ref.merge(ours, on=["year", "location", "activity"], suffixes=("_ref", "_ours"))
    ok = len(merged) == len(ref) == len(ours)
    print(f"rows: reference {len(ref):,}, ours {len(ours):,}, matched {len(merged):,}")
    for col in COLUMNS:
        a = merged[f"{col}_ref"].to_numpy(dtype=float)
        b = merged[f"{col}_ours"].to_numpy(dtype=float)
        close = bool(np.allclose(a, b, rtol=0.0, atol=1e-8, equal_nan=True))
        diff = float(np.nanmax(np.abs(a - b))) if np.isfinite(a).any() else 0.0
        print(f"  {col:9s} allclose(atol=1e-8)={close}  max |diff| = {diff:.1e}")
        ok &= close
    print("same numbers: " + ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
