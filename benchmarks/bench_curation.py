"""Time the team-curation pipeline on a copy of a dataset: ``init``, proposing (model check + validation of the
whole dataset with the change in a staging copy) and approving (plan, validate again, journal, write, git
commit, rebuild of the database), for a new actor with a new source and for a change of that actor.

Each step runs once per repetition on a fresh copy; the script prints the median and minimum wall time of
each and the load average (the machine's other work slows every number).

    .venv/bin/python benchmarks/bench_curation.py [--from corridor|fixture|PATH] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

try:
    from stackatlas.curation import Accounts, Proposals, approve, init_dataset
except ImportError:  # running from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from stackatlas.curation import Accounts, Proposals, approve, init_dataset
from stackatlas.store import ensure_db

RECORD = {"id": "bench-lab", "name": "Bench Lab", "kind": "company", "hq": "amsterdam",
          "layers": [{"layer": "ai", "role": "core"}]}
SOURCE = {"url": "https://example.org/bench", "title": "Bench Lab opens", "publisher": "Example",
          "date": "2025-01-01", "locator": "p. 1"}


def once(origin: str) -> dict[str, float]:
    """One run of every step on a fresh copy of ``origin``; seconds per step."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-curation-"))
    times: dict[str, float] = {}

    def timed(name: str, fn, *a, **kw):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        out = fn(*a, **kw)
        times[name] = time.perf_counter() - t
        return out

    try:
        root = timed("init", init_dataset, target=tmp / "data", origin=origin)
        acc = Accounts(root)
        ed = acc.add(name="ed", role="editor", password="bench-pass-1")
        mo = acc.add(name="mo", role="maintainer", password="bench-pass-2")
        db = tmp / "data.duckdb"
        timed("build", ensure_db, root, db)
        p = timed("propose create", Proposals(root).submit, author=ed, kind="actor", op="create", record=RECORD,
                  sources=[SOURCE])
        timed("approve create", approve, root=root, proposal_id=p.id, maintainer=mo, db=db)
        rec = {**RECORD, "name": "Bench Lab B.V.", "sources": [{"source": p.new_sources[0]["id"], "locator": "p. 1"}]}
        q = timed("propose update", Proposals(root).submit, author=ed, kind="actor", op="update", record=rec,
                  sources=[{"source": p.new_sources[0]["id"], "locator": "p. 2"}])
        timed("approve update", approve, root=root, proposal_id=q.id, maintainer=mo, db=db)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="origin", default="corridor")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("STACKATLAS_CACHE", tempfile.mkdtemp(prefix="bench-curation-cache-"))
    runs = [once(args.origin) for _ in range(args.repeat)]
    print(f"curation pipeline on {args.origin}, {args.repeat} run(s); load average {os.getloadavg()}")
    for step in runs[0]:
        xs = [r[step] for r in runs]
        print(f"  {step:<16} median {statistics.median(xs):6.2f} s   min {min(xs):6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
