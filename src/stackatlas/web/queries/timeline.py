"""The corridor over time: the timeline of a pair (per year or quarter), the indicator series, and what
changed since a date (:mod:`stackatlas.analysis.timeline`, :func:`stackatlas.analysis.changes.changes_since`),
each computed once per generation."""

from __future__ import annotations

from typing import Any

from ...atlas import records
from ...errors import AnalysisError
from ..state import Generation
from ._common import clean, rows, run
from ._lookups import lookups
from .synergies import pair

__all__ = ["MAX_SERIES", "changes", "indicator_series", "timeline"]

#: At most this many indicator series (subject and metric with two or more dated values) are drawn.
MAX_SERIES = 12


def timeline(gen: Generation, a: str | None = None, b: str | None = None, by: str = "year") -> dict[str, Any]:
    """``rows`` (``period, measure, region, layer, type, count``) and ``undated`` of the pair ``a``/``b``."""
    pa, pb = pair(lookups(gen), a, b)

    def compute(engine: Any) -> dict[str, Any]:
        from ...analysis.timeline import timeline as _timeline

        t = _timeline(engine, a=pa, b=pb, by=by)
        return {"a": pa, "b": pb, "by": by, "undated": t.attrs["undated"],
                "rows": [{k: clean(v) for k, v in r.items()} for r in records(t)]}

    return gen.analysis(("timeline", pa, pb, by), compute)


def indicator_series(gen: Generation) -> list[dict[str, Any]]:
    """Points ``series, when, value, unit`` of the indicators whose subject and metric have two or more dated
    values (the date, or the start of the period), the :data:`MAX_SERIES` longest series."""
    return gen.cached(("indicator_series",), lambda: rows(gen, f"""
        WITH d AS (SELECT subject, metric, coalesce(label_en, label_nl, metric) AS label, unit, value,
                          coalesce(date, period_start) AS w FROM indicators WHERE coalesce(date, period_start) IS NOT NULL),
        s AS (SELECT subject, metric, count(*) AS n FROM d GROUP BY subject, metric HAVING count(DISTINCT w) >= 2
              ORDER BY n DESC, subject, metric LIMIT {MAX_SERIES})
        SELECT d.subject || ' · ' || d.label AS series, d.subject, d.metric, d.unit, d.value,
               CASE length(d.w) WHEN 4 THEN d.w || '-01-01' WHEN 7 THEN d.w || '-01' ELSE d.w END AS "when"
        FROM d JOIN s USING (subject, metric) ORDER BY series, "when" """))


def changes(gen: Generation, since: str, a: str | None = None, b: str | None = None) -> dict[str, Any]:
    """:func:`~stackatlas.analysis.changes.changes_since` for the pair ``a``/``b``."""
    from ...timeframe import as_of_date

    if not since:
        raise AnalysisError("give a date: ?since=YYYY, YYYY-MM or YYYY-MM-DD")
    day = as_of_date(since).isoformat()
    pa, pb = pair(lookups(gen), a, b)

    def compute(_engine: Any) -> dict[str, Any]:
        from ...analysis.changes import changes_since

        return run(gen, lambda atlas: changes_since(atlas, since=since, a=pa, b=pb))

    return gen.analysis(("changes", day, pa, pb), compute)
