"""The Typer app, its global options and what every command module shares.

A command module (one per command group, see :data:`stackatlas.cli.COMMAND_GROUPS`) imports from here
only: the context accessor :func:`state`, the output helpers :func:`emit` and :func:`records`, the format
option :data:`FormatOpt` and the consoles :data:`out` and :data:`err`. It never imports ``app`` itself:
the package (:mod:`stackatlas.cli`) hands the app to the module's ``register(app)``.

Nothing here imports the data stack (pydantic, DuckDB, pandas, Ibis): ``stackatlas --help`` and
``stackatlas CMD --help`` only need Typer and Rich. The library is imported when a command runs.
"""

from __future__ import annotations

import sys
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from ._engine import EngineName, EngineOptions, parse_conf

if TYPE_CHECKING:
    import pandas as pd

    from ..atlas import Atlas
    from ..engine import Engine

__all__ = ["AsOfOpt", "Fmt", "FormatOpt", "State", "app", "emit", "err", "out", "records", "state"]

app = typer.Typer(
    name="stackatlas",
    help="The Digital Stack atlas: where regions stand on the stack, how organisations integrate across "
    "layers, and which synergies exist.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(width=None if sys.stdout.isatty() else 160)
"""Standard output (a fixed width of 160 columns when it is not a terminal, so piped tables do not wrap)."""
err = Console(stderr=True)
"""Standard error: progress, notes and error messages."""


class Fmt(str, Enum):
    """The ``--format`` of the read and analysis commands."""

    table = "table"
    json = "json"
    csv = "csv"


FormatOpt = Annotated[Fmt, typer.Option("--format", "-f", help="Output format.")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="The corridor as it stood at the end of this date "
                                             "(YYYY, YYYY-MM or YYYY-MM-DD); undated facts count throughout.")]


class State:
    """The context object of one invocation: the global ``--data`` and ``--db``, and the atlas opened once.

    ``data`` defaults to the bundled dataset and ``db`` to the cache file of that dataset; both are resolved
    to absolute paths when first read (not when the options are parsed, so that ``CMD --help``, which runs
    after the global options, imports nothing of the library). :meth:`atlas` builds the database when it is
    missing or out of date, then opens it.
    """

    def __init__(self, data: Path | None, db: Path | None, engine: EngineOptions | None = None) -> None:
        self._data_option = data
        self._db_option = db
        self._atlas: Atlas | None = None
        self.engine_options = engine or EngineOptions()
        self._engine: Engine | None = None
        self._session: Any = None

    @cached_property
    def data(self) -> Path:
        """The dataset folder."""
        from ..dataset.loader import bundled_path

        return (self._data_option or bundled_path()).resolve()

    @cached_property
    def db(self) -> Path:
        """The DuckDB file."""
        from ..store import default_db_path

        return (self._db_option or default_db_path(self.data)).resolve()

    def atlas(self, as_of: str | None = None) -> Atlas:
        """The :class:`~stackatlas.atlas.Atlas` of ``data`` on ``db`` (built first when needed); with
        ``as_of`` one whose analyses see the dataset as of that date, after a note on standard error of
        how many undated facts were counted as present throughout."""
        if self._atlas is None:
            from ..atlas import Atlas
            from ..errors import AnalysisError
            from ..store import ensure_db

            if self.engine_options.parquet:
                raise AnalysisError("this command reads the compiled DuckDB database; --parquet feeds only the "
                                    "analysis commands (profile, relatedness, integration, sovereignty, bridges, "
                                    "synergies, evaluate, match, guests)")

            ensure_db(self.data, self.db)
            self._atlas = Atlas(self.data, self.db)
        if as_of is None:
            return self._atlas
        dated = self._atlas.at(as_of)
        err.print(dated.undated_note(), highlight=False)
        return dated

    def engine(self, as_of: str | None = None) -> Engine:
        """The engine the analysis commands run on (``--engine``, ``--parquet``, ``--spark-*``), made once;
        with ``as_of`` that engine as of the date (after a note on standard error of how many undated facts
        were counted as present throughout)."""
        if self._engine is None:
            from ._engine import open_engine

            self._engine, self._session = open_engine(self.engine_options, self.atlas)
        if as_of is None:
            return self._engine
        from ..timeframe import undated_note

        dated = self._engine.at(as_of)
        assert dated.as_of is not None
        err.print(undated_note(dated.as_of, dated.undated(), lang="en"), highlight=False)
        return dated

    def compare_pair(self, a: str | None = None, b: str | None = None) -> tuple[str, str]:
        """The two places to compare (``Atlas.compare_pair``; from the engine's tables with ``--parquet``)."""
        if not self.engine_options.parquet:
            return self.atlas().compare_pair(a, b)
        from ..analysis.catalog import compare_pair

        return compare_pair(self.engine(), a, b)

    def synergies(self) -> pd.DataFrame:
        """The curated synergies (``Atlas.synergies``; from the engine's tables with ``--parquet``)."""
        if not self.engine_options.parquet:
            return self.atlas().synergies()
        from ..analysis.catalog import curated_synergies

        return curated_synergies(self.engine())

    def require_duckdb(self, what: str) -> None:
        """Raise :class:`~stackatlas.errors.AnalysisError` unless the engine is DuckDB on the database."""
        from ..errors import AnalysisError

        if self.engine_options.engine != EngineName.duckdb or self.engine_options.parquet:
            raise AnalysisError(f"{what} runs on the DuckDB database only (--engine duckdb, no --parquet)")

    def close(self) -> None:
        """Stop the Spark session this invocation started (called when the command ends)."""
        session, self._session, self._engine = self._session, None, None
        if session is not None:
            session.stop()


@app.callback()
def _global(
    ctx: typer.Context,
    data: Annotated[Path | None, typer.Option("--data", help="Dataset folder (default: the bundled Tech "
                                              "Corridor).", envvar="STACKATLAS_DATA")] = None,
    db: Annotated[Path | None, typer.Option("--db", help="DuckDB file (default: a cache file per dataset).",
                                            envvar="STACKATLAS_DB")] = None,
    engine: Annotated[EngineName, typer.Option("--engine", help="Where the analysis commands run: duckdb or "
                                               "spark (docs/scale.md).", envvar="STACKATLAS_ENGINE")]
    = EngineName.duckdb,
    parquet: Annotated[str | None, typer.Option("--parquet", help="Analyse the Parquet tables of `export parquet` "
                                                "in this folder or URL (hdfs://, s3a://, ...) instead of the "
                                                "database.", envvar="STACKATLAS_PARQUET")] = None,
    spark_remote: Annotated[str | None, typer.Option("--spark-remote", help="Spark Connect server "
                                                     "(sc://HOST:PORT).", envvar="STACKATLAS_SPARK_REMOTE")] = None,
    spark_master: Annotated[str | None, typer.Option("--spark-master", help="Spark master URL (spark://HOST:PORT, "
                                                     "yarn, k8s://...; default local[2]).")] = None,
    spark_conf: Annotated[list[str] | None, typer.Option("--spark-conf", help="A Spark setting KEY=VALUE "
                                                         "(repeatable).")] = None,
) -> None:
    options = EngineOptions(engine, parquet, spark_remote, spark_master, parse_conf(spark_conf))
    options.check()
    st = State(data, db, options)
    ctx.obj = st
    ctx.call_on_close(st.close)


def state(ctx: typer.Context) -> State:
    """The :class:`State` of the invocation that ``ctx`` belongs to (set by the global options).

    Every command that reads the dataset takes ``ctx: typer.Context`` and starts with ``state(ctx)``; a
    sub-command (``evaluate synergies``) finds the same object at the root of its context chain.
    """
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """:func:`stackatlas.atlas.records` (a DataFrame as plain dicts), imported on first use."""
    from ..atlas import records as to_records

    return to_records(df)


def emit(rows: list[dict[str, Any]] | dict[str, Any], fmt: Fmt, *, title: str | None = None,
         columns: list[str] | None = None) -> None:
    """Print ``rows`` as a Rich table, JSON or CSV (:func:`stackatlas.present.output.render`)."""
    from ..present.output import render

    result = render(rows, fmt.value, title=title, columns=columns)
    if isinstance(result, str):
        sys.stdout.write(result if result.endswith("\n") else result + "\n")
    else:
        out.print(result)
