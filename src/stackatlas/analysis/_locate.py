"""Where actors are: shared Ibis building blocks of the analyses (actor -> place, actor -> activity).

Where an actor is comes from one table built with the database, ``actor_places`` (see
:mod:`stackatlas.store` and ``docs/database.md``): its head office with the places containing it, and
its sites that are not closed with theirs. The atlas and the web read the same table.
"""

from __future__ import annotations

import ibis
import pandas as pd
from ibis.expr.types import Table

from ..dataset.model import PLACE_TYPES
from ..engine import Engine
from ..errors import AnalysisError

__all__ = ["BY", "LEVELS", "PRESENCE", "ROLES", "WHOLE_DATASET", "Numbering", "activities", "actor_places",
           "actors_in", "check_role", "default_baseline", "located_actors", "municipalities_in", "unplaced",
           "weighted_activities"]

#: The baseline "every located actor of the dataset" (no place contains them all).
WHOLE_DATASET = "*"

#: The levels a place is profiled at: the place types of the model, in page order.
LEVELS = PLACE_TYPES
BY = ("layer", "sublayer", "domain")
PRESENCE = ("all", "hq")
#: Which layers of an actor count: every one (``all``; a *secondary* layer with the secondary weight) or only
#: its *core* layers (``core``). A layer's role is core when any of the actor's entries for it says so.
ROLES = ("all", "core")


def check_role(role: str, secondary_weight: float = 1.0) -> None:
    """Refuse an unknown role or a secondary weight outside [0, 1]."""
    if role not in ROLES:
        raise AnalysisError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not 0.0 <= secondary_weight <= 1.0:
        raise AnalysisError(f"the secondary weight must be between 0 and 1, not {secondary_weight}")


def _located(engine: Engine, presence: str) -> Table:
    """(actor, place) of the table ``actor_places`` (built with the database): with ``presence='hq'`` only
    the places of the head office, with ``'all'`` also those of the sites that are not closed."""
    if presence not in PRESENCE:
        raise AnalysisError(f"presence must be one of {', '.join(PRESENCE)}, not {presence!r}")
    ap = engine.table("actor_places")
    if presence == "hq":
        ap = ap.filter(ap.via == "hq")
    return ap.select("actor", "place")


def actor_places(engine: Engine, *, level: str, presence: str = "all") -> Table:
    """(actor, place) for every place of type ``level`` the actor is located in (distinct)."""
    if level not in LEVELS:
        raise AnalysisError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    pl = engine.table("places")
    units = pl.filter(pl.type == level).select(place=pl.id)
    return _located(engine, presence).semi_join(units, "place").distinct()


def actors_in(engine: Engine, place: str, *, presence: str = "all") -> Table:
    """(actor,) located in ``place``: a municipality, site, region, province or country; ``place``
    :data:`WHOLE_DATASET` gives every actor located anywhere."""
    if place == WHOLE_DATASET:
        return located_actors(engine, presence=presence)
    loc = _located(engine, presence)
    return loc.filter(loc.place == place).select("actor").distinct()


def located_actors(engine: Engine, *, presence: str = "all") -> Table:
    """(actor,) of every actor located somewhere (a head office, or with ``presence='all'`` a site)."""
    return _located(engine, presence).select("actor").distinct()


def unplaced(engine: Engine, *, presence: str = "all") -> int:
    """How many actors no place holds (no head office, no open site; with ``presence='hq'`` no head
    office): the actors a place-based analysis leaves out, and says it did."""
    def count() -> int:
        actors = engine.table("actors")
        loc = located_actors(engine, presence=presence)
        out = actors.anti_join(loc, actors.id == loc.actor)
        return int(engine.execute(out.aggregate(n=out.count()))["n"].iloc[0])

    return int(engine.cached(("unplaced", presence), count))


def default_baseline(engine: Engine, *, level: str, places: list[str] | None = None,
                     presence: str = "all") -> str:
    """The baseline of a profile when none is given: :data:`WHOLE_DATASET` when the places compared are
    countries, or when the dataset's own ``baseline`` contains none of them (an imported world-wide
    dataset that inherited ``nl``) or holds no actor; else the dataset's own baseline.

    The places compared are ``places``, else every place of ``level`` that holds an actor. A place is in
    the baseline when all its municipalities are (a site: its municipality; the baseline itself counts),
    so a region reaching beyond it (the EU for ``nl``) is not.
    """
    own = engine.meta("baseline")
    if level == "country" or own is None:
        return WHOLE_DATASET
    pl = engine.table("places")
    if places is not None:
        compared = pl.filter(pl.id.isin(places)).select(place=pl.id)
    else:
        compared = actor_places(engine, level=level, presence=presence).select("place").distinct()
    pm = engine.table("place_municipalities")
    inside = pm.filter(pm.place == own).select(m_in="municipality")
    members = pm.select(place=pm.place, m_in=pm.municipality)
    sites = pl.filter(pl.type == "site").select(place=pl.id, m_in=pl.parent)
    cmp_members = members.union(sites).semi_join(compared, "place")
    outside = cmp_members.anti_join(inside, "m_in").select("place").distinct()
    contained = cmp_members.select("place").distinct().anti_join(outside, "place")
    own_id = pl.filter(pl.id == own).select(place="id").semi_join(compared, "place")  # the baseline itself
    if engine.execute(contained.union(own_id).limit(1)).empty:
        return WHOLE_DATASET
    has_actors = actors_in(engine, own, presence=presence).limit(1)
    return own if len(engine.execute(has_actors)) else WHOLE_DATASET


def activities(engine: Engine, *, by: str = "layer", role: str = "all") -> Table:
    """(actor, activity): the distinct layers, ``layer/sublayer`` pairs or domains of each actor; with
    ``role='core'`` only the layers (sublayers) the actor holds in a core role (domains have no role)."""
    check_role(role)
    if by in ("layer", "sublayer"):
        t = engine.table("actor_layers")
        if role == "core":
            t = t.filter(t.role == "core")
        if by == "layer":
            return t.select(actor=t.actor, activity=t.layer).distinct()
        t = t.filter(t.sublayer.notnull())
        return t.select(actor=t.actor, activity=t.layer.concat(ibis.literal("/"), t.sublayer)).distinct()
    if by == "domain":
        t = engine.table("actor_domains")
        return t.select(actor=t.actor, activity=t.domain).distinct()
    raise AnalysisError(f"by must be one of {', '.join(BY)}, not {by!r}")


def weighted_activities(engine: Engine, *, by: str = "layer", role: str = "all",
                        secondary_weight: float = 1.0) -> Table:
    """(actor, activity, w): :func:`activities` with a weight, 1 for a core layer and ``secondary_weight`` for a
    layer the actor holds only in a secondary role (with ``role='core'`` those are left out). Domains weigh 1."""
    check_role(role, secondary_weight)
    if by == "domain" or role == "core" or secondary_weight == 1.0:
        return activities(engine, by=by, role=role).mutate(w=ibis.literal(1.0))
    t = engine.table("actor_layers")
    if by == "sublayer":
        t = t.filter(t.sublayer.notnull())
        t = t.mutate(activity=t.layer.concat(ibis.literal("/"), t.sublayer))
    else:
        t = t.mutate(activity=t.layer)
    t = t.mutate(rw=ibis.ifelse(t.role == "core", 1.0, secondary_weight))
    return t.group_by(["actor", "activity"]).agg(w=t.rw.max())


def municipalities_in(engine: Engine, place: str, *, presence: str = "all") -> Table:
    """(actor, municipality): the municipalities inside ``place`` where each actor is (head office or site)."""
    pm = engine.table("place_municipalities")
    inside = pm.filter(pm.place == place).select(place="municipality")
    loc = _located(engine, presence).semi_join(inside, "place")
    return loc.select(actor=loc.actor, municipality=loc.place).distinct()


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
