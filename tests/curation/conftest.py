"""Fixtures of the curation tests: an editable copy of the fixture dataset with three users."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from stackatlas.curation import Accounts, User, init_dataset

NEW_SOURCE = {"url": "https://example.org/news/1", "title": "A new lab opens", "publisher": "Example News",
              "date": "2025-05-01", "locator": "paragraph 2"}


@dataclass
class Team:
    root: Path
    db: Path
    editor: User
    maintainer: User
    reader: User


@pytest.fixture
def team(tmp_path: Path) -> Team:
    root = init_dataset(target=tmp_path / "data", origin="fixture")
    acc = Accounts(root)
    return Team(root, tmp_path / "data.duckdb", acc.add(name="eve", role="editor", password="editor-pass-1"),
                acc.add(name="max", role="maintainer", password="maint-pass-1"),
                acc.add(name="rea", role="reader", password="reader-pass-1"))


def new_actor(ident: str = "new-lab", **kw: object) -> dict[str, object]:
    rec: dict[str, object] = {"id": ident, "name": "New Lab", "kind": "company", "hq": "amsterdam",
                              "layers": [{"layer": "ai", "sublayer": "applied-ai", "role": "core"}]}
    rec.update(kw)
    return rec
