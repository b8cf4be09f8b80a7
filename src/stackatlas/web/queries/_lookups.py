"""The small look-up tables of a generation (taxonomy, places, sources, synergies, meta) as dicts, actor names
on demand (:class:`ActorNames`, a bounded LRU), the check of filter ids and the dataset's counts."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from ...atlas import Atlas
from ...errors import NotFound
from ...lookups import Lookups as BaseLookups
from ..state import Generation
from ._common import MAX_LIMIT, in_list, rows, run

__all__ = ["NAME_CACHE", "ActorNames", "Lookups", "check", "lookups", "stats"]

NAME_CACHE = 50_000     # actor names kept in memory per generation (LRU)


class ActorNames:
    """Actors by id as ``{"id", "name"}``, looked up in the web index when asked (a bounded LRU of names;
    pages :meth:`prefetch` the ids they show in one query). ``in`` and ``get`` work like a dict's."""

    def __init__(self, gen: Generation, count: int, size: int = NAME_CACHE) -> None:
        self._gen = gen
        self._count = count
        self._size = size
        self._data: OrderedDict[str, dict[str, Any] | None] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._count

    def prefetch(self, ids: Iterable[str | None]) -> None:
        """Look up the names of ``ids`` not cached yet (one query per 500)."""
        with self._lock:
            missing = list(dict.fromkeys(i for i in ids if isinstance(i, str) and i and i not in self._data))
        for start in range(0, len(missing), MAX_LIMIT):
            chunk = missing[start:start + MAX_LIMIT]
            params: dict[str, Any] = {}
            found = {r["id"]: r for r in rows(self._gen, "SELECT id, name FROM web.actors WHERE id IN "
                                              + in_list("i", chunk, params), params)}
            with self._lock:
                for i in chunk:
                    self._data[i] = found.get(i)
                while len(self._data) > self._size:
                    self._data.popitem(last=False)

    def get(self, ident: str, default: Any = None) -> Any:
        if not ident:
            return default
        with self._lock:
            if ident in self._data:
                self._data.move_to_end(ident)
                hit = self._data[ident]
                return default if hit is None else hit
        self.prefetch([ident])
        with self._lock:
            hit = self._data.get(ident)
        return default if hit is None else hit

    def __contains__(self, ident: object) -> bool:
        return isinstance(ident, str) and self.get(ident) is not None


@dataclass(frozen=True)
class Lookups(BaseLookups):
    """The look-up tables of the compiled dataset (:meth:`stackatlas.atlas.Atlas.lookups`: built once, shared
    with the briefings) plus the generation's actor names (:class:`ActorNames`, looked up on demand)."""

    actor: ActorNames


def lookups(gen: Generation) -> Lookups:
    """The small tables (taxonomy, places, sources, synergies) as dicts; actors only by name, on demand."""
    def build(atlas: Atlas) -> Lookups:
        base = atlas.lookups()
        names = ActorNames(gen, int(atlas.first("SELECT count(*) FROM actors")[0]))
        return Lookups(**{f.name: getattr(base, f.name) for f in fields(base)}, actor=names)
    return gen.cached("lookups", lambda: run(gen, build))


def check(lk: Lookups, kind: str, ident: str | None) -> None:
    """Raise NotFound for an unknown id of ``kind`` (layer, place, actor, domain, kind, synergy, source)."""
    if ident is None:
        return
    table: Any = {"layer": lk.layer, "place": lk.place, "actor": lk.actor, "domain": lk.domain,
                  "actor kind": lk.kind, "synergy": lk.synergy, "source": lk.source, "relation type": lk.rtype}[kind]
    if ident not in table:
        raise NotFound(kind, ident)


def stats(gen: Generation) -> dict[str, int]:
    """:meth:`Atlas.stats` (counts, facts without a source), once per generation."""
    return gen.cached("stats", lambda: run(gen, lambda at: at.stats()))
