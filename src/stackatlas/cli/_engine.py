"""Where the analysis commands run: the global ``--engine``, ``--parquet`` and ``--spark-*`` options.

``--engine duckdb`` (the default) runs the analyses on the compiled DuckDB database, or with ``--parquet DIR``
on the Parquet exchange read by DuckDB. ``--engine spark`` runs the same Ibis expressions on Spark: with
``--parquet DIR_OR_URL`` Spark reads the tables itself (``spark.read.parquet``; the data never passes
through this process), without it the tables of the local DuckDB database are sent to Spark as Arrow
batches. The session is local (``local[2]``), on a cluster manager (``--spark-master``) or on a Spark Connect
server (``--spark-remote``), with ``--spark-conf KEY=VALUE`` settings. Nothing here imports Spark or Ibis
until a command asks for the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from ..engine import Engine

__all__ = ["EngineName", "EngineOptions", "open_engine", "parse_conf"]


class EngineName(str, Enum):
    """The ``--engine`` of the analysis commands."""

    duckdb = "duckdb"
    spark = "spark"


@dataclass
class EngineOptions:
    """The global engine options of one invocation."""

    engine: EngineName = EngineName.duckdb
    parquet: str | None = None
    spark_remote: str | None = None
    spark_master: str | None = None
    spark_conf: dict[str, str] = field(default_factory=dict)

    def check(self) -> None:
        """Refuse combinations that mean nothing (a usage error, exit code 2)."""
        spark_only = [name for name, value in (("--spark-remote", self.spark_remote),
                                               ("--spark-master", self.spark_master),
                                               ("--spark-conf", self.spark_conf)) if value]
        if spark_only and self.engine != EngineName.spark:
            raise typer.BadParameter(f"{', '.join(spark_only)} needs --engine spark")
        if self.spark_remote and self.spark_master:
            raise typer.BadParameter("give either --spark-remote (Spark Connect) or --spark-master, not both")


def parse_conf(items: list[str] | None) -> dict[str, str]:
    """``["k=v", ...]`` as a dict; a usage error for an item without ``=`` or without a key.

    >>> parse_conf(["spark.executor.memory=2g", "spark.sql.shuffle.partitions=8"])
    {'spark.executor.memory': '2g', 'spark.sql.shuffle.partitions': '8'}
    """
    conf: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"--spark-conf takes KEY=VALUE, not {item!r}")
        conf[key.strip()] = value.strip()
    return conf


def open_engine(opts: EngineOptions, duckdb_atlas: Any) -> tuple[Engine, Any]:
    """The engine ``opts`` asks for, and the Spark session to stop at the end (or None).

    ``duckdb_atlas`` is a callable returning the :class:`~stackatlas.atlas.Atlas` (only called when the
    tables come from the DuckDB database, i.e. without ``--parquet``).
    """
    from ..engine import parquet_engine, spark_engine, spark_session

    if opts.engine == EngineName.duckdb:
        if opts.parquet:
            return parquet_engine(opts.parquet), None
        return duckdb_atlas().engine(), None
    session = spark_session(remote=opts.spark_remote, master=opts.spark_master, conf=opts.spark_conf)
    try:
        if opts.parquet:
            return parquet_engine(opts.parquet, session=session), session
        return spark_engine(duckdb_atlas().con, session=session), session
    except BaseException:
        session.stop()
        raise
