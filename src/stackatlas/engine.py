"""Where row-scaled analytics run: an Ibis backend over the tables of a compiled dataset.

The default is DuckDB on the atlas database (nothing is copied). :func:`spark_engine` copies the tables
an analysis needs into a Spark session (local mode here; a cluster for users who outgrow one machine) so
the very same Ibis expressions run there.
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
from .errors import AnalysisError

__all__ = ["ANALYSIS_TABLES", "Engine", "duckdb_engine", "spark_engine"]

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
        if name not in ANALYSIS_TABLES:
            raise AnalysisError(f"unknown analysis table {name!r}")
        if self.as_of is not None:
            return timeframe.view(name, self.as_of, self._raw, self._views)
        return self.backend.table(name)

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


def spark_engine(source: duckdb.DuckDBPyConnection | Path | str, *, session: Any = None,
                 tables: Iterable[str] | None = None) -> Engine:
    """An engine on PySpark: the analysis tables of ``source`` are copied into ``session``.

    Without a session a local one is started (``local[*]``). Requires the ``spark`` extra
    (``pip install 'stackatlas[spark]'``) and a Java runtime.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise AnalysisError("PySpark is not installed: pip install 'stackatlas[spark]'") from exc
    if session is None:
        session = (SparkSession.builder.master("local[2]").appName("stackatlas")
                   .config("spark.sql.shuffle.partitions", "4")
                   .config("spark.ui.enabled", "false")
                   .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                   .config("spark.sql.session.timeZone", "UTC")
                   .getOrCreate())
    con = source if isinstance(source, duckdb.DuckDBPyConnection) else duckdb.connect(str(source),
                                                                                       read_only=True)
    for name in tables or ANALYSIS_TABLES:
        cols = ", ".join(f'"{c}"' for c in ANALYSIS_TABLES[name])
        arrow = con.sql(f'SELECT {cols} FROM "{name}"').fetch_arrow_table()
        frame = session.createDataFrame(arrow.to_pandas(), schema=_spark_schema(arrow))
        frame.createOrReplaceTempView(name)
    return Engine(ibis.pyspark.connect(session), "pyspark")


def _spark_schema(arrow: Any) -> Any:
    from pyspark.sql import types as T

    mapping = {"string": T.StringType(), "large_string": T.StringType(), "int32": T.IntegerType(),
               "int64": T.LongType(), "double": T.DoubleType(), "bool": T.BooleanType(),
               "date32[day]": T.DateType()}
    fields = [T.StructField(f.name, mapping.get(str(f.type), T.StringType()), True) for f in arrow.schema]
    return T.StructType(fields)


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
