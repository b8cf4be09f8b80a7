"""The curation commands: init, users (add with --password-stdin, list, token, revoke, remove), proposals
(list, approve, reject, revert) and history."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

import stackatlas
from stackatlas.cli import main
from stackatlas.curation import Accounts, Proposals


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow  # about 8 s or more: `make test` runs it, `make test-fast` does not
def test_init_users_proposals_history(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    d = tmp_path / "team"
    assert _run(capsys, "init", str(d), "--from", "fixture")[0] == 0
    assert (d / ".git").is_dir() and (d / "actors" / "mra.yaml").is_file()
    assert _run(capsys, "init", str(d), "--from", "fixture")[0] == 1  # not empty
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert _run(capsys, "--data", str(d), "users", "add", "max", "--role", "maintainer", "--password-stdin")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("another-password\n"))
    assert _run(capsys, "--data", str(d), "users", "add", "eve", "--role", "editor", "--password-stdin")[0] == 0
    code, out, _ = _run(capsys, "--data", str(d), "users", "token", "eve")
    token = out.strip()
    assert code == 0 and token.startswith("sat_") and Accounts(d).by_token(token) is not None
    code, out, _ = _run(capsys, "--data", str(d), "users", "list", "--format", "json")
    users = json.loads(out)
    assert [(u["name"], u["role"], u["tokens"]) for u in users] == [("eve", "editor", 1), ("max", "maintainer", 0)]
    assert "argon2" not in out and token.split("_", 2)[2] not in out and "password" not in out

    p = Proposals(d).submit(author=Accounts(d).get("eve"), kind="actor", op="create",  # type: ignore[arg-type]
                            record={"id": "cli-lab", "name": "CLI Lab", "kind": "company", "hq": "amsterdam",
                                    "layers": [{"layer": "ai", "role": "core"}]},
                            sources=[{"source": "tech-corridor-2026", "locator": "p. 9"}], comment="from the CLI")
    code, out, _ = _run(capsys, "--data", str(d), "proposals", "list", "--format", "json")
    assert [x["id"] for x in json.loads(out)] == [p.id]
    assert _run(capsys, "--data", str(d), "proposals", "approve", str(p.id), "--as", "eve")[0] == 1  # an editor
    code, _, err = _run(capsys, "--data", str(d), "--db", str(tmp_path / "t.duckdb"), "proposals", "approve",
                        str(p.id), "--as", "max", "--comment", "fine")
    assert code == 0 and "approved" in err
    code, out, _ = _run(capsys, "--data", str(d), "history", "cli-lab")
    assert code == 0 and "Add actor cli-lab" in out and "proposed by eve, approved by max" in out
    assert "+- id: cli-lab" in out and "source: tech-corridor-2026 (p. 9)" in out
    code, out, _ = _run(capsys, "--data", str(d), "history", "--format", "json", "--limit", "5")
    assert [c["proposal"] for c in json.loads(out)] == [p.id, None]

    assert _run(capsys, "--data", str(d), "users", "revoke", token)[0] == 0
    assert Accounts(d).by_token(token) is None
    assert _run(capsys, "--data", str(d), "users", "remove", "eve")[0] == 0
    con = sqlite3.connect(d / ".stackatlas" / "team.sqlite")
    assert [r[0] for r in con.execute("SELECT name FROM users")] == ["max"]
    con.close()


def test_the_bundled_dataset_is_never_curated(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--data", str(stackatlas.fixture_path()), "users", "list")
    assert code == 1 and "stackatlas init" in err
    assert not (stackatlas.fixture_path() / ".stackatlas").exists()
