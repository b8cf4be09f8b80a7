"""The corridor over time: per period, new ties within each region and across, new organisations per layer
and region, ties ended (``stackatlas timeline``, the web's Timeline page, the yearly monitor).

Every count is of dated facts only: a tie by its ``date`` (ended ties by ``ended``), an organisation by
``founded``; :func:`timeline` says in ``attrs["undated"]`` how many facts of the corridor had no date and so
could not be placed in a period. Where is the same as everywhere (``actor_places``: head office and sites,
as the dataset states them now). A tie is *within* a region when both its actors are located in it and
*across* when one is in A and the other in B (an actor in both regions makes a tie both). With
``by="quarter"`` a fact dated to the year only is counted in the period ``YYYY`` (its quarter is unknown).

Rows: ``period, measure, region, layer, type, count`` with ``measure`` one of :data:`MEASURES`:

- ``ties_within``: new ties with both ends in ``region``, per relation ``type``;
- ``ties_across``: new ties across the corridor (``region`` is ``A+B``), per ``type``;
- ``ties_across_family``: the same per relation family (in ``type``);
- ``organisations_new``: organisations founded, per ``region`` and ``layer``;
- ``ties_ended``: ties that ended, per ``region`` (A, B or ``A+B`` for across) and ``type``.

>>> import stackatlas
>>> t = timeline(stackatlas.open(data=stackatlas.fixture_path()).engine(), a="mra", b="brainport")
>>> list(t.columns)
['period', 'measure', 'region', 'layer', 'type', 'count']
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pandas as pd
from ibis.expr.types import Table

from ..engine import Engine
from ..errors import AnalysisError
from ..timeframe import as_of_date

__all__ = ["BY", "COLUMNS", "MEASURES", "across_label", "timeline"]

BY = ("year", "quarter")
COLUMNS = ["period", "measure", "region", "layer", "type", "count"]
MEASURES = ("ties_within", "ties_across", "ties_across_family", "organisations_new", "ties_ended")


def across_label(a: str, b: str) -> str:
    """The ``region`` of rows across the corridor: ``A+B``."""
    return f"{a}+{b}"


def _period(day: Any, text: Any, by: str) -> Any:
    """Ibis: the period label of a date (``YYYY`` or ``YYYY-Qn``; year-only dates stay ``YYYY``)."""
    year = day.year().cast("string")
    if by == "year":
        return year
    return ibis.ifelse(text.length() <= 4, year, year.concat("-Q", day.quarter().cast("string")))


def _window(day: Any, since: dt.date | None, until: dt.date | None) -> Any:
    cond = day.notnull()
    if since is not None:
        cond &= day >= ibis.literal(since, type="date")
    if until is not None:
        cond &= day <= ibis.literal(until, type="date")
    return cond


def _ties(engine: Engine, mem: Table, *, day: str, text: str, by: str, a: str, b: str,
          since: dt.date | None, until: dt.date | None) -> Table:
    """(period, region, type, family, id): each dated tie of the window once per region it lies within, and
    once as across (``region`` = ``A+B``) when it crosses. ``mem``: one row per actor of the corridor with
    flags ``in_a`` and ``in_b``, so each tie joins at most one row per end."""
    r = engine.table("relations")
    r = r.filter(_window(r[day], since, until))
    r = r.select("id", "type", "family", "from_actor", "to_actor", period=_period(r[day], r[text], by))
    f = mem.select(from_actor=mem.actor, fa=mem.in_a, fb=mem.in_b)
    t = mem.select(to_actor=mem.actor, ta=mem.in_a, tb=mem.in_b)
    j = r.join(f, "from_actor").join(t, "to_actor")
    keys = ("period", "type", "family", "id")
    parts = [j.filter(j.fa & j.ta).select(*keys, region=ibis.literal(a)),
             j.filter(j.fb & j.tb).select(*keys, region=ibis.literal(b)),
             j.filter((j.fa & j.tb) | (j.fb & j.ta)).select(*keys, region=ibis.literal(across_label(a, b)))]
    return parts[0].union(parts[1]).union(parts[2])


def _count(t: Table, measure: str, *, layer: Any = None, type_col: str | None = "type") -> Table:
    """Count distinct ids per (period, region, [layer], [type]) into the row shape."""
    keys = ["period", "region"] + (["layer"] if layer is not None else []) + ([type_col] if type_col else [])
    g = t.group_by(keys).aggregate(count=t.id.nunique())
    return g.select(
        period=g.period, measure=ibis.literal(measure), region=g.region,
        layer=g.layer if layer is not None else ibis.null("string"),
        type=g[type_col] if type_col else ibis.null("string"), count=g["count"].cast("int64"))


def timeline(engine: Engine, *, a: str, b: str, by: str = "year", since: str | None = None,
             until: str | None = None) -> pd.DataFrame:
    """Per period the measures of :data:`MEASURES` for the corridor between places ``a`` and ``b``.

    ``since``/``until`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) bound the window: from the first day of
    ``since`` to the last day of ``until``. ``attrs["undated"]``: ties and organisations of the corridor
    without a date (left out of every period).
    """
    if by not in BY:
        raise AnalysisError(f"--by must be one of {', '.join(BY)}, not {by!r}")
    if a == b:
        raise AnalysisError("the two places must differ")
    lo = dt.date(*_first_day(since)) if since else None
    hi = as_of_date(until) if until else None
    if lo is not None and hi is not None and hi < lo:
        raise AnalysisError(f"the window ends ({until}) before it begins ({since})")
    ap = engine.table("actor_places")
    loc = ap.filter(ap.place.isin([a, b])).select("actor", "place").distinct()
    mem = loc.group_by("actor").aggregate(in_a=(loc.place == a).any(), in_b=(loc.place == b).any())
    parts: list[Table] = []
    new = _ties(engine, mem, day="date_start", text="date", by=by, a=a, b=b, since=lo, until=hi)
    within = new.filter(new.region != across_label(a, b))
    across = new.filter(new.region == across_label(a, b))
    parts += [_count(within, "ties_within"), _count(across, "ties_across"),
              _count(across, "ties_across_family", type_col="family")]
    ended = _ties(engine, mem, day="ended_date", text="ended", by=by, a=a, b=b, since=lo, until=hi)
    parts.append(_count(ended, "ties_ended"))
    acts = engine.table("actors")
    acts = acts.filter(_window(acts.founded_date, lo, hi))
    acts = acts.select(actor=acts.id, period=_period(acts.founded_date, acts.founded, by))
    al = engine.table("actor_layers")
    orgs = (acts.join(loc, "actor").join(al.select(actor=al.actor, layer=al.layer).distinct(), "actor")
            .select("period", "layer", region=loc.place, id=acts.actor))
    parts.append(_count(orgs, "organisations_new", layer=True, type_col=None))
    expr = parts[0]
    for p in parts[1:]:
        expr = expr.union(p)
    df = engine.execute(expr)
    df = df.sort_values(["period", "measure", "region", "layer", "type"], na_position="first",
                        kind="stable").reset_index(drop=True)[COLUMNS]
    df.attrs["undated"] = _undated(engine, loc)
    return df


def _first_day(text: str) -> tuple[int, int, int]:
    from ..dataset.model import parse_date

    try:
        return parse_date(str(text))
    except ValueError as exc:
        raise AnalysisError(f"--since: {exc}") from None


def _undated(engine: Engine, loc: Table) -> dict[str, int]:
    """Ties touching the corridor without a ``date``, and organisations in it without ``founded``."""
    r = engine.table("relations")
    ids = loc.select("actor").distinct()
    ties = r.filter(r.date_start.isnull() & (r.from_actor.isin(ids.actor) | r.to_actor.isin(ids.actor)))
    acts = engine.table("actors")
    orgs = acts.filter(acts.founded_date.isnull() & acts.id.isin(ids.actor))
    return {"relations": int(ties.count().to_pyarrow().as_py()), "actors": int(orgs.count().to_pyarrow().as_py())}
