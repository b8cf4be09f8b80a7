"""DuckDB and Spark on the same data: the analysis commands timed end to end, with the peak memory of every
process they start (the Python process and, for Spark, its JVM).

For each dataset size the script writes a synthetic dataset (``stackatlas synth``), builds the DuckDB database
(timed: ``build``), writes the Parquet exchange (timed: ``export parquet``), then runs each command
(``--command``, repeatable; default: profile at region level, sovereignty, integration --flow) three ways,
each a fresh ``stackatlas`` process (with ``--parquet-only`` the tables come straight from ``synth --parquet``,
timed as ``synth_parquet``, and only the two ways on Parquet run):

* ``duckdb``: on the database (``--db``);
* ``duckdb-parquet``: DuckDB on the Parquet tables (``--parquet``);
* ``spark``: Spark in local mode on the Parquet tables (``--engine spark --parquet``; ``--spark-conf`` settings
  such as the driver memory are passed on).

Wall time includes starting the process (for Spark also the JVM and the session, some 15-20 s on a 2-core
machine; for ``spark`` the Parquet footers are read once per table). Peak memory is the largest sum of resident memory over the process tree, sampled every 0.2 s.
The load average is printed next to the figures: on a shared 2-core machine other work slows everything.

    nice .venv/bin/python benchmarks/bench_spark.py --actors 1000000 --work /tmp/bench-spark \\
        --spark-conf spark.driver.memory=6g
    nice .venv/bin/python benchmarks/bench_spark.py --actors 5000000 --parquet-only --work /tmp/bench-spark \\
        --spark-conf spark.driver.memory=8g
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def run(argv: list[str], log: Path) -> dict[str, float | int]:
    """Run ``argv``; wall seconds, peak tree RSS (MB) and exit code."""
    t0 = time.perf_counter()
    with log.open("ab") as fh:
        fh.write(("\n$ " + " ".join(argv) + "\n").encode())
        fh.flush()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=fh)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, _rss_mb(_tree(proc.pid)))
            time.sleep(0.2)
    return {"seconds": round(time.perf_counter() - t0, 1), "peak_mb": round(peak), "exit": proc.returncode}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--actors", type=int, action="append", required=True)
    p.add_argument("--work", type=Path, required=True, help="folder for the datasets, databases and Parquet")
    p.add_argument("--command", action="append", default=None, help='e.g. "profile --level region"')
    p.add_argument("--spark-conf", action="append", default=[])
    p.add_argument("--skip", action="append", default=[], help="duckdb, duckdb-parquet or spark")
    p.add_argument("--parquet-only", action="store_true",
                   help="write the Parquet tables straight from synth (`synth --parquet`: no CSV, no database) "
                        "and run duckdb-parquet and spark only")
    a = p.parse_args()
    sa = [sys.executable, "-m", "stackatlas"]
    commands = [c.split() for c in (a.command or ["profile --level region", "sovereignty", "integration --flow"])]
    conf = [x for c in a.spark_conf for x in ("--spark-conf", c)]
    a.work.mkdir(parents=True, exist_ok=True)
    log = a.work / "bench-spark.log"
    results = []
    for n in a.actors:
        data, db, pq = a.work / f"synth-{n}", a.work / f"synth-{n}.duckdb", a.work / f"synth-{n}-parquet"
        row: dict[str, object] = {"actors": n, "load_before": os.getloadavg()[0]}
        if a.parquet_only:
            pq = a.work / f"synth-{n}-direct-parquet"
            if not (pq / "_stackatlas.json").is_file():
                row["synth_parquet"] = run([*sa, "synth", "--parquet", "-o", str(pq), "--actors", str(n)], log)
            row["parquet_mb"] = round(sum(f.stat().st_size for f in pq.rglob("*") if f.is_file()) / 1e6)
        elif not (data / "dataset.yaml").is_file():
            row["synth"] = run([*sa, "synth", "-o", str(data), "--actors", str(n)], log)
        if not a.parquet_only:
            if not db.is_file():
                row["build"] = run([*sa, "--data", str(data), "--db", str(db), "build"], log)
            row["export_parquet"] = run([*sa, "--data", str(data), "--db", str(db), "export", "parquet", "-o",
                                         str(pq)], log)
            row["parquet_mb"] = round(sum(f.stat().st_size for f in pq.rglob("*") if f.is_file()) / 1e6)
            row["db_mb"] = round(db.stat().st_size / 1e6)
        for cmd in commands:
            ways = {"duckdb": [*sa, "--data", str(data), "--db", str(db), *cmd, "-f", "csv"],
                    "duckdb-parquet": [*sa, "--parquet", str(pq), *cmd, "-f", "csv"],
                    "spark": [*sa, "--engine", "spark", "--parquet", str(pq), *conf, *cmd, "-f", "csv"]}
            for way, argv in ways.items():
                if way not in a.skip and not (a.parquet_only and way == "duckdb"):
                    row[f"{' '.join(cmd)} [{way}]"] = run(argv, log)
                    print(json.dumps({"actors": n, "case": f"{' '.join(cmd)} [{way}]",
                                      **row[f"{' '.join(cmd)} [{way}]"]}), flush=True)  # type: ignore[dict-item]
        row["load_after"] = os.getloadavg()[0]
        results.append(row)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
