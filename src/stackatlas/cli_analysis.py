"""CLI commands for the analyses of chapter 3 (profile) and of relatedness. Registered on import."""

from __future__ import annotations

from typing import Annotated

import typer

from .analysis import duckdb_engine
from .analysis import profile as _profile
from .analysis import relatedness as _relatedness
from .analysis import specialisation as _specialisation
from .atlas import records
from .cli import Fmt, FormatOpt, _state, app, emit

__all__ = ["profile", "relatedness"]


@app.command()
def profile(
    ctx: typer.Context,
    level: Annotated[str, typer.Option(help="municipality, region, province, country or site.")] = "municipality",
    by: Annotated[str, typer.Option(help="layer, sublayer or domain.")] = "layer",
    baseline: Annotated[str | None, typer.Option(help="Baseline place (default: the dataset's).")] = None,
    weight: Annotated[str | None, typer.Option(help="Indicator metric to weight actors by.")] = None,
    fractional: Annotated[bool, typer.Option(help="An actor in k layers counts 1/k in each.")] = False,
    presence: Annotated[str, typer.Option(help="all (head office and sites) or hq.")] = "all",
    place: Annotated[list[str] | None, typer.Option(help="Only these places (repeatable).")] = None,
    summary: Annotated[bool, typer.Option(help="Per place: Krugman, Hoover, HHI, entropy.")] = False,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Where each place stands on the stack: counts, shares, location quotients with 95% intervals."""
    atlas = _state(ctx).atlas()
    table = _profile(duckdb_engine(atlas.con), level=level, by=by, baseline=baseline, weight=weight,
                     fractional=fractional, presence=presence, places=place or None)
    if summary:
        emit(records(_specialisation(table.rename(columns={by: "layer"}))), fmt, title="specialisation")
        return
    if fmt == Fmt.table:
        table = table[table["count"] > 0]
    emit(records(table.round(4)), fmt, title=f"profile by {by} ({level})")


@app.command()
def relatedness(
    ctx: typer.Context,
    by: Annotated[str, typer.Option(help="layer, sublayer or domain.")] = "layer",
    method: Annotated[str, typer.Option(help="association, cosine, jaccard or prob.")] = "association",
    with_relations: Annotated[bool, typer.Option(help="Also count co-occurrence across ties.")] = False,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """How layers go together within organisations (and across ties), with z, p and q-values."""
    atlas = _state(ctx).atlas()
    table = _relatedness(duckdb_engine(atlas.con), by=by, method=method, with_relations=with_relations)
    if fmt == Fmt.table:
        col = f"{by}_a"
        table = table[table[col] < table[f"{by}_b"]].sort_values("z", ascending=False)
    emit(records(table.round(4)), fmt, title=f"relatedness ({method})")
