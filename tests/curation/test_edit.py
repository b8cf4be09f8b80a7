"""The minimal YAML edit: random proposals change only the lines of their record (hypothesis)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stackatlas
from stackatlas.curation import edit

FIXTURE = stackatlas.fixture_path()
ACTORS = [(f, i, rec) for f in edit.group_files(FIXTURE, "actor")
          for i, rec in enumerate(edit._doc(f).data)]
RELATIONS = [(f, i, rec) for f in edit.group_files(FIXTURE, "relation") for i, rec in enumerate(edit._doc(f).data)]

text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40)
changes = st.fixed_dictionaries({}, optional={
    "name": text, "aliases": st.lists(text, max_size=3), "website": st.just("https://example.org/x"),
    "domains": st.lists(st.sampled_from(["finance", "energy", "travel"]), max_size=2, unique=True),
    "description": st.fixed_dictionaries({"nl": text, "en": text}), "parent": st.none(), "founded": st.just("1999"),
    "sites": st.just([{"place": "amsterdam", "function": "office: #1 'main'"}]),
})


def _outside_unchanged(old: str, new: str, start: int, end: int) -> None:
    """Every line before ``start`` and from ``end`` on (0-based, of ``old``) is in ``new`` unchanged."""
    a, b = old.split("\n"), new.split("\n")
    tail = len(a) - end
    assert b[:start] == a[:start]
    assert b[len(b) - tail:] == a[end:]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, len(ACTORS) - 1), change=changes, drop=st.sampled_from([None, "aliases", "website",
                                                                                     "description", "domains"]))
@pytest.mark.slow  # about 3 s or more: `make test` runs it, `make test-fast` does not
def test_update_changes_only_the_record(which: int, change: dict[str, Any], drop: str | None) -> None:
    f, i, rec = ACTORS[which]
    desired = {**rec, **change}
    if drop is not None:
        desired.pop(drop, None)
    old = f.read_text(encoding="utf-8")
    new = edit.update_text(text=old, file=f, index=i, desired=desired, kind="actor")
    doc = edit._doc_of(old, f)
    start, end = edit._span(old, doc, i)
    _outside_unchanged(old, new, start, end)
    after = edit._doc_of(new, f).data
    assert edit.plain(after[i]) == edit.plain(desired)
    assert [edit.plain(x) for j, x in enumerate(after) if j != i] == \
        [edit.plain(x) for j, x in enumerate(doc.data) if j != i]
    if not change and drop is None:
        assert new == old  # nothing to change: not a byte changes


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
@settings(max_examples=30, deadline=None)
@given(which=st.integers(0, len(RELATIONS) - 1), role=st.none() | text, date=st.sampled_from([None, "2021", "2020-02"]))
def test_update_relation_and_delete(which: int, role: str | None, date: str | None) -> None:
    f, i, rec = RELATIONS[which]
    old = f.read_text(encoding="utf-8")
    desired = {**rec, "role": role, "date": date}
    new = edit.update_text(text=old, file=f, index=i, desired=desired, kind="relation")
    start, end = edit._span(old, edit._doc_of(old, f), i)
    _outside_unchanged(old, new, start, end)
    gone = edit.delete_text(text=old, file=f, index=i)
    assert [x["id"] for x in edit._doc_of(gone, f).data] == [x["id"] for j, x in enumerate(edit._doc_of(old, f).data)
                                                            if j != i]


@settings(max_examples=30, deadline=None)
@given(name=text, aliases=st.lists(text, max_size=2))
def test_insert_appends_and_keeps_every_byte(name: str, aliases: list[str], tmp_path_factory: Any) -> None:
    f = FIXTURE / "actors" / "mra.yaml"
    old = f.read_text(encoding="utf-8")
    rec = {"id": "zz-new", "name": name, "aliases": aliases, "kind": "company", "hq": "amsterdam",
           "layers": [{"layer": "ai", "role": "core"}], "sources": [{"source": "s", "locator": "p. 1"}]}
    new = edit.insert_text(text=old, file=f, desired=rec, kind="actor")
    assert new.startswith(old)
    assert edit.plain(edit._doc_of(new, f).data[-1]) == edit.plain(rec)


def test_comments_and_order_survive(tmp_path: Path) -> None:
    f = tmp_path / "actors.yaml"
    shutil.copy(FIXTURE / "actors" / "global.yaml", f)
    text = "# a comment at the top\n" + f.read_text().replace("- id: mistral-ai", "# about Mistral\n- id: mistral-ai")
    doc = edit._doc_of(text, f)
    i = [r["id"] for r in doc.data].index("booking-holdings")
    new = edit.update_text(text=text, file=f, index=i, desired={**doc.data[i], "name": "Booking Holdings Inc."},
                           kind="actor")
    assert "# about Mistral\n- id: mistral-ai" in new and new.startswith("# a comment at the top\n")
    assert len(new.split("\n")) == len(text.split("\n"))
    assert [a for a, b in zip(text.split("\n"), new.split("\n"), strict=True) if a != b] == \
        ["  name: Booking Holdings"]
