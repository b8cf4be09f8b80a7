"""Time: the tables of a compiled dataset as they stood on a date (``--as-of``), in one place.

Every analysis reads its tables through :meth:`stackatlas.engine.Engine.table`; an engine made with
``as_of`` (``Atlas.engine(as_of=...)``) hands out the Ibis expressions of :func:`view` instead of the stored
tables, so every analysis runs "as of" a date without code of its own. The rules (docs/dataset-format.md,
"Time"), with ``D`` the last day of the ``--as-of`` date and every stored date the first day of a (partial)
date:

- an actor counts when ``founded <= D`` and not ``dissolved <= D``; its layers, domains and sites with it;
- a site places its actor when ``since <= D`` and not ``until <= D``; ``actor_places`` is recomputed for
  actors with a dated site (as :data:`stackatlas.store._ACTOR_PLACES` does at build time);
- a tie counts when ``date <= D`` and both ends count; one that ended after ``D`` has status ``active``
  at ``D``, one that ended by ``D`` status ``ended`` (what the analyses of live ties leave out);
- an indicator counts when its date (or the start of its period) is ``<= D``;
- **an undated fact counts as present throughout**; :func:`undated` counts how many were so counted.

>>> as_of_date("2024"), as_of_date("2024-02"), as_of_date("2024-02-10")
(datetime.date(2024, 12, 31), datetime.date(2024, 2, 29), datetime.date(2024, 2, 10))
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from typing import Any

import ibis
from ibis.expr.types import Table

from .dataset.model import SITE_CLOSED, parse_date
from .errors import AnalysisError

__all__ = ["TIMED_TABLES", "as_of_date", "undated", "undated_note", "view"]

#: The tables an as-of view filters; every other table is read as stored.
TIMED_TABLES = frozenset({"actors", "actor_layers", "actor_domains", "actor_sites", "actor_places", "relations",
                          "indicators"})


def as_of_date(value: str | dt.date) -> dt.date:
    """The last day of ``value`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``): "as of 2024" is the end of 2024.

    Raises :class:`~stackatlas.errors.AnalysisError` for anything else.
    """
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        year, month, day = parse_date(text)
    except ValueError as exc:
        raise AnalysisError(f"--as-of: {exc}") from None
    if len(text) == 4:
        return dt.date(year, 12, 31)
    if len(text) == 7:
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def _live(start: Any, end: Any, day: dt.date) -> Any:
    """Ibis: begun by ``day`` (or undated) and not ended by ``day``."""
    d = ibis.literal(day, type="date")
    return (start.isnull() | (start <= d)) & (end.isnull() | (end > d))


def view(name: str, day: dt.date, raw: Callable[[str], Table], memo: dict[str, Table]) -> Table:
    """The Ibis expression of table ``name`` as of ``day``; ``raw(name)`` gives the stored table and
    ``memo`` keeps the expressions made so far (the engine's)."""
    if name in memo:
        return memo[name]
    if name not in TIMED_TABLES:
        return raw(name)
    d = ibis.literal(day, type="date")
    out: Table
    if name == "actors":
        a = raw("actors")
        out = a.filter(_live(a.founded_date, a.dissolved_date, day))
    elif name in ("actor_layers", "actor_domains"):
        t = raw(name)
        out = t.filter(~t.actor.isin(_gone(day, raw, memo).id))
    elif name == "actor_sites":
        s = raw("actor_sites")
        s = s.filter((s.since_date.isnull() | (s.since_date <= d)) & ~s.actor.isin(_gone(day, raw, memo).id))
        status = ibis.cases((s.until_date.notnull() & (s.until_date <= d), SITE_CLOSED),
                            (s.until_date.notnull() & (s.status == SITE_CLOSED), "active"), else_=s.status)
        out = s.mutate(status=status)
    elif name == "actor_places":
        out = _actor_places(day, raw, memo)
    elif name == "relations":
        r = raw("relations")
        gone = _gone(day, raw, memo).id
        r = r.filter((r.date_start.isnull() | (r.date_start <= d)) & ~r.from_actor.isin(gone)
                     & ~r.to_actor.isin(gone))
        status = ibis.cases((r.ended_date.notnull() & (r.ended_date > d), "active"), else_=r.status)
        out = r.mutate(status=status)
    else:  # indicators: their date or the start of their period, compared as text (a partial date sorts first)
        i = raw("indicators")
        when = i.date.fill_null(i.period_start)
        out = i.filter(when.isnull() | (when <= ibis.literal(day.isoformat())))
    memo[name] = out
    return out


def _gone(day: dt.date, raw: Callable[[str], Table], memo: dict[str, Table]) -> Table:
    """The actors that do not count on ``day`` (not yet founded or dissolved): usually far fewer than those
    that do, so the other tables are filtered by an anti-join against them."""
    key = "__gone"
    if key not in memo:
        a = raw("actors")
        memo[key] = a.filter(~_live(a.founded_date, a.dissolved_date, day)).select("id")
    return memo[key]


def _actor_places(day: dt.date, raw: Callable[[str], Table], memo: dict[str, Table]) -> Table:
    """``actor_places`` on ``day``: the stored rows of the actors that count, with the site rows of actors
    that have a dated site recomputed from their sites on ``day`` (the build's rule: a site places its actor
    in the site's place, its municipality and every place containing that municipality)."""
    ap = raw("actor_places")
    gone = _gone(day, raw, memo).id
    s = raw("actor_sites")
    dated = s.filter(s.since_date.notnull() | s.until_date.notnull()).select("actor").distinct()
    keep = ap.filter(~ap.actor.isin(gone) & ((ap.via == "hq") | ~ap.actor.isin(dated.actor)))
    sites = view("actor_sites", day, raw, memo)
    sites = sites.filter(sites.actor.isin(dated.actor) & (sites.status != SITE_CLOSED))
    locs = sites.select(actor=sites.actor, loc=sites.place).union(
        sites.filter(sites.municipality.notnull()).select(actor=sites.actor, loc=sites.municipality))
    places, pm = raw("places"), raw("place_municipalities")
    up = places.select(loc=places.id, place=places.id).union(pm.select(loc=pm.municipality, place=pm.place))
    site_rows = (locs.join(up, locs.loc == up.loc).select(actor=locs.actor, place=up.place)
                 .mutate(via=ibis.literal("site")).distinct())
    return keep.select("actor", "place", "via").union(site_rows.select("actor", "place", "via"))


def undated(raw: Callable[[str], Table], day: dt.date, count: Callable[[Any], int]) -> dict[str, int]:
    """How many facts that count on ``day`` carry no date and were counted as present throughout:
    ``actors`` (no ``founded``), ``relations`` (no ``date``), ``sites`` (no ``since``); ``count`` runs a
    count expression on the backend."""
    memo: dict[str, Table] = {}
    a, r, s = (view(n, day, raw, memo) for n in ("actors", "relations", "actor_sites"))
    return {"actors": count(a.filter(a.founded_date.isnull()).count()),
            "relations": count(r.filter(r.date_start.isnull()).count()),
            "sites": count(s.filter(s.since_date.isnull()).count())}


def undated_note(day: dt.date, counts: dict[str, int], *, lang: str = "en") -> str:
    """One sentence that says how the undated facts were counted (every as-of output carries it)."""
    if lang == "nl":
        return (f"Stand per {day.isoformat()}; zonder datum en dus als altijd aanwezig geteld: "
                f"{counts['actors']} organisaties, {counts['relations']} relaties, {counts['sites']} vestigingen.")
    return (f"As of {day.isoformat()}; undated and so counted as present throughout: {counts['actors']} "
            f"organisations, {counts['relations']} ties, {counts['sites']} sites.")
