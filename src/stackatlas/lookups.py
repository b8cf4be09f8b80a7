"""The small look-up tables of a compiled dataset, read once: names of layers, sublayers, domains, kinds,
relation types, blocs, helix groups, places, sources and synergies, which places contain which
municipalities, and the dataset's metadata (its compare pair and baseline).

The web atlas and the briefings show ids through these tables (in Dutch or English, see
:mod:`stackatlas.present.texts`). Build them with :meth:`stackatlas.atlas.Atlas.lookups`, which reads them
once per :class:`~stackatlas.atlas.Atlas`; they hold plain dicts only (no connection), so they outlive
the atlas they came from. Actors are not here: a dataset may hold millions of them, and each user looks
actors up its own way (the web by name through its index, a briefing the few it cites).

>>> import stackatlas
>>> lk = stackatlas.open(data=stackatlas.fixture_path()).lookups()
>>> lk.layer_ids[:3], lk.compare, lk.place_type("brainport")
(['raw-materials', 'chips', 'networks'], ('mra', 'brainport'), 'region')
>>> set(lk.region_members["brainport"]) <= lk.members["brainport"]
True
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .atlas import Atlas

__all__ = ["Lookups", "build"]

Record = dict[str, Any]


@dataclass(frozen=True)
class Lookups:
    """The look-up tables of one compiled dataset (every record is a row of its table as a dict).

    - ``meta``: the ``meta`` table (dataset id, version, titles, ``compare_a``/``compare_b``, ``baseline``,
      content hash, licence, ...);
    - ``layers``: the layers in stack order (bottom first); ``layer``: the same by id;
    - ``sublayer``: sublayers by ``(layer, id)``;
    - ``domain`` (in id order), ``kind`` (actor kinds), ``rtype`` (relation types), ``bloc`` (in the taxonomy's order), ``helix``
      (quadruple-helix groups), ``place``, ``source`` and ``synergy`` (in id order): by id;
    - ``members``: place -> every municipality it contains (a municipality contains itself);
    - ``region_members``: region -> its members as the dataset lists them (municipalities or other places).
    """

    meta: dict[str, str]
    layers: list[Record]
    layer: dict[str, Record]
    sublayer: dict[tuple[str, str], Record]
    domain: dict[str, Record]
    kind: dict[str, Record]
    rtype: dict[str, Record]
    bloc: dict[str, Record]
    helix: dict[str, Record]
    place: dict[str, Record]
    source: dict[str, Record]
    synergy: dict[str, Record]
    members: dict[str, set[str]]
    region_members: dict[str, list[str]]

    @property
    def layer_ids(self) -> list[str]:
        """The layer ids in stack order."""
        return [x["id"] for x in self.layers]

    @property
    def compare(self) -> tuple[str, str]:
        """The dataset's own pair of places to compare (``("", "")`` when it names none)."""
        return self.meta.get("compare_a") or "", self.meta.get("compare_b") or ""

    @property
    def baseline(self) -> str:
        """The place that location quotients compare against ("" when the dataset names none)."""
        return self.meta.get("baseline") or ""

    def place_type(self, ident: str) -> str:
        """``municipality``, ``region``, ``province``, ``country`` or ``site``; KeyError for an unknown place."""
        return str(self.place[ident]["type"])


def build(atlas: Atlas) -> Lookups:
    """Read the look-up tables of ``atlas`` (use :meth:`Atlas.lookups`, which does this once)."""
    from .atlas import records

    def by_id(sql: str) -> dict[str, Record]:
        return {r["id"]: r for r in records(atlas.sql(sql))}

    members: dict[str, set[str]] = defaultdict(set)
    for place, municipality in atlas.con.execute("SELECT place, municipality FROM place_municipalities").fetchall():
        members[place].add(municipality)
    region_members: dict[str, list[str]] = defaultdict(list)
    for region, member in atlas.con.execute(
            "SELECT region, member FROM region_members ORDER BY region, position").fetchall():
        region_members[region].append(member)
    layers = records(atlas.layers())
    return Lookups(
        meta=atlas.meta(),
        layers=layers,
        layer={x["id"]: x for x in layers},
        sublayer={(x["layer"], x["id"]): x for x in records(atlas.sql("SELECT * FROM sublayers"))},
        domain=by_id("SELECT * FROM domains ORDER BY id"),
        kind=by_id("SELECT * FROM actor_kinds"),
        rtype=by_id("SELECT * FROM relation_types"),
        bloc=by_id("SELECT * FROM blocs ORDER BY position"),
        helix=by_id("SELECT * FROM helix"),
        place=by_id("SELECT * FROM places"),
        source=by_id("SELECT * FROM sources"),
        synergy=by_id("SELECT * FROM synergies ORDER BY id"),
        members=dict(members),
        region_members=dict(region_members),
    )
