"""Regions drawn by the user: ``stackatlas regions add ID --around PLACE --radius-km N``.

A drawn region is a ``regions`` record with ``around`` (a municipality or site with coordinates) and
``radius_km``; every municipality whose centre lies within that great-circle distance belongs to it, in
whichever country (Eindhoven with 90 km reaches Leuven). It is written to ``places/drawn-regions.yaml`` of
the dataset and cites the source record ``drawn-regions`` (``sources/drawn-regions.yaml``), which says
when and how it was drawn. The dataset is validated after writing and put back as it was when it does not
validate (an unknown place, a duplicate id).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..dataset.loader import bundled_path, load_dataset
from ..dataset.model import SLUG
from ..dataset.yamlio import load_plain
from ..errors import InvalidData, Problem
from .records import dump_yaml, write_atomic
from .target import import_date

__all__ = ["DRAWN_FILE", "DRAWN_SOURCE", "add_region"]

DRAWN_FILE = Path("places") / "drawn-regions.yaml"
_SOURCES_FILE = Path("sources") / "drawn-regions.yaml"
DRAWN_SOURCE = "drawn-regions"


def _load_list(path: Path, key: str | None) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    data = load_plain(path) or {}
    items = data.get(key) if key and isinstance(data, dict) else data
    return [x for x in items or [] if isinstance(x, dict)]


def add_region(data: Path, ident: str, *, around: str, radius_km: float, name_en: str | None = None,
               name_nl: str | None = None, date: str | None = None) -> dict[str, Any]:
    """Add (or redraw) the region ``ident``: the municipalities within ``radius_km`` of ``around``.

    Returns the region record. Raises :class:`~stackatlas.errors.InvalidData` (and changes nothing) when
    the dataset does not validate with it.
    """
    data = Path(data).resolve()
    if data == bundled_path().resolve():
        raise InvalidData([Problem(str(data), 0, 0, "--data", "the bundled dataset is read-only: import into or "
                                                               "copy to a folder of your own and give --data")])
    if not SLUG.match(ident):
        raise InvalidData([Problem("<command line>", 0, 0, "id", f"{ident!r} is not a valid id (lower-case "
                                                                  "letters, digits and '-')")])
    when = import_date(date)
    label = f"{around} + {radius_km:g} km"
    rec: dict[str, Any] = {"id": ident, "name": {"en": name_en or label, **({"nl": name_nl} if name_nl else {})},
                           "kind": "drawn", "around": around, "radius_km": radius_km,
                           "sources": [{"source": DRAWN_SOURCE, "locator": f"{ident}: {label}",
                                        "confidence": "high"}]}
    path, spath = data / DRAWN_FILE, data / _SOURCES_FILE
    before = {p: p.read_bytes() if p.is_file() else None for p in (path, spath)}
    regions = [r for r in _load_list(path, "regions") if r.get("id") != ident] + [rec]
    source = {"id": DRAWN_SOURCE, "title": "Regions drawn with stackatlas regions add", "type": "other",
              "date": when, "note": "each region: every municipality whose centre is within radius_km of the "
                                    "place around (great-circle distance)"}
    try:
        write_atomic(path, "# Regions drawn with `stackatlas regions add` (a circle around a place).\n"
                     + dump_yaml({"regions": regions}))
        if before[spath] is None:
            write_atomic(spath, dump_yaml([source]))
        load_dataset(data)
    except Exception:
        for p, content in before.items():
            if content is None:
                p.unlink(missing_ok=True)
            else:
                write_atomic(p, content)
        raise
    return rec
