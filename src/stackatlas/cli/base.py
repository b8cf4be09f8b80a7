"""The ``stackatlas`` command line: a thin layer over the library; errors are translated here."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from .._version import __version__
from ..atlas import Atlas, records
from ..dataset.loader import bundled_path, load_dataset
from ..errors import InvalidData, StackAtlasError
from ..present.output import render
from ..store import build as build_db
from ..store import default_db_path, ensure_db

__all__ = ["app", "main"]

app = typer.Typer(
    name="stackatlas",
    help="The Digital Stack atlas: where regions stand on the stack, how organisations integrate across "
    "layers, and which synergies exist.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)


class Fmt(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOpt = Annotated[Fmt, typer.Option("--format", "-f", help="Output format.")]


class State:
    def __init__(self, data: Path | None, db: Path | None) -> None:
        self.data = (data or bundled_path()).resolve()
        self.db = (db or default_db_path(self.data)).resolve()
        self._atlas: Atlas | None = None

    def atlas(self) -> Atlas:
        if self._atlas is None:
            ensure_db(self.data, self.db)
            self._atlas = Atlas(self.data, self.db)
        return self._atlas


@app.callback()
def _global(
    ctx: typer.Context,
    data: Annotated[Path | None, typer.Option("--data", help="Dataset folder (default: the bundled Tech "
                                              "Corridor).", envvar="STACKATLAS_DATA")] = None,
    db: Annotated[Path | None, typer.Option("--db", help="DuckDB file (default: a cache file per dataset).",
                                            envvar="STACKATLAS_DB")] = None,
) -> None:
    ctx.obj = State(data, db)


def _state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def emit(rows: list[dict[str, Any]] | dict[str, Any], fmt: Fmt, *, title: str | None = None,
         columns: list[str] | None = None) -> None:
    result = render(rows, fmt.value, title=title, columns=columns)
    if isinstance(result, str):
        sys.stdout.write(result if result.endswith("\n") else result + "\n")
    else:
        out.print(result)


@app.command()
def info(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    """Version, dataset folder and database file."""
    st = _state(ctx)
    emit({"version": __version__, "data": str(st.data), "db": str(st.db)}, fmt)


@app.command()
def validate(
    ctx: typer.Context,
    directory: Annotated[Path | None, typer.Argument(help="Dataset folder (default: --data).")] = None,
) -> None:
    """Check a dataset; print every problem as path:line:column: field: message. Exit 1 on any problem."""
    folder = (directory or _state(ctx).data).resolve()
    ds = load_dataset(folder)  # InvalidData is reported by main()
    ds.close()
    out.print(f"[green]ok[/green] {folder}: {ds.count('actors')} actors, {ds.count('relations')} relations, "
              f"{ds.count('indicators')} indicators, {len(ds.municipalities)} municipalities, "
              f"{len(ds.sources)} sources, {len(ds.synergies)} synergies")


@app.command()
def build(ctx: typer.Context,
          force: Annotated[bool, typer.Option(help="Rebuild even if the data did not change.")] = False) -> None:
    """Compile the dataset into DuckDB (atomically: a failed build keeps the old database)."""
    from rich.progress import Progress

    st = _state(ctx)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("validating", total=None)
        if force:
            ds = load_dataset(st.data)
            progress.update(task, description="writing")
            path = build_db(ds, st.db, progress=lambda t: progress.update(task, description=f"table {t}"))
        else:
            path = ensure_db(st.data, st.db, progress=lambda t: progress.update(task, description=f"table {t}"))
    out.print(f"built {path}")


@app.command()
def stats(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    """Counts of actors, relations, indicators, places, sources, synergies and facts without a source."""
    emit(_state(ctx).atlas().stats(), fmt)


@app.command()
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
    df = _state(ctx).atlas().actors(layer=layer, place=place, kind=kind, domain=domain, q=q)
    cols = None if fmt != Fmt.table else ["id", "name", "kind", "hq", "layers", "domains", "control_country"]
    emit(records(df), fmt, title=f"{len(df)} actors", columns=cols)


@app.command()
def relations(
    ctx: typer.Context,
    type: Annotated[str | None, typer.Option("--type", help="Relation type, e.g. investment.")] = None,  # noqa: A002
    actor: Annotated[str | None, typer.Option(help="Only ties of this actor.")] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Ties between actors: investments, acquisitions, spin-offs, partnerships, ..."""
    df = _state(ctx).atlas().relations(type=type, actor=actor)
    cols = ["id", "type", "from", "to", "date", "status", "amount", "stake_pct", "sources"]
    emit(records(df), fmt, title=f"{len(df)} relations", columns=cols if fmt != Fmt.json else None)


@app.command()
def indicators(
    ctx: typer.Context,
    subject: Annotated[str | None, typer.Option(help="Place, actor or layer id.")] = None,
    metric: Annotated[str | None, typer.Option(help="Metric id.")] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Figures with unit, date, baseline and sources."""
    df = _state(ctx).atlas().indicators(subject=subject, metric=metric)
    cols = None if fmt != Fmt.table else ["id", "subject", "value", "unit", "date", "baseline_value", "sources"]
    emit(records(df), fmt, title=f"{len(df)} indicators", columns=cols)


@app.command()
def places(
    ctx: typer.Context,
    type: Annotated[str | None, typer.Option("--type", help="country, province, municipality, region or "  # noqa: A002
                                             "site.")] = None,
    within: Annotated[str | None, typer.Option(help="Municipalities within this region/province.")] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Countries, provinces, municipalities, regions and sites."""
    df = _state(ctx).atlas().places(type=type, within=within)
    cols = None if fmt != Fmt.table else ["id", "type", "name", "code", "parent", "lat", "lon"]
    emit(records(df), fmt, title=f"{len(df)} places", columns=cols)


@app.command()
def sources(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    """Sources, with how many facts cite each."""
    df = _state(ctx).atlas().sources()
    cols = None if fmt != Fmt.table else ["id", "title", "publisher", "date", "type", "citations"]
    emit(records(df), fmt, title=f"{len(df)} sources", columns=cols)


@app.command()
def layers(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    """The layers of the taxonomy, bottom-up, with their sublayers."""
    df = _state(ctx).atlas().layers()
    cols = None if fmt != Fmt.table else ["position", "id", "name_nl", "name_en", "sublayers"]
    emit(records(df), fmt, columns=cols)


@app.command()
def recommendations(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    """The dataset's recommendations, with the synergies, places and actors they concern."""
    df = _state(ctx).atlas().recommendations()
    cols = None if fmt != Fmt.table else ["number", "title", "synergies", "places"]
    emit(records(df), fmt, columns=cols)


@app.command()
def show(ctx: typer.Context, ident: Annotated[str, typer.Argument(metavar="ID")],
         fmt: FormatOpt = Fmt.json) -> None:
    """Everything about one id: actor, place, relation, indicator, source, synergy, recommendation, layer."""
    res = _state(ctx).atlas().show(ident)
    if fmt == Fmt.json:
        emit(res, fmt)
    else:
        rec = res["record"]
        emit([{"field": k, "value": v} for k, v in rec.items()], fmt, title=f"{res['type']} {ident}")


def _register() -> None:
    """Import the modules that add their commands to ``app``."""
    import importlib

    for name in ("analysis", "network", "web", "scale", "metrics", "importing", "report"):
        importlib.import_module(f"stackatlas.cli.{name}")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and translate library errors into messages and exit codes."""
    _register()
    try:
        app(args=argv, standalone_mode=False)
    except InvalidData as exc:
        for p in exc.errors:
            sys.stderr.write(f"{p}\n")
        err.print(f"[red]{len(exc.errors)} problem(s)[/red]; nothing was changed.")
        return 1
    except StackAtlasError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        err.print("aborted")
        return 1
    except Exception as exc:  # click's (or typer's bundled click's) usage errors
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            return code
        raise
    return 0


def run() -> None:  # console_scripts entry point
    sys.exit(main())
