"""Accounts: argon2 hashes, tokens stored hashed and revocable, login throttling, roles."""

from __future__ import annotations

import sqlite3

import pytest

from stackatlas.curation import Accounts
from stackatlas.curation._db import db_path
from stackatlas.curation._errors import Throttled
from stackatlas.errors import StackAtlasError

from .conftest import Team


@pytest.mark.slow  # about 3 s or more: `make test` runs it, `make test-fast` does not
def test_passwords_are_argon2_hashes_never_plain(team: Team) -> None:
    con = sqlite3.connect(db_path(team.root))
    rows = dict(con.execute("SELECT name, password_hash FROM users").fetchall())
    con.close()
    assert rows["eve"].startswith("$argon2id$") and "editor-pass-1" not in rows["eve"]
    acc = Accounts(team.root)
    assert acc.login(name="eve", password="editor-pass-1", address="a") == team.editor
    assert acc.login(name="eve", password="wrong-pass", address="a") is None
    assert acc.login(name="nobody", password="x" * 10, address="a") is None


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_state_is_private_and_ignored_by_git(team: Team) -> None:
    assert db_path(team.root).stat().st_mode & 0o077 == 0
    assert "/.stackatlas/" in (team.root / ".gitignore").read_text()


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_tokens_are_hashed_and_revocable(team: Team) -> None:
    acc = Accounts(team.root)
    token = acc.new_token(name="eve")
    assert acc.by_token(token) == team.editor
    assert acc.by_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    con = sqlite3.connect(db_path(team.root))
    stored = [r[0] for r in con.execute("SELECT digest FROM tokens")]
    con.close()
    secret = token.split("_", 2)[2]
    assert stored and all(secret not in s for s in stored)
    acc.revoke(token_id=token.split("_")[1])
    assert acc.by_token(token) is None


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_removing_a_user_ends_their_tokens(team: Team) -> None:
    acc = Accounts(team.root)
    token = acc.new_token(name="rea")
    acc.remove(name="rea")
    assert acc.by_token(token) is None and acc.get("rea") is None


@pytest.mark.slow  # about 7 s or more: `make test` runs it, `make test-fast` does not
def test_throttling_after_five_failures_for_a_user_or_an_address(team: Team) -> None:
    acc = Accounts(team.root)
    for i in range(5):
        assert acc.login(name="max", password=f"bad-{i}", address=f"10.0.0.{i}") is None
    with pytest.raises(Throttled) as exc:  # the user, from yet another address, even with the right password
        acc.login(name="max", password="maint-pass-1", address="10.0.0.99")
    assert exc.value.status == 429 and exc.value.retry_after > 0
    for i in range(5):
        acc.login(name=f"user{i}", password="bad-pass", address="10.9.9.9")
    with pytest.raises(Throttled):  # the address, for any user
        acc.login(name="eve", password="editor-pass-1", address="10.9.9.9")
    assert acc.login(name="eve", password="editor-pass-1", address="10.1.1.1") == team.editor


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_roles_and_names(team: Team) -> None:
    assert team.maintainer.can("editor") and team.editor.can("editor") and not team.reader.can("editor")
    acc = Accounts(team.root)
    with pytest.raises(StackAtlasError):
        acc.add(name="../x", role="editor", password="long-enough")
    with pytest.raises(StackAtlasError):
        acc.add(name="x", role="admin", password="long-enough")
    with pytest.raises(StackAtlasError):
        acc.add(name="x", role="editor", password="short")
