"""The history of the dataset, read from git: who proposed, who approved, when, the diff and the sources.

Each approved proposal is one commit whose message carries trailers (``Proposal: #12``, ``Record:
actor/asml``, ``Proposed-by``, ``Approved-by``, ``Source: ...``); commits made otherwise (the first copy,
edits by hand) are listed too, with their author. The history of one record is the commits whose
``Record`` trailer names it or whose diff touches a line ``id: <id>`` of it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .folder import is_git

__all__ = ["Change", "history"]

_TRAILER = re.compile(r"^([A-Z][A-Za-z-]+): (.*)$")


@dataclass
class Change:
    """One commit of the dataset."""

    commit: str
    date: str
    author: str
    committer: str
    summary: str
    message: str
    diff: str
    proposal: int | None = None
    record: str | None = None
    proposed_by: str | None = None
    approved_by: str | None = None
    sources: list[str] = field(default_factory=list)
    reverts: int | None = None

    def as_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def _name(ident: bytes) -> str:
    return ident.decode("utf-8", "replace").split(" <", 1)[0]


def _parse(sha: str, c: object, diff: str) -> Change:
    msg = c.message.decode("utf-8", "replace")  # type: ignore[attr-defined]
    ch = Change(commit=sha, date=dt.datetime.fromtimestamp(c.commit_time, dt.UTC).isoformat(timespec="seconds"),  # type: ignore[attr-defined]
                author=_name(c.author), committer=_name(c.committer),  # type: ignore[attr-defined]
                summary=msg.split("\n", 1)[0], message=msg, diff=diff)
    for line in msg.splitlines():
        m = _TRAILER.match(line)
        if m is None:
            continue
        key, value = m[1], m[2]
        if key == "Proposal" and value.lstrip("#").isdigit():
            ch.proposal = int(value.lstrip("#"))
        elif key == "Reverts" and value.lstrip("#").isdigit():
            ch.reverts = int(value.lstrip("#"))
        elif key == "Record":
            ch.record = value
        elif key == "Proposed-by":
            ch.proposed_by = value
        elif key == "Approved-by":
            ch.approved_by = value
        elif key == "Source":
            ch.sources.append(value)
    return ch


def history(root: Path, *, kind: str | None = None, ident: str | None = None, limit: int = 100,
            max_diff: int = 20_000) -> list[Change]:
    """The commits of the dataset folder ``root``, newest first (those of record ``kind/ident`` only, when
    given; ``kind`` None: a record of any kind with id ``ident``); each diff is cut at ``max_diff`` characters. Empty when the folder is not a git repository."""
    if not is_git(root):
        return []
    from dulwich.patch import write_tree_diff
    from dulwich.repo import Repo

    wanted = None if ident is None else (f"{kind}/{ident}" if kind else None)
    id_line = re.compile(rf"^[-+]-? *id: {re.escape(ident)}\s*$", re.M) if ident else None
    out: list[Change] = []
    with Repo(str(root)) as repo:
        for entry in repo.get_walker():
            c = entry.commit
            parent_tree = repo[c.parents[0]].tree if c.parents else None  # type: ignore[attr-defined]
            buf = io.BytesIO()
            write_tree_diff(buf, repo.object_store, parent_tree, c.tree)
            diff = buf.getvalue().decode("utf-8", "replace")
            ch = _parse(c.id.decode(), c, diff[:max_diff])
            if ident is not None:
                named = ch.record == wanted if wanted else (ch.record or "").split("/", 1)[-1] == ident
                if not named and not (id_line is not None and id_line.search(diff)):
                    continue
            out.append(ch)
            if len(out) >= limit:
                break
    return out
