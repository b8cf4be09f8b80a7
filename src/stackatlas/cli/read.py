"""Commands that read the dataset: info, validate, build, stats, actors, relations, indicators, places,
sources, layers, recommendations and show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._version import __version__
from ._app import Fmt, FormatOpt, emit, err, out, records, state

__all__ = ["actors", "build", "indicators", "info", "layers", "places", "recommendations", "register",
           "relations", "show", "sources", "stats", "validate"]


def info(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    """Version, dataset folder and database file."""
    st = state(ctx)
    emit({"version": __version__, "data": str(st.data), "db": str(st.db)}, fmt)


def validate(
    ctx: typer.Context,
    directory: Annotated[Path | None, typer.Argument(help="Dataset folder (default: --data).")] = None,
) -> None:
    """Check a dataset; print every problem as path:line:column: field: message. Exit 1 on any problem."""
    from ..dataset.loader import load_dataset

    folder = (directory or state(ctx).data).resolve()
    ds = load_dataset(folder)  # InvalidData is reported by main()
    ds.close()
    out.print(f"[green]ok[/green] {folder}: {ds.count('actors')} actors, {ds.count('relations')} relations, "
              f"{ds.count('indicators')} indicators, {len(ds.municipalities)} municipalities, "
              f"{len(ds.sources)} sources, {len(ds.synergies)} synergies")


def build(ctx: typer.Context,
          force: Annotated[bool, typer.Option(help="Rebuild even if the data did not change.")] = False) -> None:
    """Compile the dataset into DuckDB (atomically: a failed build keeps the old database)."""
    from rich.progress import Progress

    from ..dataset.loader import load_dataset
    from ..store import build as build_db
    from ..store import ensure_db

    st = state(ctx)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("validating", total=None)
        if force:
            ds = load_dataset(st.data)
            progress.update(task, description="writing")
            path = build_db(ds, st.db, progress=lambda t: progress.update(task, description=f"table {t}"))
        else:
            path = ensure_db(st.data, st.db, progress=lambda t: progress.update(task, description=f"table {t}"))
    out.print(f"built {path}")


def stats(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    """Counts of actors, relations, indicators, places, sources, synergies and facts without a source."""
    emit(state(ctx).atlas().stats(), fmt)


def actors(
    ctx: typer.Context,
    layer: Annotated[str | None, typer.Option(help="Layer id, e.g. chips.")] = None,
    place: Annotated[str | None, typer.Option(help="Place id; a region or province means all its "
                                              "municipalities.")] = None,
    kind: Annotated[str | None, typer.Option(help="Actor kind, e.g. startup.")] = None,
    domain: Annotated[str | None, typer.Option(help="Domain id, e.g. health.")] = None,
    q: Annotated[str | None, typer.Option(help="Text in the name, id or aliases.")] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Organisations, with layers, domains, control and sources."""
    df = state(ctx).atlas().actors(layer=layer, place=place, kind=kind, domain=domain, q=q)
    cols = None if fmt != Fmt.table else ["id", "name", "kind", "hq", "layers", "domains", "control_country"]
    emit(records(df), fmt, title=f"{len(df)} actors", columns=cols)


def relations(
    ctx: typer.Context,
    type: Annotated[str | None, typer.Option("--type", help="Relation type, e.g. investment.")] = None,  # noqa: A002
    actor: Annotated[str | None, typer.Option(help="Only ties of this actor.")] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Ties between actors: investments, acquisitions, spin-offs, partnerships, ..."""
    df = state(ctx).atlas().relations(type=type, actor=actor)
    cols = ["id", "type", "from", "to", "date", "status", "amount", "stake_pct", "sources"]
    emit(records(df), fmt, title=f"{len(df)} relations", columns=cols if fmt != Fmt.json else None)


def indicators(
    ctx: typer.Context,
    subject: Annotated[str | None, typer.Option(help="Place, actor or layer id.")] = None,
    metric: Annotated[str | None, typer.Option(help="Metric id.")] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Figures with unit, date, baseline and sources."""
    df = state(ctx).atlas().indicators(subject=subject, metric=metric)
    cols = None if fmt != Fmt.table else ["id", "subject", "value", "unit", "date", "baseline_value", "sources"]
    emit(records(df), fmt, title=f"{len(df)} indicators", columns=cols)


def places(
    ctx: typer.Context,
    type: Annotated[str | None, typer.Option("--type", help="country, province, municipality, region or "  # noqa: A002
                                             "site.")] = None,
    within: Annotated[str | None, typer.Option(help="Municipalities within this region/province.")] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Countries, provinces, municipalities, regions and sites."""
    df = state(ctx).atlas().places(type=type, within=within)
    cols = None if fmt != Fmt.table else ["id", "type", "name", "code", "parent", "lat", "lon"]
    emit(records(df), fmt, title=f"{len(df)} places", columns=cols)


def sources(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    """Sources, with how many facts cite each."""
    df = state(ctx).atlas().sources()
    cols = None if fmt != Fmt.table else ["id", "title", "publisher", "date", "type", "citations"]
    emit(records(df), fmt, title=f"{len(df)} sources", columns=cols)


def layers(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    """The layers of the taxonomy, bottom-up, with their sublayers."""
    df = state(ctx).atlas().layers()
    cols = None if fmt != Fmt.table else ["position", "id", "name_nl", "name_en", "sublayers"]
    emit(records(df), fmt, columns=cols)


def recommendations(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    """The dataset's recommendations, with the synergies, places and actors they concern."""
    df = state(ctx).atlas().recommendations()
    cols = None if fmt != Fmt.table else ["number", "title", "synergies", "places"]
    emit(records(df), fmt, columns=cols)


def show(ctx: typer.Context, ident: Annotated[str, typer.Argument(metavar="ID")],
         fmt: FormatOpt = Fmt.json) -> None:
    """Everything about one id: actor, place, relation, indicator, source, synergy, recommendation, layer."""
    res = state(ctx).atlas().show(ident)
    if fmt == Fmt.json:
        emit(res, fmt)
    else:
        rec = res["record"]
        emit([{"field": k, "value": v} for k, v in rec.items()], fmt, title=f"{res['type']} {ident}")


def register(app: typer.Typer) -> None:
    """Add the read commands to ``app``, in the order of ``stackatlas --help``."""
    for command in (info, validate, build, stats, actors, relations, indicators, places, sources, layers,
                    recommendations, show):
        app.command()(command)
