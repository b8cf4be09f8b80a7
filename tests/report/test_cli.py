"""``stackatlas report`` on the fixture dataset: the three kinds, the three formats, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import stackatlas
from stackatlas.cli import main

FIX = str(stackatlas.fixture_path())


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data", FIX, "--db", str(tmp_path / "cli.duckdb"), "report", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow  # several seconds: `make test` runs it, `make test-fast` does not
def test_corridor_markdown(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "out" / "corridor.md"
    code, out, err = run(capsys, tmp_path, "--between", "mra", "--and", "brainport", "-o", str(target), "--lang",
                         "en", "--bootstrap", "20")
    assert code == 0, err
    assert "wrote" in out
    md = target.read_text(encoding="utf-8")
    assert md.startswith("# Amsterdam Metropolitan Area and Brainport Eindhoven on the Digital Stack")
    assert "## 5 Synergy across the stack" in md


@pytest.mark.slow  # about 3 s or more: `make test` runs it, `make test-fast` does not
def test_place_html_in_dutch(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "eindhoven.html"
    code, _, err = run(capsys, tmp_path, "--place", "eindhoven", "-o", str(target))
    assert code == 0, err
    html = target.read_text(encoding="utf-8")
    assert '<html lang="nl">' in html and "Eindhoven op de Digitale Stack" in html
    assert 'id="actors"' in html and 'id="sovereignty"' in html and "<svg" in html


@pytest.mark.slow  # several seconds: `make test` runs it, `make test-fast` does not
def test_synergy_pdf(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "d.pdf"
    code, _, err = run(capsys, tmp_path, "--synergy", "D", "-o", str(target), "--lang", "en")
    assert code == 0, err
    assert target.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("args, message", [
    (["-o", "x.txt"], "cannot tell the format"),
    (["--place", "amsterdam", "--synergy", "D", "-o", "x.md"], "choose one of --place and --synergy"),
    (["--between", "mra", "-o", "x.md"], "give both --between and --and"),
    (["--place", "amsterdam", "--between", "mra", "--and", "brainport", "-o", "x.md"], "leave out --between"),
    (["--place", "atlantis", "-o", "x.md"], "atlantis"),
    (["--synergy", "ZZZ", "-o", "x.md"], "ZZZ"),
    (["--between", "mra", "--and", "mra", "-o", "x.md"], "must differ"),
])
@pytest.mark.slow  # about 4 s or more: `make test` runs it, `make test-fast` does not
def test_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str) -> None:
    code, _, err = run(capsys, tmp_path, *[a if not a.startswith("x.") else str(tmp_path / a) for a in args])
    assert code != 0
    assert message in " ".join(err.split())
    assert not list(tmp_path.glob("x.*"))
