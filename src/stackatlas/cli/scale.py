"""Scale commands: ``synth`` writes a synthetic dataset, ``bench`` times the build and the analyses."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ._app import Fmt, FormatOpt, emit, err, out

__all__ = ["bench", "register", "synth"]


def synth(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write (created; its dataset files "
                                         "are replaced).")],
    actors: Annotated[int, typer.Option(help="Number of actors.")] = 10_000,
    relations: Annotated[int | None, typer.Option(help="Number of relations (default: 3 per actor).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 0,
    parquet: Annotated[bool, typer.Option("--parquet", help="Write the Parquet exchange of `export parquet` "
                                          "(the same rows, compiled) instead of a dataset folder: for sizes "
                                          "whose CSV files take too long to validate and build.")] = False,
    memory_limit: Annotated[str | None, typer.Option(help="With --parquet: DuckDB's memory limit while staging "
                                                     "and compiling, e.g. 4GB (beyond it DuckDB spills to "
                                                     "disk; default: 80% of the machine's memory).")] = None,
) -> None:
    """Write a synthetic dataset (Dutch municipalities, Zipf-sized places, power-law ties) as CSV tables, or
    with --parquet straight as the Parquet exchange."""
    import time

    from ..scale.synth import synthesise, synthesise_parquet

    t0 = time.perf_counter()
    n_rel = 3 * actors if relations is None else relations
    if memory_limit is not None and not parquet:
        raise typer.BadParameter("--memory-limit goes with --parquet (the CSV tables are written by numpy and DuckDB "
                                 "in a few GB)")
    if parquet:
        done = synthesise_parquet(output, actors=actors, relations=relations, seed=seed, memory_limit=memory_limit)
        out.print(f"wrote {done.path}: the Parquet tables of {actors} actors, {n_rel} relations (seed {seed}), "
                  f"{done.bytes / 1e6:.0f} MB, in {time.perf_counter() - t0:.1f} s")
        return
    folder = synthesise(output, actors=actors, relations=relations, seed=seed)
    out.print(f"wrote {folder}: {actors} actors, {n_rel} relations (seed {seed}) in "
              f"{time.perf_counter() - t0:.1f} s")


def bench(
    actors: Annotated[int, typer.Option(help="Actors of the synthetic dataset.")] = 1_000_000,
    relations: Annotated[int | None, typer.Option(help="Relations (default: 3 per actor).")] = None,
    repeat: Annotated[int, typer.Option(help="Runs per measurement (median and min are reported).")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic dataset.")] = 0,
    data: Annotated[Path | None, typer.Option("--dataset", help="Benchmark this dataset folder instead of a "
                                              "synthetic one.")] = None,
    only: Annotated[list[str] | None, typer.Option(help="Only cases whose name contains this (repeatable), "
                                                   "e.g. build, profile.")] = None,
    skip_build: Annotated[bool, typer.Option(help="Reuse the database of a previous run if there is one.")]
    = False,
    timeout: Annotated[float, typer.Option(help="Seconds allowed per measurement process.")] = 1800.0,
    max_memory: Annotated[float, typer.Option(help="MB of memory allowed per measurement process.")] = 12_000.0,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Time a cold build and each analysis (median and min of --repeat runs, peak memory per process)."""
    from ..scale.bench import result_rows, run_bench

    report = run_bench(actors=actors, relations=relations, seed=seed, repeat=repeat, data=data, only=only,
                       skip_build=skip_build, timeout=timeout, max_rss_mb=max_memory,
                       progress=lambda msg: err.print(f"[dim]{msg}[/dim]"))
    if fmt == Fmt.json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
        return
    ds = report["dataset"]
    load = report["machine"]
    title = (f"{ds['actors']:,} actors, {ds['relations']:,} relations ({ds['db_mb']:.0f} MB database); "
             f"{load['cpus']} CPUs, load {load['load_before'][0]:.1f} -> {load['load_after'][0]:.1f}")
    emit(result_rows(report), fmt, title=title)


def register(app: typer.Typer) -> None:
    """Add ``synth`` and ``bench`` to ``app``."""
    for command in (synth, bench):
        app.command()(command)
