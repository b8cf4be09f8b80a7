"""Where actors are: shared Ibis building blocks of the analyses (actor -> place, actor -> activity)."""

from __future__ import annotations

import ibis
import pandas as pd
from ibis.expr.types import Table

from ..engine import Engine
from ..errors import AnalysisError

__all__ = ["BY", "LEVELS", "PRESENCE", "Numbering", "activities", "actor_places", "actors_in",
           "municipalities_in"]

LEVELS = ("municipality", "region", "province", "country", "site")
BY = ("layer", "sublayer", "domain")
PRESENCE = ("all", "hq")


def _locations(engine: Engine, presence: str) -> Table:
    """(actor, municipality): the head office and, with ``presence='all'``, every active site."""
    if presence not in PRESENCE:
        raise AnalysisError(f"presence must be one of {', '.join(PRESENCE)}, not {presence!r}")
    a = engine.table("actors")
    hq = a.filter(a.hq_municipality.notnull()).select(actor=a.id, municipality=a.hq_municipality)
    if presence == "hq":
        return hq
    s = engine.table("actor_sites")
    st = s.filter((s.status != "closed") & s.municipality.notnull()).select(actor=s.actor,
                                                                          municipality=s.municipality)
    return hq.union(st, distinct=True)


def actor_places(engine: Engine, *, level: str, presence: str = "all") -> Table:
    """(actor, place) for every place of type ``level`` the actor is located in (distinct)."""
    if level not in LEVELS:
        raise AnalysisError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    a = engine.table("actors")
    pl = engine.table("places")
    if level == "site":
        sites = pl.filter(pl.type == "site").select(place=pl.id)
        loc = a.select(actor=a.id, place=a.hq)
        if presence == "all":
            s = engine.table("actor_sites")
            loc = loc.union(s.filter(s.status != "closed").select(actor=s.actor, place=s.place), distinct=True)
        return loc.semi_join(sites, "place").distinct()
    loc = _locations(engine, presence)
    if level == "municipality":
        return loc.select(actor=loc.actor, place=loc.municipality).distinct()
    pm = engine.table("place_municipalities")
    units = pl.filter(pl.type == level).select(unit=pl.id)
    members = pm.join(units, pm.place == units.unit).select(place=pm.place, municipality=pm.municipality)
    out = loc.join(members, "municipality").select("actor", "place")
    if level == "country":  # foreign head offices given as a country
        direct = a.filter(a.hq_municipality.isnull() & a.hq_country.notnull()).select(actor=a.id,
                                                                                    place=a.hq_country)
        out = out.union(direct, distinct=True)
    return out.distinct()


def actors_in(engine: Engine, place: str, *, presence: str = "all") -> Table:
    """(actor,) located in ``place``: a municipality, site, region, province or country."""
    a = engine.table("actors")
    pm = engine.table("place_municipalities")
    inside = pm.filter(pm.place == place).select("municipality")
    loc = _locations(engine, presence)
    by_muni = loc.semi_join(inside, "municipality").select("actor")
    direct = a.filter((a.hq == place) | (a.hq_country == place)).select(actor=a.id)
    out = by_muni.union(direct, distinct=True)
    if presence == "all":
        s = engine.table("actor_sites")
        out = out.union(s.filter((s.status != "closed") & (s.place == place)).select("actor"), distinct=True)
    return out.distinct()


def activities(engine: Engine, *, by: str = "layer") -> Table:
    """(actor, activity): the distinct layers, ``layer/sublayer`` pairs or domains of each actor."""
    if by == "layer":
        t = engine.table("actor_layers")
        return t.select(actor=t.actor, activity=t.layer).distinct()
    if by == "sublayer":
        t = engine.table("actor_layers")
        t = t.filter(t.sublayer.notnull())
        return t.select(actor=t.actor, activity=t.layer.concat(ibis.literal("/"), t.sublayer)).distinct()
    if by == "domain":
        t = engine.table("actor_domains")
        return t.select(actor=t.actor, activity=t.domain).distinct()
    raise AnalysisError(f"by must be one of {', '.join(BY)}, not {by!r}")


def municipalities_in(engine: Engine, place: str, *, presence: str = "all") -> Table:
    """(actor, municipality): the municipalities inside ``place`` where each actor is (head office or site)."""
    pm = engine.table("place_municipalities")
    inside = pm.filter(pm.place == place).select("municipality")
    loc = _locations(engine, presence)
    return loc.semi_join(inside, "municipality").distinct()


class Numbering:
    """The actors of ``ids`` (a table with a column ``col`` of distinct actor ids) numbered 0, 1, … in id
    order, in the engine. Tables keyed by actor come back as these positions, so the strings of
    million-row tables (tie ends, layers, domains) never leave the engine and index numpy arrays
    directly."""

    def __init__(self, engine: Engine, ids: Table, col: str = "actor") -> None:
        self.engine = engine
        self.table = ids.select(r_actor=ids[col], p=ibis.row_number().over(ibis.window(order_by=ids[col])))

    def ids(self) -> list[str]:
        """The numbered actors' ids, position by position."""
        return self.engine.execute(self.table.order_by("p").select("r_actor"))["r_actor"].tolist()

    def positions(self, t: Table, col: str, *keep: str) -> pd.DataFrame:
        """``p`` (the position of ``t[col]``) and the columns ``keep`` of the rows of ``t`` whose actor is
        numbered."""
        r = self.table
        return self.engine.execute(t.join(r, t[col] == r.r_actor).select("p", *keep))

    def ties(self, *keep: str) -> pd.DataFrame:
        """``u, v`` (positions of the two ends) and the columns ``keep`` of the relations between numbered
        actors."""
        rel = self.engine.table("relations")
        ru, rv = self.table.select(u_actor="r_actor", u="p"), self.table.select(v_actor="r_actor", v="p")
        return self.engine.execute(rel.join(ru, rel.from_actor == ru.u_actor).join(rv, rel.to_actor == rv.v_actor)
                                   .select(*keep, "u", "v"))
