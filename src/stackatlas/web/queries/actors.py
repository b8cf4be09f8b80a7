"""Organisations: pages of the filtered, sorted list, facet counts, one organisation with its ties, its ego
network, in SQL on the web index (``web.actors``, ``web.inplace``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ..._sql import like_pattern
from .. import index as web_index
from ..state import Generation
from ._common import CITES, MAX_LIMIT, in_list, labels_table, order_by, page_of, rows, scalar
from ._lookups import check, lookups
from .relations import REL_COLUMNS, RELATIONS_OF_ACTOR, with_sources

__all__ = ["ACTOR_FILTERS", "ACTOR_RELATIONS", "ACTOR_SORTS", "EGO_LIMIT", "MAX_CHILDREN", "actor_count",
           "actor_detail", "actor_facets", "actor_page", "actor_records", "ego_network",
           "ties_of"]

ACTOR_RELATIONS = 200   # ties listed on an actor's page and in /api/actors/{id} (all: /relations?actor=)
EGO_LIMIT = web_index.EGO_LIMIT   # partners drawn in an actor's ego network
MAX_CHILDREN = web_index.MAX_CHILDREN  # subsidiaries listed on an actor's page

ACTOR_FILTERS = ("layer", "place", "kind", "domain", "control_country", "q")
ACTOR_SORTS = ("name", "kind", "hq", "control_country", "layers", "ties")


def _norm(filters: dict[str, Any]) -> dict[str, str | None]:
    out = {k: (filters.get(k) or None) for k in ACTOR_FILTERS}
    out["control_country"] = (out["control_country"] or "").upper() or None
    return out


#: The condition over ``web.actors w`` of each actor filter (its value is the parameter of the same name).
_ACTOR_CONDITIONS = {
    "layer": "list_contains(w.layer_ids, $layer)",
    "place": "w.rid IN (SELECT rid FROM web.inplace WHERE place = $place)",
    "kind": "w.kind = $kind",
    "domain": "list_contains(w.domains, $domain)",
    "control_country": "w.control_country = $control_country",
    "q": "(w.name ILIKE $q ESCAPE '\\' OR w.id ILIKE $q ESCAPE '\\' "
         "OR w.id IN (SELECT actor FROM actor_aliases WHERE alias ILIKE $q ESCAPE '\\'))",
}


def _actor_where(gen: Generation, f: dict[str, str | None], params: dict[str, Any]) -> str:
    """The WHERE clause over ``web.actors w`` for the actor filters (unknown ids are NotFound)."""
    lk = lookups(gen)
    check(lk, "layer", f.get("layer"))
    check(lk, "place", f.get("place"))
    check(lk, "actor kind", f.get("kind"))
    check(lk, "domain", f.get("domain"))
    where = ["TRUE"]
    for key, cond in _ACTOR_CONDITIONS.items():
        if f.get(key):
            where.append(cond)
            value = str(f[key])
            params[key] = (value.upper() if key == "control_country" else like_pattern(value) if key == "q" else value)
    return " AND ".join(where)


def actor_count(gen: Generation, **filters: str | None) -> int:
    """How many actors pass the filters (layer, place, kind, domain, control_country, q)."""
    f = _norm(filters)

    def compute() -> int:
        params: dict[str, Any] = {}
        where = _actor_where(gen, f, params)
        return int(scalar(gen, f"SELECT count(*) FROM web.actors w WHERE {where}", params) or 0)

    return gen.cached(("actor_count", tuple(sorted(f.items()))), compute)


def actor_records(gen: Generation, ids: list[str]) -> list[dict[str, Any]]:
    """The actors of ``ids`` (in that order) as :meth:`Atlas.actors` gives them, with ``ties`` added (a few
    index look-ups: at most one page of ids)."""
    if not ids:
        return []
    p: dict[str, Any] = {}
    idl = in_list("i", ids, p)
    base = {r["id"]: r for r in rows(gen, "SELECT id, name, kind, hq, domains, control_country, parent, ties "
                                          f"FROM web.actors WHERE id IN {idl}", p)}
    lists: dict[str, dict[str, Any]] = defaultdict(dict)
    for col, sql in (
            ("aliases", f"SELECT actor, list(alias ORDER BY position) AS v FROM actor_aliases WHERE actor IN {idl} "
                        "GROUP BY actor"),
            ("sites", f"SELECT actor, list(place ORDER BY position) AS v FROM actor_sites WHERE actor IN {idl} "
                      "GROUP BY actor"),
            ("layers", f"""SELECT actor, list(struct_pack(layer := layer, sublayer := sublayer, offering := offering,
                                                       role := role) ORDER BY position) AS v
                           FROM actor_layers WHERE actor IN {idl} GROUP BY actor""")):
        for r in rows(gen, sql, p):
            lists[r["actor"]][col] = r["v"]
    for r in rows(gen, CITES.format(ids=idl), {**p, "kind": "actor"}):
        lists[r["subject"]]["sources"] = r["sources"]
    out = []
    for i in ids:
        b = base.get(i)
        if b is None:
            continue
        x = lists.get(i, {})
        out.append({"id": b["id"], "name": b["name"], "aliases": x.get("aliases") or [], "kind": b["kind"],
                    "hq": b["hq"], "sites": x.get("sites") or [], "layers": x.get("layers"),
                    "domains": b["domains"] or [], "control_country": b["control_country"], "parent": b["parent"],
                    "sources": x.get("sources") or [], "ties": int(b["ties"])})
    return out


def actor_page(gen: Generation, *, sort: str = "name", limit: int = 50, offset: int = 0,
               labels: dict[str, dict[str, str]] | None = None, **filters: str | None) -> dict[str, Any]:
    """One page of actors (``total``, ``limit``, ``offset``, ``items``): filtered, sorted and paged in SQL.

    ``labels`` (pages) sorts ``kind`` and ``hq`` by their display names ({"kind": {id: name}, "hq": ...}), as
    the page shows them; without it (API) by the ids. Missing values go last; ties keep name-then-id order."""
    f = _norm(filters)
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    lkey = tuple(sorted((k, tuple(sorted(v.items()))) for k, v in labels.items())) if labels is not None else None

    def compute() -> list[str]:
        params: dict[str, Any] = {}
        where = _actor_where(gen, f, params)
        joins = ""
        if labels is not None:
            joins = (f" LEFT JOIN {labels_table('lk', labels.get('kind'), params)} lk ON lk.k = w.kind"
                     f" LEFT JOIN {labels_table('lh', labels.get('hq'), params)} lh ON lh.k = w.hq")
            kind_key, hq_key = "lower(coalesce(lk.v, w.kind, ''))", "lower(coalesce(lh.v, w.hq, ''))"
        else:
            kind_key, hq_key = "lower(w.kind)", "lower(w.hq)"
        keys = {"name": "w.lname", "kind": kind_key, "hq": hq_key, "control_country": "lower(w.control_country)",
                "layers": "w.nlayers", "ties": "w.ties"}
        order = order_by(sort, ACTOR_SORTS, keys, "w.name, w.id")
        skip = offset
        if sort == "name":
            order = "w.rid"  # the index's own order: lower-case name, name, id
            if where == "TRUE":  # no filter: the page is a range of rid (zone maps skip the rest)
                where, skip = f"w.rid >= {offset} AND w.rid < {offset + limit}", 0
        sql = f"SELECT w.id FROM web.actors w{joins} WHERE {where} ORDER BY {order} LIMIT {limit} OFFSET {skip}"
        return [r["id"] for r in rows(gen, sql, params)]

    ids = gen.cached(("actor_page", tuple(sorted(f.items())), sort, limit, offset, lkey), compute)
    return page_of(actor_count(gen, **f), actor_records(gen, ids), limit, offset)


def actor_facets(gen: Generation, filters: dict[str, str | None]) -> dict[str, list[tuple[str, int]]]:
    """For each facet, its values with the number of actors given the *other* filters (GROUP BY in SQL)."""
    f = _norm(filters)

    def compute() -> dict[str, list[tuple[str, int]]]:
        out: dict[str, list[tuple[str, int]]] = {}
        for facet in ("layer", "domain", "kind", "place", "control_country"):
            params: dict[str, Any] = {}
            where = _actor_where(gen, {k: v for k, v in f.items() if k != facet}, params)
            if facet == "layer":
                sql = f"SELECT unnest(w.layer_ids) AS v, count(*) AS n FROM web.actors w WHERE {where} GROUP BY v"
            elif facet == "domain":
                sql = (f"SELECT unnest(list_distinct(w.domains)) AS v, count(*) AS n FROM web.actors w WHERE {where} "
                       "GROUP BY v")
            elif facet in ("kind", "control_country"):
                sql = (f"SELECT w.{facet} AS v, count(*) AS n FROM web.actors w WHERE {where} AND w.{facet} IS NOT NULL "
                       "GROUP BY v")
            else:  # place: the regions, provinces, municipalities and sites with actors
                filtered = "" if where == "TRUE" else f"AND i.rid IN (SELECT w.rid FROM web.actors w WHERE {where})"
                sql = f"""SELECT i.place AS v, count(*) AS n FROM web.inplace i JOIN places p ON p.id = i.place
                          WHERE p.type IN ('region', 'municipality', 'province', 'site') {filtered} GROUP BY v"""
            out[facet] = [(r["v"], int(r["n"])) for r in rows(gen, sql + " ORDER BY n DESC, v", params)
                          if r["v"] is not None and r["n"]]
        return out

    return gen.cached(("actor_facets", tuple(sorted((k, v) for k, v in f.items() if v))), compute)


_CARD_COLUMNS = ("id, name, aliases, kind, hq, sites, layers, domains, control_country, parent, sources, helix, "
                 "hq_municipality, hq_country, control_bloc, founded, dissolved, website, wikidata, description_nl, "
                 "description_en, defined_at, site_details, children, tags")


def actor_detail(gen: Generation, ident: str) -> dict[str, Any]:
    """One actor as :meth:`Atlas.actors` gives it, with its other columns, sites, children, tags and ties (its
    first :data:`ACTOR_RELATIONS` relations in date order; ``ties`` counts them all).

    Three queries on a first visit: the actor's row of ``web.cards`` (everything about the actor itself,
    aggregated when the web index was built), one page of its relations with their total, and their sources.
    """
    lk = lookups(gen)
    check(lk, "actor", ident)

    def compute() -> dict[str, Any]:
        rec = rows(gen, f"SELECT {_CARD_COLUMNS} FROM web.cards WHERE id = $id", {"id": ident})[0]
        items = rows(gen, f"""SELECT {REL_COLUMNS}, r.family, r.description_nl, r.description_en,
                                     count(*) OVER () AS _total
                              FROM {RELATIONS_OF_ACTOR} r ORDER BY lower(r.date) ASC NULLS LAST, r.date_start NULLS LAST, r.id
                              LIMIT {ACTOR_RELATIONS}""", {"actor": ident})
        total = items[0]["_total"] if items else 0
        for r in items:
            del r["_total"]
        rec["relations"] = with_sources(gen, items)
        rec["ties"] = int(total)
        return rec

    return gen.cached(("actor", ident), compute)


def ego_network(gen: Generation, ident: str, limit: int = EGO_LIMIT) -> dict[str, Any]:
    """Nodes (the actor and its direct partners with most ties, at most ``limit``; from ``web.ego``), the ties
    among them and the main layer of each node that has one (``layers``)."""
    lk = lookups(gen)
    check(lk, "actor", ident)

    if not 0 <= limit <= EGO_LIMIT:
        raise ValueError(f"limit must be between 0 and {EGO_LIMIT} (the partners kept in web.ego)")

    def compute() -> dict[str, Any]:
        found = rows(gen, """SELECT w.id, w.ties, c.main_layer AS layer, e.partners FROM web.actors w
                             JOIN web.cards c ON c.id = w.id LEFT JOIN web.ego e ON e.actor = w.id
                             WHERE w.id = $actor""", {"actor": ident})[0]
        partners = [{"id": found["id"], "ties": found["ties"], "layer": found["layer"]},
                    *(found["partners"] or [])[:limit]]
        nodes = [r["id"] for r in partners]
        ties = {r["id"]: int(r["ties"]) for r in partners}
        low = [n for n in nodes if ties.get(n, 0) <= web_index.HUB_TIES]
        hubs = [n for n in nodes if ties.get(n, 0) > web_index.HUB_TIES]
        params: dict[str, Any] = {}
        nl, ll, hl = in_list("n", nodes, params), in_list("l", low, params), in_list("h", hubs, params)
        # a tie from a node that is no hub, into one from a hub, or between two hubs: index look-ups of the
        # nodes that are no hubs and the short table of ties among hubs (never every tie of a hub)
        cols = "id, type, family, from_actor, to_actor, date_start"
        among = rows(gen, f"""
            WITH f AS MATERIALIZED (SELECT {cols} FROM relations WHERE from_actor IN {ll}),
                 t AS MATERIALIZED (SELECT {cols} FROM relations WHERE to_actor IN {ll})
            SELECT id, type, family, from_actor, to_actor FROM (
              SELECT * FROM f WHERE to_actor IN {nl}
              UNION ALL SELECT * FROM t WHERE from_actor IN {hl}
              UNION ALL SELECT {cols} FROM web.hub_edges WHERE from_actor IN {hl} AND to_actor IN {hl})
            ORDER BY date_start NULLS LAST, id""", params)
        return {"nodes": nodes, "edges": among, "layers": {r["id"]: r["layer"] for r in partners if r["layer"]}}

    return gen.cached(("ego", ident, limit), compute)


def ties_of(gen: Generation, ids: Iterable[str]) -> dict[str, int]:
    """The number of relations of each actor of ``ids``."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    if len(ids) > MAX_LIMIT:  # a long list: one hash join instead of index look-ups
        return {r["id"]: int(r["ties"]) for r in rows(
            gen, "SELECT id, ties FROM web.actors WHERE id IN (SELECT unnest($ids))", {"ids": ids})}
    params: dict[str, Any] = {}
    return {r["id"]: int(r["ties"]) for r in rows(
        gen, f"SELECT id, ties FROM web.actors WHERE id IN {in_list('i', ids, params)}", params)}
