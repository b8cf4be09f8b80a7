"""CLI commands to take data in and out: ``import`` (csv, parquet, wikidata), ``dedupe``, ``merge``, ``export``.

The work is done by :mod:`stackatlas.importers`, imported when a command runs.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from ._app import Fmt, FormatOpt, emit, err, out, records, state

__all__ = ["dedupe", "export", "import_csv", "import_parquet", "import_wikidata", "merge", "region_add",
           "region_list", "register"]


class OutFormat(str, Enum):
    auto = "auto"
    yaml = "yaml"
    csv = "csv"


MappingOpt = Annotated[Path, typer.Option("--mapping", "-m", help="The mapping (YAML; docs/importing.md).")]
IntoOpt = Annotated[Path, typer.Option("--into", help="Dataset folder to write (created from the base dataset "
                                       "when it is not one yet).")]
PlacesOpt = Annotated[Path | None, typer.Option("--places", help="Dataset whose places resolve locations "
                                                "(default: the target folder, else the bundled dataset).")]
TableOpt = Annotated[str | None, typer.Option("--table", help="The mapping's table (default: by file name).")]
OutOpt = Annotated[OutFormat, typer.Option("--format", help="auto: YAML up to 2,000 records, CSV tables above.")]
DateOpt = Annotated[str | None, typer.Option("--date", help="Import date of the source record (YYYY-MM-DD).")]


def _progress_import(files: list[Path], fmt: str, mapping: Path, into: Path, table: str | None,
                     places: Path | None, out_format: OutFormat, date: str | None) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from ..importers.tabular import import_table

    results = []
    for file in files:
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                      TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True) as bar:
            task = bar.add_task(f"importing {file.name}", total=None)

            def tick(done: int, total: int, task: Any = task, bar: Any = bar) -> None:
                bar.update(task, completed=done, total=total or None)

            res = import_table(file, mapping, into, fmt=fmt, table=table, places=places,
                               out_format=out_format.value, date=date, progress=tick)
        results.append(res)
        _summary(res)


def _summary(res: Any) -> None:
    out.print(f"[green]{res.file.name}[/green] -> table {res.table}: {res.rows:,} rows, {res.written:,} "
              f"{res.records} written, {res.rejected:,} rejected, {res.warnings:,} values dropped "
              f"({res.seconds:.1f} s)")
    for p in res.outputs:
        out.print(f"  wrote {p}")
    if res.reasons:
        out.print("  rejected rows:")
        for reason, k in res.reasons[:10]:
            out.print(f"    {k:>8,}  {reason}")
    if res.unmapped:
        out.print(f"  unmapped categories ({len(res.unmapped)}; add them to the mapping's categories):")
        for cat, k in res.unmapped[:15]:
            out.print(f"    {k:>8,}  {cat}")
        if len(res.unmapped) > 15:
            out.print(f"    ... and {len(res.unmapped) - 15} more")
    if res.unresolved:
        out.print(f"  cities not found, head office set to the country ({len(res.unresolved)}):")
        for place, k in res.unresolved[:10]:
            out.print(f"    {k:>8,}  {place}")
    if getattr(res, "ambiguous", None):
        out.print(f"  ambiguous cities, not guessed ({len(res.ambiguous)}; give the region or country):")
        for place, k in res.ambiguous[:10]:
            out.print(f"    {k:>8,}  {escape(place)}")
    if getattr(res, "no_location", 0):
        out.print(f"  kept without a head office (no location): {res.no_location:,}")
    if getattr(res, "added_cities", None):
        shown = ", ".join(res.added_cities[:10]) + (" ..." if len(res.added_cities) > 10 else "")
        out.print(f"  cities added from the gazetteer ({len(res.added_cities)}): {escape(shown)}")
    if res.added_countries:
        out.print(f"  countries added to the places: {', '.join(res.added_countries)}")
    out.print(f"  report: {res.report}")


def import_csv(
    files: Annotated[list[Path], typer.Argument(help="CSV files (each matched to a table of the mapping).")],
    mapping: MappingOpt, into: IntoOpt, table: TableOpt = None, places: PlacesOpt = None,
    out_format: OutOpt = OutFormat.auto, date: DateOpt = None,
) -> None:
    """Import CSV files as the mapping says: actors (organisations) or relations (ties)."""
    _progress_import(files, "csv", mapping, into, table, places, out_format, date)


def import_parquet(
    files: Annotated[list[Path], typer.Argument(help="Parquet files (each matched to a table of the mapping).")],
    mapping: MappingOpt, into: IntoOpt, table: TableOpt = None, places: PlacesOpt = None,
    out_format: OutOpt = OutFormat.auto, date: DateOpt = None,
) -> None:
    """Import Parquet files as the mapping says (streamed in row batches)."""
    _progress_import(files, "parquet", mapping, into, table, places, out_format, date)


def import_wikidata(
    place: Annotated[str, typer.Option("--place", help="A municipality id of the base dataset (e.g. eindhoven) "
                                       "or a Wikidata id (Q9832).")],
    into: IntoOpt,
    kind: Annotated[str | None, typer.Option("--kind", help="Actor kind of the imported organisations (default: "
                                             "from their Wikidata class).")] = None,
    places: PlacesOpt = None,
    cache: Annotated[Path | None, typer.Option("--cache", help="Folder of cached responses (default: the user "
                                               "cache).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many organisations.")] = 5000,
    layer: Annotated[str, typer.Option(help=escape("Layer for organisations whose industry maps to none "
                                              "(LAYER[/SUBLAYER][:ROLE])."))] = "applications:secondary",
    date: DateOpt = None,
) -> None:
    """Import the organisations located in a municipality from Wikidata (SPARQL + wbgetentities, cached)."""
    from ..importers.wikidata import import_wikidata as run

    res = run(place, into, kind=kind, places=places, cache=cache, limit=limit, default_layer=layer, date=date,
              log=lambda msg: err.print(f"[dim]{msg}[/dim]"))
    out.print(f"[green]wikidata[/green] {res.place} ({res.qid}): {res.items} items, {res.actors} actors, "
              f"{res.relations} relations, {res.skipped} skipped; {res.requests} requests "
              f"({res.cached} from the cache)")
    for p in res.outputs:
        out.print(f"  wrote {p}")


def dedupe(
    directory: Annotated[Path, typer.Argument(help="Dataset folder.")],
    threshold: Annotated[float, typer.Option(help="--method rapidfuzz: name similarity (0-100, token-set ratio "
                                             "after removing legal forms) from which a pair is proposed.")] = 90.0,
    method: Annotated[str, typer.Option(help="splink (Fellegi-Sunter match probability; docs/importing.md) or "
                                        "rapidfuzz (name similarity).")] = "splink",
    min_probability: Annotated[float, typer.Option(help="--method splink: the match probability from which a "
                                                   "pair is proposed.")] = 0.5,
    apply: Annotated[bool, typer.Option("--apply", help="Merge the pairs judged `same` in judgements.yaml.")]
    = False,
    undo: Annotated[bool, typer.Option("--undo", help="Restore every merge --apply made.")] = False,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Propose merges of actors that are the same organisation; apply (and undo) the judged ones."""
    from ..importers import dedupe as dd

    if apply and undo:
        raise typer.BadParameter("give --apply or --undo, not both")
    if apply:
        done = dd.apply(directory)
        out.print(f"merged {len(done)} pair(s)" + "".join(f"\n  {a} <- {b}" for a, b in done))
        return
    if undo:
        done = dd.undo(directory)
        out.print(f"restored {len(done)} actor(s)" + "".join(f"\n  {b} (from {a})" for a, b in done))
        return
    res = dd.propose(directory, threshold=threshold, method=method, min_probability=min_probability)
    rows = [{"a": p.a, "b": p.b, "score": round(p.score, 1), "evidence": p.evidence, "decision": p.decision}
            for p in res.pairs]
    emit(rows, fmt, title=f"{len(res.pairs)} candidate pairs ({res.new} new) in {res.path}",
         columns=["a", "b", "score", "evidence", "decision"])
    err.print("Judge each pair in judgements.yaml (decision: same | not-same | unsure), then run "
              "`stackatlas dedupe DIR --apply`.")


def merge(
    src: Annotated[Path, typer.Argument(help="The dataset to add (e.g. an import).")],
    into: Annotated[Path, typer.Option("--into", help="The curated dataset that receives it.")],
    threshold: Annotated[float, typer.Option(help="Name similarity from which actors are taken as the same "
                                             "(besides shared Wikidata id, LEI, KvK number or website).")] = 95.0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only; change nothing.")] = False,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Add a dataset to another without overwriting its facts: curated wins, new facts come with sources."""
    from ..importers.merge import merge_datasets

    rep = merge_datasets(src, into, threshold=threshold, dry_run=dry_run)
    emit([{"what": r.what, "kind": r.kind, "id": r.ident, "field": r.field, "detail": r.detail}
          for r in rep.rows], fmt, title=rep.title(), columns=["what", "kind", "id", "field", "detail"])
    if rep.report_path is not None:
        err.print(f"report: {rep.report_path}")


class ExportFormat(str, Enum):
    gexf = "gexf"
    graphml = "graphml"
    csv = "csv"
    ftm = "ftm"
    parquet = "parquet"


def export(
    ctx: typer.Context,
    what: Annotated[ExportFormat | None, typer.Argument(metavar="[FORMAT]", help="The format, as an "
                                                        "alternative to --format: `export parquet -o DIR`.")]
    = None,
    fmt: Annotated[ExportFormat | None, typer.Option("--format", help="gexf or graphml (Gephi, networkx), csv "
                                                     "(nodes.csv + edges.csv), ftm (FollowTheMoney JSON lines) "
                                                     "or parquet (every table, one folder each: docs/scale.md).")]
    = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="File (a folder for csv and parquet).")] = Path(),
) -> None:
    """Export the compiled dataset as a graph (actors as nodes, relations as edges) or as Parquet tables."""
    from ..importers.graph_export import export_graph

    chosen = what or fmt
    if chosen is None or (what is not None and fmt is not None and what != fmt):
        raise typer.BadParameter("give the format once: `export parquet -o DIR` or `export --format gexf -o FILE`")
    if output == Path():
        raise typer.BadParameter("--output / -o is required")
    st = state(ctx)
    if chosen == ExportFormat.parquet:
        from ..parquet import export_parquet

        done = export_parquet(st.atlas().con, output)
        out.print(f"wrote {done.path}: {len(done.rows)} tables, {sum(done.rows.values()):,} rows, "
                  f"{done.bytes / 1e6:,.1f} MB")
        return
    res = export_graph(st.atlas().con, chosen.value, output)
    out.print(f"wrote {res.path}: {res.nodes:,} nodes, {res.edges:,} edges")


def register(app: typer.Typer) -> None:
    """Add the ``import`` group (csv, parquet, wikidata) and dedupe, merge and export to ``app``."""
    import_app = typer.Typer(name="import", help="Import organisations and ties from tables or Wikidata into a "
                             "dataset folder (docs/importing.md).", no_args_is_help=True)
    import_app.command("csv")(import_csv)
    import_app.command("parquet")(import_parquet)
    import_app.command("wikidata")(import_wikidata)
    app.add_typer(import_app, name="import")
    for command in (dedupe, merge, export):
        app.command()(command)
    regions_app = typer.Typer(name="regions", help="Regions of the dataset, and regions drawn as a circle "
                              "around a place (docs/importing.md).", no_args_is_help=True)
    regions_app.command("add")(region_add)
    regions_app.command("list")(region_list)
    app.add_typer(regions_app, name="regions")


def region_add(
    ctx: typer.Context,
    ident: Annotated[str, typer.Argument(help="The region's id (e.g. eindhoven-90km).")],
    around: Annotated[str, typer.Option("--around", help="A municipality or site: the centre.")],
    radius_km: Annotated[float, typer.Option("--radius-km", help="Radius in km (great-circle distance).")],
    name: Annotated[str | None, typer.Option("--name", help="English name (default: 'PLACE + N km').")] = None,
    name_nl: Annotated[str | None, typer.Option("--name-nl", help="Dutch name.")] = None,
) -> None:
    """Draw a region: every municipality whose centre is within --radius-km of --around, across borders.

    Written to DATA/places/drawn-regions.yaml (give --data; the bundled dataset is read-only); the dataset
    is validated and left as it was when it does not validate. Use the id like any region:
    `stackatlas --data DIR synergies --between eindhoven-90km --and ...`.
    """
    from ..importers.regions import add_region

    st = state(ctx)
    rec = add_region(st.data, ident, around=around, radius_km=radius_km, name_en=name, name_nl=name_nl)
    members = st.atlas().lookups().members.get(ident, set())
    out.print(f"region {escape(rec['id'])}: {len(members)} municipalities within {radius_km:g} km of "
              f"{escape(around)} (written to {st.data / 'places' / 'drawn-regions.yaml'})")


def region_list(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    """Every region: kind, how it is drawn (around, radius) and its number of municipalities."""
    atlas = state(ctx).atlas()
    rows = atlas.sql(
        "SELECT p.id, p.name_en AS name, p.kind, d.around, d.radius_km, "
        "(SELECT count(*) FROM place_municipalities m WHERE m.place = p.id) AS municipalities "
        "FROM places p LEFT JOIN region_drawn d ON d.region = p.id WHERE p.type = 'region' ORDER BY p.id")
    emit(records(rows), fmt, title="regions")
