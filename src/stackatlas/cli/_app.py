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

if TYPE_CHECKING:
    import pandas as pd

    from ..atlas import Atlas

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

    def __init__(self, data: Path | None, db: Path | None) -> None:
        self._data_option = data
        self._db_option = db
        self._atlas: Atlas | None = None

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
            from ..store import ensure_db

            ensure_db(self.data, self.db)
            self._atlas = Atlas(self.data, self.db)
        if as_of is None:
            return self._atlas
        dated = self._atlas.at(as_of)
        err.print(dated.undated_note(), highlight=False)
        return dated


@app.callback()
def _global(
    ctx: typer.Context,
    data: Annotated[Path | None, typer.Option("--data", help="Dataset folder (default: the bundled Tech "
                                              "Corridor).", envvar="STACKATLAS_DATA")] = None,
    db: Annotated[Path | None, typer.Option("--db", help="DuckDB file (default: a cache file per dataset).",
                                            envvar="STACKATLAS_DB")] = None,
) -> None:
    ctx.obj = State(data, db)


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
