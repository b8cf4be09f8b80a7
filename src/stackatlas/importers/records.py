"""Actors and relations of a dataset folder as plain records (the YAML form), from YAML files and CSV tables.

The importer writes records, dedupe and merge read and rewrite them. A record is the mapping a YAML
file holds (``{"id": ..., "layers": [{"layer": ...}], "sources": [{"source": ..., "locator": ...}]}``);
a CSV row (docs/dataset-format.md, "Large datasets: CSV tables") converts to the same record and back.
Writing is deterministic: the same records give the same bytes.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from ..dataset import model as m
from ..dataset.bulk import COLUMNS
from ..dataset.yamlio import load_yaml

__all__ = ["RecordFile", "dump_yaml", "join_list", "read_kind", "record_from_row", "record_to_row",
           "split_list", "write_atomic", "write_records"]

KINDS = ("actors", "relations")


def split_list(cell: str | None) -> list[str]:
    r"""Items of a ``;``-separated cell (``\;`` is a literal ``;``).

    >>> split_list(r"a; b\;c;;")
    ['a', 'b;c']
    """
    if not cell:
        return []
    parts = cell.replace("\\;", "\x1f").split(";")
    return [p.replace("\x1f", ";").strip() for p in parts if p.strip()]


def join_list(items: Iterable[str]) -> str:
    r"""The inverse of :func:`split_list`.

    >>> join_list(["a", "b;c"])
    'a;b\\;c'
    """
    return ";".join(str(x).replace(";", "\\;") for x in items)


def _layer_item(x: dict[str, Any]) -> str:
    s = str(x["layer"])
    if x.get("sublayer"):
        s += f"/{x['sublayer']}"
    if x.get("role", "core") != "core":
        s += f":{x['role']}"
    return s


def _num(v: Any) -> Any:
    if v is None or v == "":
        return None
    f = float(v)
    return int(f) if f.is_integer() and abs(f) < 1e15 else f


_MODELS: dict[str, type[BaseModel]] = {"actors": m.Actor, "relations": m.Relation}


def _base(annotation: Any) -> Any:
    """The type of a field without ``None`` and ``Annotated`` (``Slug | None`` -> ``str``)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        annotation = args[0]
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _parse_layer(item: str) -> dict[str, Any]:
    head, _, role = item.partition(":")
    lay, _, sub = head.partition("/")
    entry: dict[str, Any] = {"layer": lay.strip()}
    if sub.strip():
        entry["sublayer"] = sub.strip()
    if role.strip() and role.strip() != "core":
        entry["role"] = role.strip()
    return entry


def _from_cells(key: str, kind: Any, g: dict[str, Any]) -> Any:
    """The value of field ``key`` (of type ``kind``) from the non-empty cells ``g`` of a row, or None."""
    if kind is m.Text:
        text = {k: g[f"{key}_{k}"] for k in ("nl", "en") if g.get(f"{key}_{k}")}
        return text or None
    if kind is m.Amount:
        return {"value": _num(g["amount_value"]), "currency": g.get("amount_currency")} if g.get("amount_value") \
            else None
    if typing.get_origin(kind) is list:
        item = typing.get_args(kind)[0]
        if item is m.ActorLayer:
            return [_parse_layer(x) for x in split_list(g.get(key))]
        if key not in g:
            return None
        return [{"place": p} for p in split_list(g[key])] if item is m.ActorSite else split_list(g[key])
    if kind is float:
        return _num(g[key]) if g.get(key) else None
    return g.get(key)


def record_from_row(kind: str, row: dict[str, str]) -> dict[str, Any]:
    """A CSV row (cells as text) as a record: the fields of the model in its order (required ones always,
    the others when their cells are filled; :data:`~stackatlas.dataset.model.FLAT_COLUMNS` for mappings)."""
    g = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
    g = {k: v for k, v in g.items() if v not in (None, "")}
    conf = g.get("confidence", "high")
    sources = []
    for item in split_list(g.get("sources")):
        src, _, loc = item.partition("@")
        sources.append({"source": src.strip(), "locator": loc.strip(), "confidence": conf})
    model = _MODELS.get(kind, m.Relation)
    rec: dict[str, Any] = {}
    for key in m.record_fields(model):
        if key == "sources":
            continue
        info = m.record_field(model, key)
        value = _from_cells(key, _base(info.annotation), g)
        if value is not None or info.is_required():
            rec[key] = value
    rec["sources"] = sources
    return rec


def _to_cells(key: str, kind: Any, value: Any) -> dict[str, Any]:
    """The CSV cells of field ``key`` (of type ``kind``) holding ``value`` (offerings and site functions,
    which are YAML-only, are dropped)."""
    if kind is m.Text or kind is m.Amount:
        sub = ("nl", "en") if kind is m.Text else ("value", "currency")
        return {col: (value or {}).get(k) for col, k in zip(m.FLAT_COLUMNS[key], sub, strict=True)}
    if typing.get_origin(kind) is list:
        item = typing.get_args(kind)[0]
        if item is m.ActorLayer:
            return {key: join_list(_layer_item(x) for x in value or [])}
        if item is m.ActorSite:
            return {key: join_list(s["place"] if isinstance(s, dict) else s for s in value or [])}
        return {key: join_list(value or [])}
    return {key: value}


def record_to_row(kind: str, rec: dict[str, Any]) -> dict[str, str]:
    """A record as a CSV row (offerings and site functions are YAML-only and dropped)."""
    model = _MODELS.get(kind, m.Relation)
    row: dict[str, Any] = {}
    for key in m.record_fields(model):
        if key != "sources":
            row.update(_to_cells(key, _base(m.record_field(model, key).annotation), rec.get(key)))
    srcs = rec.get("sources") or []
    row["sources"] = join_list(f"{s['source']}@{s['locator']}" for s in srcs)
    confs = {s.get("confidence", "high") for s in srcs}
    row["confidence"] = confs.pop() if len(confs) == 1 else None
    if row["confidence"] == "high":
        row["confidence"] = None
    out: dict[str, str] = {}
    for k, v in row.items():
        if v is None or v == "":
            out[k] = ""
        elif isinstance(v, float):
            out[k] = str(_num(v))
        else:
            out[k] = str(v)
    return out


# --- files -----------------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    pass


def _repr_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    flow = all(not isinstance(v, (list, dict)) for v in data.values()) and len(str(data)) < 110
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _repr_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(v, str) for v in data) and len(str(data)) < 100
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(dict, _repr_dict)
_Dumper.add_representer(list, _repr_list)


def dump_yaml(data: Any) -> str:
    """YAML text in the style of the curated files (small mappings and lists of names on one line)."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False)


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write a file through a temporary file and a rename (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8") if isinstance(text, str) else text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class RecordFile:
    """One file of actors or relations: where, in which format, and its records in order."""

    path: Path
    kind: str
    fmt: str  # yaml | csv
    records: list[dict[str, Any]] = field(default_factory=list)
    columns: list[str] | None = None  # a CSV file's header (kept when the file is rewritten)
    header: str = ""  # a YAML file's leading comment lines (kept when the file is rewritten)


def _norm_scalars(rec: dict[str, Any]) -> dict[str, Any]:
    for key in ("founded", "date"):
        if isinstance(rec.get(key), int):
            rec[key] = str(rec[key])
    return rec


def read_kind(root: Path, kind: str) -> list[RecordFile]:
    """Every file of ``kind`` (actors or relations) in ``root``, in the order the loader reads them."""
    files: list[RecordFile] = []
    yaml_files = [root / f"{kind}.yaml"] if (root / f"{kind}.yaml").is_file() else []
    if (root / kind).is_dir():
        yaml_files += sorted((root / kind).glob("*.yaml"))
    for f in yaml_files:
        doc, _ = load_yaml(f)
        data = doc.data if doc is not None else None
        if isinstance(data, dict):
            data = [data]
        recs = [_norm_scalars(dict(x)) for x in (data or []) if isinstance(x, dict)]
        header = ""
        for line in f.read_text(encoding="utf-8").splitlines(keepends=True):
            if not line.startswith("#"):
                break
            header += line
        files.append(RecordFile(f, kind, "yaml", recs, header=header))
    csv_files = [root / f"{kind}.csv"] if (root / f"{kind}.csv").is_file() else []
    if (root / kind).is_dir():
        csv_files += sorted((root / kind).glob("*.csv"))
    for f in csv_files:
        with f.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            recs = [record_from_row(kind, row) for row in reader]
            cols = [c.strip() for c in reader.fieldnames or []]
        files.append(RecordFile(f, kind, "csv", recs, cols))
    return files


def write_records(f: RecordFile) -> None:
    """Write a record file in its format (deterministically); an empty file is removed."""
    if not f.records:
        f.path.unlink(missing_ok=True)
        return
    if f.fmt == "yaml":
        write_atomic(f.path, f.header + dump_yaml(f.records))
        return
    rows = [record_to_row(f.kind, r) for r in f.records]
    cols = [c for c in COLUMNS[f.kind] if c in set(f.columns or []) or any(r.get(c) for r in rows)]
    for req in ("id", "sources"):
        if req not in cols:
            cols.insert(0, req)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([r.get(c, "") for c in cols])
    write_atomic(f.path, buf.getvalue())
