"""The team's SQLite file (``DIR/.stackatlas/team.sqlite``): users, API tokens, failed logins and proposals.

One short connection per operation (SQLite serialises writers; WAL lets readers go on), so the web server,
the CLI and a second server process can share it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from .folder import curation_dir

__all__ = ["connect", "db_path"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
  name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
  id TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  digest TEXT NOT NULL, created TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS login_failures (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures(key, at);
CREATE TABLE IF NOT EXISTS proposals (
  id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, op TEXT NOT NULL, record_id TEXT NOT NULL,
  record TEXT NOT NULL, new_sources TEXT NOT NULL, comment TEXT NOT NULL, author TEXT NOT NULL,
  created TEXT NOT NULL, base TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open', reviewer TEXT,
  reviewed TEXT, review_comment TEXT, git_commit TEXT, reverts INTEGER, before TEXT);
"""


def db_path(root: Path) -> Path:
    return curation_dir(root) / "team.sqlite"


@contextlib.contextmanager
def connect(root: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the team file of ``root`` (created with its tables, mode 0600), committed on success."""
    path = db_path(root)
    fresh = not path.exists()
    con = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    try:
        if fresh:
            os.chmod(path, 0o600)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA foreign_keys=ON")
        con.executescript(_SCHEMA)
        con.execute("BEGIN IMMEDIATE")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.close()
