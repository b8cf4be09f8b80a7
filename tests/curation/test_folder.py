"""init_dataset: a copy as a git repository with one commit; the package's datasets are never edited."""

from __future__ import annotations

from pathlib import Path

import pytest
from dulwich.repo import Repo

import stackatlas
from stackatlas.curation import init_dataset, is_curated
from stackatlas.errors import StackAtlasError


def test_init_copies_and_commits(tmp_path: Path) -> None:
    root = init_dataset(target=tmp_path / "d", origin="fixture")
    assert is_curated(root)
    assert (root / "actors" / "mra.yaml").read_bytes() == (stackatlas.fixture_path() / "actors" / "mra.yaml").read_bytes()
    with Repo(str(root)) as repo:
        head = repo[repo.head()]
        assert b"fixture" in head.message  # type: ignore[attr-defined]
        assert not head.parents  # type: ignore[attr-defined]


def test_init_refuses_a_non_empty_folder_and_the_package(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(StackAtlasError):
        init_dataset(target=tmp_path / "full", origin="fixture")
    with pytest.raises(StackAtlasError):
        init_dataset(target=stackatlas.fixture_path().parent / "copy", origin="fixture")
    assert not is_curated(stackatlas.bundled_path())
