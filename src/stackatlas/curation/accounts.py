"""Accounts: users with a role, argon2 password hashes (pwdlib), hashed revocable API tokens, and the
throttling of failed logins. Stored in the team's SQLite file next to the dataset (never in git).

Roles are ordered: a ``reader`` reads (also when the site is private), an ``editor`` also proposes changes,
a ``maintainer`` also reviews (approves, rejects, reverts). A token is ``sat_<id>_<secret>``: only the
SHA-256 of the secret is kept (a token has 256 random bits, so a fast hash is enough, as for GitHub's), and
it can be revoked; a password hash or a token is never returned by any function here except
:meth:`Accounts.new_token`, which returns the token once.

Throttling: after :data:`MAX_FAILURES` failed logins for a user name or for an address within
:data:`WINDOW` seconds, further attempts for it are refused (:class:`~._errors.Throttled`, HTTP 429) until
the oldest failure leaves the window (OWASP's "account lockout" advice, keyed by user *and* address).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from ..errors import StackAtlasError
from . import _db
from ._errors import Throttled

__all__ = ["MAX_FAILURES", "ROLES", "WINDOW", "Accounts", "Role", "User", "check_name"]

Role = Literal["reader", "editor", "maintainer"]
ROLES: tuple[str, ...] = get_args(Role)
MAX_FAILURES = 5
WINDOW = 15 * 60
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_TOKEN = re.compile(r"^sat_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{20,100})$")


def check_name(name: str) -> str:
    """A user name: letters, digits, ``_.-``, at most 64 characters, starting with a letter or digit."""
    if not _NAME.match(name):
        raise StackAtlasError(f"{name!r} is not a valid user name (letters, digits, _ . -; at most 64)")
    return name


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class User:
    """A user (without the password hash)."""

    name: str
    role: str
    created: str

    def can(self, role: str) -> bool:
        """True when this user's role is ``role`` or above (reader < editor < maintainer)."""
        return ROLES.index(self.role) >= ROLES.index(role)


class Accounts:
    """The users and tokens of the dataset folder ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        from pwdlib import PasswordHash

        self._hasher = PasswordHash.recommended()  # argon2id
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def add(self, *, name: str, role: str, password: str | None = None) -> User:
        """Add a user (or change the role and password of an existing one)."""
        check_name(name)
        if role not in ROLES:
            raise StackAtlasError(f"unknown role {role!r} (expected {', '.join(ROLES)})")
        if password is not None and len(password) < 8:
            raise StackAtlasError("a password needs at least 8 characters")
        digest = self._hasher.hash(password) if password else None
        with _db.connect(self.root) as con:
            con.execute("INSERT INTO users(name, role, password_hash, created) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT(name) DO UPDATE SET role = excluded.role, "
                        "password_hash = COALESCE(excluded.password_hash, users.password_hash)",
                        (name, role, digest, _now()))
            row = con.execute("SELECT name, role, created FROM users WHERE name = ?", (name,)).fetchone()
        return User(row["name"], row["role"], row["created"])

    def remove(self, *, name: str) -> None:
        """Remove a user and revoke their tokens (their proposals and history stay)."""
        with _db.connect(self.root) as con:
            if con.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise StackAtlasError(f"no user {name!r}")

    def users(self) -> list[User]:
        with _db.connect(self.root) as con:
            rows = con.execute("SELECT name, role, created FROM users ORDER BY name").fetchall()
        return [User(r["name"], r["role"], r["created"]) for r in rows]

    def get(self, name: str) -> User | None:
        with _db.connect(self.root) as con:
            r = con.execute("SELECT name, role, created FROM users WHERE name = ?", (name,)).fetchone()
        return None if r is None else User(r["name"], r["role"], r["created"])

    # -- passwords and throttling ---------------------------------------------------------------------
    def login(self, *, name: str, password: str, address: str) -> User | None:
        """The user when ``password`` is right, else None (a failure is counted for the name and the
        address); raises :class:`~._errors.Throttled` while either has too many recent failures."""
        keys = [f"user:{name[:64]}", f"addr:{address}"]
        self._check_throttle(keys)
        with _db.connect(self.root) as con:
            row = con.execute("SELECT name, role, created, password_hash FROM users WHERE name = ?",
                              (name,)).fetchone()
        stored = row["password_hash"] if row is not None else None
        ok = self._hasher.verify(password, stored or self._dummy)  # same work for unknown users
        if ok and stored:
            return User(row["name"], row["role"], row["created"])
        with _db.connect(self.root) as con:
            con.executemany("INSERT INTO login_failures(key, at) VALUES (?, ?)", [(k, time.time()) for k in keys])
        return None

    def _check_throttle(self, keys: list[str]) -> None:
        now = time.time()
        with _db.connect(self.root) as con:
            con.execute("DELETE FROM login_failures WHERE at < ?", (now - WINDOW,))
            for k in keys:
                n, oldest = con.execute("SELECT count(*), min(at) FROM login_failures WHERE key = ?", (k,)).fetchone()
                if n >= MAX_FAILURES:
                    wait = max(1, int(oldest + WINDOW - now))
                    raise Throttled(f"too many failed logins: try again in {wait // 60 + 1} minutes",
                                    retry_after=wait)

    # -- tokens ---------------------------------------------------------------------------------------
    def new_token(self, *, name: str) -> str:
        """A new API token for ``name`` (returned once; only its hash is stored)."""
        ident = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
        secret = secrets.token_urlsafe(32)
        with _db.connect(self.root) as con:
            if con.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone() is None:
                raise StackAtlasError(f"no user {name!r}")
            con.execute("INSERT INTO tokens(id, user, digest, created) VALUES (?, ?, ?, ?)",
                        (ident, name, hashlib.sha256(secret.encode()).hexdigest(), _now()))
        return f"sat_{ident}_{secret}"

    def revoke(self, *, token_id: str) -> None:
        """Revoke the token with id ``token_id`` (the part after ``sat_``)."""
        with _db.connect(self.root) as con:
            if con.execute("UPDATE tokens SET revoked = 1 WHERE id = ?", (token_id,)).rowcount == 0:
                raise StackAtlasError(f"no token {token_id!r}")

    def tokens(self, *, name: str) -> list[dict[str, object]]:
        """The tokens of ``name`` (id, created, revoked; never the secret or its hash)."""
        with _db.connect(self.root) as con:
            rows = con.execute("SELECT id, created, revoked FROM tokens WHERE user = ? ORDER BY created",
                               (name,)).fetchall()
        return [{"id": r["id"], "created": r["created"], "revoked": bool(r["revoked"])} for r in rows]

    def by_token(self, token: str) -> User | None:
        """The user of a valid, unrevoked token, else None."""
        m = _TOKEN.match(token)
        if m is None:
            return None
        digest = hashlib.sha256(m[2].encode()).hexdigest()
        with _db.connect(self.root) as con:
            row = con.execute("SELECT u.name, u.role, u.created, t.digest FROM tokens t JOIN users u "
                              "ON u.name = t.user WHERE t.id = ? AND t.revoked = 0", (m[1],)).fetchone()
        if row is None or not secrets.compare_digest(row["digest"], digest):
            return None
        return User(row["name"], row["role"], row["created"])
