from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

import stackatlas
from stackatlas.atlas import Atlas

# Files a human may want to look at (screenshots, PDF page images) go to $STACKATLAS_ARTIFACTS, or to a new
# temporary folder: tests never write into the repository. Set on import (this conftest is imported before
# those of the subfolders, which read it at their own import).
if not os.environ.get("STACKATLAS_ARTIFACTS"):
    os.environ["STACKATLAS_ARTIFACTS"] = tempfile.mkdtemp(prefix="stackatlas-artifacts-")


def pytest_report_header(config: pytest.Config) -> str:
    return f"artifacts (screenshots, PDF pages): {os.environ.get('STACKATLAS_ARTIFACTS')}"


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never write to the user's cache from tests."""
    monkeypatch.setenv("STACKATLAS_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture
def fixture_dir(tmp_path: Path) -> Path:
    """A private copy of the fixture dataset that a test may change."""
    dst = tmp_path / "fixture"
    shutil.copytree(stackatlas.fixture_path(), dst)
    return dst


@pytest.fixture(scope="session")
def atlas(tmp_path_factory: pytest.TempPathFactory) -> Atlas:
    db = tmp_path_factory.mktemp("db") / "fixture.duckdb"
    return stackatlas.open(data=stackatlas.fixture_path(), db=db)
