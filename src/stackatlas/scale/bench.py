"""Time the build and every analysis on a synthetic (or any) dataset: ``stackatlas bench``.

Each measurement runs in a fresh Python process (``python -m stackatlas.scale.bench --worker ...``), so that
its peak resident memory (``VmHWM``) is its own and a build is really cold (no database yet, nothing
cached in the process). A build is repeated ``repeat`` times, each in its own process; an analysis runs
``repeat`` times in one process on the compiled database (the first run includes setting up the Ibis
backend; it is reported apart as ``first_s`` and counted in the median). Times are wall-clock seconds
(``time.perf_counter``); the machine's load average is reported with them, because other work on the
machine slows every number down, and so is the CPU time of the process (``cpu_median_s``, all threads),
which other work hardly changes: on an idle machine the wall time lies between it and half of it (2 cores).

The analyses are found in :mod:`stackatlas.analysis` at run time: every public function whose first
parameter is ``engine`` and whose other required parameters are ones the bench can fill (``a``, ``b``:
the dataset's region pair; ``synergy``: its first curated synergy or a discovered-style id) is timed with
its defaults, plus ``profile`` at municipality and at region level.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Case", "analysis_cases", "result_rows", "run_bench", "synth_cache"]

#: Functions of stackatlas.analysis that are not analyses of a database (or need input the bench lacks).
_NOT_TIMED = {"Engine", "SynergyConfig", "duckdb_engine", "spark_engine", "specialisation"}
_FILLABLE = {"a", "b", "synergy"}


@dataclass
class Case:
    """One timed call: ``func`` of stackatlas.analysis with ``kwargs`` (``build`` is the cold build)."""

    name: str
    func: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    skip: str | None = None


def analysis_cases(db: Path) -> list[Case]:
    """The analyses to time on the compiled database ``db``."""
    from .. import analysis
    from ..atlas import Atlas

    with Atlas(Path(), db) as atlas:  # the database exists: nothing to build, only its pair and synergies
        con = atlas.con
        curated = [r[0] for r in con.execute("SELECT id FROM synergies ORDER BY id").fetchall()]
        pair = atlas.compare_pair()
        sizes = dict(con.execute(
            "SELECT pm.place, count(DISTINCT a.id) FROM actors a JOIN place_municipalities pm "
            "ON pm.municipality = a.hq_municipality WHERE pm.place IN (?, ?) GROUP BY pm.place", list(pair)).fetchall())
    fill = {"a": pair[0], "b": pair[1], "synergy": curated[0] if curated else "chips.ai"}
    cases = [Case("profile (municipality)", "profile", {"level": "municipality"}),
             Case("profile (region)", "profile", {"level": "region"}),
             Case("relatedness", "relatedness")]
    for name in sorted(getattr(analysis, "__all__", [])):
        if name in _NOT_TIMED or name in ("profile", "relatedness"):
            continue
        fn = getattr(analysis, name, None)
        if not callable(fn) or inspect.isclass(fn):
            continue
        params = list(inspect.signature(fn).parameters.values())
        if not params or params[0].name != "engine":
            continue
        kwargs: dict[str, Any] = {}
        missing = []
        for p in params[1:]:
            if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                if p.name in _FILLABLE:
                    kwargs[p.name] = fill[p.name]
                else:
                    missing.append(p.name)
        note = f"needs {', '.join(missing)}" if missing else None
        cases.append(Case(name, name, kwargs, skip=note))
        if name == "introductions" and not missing:
            # suggestions for a whole region: the best 10 for every actor of the smaller region of the pair
            small, large = sorted((fill["a"], fill["b"]), key=lambda p: sizes.get(p, 0))
            cases.append(Case("introductions (10 per actor)", name,
                              {**kwargs, "a": small, "b": large, "per_actor": 10}))
    return cases


def synth_cache(actors: int, relations: int, seed: int, base: Path | None = None) -> Path:
    """The folder of the cached synthetic dataset for these parameters (made when missing)."""
    from platformdirs import user_cache_dir

    from .synth import synthesise

    root = base or Path(os.environ.get("STACKATLAS_CACHE") or user_cache_dir("stackatlas")) / "synth"
    folder = root / f"actors{actors}-relations{relations}-seed{seed}"
    marker = folder / ".complete"
    if not marker.is_file():
        synthesise(folder, actors=actors, relations=relations, seed=seed)
        marker.write_text(json.dumps({"actors": actors, "relations": relations, "seed": seed}))
    return folder


def _worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in this process (see the module docstring) and return its numbers."""
    from pathlib import Path as P

    data, db = P(spec["data"]), P(spec["db"])
    out: dict[str, Any] = {"times": [], "cpu": []}
    if spec["func"] == "build":
        from ..dataset.loader import content_hash, load_dataset
        from ..store import build

        for leftover in (db, P(str(db) + ".wal")):
            leftover.unlink(missing_ok=True)
        c0 = time.process_time()
        t0 = time.perf_counter()
        content_hash(data)
        t1 = time.perf_counter()
        ds = load_dataset(data)
        t2 = time.perf_counter()
        build(ds, db)
        t3 = time.perf_counter()
        ds.close()
        out["times"] = [t3 - t0]
        out["cpu"] = [time.process_time() - c0]
        out["parts"] = {"hash": t1 - t0, "validate": t2 - t1, "write": t3 - t2}
    else:
        import duckdb

        from .. import analysis

        con = duckdb.connect(str(db), read_only=True)
        engine = analysis.duckdb_engine(con)
        fn: Callable[..., Any] = getattr(analysis, spec["func"])
        for _ in range(int(spec["repeat"])):
            c0 = time.process_time()
            t0 = time.perf_counter()
            fn(engine, **spec["kwargs"])
            out["times"].append(time.perf_counter() - t0)
            out["cpu"].append(time.process_time() - c0)
        con.close()
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def _peak_rss_mb() -> float:
    """Peak resident memory of this process in MB: VmHWM of /proc (ru_maxrss would include the parent's
    memory at fork on Linux, which a freshly exec'd worker inherits)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def _spawn(spec: dict[str, Any], timeout: float, max_rss_mb: float) -> dict[str, Any]:
    """Run a worker; stop it when it runs longer than ``timeout`` or grows beyond ``max_rss_mb``."""
    import tempfile

    cmd = [sys.executable, "-m", "stackatlas.scale.bench", "--worker", json.dumps(spec)]
    with tempfile.TemporaryFile("w+") as fout, tempfile.TemporaryFile("w+") as ferr:
        proc = subprocess.Popen(cmd, stdout=fout, stderr=ferr, text=True)
        start = time.monotonic()
        killed = None
        while proc.poll() is None:
            if time.monotonic() - start > timeout:
                killed = f"stopped after {timeout:g} s"
            elif _rss_mb(proc.pid) > max_rss_mb:
                killed = f"stopped: memory above {max_rss_mb:g} MB"
            if killed:
                proc.kill()
                proc.wait()
                return {"error": killed}
            time.sleep(0.2)
        fout.seek(0)
        ferr.seek(0)
        stdout, stderr = fout.read(), ferr.read()
    if proc.returncode != 0:
        tail = (stderr or stdout).strip().splitlines()
        return {"error": tail[-1] if tail else f"exit code {proc.returncode}"}
    return dict(json.loads(stdout.strip().splitlines()[-1]))


def _summary(name: str, times: list[float], rss: float | None, cpu: list[float] | None = None,
             **extra: Any) -> dict[str, Any]:
    return {"case": name, "runs": len(times), "median_s": statistics.median(times) if times else None,
            "min_s": min(times) if times else None, "first_s": times[0] if times else None,
            "cpu_median_s": statistics.median(cpu) if cpu else None,
            "peak_rss_mb": rss, "times": times, **extra}


def run_bench(*, actors: int = 1_000_000, relations: int | None = None, seed: int = 0, repeat: int = 3,
              data: Path | None = None, work: Path | None = None, only: list[str] | None = None,
              timeout: float = 1800.0, max_rss_mb: float = 12_000.0, skip_build: bool = False,
              progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Synthesise (or reuse) a dataset, time a cold build and every analysis; return the report.

    ``data`` benchmarks an existing dataset instead of a synthetic one. ``only`` keeps the cases whose
    name contains one of its strings (``build`` is a case too). ``skip_build`` reuses the database of a
    previous run when there is one. A measurement that runs longer than ``timeout`` seconds or grows
    beyond ``max_rss_mb`` is stopped and reported as such.
    """
    say = progress or (lambda _msg: None)
    n_rel = 3 * actors if relations is None else relations
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()}}
    t0 = time.perf_counter()
    if data is None:
        say(f"synthesising {actors} actors and {n_rel} relations (cached after the first time)")
        data = synth_cache(actors, n_rel, seed)
        report["synth_s"] = time.perf_counter() - t0
    data = Path(data).resolve()
    work = Path(work) if work is not None else data.parent / f"{data.name}-bench"
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.duckdb"
    results: list[dict[str, Any]] = []

    def wanted(name: str) -> bool:
        return not only or any(o in name for o in only)

    if wanted("build") and not (skip_build and db.is_file()):
        times, cpu, rss, parts, errors = [], [], [], [], []
        for i in range(repeat):
            say(f"build {i + 1}/{repeat} (cold, in a new process)")
            r = _spawn({"func": "build", "data": str(data), "db": str(db)}, timeout, max_rss_mb)
            if "error" in r:
                errors.append(r["error"])
                break
            times.extend(r["times"])
            cpu.extend(r["cpu"])
            rss.append(r["peak_rss_mb"])
            parts.append(r["parts"])
        med = {k: statistics.median(p[k] for p in parts) for k in parts[0]} if parts else {}
        results.append(_summary("build (cold)", times, max(rss) if rss else None, cpu,
                                parts_median_s=med, note=errors[0] if errors else None))
    elif not db.is_file():
        r = _spawn({"func": "build", "data": str(data), "db": str(db)}, timeout, max_rss_mb)
        if "error" in r:
            raise RuntimeError(f"build failed: {r['error']}")
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        counts = {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0])
                  for t in ("actors", "relations", "actor_layers", "citations")}
    finally:
        con.close()
    report["dataset"] = {"data": str(data), "db": str(db), "db_mb": db.stat().st_size / 2**20, **counts}
    for case in analysis_cases(db):
        if not wanted(case.name):
            continue
        if case.skip:
            results.append(_summary(case.name, [], None, note=f"skipped: {case.skip}"))
            continue
        say(f"{case.name} x{repeat}")
        r = _spawn({"func": case.func, "kwargs": case.kwargs, "data": str(data), "db": str(db),
                    "repeat": repeat}, timeout, max_rss_mb)
        if "error" in r:
            results.append(_summary(case.name, [], None, note=f"error: {r['error']}"))
        else:
            results.append(_summary(case.name, r["times"], r["peak_rss_mb"], r["cpu"]))
    report["results"] = results
    report["machine"]["load_after"] = os.getloadavg()
    report["total_s"] = time.perf_counter() - t0
    return report


def result_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's results as table rows (seconds and MB rounded)."""
    def r(x: float | None, nd: int = 3) -> float | None:
        return None if x is None else round(x, nd)

    rows = []
    for x in report["results"]:
        parts = x.get("parts_median_s") or {}
        note = x.get("note") or ", ".join(f"{k} {v:.1f} s" for k, v in parts.items())
        rows.append({"case": x["case"], "runs": x["runs"], "median_s": r(x["median_s"]), "min_s": r(x["min_s"]),
                     "first_s": r(x["first_s"]), "cpu_median_s": r(x.get("cpu_median_s")),
                     "peak_rss_mb": r(x["peak_rss_mb"], 0), "note": note or ""})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stackatlas.scale.bench")
    parser.add_argument("--worker", help="internal: run one measurement described by this JSON")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(_worker(json.loads(args.worker))))
        return 0
    parser.error("use `stackatlas bench` (this entry point only runs workers)")
    return 2


if __name__ == "__main__":
    sys.exit(main())
