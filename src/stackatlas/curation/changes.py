"""What a proposal changes in the files: the plan (new text of each file touched, conflicts found) and its
validation in a staging copy of the dataset (the real folder is not touched until the whole dataset
validates)."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..dataset import model as m
from ..dataset.loader import load_dataset
from ..errors import InvalidData, Problem
from . import edit
from ._errors import Conflict

__all__ = ["KINDS", "MODELS", "OPS", "model_problems", "plan", "source_id", "stage_validate"]

KINDS = ("actor", "relation", "indicator")
OPS = ("create", "update", "delete")
MODELS: dict[str, type[BaseModel]] = {"actor": m.Actor, "relation": m.Relation, "indicator": m.Indicator,
                                      "source": m.Source, "ref": m.SourceRef}


def model_problems(kind: str, record: Any, where: str = "record") -> list[Problem]:
    """The problems of ``record`` against the model of ``kind`` (each at its field, as the loader words them)."""
    if not isinstance(record, dict):
        return [Problem(where, 0, 0, "<record>", "expected a mapping")]
    try:
        MODELS[kind].model_validate(record)
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            field = ".".join(str(x) for x in err["loc"]) or "<record>"
            msg = {"extra_forbidden": "unknown key", "missing": "required field is missing"}.get(err["type"],
                                                                                               err["msg"])
            out.append(Problem(where, 0, 0, field, msg.removeprefix("Value error, ")))
        return out
    return []


def source_id(src: dict[str, Any]) -> str:
    """An id for a new source from its title and date (``web-<words>-<year>``, at most 60 characters)."""
    words = re.sub(r"[^a-z0-9]+", "-", str(src.get("title", "")).lower()).strip("-")[:48].strip("-") or "source"
    year = str(src.get("date") or "")[:4]
    return f"web-{words}" + (f"-{year}" if year.isdigit() else "")


def plan(root: Path, *, kind: str, op: str, record_id: str, record: dict[str, Any] | None,
         new_sources: list[dict[str, Any]], base: str) -> dict[Path, str]:
    """The new text of every file the change touches (new sources first, then the record).

    Raises :class:`~._errors.Conflict` when the record changed since the proposal was made (its version is
    not ``base``), was created meanwhile, or a new source's id is taken by another source.
    """
    texts: dict[Path, str] = {}

    def text_of(f: Path) -> str | None:
        if f in texts:
            return texts[f]
        return f.read_text(encoding="utf-8") if f.is_file() else None

    for src in new_sources:
        found = edit.find(root, "source", src["id"])
        if found is not None:
            if edit.plain(found[2]) != edit.plain(src):
                raise Conflict(f"a different source with id {src['id']!r} exists: cite it or choose another id")
            continue
        f = edit.choose_file(root, "source", src)
        texts[f] = edit.insert_text(text=text_of(f), file=f, desired=src, kind="source")
    current = edit.find(root, kind, record_id)
    if op == "create":
        if current is not None:
            raise Conflict(f"a {kind} with id {record_id!r} was created meanwhile ({current[0].name})")
        assert record is not None
        f = edit.choose_file(root, kind, record)
        texts[f] = edit.insert_text(text=text_of(f), file=f, desired=record, kind=kind)
        return texts
    if current is None:
        raise Conflict(f"the {kind} {record_id!r} no longer exists")
    f, index, rec = current
    if edit.digest(rec) != base:
        raise Conflict(f"the {kind} {record_id!r} changed since the proposal was made: nothing was overwritten; "
                       "propose the change again on the current record")
    old = text_of(f)
    assert old is not None
    if op == "delete":
        texts[f] = edit.delete_text(text=old, file=f, index=index)
    else:
        assert record is not None
        texts[f] = edit.update_text(text=old, file=f, index=index, desired=record, kind=kind)
    return texts


_IGNORE = shutil.ignore_patterns(".git", ".stackatlas", "*.duckdb", "*.wal")


def stage_validate(root: Path, texts: dict[Path, str]) -> None:
    """Validate the whole dataset as it would be with ``texts`` written, in a staging copy; raises
    :class:`~stackatlas.errors.InvalidData` with each problem at its file (relative to the dataset) and line."""
    with tempfile.TemporaryDirectory(prefix="stackatlas-stage-") as d:
        stage = Path(d) / "dataset"
        shutil.copytree(root, stage, ignore=_IGNORE)
        for f, text in texts.items():
            target = stage / f.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        try:
            ds = load_dataset(stage)
        except InvalidData as exc:
            prefix = str(stage.resolve()) + "/"
            raise InvalidData([Problem(p.path.replace(prefix, ""), p.line, p.column, p.field, p.message)
                               for p in exc.errors]) from None
        ds.close()
