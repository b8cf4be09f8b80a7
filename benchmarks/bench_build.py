"""Benchmark the build and the analyses at scale on a synthetic dataset (the same as ``stackatlas bench``).

The synthetic dataset (``stackatlas.scale.synth``: Dutch municipalities with Zipf-distributed sizes, 1-3 layers
per actor with regional tendencies, power-law tie degrees) is written once per size and seed into the
cache folder and reused. A cold build (no database yet) runs ``--repeat`` times, each in a new process;
each analysis runs ``--repeat`` times in one process. The script prints the median and minimum wall time
and the peak resident memory of each, and the machine's load average (other work slows every number).

Targets for 1,000,000 actors and 3,000,000 relations on a 2-core machine: build <= 60 s, profile +
relatedness <= 3 s, peak memory <= 4 GB.

    .venv/bin/python benchmarks/bench_build.py [--actors 1000000] [--relations 3000000] [--repeat 3]
        [--only build --only profile --only relatedness] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

try:
    from stackatlas.scale.bench import result_rows, run_bench
except ImportError:  # running from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from stackatlas.scale.bench import result_rows, run_bench


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--actors", type=int, default=1_000_000)
    p.add_argument("--relations", type=int, default=None)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", action="append", default=None)
    p.add_argument("--timeout", type=float, default=1800.0)
    p.add_argument("--json", action="store_true", help="print the whole report as JSON")
    a = p.parse_args()
    report = run_bench(actors=a.actors, relations=a.relations, seed=a.seed, repeat=a.repeat, only=a.only,
                       timeout=a.timeout, progress=lambda m: print(m, file=sys.stderr, flush=True))
    if a.json:
        print(json.dumps(report, indent=2))
        return 0
    ds, mach = report["dataset"], report["machine"]
    print(f"{ds['actors']:,} actors, {ds['relations']:,} relations, database {ds['db_mb']:.0f} MB; "
          f"{mach['cpus']} CPUs, load {mach['load_before'][0]:.1f} -> {mach['load_after'][0]:.1f}")
    print(f"{'case':<26}{'runs':>5}{'median s':>10}{'min s':>9}{'cpu s':>8}{'peak MB':>9}  note")
    for r in result_rows(report):
        med = "" if r["median_s"] is None else f"{r['median_s']:.3f}"
        low = "" if r["min_s"] is None else f"{r['min_s']:.3f}"
        cpu = "" if r["cpu_median_s"] is None else f"{r['cpu_median_s']:.2f}"
        rss = "" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:.0f}"
        print(f"{r['case']:<26}{r['runs']:>5}{med:>10}{low:>9}{cpu:>8}{rss:>9}  {r['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
