"""``stackatlas metrics``: the economic-complexity toolkit on any long table (CSV or Parquet)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import AnalysisError
from ._app import Fmt, FormatOpt, emit, records

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["metrics", "register"]


class Metric(str, Enum):
    complexity = "complexity"
    proximity = "proximity"
    relatedness = "relatedness"
    fitness = "fitness"


def _read(path: Path) -> pd.DataFrame:
    import pandas as pd

    if not path.is_file():
        raise AnalysisError(f"{path}: no such file")
    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if path.suffix.lower() in (".csv", ".txt"):
        return pd.read_csv(path)
    raise AnalysisError(f"{path}: give a .csv or .parquet file")


def _write(df: pd.DataFrame, path: Path) -> None:
    if path.suffix.lower() in (".parquet", ".pq"):
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)


def metrics(
    what: Annotated[Metric, typer.Argument(help="complexity, proximity, relatedness (density) or fitness.")],
    input: Annotated[Path, typer.Option("--input", "-i", help="Long table: .csv or .parquet.")],  # noqa: A002
    location: Annotated[str, typer.Option(help="Column of locations (e.g. country, region).")],
    activity: Annotated[str, typer.Option(help="Column of activities (e.g. product, layer).")],
    value: Annotated[str, typer.Option(help="Column of values (e.g. exports, employees).")],
    time: Annotated[str | None, typer.Option(help="Column of periods (computed per period).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the result (.csv/.parquet).")] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """RCA, Mcp, diversity, ubiquity, ECI, PCI, proximity, density, COI, COG and fitness–complexity."""
    from ..metrics import complexity, fitness_complexity, proximity

    df = _read(input)
    if what == Metric.complexity:
        out = complexity(df, location=location, activity=activity, value=value, time=time)
    elif what == Metric.proximity:
        out = proximity(df, location=location, activity=activity, value=value, time=time)
    elif what == Metric.relatedness:
        full = complexity(df, location=location, activity=activity, value=value, time=time)
        cols = [c for c in (time, location, activity) if c] + ["mcp", "density"]
        out = full[cols]
    else:
        out = fitness_complexity(df, location=location, activity=activity, value=value, time=time).fitness
    if output is not None:
        _write(out, output)
        typer.echo(f"wrote {len(out)} rows to {output}")
        return
    emit(records(out.head(200) if fmt == Fmt.table else out), fmt, title=f"{what.value} ({len(out)} rows)")


def register(app: typer.Typer) -> None:
    """Add ``metrics`` to ``app``."""
    app.command()(metrics)
