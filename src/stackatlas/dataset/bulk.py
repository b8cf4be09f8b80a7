"""Bulk tables: actors, relations and indicators as CSV files, read and validated set-wise in DuckDB.

A dataset may hold ``actors/*.csv``, ``relations/*.csv`` and ``indicators/*.csv`` (or ``actors.csv``, ...)
next to its YAML files, with the same meaning (docs/dataset-format.md, "Large datasets: CSV tables").
YAML goes through PyYAML and pydantic record by record; that is far too slow for a million rows, so the
CSV files are read by DuckDB (every cell as text) into an in-memory staging database and checked with one
SQL query per rule over the whole table: unknown references by anti-join against the taxonomy, places,
sources and actors, duplicate ids by group-by, ids, dates, numbers, URLs and country codes by pattern.
Every problem becomes a :class:`~stackatlas.errors.Problem` at ``path:line:column``, line being the
physical line of the row (the header is line 1) and column the 1-based index of the field.

:func:`stackatlas.store.build` inserts the staged rows into the compiled database with ``INSERT ...
SELECT`` in the same DuckDB process, so a row never becomes a Python object.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from .._sql import literal
from ..errors import Problem
from . import model as m

__all__ = ["COLUMNS", "CSV_ONLY", "KINDS", "LISTS", "PROBLEMS_PER_CHECK", "REQUIRED", "Bulk", "BulkContext", "csv_files",
           "date_start", "read_bulk"]

KINDS = ("actors", "relations", "indicators")

#: The columns of each kind of table, in the documented order (docs/dataset-format.md): for actors and
#: relations the flat columns of the model's fields (:func:`~stackatlas.dataset.model.flat_columns`) and
#: ``confidence`` (one confidence for every source of the row), checked below.
COLUMNS: dict[str, tuple[str, ...]] = {
    "actors": ("id", "name", "kind", "hq", "layers", "domains", "control_country", "parent", "founded",
               "dissolved", "website", "sources", "confidence", "aliases", "sites", "tags", "wikidata", "description_nl",
               "description_en"),
    "relations": ("id", "type", "from", "to", "date", "ended", "status", "amount_value", "amount_currency",
                  "stake_pct", "stake_min", "stake_max", "role", "description_nl", "description_en",
                  "sources", "confidence"),
    "indicators": ("id", "subject", "metric", "label_nl", "label_en", "value", "value_min", "value_max",
                   "unit", "date", "period_start", "period_end", "baseline_subject", "baseline_value",
                   "baseline_label_nl", "baseline_label_en", "layer", "note_nl", "note_en", "sources",
                   "confidence"),
}
#: Columns of a CSV table that are no field of the record.
CSV_ONLY = ("confidence",)


def _check_columns() -> None:
    """A field added to the model must get its column here (and in the documentation): fail at import."""
    for kind, fields in (("actors", m.ACTOR_FIELDS), ("relations", m.RELATION_FIELDS)):
        want = {*m.flat_columns(fields), *CSV_ONLY}
        if set(COLUMNS[kind]) != want:
            raise RuntimeError(f"COLUMNS[{kind!r}] lacks {sorted(want - set(COLUMNS[kind]))}, "
                               f"has extra {sorted(set(COLUMNS[kind]) - want)}")


_check_columns()
REQUIRED: dict[str, frozenset[str]] = {
    "actors": frozenset({"id", "name", "kind", "layers", "sources"}),  # hq may be empty: no head office
    "relations": frozenset({"id", "type", "from", "to", "sources"}),
    "indicators": frozenset({"id", "subject", "metric", "value", "unit", "sources"}),
}
#: Columns that hold a ``;``-separated list.
LISTS: dict[str, frozenset[str]] = {
    "actors": frozenset({"layers", "domains", "sources", "aliases", "sites", "tags"}),
    "relations": frozenset({"sources"}),
    "indicators": frozenset({"sources"}),
}
_SINGULAR = {"actors": "actor", "relations": "relation", "indicators": "indicator"}

#: At most this many problems are listed per rule and file; the rest are summed up in one more problem.
PROBLEMS_PER_CHECK = 1000
_BATCH_LIMIT = 200_000


def csv_files(root: Path) -> dict[str, list[Path]]:
    """The CSV tables of the dataset in ``root`` per kind: ``KIND.csv``, then ``KIND/*.csv`` sorted."""
    out: dict[str, list[Path]] = {}
    for kind in KINDS:
        files = []
        if (root / f"{kind}.csv").is_file():
            files.append(root / f"{kind}.csv")
        if (root / kind).is_dir():
            files.extend(sorted(p for p in (root / kind).glob("*.csv") if p.is_file()))
        out[kind] = files
    return out


def _date_ok(col: str) -> str:
    """SQL: ``col`` is ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` and a real date."""
    return (f"(regexp_full_match({col}, '\\d{{4}}(-\\d{{2}}(-\\d{{2}})?)?') AND {col} >= '0001' AND "
            f"try_cast(CASE length({col}) WHEN 4 THEN {col} || '-01-01' WHEN 7 THEN {col} || '-01' "
            f"ELSE {col} END AS DATE) IS NOT NULL)")


def date_start(col: str) -> str:
    """SQL: the first day of a (partial) date."""
    return (f"CAST(CASE length({col}) WHEN 4 THEN {col} || '-01-01' WHEN 7 THEN {col} || '-01' "
            f"ELSE {col} END AS DATE)")


def _before(end: str, start: str) -> str:
    """SQL: both are valid (partial) dates and the first day of ``end`` lies before that of ``start``."""
    def first(col: str) -> str:
        return date_start(col).replace("CAST(", "try_cast(", 1)
    return f"({_date_ok(start)} AND {_date_ok(end)} AND {first(end)} < {first(start)})"


@dataclass
class CsvFile:
    """One CSV table: where it is, its columns, and how its rows map to lines."""

    index: int
    kind: str
    path: Path
    shown: str
    columns: dict[str, int]  # known column -> 1-based index in the file
    width: int = 0
    rows: int = 0
    rejected: list[int] = field(default_factory=list)  # physical lines of rows DuckDB could not read
    simple: bool = True  # every row on one line, no blank lines
    _starts: list[int] | None = None

    def line(self, row: int) -> int:
        """The physical line of data row ``row`` (0-based, in reading order)."""
        if self.simple:
            line = row + 2
            for r in self.rejected:  # sorted; each rejected row takes one line
                if r <= line:
                    line += 1
                else:
                    break
            return line
        if self._starts is None:
            self._starts = self._scan()
        return self._starts[row] if row < len(self._starts) else 0

    def _scan(self) -> list[int]:
        """Start lines of the data rows, found with a quote-aware parser (cells may span lines)."""
        starts: list[int] = []
        rejected = set(self.rejected)
        with self.path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            prev = 0
            first = True
            for rec in reader:
                start = prev + 1
                prev = reader.line_num
                if first:
                    first = False
                    continue
                if rec and start not in rejected:
                    starts.append(start)
        return starts


@dataclass
class BulkContext:
    """What the rest of the dataset (YAML, taxonomy) tells the CSV checks."""

    layers: dict[str, set[str]]
    domains: set[str]
    kinds: set[str]
    relation_types: set[str]
    places: dict[str, str]  # id -> type
    country_codes: set[str]
    sources: set[str]
    yaml_actors: list[tuple[str, str]]  # (id, "path:line"), in order
    yaml_relations: list[tuple[str, str]]
    yaml_indicators: list[tuple[str, str]]
    yaml_parents: list[tuple[str, str]]  # (actor, parent)


def _arrow(con: duckdb.DuckDBPyConnection, name: str, cols: dict[str, Any]) -> None:
    """Create table ``name`` from columns (lists or numpy arrays; an empty list is text)."""
    arrays = {}
    for k, v in cols.items():
        arr = pa.array(v) if len(v) else pa.array([], type=pa.string())
        arrays[k] = arr.cast(pa.string()) if pa.types.is_null(arr.type) else arr
    table = pa.table(arrays)
    con.register("_arrow_in", table)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _arrow_in")
    finally:
        con.unregister("_arrow_in")


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """An integer from a one-row query (fetched completely: duckdb then frees the result)."""
    rows = con.execute(sql).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _count_lines(path: Path) -> int:
    n, last = 0, b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (0 if last == b"\n" else 1)


class Bulk:
    """The CSV tables of one dataset, staged in an in-memory DuckDB database (``self.con``).

    Staged tables: ``b_actors``, ``b_relations``, ``b_indicators`` with ``_file`` and ``_row`` (where the
    row came from) and every column as trimmed text (an empty cell is NULL); list columns are also
    exploded into long tables ``l_{kind}_{column}`` (``_file, _row, id, pos, item``; layer items parsed
    into ``layer, sublayer, role``, source items into ``source, locator``).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.con = duckdb.connect(config={"preserve_insertion_order": True})
        self.files: list[CsvFile] = []
        self.counts: dict[str, int] = dict.fromkeys(KINDS, 0)
        self._ids: dict[str, set[str]] = {}
        self._problems: list[Problem] = []
        self._pending: dict[str, tuple[str, list[tuple[str, str, str]]]] = {}

    def close(self) -> None:
        self.con.close()

    # -- pass one: read ------------------------------------------------------------------------------
    def _read_header(self, path: Path, shown: str, kind: str, problems: list[Problem]) -> list[str] | None:
        try:
            with path.open("rb") as fh:  # only the first line: the rows are DuckDB's (bad bytes: a row problem)
                first = fh.readline()
            header = next(csv.reader([first.decode("utf-8-sig")]), None)
        except UnicodeDecodeError as exc:
            problems.append(Problem(shown, 1, exc.start + 1, "<header>", f"not UTF-8 text ({exc.reason})"))
            return None
        except (OSError, csv.Error) as exc:
            problems.append(Problem(shown, 0, 0, "<file>", f"cannot read: {exc}"))
            return None
        if not header:
            problems.append(Problem(shown, 1, 1, "<file>", "empty file: expected a header row with the "
                                                           f"columns {', '.join(COLUMNS[kind])}"))
            return None
        return [h.strip() for h in header]

    def _create(self, kind: str) -> None:
        """The staged table ``b_{kind}``: where a row came from, and every column as text."""
        ddl = ", ".join(f'"{c}" VARCHAR' for c in COLUMNS[kind])
        self.con.execute(f"CREATE TABLE b_{kind} (_file INTEGER, _row BIGINT, {ddl})")

    def _staged(self, kind: str) -> None:
        """Count the staged rows of ``kind`` and explode its list columns (the end of staging one kind)."""
        self.counts[kind] = sum(f.rows for f in self.files if f.kind == kind)
        for name in sorted(LISTS[kind]):
            self._explode(kind, name)

    def _stage(self, kind: str, paths: list[Path], problems: list[Problem]) -> None:
        con = self.con
        self._create(kind)
        for path in paths:
            shown = str(path)
            header = self._read_header(path, shown, kind, problems)
            if header is None:
                continue
            f = CsvFile(index=len(self.files), kind=kind, path=path, shown=shown, columns={}, width=len(header))
            allowed = set(COLUMNS[kind])
            for i, name in enumerate(header, 1):
                if name not in allowed:
                    problems.append(Problem(shown, 1, i, name or "<column>",
                                            f"unknown column (expected {', '.join(COLUMNS[kind])})"))
                elif name in f.columns:
                    problems.append(Problem(shown, 1, i, name, f"duplicate column (first at column "
                                                               f"{f.columns[name]})"))
                else:
                    f.columns[name] = i
            for name in COLUMNS[kind]:
                if name in REQUIRED[kind] and name not in f.columns:
                    problems.append(Problem(shown, 1, 1, name, "required column is missing"))
            rejects = f"rej_{f.index}"
            spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, len(header) + 1)) + "}"
            cells = [f"nullif(trim(c{f.columns[name]}), '')" if name in f.columns else "NULL"
                     for name in COLUMNS[kind]]
            # one parallel pass: parse and trim; DuckDB keeps the file's order (preserve_insertion_order),
            # so a row's number in the file is its rowid minus the rows of the files before it
            start = sum(g.rows for g in self.files if g.kind == kind)
            rows = con.execute(
                f"INSERT INTO b_{kind} SELECT {f.index}, NULL, {', '.join(cells)} "
                f"FROM read_csv({literal(str(path))}, columns={spec}, header=true, auto_detect=false, delim=',', "
                f"quote='\"', escape='\"', strict_mode=true, null_padding=false, ignore_errors=true, "
                f"store_rejects=true, rejects_table='{rejects}', rejects_scan='{rejects}_scan')").fetchall()
            f.rows = int(rows[0][0]) if rows else 0
            con.execute(f"UPDATE b_{kind} SET _row = rowid - {start} WHERE _file = {f.index}")
            for line, col_idx, col_name, err_type, message in con.execute(
                    f"SELECT line, column_idx, column_name, error_type, error_message FROM {rejects} "
                    f"ORDER BY line, column_idx").fetchall():
                if f.rejected and f.rejected[-1] == int(line):
                    continue  # one problem per row (duckdb lists each missing column)
                column = int(col_idx or 0)
                name = "<row>"
                if col_name is not None and str(col_name).startswith("c") and str(col_name)[1:].isdigit():
                    column = int(str(col_name)[1:])
                    name = header[column - 1] if column <= len(header) else "<row>"
                if err_type == "MISSING COLUMNS":
                    message = f"{message} (too few fields: is a cell with a comma not quoted?)"
                problems.append(Problem(shown, int(line), column, name, f"unreadable row: {message}"))
                f.rejected.append(int(line))
            con.execute(f"DROP TABLE IF EXISTS {rejects}")
            con.execute(f"DROP TABLE IF EXISTS {rejects}_scan")
            f.simple = _count_lines(path) == 1 + f.rows + len(f.rejected)
            self.files.append(f)
        self._staged(kind)

    def stage_query(self, kind: str, select: str, *, shown: str) -> int:
        """Stage the rows of ``select``, a query on :attr:`con` whose columns are some of ``COLUMNS[kind]``
        (cast to text), as the one table of ``kind``, named ``shown``; return the number of rows.

        For programs that generate rows (:func:`stackatlas.scale.synth.synthesise_parquet`) and need not write
        them as CSV text first: the rows land in the same staged tables, in query order, and
        :meth:`insert` turns them into the compiled tables exactly as it does CSV rows (``defined_at`` is
        ``shown:N`` for the Nth row, counted as a CSV line: the first row is 2). They are not validated
        here: :meth:`validate` needs the rest of the dataset, which a generator vouches for instead.
        """
        con = self.con
        if any(f.kind == kind for f in self.files):
            raise ValueError(f"{kind}: already staged")
        names = list(con.sql(select).columns)
        unknown = [c for c in names if c not in COLUMNS[kind]]
        if unknown or len(set(names)) != len(names):
            raise ValueError(f"{kind}: columns {unknown or names} are not a set of {', '.join(COLUMNS[kind])}")
        f = CsvFile(index=len(self.files), kind=kind, path=Path(shown), shown=shown,
                    columns={c: i for i, c in enumerate(names, 1)}, width=len(names))
        cells = [f'CAST(q."{c}" AS VARCHAR)' if c in names else "NULL" for c in COLUMNS[kind]]
        self._create(kind)
        con.execute(f"INSERT INTO b_{kind} SELECT {f.index}, NULL, {', '.join(cells)} FROM ({select}) q")
        con.execute(f"UPDATE b_{kind} SET _row = rowid")
        f.rows = _scalar(con, f"SELECT count(*) FROM b_{kind}")
        self.files.append(f)
        self._staged(kind)
        return f.rows

    def _explode(self, kind: str, name: str) -> None:
        """The long table ``l_{kind}_{name}``: one row per item of a ``;``-separated list cell."""
        con = self.con
        table = f"l_{kind}_{name}"
        extra = ", confidence" if name == "sources" else ""
        col = f'"{name}"'
        parse = ""
        if name == "layers":
            head = "split_part(item, ':', 1)"
            parse = (f", regexp_full_match(item, '[^/:]+(/[^/:]+)?(:[^/:]+)?') AS ok, "
                     f"trim(split_part({head}, '/', 1)) AS layer, "
                     f"nullif(trim(split_part({head}, '/', 2)), '') AS sublayer, "
                     f"nullif(trim(split_part(item, ':', 2)), '') AS role")
        elif name == "sources":
            parse = (", CASE WHEN strpos(item, '@') > 0 THEN trim(split_part(item, '@', 1)) END AS source, "
                     "CASE WHEN strpos(item, '@') > 0 THEN trim(substr(item, strpos(item, '@') + 1)) END AS locator")
        # a cell without ";" is one item (the common case, no splitting); "\;" is a literal ";"
        con.execute(f"""
            CREATE TABLE {table} AS
            SELECT *{parse} FROM (
                SELECT _file, _row, id, 1 AS pos{extra}, {col} AS item
                FROM b_{kind} WHERE {col} IS NOT NULL AND NOT contains({col}, ';')
                UNION ALL
                SELECT _file, _row, id, CAST(pos AS INTEGER) AS pos{extra},
                       CASE WHEN contains(item, chr(31)) THEN trim(replace(item, chr(31), ';')) ELSE trim(item) END
                FROM (SELECT _file, _row, id{extra}, unnest(l) AS item, unnest(range(1, len(l) + 1)) AS pos
                      FROM (SELECT _file, _row, id{extra},
                                   string_split(CASE WHEN contains({col}, '\\') THEN replace({col}, '\\;', chr(31))
                                                ELSE {col} END, ';') AS l
                            FROM b_{kind} WHERE contains({col}, ';'))))""")
        if _scalar(con, f"SELECT count(*) FROM {table} WHERE item = ''"):  # "a;;b", "a;": renumber
            con.execute(f"DELETE FROM {table} WHERE item = ''")
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * REPLACE (CAST(row_number() OVER "
                        f"(PARTITION BY _file, _row ORDER BY pos) AS INTEGER) AS pos) FROM {table}")

    # -- pass two: validate ----------------------------------------------------------------------------
    def validate(self, ctx: BulkContext, problems: list[Problem]) -> set[str]:
        """Check every staged row against ``ctx``; return the YAML actors whose parent chain is a cycle."""
        con = self.con
        layer_rows: list[tuple[str, str | None]] = [(lay, None) for lay in ctx.layers]
        layer_rows += [(lay, s) for lay, subs in ctx.layers.items() for s in sorted(subs)]
        _arrow(con, "t_layers", {"layer": [x[0] for x in layer_rows], "sublayer": [x[1] for x in layer_rows]})
        for name, values in (("t_domains", ctx.domains), ("t_kinds", ctx.kinds),
                             ("t_rtypes", ctx.relation_types), ("t_codes", ctx.country_codes),
                             ("t_iso", m.ISO_COUNTRIES), ("t_sources", ctx.sources)):
            _arrow(con, name, {"id": sorted(values)})
        _arrow(con, "t_places", {"id": list(ctx.places), "type": list(ctx.places.values())})
        for kind, recs in (("actors", ctx.yaml_actors), ("relations", ctx.yaml_relations),
                           ("indicators", ctx.yaml_indicators)):
            _arrow(con, f"y_{kind}", {"id": [x[0] for x in recs], "loc": [x[1] for x in recs]})
        # lookup sets for the anti-joins (NOT IN does not care about repeats: no DISTINCT over a million ids)
        con.execute("CREATE OR REPLACE TABLE all_actors AS SELECT id FROM y_actors UNION ALL "
                    "SELECT id FROM b_actors WHERE id IS NOT NULL")
        con.execute("CREATE OR REPLACE TABLE t_subjects AS SELECT id FROM t_places UNION ALL "
                    "SELECT id FROM all_actors UNION ALL SELECT DISTINCT layer FROM t_layers")
        self._problems = problems
        self._check_common("actors")
        self._check_actors()
        self._check_common("relations")
        self._check_relations()
        self._check_common("indicators")
        self._check_indicators()
        self._flush()
        return self._cycles(ctx)

    def _files_with(self, kind: str, column: str) -> str:
        ids = [f.index for f in self.files if f.kind == kind and column in f.columns]
        return "(" + ", ".join(str(i) for i in ids) + ")" if ids else "(NULL)"

    def _emit(self, fieldname: str, found: list[tuple[int, int, str]], totals: dict[int, int]) -> None:
        """Problems for ``found`` (file, row, message; sorted), at most PROBLEMS_PER_CHECK + 1 per file."""
        per_file: dict[int, int] = {}
        for fi, row, msg in found:
            f = self.files[fi]
            k = per_file[fi] = per_file.get(fi, 0) + 1
            column = f.columns.get(fieldname, 0)
            if k <= PROBLEMS_PER_CHECK:
                self._problems.append(Problem(f.shown, f.line(row), column, fieldname, msg))
            elif k == PROBLEMS_PER_CHECK + 1:
                self._problems.append(Problem(
                    f.shown, f.line(row), column, fieldname,
                    f"{msg} -- and {totals[fi] - PROBLEMS_PER_CHECK - 1} more rows of this file with this kind "
                    f"of problem (only the first {PROBLEMS_PER_CHECK + 1} are listed)"))

    def _run(self, kind: str, fieldname: str, sql: str) -> None:
        """Add a problem for each row ``sql`` selects as ``_file, _row, msg``."""
        if not self.counts[kind]:
            return
        q = (f"SELECT _file, _row, msg, count(*) OVER (PARTITION BY _file) AS n FROM ({sql}) "
             f"QUALIFY row_number() OVER (PARTITION BY _file ORDER BY _row, msg) <= {PROBLEMS_PER_CHECK + 1} "
             f"ORDER BY _file, _row, msg")
        rows = self.con.execute(q).fetchall()
        self._emit(fieldname, [(fi, row, msg) for fi, row, msg, _ in rows], {fi: n for fi, _, _, n in rows})

    def _rows(self, kind: str, fieldname: str, where: str, msg: str) -> None:
        """A problem ``msg`` (a SQL expression) in ``fieldname`` for every row matching ``where``."""
        self._pending.setdefault(f"b_{kind}", (kind, []))[1].append((fieldname, where, msg))

    def _items(self, kind: str, fieldname: str, where: str, msg: str) -> None:
        """A problem for every item of the list column ``fieldname`` matching ``where`` (its long table)."""
        self._pending.setdefault(f"l_{kind}_{fieldname}", (kind, []))[1].append((fieldname, where, msg))

    def _flush(self) -> None:
        """Run the pending row checks: one scan per table evaluates all of its rules."""
        for table, (kind, checks) in self._pending.items():
            if not self.counts[kind]:
                continue
            cells = ", ".join(f"CASE WHEN {w} THEN {msg} END" for _, w, msg in checks)
            cond = " OR ".join(f"({w})" for _, w, _ in checks)
            rows = self.con.execute(f"SELECT _file, _row, [{cells}] FROM {table} WHERE {cond} "
                                    f"ORDER BY _file, _row LIMIT {_BATCH_LIMIT + 1}").fetchall()
            if len(rows) > _BATCH_LIMIT:  # a very broken table: count and cap each rule in SQL
                for fieldname, w, msg in checks:
                    self._run(kind, fieldname, f"SELECT _file, _row, {msg} AS msg FROM {table} WHERE {w}")
                continue
            for i, (fieldname, _, _) in enumerate(checks):
                found = sorted((fi, row, msgs[i]) for fi, row, msgs in rows if msgs[i] is not None)
                totals: dict[int, int] = {}
                for fi, _, _ in found:
                    totals[fi] = totals.get(fi, 0) + 1
                self._emit(fieldname, found, totals)
        self._pending.clear()

    def _check_common(self, kind: str) -> None:
        one = _SINGULAR[kind]
        for name in sorted(REQUIRED[kind] - {"sources"}):
            col = f'"{name}"'
            empty = f"({col} IS NULL OR trim(replace({col}, ';', '')) = '')" if name in LISTS[kind] \
                else f"{col} IS NULL"
            self._rows(kind, name, f"{empty} AND _file IN {self._files_with(kind, name)}",
                       "'required field is missing'")
        self._rows(kind, "sources", "(sources IS NULL OR trim(replace(sources, ';', '')) = '') AND _file IN "
                                    f"{self._files_with(kind, 'sources')}",
                   "'a fact without a source: add at least one source'")
        self._items(kind, "sources", "source IS NULL OR source = '' OR locator = ''",
                    "'expected SOURCE-ID@LOCATOR, not ''' || item || ''''")
        self._items(kind, "sources", "source <> '' AND locator <> '' AND source NOT IN (SELECT id FROM t_sources)",
                    "'unknown source ''' || source || ''''")
        self._rows(kind, "confidence", "confidence NOT IN ('high', 'medium', 'low')",
                   "'confidence must be high, medium or low, not ''' || confidence || ''''")
        self._rows(kind, "id", "id IS NOT NULL AND (NOT regexp_full_match(id, '[a-z0-9][a-z0-9-]*') OR length(id) > 120)",
                   "'''' || id || ''' is not a valid id (lower-case letters, digits and ''-'')'")
        # duplicates: YAML records come first, then the CSV files in order
        dup = self.con.execute(f"""
            WITH ids AS (
                SELECT id, -1 AS _file, CAST(row_number() OVER () AS BIGINT) AS _row, loc FROM y_{kind}
                UNION ALL SELECT id, _file, _row, NULL FROM b_{kind} WHERE id IS NOT NULL),
            d AS (SELECT id FROM ids GROUP BY id HAVING count(*) > 1)
            SELECT _file, _row, id, first_file, first_row, first_loc FROM (
                SELECT ids.*, first_value(_file) OVER w AS first_file, first_value(_row) OVER w AS first_row,
                       first_value(loc) OVER w AS first_loc,
                       row_number() OVER w AS k
                FROM ids JOIN d USING (id) WINDOW w AS (PARTITION BY id ORDER BY _file, _row))
            WHERE k > 1 AND _file >= 0 ORDER BY _file, _row""").fetchall()
        shown = 0
        for fi, row, ident, ffile, frow, floc in dup:
            f = self.files[fi]
            where = floc if ffile < 0 else f"{self.files[ffile].shown}:{self.files[ffile].line(frow)}"
            shown += 1
            if shown <= PROBLEMS_PER_CHECK:
                self._problems.append(Problem(f.shown, f.line(row), f.columns.get("id", 0), "id",
                                              f"duplicate {one} id {ident!r} (first defined at {where})"))
        if shown > PROBLEMS_PER_CHECK:
            fi, row = dup[PROBLEMS_PER_CHECK][0], dup[PROBLEMS_PER_CHECK][1]
            self._problems.append(Problem(self.files[fi].shown, self.files[fi].line(row), 0, "id",
                                          f"... and {shown - PROBLEMS_PER_CHECK} more duplicate {one} ids"))

    def _ref(self, kind: str, fieldname: str, table: str, what: str) -> None:
        col = f'"{fieldname}"'
        self._rows(kind, fieldname, f"{col} IS NOT NULL AND {col} NOT IN (SELECT id FROM {table})",
                   f"'unknown {what} ''' || {col} || ''''")

    def _number(self, kind: str, fieldname: str, low: float | None = None, high: float | None = None) -> None:
        col = f'"{fieldname}"'
        self._rows(kind, fieldname, f"{col} IS NOT NULL AND (try_cast({col} AS DOUBLE) IS NULL "
                                    f"OR NOT isfinite(try_cast({col} AS DOUBLE)))",
                   f"'''' || {col} || ''' is not a valid number'")
        if low is not None:
            self._rows(kind, fieldname, f"try_cast({col} AS DOUBLE) < {low}",
                       f"'must be at least {low:g}, not ' || {col}")
        if high is not None:
            self._rows(kind, fieldname, f"try_cast({col} AS DOUBLE) > {high}",
                       f"'must be at most {high:g}, not ' || {col}")

    def _date(self, kind: str, fieldname: str) -> None:
        col = f'"{fieldname}"'
        self._rows(kind, fieldname, f"{col} IS NOT NULL AND NOT {_date_ok(col)}",
                   f"'''' || {col} || ''' is not a valid date (YYYY, YYYY-MM or YYYY-MM-DD)'")

    def _check_actors(self) -> None:
        k = "actors"
        self._rows(k, "id", "id IN (SELECT id FROM t_places)", "'''' || id || ''' is already a place id'")
        self._ref(k, "kind", "t_kinds", "actor kind")
        self._ref(k, "hq", "t_places", "place")
        self._rows(k, "hq", "hq IN (SELECT id FROM t_places WHERE type NOT IN ('municipality', 'site', 'country'))",
                   "'the head office must be a municipality, site or country, not ''' || hq || ''''")
        self._items(k, "layers", "NOT ok", "'expected LAYER[/SUBLAYER][:ROLE], not ''' || item || ''''")
        self._items(k, "layers", "ok AND layer NOT IN (SELECT layer FROM t_layers)",
                    "'unknown layer ''' || layer || ''''")
        self._items(k, "layers", "ok AND sublayer IS NOT NULL AND layer IN (SELECT layer FROM t_layers) AND "
                                 "layer || '/' || sublayer NOT IN (SELECT layer || '/' || sublayer FROM t_layers "
                                 "WHERE sublayer IS NOT NULL)",
                    "'unknown sublayer ''' || sublayer || ''' of layer ''' || layer || ''''")
        self._items(k, "layers", "ok AND role IS NOT NULL AND role NOT IN ('core', 'secondary')",
                    "'role must be core or secondary, not ''' || role || ''''")
        self._items(k, "domains", "item NOT IN (SELECT id FROM t_domains)", "'unknown domain ''' || item || ''''")
        self._items(k, "sites", "item NOT IN (SELECT id FROM t_places)", "'unknown place ''' || item || ''''")
        self._rows(k, "control_country", "control_country NOT IN (SELECT id FROM t_iso)",
                   "'''' || control_country || ''' is not an ISO 3166-1 alpha-2 country code'")
        self._rows(k, "control_country", "control_country IN (SELECT id FROM t_iso) AND "
                                         "control_country NOT IN (SELECT id FROM t_codes)",
                   "'country ''' || control_country || ''' is not in places.yaml'")
        self._ref(k, "parent", "all_actors", "actor")
        self._date(k, "founded")
        self._date(k, "dissolved")
        self._rows(k, "dissolved", _before("dissolved", "founded"),
                   "'dissolved (' || dissolved || ') lies before founded (' || founded || ')'")
        self._rows(k, "website", "NOT regexp_full_match(website, 'https?://\\S+')",
                   "'''' || website || ''' is not an http(s) URL'")
        self._rows(k, "wikidata", "NOT regexp_full_match(wikidata, 'Q\\d+')",
                   "'''' || wikidata || ''' is not a Wikidata id (Q and digits)'")

    def _check_relations(self) -> None:
        k = "relations"
        self._ref(k, "type", "t_rtypes", "relation type")
        self._ref(k, "from", "all_actors", "actor")
        self._ref(k, "to", "all_actors", "actor")
        self._rows(k, "to", '"from" = "to"', "'a relation needs two different actors'")
        self._date(k, "date")
        self._date(k, "ended")
        self._rows(k, "ended", _before("ended", "date"),
                   "'ended (' || ended || ') lies before date (' || date || ')'")
        self._rows(k, "status", f"ended IS NOT NULL AND status <> '{m.RELATION_ENDED}'",
                   "'a tie with an end date (ended) cannot have status ' || status")
        self._rows(k, "status", f"status NOT IN {m.RELATION_STATUSES}",
                   f"'status must be one of {', '.join(m.RELATION_STATUSES)}, not ''' || status || ''''")
        self._number(k, "amount_value", low=0)
        self._rows(k, "amount_currency", "NOT regexp_full_match(amount_currency, '[A-Z]{3}')",
                   "'''' || amount_currency || ''' is not a currency code (three capital letters)'")
        self._rows(k, "amount_currency", "amount_value IS NOT NULL AND amount_currency IS NULL",
                   "'an amount needs a currency'")
        self._rows(k, "amount_value", "amount_value IS NULL AND amount_currency IS NOT NULL",
                   "'a currency needs an amount'")
        for col in ("stake_pct", "stake_min", "stake_max"):
            self._number(k, col, low=0, high=100)
        self._rows(k, "stake_min", "try_cast(stake_min AS DOUBLE) > try_cast(stake_max AS DOUBLE)",
                   "'stake_min is larger than stake_max'")

    def _check_indicators(self) -> None:
        k = "indicators"
        self._ref(k, "subject", "t_subjects", "subject (place, actor or layer)")
        self._ref(k, "baseline_subject", "t_subjects", "subject (place, actor or layer)")
        self._rows(k, "layer", "layer NOT IN (SELECT layer FROM t_layers)", "'unknown layer ''' || layer || ''''")
        for col in ("value", "value_min", "value_max", "baseline_value"):
            self._number(k, col)
        self._rows(k, "value_min", "try_cast(value_min AS DOUBLE) > try_cast(value_max AS DOUBLE)",
                   "'value_min is larger than value_max'")
        for col in ("date", "period_start", "period_end"):
            self._date(k, col)
        self._rows(k, "period_end", "period_start IS NOT NULL AND period_end IS NULL",
                   "'a period needs period_start and period_end'")
        self._rows(k, "period_start", "period_start IS NULL AND period_end IS NOT NULL",
                   "'a period needs period_start and period_end'")
        self._rows(k, "date", "date IS NOT NULL AND (period_start IS NOT NULL OR period_end IS NOT NULL)",
                   "'give a date or a period, not both'")
        self._rows(k, "baseline_subject", "baseline_value IS NULL AND baseline_label_nl IS NULL AND "
                                          "baseline_label_en IS NULL AND baseline_subject IS NOT NULL",
                   "'a baseline needs a value or a label'")

    def _cycles(self, ctx: BulkContext) -> set[str]:
        """Actors whose parent chain runs into a cycle: CSV rows become problems, YAML ids are returned."""
        con = self.con
        _arrow(con, "y_parents", {"id": [x[0] for x in ctx.yaml_parents], "parent": [x[1] for x in ctx.yaml_parents]})
        con.execute("""
            CREATE OR REPLACE TABLE pg AS
            SELECT id, parent, -1 AS _file, -1::BIGINT AS _row FROM y_parents
            UNION ALL SELECT id, parent, _file, _row FROM b_actors WHERE parent IS NOT NULL AND id IS NOT NULL""")
        con.execute("DELETE FROM pg WHERE parent NOT IN (SELECT id FROM all_actors)")
        n = _scalar(con, "SELECT count(*) FROM pg")
        if n == 0:
            return set()
        # number the children; a parent that has no parent itself points to the root n
        con.execute("CREATE OR REPLACE TABLE pg2 AS SELECT *, row_number() OVER (ORDER BY _file, _row, id) - 1 AS i "
                    "FROM pg")
        res = con.execute("""
            SELECT c.i, coalesce(p.i, $n) AS pi FROM pg2 c
            LEFT JOIN (SELECT id, min(i) AS i FROM pg2 GROUP BY id) p ON p.id = c.parent
            ORDER BY c.i""", {"n": n}).fetchnumpy()
        ptr = np.empty(n + 1, dtype=np.int64)
        ptr[np.asarray(res["i"], dtype=np.int64)] = np.asarray(res["pi"], dtype=np.int64)
        ptr[n] = n
        for _ in range(int(np.ceil(np.log2(n + 1))) + 1):
            ptr = ptr[ptr]
        bad = np.flatnonzero(ptr[:n] != n)
        if bad.size == 0:
            return set()
        _arrow(con, "bad", {"i": bad.astype(np.int64)})
        yaml_bad: set[str] = set()
        rows = con.execute("SELECT _file, _row, id FROM pg2 WHERE i IN (SELECT i FROM bad) "
                           "ORDER BY _file, _row").fetchall()
        for fi, _, ident in rows:
            if fi < 0:
                yaml_bad.add(ident)
        self._run("actors", "parent", "SELECT _file, _row, 'parent chain forms a cycle' AS msg FROM pg2 "
                                      "WHERE _file >= 0 AND i IN (SELECT CAST(i AS BIGINT) FROM bad)")
        return yaml_bad

    # -- lookups for the YAML side ------------------------------------------------------------------------
    def ids(self, kind: str) -> set[str]:
        """Every id of the CSV ``kind`` (loaded on first use; only needed when YAML refers to CSV rows)."""
        if kind not in self._ids:
            res = self.con.execute(f"SELECT id FROM b_{kind} WHERE id IS NOT NULL").fetchnumpy()
            self._ids[kind] = {str(x) for x in res["id"].tolist()}
        return self._ids[kind]

    # -- build -------------------------------------------------------------------------------------------
    def insert(self, con: duckdb.DuckDBPyConnection, stage: str = "memory.main") -> None:
        """Insert the staged rows into the compiled tables of ``con`` (the YAML rows are already there).

        ``con`` is this object's own connection with the target database attached and in use, so the
        staged tables are read as ``{stage}.b_*``.
        """
        b = stage
        _arrow(con, f"{b}.b_files", {"_file": np.array([f.index for f in self.files], dtype=np.int32),
                                     "shown": [f.shown for f in self.files]})
        mapped = [f for f in self.files if not f.simple]
        lines = {"_file": np.concatenate([np.full(f.rows, f.index, dtype=np.int32) for f in mapped] or
                                         [np.zeros(0, dtype=np.int32)]),
                 "_row": np.concatenate([np.arange(f.rows, dtype=np.int64) for f in mapped] or
                                        [np.zeros(0, dtype=np.int64)]),
                 "line": np.concatenate([np.array([f.line(i) for i in range(f.rows)], dtype=np.int64)
                                         for f in mapped] or [np.zeros(0, dtype=np.int64)])}
        _arrow(con, f"{b}.b_lines", lines)
        line = "coalesce(bl.line, s._row + 2)" if mapped else "s._row + 2"
        defined = f"fl.shown || ':' || {line}"
        where = (f"LEFT JOIN {b}.b_files fl ON fl._file = s._file "
                 + (f"LEFT JOIN {b}.b_lines bl ON bl._file = s._file AND bl._row = s._row " if mapped else ""))
        con.execute(f"""
            INSERT INTO actors
            SELECT s.id, s.name, s.kind, k.helix, s.hq,
                   CASE p.type WHEN 'municipality' THEN p.id WHEN 'site' THEN p.parent END,
                   nullif(p.country, ''), s.control_country,
                   CASE WHEN s.control_country IS NULL THEN NULL
                        ELSE coalesce(bc.bloc, (SELECT id FROM blocs WHERE id = 'other')) END,
                   s.parent, s.founded, s.website, s.wikidata, s.description_nl, s.description_en, {defined},
                   s.dissolved, CASE WHEN s.founded IS NOT NULL THEN {date_start('s.founded')} END,
                   CASE WHEN s.dissolved IS NOT NULL THEN {date_start('s.dissolved')} END
            FROM {b}.b_actors s
            LEFT JOIN actor_kinds k ON k.id = s.kind
            LEFT JOIN places p ON p.id = s.hq
            LEFT JOIN (SELECT country, arg_max(bloc, rowid) AS bloc FROM bloc_countries GROUP BY country) bc
                   ON bc.country = s.control_country
            {where}""")
        for table, col in (("actor_aliases", "aliases"), ("actor_domains", "domains"), ("actor_tags", "tags")):
            con.execute(f"INSERT INTO {table} SELECT id, pos, item FROM {b}.l_actors_{col}")
        con.execute(f"INSERT INTO actor_layers SELECT id, pos, layer, sublayer, NULL, coalesce(role, 'core') "
                    f"FROM {b}.l_actors_layers")
        con.execute(f"""
            INSERT INTO actor_sites
            SELECT s.id, s.pos, s.item, CASE p.type WHEN 'municipality' THEN p.id WHEN 'site' THEN p.parent END,
                   NULL, 'active', NULL, NULL, NULL, NULL
            FROM {b}.l_actors_sites s LEFT JOIN places p ON p.id = s.item""")
        con.execute(f"""
            INSERT INTO relations
            SELECT s.id, s.type, t.family, t.directed, s."from", s."to", s.date,
                   CASE WHEN s.date IS NOT NULL THEN {date_start('s.date')} END,
                   CASE WHEN s.ended IS NOT NULL THEN '{m.RELATION_ENDED}' ELSE coalesce(s.status, 'completed') END,
                   CAST(s.amount_value AS DOUBLE), s.amount_currency,
                   CAST(s.stake_pct AS DOUBLE), CAST(s.stake_min AS DOUBLE), CAST(s.stake_max AS DOUBLE), s.role,
                   s.description_nl, s.description_en, s.ended,
                   CASE WHEN s.ended IS NOT NULL THEN {date_start('s.ended')} END
            FROM {b}.b_relations s LEFT JOIN relation_types t ON t.id = s.type""")
        con.execute(f"""
            INSERT INTO indicators
            SELECT s.id, s.subject, coalesce(p.type, CASE WHEN a.id IS NOT NULL THEN 'actor'
                                                        WHEN l.id IS NOT NULL THEN 'layer' ELSE 'unknown' END),
                   s.metric, s.label_nl, s.label_en, CAST(s.value AS DOUBLE), CAST(s.value_min AS DOUBLE),
                   CAST(s.value_max AS DOUBLE), s.unit, s.date, s.period_start, s.period_end, s.baseline_subject,
                   CAST(s.baseline_value AS DOUBLE), s.baseline_label_nl, s.baseline_label_en, s.layer, s.note_nl,
                   s.note_en
            FROM {b}.b_indicators s LEFT JOIN places p ON p.id = s.subject
            LEFT JOIN (SELECT DISTINCT id FROM actors) a ON a.id = s.subject LEFT JOIN layers l ON l.id = s.subject""")
        for kind in KINDS:
            con.execute(f"INSERT INTO citations SELECT '{_SINGULAR[kind]}', id, pos, source, locator, "
                        f"coalesce(confidence, 'high') FROM {b}.l_{kind}_sources")
        # YAML indicators about a CSV actor
        con.execute("UPDATE indicators SET subject_type = 'actor' WHERE subject_type = 'unknown' "
                    "AND subject IN (SELECT id FROM actors)")


def read_bulk(root: Path, problems: list[Problem]) -> Bulk | None:
    """Stage the CSV tables of ``root`` (pass one: header, unreadable rows); None when there are none."""
    files = csv_files(root)
    if not any(files.values()):
        return None
    bulk = Bulk(root)
    try:
        for kind in KINDS:
            bulk._stage(kind, files[kind], problems)
    except BaseException:
        bulk.close()
        raise
    return bulk
