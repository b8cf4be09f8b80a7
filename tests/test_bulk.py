"""CSV tables (actors, relations, indicators): the same records as YAML, checked set-wise in DuckDB.

Every kind of problem is reported at path:line:column (line of the row, header = line 1; column = the
1-based position of the field), YAML and CSV records resolve against each other, and a failed build
keeps the previous database.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from stackatlas import store
from stackatlas.cli import main
from stackatlas.dataset.bulk import COLUMNS, PROBLEMS_PER_CHECK
from stackatlas.dataset.loader import content_hash, dataset_files, load_dataset
from stackatlas.errors import InvalidData, Problem

ACTORS = """\
id,name,kind,hq,layers,domains,control_country,parent,founded,website,sources
nexa-labs,Nexa Labs,startup,amsterdam,ai/applied-ai;applications/fintech:secondary,finance;media,NL,adyen,2019-05,https://nexa.example,tech-corridor-2026@H.3 Amsterdam\\; fn 1
chipco,"Chipco, B.V.",company,eindhoven,chips/design,manufacturing,US,,2001,,tech-corridor-2026@H.3 Brainport
"""
RELATIONS = """\
id,type,from,to,date,amount_value,amount_currency,stake_pct,sources,confidence
asml-invests-nexa,investment,asml,nexa-labs,2024-03,5000000,EUR,12.5,tech-corridor-2026@H.5,medium
chipco-supplies-asml,supply,chipco,asml,2020,,,,tech-corridor-2026@H.5;dealroom-brainport-eindhoven@sectors,
"""
INDICATORS = """\
id,subject,metric,value,unit,date,sources
nexa-employees,nexa-labs,employees,42,people,2025,tech-corridor-2026@own count
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def mixed(fixture_dir: Path) -> Path:
    """The fixture dataset plus CSV tables that refer to YAML records and are referred to by YAML."""
    write(fixture_dir / "actors" / "extra.csv", ACTORS)
    write(fixture_dir / "relations.csv", RELATIONS)
    write(fixture_dir / "indicators" / "extra.csv", INDICATORS)
    with (fixture_dir / "relations.yaml").open("a", encoding="utf-8") as fh:  # YAML -> CSV actor
        fh.write("- id: nexa-partners-chipco\n  type: partnership\n  from: nexa-labs\n  to: chipco\n"
                 "  sources: [{source: tech-corridor-2026, locator: H.5}]\n")
    with (fixture_dir / "indicators.yaml").open("a", encoding="utf-8") as fh:
        fh.write("- id: chipco-revenue\n  subject: chipco\n  metric: revenue\n  value: 3\n  unit: eur\n"
                 "  sources: [{source: tech-corridor-2026, locator: H.5}]\n")
    return fixture_dir


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(InvalidData) as exc:
        load_dataset(folder)
    return exc.value.errors


def in_file(probs: list[Problem], path: Path) -> list[Problem]:
    return [p for p in probs if p.path == str(path)]


# --- a valid mixed dataset -------------------------------------------------------------------------------


def test_mixed_dataset_loads_and_counts_both_forms(mixed: Path) -> None:
    ds = load_dataset(mixed)
    try:
        assert ds.bulk is not None
        assert ds.count("actors") == len(ds.actors) + 2
        assert ds.count("relations") == len(ds.relations) + 2
        assert ds.count("indicators") == len(ds.indicators) + 1
    finally:
        ds.close()


def test_yaml_only_dataset_has_no_bulk_tables(fixture_dir: Path) -> None:
    ds = load_dataset(fixture_dir)
    assert ds.bulk is None
    assert ds.count("actors") == len(ds.actors)


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_mixed_dataset_builds_with_resolved_columns(mixed: Path, tmp_path: Path) -> None:
    db = store.ensure_db(mixed, tmp_path / "m.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT kind, helix, hq_municipality, hq_country, control_country, control_bloc, parent, "
                          "founded, defined_at FROM actors WHERE id = 'nexa-labs'").fetchall()
        assert row == [("startup", "business", "amsterdam", "nl", "NL", "nl", "adyen", "2019-05",
                        f"{mixed / 'actors' / 'extra.csv'}:2")]
        assert con.execute("SELECT name, control_bloc FROM actors WHERE id = 'chipco'").fetchall() == [
            ("Chipco, B.V.", "us")]
        layers = con.execute("SELECT position, layer, sublayer, role FROM actor_layers WHERE actor = 'nexa-labs' "
                             "ORDER BY position").fetchall()
        assert layers == [(1, "ai", "applied-ai", "core"), (2, "applications", "fintech", "secondary")]
        assert con.execute("SELECT domain FROM actor_domains WHERE actor = 'nexa-labs' ORDER BY position"
                           ).fetchall() == [("finance",), ("media",)]
        rel = con.execute("SELECT type, family, directed, from_actor, to_actor, date, date_start, status, "
                          "amount_value, amount_currency, stake_pct FROM relations WHERE id = 'asml-invests-nexa'"
                          ).fetchall()[0]
        assert rel[:6] == ("investment", "capital", True, "asml", "nexa-labs", "2024-03")
        assert str(rel[6]) == "2024-03-01" and rel[7:] == ("completed", 5_000_000.0, "EUR", 12.5)
        cites = con.execute("SELECT subject_type, subject, position, source, locator, confidence FROM citations "
                            "WHERE subject IN ('nexa-labs', 'chipco-supplies-asml', 'asml-invests-nexa') "
                            "ORDER BY subject, position").fetchall()
        assert cites == [
            ("relation", "asml-invests-nexa", 1, "tech-corridor-2026", "H.5", "medium"),
            ("relation", "chipco-supplies-asml", 1, "tech-corridor-2026", "H.5", "high"),
            ("relation", "chipco-supplies-asml", 2, "dealroom-brainport-eindhoven", "sectors", "high"),
            ("actor", "nexa-labs", 1, "tech-corridor-2026", "H.3 Amsterdam; fn 1", "high"),
        ]
        # YAML indicator about a CSV actor, and a CSV indicator about it
        assert con.execute("SELECT id, subject_type FROM indicators WHERE id IN ('chipco-revenue', 'nexa-employees') "
                           "ORDER BY id").fetchall() == [("chipco-revenue", "actor"), ("nexa-employees", "actor")]
        assert con.execute("SELECT count(*) FROM relations WHERE id = 'nexa-partners-chipco'").fetchall() == [(1,)]
    finally:
        con.close()
    atlas_stats = main(["--data", str(mixed), "--db", str(db), "stats", "--format", "json"])
    assert atlas_stats == 0


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_stats_have_no_fact_without_source(mixed: Path, tmp_path: Path) -> None:
    import stackatlas

    atlas = stackatlas.open(data=mixed, db=tmp_path / "s.duckdb")
    try:
        stats = atlas.stats()
        assert stats["facts_without_source"] == 0
        assert stats["actors"] == load_dataset(mixed).count("actors")
    finally:
        atlas.close()


def test_content_hash_covers_csv(mixed: Path) -> None:
    assert mixed / "relations.csv" in dataset_files(mixed)
    assert mixed / "actors" / "extra.csv" in dataset_files(mixed)
    before = content_hash(mixed)
    path = mixed / "relations.csv"
    path.write_text(path.read_text().replace("2024-03", "2024-04"), encoding="utf-8")
    assert content_hash(mixed) != before


def test_validate_cli_counts_csv_rows(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(mixed)]) == 0
    out = capsys.readouterr().out
    ds = load_dataset(mixed)
    assert f"{ds.count('actors')} actors" in out and f"{ds.count('relations')} relations" in out


# --- every problem, one by one, at its line and column -----------------------------------------------------

# (table, text with one bad row in line 3, field, column, message part)
A_HEAD = ACTORS.splitlines()[0]
R_HEAD = RELATIONS.splitlines()[0]
I_HEAD = INDICATORS.splitlines()[0]
GOOD_A = "good-one,Good,company,eindhoven,chips,,NL,,,,tech-corridor-2026@x"
GOOD_R = "good-rel,supply,asml,nxp,2020,,,,tech-corridor-2026@x,"
GOOD_I = "good-ind,asml,employees,1,people,2025,tech-corridor-2026@x"

CASES = [
    ("actors", "Bad_Id,X,company,eindhoven,chips,,NL,,,,tech-corridor-2026@x", "id", 1, "not a valid id"),
    ("actors", "x1,,company,eindhoven,chips,,NL,,,,tech-corridor-2026@x", "name", 2, "required field is missing"),
    ("actors", "x1,X,startap,eindhoven,chips,,NL,,,,tech-corridor-2026@x", "kind", 3, "unknown actor kind 'startap'"),
    ("actors", "x1,X,company,eindhovn,chips,,NL,,,,tech-corridor-2026@x", "hq", 4, "unknown place 'eindhovn'"),
    ("actors", "x1,X,company,mra,chips,,NL,,,,tech-corridor-2026@x", "hq", 4,
     "must be a municipality, site or country"),
    ("actors", "x1,X,company,eindhoven,,,NL,,,,tech-corridor-2026@x", "layers", 5, "required field is missing"),
    ("actors", "x1,X,company,eindhoven,chip,,NL,,,,tech-corridor-2026@x", "layers", 5, "unknown layer 'chip'"),
    ("actors", "x1,X,company,eindhoven,ai;chips/design-house,,NL,,,,tech-corridor-2026@x", "layers", 5,
     "unknown sublayer 'design-house' of layer 'chips'"),
    ("actors", "x1,X,company,eindhoven,chips:main,,NL,,,,tech-corridor-2026@x", "layers", 5,
     "role must be core or secondary"),
    ("actors", "x1,X,company,eindhoven,chips/a/b,,NL,,,,tech-corridor-2026@x", "layers", 5,
     "expected LAYER[/SUBLAYER][:ROLE]"),
    ("actors", "x1,X,company,eindhoven,chips,finance;manufactoring,NL,,,,tech-corridor-2026@x", "domains", 6,
     "unknown domain 'manufactoring'"),
    ("actors", "x1,X,company,eindhoven,chips,,XX,,,,tech-corridor-2026@x", "control_country", 7,
     "not an ISO 3166-1 alpha-2"),
    ("actors", "x1,X,company,eindhoven,chips,,JP,,,,tech-corridor-2026@x", "control_country", 7,
     "country 'JP' is not in places.yaml"),
    ("actors", "x1,X,company,eindhoven,chips,,NL,booking-holding,,,tech-corridor-2026@x", "parent", 8,
     "unknown actor 'booking-holding'"),
    ("actors", "x1,X,company,eindhoven,chips,,NL,,2014-13,,tech-corridor-2026@x", "founded", 9,
     "not a valid date"),
    ("actors", "x1,X,company,eindhoven,chips,,NL,,,ftp://x,tech-corridor-2026@x", "website", 10,
     "not an http(s) URL"),
    ("actors", "x1,X,company,eindhoven,chips,,NL,,,,", "sources", 11, "a fact without a source"),
    ("actors", "x1,X,company,eindhoven,chips,,NL,,,,tech-corridor-2062@x", "sources", 11,
     "unknown source 'tech-corridor-2062'"),
    ("actors", "x1,X,company,eindhoven,chips,,NL,,,,tech-corridor-2026", "sources", 11,
     "expected SOURCE-ID@LOCATOR"),
    ("actors", "asml,X,company,eindhoven,chips,,NL,,,,tech-corridor-2026@x", "id", 1,
     "duplicate actor id 'asml' (first defined at "),
    ("actors", "good-one,X,company,eindhoven,chips,,NL,,,,tech-corridor-2026@x", "id", 1,
     "duplicate actor id 'good-one' (first defined at {file}:2)"),
    ("actors", "eindhoven,X,company,eindhoven,chips,,NL,,,,tech-corridor-2026@x", "id", 1,
     "'eindhoven' is already a place id"),
    ("relations", "r1,investing,asml,nxp,2020,,,,tech-corridor-2026@x,", "type", 2, "unknown relation type"),
    ("relations", "r1,supply,asml,mistral,2020,,,,tech-corridor-2026@x,", "to", 4, "unknown actor 'mistral'"),
    ("relations", "r1,supply,asmll,nxp,2020,,,,tech-corridor-2026@x,", "from", 3, "unknown actor 'asmll'"),
    ("relations", "r1,supply,asml,asml,2020,,,,tech-corridor-2026@x,", "to", 4, "two different actors"),
    ("relations", "r1,supply,asml,nxp,2020-02-30,,,,tech-corridor-2026@x,", "date", 5, "not a valid date"),
    ("relations", "r1,investment,asml,nxp,2020,lots,EUR,,tech-corridor-2026@x,", "amount_value", 6,
     "'lots' is not a valid number"),
    ("relations", "r1,investment,asml,nxp,2020,-5,EUR,,tech-corridor-2026@x,", "amount_value", 6, "at least 0"),
    ("relations", "r1,investment,asml,nxp,2020,5,eur,,tech-corridor-2026@x,", "amount_currency", 7,
     "not a currency code"),
    ("relations", "r1,investment,asml,nxp,2020,5,,,tech-corridor-2026@x,", "amount_currency", 7,
     "an amount needs a currency"),
    ("relations", "r1,investment,asml,nxp,2020,,,120,tech-corridor-2026@x,", "stake_pct", 8, "at most 100"),
    ("relations", "r1,supply,asml,nxp,2020,,,,tech-corridor-2026@x,sure", "confidence", 10,
     "confidence must be high, medium or low"),
    ("relations", "asml-invests-mistral-ai,supply,asml,nxp,2020,,,,tech-corridor-2026@x,", "id", 1,
     "duplicate relation id 'asml-invests-mistral-ai'"),
    ("indicators", "i1,nowhere,employees,1,people,2025,tech-corridor-2026@x", "subject", 2,
     "unknown subject (place, actor or layer) 'nowhere'"),
    ("indicators", "i1,asml,employees,many,people,2025,tech-corridor-2026@x", "value", 4, "valid number"),
    ("indicators", "i1,asml,employees,1,,2025,tech-corridor-2026@x", "unit", 5, "required field is missing"),
    ("indicators", "i1,asml,employees,1,people,25,tech-corridor-2026@x", "date", 6, "not a valid date"),
]


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
@pytest.mark.parametrize("table,row,fieldname,column,message", CASES, ids=[f"{c[0]}-{c[4][:30]}" for c in CASES])
def test_each_csv_problem_is_located(fixture_dir: Path, table: str, row: str, fieldname: str, column: int,
                                     message: str) -> None:
    head, good = {"actors": (A_HEAD, GOOD_A), "relations": (R_HEAD, GOOD_R),
                  "indicators": (I_HEAD, GOOD_I)}[table]
    path = write(fixture_dir / table / "bulk.csv", f"{head}\n{good}\n{row}\n")
    probs = in_file(problems_of(fixture_dir), path)
    found = [p for p in probs if p.field == fieldname]
    assert found, f"no problem for {fieldname}: {probs}"
    assert message.format(file=path) in found[0].message
    assert (found[0].line, found[0].column) == (3, column)
    assert str(found[0]).startswith(f"{path}:3:{column}: {fieldname}: ")
    assert all(p.line == 3 for p in probs), probs  # the good row (line 2) has no problem


def test_header_problems(fixture_dir: Path) -> None:
    path = write(fixture_dir / "actors" / "bulk.csv",
                 "id,name,kind,hq,sources,colour,name\nx1,X,company,eindhoven,tech-corridor-2026@x,red,Y\n")
    probs = in_file(problems_of(fixture_dir), path)
    by_field = {(p.field, p.message.split(" (")[0]): (p.line, p.column) for p in probs}
    assert by_field[("colour", "unknown column")] == (1, 6)
    assert by_field[("name", "duplicate column")] == (1, 7)
    assert by_field[("layers", "required column is missing")] == (1, 1)
    assert not [p for p in probs if p.line > 1 and p.field == "layers"]  # reported once, not per row


def test_unreadable_row_and_the_rows_after_it(fixture_dir: Path) -> None:
    path = write(fixture_dir / "actors" / "bulk.csv",
                 f"{A_HEAD}\n{GOOD_A}\ntoo,few\n"
                 "x2,X,startap,eindhoven,chips,,NL,,,,tech-corridor-2026@x\n")
    probs = in_file(problems_of(fixture_dir), path)
    unreadable = [p for p in probs if "unreadable row" in p.message]
    assert [(p.line, p.column) for p in unreadable] == [(3, 3)]  # one problem for the row, at the missing field
    kind = [p for p in probs if p.field == "kind" and "unreadable" not in p.message]
    assert [(p.line, p.column) for p in kind] == [(4, 3)]  # the next row keeps its own line


def test_bad_bytes_and_empty_files(fixture_dir: Path) -> None:
    bad = fixture_dir / "actors" / "bytes.csv"
    bad.parent.mkdir(exist_ok=True)
    bad.write_bytes(b"id,name,kind,hq,layers,sources\n"
                    b"x1,B\xff,company,eindhoven,ai,tech-corridor-2026@x\n"
                    b"x2,Ok,company,eindhoven,ai,tech-corridor-2026@x\n")
    empty = write(fixture_dir / "relations" / "empty.csv", "")
    header_only = write(fixture_dir / "indicators" / "none.csv", I_HEAD + "\n")
    probs = problems_of(fixture_dir)
    assert [(p.line, p.column, "UTF-8" in p.message or "unicode" in p.message.lower())
            for p in in_file(probs, bad)] == [(2, 2, True)]
    assert [(p.line, p.field) for p in in_file(probs, empty)] == [(1, "<file>")]
    assert in_file(probs, header_only) == []


def test_lines_count_cells_that_span_lines_and_blank_lines(fixture_dir: Path) -> None:
    path = write(fixture_dir / "actors" / "bulk.csv",
                 "id,name,kind,hq,layers,sources,description_en\n"
                 'x1,X,company,eindhoven,chips,tech-corridor-2026@x,"two\nlines"\n'
                 "\n"
                 "x2,Y,startap,eindhoven,chips,tech-corridor-2026@x,\n")
    probs = in_file(problems_of(fixture_dir), path)
    assert [(p.field, p.line, p.column) for p in probs] == [("kind", 5, 3)]


def test_parent_cycle_through_yaml_and_csv(fixture_dir: Path) -> None:
    path = write(fixture_dir / "actors" / "bulk.csv",
                 f"{A_HEAD}\nloop-a,A,company,eindhoven,chips,,NL,loop-b,,,tech-corridor-2026@x\n"
                 "loop-b,B,company,eindhoven,chips,,NL,asml,,,tech-corridor-2026@x\n")
    yaml_file = fixture_dir / "actors" / "brainport.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text(text.replace("  kind: company\n  hq: veldhoven", "  kind: company\n  hq: veldhoven\n"
                                      "  parent: loop-a", 1), encoding="utf-8")
    probs = [p for p in problems_of(fixture_dir) if "cycle" in p.message]
    assert {(p.path, p.line) for p in probs if p.path == str(path)} == {(str(path), 2), (str(path), 3)}
    assert any(p.path == str(yaml_file) for p in probs)


def test_yaml_record_refers_to_a_missing_csv_actor(mixed: Path) -> None:
    path = mixed / "relations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  from: nexa-labs\n", "  from: nexa-lab\n"),
                    encoding="utf-8")
    probs = [p for p in problems_of(mixed) if p.path == str(path)]
    assert [p.message for p in probs] == ["unknown actor 'nexa-lab'"]


def test_problems_per_rule_are_capped_with_a_count(fixture_dir: Path) -> None:
    n = PROBLEMS_PER_CHECK + 5
    rows = "".join(f"x{i},X,startap,eindhoven,chips,,NL,,,,tech-corridor-2026@x\n" for i in range(n))
    path = write(fixture_dir / "actors" / "bulk.csv", f"{A_HEAD}\n{rows}")
    kind = [p for p in in_file(problems_of(fixture_dir), path) if p.field == "kind"]
    assert len(kind) == PROBLEMS_PER_CHECK + 1
    assert "and 4 more rows" in kind[-1].message
    assert kind[0].line == 2 and kind[-1].line == PROBLEMS_PER_CHECK + 2


def test_columns_are_documented() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "dataset-format.md").read_text(encoding="utf-8")
    assert "## Large datasets: CSV tables" in doc
    for kind, cols in COLUMNS.items():
        for col in cols:
            assert f"`{col}`" in doc, (kind, col)


# --- atomicity ------------------------------------------------------------------------------------------


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_invalid_csv_leaves_the_previous_database_untouched(mixed: Path, tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    db = tmp_path / "db" / "atlas.duckdb"
    store.ensure_db(mixed, db)
    before = digest(db)
    path = mixed / "relations.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",nexa-labs,", ",nobody,"), encoding="utf-8")
    with pytest.raises(InvalidData) as exc:
        store.ensure_db(mixed, db)
    assert [p.field for p in exc.value.errors] == ["to"]
    assert digest(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["atlas.duckdb"]


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_crash_while_copying_csv_rows_leaves_the_previous_database_untouched(mixed: Path, tmp_path: Path) -> None:
    db = tmp_path / "atlas.duckdb"
    store.ensure_db(mixed, db)
    before = digest(db)
    ds = load_dataset(mixed)

    def boom(step: str) -> None:
        if step == "csv tables":
            raise OSError("disk full")

    try:
        with pytest.raises(OSError, match="disk full"):
            store.build(ds, db, progress=boom)
        assert digest(db) == before
        assert sorted(p.name for p in tmp_path.iterdir() if p.name != "fixture") == ["atlas.duckdb"]
        store.build(ds, db)  # the staged tables survive a failed build
    finally:
        ds.close()
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM actors WHERE id = 'chipco'").fetchall() == [(1,)]
    con.close()


def test_cli_reports_csv_problems(fixture_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(fixture_dir / "actors" / "bulk.csv", f"{A_HEAD}\nx1,X,startap,eindhoven,chips,,NL,,,,"
                                                      "tech-corridor-2026@x\n")
    assert main(["--data", str(fixture_dir), "--db", str(tmp_path / "c.duckdb"), "build"]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2:3: kind: unknown actor kind 'startap'" in err
    assert not (tmp_path / "c.duckdb").exists()
