"""The ``stackatlas`` command line: a thin layer over the library; errors are translated here.

One module per command group; each has ``register(app)``, called here in the order of
:data:`COMMAND_GROUPS` (which is the order of ``stackatlas --help``). The app, its global options and the
context accessor :func:`state` live in :mod:`stackatlas.cli._app`; :func:`main` is the one place where the
library's exceptions become messages and exit codes. ``docs/cli.md`` is generated from this command tree by
:mod:`stackatlas.cli.reference`.
"""

from __future__ import annotations

import sys
from types import ModuleType

import typer

from ..errors import InvalidData, StackAtlasError
from . import analysis, curation, importing, metrics, network, read, report, scale, time, web
from ._app import State, app, err, state

__all__ = ["COMMAND_GROUPS", "State", "app", "main", "run", "state"]

COMMAND_GROUPS: tuple[ModuleType, ...] = (read, analysis, network, time, web, scale, metrics, importing, report,
                                          curation)
"""The command modules, each with ``register(app)``: read (info ... show), analysis (profile ... scenario,
evaluate), network (integration, bridges, sovereignty), time (timeline, diff), web (serve), scale (synth,
bench), metrics, importing (import, dedupe, merge, export), report and curation (init, users, proposals,
history)."""

for _group in COMMAND_GROUPS:
    _group.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and translate library errors into messages and exit codes.

    ``InvalidData`` prints every problem as ``path:line:column: field: message`` and exits 1; any other
    ``StackAtlasError`` prints ``error: ...`` and exits 1; usage errors print click's message and exit 2.
    """
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
    """The ``stackatlas`` console script: :func:`main` with the process arguments, as the exit status."""
    sys.exit(main())
