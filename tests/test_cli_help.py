"""The command tree of the CLI: every --help works, the reference in docs/cli.md is current, help is light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup

import stackatlas
from stackatlas.cli import COMMAND_GROUPS, app, main
from stackatlas.cli.reference import markdown

DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
HEAVY = ("duckdb", "ibis", "numpy", "pandas", "pyarrow", "scipy")  # not pydantic: Typer itself parses with it


def _paths(command: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and sub-command below ``command``, as the words that call it."""
    if not isinstance(command, TyperGroup):
        return [prefix]
    ctx = typer.Context(command)
    found = [prefix] if prefix else []
    for name in command.list_commands(ctx):
        found += _paths(command.get_command(ctx, name), (*prefix, name))
    return found


COMMANDS = _paths(typer.main.get_command(app))


def test_the_tree_has_commands_of_every_group_and_the_sub_commands() -> None:
    assert len(COMMAND_GROUPS) == 10 and len(COMMANDS) > 30
    assert ("evaluate", "stability") in COMMANDS and ("import", "wikidata") in COMMANDS
    assert ("users", "add") in COMMANDS and ("proposals", "approve") in COMMANDS


@pytest.mark.parametrize("path", [(), *COMMANDS], ids=lambda p: " ".join(p) or "stackatlas")
def test_every_help_exits_0_with_its_usage(path: tuple[str, ...], capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main([*path, "--help"]) == 0
    out, err = capsys.readouterr()
    usage = next(line.strip() for line in out.splitlines() if "Usage:" in line)  # the program name varies
    assert usage.startswith("Usage: ") and f" {' '.join((*path, '[OPTIONS]'))}" in usage
    assert not err


def test_help_shows_brackets_literally(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["import", "wikidata", "--help"]) == 0
    assert "(LAYER[/SUBLAYER][:ROLE])" in capsys.readouterr().out


def test_docs_cli_md_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == markdown(), (
        "docs/cli.md is stale: regenerate it with `PYTHONPATH=src python -m stackatlas.cli.reference > docs/cli.md`")


def test_reference_does_not_depend_on_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    narrow = markdown()
    monkeypatch.setenv("COLUMNS", "300")
    assert markdown() == narrow
    assert "| `--layer` | `<str>` | Layer for organisations whose industry maps to none (LAYER[/SUBLAYER][:ROLE])." \
        in narrow
    for path in COMMANDS:
        assert f"\n## `{' '.join(('stackatlas', *path))}`\n" in narrow


def test_integration_help_names_the_patterns_of_the_analysis() -> None:
    from stackatlas.analysis.integration import PATTERNS
    from stackatlas.cli.network import PATTERN_NAMES

    assert PATTERN_NAMES == PATTERNS


def test_help_does_not_load_the_data_stack() -> None:
    code = ("import sys\nfrom stackatlas.cli import main\nassert main(['profile', '--help']) == 0\n"
            f"print('loaded:', *sorted(m for m in {HEAVY!r} if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert " profile [OPTIONS]" in res.stdout
    assert res.stdout.rstrip().splitlines()[-1] == "loaded:"


def test_python_m_stackatlas_runs_the_cli() -> None:
    res = subprocess.run([sys.executable, "-m", "stackatlas", "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "Usage: python -m stackatlas [OPTIONS] COMMAND" in res.stdout


def test_package_names_load_on_first_use() -> None:
    from stackatlas.atlas import Atlas
    from stackatlas.dataset.loader import fixture_path

    assert stackatlas.Atlas is Atlas and stackatlas.fixture_path is fixture_path
    assert set(stackatlas.__all__) <= set(dir(stackatlas))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = stackatlas.nope  # type: ignore[attr-defined]
