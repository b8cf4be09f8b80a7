"""Time commands: ``timeline`` (the corridor per period) and ``diff`` (what changed between two versions).

``--as-of`` on the analyses is an option of each analysis command (:data:`~._app.AsOfOpt`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from ._app import Fmt, FormatOpt, emit, err, records, state

__all__ = ["diff", "register", "timeline"]


def timeline(
    ctx: typer.Context,
    between: Annotated[str | None, typer.Option("--between", help="Region A (default: the dataset's pair).")] = None,
    and_: Annotated[str | None, typer.Option("--and", help="Region B (default: the dataset's pair).")] = None,
    since: Annotated[str | None, typer.Option("--since", help="First period: from the first day of this date "
                                              "(YYYY, YYYY-MM or YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last period: to the last day of this date.")]
    = None,
    by: Annotated[str, typer.Option("--by", help="year or quarter.")] = "year",
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Per period: new ties within each region and across the corridor (by type and family), new
    organisations per layer and region, ties ended. Undated facts cannot be placed in a period: how many
    there are is printed on standard error."""
    from ..analysis.timeline import COLUMNS
    from ..analysis.timeline import timeline as _timeline

    atlas = state(ctx).atlas()
    a, b = atlas.compare_pair(between, and_)
    table = _timeline(atlas.engine(), a=a, b=b, by=by, since=since, until=until)
    und = table.attrs["undated"]
    err.print(f"left out (no date): {und['relations']} ties and {und['actors']} organisations of {a} and {b}",
              highlight=False)
    emit(records(table), fmt, title=f"timeline of {a} and {b} by {by}", columns=COLUMNS)


def diff(
    ctx: typer.Context,
    old: Annotated[str | None, typer.Argument(help="The old version: a dataset folder, or a git revision "
                                              "(e.g. HEAD~3, v1.0) of the --data folder.")] = None,
    new: Annotated[str | None, typer.Argument(help="The new version (default: the --data folder as it is).")]
    = None,
    since: Annotated[str | None, typer.Option("--since", help="The working tree of --data against this git "
                                              "revision (instead of OLD NEW).")] = None,
    between: Annotated[str | None, typer.Option("--between", help="Region A of the headline figures "
                                                "(default: the new dataset's pair).")] = None,
    and_: Annotated[str | None, typer.Option("--and", help="Region B.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or markdown.")] = "table",
) -> None:
    """What changed between two versions of a dataset: records field by field and the headline figures
    (counts per layer and region, LQs that crossed 1, crossing ties, E-I index, brokers, curated
    synergies whose evidence grew or shrank)."""
    from ..analysis.changes import diff_versions, to_markdown, to_rows
    from ..errors import StackAtlasError

    st = state(ctx)
    if since is not None:
        if old is not None or new is not None:
            raise StackAtlasError("give --since REV or OLD [NEW], not both")
        old = since
    if old is None:
        raise StackAtlasError("give OLD (a dataset folder or a git revision) or --since REV")
    if fmt not in ("table", "json", "markdown"):
        raise StackAtlasError(f"--format must be table, json or markdown, not {fmt!r}")
    result = diff_versions(old, new, data=st.data, a=between, b=and_, progress=lambda m: err.print(m, style="dim"))
    if fmt == "markdown":
        typer.echo(to_markdown(result))
    elif fmt == "json":
        emit(result, Fmt.json)
    else:
        records_, figures = to_rows(result)
        emit(records_, Fmt.table, title=f"records: {result['old']['label']} → {result['new']['label']}",
             columns=["kind", "id", "change", "field", "old", "new"])
        emit(figures, Fmt.table, title="headline figures", columns=["figure", "key", "old", "new", "change"])


def register(app: typer.Typer) -> None:
    """Add ``timeline`` and ``diff`` to ``app``."""
    app.command()(timeline)
    app.command()(diff)

