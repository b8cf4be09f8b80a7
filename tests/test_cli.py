"""The command line, run in-process through its entry point."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import stackatlas
from stackatlas.cli import main

FIX = str(stackatlas.fixture_path())


def run(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data", FIX, "--db", str(tmp_path / "cli.duckdb"), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_stats_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, tmp_path, "stats", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"actors", "relations", "indicators", "places", "sources", "synergies",
                         "facts_without_source"}
    assert data["facts_without_source"] == 0


def test_actors_json_shape_and_region_filter(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, tmp_path, "actors", "--layer", "chips", "--place", "brainport", "-f", "json")
    assert code == 0
    rows = json.loads(out)
    assert {r["id"] for r in rows} == {"asml", "axelera-ai", "nxp", "tue"}
    asml = next(r for r in rows if r["id"] == "asml")
    assert set(asml) >= {"id", "name", "aliases", "kind", "hq", "sites", "layers", "domains", "control_country",
                         "parent", "sources"}
    assert asml["layers"][0] == {"layer": "chips", "sublayer": "equipment-and-materials",
                                 "offering": "EUV lithography machines", "role": "core"}


def test_relations_and_show(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, tmp_path, "relations", "--type", "investment", "-f", "json")
    assert code == 0
    rel = json.loads(out)
    assert rel[0]["amount"] == {"value": 1e9, "currency": "USD"} and rel[0]["from"] == "asml"
    code, out, _ = run(capsys, tmp_path, "show", "mra")
    assert code == 0 and json.loads(out)["type"] == "place"


def test_info(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, tmp_path, "info", "-f", "json")
    assert code == 0
    info = json.loads(out)
    assert info["version"] == stackatlas.__version__ and info["db"].endswith("cli.duckdb")


def test_validate_reports_file_line_and_exits_1(capsys: pytest.CaptureFixture[str], fixture_dir: Path,
                                                tmp_path: Path) -> None:
    path = fixture_dir / "actors" / "brainport.yaml"
    path.write_text(path.read_text().replace("  hq: veldhoven", "  hq: veldhovn"))
    code = main(["validate", str(fixture_dir)])
    _, err = capsys.readouterr()
    assert code == 1
    assert f"{path}:" in err and ": hq: unknown place 'veldhovn'" in err


def test_csv_is_safe_for_spreadsheets(capsys: pytest.CaptureFixture[str], fixture_dir: Path, tmp_path: Path) -> None:
    path = fixture_dir / "actors" / "mra.yaml"
    path.write_text(path.read_text().replace("name: Adyen", 'name: "=HYPERLINK(1)"'))
    code = main(["--data", str(fixture_dir), "--db", str(tmp_path / "x.duckdb"), "actors", "-f", "csv", "--q",
                 "HYPERLINK"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "'=HYPERLINK(1)" in out and ",=HYPERLINK" not in out


def test_unknown_ids_and_bad_options(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, tmp_path, "show", "nope")
    assert code == 1 and "no record with id 'nope'" in err
    code, _, err = run(capsys, tmp_path, "actors", "--layer", "chipz")
    assert code == 1 and "no layer with id 'chipz'" in err
    code, _, _ = run(capsys, tmp_path, "relations", "--format", "jsn")
    assert code == 2


@pytest.mark.slow  # several seconds: `make test` runs it, `make test-fast` does not
def test_evaluate_stability_and_sensitivity(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, tmp_path, "evaluate", "stability", "--samples", "10", "--top", "5", "-f", "json")
    assert code == 0
    rows = json.loads(out)
    assert rows and rows[0]["rank"] == 1
    assert {"id", "layers", "domains", "rank", "top_share", "median_rank", "best_rank"} <= set(rows[0])
    assert all(0 <= r["top_share"] <= 1 for r in rows)
    code, out, _ = run(capsys, tmp_path, "evaluate", "synergies", "--sensitivity", "5", "-f", "json")
    assert code == 0
    assert all("top_share" in r and "leading_regions" in r for r in json.loads(out))
    code, _, err = run(capsys, tmp_path, "evaluate", "stability", "--factor", "0.5")
    assert code != 0 and "--factor" in err


def test_serve_runs_quietly_with_the_security_headers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``serve``: no access log unless asked (URLs cut when on), the server itself sends the security headers
    (so that its parser's 400s carry them) and the app does not send them twice."""
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    data = stackatlas.fixture_path()
    assert main(["--data", str(data), "--db", str(tmp_path / "f.duckdb"), "serve", "--port", "0"]) == 0
    assert seen["access_log"] is False
    assert ("x-frame-options", "DENY") in seen["headers"]
    assert "truncate_url" in seen["log_config"]["filters"]
    assert main(["--data", str(data), "--db", str(tmp_path / "f.duckdb"), "serve", "--access-log"]) == 0
    assert seen["access_log"] is True
