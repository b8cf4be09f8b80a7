"""The command-line reference (``docs/cli.md``), generated from the click command tree of the Typer app.

``python -m stackatlas.cli.reference > docs/cli.md`` regenerates the file; a test fails when it is stale.
Every command and sub-command gets a section with its usage, its help (``\\b`` paragraphs, which the
terminal help prints as they are, become code blocks) and a table of its arguments and options with the
same type, default, environment variable and range notes as ``--help``. Help texts are Rich markup for the
terminal; the reference shows them as the terminal does (``\\[`` is a literal ``[``). Nothing depends on
the width of the terminal, so the output is the same everywhere.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from typing import Any

import typer
from rich.text import Text
from typer.core import TyperGroup

__all__ = ["markdown"]

HEADER = ("# Command-line reference\n\n"
          "<!-- Generated from the command tree by `python -m stackatlas.cli.reference > docs/cli.md`; "
          "do not edit by hand. -->\n\n"
          "Every command also takes `--help`. The global options (`--data`, `--db`) go before the command: "
          "`stackatlas --data DIR stats`.\n")


def markdown(*, app: typer.Typer | None = None, prog: str = "stackatlas") -> str:
    """The reference of ``app`` (default: the ``stackatlas`` app) as Markdown, commands in ``--help`` order.

    >>> text = markdown()
    >>> text.startswith("# Command-line reference")
    True
    >>> "## `stackatlas import wikidata`" in text
    True
    """
    if app is None:
        from . import app as stackatlas_app

        app = stackatlas_app
    root = typer.main.get_command(app)
    ctx = typer.Context(root, info_name=prog)
    sections = [HEADER] + [_section(c) for c in _walk(ctx)]
    return "\n".join(sections)


def _walk(ctx: typer.Context) -> Iterator[typer.Context]:
    """``ctx`` and the contexts of all its (sub-)commands, depth first, in the order the group lists them."""
    yield ctx
    command = ctx.command
    if isinstance(command, TyperGroup):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _walk(typer.Context(sub, info_name=name, parent=ctx))


def _section(ctx: typer.Context) -> str:
    command = ctx.command
    usage = " ".join([ctx.command_path, *command.collect_usage_pieces(ctx)])  # get_usage() wraps
    lines = [f"## `{ctx.command_path}`", "", "```text", f"Usage: {usage}", "```", ""]
    lines += _help_blocks(command.help or "")
    rows = [row for row in (_param_row(p, ctx) for p in command.params) if row is not None]
    if rows:
        lines += ["| Argument or option | Type | Description |", "| --- | --- | --- |"]
        lines += [f"| {name} | {kind} | {text} |" for name, kind, text in rows]
        lines.append("")
    if isinstance(command, TyperGroup):
        subs = [(n, command.get_command(ctx, n)) for n in command.list_commands(ctx)]
        lines += ["| Command | Description |", "| --- | --- |"]
        lines += [f"| [`{n}`](#{_anchor(f'{ctx.command_path} {n}')}) | {_cell(_prose(_summary(c)))} |"
                  for n, c in subs if c is not None and not c.hidden]
        lines.append("")
    return "\n".join(lines)


def _summary(command: Any) -> str:
    """The line of a command in its group's list: its short help, else the first paragraph of its help."""
    text = command.short_help or inspect.cleandoc(command.help or "").split("\n\n")[0]
    return _plain(" ".join(text.split()))


def _help_blocks(text: str) -> list[str]:
    """A help text as Markdown paragraphs; a ``\\b`` paragraph (kept as typed) becomes a code block."""
    lines: list[str] = []
    for para in inspect.cleandoc(text).split("\n\n"):
        if para.startswith("\b"):
            lines += ["```text", para.lstrip("\b").strip("\n"), "```", ""]
        elif para.strip():
            lines += [_prose(_plain(" ".join(para.split()))), ""]
    return lines


def _param_row(param: Any, ctx: typer.Context) -> tuple[str, str, str] | None:
    """(names, type, description) of an argument or option, as its line in ``--help`` says; None if hidden."""
    record = param.get_help_record(ctx)
    if record is None:
        return None
    if param.param_type_name == "argument":
        names = f"`{getattr(param, 'display_name_raw', param.name)}`"
    else:
        names = ", ".join(f"`{o}`" for o in param.opts)
        if param.secondary_opts:
            names += " / " + ", ".join(f"`{o}`" for o in param.secondary_opts)
    kind = param.display_type_rich(ctx=ctx) if hasattr(param, "display_type_rich") else param.type.name
    description = record[1]
    if param.help and description.startswith(param.help):  # the help is markup; the notes after it are not
        description = _plain(param.help) + description[len(param.help):]
    return names, f"`{_cell(kind)}`" if kind else "", _cell(_prose(" ".join(description.split())))


def _plain(markup: str) -> str:
    """What the terminal shows of a Rich-markup help text."""
    return Text.from_markup(inspect.cleandoc(markup)).plain


def _prose(text: str) -> str:
    """Escape what Markdown would read as HTML or emphasis."""
    return text.replace("<", "&lt;").replace("*", r"\*")


def _cell(text: str) -> str:
    return text.replace("|", r"\|")


def _anchor(heading: str) -> str:
    """The anchor that GitHub and most Markdown renderers give the heading ``heading`` (in backticks)."""
    return "".join(c for c in heading.lower().replace(" ", "-") if c.isalnum() or c in "-_")


if __name__ == "__main__":
    sys.stdout.write(markdown())
