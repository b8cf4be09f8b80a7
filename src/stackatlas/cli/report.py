"""``stackatlas report``: a briefing generated from the dataset, as Markdown, HTML or PDF."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import StackAtlasError
from ._app import AsOfOpt, err, out, state

__all__ = ["register", "report"]


class Lang(str, Enum):
    nl = "nl"
    en = "en"


def report(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write: .md, .html or .pdf (the format "
                                         "follows from the name).")],
    between: Annotated[str | None, typer.Option("--between", help="Region A (default: the dataset's pair).")] = None,
    and_: Annotated[str | None, typer.Option("--and", help="Region B.")] = None,
    place: Annotated[str | None, typer.Option(help="A briefing on one place instead (region, municipality, ...).")]
    = None,
    synergy: Annotated[str | None, typer.Option(help="A briefing on one synergy instead (curated id such as C, or "
                                                "discovered id such as chips.ai).")] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the briefing.")] = Lang.nl,
    top: Annotated[int, typer.Option(help="Discovered synergies to show (corridor briefing).")] = 10,
    intros: Annotated[int, typer.Option(help="Introductions per synergy (corridor briefing: 3; synergy "
                                        "briefing: 10).")] = 0,
    guests: Annotated[int, typer.Option(help="Size of the guest list (synergy briefing).")] = 12,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for the synergy score intervals.")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed of the bootstrap.")] = 0,
    as_of: AsOfOpt = None,
    monitor: Annotated[bool, typer.Option("--monitor", help="The yearly monitor: what changed since --since, per "
                                          "chapter (positions, integration, synergies, recommendations).")] = False,
    since: Annotated[str | None, typer.Option("--since", help="--monitor: the date to compare with (YYYY, YYYY-MM "
                                              "or YYYY-MM-DD: its last day).")] = None,
) -> None:
    """Write a briefing that reads like the report, generated from the dataset, with every number sourced.

    \b
    stackatlas report --between mra --and brainport -o corridor.pdf
    stackatlas report --place eindhoven -o eindhoven.html --lang en
    stackatlas report --synergy C -o synergy-c.md
    stackatlas report --monitor --since 2025 -o monitor.pdf
    """
    from rich.progress import Progress

    from .. import report as rp

    if monitor != (since is not None):
        raise StackAtlasError("--monitor and --since go together")
    if monitor and (place is not None or synergy is not None or as_of is not None):
        raise StackAtlasError("--monitor compares --since with now: leave out --place, --synergy and --as-of")
    if place is not None and synergy is not None:
        raise StackAtlasError("choose one of --place and --synergy")
    if place is not None and (between is not None or and_ is not None):
        raise StackAtlasError("--place makes a briefing on one place: leave out --between and --and")
    if (between is None) != (and_ is None):
        raise StackAtlasError("give both --between and --and (or neither, for the dataset's pair)")
    rp.format_of(output)  # fail on a bad file name before any work
    atlas = state(ctx).atlas(as_of)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("collecting", total=None)

        def note(what: str) -> None:
            progress.update(task, description=what)

        if since is not None:
            from ..report.monitor import monitor_report

            doc = monitor_report(atlas, since=since, a=between, b=and_, lang=lang.value, progress=note)
        elif place is not None:
            doc = rp.place_report(atlas, place, lang=lang.value, progress=note)
        elif synergy is not None:
            doc = rp.synergy_report(atlas, synergy, between, and_, lang=lang.value, intros=intros or 10,
                                    guests=guests, progress=note)
        else:
            doc = rp.corridor_report(atlas, between, and_, lang=lang.value, top=top, intros=intros or 3,
                                     bootstrap=bootstrap, seed=seed, progress=note)
        note(f"writing {output.name}")
        path = rp.write(doc, output)
    out.print(f"wrote {path} ({path.stat().st_size:,} bytes; {len(doc.sources)} sources)", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.command()(report)
