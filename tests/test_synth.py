"""The synthetic dataset: valid, deterministic per seed, realistic enough for the analyses; and the bench.

Timings are never asserted here (they depend on the machine); benchmarks/bench_build.py and
``stackatlas bench`` measure them.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import duckdb
import pytest

import stackatlas
from stackatlas.analysis import duckdb_engine, profile, relatedness
from stackatlas.cli import main
from stackatlas.dataset.loader import load_dataset
from stackatlas.parquet import MANIFEST, export_parquet
from stackatlas.scale.bench import analysis_cases, result_rows, run_bench
from stackatlas.scale.synth import SOURCE_ID, synthesise, synthesise_parquet
from stackatlas.store import SCHEMA

N = 2000


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthesise(tmp_path_factory.mktemp("synth") / "ds", actors=N, seed=7)


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_synthetic_dataset_validates(synth_dir: Path) -> None:
    ds = load_dataset(synth_dir)
    try:
        assert ds.count("actors") == N
        assert ds.count("relations") == 3 * N
        assert ds.count("indicators") > 0
        assert len(ds.municipalities) >= 342
        assert any(s.id == SOURCE_ID and s.type == "dataset" for s in ds.sources)
    finally:
        ds.close()


def test_every_row_cites_the_synthetic_source(synth_dir: Path) -> None:
    for table in ("actors", "relations", "indicators"):
        with (synth_dir / table / "synthetic.csv").open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert rows
        assert all(r["sources"] == f"{SOURCE_ID}@synthetic row {i}" for i, r in enumerate(rows, 1))


def test_same_seed_same_files(synth_dir: Path, tmp_path: Path) -> None:
    again = synthesise(tmp_path / "again", actors=N, seed=7)
    assert digests(again) == digests(synth_dir)
    other = synthesise(tmp_path / "other", actors=N, seed=8)
    assert digests(other)["actors/synthetic.csv"] != digests(synth_dir)["actors/synthetic.csv"]


def test_parents_come_first_so_control_is_a_forest(synth_dir: Path) -> None:
    with (synth_dir / "actors" / "synthetic.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    order = {r["id"]: i for i, r in enumerate(rows)}
    parents = [(order[r["parent"]], i) for i, r in enumerate(rows) if r["parent"]]
    assert parents and all(p < c for p, c in parents)


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_builds_and_the_analyses_run(synth_dir: Path, tmp_path: Path) -> None:
    atlas = stackatlas.open(data=synth_dir, db=tmp_path / "synth.duckdb")
    try:
        assert atlas.stats()["facts_without_source"] == 0
        engine = duckdb_engine(atlas.con)
        regions = profile(engine, level="region")
        lq = regions.set_index(["place", "layer"])["lq"]
        # the region tendencies show: Brainport leans to chips, the MRA to AI and applications
        assert lq[("brainport", "chips")] > 1.5 > lq[("mra", "chips")]
        assert lq[("mra", "ai")] > lq[("brainport", "ai")]
        munis = profile(engine, level="municipality")
        assert munis["place"].nunique() > 50  # Zipf: many municipalities, a few large ones
        rel = relatedness(engine)
        assert len(rel) == 7 * 6
        pair = rel[(rel.layer_a == "chips") & (rel.layer_b == "devices")].iloc[0]
        assert pair["value"] > 1  # chips and devices go together more than expected
    finally:
        atlas.close()


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_synth_cli_writes_a_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    assert main(["synth", "--actors", "300", "--seed", "1", "-o", str(out)]) == 0
    assert "300 actors, 900 relations" in capsys.readouterr().out
    assert main(["validate", str(out)]) == 0


@pytest.mark.slow  # several seconds: `make test` runs it, `make test-fast` does not
def test_bench_reports_every_case(tmp_path: Path) -> None:
    report = run_bench(actors=300, repeat=1, only=["build", "profile", "relatedness"], timeout=600)
    cases = {r["case"]: r for r in report["results"]}
    assert set(cases) == {"build (cold)", "profile (municipality)", "profile (region)", "relatedness"}
    for r in cases.values():
        assert r["runs"] == 1 and r["median_s"] is not None and r["peak_rss_mb"] > 0, r
    assert set(cases["build (cold)"]["parts_median_s"]) == {"hash", "validate", "write"}
    assert report["dataset"]["actors"] == 300
    rows = result_rows(report)
    assert {"case", "median_s", "min_s", "peak_rss_mb"} <= set(rows[0])
    cases_db = {c.name: c for c in analysis_cases(Path(report["dataset"]["db"]))}
    assert {"profile (municipality)", "profile (region)", "relatedness", "integration", "bridges",
            "discover", "introductions"} <= set(cases_db)
    per_actor = cases_db["introductions (10 per actor)"].kwargs
    assert per_actor["per_actor"] == 10 and {per_actor["a"], per_actor["b"]} == {"mra", "brainport"}


def _tables(folder: Path, table: str, columns: list[str]) -> list[tuple[object, ...]]:
    con = duckdb.connect()
    try:
        sel = ", ".join(f'"{c}"' for c in columns)
        return con.execute(f"SELECT {sel} FROM read_parquet('{folder}/{table}/*.parquet') ORDER BY ALL").fetchall()
    finally:
        con.close()


@pytest.mark.slow  # two datasets built and exported: several seconds
def test_parquet_straight_from_synth_holds_the_tables_of_synth_build_and_export(tmp_path: Path) -> None:
    data = synthesise(tmp_path / "csv", actors=N, seed=11)
    atlas = stackatlas.open(data=data, db=tmp_path / "csv.duckdb")
    via_csv = export_parquet(atlas.con, tmp_path / "via-csv")
    direct = synthesise_parquet(tmp_path / "direct", actors=N, seed=11, memory_limit="256MB")  # bounded: same rows
    assert direct.rows == via_csv.rows
    assert direct.rows["actors"] == N and direct.rows["relations"] == 3 * N
    for table, cols in SCHEMA.items():
        names = [c for c, _ in cols if (table, c) != ("actors", "defined_at")]
        if table == "meta":
            continue
        assert _tables(direct.path, table, names) == _tables(via_csv.path, table, names), table
    meta = dict(_tables(direct.path, "meta", ["key", "value"]))
    csv_meta = dict(_tables(via_csv.path, "meta", ["key", "value"]))
    assert {k for k in meta if meta[k] != csv_meta[k]} == {"content_hash", "data"}
    assert meta["data"] == str(direct.path)
    defined = {d for (d,) in _tables(direct.path, "actors", ["defined_at"])}
    assert defined == {f"synth:actors:{i}" for i in range(2, N + 2)}  # the row, counted as a CSV line
    other = synthesise_parquet(tmp_path / "other", actors=N, seed=12)
    assert dict(_tables(other.path, "meta", ["key", "value"]))["content_hash"] != meta["content_hash"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".synth")]  # the staging folder is gone


def test_synth_cli_writes_parquet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pq"
    assert main(["synth", "--actors", "200", "--seed", "1", "--parquet", "-o", str(out)]) == 0
    assert "Parquet tables of 200 actors" in capsys.readouterr().out
    assert json.loads((out / MANIFEST).read_text())["tables"]["actors"] == 200
    assert main(["--parquet", str(out), "profile", "--level", "region", "-f", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["place"] for r in rows} >= {"mra", "brainport"}
    assert main(["synth", "--actors", "200", "--memory-limit", "1GB", "-o", str(tmp_path / "csv")]) == 2
    assert "--memory-limit goes with --parquet" in capsys.readouterr().err.replace("\n", " ")
