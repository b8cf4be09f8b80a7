"""Resolve the city, region and country of an imported row to a place of a base dataset, or of the world.

Names are compared folded (case, accents and punctuation do not matter) against the Dutch and English
names and the id of every municipality and site, a built-in list of Dutch towns that are not
municipalities themselves (Hoofddorp is in Haarlemmermeer), and the ``place_aliases`` of the mapping.
A city none of those knows is looked up in the world gazetteer (:mod:`.gazetteer`) and becomes a new city
place (a municipality-level place with its coordinates, its state or province where the gazetteer names
it, and its country), written to ``places/imported-cities.yaml``; except in a country whose municipalities
the base holds with official codes (the Netherlands, CBS): a town there that is no municipality (a
district, a village) is not guessed into the nearest municipality (Hoogvliet is in Rotterdam, whose
centre is further away than Albrandswaard's) but reported, to be settled with ``place_aliases``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dataset.yamlio import load_plain
from ._countries import english_name
from .gazetteer import GAZETTEER_SOURCE, Ambiguous, City, gazetteer
from .normalise import country_code, fold, slugify

__all__ = ["TOWNS", "PlaceIndex", "read_places"]


#: Towns, districts and other spellings -> municipality id (used only when that id is a place of the base).
TOWNS = {
    "den haag": "s-gravenhage", "the hague": "s-gravenhage", "la haye": "s-gravenhage",
    "den bosch": "s-hertogenbosch", "hertogenbosch": "s-hertogenbosch", "bois le duc": "s-hertogenbosch",
    "hoofddorp": "haarlemmermeer", "schiphol": "haarlemmermeer", "nieuw vennep": "haarlemmermeer",
    "badhoevedorp": "haarlemmermeer", "zwanenburg": "haarlemmermeer", "schiphol rijk": "haarlemmermeer",
    "schiphol oost": "haarlemmermeer", "delfzijl": "eemsdelta", "appingedam": "eemsdelta",
    "son": "son-en-breugel", "nuenen": "nuenen-gerwen-en-nederwetten", "bussum": "gooise-meren",
    "naarden": "gooise-meren", "muiden": "gooise-meren", "weesp": "amsterdam", "amsterdam zuidoost": "amsterdam",
    "amsterdam noord": "amsterdam", "amsterdam west": "amsterdam", "amsterdam zuid": "amsterdam",
    "duivendrecht": "ouder-amstel", "ouderkerk aan de amstel": "ouder-amstel", "zaandam": "zaanstad",
    "krommenie": "zaanstad", "wormerveer": "zaanstad", "ijmuiden": "velsen", "santpoort": "velsen",
    "sittard": "sittard-geleen", "geleen": "sittard-geleen", "breukelen": "stichtse-vecht",
    "maarssen": "stichtse-vecht", "bilthoven": "de-bilt", "driebergen": "utrechtse-heuvelrug",
    "driebergen rijsenburg": "utrechtse-heuvelrug", "leidschendam": "leidschendam-voorburg",
    "voorburg": "leidschendam-voorburg", "heerhugowaard": "dijk-en-waard", "langedijk": "dijk-en-waard",
    "capelle a d ijssel": "capelle-aan-den-ijssel", "alphen a d rijn": "alphen-aan-den-rijn",
    "almere stad": "almere", "almere buiten": "almere", "almere haven": "almere", "almere poort": "almere",
    "hengelo ov": "hengelo", "hengelo overijssel": "hengelo", "bergen nh": "bergen-nh",
    "rijswijk zh": "rijswijk", "noordwijk zh": "noordwijk", "wijchen gld": "wijchen", "lisserbroek": "haarlemmermeer",
    "hilversum media park": "hilversum", "eindhoven airport": "eindhoven", "waalre aalst": "waalre",
    "aalst waalre": "waalre", "veldhoven zeelst": "veldhoven", "best nb": "best", "geldrop": "geldrop-mierlo",
    "mierlo": "geldrop-mierlo", "den dolder": "zeist", "amstelveen zuid": "amstelveen", "diemen zuid": "diemen",
    "scheveningen": "s-gravenhage", "rotterdam the hague airport": "rotterdam", "maastricht aachen airport":
    "beek", "enschede twente": "enschede", "wageningen campus": "wageningen", "delft tu": "delft",
}


def read_places(root: Path) -> dict[str, list[dict[str, Any]]]:
    """The place sections of a dataset folder (``places.yaml`` and ``places/*.yaml``), as plain data."""
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in ("countries", "provinces", "municipalities", "regions",
                                                              "sites")}
    files = [root / "places.yaml"] if (root / "places.yaml").is_file() else []
    if (root / "places").is_dir():
        files += sorted((root / "places").glob("*.yaml"))
    for f in files:
        data = load_plain(f) or {}
        for k, items in data.items():
            if k in out and isinstance(items, list):
                out[k].extend(items)
    return out


def _names(rec: dict[str, Any]) -> set[str]:
    keys = {fold(rec["id"].replace("-", " "))}
    name = rec.get("name") or {}
    if isinstance(name, dict):
        keys |= {fold(str(v)) for v in name.values() if v}
    return {k for k in keys if k}


def _geonameid(rec: dict[str, Any]) -> int | None:
    """The GeoNames id of a city place an import took from the gazetteer (from its citation)."""
    for cit in rec.get("sources") or []:
        if isinstance(cit, dict) and cit.get("source") == GAZETTEER_SOURCE["id"]:
            loc = str(cit.get("locator") or "")
            if loc.startswith("geonameid ") and loc[10:].isdigit():
                return int(loc[10:])
    return None


@dataclass
class PlaceIndex:
    """The places of a base dataset, indexed by folded name, code and country."""

    country_ids: dict[str, str] = field(default_factory=dict)     # ISO code -> country place id
    country_names: dict[str, str] = field(default_factory=dict)   # folded name -> ISO code
    by_name: dict[str, list[tuple[str, str | None, str | None]]] = field(default_factory=dict)
    #: folded name -> [(place id, ISO country, province id)]
    provinces: dict[str, str] = field(default_factory=dict)       # folded name -> province id
    place_ids: set[str] = field(default_factory=set)
    added: dict[str, str] = field(default_factory=dict)           # countries not in the base: code -> id
    #: look cities the base lacks up in the world gazetteer (loaded on first need)
    use_world: bool = False
    covered: set[str] = field(default_factory=set)   # ISO codes whose municipalities have official codes
    cities: dict[int, str] = field(default_factory=dict)          # GeoNames id -> city place id
    new_cities: dict[str, dict[str, Any]] = field(default_factory=dict)     # city records this import adds
    new_provinces: dict[str, dict[str, Any]] = field(default_factory=dict)  # their provinces or states
    province_ids: dict[tuple[str, str], str] = field(default_factory=dict)  # (ISO, folded name) -> id

    @classmethod
    def build(cls, places: dict[str, list[dict[str, Any]]], aliases: dict[str, str] | None = None, *,
              world: bool = False) -> PlaceIndex:
        """Index ``places``; with ``world``, cities the base lacks are looked up in the gazetteer."""
        idx = cls(use_world=world)
        country_of: dict[str, str] = {}
        for c in places["countries"]:
            idx.country_ids.setdefault(c["code"], c["id"])
            country_of[c["id"]] = c["code"]
            for k in _names(c):
                idx.country_names[k] = c["code"]
        province_country: dict[str, str | None] = {}
        for p in places["provinces"]:
            province_country[p["id"]] = country_of.get(p.get("country", ""))
            for k in _names(p):
                idx.provinces[k] = p["id"]
                idx.province_ids[(province_country[p["id"]] or "", k)] = p["id"]
        muni_where: dict[str, tuple[str | None, str | None]] = {}
        for mu in places["municipalities"]:
            prov = mu.get("province")
            iso = province_country.get(prov) if prov else country_of.get(mu.get("country", ""))
            muni_where[mu["id"]] = (iso, prov)
            if mu.get("cbs") and iso:
                idx.covered.add(iso)
            gid = _geonameid(mu)
            if gid is not None:
                idx.cities[gid] = mu["id"]
                if world:  # found through the gazetteer, so that "Portland, US" stays ambiguous
                    continue
            for k in _names(mu):
                idx.by_name.setdefault(k, []).append((mu["id"], iso, prov))
        for s in places["sites"]:
            iso, prov = muni_where.get(s.get("municipality", ""), (None, None))
            muni_where[s["id"]] = (iso, prov)
            for k in _names(s):
                idx.by_name.setdefault(k, []).append((s["id"], iso, prov))
        for group in places.values():
            idx.place_ids |= {x["id"] for x in group}
        for name, target in TOWNS.items():  # a town never hides a place of the same name
            if target in muni_where and fold(name) not in idx.by_name:
                idx.by_name[fold(name)] = [(target, *muni_where[target])]
        for name, target in (aliases or {}).items():  # the mapping's aliases always win
            if target in muni_where:
                idx.by_name[fold(name)] = [(target, *muni_where[target])]
        return idx

    def country(self, text: str | None) -> str | None:
        """ISO code of a country cell (ValueError when it is not a country)."""
        if text is None:
            return None
        return country_code(text, self.country_names)

    def country_place(self, iso: str) -> str:
        """The place id of a country, adding it (as ``added``) when the base dataset lacks it."""
        if iso in self.country_ids:
            return self.country_ids[iso]
        if iso not in self.added:
            pid = iso.lower()
            if pid in self.place_ids:
                pid = f"country-{pid}"
            self.added[iso] = pid
        return self.added[iso]

    def resolve(self, city: str | None, region: str | None, country: str | None,
                fallback: str = "country") -> tuple[str | None, str | None]:
        """(place id, note) for a location; the note says when a city was not found (``not found: ...``) or
        is ambiguous (``ambiguous: ...``) and what the head office became instead.

        ``fallback``: ``country`` (the country, else an error), ``unknown`` (the country, else no head
        office: place id None) or ``reject`` (an error). Raises ValueError when the row is rejected.
        """
        iso: str | None = None
        country_error = None
        if country:
            try:
                iso = self.country(country)
            except ValueError as exc:
                country_error = str(exc)
        if city:
            found, reason = self._city(city, region, iso)
            if found is not None:
                return found, None
            if fallback in ("country", "unknown") and iso is not None:
                return self.country_place(iso), f"{reason}: head office set to the country"
            if fallback == "unknown":
                return None, f"{reason}: no head office" + (f" ({country_error})" if country_error else "")
            raise ValueError(reason.split(": ", 1)[1]
                             + ("" if iso is not None or not country_error else f"; {country_error}"))
        if iso is not None:
            return self.country_place(iso), None
        if fallback == "unknown":
            return None, f"not found: {country_error}: no head office" if country_error else None
        if country_error:
            raise ValueError(country_error)
        raise ValueError("no location (city and country are empty)")

    def _city(self, city: str, region: str | None, iso: str | None) -> tuple[str | None, str]:
        """(place id, "") of a city, or (None, reason) with reason ``not found: ...`` or ``ambiguous: ...``."""
        cands = list(self.by_name.get(fold(city), []))
        if not cands and "," in city:  # "Eindhoven, Noord-Brabant"
            cands = list(self.by_name.get(fold(city.split(",")[0]), []))
        if iso is not None:
            cands = [c for c in cands if c[1] == iso]
        if len(cands) > 1 and region:
            prov = self.provinces.get(fold(region))
            narrowed = [c for c in cands if c[2] == prov]
            cands = narrowed or cands
        ids = list(dict.fromkeys(c[0] for c in cands))
        if len(ids) == 1:
            return ids[0], ""
        if len(ids) > 1:
            return None, f"ambiguous: city {city!r} is ambiguous ({', '.join(ids)})"
        if self.use_world:
            try:
                hit = gazetteer().find(city.split(",")[0] if "," in city else city, country=iso, region=region)
            except Ambiguous as exc:
                return None, f"ambiguous: {exc}"
            if hit is not None and hit.country in self.covered:
                return None, (f"not found: city {city!r} is not a municipality of {hit.country} (gazetteer: "
                              f"{hit.label}); map it with place_aliases")
            if hit is not None:
                return self._world_place(hit), ""
        return None, f"not found: city {city!r} not found" + (f" in {iso}" if iso else "")

    def _world_place(self, c: City) -> str:
        """The city place of a gazetteer city (added on first use)."""
        if c.geonameid in self.cities:
            return self.cities[c.geonameid]
        base = slugify(c.name) or f"city-{c.geonameid}"
        pid = f"{base}-{c.country.lower()}"
        if pid in self.place_ids or pid in self.new_cities:
            pid = f"{pid}-{c.geonameid}"
        country_id = self.country_place(c.country)
        rec: dict[str, Any] = {"id": pid, "name": {"en": c.name}, "country": country_id}
        if c.admin1_name:
            rec["province"] = self._province(c, country_id)
        rec |= {"lat": c.lat, "lon": c.lon, "sources": [
            {"source": GAZETTEER_SOURCE["id"], "locator": f"geonameid {c.geonameid}", "confidence": "high"}]}
        self.cities[c.geonameid] = pid
        self.new_cities[pid] = rec
        return pid

    def _province(self, c: City, country_id: str) -> str:
        """The state or province of a gazetteer city (the base's, else a new one)."""
        assert c.admin1_name is not None
        k = (c.country, fold(c.admin1_name))
        if k in self.province_ids:
            return self.province_ids[k]
        pid = f"{c.country.lower()}-{slugify(c.admin1_name) or c.admin1.lower()}"
        if pid in self.place_ids:
            pid = f"{pid}-{slugify(c.admin1)}"
        self.province_ids[k] = pid
        self.new_provinces[pid] = {"id": pid, "name": {"en": c.admin1_name}, "country": country_id,
                                   "code": f"{c.country}-{c.admin1}", "sources": [
                                       {"source": "iso-3166-2", "locator": f"{c.country}-{c.admin1}",
                                        "confidence": "high"}]}
        return pid

    def added_countries(self) -> list[dict[str, Any]]:
        """Country records for the countries the import needed and the base lacked."""
        return [{"id": pid, "code": iso, "name": {"en": english_name(iso)},
                 "sources": [{"source": "iso-3166-1", "locator": iso, "confidence": "high"}]}
                for iso, pid in sorted(self.added.items(), key=lambda x: x[1])]
