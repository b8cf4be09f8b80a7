"""Network commands: cross-stack integration (chapter 4), bridges between regions and sovereignty.

The help of ``integration --pattern`` names the patterns without importing the analysis (which would make
every ``--help`` wait for pandas, Ibis and scipy): :data:`PATTERN_NAMES` repeats
:data:`stackatlas.analysis.integration.PATTERNS`, and a test checks that the two agree.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..errors import AnalysisError
from ._app import AsOfOpt, Fmt, FormatOpt, emit, records, state

__all__ = ["PATTERN_NAMES", "bridges", "integration", "register", "sovereignty"]

PATTERN_NAMES = ("horizontal", "vertical", "cross-stack-investor")
"""The integration patterns as the help names them (= ``stackatlas.analysis.integration.PATTERNS``)."""


def integration(
    ctx: typer.Context,
    foundries: Annotated[bool, typer.Option("--foundries", help="The table of vertically integrated AI "
                                            "foundries (chips, cloud, AI, applications).")] = False,
    flow: Annotated[bool, typer.Option("--flow", help="Ties between layers: who in one layer invests in, "
                                       "buys from or partners with another.")] = False,
    pattern: Annotated[str | None, typer.Option(help=f"Only actors with this pattern: {', '.join(PATTERN_NAMES)}.")]
    = None,
    min_coverage: Annotated[int, typer.Option(help="--foundries: keep actors covering at least this many "
                                              "of the four columns.")] = 3,
    family: Annotated[list[str] | None, typer.Option(help="--flow: relation families (repeatable; default "
                                                     "capital, collaboration, trade).")] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """How organisations integrate across layers: own, via subsidiaries, via ties, and patterns."""
    from ..analysis.integration import FOUNDRY_LAYERS, PATTERNS
    from ..analysis.integration import foundries as _foundries
    from ..analysis.integration import integration as _integration
    from ..analysis.integration import layer_flow as _layer_flow

    if foundries and flow:
        raise AnalysisError("choose one of --foundries and --flow")
    engine = state(ctx).engine(as_of)
    if foundries:
        table = _foundries(engine, min_coverage=min_coverage)
        emit(records(table), fmt, title=f"{len(table)} integrated AI foundries ({', '.join(FOUNDRY_LAYERS)})")
        return
    if flow:
        table = _layer_flow(engine, families=family or None)
        emit(records(table.round(4)), fmt, title="layer flow (from → to)")
        return
    if pattern is not None and pattern not in PATTERNS:
        raise AnalysisError(f"--pattern must be one of {', '.join(PATTERNS)}, not {pattern!r}")
    table = _integration(engine)
    if pattern is not None:
        table = table[table["patterns"].map(lambda ps: pattern in ps)]
    elif fmt == Fmt.table:
        table = table[table["patterns"].str.len() > 0]
    cols = None if fmt != Fmt.table else ["actor", "name", "layers", "via_subsidiaries", "via_ties", "patterns"]
    emit(records(table), fmt, title=f"cross-stack integration ({len(table)} actors)", columns=cols)


def _jsonable(result: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd

    return {k: records(v.round(6)) if isinstance(v, pd.DataFrame) else v for k, v in result.items()}


def bridges(
    ctx: typer.Context,
    between: Annotated[str, typer.Option("--between", help="First place (e.g. mra).")],
    and_: Annotated[str, typer.Option("--and", help="Second place (e.g. brainport).")],
    presence: Annotated[str, typer.Option(help="all (head office and sites) or hq.")] = "all",
    family: Annotated[list[str] | None, typer.Option(help="Relation families that make a tie (repeatable; "
                                                     "default all).")] = None,
    top: Annotated[int, typer.Option(help="Brokers to show in the table.")] = 10,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Ties within and across two places: E-I index, density ratio, brokers and communities.

    The table shows the summary and the top brokers; json gives everything (ties, brokers, communities);
    csv gives the brokers.
    """
    from ..analysis.bridges import SUMMARY_KEYS
    from ..analysis.bridges import bridges as _bridges

    engine = state(ctx).engine(as_of)
    res = _bridges(engine, a=between, b=and_, presence=presence, families=family or None)
    from .analysis import say_left_out

    say_left_out(engine)
    if fmt == Fmt.json:
        emit(_jsonable(res), fmt)
        return
    brokers = res["brokers"].round(4)
    if fmt == Fmt.csv:
        emit(records(brokers), fmt, columns=list(brokers.columns))
        return
    summary = [{"measure": k, "value": round(v, 4) if isinstance(v, float) else v} for k, v in res.items()
               if k in SUMMARY_KEYS]
    summary.append({"measure": "both", "value": res["both"]})
    emit(summary, fmt, title=f"bridges between {between} and {and_}")
    emit(records(brokers.head(top)), fmt, title="brokers (cross-region betweenness)",
         columns=["actor", "name", "region", "betweenness", "betweenness_norm", "constraint", "degree"])


def sovereignty(
    ctx: typer.Context,
    place: Annotated[str | None, typer.Option(help="Only actors located in this place.")] = None,
    weight: Annotated[str | None, typer.Option(help="Indicator metric to weight actors by.")] = None,
    presence: Annotated[str, typer.Option(help="all (head office and sites) or hq.")] = "all",
    as_of: AsOfOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Who controls each layer: shares by control bloc (NL, EU, US, CN, other), HHI, weakest layer."""
    from ..analysis.sovereignty import sovereignty as _sovereignty

    engine = state(ctx).engine(as_of)
    table = _sovereignty(engine, place=place, weight=weight, presence=presence)
    emit(records(table.round(4)), fmt, title=f"control by bloc per layer{f' ({place})' if place else ''}")


def register(app: typer.Typer) -> None:
    """Add the network commands to ``app``."""
    for command in (integration, bridges, sovereignty):
        app.command()(command)
