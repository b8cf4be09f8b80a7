"""The Parquet exchange (`export parquet`) and the analyses on it: DuckDB reads the same tables and the
analysis commands print what they print on the database. Spark on the same files: tests/test_spark_cluster.py."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

import stackatlas
from stackatlas.atlas import Atlas, records
from stackatlas.cli import main
from stackatlas.engine import parquet_engine
from stackatlas.errors import AnalysisError, StackAtlasError
from stackatlas.parquet import MANIFEST, export_parquet
from stackatlas.store import SCHEMA

FIX = str(stackatlas.fixture_path())


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The fixture's database and its Parquet export (written by the command)."""
    tmp = tmp_path_factory.mktemp("pq")
    db, out = tmp / "f.duckdb", tmp / "tables"
    assert main(["--data", FIX, "--db", str(db), "export", "parquet", "-o", str(out)]) == 0
    return db, out


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_every_table_in_its_folder_with_the_database_columns(exported: tuple[Path, Path]) -> None:
    db, out = exported
    con = duckdb.connect(str(db), read_only=True)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["format"] == "stackatlas-parquet" and manifest["dataset"] == "corridor-fixture"
    for table, cols in SCHEMA.items():
        pf = pq.ParquetFile(out / table / "part-0.parquet")
        assert pf.schema_arrow.names == [c for c, _ in cols], table
        n = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        assert pf.metadata.num_rows == manifest["tables"][table] == (n[0] if n else None), table
    # types as docs/database.md says: INTEGER -> int32, DATE -> date32, DOUBLE -> double
    schema = pq.ParquetFile(out / "relations" / "part-0.parquet").schema_arrow
    assert str(schema.field("date_start").type) == "date32[day]"
    assert str(schema.field("amount_value").type) == "double"
    assert str(pq.ParquetFile(out / "layers" / "part-0.parquet").schema_arrow.field("position").type) == "int32"


def test_export_replaces_an_export_but_not_another_folder(atlas: Atlas, tmp_path: Path) -> None:
    out = tmp_path / "x"
    export_parquet(atlas.con, out)
    (out / "stale.txt").write_text("from before", encoding="utf-8")
    export_parquet(atlas.con, out)
    assert not (out / "stale.txt").exists() and (out / MANIFEST).is_file()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(StackAtlasError, match="not a stackatlas Parquet export"):
        export_parquet(atlas.con, other)
    assert (other / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "x"]  # no temporary folder left


def test_a_failed_export_leaves_the_previous_one(atlas: Atlas, tmp_path: Path) -> None:
    out = tmp_path / "x"
    first = export_parquet(atlas.con, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    class Failing:
        def __init__(self) -> None:
            self.calls = 0

        def execute(self, sql: str, *args: object) -> object:
            self.calls += 1
            if self.calls > 5:
                raise duckdb.IOException("disk full")
            return atlas.con.execute(sql, *args)

    with pytest.raises(duckdb.IOException):
        export_parquet(Failing(), out)  # type: ignore[arg-type]
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert first.rows and sorted(p.name for p in tmp_path.iterdir()) == ["x"]


def test_a_missing_table_is_named(atlas: Atlas, tmp_path: Path) -> None:
    out = tmp_path / "x"
    export_parquet(atlas.con, out)
    for f in (out / "actor_places").iterdir():
        f.unlink()
    (out / "actor_places").rmdir()
    with pytest.raises(AnalysisError, match="actor_places"):
        parquet_engine(out)


def test_catalog_equals_the_atlas(atlas: Atlas, exported: tuple[Path, Path]) -> None:
    from stackatlas.analysis.catalog import compare_pair, curated_synergies

    eng = parquet_engine(exported[1])
    assert records(curated_synergies(eng)) == records(atlas.synergies())
    assert compare_pair(eng) == atlas.compare_pair()
    assert compare_pair(eng, "amsterdam", "eindhoven") == atlas.compare_pair("amsterdam", "eindhoven")
    with pytest.raises(stackatlas.NotFound):
        compare_pair(eng, "atlantis")


ANALYSES = [
    ["profile", "--level", "region"],
    ["profile", "--level", "municipality", "--by", "domain", "--fractional"],
    ["relatedness", "--method", "cosine", "--with-relations"],
    ["integration"],
    ["integration", "--foundries", "--min-coverage", "2"],
    ["integration", "--flow"],
    ["sovereignty"],
    ["bridges", "--between", "mra", "--and", "brainport"],
    ["synergies", "--bootstrap", "10"],
    ["evaluate", "synergies"],
    ["match", "--synergy", "C"],
    ["guests", "--synergy", "chips.ai", "--size", "5"],
]


@pytest.mark.slow  # about 21 s or more: `make test` runs it, `make test-fast` does not
@pytest.mark.parametrize("args", ANALYSES, ids=lambda a: " ".join(a))
def test_commands_on_parquet_print_what_they_print_on_the_database(
        capsys: pytest.CaptureFixture[str], exported: tuple[Path, Path], args: list[str]) -> None:
    db, out = exported
    assert main(["--data", FIX, "--db", str(db), *args, "-f", "json"]) == 0
    on_db = capsys.readouterr().out
    assert main(["--parquet", str(out), *args, "-f", "json"]) == 0
    assert capsys.readouterr().out == on_db


@pytest.mark.parametrize(("args", "message"), [
    (["--spark-master", "local[1]", "profile"], "--spark-master needs --engine spark"),
    (["--engine", "duckdb", "--spark-conf", "a=b", "profile"], "--spark-conf needs --engine spark"),
    (["--engine", "spark", "--spark-conf", "nokey", "profile"], "KEY=VALUE"),
    (["--engine", "spark", "--spark-remote", "sc://h:1", "--spark-master", "local", "profile"], "not both"),
    (["--engine", "bigquery", "profile"], "bigquery"),
])
def test_bad_engine_options_are_usage_errors(capsys: pytest.CaptureFixture[str], args: list[str],
                                             message: str) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_what_needs_the_database_says_so(capsys: pytest.CaptureFixture[str], exported: tuple[Path, Path],
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["--parquet", str(exported[1]), "stats"]) == 1
    assert "--parquet feeds only the analysis commands" in " ".join(capsys.readouterr().err.split())
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: x\n", encoding="utf-8")
    monkeypatch.setenv("STACKATLAS_ENGINE", "spark")
    assert main(["--data", FIX, "--db", str(exported[0]), "scenario", str(scenario)]) == 1
    assert "runs on the DuckDB database only" in " ".join(capsys.readouterr().err.split())
