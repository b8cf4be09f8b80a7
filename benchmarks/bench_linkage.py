"""Entity resolution, old (rapidfuzz names + keys) against new (Splink): precision, recall and time.

    .venv/bin/python benchmarks/bench_linkage.py                    # the two labelled sets
    .venv/bin/python benchmarks/bench_linkage.py --scale 100000     # + link 100,000 x 100,000 with Splink

Labelled sets (both link a source against the curated corridor, `link_only`):

A. **The examples** (`examples/import/crunchbase`, `examples/import/dealroom`), imported with their mappings,
   linked against the bundled corridor and against each other. Labelled by hand (:data:`LABELS`): for every
   example row, the corridor actor that is the same organisation by name, website, city and description,
   or none. Renamed companies count as the same (Takeaway.com is now Just Eat Takeaway.com; Priceline is
   Booking Holdings' former name, an alias in the corridor), an acquired one does not (Just Eat, Hermes
   Microvision). 16 true pairs.
B. **Perturbed corridor**: every corridor actor rewritten once (seeded): a legal form added or removed,
   a typo in a long word, the case changed, the website dropped half of the time, the head office dropped
   30 % of the time; plus as many distractors that mix the words of two actors' names ("ASML Photonics",
   skipped when such a name exists). Labelled by construction: a variant is its actor, a distractor
   nothing.

Precision = true pairs proposed / pairs proposed, recall = true pairs proposed / true pairs. The old
method runs at its default (`--threshold 90`), Splink at its default (match probability 0.5).
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from stackatlas.dataset.loader import bundled_path  # noqa: E402
from stackatlas.importers.dedupe import candidates, splink_candidates  # noqa: E402
from stackatlas.importers.records import read_kind  # noqa: E402
from stackatlas.importers.tabular import import_table  # noqa: E402

#: Hand labels of set A: example actor id -> corridor actor id (absent: no corridor actor is the same).
LABELS = {
    "cb-asml": "asml", "cb-adyen": "adyen", "cb-booking-com": "booking-com", "cb-tomtom": "tomtom",
    "cb-nxp-semiconductors": "nxp", "cb-philips": "philips", "cb-takeaway-com": "just-eat-takeaway", "cb-mistral-ai": "mistral-ai",
    "cb-prosus": "prosus", "cb-priceline-com": "booking-holdings",
    "effect-photonics": "effect-photonics", "smart-photonics": "smart-photonics", "nexperia": "nexperia",
    "axelera-ai": "axelera-ai", "adyen": "adyen",
}
#: ... and between the two example exports: (Crunchbase id, Dealroom id).
CROSS = {("cb-adyen", "adyen")}

LEGAL = ["B.V.", "N.V.", "Holding", "Inc.", "Ltd", "GmbH", "Group"]


def actors(root: Path) -> list[dict[str, Any]]:
    return [r for f in read_kind(root, "actors") for r in f.records]


def import_examples(tmp: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    ex = ROOT / "examples" / "import"
    out = []
    for name, files in (("crunchbase", ["organisations.csv"]), ("dealroom", ["companies.csv"])):
        into = tmp / name
        for f in files:
            import_table(ex / name / f, ex / name / "mapping.yaml", into, date="2026-01-15")
        out.append(actors(into))
    return out[0], out[1]


def score(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float, int, int]:
    tp = len(found & truth)
    return (tp / len(found) if found else 1.0, tp / len(truth) if truth else 1.0, tp, len(found))


def pairs(method: str, left: list[dict[str, Any]], right: list[dict[str, Any]]) -> set[tuple[str, str]]:
    run = candidates(left, right, threshold=90.0) if method == "rapidfuzz" else splink_candidates(left, right)
    return {(left[i]["id"], right[j]["id"]) for i, j, _, _ in run}


def perturbed(corridor: list[dict[str, Any]], seed: int) -> tuple[list[dict[str, Any]], set[tuple[str, str]]]:
    rng = np.random.default_rng(seed)
    names = {r["name"].lower() for r in corridor}
    out, truth = [], set()
    for k, r in enumerate(corridor):
        name = r["name"]
        op = rng.integers(4)
        if op == 0:
            name = f"{name} {LEGAL[rng.integers(len(LEGAL))]}"
        elif op == 1:
            name = re.sub(r"\s*\b(B\.?V\.?|N\.?V\.?|Holding|Group)\b\.?", "", name).strip() or name
        elif op == 2:
            words = name.split()
            long = [i for i, w in enumerate(words) if len(w) >= 5]
            if long:
                i = long[rng.integers(len(long))]
                w = words[i]
                j = int(rng.integers(1, len(w) - 2))
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
                name = " ".join(words)
        else:
            name = name.upper()
        rec = {"id": f"v{k}", "name": name, "hq": r.get("hq") if rng.random() > 0.3 else None,
               "website": r.get("website") if rng.random() > 0.5 else None}
        out.append(rec)
        truth.add((r["id"], rec["id"]))
    for k in range(len(corridor)):
        a, b = corridor[rng.integers(len(corridor))], corridor[rng.integers(len(corridor))]
        wa, wb = a["name"].split(), b["name"].split()
        if len(wb) < 2 or a is b:
            continue
        name = f"{wa[0]} {' '.join(wb[1:])}"
        if name.lower() in names:
            continue
        out.append({"id": f"d{k}", "name": name, "hq": b.get("hq") if rng.random() > 0.5 else None})
    return out, truth


def evaluate(seed: int) -> None:
    corridor = actors(bundled_path())
    with tempfile.TemporaryDirectory() as tmp:
        cb, dr = import_examples(Path(tmp))
    truth_a = {(v, k) for k, v in LABELS.items()}
    sets = {"A: examples x corridor": (corridor, cb + dr, truth_a),
            "A: crunchbase x dealroom": (cb, dr, CROSS)}
    pert, truth_b = perturbed(corridor, seed)
    sets["B: perturbed x corridor"] = (corridor, pert, truth_b)
    print(f"{'set':28} {'method':10} {'precision':>9} {'recall':>7} {'found':>6} {'true':>5} {'seconds':>8}")
    for label, (left, right, truth) in sets.items():
        for method in ("rapidfuzz", "splink"):
            t0 = time.perf_counter()
            found = pairs(method, left, right)
            dt = time.perf_counter() - t0
            p, r, _, n = score(found, truth)
            print(f"{label:28} {method:10} {p:9.3f} {r:7.3f} {n:6d} {len(truth):5d} {dt:8.1f}")
            if method == "splink" and label.startswith("A: examples"):
                for miss in sorted(truth - found):
                    print(f"    missed: {miss}")
                for extra in sorted(found - truth):
                    print(f"    wrong:  {extra}")


_SYL = ["al", "be", "co", "da", "el", "fi", "go", "ha", "in", "jo", "ka", "lu", "mo", "ne", "or", "pi", "qu",
        "ro", "sa", "te", "ul", "vi", "wa", "xe", "yo", "zu", "tech", "soft", "data", "net", "bio", "gen", "tron"]
_WORDS = ["Systems", "Labs", "Technologies", "Solutions", "Robotics", "Photonics", "Cloud", "Networks", "AI",
          "Analytics", "Health", "Energy", "Mobility", "Semiconductors", "Software", "Capital"]


def synthetic(n: int, seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``n`` made-up organisations and ``n`` records of a second source, half of them the same
    organisations written differently (seeded)."""
    rng = np.random.default_rng(seed)
    syl = np.array(_SYL)
    k = rng.integers(2, 4, size=n)
    parts = syl[rng.integers(len(syl), size=(n, 3))]
    stems = ["".join(parts[i, : k[i]]).capitalize() for i in range(n)]
    words = np.array(_WORDS)[rng.integers(len(_WORDS), size=n)]
    cities = rng.integers(2000, size=n)
    left = [{"id": f"l{i}", "name": f"{stems[i]} {words[i]}", "hq": f"c{cities[i]}",
             "website": f"https://{stems[i].lower()}{i}.com" if i % 3 else None} for i in range(n)]
    right = []
    for i in range(n):
        if i % 2 == 0:
            nm = left[i]["name"] + (" B.V." if i % 4 == 0 else "")
            right.append({"id": f"r{i}", "name": nm.upper() if i % 8 == 2 else nm, "hq": left[i]["hq"],
                          "website": left[i]["website"] if i % 6 == 0 else None})
        else:
            j = int(rng.integers(n))
            right.append({"id": f"r{i}", "name": f"{stems[j]}{_SYL[i % len(_SYL)]} {_WORDS[i % len(_WORDS)]}",
                          "hq": f"c{rng.integers(2000)}"})
    return left, right


def scale(n: int, seed: int) -> None:
    left, right = synthetic(n, seed)
    t0 = time.perf_counter()
    found = splink_candidates(left, right)
    dt = time.perf_counter() - t0
    truth = {(f"l{i}", f"r{i}") for i in range(0, n, 2)}
    got = {(left[i]["id"], right[j]["id"]) for i, j, _, _ in found}
    p, r, _, m = score(got, truth)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Splink link {n:,} x {n:,}: {dt:.1f} s, {m:,} pairs, precision {p:.3f}, recall {r:.3f} "
          f"(synthetic, half of the second source the same organisations), peak RSS {rss:.0f} MB")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scale", type=int, default=0, help="Also link N x N synthetic organisations with Splink.")
    ap.add_argument("--no-eval", action="store_true", help="Skip the labelled sets.")
    args = ap.parse_args()
    if not args.no_eval:
        evaluate(args.seed)
    if args.scale:
        scale(args.scale, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
