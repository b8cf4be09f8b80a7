"""Approving a proposal: nothing lost, nobody overwritten, and a crash at any moment leaves the old or the
new state.

The pipeline (under an exclusive lock, ``DIR/.stackatlas/lock``, so two approvals never interleave):

1. finish an approval that was interrupted (:func:`recover`);
2. plan the edit on the files as they are *now* (hand edits included); a record that changed since the
   proposal was made is a :class:`~._errors.Conflict` and nothing is written;
3. validate the whole dataset with the edit applied in a staging copy (:class:`~stackatlas.errors.InvalidData`
   with file:line problems, nothing written);
4. commit hand edits found in the folder as a commit of their own (git), so they stay in the history;
5. write a journal (``DIR/.stackatlas/journal/<id>/``: the new files, then ``journal.json`` renamed into
   place: from that moment the approval *will* happen);
6. roll forward: replace each file atomically (``os.replace``), commit (author: the proposer, committer:
   the maintainer, ``Proposal: #<id>`` in the message), mark the proposal approved, rebuild the database
   atomically (:func:`stackatlas.store.ensure_db`; a running server picks it up), remove the journal.

A kill -9 before the journal is complete leaves the old state (the partial journal is discarded on
recovery); after it, :func:`recover` (run by the next approval, by ``serve`` and by the CLI) redoes step 6,
whose every step is idempotent.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..store import default_db_path, ensure_db
from . import _db, changes
from ._errors import Conflict, Forbidden
from .accounts import User
from .folder import curation_dir, git_identity, is_git
from .proposals import Proposal, Proposals

__all__ = ["Conflict", "approve", "commit_message", "recover", "reject", "revert"]


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    with open(curation_dir(root) / "lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _journal_dir(root: Path) -> Path:
    d = curation_dir(root) / "journal"
    d.mkdir(exist_ok=True)
    return d


def commit_message(p: Proposal, *, maintainer: str, comment: str) -> str:
    """The commit message of an approved proposal (a summary line, the comment, and trailers)."""
    verb = {"create": "Add", "update": "Change", "delete": "Remove"}[p.op]
    name = (p.record or {}).get("name") or p.record_id
    lines = [f"{verb} {p.kind} {p.record_id}" + (f" ({name})" if name != p.record_id else ""), ""]
    if p.comment:
        lines += [p.comment.strip(), ""]
    lines += [f"Proposal: #{p.id}", f"Record: {p.kind}/{p.record_id}", f"Proposed-by: {p.author}",
              f"Approved-by: {maintainer}"]
    if p.reverts:
        lines.append(f"Reverts: #{p.reverts}")
    for s in (p.record or {}).get("sources", []):
        lines.append(f"Source: {s.get('source')} ({s.get('locator')})")
    if comment.strip():
        lines.append("Review: " + " ".join(comment.split()))
    return "\n".join(x.replace("\r", " ") for x in lines) + "\n"


def approve(*, root: Path, proposal_id: int, maintainer: User, comment: str = "",
            db: Path | None = None) -> Proposal:
    """Approve proposal ``proposal_id`` (see the module's docstring); return it as approved."""
    if not maintainer.can("maintainer"):
        raise Forbidden("only maintainers can approve proposals")
    root = Path(root).resolve()
    with _locked(root):
        _recover(root, db)
        props = Proposals(root)
        p = props.get(proposal_id)
        if p.status != "open":
            raise Conflict(f"proposal #{p.id} is {p.status} already")
        texts = changes.plan(root, kind=p.kind, op=p.op, record_id=p.record_id, record=p.record,
                             new_sources=p.new_sources, base=p.base)
        changes.stage_validate(root, texts)
        _commit_hand_edits(root, p.id)
        journal = _write_journal(root, p, texts, maintainer=maintainer.name, comment=comment)
        _roll_forward(root, journal, db)
    return Proposals(root).get(proposal_id)


def reject(*, root: Path, proposal_id: int, maintainer: User, comment: str = "") -> Proposal:
    """Reject an open proposal with a comment (nothing in the dataset changes)."""
    if not maintainer.can("maintainer"):
        raise Forbidden("only maintainers can reject proposals")
    with _locked(root):
        p = Proposals(root).get(proposal_id)
        if p.status != "open":
            raise Conflict(f"proposal #{p.id} is {p.status} already")
        _set_status(root, proposal_id, "rejected", maintainer.name, comment, None)
    return Proposals(root).get(proposal_id)


def revert(*, root: Path, proposal_id: int, maintainer: User, comment: str = "") -> Proposal:
    """A new (open) proposal that undoes the approved proposal ``proposal_id``: the record as it was before
    (or its removal, for a record the proposal created). It is reviewed like any other."""
    p = Proposals(root).get(proposal_id)
    if p.status != "approved":
        raise Conflict(f"only an approved proposal can be reverted; #{p.id} is {p.status}")
    if p.op == "create":
        return Proposals(root).submit(author=maintainer, kind=p.kind, op="delete", record={"id": p.record_id},
                                      sources=[], comment=comment or f"Revert #{p.id}", reverts=p.id,
                                      before=p.record)
    if p.before is None:
        raise Conflict(f"proposal #{p.id} does not know the record before it")
    return Proposals(root).submit(author=maintainer, kind=p.kind, op="update", record=p.before,
                                  sources=p.before.get("sources", []), comment=comment or f"Revert #{p.id}",
                                  reverts=p.id)


def recover(*, root: Path, db: Path | None = None) -> None:
    """Finish an approval that was interrupted (or discard one whose journal is incomplete)."""
    root = Path(root).resolve()
    with _locked(root):
        _recover(root, db)


def _recover(root: Path, db: Path | None) -> None:
    _remove_stale_git_locks(root)
    for d in sorted(_journal_dir(root).iterdir()):
        if (d / "journal.json").is_file():
            _roll_forward(root, d, db)
        else:
            shutil.rmtree(d, ignore_errors=True)


def _remove_stale_git_locks(root: Path) -> None:
    """Remove the ``.lock`` files a killed git write leaves (``index.lock``, ``HEAD.lock``, a branch's lock).
    Every git write of stackatlas happens under the approval lock, which the caller holds, so a lock file
    found now belongs to a process that died (a person running git in the folder at this very moment would
    see their command fail, as after any crash)."""
    git = root / ".git"
    if not git.is_dir():
        return
    for lock in [git / "index.lock", git / "HEAD.lock", *(git / "refs").rglob("*.lock")]:
        lock.unlink(missing_ok=True)


def _fsync_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _write_journal(root: Path, p: Proposal, texts: dict[Path, str], *, maintainer: str, comment: str) -> Path:
    d = _journal_dir(root) / f"p{p.id}"
    shutil.rmtree(d, ignore_errors=True)
    files = []
    for i, (f, text) in enumerate(texts.items()):
        _fsync_write(d / f"{i}.yaml", text.encode("utf-8"))
        files.append({"path": str(f.relative_to(root)), "copy": f"{i}.yaml"})
    entry = {"proposal": p.id, "files": files, "maintainer": maintainer, "comment": comment,
             "message": commit_message(p, maintainer=maintainer, comment=comment)}
    _fsync_write(d / "journal.json.tmp", json.dumps(entry).encode())
    os.replace(d / "journal.json.tmp", d / "journal.json")  # the moment the approval is decided
    return d


def _roll_forward(root: Path, journal: Path, db: Path | None) -> None:
    entry: dict[str, Any] = json.loads((journal / "journal.json").read_text(encoding="utf-8"))
    paths = []
    for f in entry["files"]:
        target = (root / f["path"]).resolve()
        if not target.is_relative_to(root):  # the journal is ours, but never write outside the folder
            raise Forbidden(f"refusing to write outside the dataset: {f['path']}")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.approving")
        shutil.copyfile(journal / f["copy"], tmp)
        os.replace(tmp, target)
        paths.append(f["path"])
    sha = _commit(root, paths, entry) if is_git(root) else None
    p = Proposals(root).get(entry["proposal"])
    if p.status != "approved":
        _set_status(root, p.id, "approved", entry["maintainer"], entry["comment"], sha, author_of=p)
    ensure_db(root, db if db is not None else default_db_path(root))
    shutil.rmtree(journal, ignore_errors=True)


def _set_status(root: Path, ident: int, status: str, reviewer: str, comment: str, sha: str | None,
                author_of: Proposal | None = None) -> None:
    import datetime as dt

    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with _db.connect(root) as con:
        con.execute("UPDATE proposals SET status = ?, reviewer = ?, reviewed = ?, review_comment = ?, "
                    "git_commit = ? WHERE id = ?", (status, reviewer, now, comment, sha, ident))


def _commit(root: Path, paths: list[str], entry: dict[str, Any]) -> str:
    """Commit ``paths`` for the journal ``entry`` unless HEAD is that commit already (a recovery)."""
    from dulwich import porcelain
    from dulwich.repo import Repo

    with Repo(str(root)) as repo:
        porcelain.add(repo, paths=[str(root / x) for x in paths])  # also refreshes an index a crash left old
        head = repo.head()
        msg = repo[head].message.decode("utf-8", "replace")  # type: ignore[attr-defined]
        if f"\nProposal: #{entry['proposal']}\n" in msg:
            return head.decode()
        p = Proposals(root).get(entry["proposal"])
        sha = porcelain.commit(repo, message=entry["message"].encode("utf-8"), author=git_identity(p.author),
                               committer=git_identity(entry["maintainer"]))
    return sha.decode()


def _commit_hand_edits(root: Path, proposal_id: int) -> None:
    """Commit the changes made by hand to the folder since the last commit (before an approval writes)."""
    if not is_git(root):
        return
    from dulwich import porcelain
    from dulwich.repo import Repo

    with Repo(str(root)) as repo:
        st = porcelain.status(repo, untracked_files="all")
        changed = [*st.unstaged, *st.untracked, *st.staged["add"], *st.staged["modify"], *st.staged["delete"]]
        if not changed:
            return
        porcelain.add(repo, paths=None)
        who = git_identity("stackatlas")
        porcelain.commit(repo, message=f"Edits made by hand in the folder (found before approving proposal "
                                       f"#{proposal_id})\n".encode(), author=who, committer=who, all=True)
