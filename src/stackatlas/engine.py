"""Where row-scaled analytics run: an Ibis backend over the tables of a compiled dataset.

The default is DuckDB on the atlas database (nothing is copied). The same Ibis expressions run on Spark:

* :func:`parquet_engine` reads the Parquet exchange (``stackatlas export parquet``, one folder per table,
  :mod:`stackatlas.parquet`) where it lies: Spark with ``spark.read.parquet`` (a local folder, ``hdfs://``,
  ``s3a://``, ``abfss://``: whatever the cluster reads), DuckDB with ``read_parquet``;
* :func:`spark_engine` copies the tables of a local DuckDB database into a Spark session as Arrow record
  batches (no pandas on the way): for data that is on this machine;
* :func:`spark_session` starts or joins the session: local, a standalone/YARN/Kubernetes master, or a
  Spark Connect server (``sc://host:port``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pandas as pd
from ibis.expr.types import Table

from . import timeframe
from ._sql import literal
from .errors import AnalysisError
from .store import SCHEMA

__all__ = ["ANALYSIS_TABLES", "CATALOG_TABLES", "SPARK_DEFAULTS", "Engine", "duckdb_engine", "parquet_engine",
           "spark_engine", "spark_session"]

#: The tables (and columns) the analyses read.
ANALYSIS_TABLES: dict[str, list[str]] = {
    "actors": ["id", "name", "kind", "helix", "hq", "hq_municipality", "hq_country", "control_country",
               "control_bloc", "parent", "founded", "dissolved", "founded_date", "dissolved_date"],
    "actor_layers": ["actor", "position", "layer", "sublayer", "offering", "role"],
    "actor_domains": ["actor", "position", "domain"],
    "actor_sites": ["actor", "position", "place", "municipality", "function", "status", "since_date",
                    "until_date"],
    "places": ["id", "type", "name_nl", "name_en", "parent", "country", "lat", "lon"],
    "place_municipalities": ["place", "municipality"],
    "actor_places": ["actor", "place", "via"],
    "relations": ["id", "type", "family", "directed", "from_actor", "to_actor", "date", "status",
                  "amount_value", "amount_currency", "stake_pct", "date_start", "ended", "ended_date"],
    "relation_types": ["id", "directed", "family"],
    "layers": ["id", "position", "name_nl", "name_en"],
    "indicators": ["id", "subject", "metric", "value", "unit", "date", "period_start"],
    "meta": ["key", "value"],
    "blocs": ["id", "position"],
    "domains": ["id", "name_nl", "name_en"],
    "synergies": ["id", "name_nl", "name_en"],
    "synergy_members": ["synergy", "what", "position", "ref"],
}

#: Tables an engine may hold besides :data:`ANALYSIS_TABLES`: not read by the analyses, but by the
#: catalogue of curated synergies (:mod:`stackatlas.analysis.catalog`) when there is no DuckDB atlas.
CATALOG_TABLES: dict[str, list[str]] = {
    "citations": ["subject_type", "subject", "position", "source", "locator", "confidence"],
}

#: The Spark settings a session gets unless ``--spark-conf`` says otherwise: UTC (dates are dates, not
#: local midnights), Arrow for results, few shuffle partitions (the analysis tables are narrow; raise it on a
#: cluster with ``spark.sql.shuffle.partitions``), no web UI and no progress bars (the output is a table).
SPARK_DEFAULTS: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


class Engine:
    """An Ibis backend holding the analysis tables. ``name`` is ``"duckdb"`` or ``"pyspark"``.

    ``as_of`` (a date) makes :meth:`table` hand out the tables as they stood on that day
    (:mod:`stackatlas.timeframe`); :meth:`at` makes such an engine on the same backend.
    """

    def __init__(self, backend: Any, name: str, *, as_of: dt.date | None = None) -> None:
        self.backend = backend
        self.name = name
        self.as_of = as_of
        self._memo: dict[Any, Any] = {}
        self._views: dict[str, Table] = {}

    def at(self, as_of: str | dt.date | None) -> Engine:
        """This engine's backend as of ``as_of`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``: the end of it), or
        as stored when None."""
        if as_of is None:
            return self if self.as_of is None else Engine(self.backend, self.name)
        return Engine(self.backend, self.name, as_of=timeframe.as_of_date(as_of))

    def undated(self) -> dict[str, int]:
        """How many facts without a date this engine counts as present throughout (``actors``,
        ``relations``, ``sites``): what an as-of output says about itself."""
        day = self.as_of or dt.date.max
        return self.cached(("undated", day), lambda: timeframe.undated(self._raw, day, lambda e: int(e.to_pyarrow().as_py())))

    def _raw(self, name: str) -> Table:
        return self.backend.table(name)

    def cached(self, key: Any, compute: Any) -> Any:
        """``compute()`` once per engine for ``key``: for small results that several analyses of one
        run need (e.g. a baseline's counts). An engine reads one database state, so they cannot go
        stale; callers must not mutate what they get."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def table(self, name: str) -> Table:
        if name not in ANALYSIS_TABLES and name not in CATALOG_TABLES:
            raise AnalysisError(f"unknown analysis table {name!r}")
        if self.as_of is not None:
            return timeframe.view(name, self.as_of, self._raw, self._views)
        return self.backend.table(name)

    def has_table(self, name: str) -> bool:
        """Whether the backend holds ``name`` (a :data:`CATALOG_TABLES` table may be missing).

        Asked by looking the table up (Ibis 12's ``list_tables`` fails on DuckDB 2); any error means no."""
        try:
            self.backend.table(name)
        except Exception:
            return False
        return True

    def execute(self, expr: Table) -> pd.DataFrame:
        """Run an expression on the backend and return a pandas DataFrame."""
        df = expr.to_pandas()
        return df.reset_index(drop=True)

    def ordered_collect(self, value: Any, order_by: list[Any], *, where: Any = None) -> Any:
        """``value`` aggregated into an array ordered by ``order_by``, on any backend.

        DuckDB orders the aggregation itself; backends that cannot (Spark's ``collect_list`` has no
        order) collect ``(keys..., value)`` structs, sort the array (structs compare field by field)
        and keep the values.
        """
        if self.name == "duckdb":
            return value.collect(order_by=order_by, where=where)
        fields = {f"k{i}": k for i, k in enumerate(order_by)}
        fields["v"] = value
        return ibis.struct(fields).collect(where=where).sort().map(lambda x: x.v)

    def bit_or(self, value: Any, bits: int, *, where: Any = None) -> Any:
        """Aggregate: the bitwise OR of non-negative integers below ``2**bits``, on any backend.

        DuckDB has ``bit_or``; elsewhere (Spark through Ibis has no rule for it) each bit is the maximum
        of ``floor(x / 2^b) mod 2`` and the bits are added up.
        """
        if self.name == "duckdb":
            return value.bit_or(where=where)
        total: Any = ibis.literal(0, type="int64")
        for b in range(bits):
            bit = ((value // (1 << b)) % 2).cast("int64").max(where=where).fill_null(0)
            total = total + bit * (1 << b)
        return total

    def execute_arrow(self, expr: Table) -> Any:
        """Run an expression and return a ``pyarrow.Table`` (no pandas conversion: for large results
        whose columns go straight to numpy)."""
        return expr.to_pyarrow()

    def execute_lists(self, expr: Table, list_columns: Iterable[str]) -> pd.DataFrame:
        """Like :meth:`execute`, for results with array-of-string columns: those become Python lists
        (``[]`` for a missing array).

        Analyses return a million short lists drawn from few distinct ones (the layers of an actor), so
        each distinct list is converted once through Arrow's dictionary encoding and copied per row;
        converting every cell costs several seconds at that size.
        """
        arrow = self.execute_arrow(expr)
        lists = set(list_columns)
        data: dict[str, Any] = {}
        for name in arrow.column_names:
            col = arrow.column(name)
            data[name] = _string_lists(col) if name in lists else col.to_pandas()
        return pd.DataFrame(data, columns=arrow.column_names)

    def meta(self, key: str) -> str | None:
        m = self.table("meta")
        df = self.execute(m.filter(m.key == key).select("value"))
        return None if df.empty else str(df["value"].iloc[0])


def duckdb_engine(source: duckdb.DuckDBPyConnection | Path | str) -> Engine:
    """An engine on a DuckDB connection (or database file, opened read-only)."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        backend = ibis.duckdb.from_connection(source)
    else:
        backend = ibis.duckdb.connect(str(source), read_only=True)
    return Engine(backend, "duckdb")


def _require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise AnalysisError("PySpark is not installed: pip install 'stackatlas[spark]'") from exc


def spark_session(*, remote: str | None = None, master: str | None = None, conf: dict[str, str] | None = None,
                  app_name: str = "stackatlas") -> Any:
    """A Spark session: on a Spark Connect server (``remote="sc://host:15002"``), on a cluster manager
    (``master="spark://host:7077"``, ``yarn``, ``k8s://...``) or, with neither, in local mode
    (``local[2]``). ``conf`` is added to (and overrides) :data:`SPARK_DEFAULTS`; on Spark Connect the
    server's own settings apply and only SQL settings can be changed.

    An existing session of this process is reused (Spark allows one per process); ``conf`` is then
    applied to it where Spark allows.
    """
    _require_pyspark()
    from pyspark.sql import SparkSession

    if remote and master:
        raise AnalysisError("give either a Spark Connect address (--spark-remote) or a master (--spark-master)")
    settings = {**SPARK_DEFAULTS, **(conf or {})}
    builder = SparkSession.builder.appName(app_name)
    if remote:
        if not remote.startswith("sc://"):
            raise AnalysisError(f"a Spark Connect address starts with sc://, not {remote!r}")
        builder = builder.remote(remote)
        settings = {k: v for k, v in settings.items() if k.startswith("spark.sql.")}
    else:
        builder = builder.master(master or "local[2]")
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as exc:  # Py4J, gRPC and Spark errors: say where it failed, not how
        raise AnalysisError(f"cannot start a Spark session on {remote or master or 'local[2]'}: "
                            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc


def spark_engine(source: duckdb.DuckDBPyConnection | Path | str, *, session: Any = None,
                 tables: Iterable[str] | None = None) -> Engine:
    """An engine on PySpark: the analysis tables of the DuckDB database ``source`` are copied into
    ``session`` as Arrow record batches (``createDataFrame(pyarrow.Table)``: no pandas; over Spark Connect
    the batches travel to the server as they are).

    For data that is on this machine. Data that is already in a data lake, or too large to pass through
    one process, is read where it lies: :func:`parquet_engine`. Without a session a local one is started
    (:func:`spark_session`). Requires the ``spark`` extra (``pip install 'stackatlas[spark]'``) and Java.
    """
    _require_pyspark()
    if session is None:
        session = spark_session()
    con = source if isinstance(source, duckdb.DuckDBPyConnection) else duckdb.connect(str(source),
                                                                                       read_only=True)
    for name in tables or ANALYSIS_TABLES:
        cols = ", ".join(f'"{c}"' for c in ANALYSIS_TABLES[name])
        arrow = con.sql(f'SELECT {cols} FROM "{name}"').fetch_arrow_table()
        session.createDataFrame(arrow).createOrReplaceTempView(name)
    return Engine(ibis.pyspark.connect(session), "pyspark")


def parquet_engine(location: str | Path, *, session: Any = None, cache: bool = True) -> Engine:
    """An engine over the Parquet exchange at ``location`` (a folder or a URL such as
    ``s3a://bucket/atlas``; one sub-folder per table, see :mod:`stackatlas.parquet`).

    With a Spark ``session`` every table is ``session.read.parquet(location/table)`` with the schema of
    docs/database.md given (so Spark does not run a job per table to read the files' footers) and runs on
    Spark; the data never passes through this process. Without one, DuckDB reads the files (``read_parquet``, views
    only: nothing is loaded until a query runs). On Spark ``cache`` keeps each table in the executors'
    memory (spilling to disk) once it is first read: an analysis reads the same tables many times (a
    bootstrap of synergy scores runs hundreds of queries). Every :data:`ANALYSIS_TABLES` table must be there
    (:class:`AnalysisError` names the missing folder); :data:`CATALOG_TABLES` are optional.
    """
    base = str(location).rstrip("/")
    if session is None:
        return _duckdb_parquet(base)
    _require_pyspark()
    for name in [*ANALYSIS_TABLES, *CATALOG_TABLES]:
        try:
            frame = session.read.schema(_spark_ddl(name)).parquet(f"{base}/{name}")
            (frame.cache() if cache else frame).createOrReplaceTempView(name)
        except Exception as exc:  # AnalysisException PATH_NOT_FOUND (classic and Connect)
            if name in CATALOG_TABLES:
                continue
            raise AnalysisError(f"{base}/{name}: cannot read the Parquet table {name!r} "
                                f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
                                "write the tables with `stackatlas export parquet -o DIR`") from exc
    return Engine(ibis.pyspark.connect(session), "pyspark")


_SPARK_TYPES = {"VARCHAR": "STRING", "INTEGER": "INT", "DOUBLE": "DOUBLE", "BOOLEAN": "BOOLEAN", "DATE": "DATE"}


def _spark_ddl(table: str) -> str:
    """The Spark schema of ``table`` as DDL (``store.SCHEMA`` in Spark's types).

    >>> _spark_ddl("meta")
    '`key` STRING, `value` STRING'
    """
    return ", ".join(f"`{c}` {_SPARK_TYPES[t]}" for c, t in SCHEMA[table])


def _duckdb_parquet(base: str) -> Engine:
    con = duckdb.connect()
    local = "://" not in base
    for name in [*ANALYSIS_TABLES, *CATALOG_TABLES]:
        folder = f"{base}/{name}"
        if local and not Path(folder).is_dir():
            if name in CATALOG_TABLES:
                continue
            raise AnalysisError(f"{folder}: no such folder; write the tables with `stackatlas export parquet`")
        con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet({literal(folder + "/*.parquet")})')
    return Engine(ibis.duckdb.from_connection(con), "duckdb")


def _string_lists(col: Any) -> list[list[str]]:
    """A chunked Arrow ``list<string>`` column as Python lists, converting each distinct list once."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if len(arr) == 0:
        return []
    sep = "\x1f"  # the unit separator; should a value contain it, convert cell by cell
    if pc.any(pc.match_substring(arr.flatten(), sep)).as_py():
        return [[] if v is None else v for v in arr.to_pylist()]
    # key = "<length>" sep "<joined values>": the length tells [] from [""]
    n = pc.cast(pc.list_value_length(arr), pa.string())
    keys = pc.binary_join_element_wise(n, pc.binary_join(arr, sep), sep).dictionary_encode()
    protos = [[] if k is None or k.startswith("0" + sep) else k.split(sep)[1:]
              for k in keys.dictionary.to_pylist()]
    idx = keys.indices.fill_null(-1).to_numpy(zero_copy_only=False).tolist()
    return [[] if i < 0 else protos[i].copy() for i in idx]
