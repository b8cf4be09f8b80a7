"""Proposals: an editor's change of one record (create or change an actor or a relation, add an indicator),
with the sources it cites, waiting for a maintainer's review.

Every proposal cites at least one source: an existing one (``{"source": ID, "locator": ...}``) or a new one
(``{"url", "title", "publisher", "date", "type", "locator"}``; its id is made from the title when not
given). The cited sources are added to the record's ``sources``; new sources become records of their own on
approval. A proposal remembers the version of the record it was made on (``base``), so that approving it
after the record changed is a conflict, never an overwrite. On submission the record is checked against the
model (field errors) and the whole dataset is validated with the change applied in a staging copy
(references: an unknown head office, layer, source, ...).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InvalidData, Problem, StackAtlasError
from . import _db, changes, edit
from ._errors import Forbidden
from .accounts import User

__all__ = ["STATUSES", "Proposal", "Proposals"]

STATUSES = ("open", "approved", "rejected")
_MAX_COMMENT = 4000


@dataclass
class Proposal:
    """One proposal as stored (``record`` is the whole record as it will be written; None for a delete)."""

    id: int
    kind: str
    op: str
    record_id: str
    record: dict[str, Any] | None
    new_sources: list[dict[str, Any]]
    comment: str
    author: str
    created: str
    base: str
    status: str = "open"
    reviewer: str | None = None
    reviewed: str | None = None
    review_comment: str | None = None
    git_commit: str | None = None
    reverts: int | None = None
    before: dict[str, Any] | None = field(default=None)

    def as_json(self) -> dict[str, Any]:
        """The proposal for the API (plain JSON)."""
        return {k: getattr(self, k) for k in ("id", "kind", "op", "record_id", "record", "new_sources", "comment",
                                              "author", "created", "status", "reviewer", "reviewed",
                                              "review_comment", "git_commit", "reverts", "before")}


def _row(r: Any) -> Proposal:
    return Proposal(id=r["id"], kind=r["kind"], op=r["op"], record_id=r["record_id"],
                    record=json.loads(r["record"]), new_sources=json.loads(r["new_sources"]), comment=r["comment"],
                    author=r["author"], created=r["created"], base=r["base"], status=r["status"],
                    reviewer=r["reviewer"], reviewed=r["reviewed"], review_comment=r["review_comment"],
                    git_commit=r["git_commit"], reverts=r["reverts"],
                    before=json.loads(r["before"]) if r["before"] else None)


def _bad(field_: str, message: str) -> InvalidData:
    return InvalidData([Problem("proposal", 0, 0, field_, message)])


class Proposals:
    """The proposals of the dataset folder ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def get(self, ident: int) -> Proposal:
        from ..errors import NotFound

        with _db.connect(self.root) as con:
            r = con.execute("SELECT * FROM proposals WHERE id = ?", (ident,)).fetchone()
        if r is None:
            raise NotFound("proposal", str(ident))
        return _row(r)

    def find(self, *, status: str | None = None, record: tuple[str, str] | None = None,
             limit: int = 200) -> list[Proposal]:
        """Proposals, newest first (optionally of one status and/or one record)."""
        if status is not None and status not in STATUSES:
            raise StackAtlasError(f"unknown status {status!r} (expected {', '.join(STATUSES)})")
        sql, args = "SELECT * FROM proposals WHERE 1 = 1", list[Any]()
        if status is not None:
            sql, args = sql + " AND status = ?", [*args, status]
        if record is not None:
            sql, args = sql + " AND kind = ? AND record_id = ?", [*args, *record]
        with _db.connect(self.root) as con:
            rows = con.execute(sql + " ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [_row(r) for r in rows]

    def submit(self, *, author: User, kind: str, op: str, record: Any, sources: Any, comment: str = "",
               reverts: int | None = None, before: dict[str, Any] | None = None) -> Proposal:
        """Check and store a proposal by ``author`` (an editor or maintainer); raises
        :class:`~stackatlas.errors.InvalidData` with field errors (``proposal:0:0: record.name: ...``) or the
        dataset's file:line problems with the change applied, and :class:`~._errors.Conflict`."""
        if not author.can("editor"):
            raise Forbidden("only editors and maintainers can propose changes")
        if kind not in changes.KINDS:
            raise _bad("kind", f"unknown kind {kind!r} (expected {', '.join(changes.KINDS)})")
        if op not in changes.OPS or (op == "delete" and reverts is None):
            raise _bad("op", f"unknown op {op!r} (expected create or update)")
        if kind == "indicator" and op != "create" and reverts is None:
            raise _bad("op", "indicators can only be added")
        if not isinstance(comment, str) or len(comment) > _MAX_COMMENT:
            raise _bad("comment", f"a text of at most {_MAX_COMMENT} characters")
        refs, new_sources = self._sources(sources, required=op != "delete")
        record_id, full = self._record(kind, op, record, refs, reverts)
        current = edit.find(self.root, kind, record_id)
        base = edit.digest(current[2]) if current is not None and op != "create" else ""
        texts = changes.plan(self.root, kind=kind, op=op, record_id=record_id, record=full,
                             new_sources=new_sources, base=base)
        changes.stage_validate(self.root, texts)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with _db.connect(self.root) as con:
            cur = con.execute(
                "INSERT INTO proposals(kind, op, record_id, record, new_sources, comment, author, created, base, "
                "reverts, before) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (kind, op, record_id, json.dumps(full), json.dumps(new_sources), comment, author.name, now, base,
                 reverts, json.dumps(before if before is not None else (current[2] if current else None))))
            ident = int(cur.lastrowid or 0)
        return self.get(ident)

    def _record(self, kind: str, op: str, record: Any, refs: list[dict[str, Any]],
                reverts: int | None) -> tuple[str, dict[str, Any] | None]:
        if op == "delete":
            if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                raise _bad("record.id", "required field is missing")
            return record["id"], None
        if not isinstance(record, dict):
            raise _bad("record", "expected a mapping (the record in the dataset's format)")
        full = dict(record)
        cited = list(full.get("sources") or [])
        for r in refs:
            if not any(isinstance(c, dict) and c.get("source") == r["source"] and c.get("locator") == r["locator"]
                       for c in cited):
                cited.append(r)
        full["sources"] = cited
        problems = [Problem(p.path, p.line, p.column, f"record.{p.field}", p.message)
                    for p in changes.model_problems(kind, full, "proposal")]
        if problems:
            raise InvalidData(problems)
        return str(full["id"]), edit.plain(full)

    def _sources(self, sources: Any, *, required: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(references to cite, new source records) from the proposal's ``sources``."""
        if not isinstance(sources, list) or (required and not sources):
            raise _bad("sources", "cite at least one source: an existing one or a new one (URL, title, "
                                  "publisher, date)")
        refs: list[dict[str, Any]] = []
        new: list[dict[str, Any]] = []
        for i, s in enumerate(sources):
            if not isinstance(s, dict):
                raise _bad(f"sources.{i}", "expected a mapping")
            s = {k: v for k, v in s.items() if v not in (None, "")}
            locator = s.pop("locator", None) or ("web page" if s.get("url") else None)
            confidence = s.pop("confidence", "high")
            if "source" in s and len(s) == 1:
                ref = {"source": s["source"], "locator": locator, "confidence": confidence}
            else:
                s.setdefault("type", "web")
                s.setdefault("id", changes.source_id(s))
                probs = changes.model_problems("source", s, "proposal")
                if not s.get("url"):
                    probs.append(Problem("proposal", 0, 0, "url", "required field is missing"))
                if probs:
                    raise InvalidData([Problem(p.path, 0, 0, f"sources.{i}.{p.field}", p.message) for p in probs])
                new.append(edit.plain(s))
                ref = {"source": s["id"], "locator": locator, "confidence": confidence}
            if not ref["locator"]:
                raise _bad(f"sources.{i}.locator", "say where in the source (page, section, URL fragment)")
            probs = changes.model_problems("ref", ref, "proposal")
            if probs:
                raise InvalidData([Problem(p.path, 0, 0, f"sources.{i}.{p.field}", p.message) for p in probs])
            if ref["confidence"] == "high":
                del ref["confidence"]
            refs.append(ref)
        return refs, new
