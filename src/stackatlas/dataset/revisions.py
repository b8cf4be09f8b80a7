"""A dataset folder as it was at a git revision: written out to a temporary folder (with dulwich, no git
binary needed) so that it loads and builds like any other folder (``stackatlas diff``, the monitor).

The folder must lie inside a git repository; the revision is anything git understands for a commit that
dulwich parses (a branch or tag name, a commit id or a prefix of one, ``HEAD``, ``HEAD~3``, ``main^``).
"""

from __future__ import annotations

import shutil
import stat
import tempfile
from pathlib import Path

from ..errors import StackAtlasError

__all__ = ["checkout", "is_folder"]


def is_folder(spec: str | Path) -> bool:
    """Whether ``spec`` names an existing dataset folder (else it is taken as a revision)."""
    p = Path(spec)
    return p.is_dir() and (p / "dataset.yaml").is_file()


def checkout(folder: Path | str, revision: str, target: Path | str | None = None) -> Path:
    """Write the files of ``folder`` as they were at ``revision`` into ``target`` (default: a new temporary
    folder; the caller removes it) and return that folder.

    Raises :class:`~stackatlas.errors.StackAtlasError` when ``folder`` is in no git repository, the revision
    is unknown or the folder did not exist at that revision.
    """
    from dulwich.errors import NotGitRepository
    from dulwich.objects import Blob, Tree
    from dulwich.objectspec import parse_commit
    from dulwich.repo import Repo

    folder = Path(folder).resolve()
    try:
        repo = Repo.discover(str(folder))
    except NotGitRepository:
        raise StackAtlasError(f"{folder} is not in a git repository: give a dataset folder instead of "
                              f"{revision!r}") from None
    try:
        root = Path(repo.path).resolve()
        try:
            commit = parse_commit(repo, revision.encode())
        except (KeyError, ValueError) as exc:
            raise StackAtlasError(f"unknown git revision {revision!r} ({exc})") from None
        tree = repo[commit.tree]
        for part in folder.relative_to(root).parts:
            assert isinstance(tree, Tree)
            try:
                _mode, sha = tree[part.encode()]
            except KeyError:
                raise StackAtlasError(f"{folder.relative_to(root)} does not exist at revision {revision!r}") from None
            tree = repo[sha]
        if not isinstance(tree, Tree):
            raise StackAtlasError(f"{folder.relative_to(root)} is not a folder at revision {revision!r}")
        out = Path(target) if target is not None else Path(tempfile.mkdtemp(prefix="stackatlas-rev-"))
        try:
            base = out.resolve()
            for path, mode, sha in repo.object_store.iter_tree_contents(tree.id):
                if mode is None or not stat.S_ISREG(mode):  # symbolic links and submodules: no dataset files
                    continue
                blob = repo[sha]
                dest = (out / path.decode()).resolve()
                if not dest.is_relative_to(base) or not isinstance(blob, Blob):
                    raise StackAtlasError(f"refusing the path {path.decode()!r} of revision {revision!r}")
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(blob.as_raw_string())
        except BaseException:
            if target is None:
                shutil.rmtree(out, ignore_errors=True)
            raise
        return out
    finally:
        repo.close()
