"""The team's dataset folder: ``init_dataset`` copies a dataset into a new folder and makes it a git
repository with a first commit; the team's own state (users, proposals, the approval journal, the lock)
lives in ``DIR/.stackatlas/``, which ``.gitignore`` keeps out of git.

The bundled datasets inside the package are never edited: :func:`is_curated` is false for them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..dataset.loader import bundled_path, fixture_path, load_dataset
from ..errors import StackAtlasError

__all__ = ["GITIGNORE", "STATE_DIR", "curation_dir", "git_identity", "init_dataset", "is_curated", "is_git"]

STATE_DIR = ".stackatlas"
GITIGNORE = f"# stackatlas: the team's accounts, proposals and journal (never in git)\n/{STATE_DIR}/\n"
_IGNORE = shutil.ignore_patterns(".git", STATE_DIR, "__pycache__", "*.duckdb", "*.duckdb.wal")


def curation_dir(root: Path) -> Path:
    """``root/.stackatlas`` (created, private to the owner)."""
    d = Path(root) / STATE_DIR
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def is_curated(root: Path) -> bool:
    """True for a dataset folder made by :func:`init_dataset` (never for the package's own datasets)."""
    root = Path(root).resolve()
    package = bundled_path().resolve().parent
    return (root / STATE_DIR).is_dir() and not root.is_relative_to(package)


def is_git(root: Path) -> bool:
    return (Path(root) / ".git").is_dir()


def git_identity(name: str) -> bytes:
    """``Name <name@users.stackatlas.invalid>``: the git author/committer of a user (no e-mail is stored)."""
    return f"{name} <{name}@users.stackatlas.invalid>".encode()


def _source(origin: str) -> Path:
    if origin == "corridor":
        return bundled_path()
    if origin == "fixture":
        return fixture_path()
    return Path(origin).resolve()


def init_dataset(*, target: Path, origin: str = "corridor", author: str = "stackatlas") -> Path:
    """Copy the dataset ``origin`` (``corridor``, ``fixture`` or a folder) into the new folder ``target``,
    validate it, make it a git repository and commit everything; return ``target`` (resolved).

    Raises :class:`~stackatlas.errors.StackAtlasError` when ``target`` exists and is not empty, and
    :class:`~stackatlas.errors.InvalidData` (nothing left behind) when the dataset is invalid.
    """
    from dulwich import porcelain

    src = _source(origin)
    target = Path(target).resolve()
    if not src.is_dir():
        raise StackAtlasError(f"no dataset folder at {src}")
    if target.exists() and any(target.iterdir()):
        raise StackAtlasError(f"{target} exists and is not empty")
    if target.is_relative_to(bundled_path().resolve().parent):
        raise StackAtlasError("the datasets inside the package are never edited: choose another folder")
    ds = load_dataset(src)
    ds.close()
    existed = target.exists()
    try:
        shutil.copytree(src, target, ignore=_IGNORE, dirs_exist_ok=True)
        (target / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        curation_dir(target)
        repo = porcelain.init(str(target))
        try:
            porcelain.add(repo, paths=None)
            who = git_identity(author)
            porcelain.commit(repo, message=f"Dataset copied from {origin}\n".encode(), author=who, committer=who)
        finally:
            repo.close()
    except BaseException:
        if existed:
            for p in target.iterdir():
                shutil.rmtree(p) if p.is_dir() else p.unlink()
        else:
            shutil.rmtree(target, ignore_errors=True)
        raise
    return target
