"""Ties between organisations: pages of the filtered, sorted list with their sources, facet counts, one tie,
in SQL on the compiled tables. The statuses a filter accepts are the model's
(:data:`stackatlas.dataset.model.RELATION_STATUSES`)."""

from __future__ import annotations

from typing import Any

from ...dataset.model import RELATION_STATUSES
from ...errors import NotFound
from ..state import Generation
from ._common import MAX_LIMIT, in_list, labels_table, order_by, page_of, rows, scalar, sources_of
from ._lookups import check, lookups

__all__ = [
    "RELATIONS_OF_ACTOR",
    "RELATION_SORTS",
    "RELATION_STATUSES",
    "REL_COLUMNS",
    "REL_FILTERS",
    "relation_count",
    "relation_detail",
    "relation_facets",
    "relation_page",
    "relations_by_ids",
    "with_sources",
]

#: The relations of the actor ``$actor`` (at either end) as a subquery: two index look-ups.
RELATIONS_OF_ACTOR = """(WITH f AS MATERIALIZED (SELECT * FROM relations WHERE from_actor = $actor),
                              t AS MATERIALIZED (SELECT * FROM relations WHERE to_actor = $actor)
                         SELECT * FROM f UNION ALL SELECT * FROM t WHERE from_actor <> $actor)"""
RELATION_SORTS = ("date", "type", "amount", "from", "to")
REL_FILTERS = ("type", "actor", "family", "status", "layer", "place")
REL_COLUMNS = """r.id, r.type, r.from_actor AS "from", r.to_actor AS "to", r.date, r.ended, r.status,
  CASE WHEN r.amount_value IS NULL THEN NULL
       ELSE struct_pack(value := r.amount_value, currency := r.amount_currency) END AS amount,
  r.stake_pct, r.stake_min, r.stake_max, r.role"""


def with_sources(gen: Generation, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Relations (:data:`REL_COLUMNS` plus family and descriptions) with their sources, in the key order of
    :meth:`Atlas.relations` (then family, description_nl, description_en)."""
    if not items:
        return []
    cites = sources_of(gen, "relation", [r["id"] for r in items])
    out = []
    for r in items:
        fam, dnl, den = r.pop("family"), r.pop("description_nl"), r.pop("description_en")
        out.append({**r, "sources": cites.get(r["id"]) or [], "family": fam, "description_nl": dnl,
                    "description_en": den})
    return out


def _relation_where(gen: Generation, f: dict[str, str | None], params: dict[str, Any]) -> tuple[str, str]:
    """(FROM, WHERE) over relations ``r`` for the relation filters (unknown values are NotFound)."""
    lk = lookups(gen)
    check(lk, "relation type", f.get("type"))
    check(lk, "actor", f.get("actor"))
    check(lk, "layer", f.get("layer"))
    check(lk, "place", f.get("place"))
    fams = {t["family"] for t in lk.rtype.values()}
    if f.get("family") is not None and f["family"] not in fams:
        raise NotFound("relation family", str(f["family"]))
    if f.get("status") is not None and f["status"] not in RELATION_STATUSES:
        raise NotFound("relation status", str(f["status"]))
    source = "relations"
    where = ["TRUE"]
    if f.get("actor"):
        source = RELATIONS_OF_ACTOR  # two index look-ups
        params["actor"] = f["actor"]
    for col in ("type", "family", "status"):
        if f.get(col):
            where.append(f"r.{col} = ${col}")
            params[col] = f[col]
    if f.get("layer"):
        where.append("(r.from_actor IN (SELECT actor FROM actor_layers WHERE layer = $layer) "
                     "OR r.to_actor IN (SELECT actor FROM actor_layers WHERE layer = $layer))")
        params["layer"] = f["layer"]
    if f.get("place"):
        inside = "(SELECT w.id FROM web.inplace i JOIN web.actors w ON w.rid = i.rid WHERE i.place = $place)"
        where.append(f"(r.from_actor IN {inside} OR r.to_actor IN {inside})")
        params["place"] = f["place"]
    return source, " AND ".join(where)


def _rnorm(filters: dict[str, Any]) -> dict[str, str | None]:
    return {k: (filters.get(k) or None) for k in REL_FILTERS}


def relation_count(gen: Generation, **filters: str | None) -> int:
    f = _rnorm(filters)

    def compute() -> int:
        params: dict[str, Any] = {}
        source, where = _relation_where(gen, f, params)
        return int(scalar(gen, f"SELECT count(*) FROM {source} r WHERE {where}", params) or 0)

    return gen.cached(("relation_count", tuple(sorted(f.items()))), compute)


def relation_page(gen: Generation, *, sort: str = "date", limit: int = 50, offset: int = 0,
                  labels: dict[str, dict[str, str]] | None = None, **filters: str | None) -> dict[str, Any]:
    """One page of relations (``total``, ``limit``, ``offset``, ``items``), filtered by type, actor, family,
    status and the layer or place of either end, sorted and paged in SQL.

    ``labels`` (pages) sorts ``type`` by its display name and ``from``/``to`` by actor names, as the page
    shows them; without it (API) by the ids. Missing values go last; ties keep date-then-id order."""
    f = _rnorm(filters)
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    lkey = tuple(sorted((k, tuple(sorted(v.items()))) for k, v in labels.items())) if labels is not None else None

    def compute() -> list[dict[str, Any]]:
        params: dict[str, Any] = {}
        source, where = _relation_where(gen, f, params)
        joins = ""
        k = sort.lstrip("-")
        if labels is not None:
            type_key = "lower(coalesce(lt.v, r.type, ''))"
            if k == "type":
                joins += f" LEFT JOIN {labels_table('lt', labels.get('type'), params)} lt ON lt.k = r.type"
            if k == "from":
                joins += " LEFT JOIN web.actors wf ON wf.id = r.from_actor"
            if k == "to":
                joins += " LEFT JOIN web.actors wt ON wt.id = r.to_actor"
            from_key, to_key = "lower(coalesce(wf.name, r.from_actor, ''))", "lower(coalesce(wt.name, r.to_actor, ''))"
        else:
            type_key, from_key, to_key = "lower(r.type)", "lower(r.from_actor)", "lower(r.to_actor)"
        keys = {"date": "lower(r.date)", "type": type_key, "amount": "r.amount_value", "from": from_key,
                "to": to_key}
        order = order_by(sort, RELATION_SORTS, keys, "r.date_start NULLS LAST, r.id")
        sql = (f"SELECT {REL_COLUMNS}, r.family, r.description_nl, r.description_en FROM {source} r{joins} "
               f"WHERE {where} ORDER BY {order} LIMIT {limit} OFFSET {offset}")
        return with_sources(gen, rows(gen, sql, params))

    items = gen.cached(("relation_page", tuple(sorted(f.items())), sort, limit, offset, lkey), compute)
    return page_of(relation_count(gen, **f), items, limit, offset)


def relation_detail(gen: Generation, ident: str) -> dict[str, Any]:
    def compute() -> dict[str, Any] | None:
        found = rows(gen, f"SELECT {REL_COLUMNS}, r.family, r.description_nl, r.description_en "
                          "FROM relations r WHERE r.id = $id", {"id": ident})
        return with_sources(gen, found)[0] if found else None

    rec = gen.cached(("relation", ident), compute)
    if rec is None:
        raise NotFound("relation", ident)
    return rec


def relations_by_ids(gen: Generation, ids: list[str]) -> list[dict[str, Any]]:
    """The relations of ``ids`` (in that order; unknown ids left out)."""
    if not ids:
        return []
    params: dict[str, Any] = {}
    found = {r["id"]: r for r in with_sources(gen, rows(
        gen, f"SELECT {REL_COLUMNS}, r.family, r.description_nl, r.description_en FROM relations r "
             f"WHERE r.id IN {in_list('i', ids, params)}", params))}
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def relation_facets(gen: Generation, filters: dict[str, str | None]) -> dict[str, list[tuple[str, int]]]:
    f = _rnorm(filters)

    def compute() -> dict[str, list[tuple[str, int]]]:
        out: dict[str, list[tuple[str, int]]] = {}
        for facet in ("type", "family", "status"):
            params: dict[str, Any] = {}
            source, where = _relation_where(gen, {k: v for k, v in f.items() if k != facet}, params)
            sql = (f"SELECT r.{facet} AS v, count(*) AS n FROM {source} r WHERE {where} AND r.{facet} IS NOT NULL "
                   f"AND r.{facet} <> '' GROUP BY v ORDER BY n DESC, v")
            out[facet] = [(r["v"], int(r["n"])) for r in rows(gen, sql, params)]
        return out

    return gen.cached(("relation_facets", tuple(sorted((k, v) for k, v in f.items() if v))), compute)
