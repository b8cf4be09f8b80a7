"""What every query module shares: SQL on a generation (:func:`rows`, :func:`scalar`, :func:`in_list`), the
library on a generation (:func:`run`), ORDER BY clauses and paging, sources of records, NaN cleaning."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ...atlas import Atlas, _plain
from ...errors import AnalysisError
from .. import index as web_index
from ..state import Generation

__all__ = ["CITES", "MAX_LIMIT", "MAX_Q", "clean", "in_list", "labels_table", "or_error", "order_by", "page_of",
           "ready", "records_plain", "rows", "run", "scalar", "sort_rows", "sources_of"]

T = TypeVar("T")

MAX_LIMIT = 500
MAX_Q = 200


def run(gen: Generation, fn: Callable[[Atlas], T]) -> T:
    """``fn`` on an :class:`Atlas` of ``gen`` (closed afterwards)."""
    atlas = gen.atlas()
    try:
        return fn(atlas)
    finally:
        atlas.close()


def ready(gen: Generation) -> None:
    """Build the web index of ``gen`` when it does not exist yet (once per generation)."""
    gen.index(web_index.build)


def rows(gen: Generation, sql: str, params: dict[str, Any] | list[Any] | None = None) -> list[dict[str, Any]]:
    """``sql`` on a fresh cursor of ``gen`` (its web index built) as plain dicts."""
    ready(gen)
    cur = gen.con.cursor()
    try:
        res = cur.execute(sql, params or {})
        cols = [d[0] for d in res.description or []]
        return [{c: _plain(v) for c, v in zip(cols, row, strict=True)} for row in res.fetchall()]
    finally:
        cur.close()


def scalar(gen: Generation, sql: str, params: dict[str, Any] | list[Any] | None = None) -> Any:
    """The first column of the first row of ``sql`` (None when there is none)."""
    out = rows(gen, sql, params)
    return next(iter(out[0].values())) if out else None


def in_list(name: str, values: Iterable[Any], params: dict[str, Any]) -> str:
    """``($name_0, $name_1, ...)`` for ``values`` (added to ``params``): an IN list DuckDB answers from an
    index; ``(NULL)`` when there are none."""
    keys = []
    for i, v in enumerate(values):
        params[f"{name}_{i}"] = v
        keys.append(f"${name}_{i}")
    return "(" + (", ".join(keys) or "NULL") + ")"


def clean(v: Any) -> Any:
    """NaN and infinities to None (JSON has neither)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


# -- sorting and paging ---------------------------------------------------------------------------------
def order_by(sort: str, allowed: tuple[str, ...], keys: dict[str, str], tiebreak: str) -> str:
    """An ORDER BY clause for ``sort`` (``-`` in front for descending; missing values last either way, ties
    in ``tiebreak`` order); an unknown key is a 422 AnalysisError."""
    desc = sort.startswith("-")
    k = sort.lstrip("-")
    if k not in allowed:
        raise AnalysisError(f"sort must be one of {', '.join(allowed)} (with - for descending), not {sort!r}")
    return f"{keys[k]} {'DESC' if desc else 'ASC'} NULLS LAST, {tiebreak}"


def labels_table(name: str, labels: dict[str, str] | None, params: dict[str, Any]) -> str:
    """A small table (k, v) of display names (e.g. translated kinds or place names) to join for sorting."""
    items = list((labels or {}).items()) or [("", "")]
    params[f"{name}_k"] = [k for k, _ in items]
    params[f"{name}_v"] = [v for _, v in items]
    return f"(SELECT unnest(${name}_k) AS k, unnest(${name}_v) AS v)"


def page_of(total: int, items: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    """A page of a list as the API answers it."""
    return {"total": total, "limit": limit, "offset": offset, "items": items}


# DuckDB answers ``col IN (...)`` or ``col = x`` from an index only when it is the whole filter: the rest
# of a filter is applied to a MATERIALIZED look-up (else the filter runs as a scan of the whole table)
#: The sources of records ``{ids}`` of one kind (``$kind``), in their order, as a list per subject.


CITES = """WITH c AS MATERIALIZED (SELECT * FROM citations WHERE subject IN {ids})
            SELECT subject, list(struct_pack(source := source, locator := locator, confidence := confidence)
                                 ORDER BY position) AS sources
            FROM c WHERE subject_type = $kind GROUP BY subject"""


def sources_of(gen: Generation, kind: str, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The sources of the records ``ids`` of one kind (relation, indicator, …), by id."""
    params: dict[str, Any] = {"kind": kind}
    return {r["subject"]: r["sources"] for r in rows(gen, CITES.format(ids=in_list("i", ids, params)), params)}


def or_error(fn: Callable[[], T]) -> T | dict[str, str]:
    """``fn()``, or ``{"error": message}`` for an analysis that cannot be done (cached like a result, so a
    hopeless request is not recomputed)."""
    try:
        return fn()
    except AnalysisError as exc:
        return {"error": str(exc)}


def records_plain(d: dict[str, Any]) -> dict[str, Any]:
    """A flat mapping with numpy scalars as Python numbers and NaN as None."""
    return {k: clean(v.item() if hasattr(v, "item") else v) for k, v in d.items()}


def sort_rows(rows: list[dict[str, Any]], sort: str, allowed: tuple[str, ...],
              keyfuncs: dict[str, Callable[[dict[str, Any]], Any]] | None = None) -> list[dict[str, Any]]:
    """Sort a small list by ``sort`` (``-`` in front for descending); an unknown key is a 422 AnalysisError.
    (Sources only: actors and relations are sorted in SQL.)"""
    desc = sort.startswith("-")
    k = sort.lstrip("-")
    if k not in allowed:
        raise AnalysisError(f"sort must be one of {', '.join(allowed)} (with - for descending), not {sort!r}")
    fn = (keyfuncs or {}).get(k) or (lambda r: r.get(k))

    def key(r: dict[str, Any]) -> tuple[int, Any]:
        v = fn(r)
        if isinstance(v, list):
            v = len(v)
        if isinstance(v, str):
            v = v.casefold()
        return (v is None, v if v is not None else 0)

    out = sorted(rows, key=key, reverse=desc)
    if desc:  # keep missing values last either way
        out = [r for r in out if fn(r) is not None] + [r for r in out if fn(r) is None]
    return out
