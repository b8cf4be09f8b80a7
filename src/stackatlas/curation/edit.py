"""The minimal YAML edit of one record: only the lines of that record change.

A record file is a YAML list of records at the top level. The record is found with the positions of
:mod:`stackatlas.dataset.yamlio` (fast, C parser); its lines (from its ``-`` up to the next record, without
the blank and comment lines that lead to it) are read with ruamel.yaml's round-trip loader, only the keys
whose values change are set (new keys in the order of the model, keys that become empty removed), and the
record is dumped back in place: every other line of the file, comments included, stays byte-identical, and
unchanged keys of the record keep their formatting (flow style, quotes). A new record is appended to the
file where the records most like it live (:func:`choose_file`). Every edit is checked by parsing the new text:
the other records must be equal and the changed one must be the desired record, else nothing is written.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import tempfile
import threading
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Any

from ..dataset import model as m
from ..dataset.yamlio import Located, load_yaml
from ..errors import StackAtlasError

__all__ = ["FIELDS", "GROUPS", "Located", "as_yaml", "choose_file", "delete_text", "digest", "find", "insert_text",
           "plain", "update_text"]

#: The folder/file name of each kind of record.
GROUPS = {"actor": "actors", "relation": "relations", "indicator": "indicators", "source": "sources"}
#: The key order of each kind (the model's, ``sources`` last).
FIELDS: dict[str, tuple[str, ...]] = {"actor": m.ACTOR_FIELDS, "relation": m.RELATION_FIELDS,
                                      "indicator": m.record_fields(m.Indicator),
                                      "source": m.record_fields(m.Source)}


def plain(record: Any) -> Any:
    """A record without empty values (None, empty lists, mappings and strings), recursively: the form of
    a record that is compared (``parent: null`` and no ``parent`` mean the same)."""
    if isinstance(record, dict):
        out = {str(k): plain(v) for k, v in record.items()}
        return {k: v for k, v in out.items() if v not in (None, [], {}, "")}
    if isinstance(record, list):
        return [plain(v) for v in record]
    return record


def digest(record: dict[str, Any] | None) -> str:
    """The version of a record (SHA-256 of its plain form as canonical JSON; ``""`` for no record)."""
    if record is None:
        return ""
    return hashlib.sha256(json.dumps(plain(record), sort_keys=True, default=str).encode()).hexdigest()


def group_files(root: Path, kind: str) -> list[Path]:
    name = GROUPS[kind]
    files = [root / f"{name}.yaml"] if (root / f"{name}.yaml").is_file() else []
    if (root / name).is_dir():
        files.extend(sorted((root / name).glob("*.yaml")))
    return files


_DOCS: OrderedDict[tuple[str, int, int, int], Located] = OrderedDict()
_DOCS_LOCK = threading.Lock()


def _doc(file: Path) -> Located:
    """``file`` parsed with positions, remembered per (path, inode, mtime, size): a file is parsed again
    only when it changed (an approval replaces it, a hand edit changes its mtime). Callers do not mutate it."""
    st = file.stat()
    key = (str(file), st.st_ino, st.st_mtime_ns, st.st_size)
    with _DOCS_LOCK:
        if key in _DOCS:
            _DOCS.move_to_end(key)
            return _DOCS[key]
    doc, problems = load_yaml(file)
    if doc is None or problems:
        raise StackAtlasError(f"{file.name} cannot be read: " + "; ".join(str(p) for p in problems))
    with _DOCS_LOCK:
        _DOCS[key] = doc
        while len(_DOCS) > 256:
            _DOCS.popitem(last=False)
    return doc


def find(root: Path, kind: str, ident: str) -> tuple[Path, int, dict[str, Any]] | None:
    """(file, index in its list, record) of the record ``ident`` of ``kind``, or None."""
    for f in group_files(root, kind):
        doc = _doc(f)
        if isinstance(doc.data, list):
            for i, rec in enumerate(doc.data):
                if isinstance(rec, dict) and rec.get("id") == ident:
                    return f, i, copy.deepcopy(rec)
    return None


def choose_file(root: Path, kind: str, record: dict[str, Any]) -> Path:
    """Where a new record goes: the file holding most records that share its head office (actors), an end
    (relations) or its subject (indicators); else the group's only file, or ``<group>/curated.yaml``."""
    keys = {"actor": ("hq",), "relation": ("from", "to"), "indicator": ("subject",), "source": ()}[kind]
    wanted = {record.get(k) for k in keys} - {None}
    if kind == "relation":  # the relations of its actors' files are a good neighbourhood too
        wanted |= {r.get("hq") for a in wanted if (r := _actor(root, str(a))) is not None}
    votes: Counter[Path] = Counter()
    files = group_files(root, kind)
    for f in files:
        doc = _doc(f)
        for rec in doc.data if isinstance(doc.data, list) else []:
            if isinstance(rec, dict) and any(rec.get(k) in wanted for k in (*keys, "hq", "subject")):
                votes[f] += 1
    if votes:
        return votes.most_common(1)[0][0]
    name = GROUPS[kind]
    if (root / name).is_dir() or not (root / f"{name}.yaml").is_file():
        return root / name / "curated.yaml"
    return root / f"{name}.yaml"


def _actor(root: Path, ident: str) -> dict[str, Any] | None:
    found = find(root, "actor", ident)
    return None if found is None else found[2]


def _span(text: str, doc: Located, index: int) -> tuple[int, int]:
    """The 0-based line range [start, end) of record ``index``: from its ``-`` to the next record, without
    the blank and comment lines before that."""
    lines = text.split("\n")
    start = doc.positions[(index,)][0] - 1
    end = doc.positions[(index + 1,)][0] - 1 if (index + 1,) in doc.positions else len(lines)
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    if not lines[start].startswith("-"):
        raise StackAtlasError(f"record {index + 1} of {doc.path} is not a top-level list item")
    return start, end


def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.width = 4096
    y.preserve_quotes = True
    y.indent(mapping=2, sequence=4, offset=2)
    y.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    return y


def _styled(value: Any, *, top: bool = False) -> Any:
    """``value`` as ruamel objects in the dataset's habits: lists of scalars and small mappings in flow
    style (``[a, b]``, ``{layer: ai, role: core}``), texts and larger mappings in block style."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        cm = CommentedMap((k, _styled(v)) for k, v in value.items())
        small = all(not isinstance(v, (dict, list)) for v in value.values()) and len(json.dumps(value)) < 100
        if small and not top:
            cm.fa.set_flow_style()
        return cm
    if isinstance(value, list):
        seq = CommentedSeq(_styled(v) for v in value)
        if all(not isinstance(v, (dict, list)) for v in value):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and _needs_quotes(value):
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString

        return DoubleQuotedScalarString(value)
    return value


def _needs_quotes(text: str) -> bool:
    """True for a text that YAML would read as something else (``"2020"``, ``"yes"``, ``"1e3"``, ``""``)."""
    import yaml

    try:
        return yaml.safe_load(text) != text
    except yaml.YAMLError:
        return True


def _dump(record: Any) -> str:
    """One record as a top-level list item (``- id: ...`` and the other keys indented by two)."""
    buf = io.StringIO()
    _yaml().dump(record, buf)
    lines = buf.getvalue().rstrip("\n").split("\n")
    return "\n".join([f"- {lines[0]}", *(f"  {x}" if x else x for x in lines[1:])]) + "\n"


def _checked(old_text: str, new_text: str, file: Path, index: int | None, desired: dict[str, Any] | None,
             *, inserted: bool = False) -> str:
    """``new_text`` when it parses to the old records with only record ``index`` changed into ``desired``
    (removed when None; appended when ``inserted``); else an error and nothing is written."""
    doc = _doc_of(new_text, file)
    old = list(_doc_of(old_text, file).data or []) if old_text else []
    expected = list(old)
    if inserted:
        expected.append(desired)
    elif desired is None:
        assert index is not None
        del expected[index]
    else:
        assert index is not None
        expected[index] = desired
    if plain(doc.data or []) != plain(expected):
        raise StackAtlasError(f"the edit of {file.name} would change more than the record: nothing written")
    return new_text


def update_text(*, text: str, file: Path, index: int, desired: dict[str, Any], kind: str) -> str:
    """The text of ``file`` with record ``index`` changed into ``desired`` (only changed keys rewritten)."""
    doc = _doc_of(text, file)
    start, end = _span(text, doc, index)
    lines = text.split("\n")
    y = _yaml()
    block = y.load("\n".join(lines[start:end]) + "\n")
    rec = block[0]
    want = plain(desired)
    for key in list(rec.keys()):
        if key not in want and plain({key: _plain_of(rec[key])}):
            del rec[key]
    order = FIELDS[kind]
    for key, value in want.items():
        if key in rec and plain({key: _plain_of(rec[key])}).get(key) == value:
            continue
        if key in rec:
            rec[key] = _styled(value)
        else:
            pos = sum(1 for k in rec if k in order and order.index(k) < order.index(key)) if key in order else len(rec)
            rec.insert(pos, key, _styled(value))
    new_block = _dump(rec).rstrip("\n").split("\n")
    new_text = "\n".join([*lines[:start], *new_block, *lines[end:]])
    return _checked(text, new_text, file, index, desired)


def _plain_of(value: Any) -> Any:
    """A ruamel value as plain Python (dicts, lists, str, numbers)."""
    if isinstance(value, dict):
        return {str(k): _plain_of(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_of(v) for v in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def _doc_of(text: str, file: Path) -> Located:
    """``text`` parsed as the file ``file`` would be (in a private temporary folder, never the dataset's)."""
    with tempfile.TemporaryDirectory(prefix="stackatlas-edit-") as d:
        tmp = Path(d) / file.name
        tmp.write_text(text, encoding="utf-8")
        doc, problems = load_yaml(tmp)  # not through _doc's memory: a temporary file is read once
    if doc is None or problems:
        raise StackAtlasError(f"{file.name} cannot be read: " + "; ".join(str(p) for p in problems))
    doc.path = str(file)
    return doc


def insert_text(*, text: str | None, file: Path, desired: dict[str, Any], kind: str) -> str:
    """The text of ``file`` (None: a new file) with ``desired`` appended as its last record."""
    order = FIELDS[kind]
    want = plain(desired)
    ordered = {k: want[k] for k in sorted(want, key=lambda k: order.index(k) if k in order else len(order))}
    item = _dump(_styled(ordered, top=True))
    if not text:
        new_text = f"# {GROUPS[kind].capitalize()} added through review in the atlas.\n\n{item}"
    else:
        sep = "\n" if "\n\n-" in text else ""
        new_text = text + ("" if text.endswith("\n") else "\n") + sep + item
    return _checked(text or "", new_text, file, None, desired, inserted=True)


def delete_text(*, text: str, file: Path, index: int) -> str:
    """The text of ``file`` without record ``index`` (and one blank line after it, if any)."""
    doc = _doc_of(text, file)
    start, end = _span(text, doc, index)
    lines = text.split("\n")
    if end < len(lines) and not lines[end].strip() and start > 0:
        end += 1
    new_text = "\n".join([*lines[:start], *lines[end:]])
    return _checked(text, new_text, file, index, None)


def as_yaml(record: dict[str, Any] | None, kind: str) -> str:
    """``record`` as it would be written (a list item in the dataset's style; ``""`` for None): for diffs."""
    if record is None:
        return ""
    order = FIELDS[kind]
    want = plain(record)
    ordered = {k: want[k] for k in sorted(want, key=lambda k: order.index(k) if k in order else len(order))}
    return _dump(_styled(ordered, top=True))
