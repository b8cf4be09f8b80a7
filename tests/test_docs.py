"""Documents generated from code are in step with it (regenerate them with the command in the message)."""

from __future__ import annotations

from pathlib import Path

from stackatlas.store import SCHEMA, TABLE_NOTES, schema_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_table_has_a_note() -> None:
    assert set(TABLE_NOTES) == set(SCHEMA), "add a TABLE_NOTES entry for each table of SCHEMA (and only those)"
    assert all(note.strip() for note in TABLE_NOTES.values())


def test_database_doc_is_current() -> None:
    text = (DOCS / "database.md").read_text(encoding="utf-8")
    assert text == schema_markdown(), "docs/database.md is stale: run `python -m stackatlas.store > docs/database.md`"


def test_database_doc_lists_every_column() -> None:
    text = schema_markdown()
    for table, columns in SCHEMA.items():
        section = text.split(f"## {table}\n", 1)[1].split("\n## ", 1)[0]
        assert [line.split(" | ")[0].lstrip("| ") for line in section.splitlines() if line.startswith("| ")
                and not line.startswith("| column")] == [name for name, _ in columns]
