"""What the pages and the API show, as plain dicts, computed in DuckDB on the request's database generation.

Everything goes through the library (:class:`~stackatlas.atlas.Atlas` and :mod:`stackatlas.analysis`) or
runs as SQL on the generation's database and its web index (:mod:`stackatlas.web.index`: per-actor sort and
filter columns, actor-in-place pairs, search words, built once per generation in DuckDB). Lists are filtered,
sorted, counted and paged in SQL (pages of at most :data:`MAX_LIMIT` rows); only a page of rows, facet counts
and small look-up tables (layers, places, kinds, ...) ever reach Python. Results are memoised on the
generation (see :mod:`stackatlas.web.state`), so a rebuilt dataset is picked up at once.
"""

from __future__ import annotations

import importlib
import math
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..atlas import Atlas, _plain, records
from ..errors import AnalysisError, NotFound
from . import index as web_index
from .state import Generation

T = TypeVar("T")

MAX_LIMIT = 500
MAX_Q = 200
ACTOR_RELATIONS = 200   # ties listed on an actor's page and in /api/actors/{id} (all: /relations?actor=)
EGO_LIMIT = 40          # partners drawn in an actor's ego network
MAX_CHILDREN = 500      # subsidiaries listed on an actor's page
MAX_CITED = 1000        # citations listed on a source's page (the API pages them)
NAME_CACHE = 50_000     # actor names kept in memory per generation (LRU)


def _run(gen: Generation, fn: Callable[[Atlas], T]) -> T:
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


def optional(module: str) -> Any:
    """An analysis module written elsewhere, or None while it does not exist (pages then say so)."""
    try:
        return importlib.import_module(f"stackatlas.analysis.{module}")
    except ImportError:
        return None


# -- look-up tables -------------------------------------------------------------------------------------
class ActorNames:
    """Actors by id as ``{"id", "name"}``, looked up in the web index when asked (a bounded LRU of names;
    pages :meth:`prefetch` the ids they show in one query). ``in`` and ``get`` work like a dict's."""

    def __init__(self, gen: Generation, count: int, size: int = NAME_CACHE) -> None:
        self._gen = gen
        self._count = count
        self._size = size
        self._data: OrderedDict[str, dict[str, Any] | None] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._count

    def prefetch(self, ids: Iterable[str | None]) -> None:
        """Look up the names of ``ids`` not cached yet (one query per 500)."""
        with self._lock:
            missing = list(dict.fromkeys(i for i in ids if isinstance(i, str) and i and i not in self._data))
        for start in range(0, len(missing), MAX_LIMIT):
            chunk = missing[start:start + MAX_LIMIT]
            params: dict[str, Any] = {}
            found = {r["id"]: r for r in rows(self._gen, "SELECT id, name FROM web.actors WHERE id IN "
                                              + in_list("i", chunk, params), params)}
            with self._lock:
                for i in chunk:
                    self._data[i] = found.get(i)
                while len(self._data) > self._size:
                    self._data.popitem(last=False)

    def get(self, ident: str, default: Any = None) -> Any:
        if not ident:
            return default
        with self._lock:
            if ident in self._data:
                self._data.move_to_end(ident)
                hit = self._data[ident]
                return default if hit is None else hit
        self.prefetch([ident])
        with self._lock:
            hit = self._data.get(ident)
        return default if hit is None else hit

    def __contains__(self, ident: object) -> bool:
        return isinstance(ident, str) and self.get(ident) is not None


@dataclass
class Lookups:
    meta: dict[str, str]
    layers: list[dict[str, Any]]
    layer: dict[str, dict[str, Any]]
    sublayer: dict[tuple[str, str], dict[str, Any]]
    domain: dict[str, dict[str, Any]]
    kind: dict[str, dict[str, Any]]
    rtype: dict[str, dict[str, Any]]
    bloc: dict[str, dict[str, Any]]
    place: dict[str, dict[str, Any]]
    actor: ActorNames
    source: dict[str, dict[str, Any]]
    synergy: dict[str, dict[str, Any]]
    members: dict[str, set[str]]  # place -> municipalities it contains
    helix: dict[str, dict[str, Any]] = field(default_factory=dict)  # quadruple-helix groups

    @property
    def compare(self) -> tuple[str, str]:
        return self.meta.get("compare_a") or "", self.meta.get("compare_b") or ""

    @property
    def baseline(self) -> str:
        return self.meta.get("baseline") or ""


def lookups(gen: Generation) -> Lookups:
    """The small tables (taxonomy, places, sources, synergies) as dicts; actors only by name, on demand."""
    def build(atlas: Atlas) -> Lookups:
        def q(sql: str) -> list[dict[str, Any]]:
            return records(atlas.sql(sql))

        layers = records(atlas.layers())
        members: dict[str, set[str]] = defaultdict(set)
        for r in q("SELECT place, municipality FROM place_municipalities"):
            members[r["place"]].add(r["municipality"])
        return Lookups(
            meta=atlas.meta(),
            layers=layers,
            layer={x["id"]: x for x in layers},
            sublayer={(x["layer"], x["id"]): x for x in q("SELECT * FROM sublayers")},
            domain={x["id"]: x for x in q("SELECT * FROM domains ORDER BY id")},
            kind={x["id"]: x for x in q("SELECT * FROM actor_kinds")},
            rtype={x["id"]: x for x in q("SELECT * FROM relation_types")},
            bloc={x["id"]: x for x in q("SELECT * FROM blocs")},
            place={x["id"]: x for x in q("SELECT id, type, name_nl, name_en, code, kind, parent, country, lat, "
                                          "lon, description_nl, description_en FROM places")},
            actor=ActorNames(gen, int(atlas.first("SELECT count(*) FROM actors")[0])),
            source={x["id"]: x for x in q("SELECT id, title, author, publisher, date, url, type FROM sources")},
            synergy={x["id"]: x for x in q("SELECT * FROM synergies ORDER BY id")},
            members=dict(members),
            helix={x["id"]: x for x in q("SELECT * FROM helix")},
        )

    return gen.cached("lookups", lambda: _run(gen, build))


def check(lk: Lookups, kind: str, ident: str | None) -> None:
    """Raise NotFound for an unknown id of ``kind`` (layer, place, actor, domain, kind, synergy, source)."""
    if ident is None:
        return
    table: Any = {"layer": lk.layer, "place": lk.place, "actor": lk.actor, "domain": lk.domain,
                  "actor kind": lk.kind, "synergy": lk.synergy, "source": lk.source, "relation type": lk.rtype}[kind]
    if ident not in table:
        raise NotFound(kind, ident)


def clean(v: Any) -> Any:
    """NaN and infinities to None (JSON has neither)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def stats(gen: Generation) -> dict[str, int]:
    """:meth:`Atlas.stats` (counts, facts without a source), once per generation."""
    return gen.cached("stats", lambda: _run(gen, lambda at: at.stats()))


def sides(gen: Generation, ids: Iterable[str], a: str, b: str) -> dict[str, str]:
    """For each actor of ``ids``: ``both``, ``a``, ``b`` or ``other`` (whether it is in place ``a``/``b``, by
    head office or active site, as ``Atlas.actors(place=...)``)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    params: dict[str, Any] = {"a": a, "b": b}
    found = rows(gen, f"""
        SELECT w.id, bool_or(i.place = $a) AS in_a, bool_or(i.place = $b) AS in_b
        FROM web.actors w JOIN web.inplace i ON i.rid = w.rid AND i.place IN ($a, $b)
        WHERE w.id IN {in_list("i", ids, params)} GROUP BY w.id""", params)
    where = {r["id"]: ("both" if r["in_a"] and r["in_b"] else "a" if r["in_a"] else "b" if r["in_b"] else "other")
             for r in found}
    return {i: where.get(i, "other") for i in ids}


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


# -- sorting ----------------------------------------------------------------------------------------------
def _order(sort: str, allowed: tuple[str, ...], keys: dict[str, str], tiebreak: str) -> str:
    """An ORDER BY clause for ``sort`` (``-`` in front for descending; missing values last either way, ties
    in ``tiebreak`` order); an unknown key is a 422 AnalysisError."""
    desc = sort.startswith("-")
    k = sort.lstrip("-")
    if k not in allowed:
        raise AnalysisError(f"sort must be one of {', '.join(allowed)} (with - for descending), not {sort!r}")
    return f"{keys[k]} {'DESC' if desc else 'ASC'} NULLS LAST, {tiebreak}"


def _labels(name: str, labels: dict[str, str] | None, params: dict[str, Any]) -> str:
    """A small table (k, v) of display names (e.g. translated kinds or place names) to join for sorting."""
    items = list((labels or {}).items()) or [("", "")]
    params[f"{name}_k"] = [k for k, _ in items]
    params[f"{name}_v"] = [v for _, v in items]
    return f"(SELECT unnest(${name}_k) AS k, unnest(${name}_v) AS v)"


def page_of(total: int, items: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    return {"total": total, "limit": limit, "offset": offset, "items": items}


# -- actors ---------------------------------------------------------------------------------------------
ACTOR_FILTERS = ("layer", "place", "kind", "domain", "control_country", "q")
ACTOR_SORTS = ("name", "kind", "hq", "control_country", "layers", "ties")

# DuckDB answers ``col IN (...)`` or ``col = x`` from an index only when it is the whole filter: the rest
# of a filter is applied to a MATERIALIZED look-up (else the filter runs as a scan of the whole table)
_CITES = """WITH c AS MATERIALIZED (SELECT * FROM citations WHERE subject IN {ids})
            SELECT subject, list(struct_pack(source := source, locator := locator, confidence := confidence)
                                 ORDER BY position) AS sources
            FROM c WHERE subject_type = $kind GROUP BY subject"""


def _sources_of(gen: Generation, kind: str, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The sources of the records ``ids`` of one kind (relation, indicator, …), by id."""
    params: dict[str, Any] = {"kind": kind}
    return {r["subject"]: r["sources"] for r in rows(gen, _CITES.format(ids=in_list("i", ids, params)), params)}


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
    "q": "(w.name ILIKE $q OR w.id ILIKE $q OR w.id IN (SELECT actor FROM actor_aliases WHERE alias ILIKE $q))",
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
            params[key] = (value.upper() if key == "control_country" else f"%{value}%" if key == "q" else value)
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
    for r in rows(gen, _CITES.format(ids=idl), {**p, "kind": "actor"}):
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
            joins = (f" LEFT JOIN {_labels('lk', labels.get('kind'), params)} lk ON lk.k = w.kind"
                     f" LEFT JOIN {_labels('lh', labels.get('hq'), params)} lh ON lh.k = w.hq")
            kind_key, hq_key = "lower(coalesce(lk.v, w.kind, ''))", "lower(coalesce(lh.v, w.hq, ''))"
        else:
            kind_key, hq_key = "lower(w.kind)", "lower(w.hq)"
        keys = {"name": "w.lname", "kind": kind_key, "hq": hq_key, "control_country": "lower(w.control_country)",
                "layers": "w.nlayers", "ties": "w.ties"}
        order = _order(sort, ACTOR_SORTS, keys, "w.name, w.id")
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


def actor_detail(gen: Generation, ident: str) -> dict[str, Any]:
    """One actor as :meth:`Atlas.actors` gives it, with its other columns, sites, children, tags and ties (its
    first :data:`ACTOR_RELATIONS` relations in date order; ``ties`` counts them all)."""
    lk = lookups(gen)
    check(lk, "actor", ident)

    def compute() -> dict[str, Any]:
        rec = actor_records(gen, [ident])[0]
        del rec["ties"]
        row_id = scalar(gen, "SELECT row_id FROM web.actors WHERE id = $id", {"id": ident})
        extra = rows(gen, """SELECT a.id, a.helix, a.hq_municipality, a.hq_country, a.control_bloc, a.founded,
                                    a.website, a.wikidata, a.description_nl, a.description_en, a.defined_at
                             FROM actors a WHERE a.rowid = $r""", {"r": row_id})[0]
        rec.update(extra)
        rec["site_details"] = rows(gen, "SELECT place, municipality, function, status FROM actor_sites "
                                        "WHERE actor = $id ORDER BY position", {"id": ident})
        rec["children"] = [r["id"] for r in rows(gen, f"SELECT id FROM web.actors WHERE parent = $id ORDER BY name "
                                                      f"LIMIT {MAX_CHILDREN}", {"id": ident})]
        rec["tags"] = [r["tag"] for r in rows(gen, "SELECT tag FROM actor_tags WHERE actor = $id ORDER BY position",
                                              {"id": ident})]
        rec["relations"] = relation_page(gen, actor=ident, limit=ACTOR_RELATIONS)["items"]
        rec["ties"] = relation_count(gen, actor=ident)
        return rec

    return gen.cached(("actor", ident), compute)


_ACTOR_RELS = """(WITH f AS MATERIALIZED (SELECT * FROM relations WHERE from_actor = $actor),
                       t AS MATERIALIZED (SELECT * FROM relations WHERE to_actor = $actor)
                  SELECT * FROM f UNION ALL SELECT * FROM t WHERE from_actor <> $actor)"""


def ego_network(gen: Generation, ident: str, limit: int = EGO_LIMIT) -> dict[str, Any]:
    """Nodes (the actor and its direct partners with most ties, at most ``limit``) and the ties among them."""
    lk = lookups(gen)
    check(lk, "actor", ident)

    def compute() -> dict[str, Any]:
        partners = [r["other"] for r in rows(gen, f"""
            WITH r AS (SELECT CASE WHEN from_actor = $actor THEN to_actor ELSE from_actor END AS other,
                              row_number() OVER (ORDER BY date_start NULLS LAST, id) AS rn
                       FROM {_ACTOR_RELS}),
            p AS (SELECT other, min(rn) AS first FROM r WHERE other <> $actor GROUP BY other)
            SELECT p.other FROM p LEFT JOIN web.actors w ON w.id = p.other
            ORDER BY coalesce(w.ties, 0) DESC, p.first LIMIT {int(limit)}""", {"actor": ident})]
        nodes = [ident, *partners]
        ties = ties_of(gen, nodes)
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
        return {"nodes": nodes, "edges": among}

    return gen.cached(("ego", ident), compute)


def main_layers(gen: Generation, ids: list[str]) -> dict[str, str]:
    """The first layer (in the actor's own order) of each actor of ``ids`` that has one."""
    if not ids:
        return {}
    params: dict[str, Any] = {}
    return {r["actor"]: r["layer"] for r in rows(gen, f"""
        SELECT actor, arg_min(layer, position) AS layer FROM actor_layers WHERE actor IN {in_list("i", ids, params)}
        GROUP BY actor""", params)}


# -- relations ------------------------------------------------------------------------------------------
RELATION_SORTS = ("date", "type", "amount", "from", "to")
RELATION_STATUSES = ("announced", "planned", "completed", "ended")
_REL_COLUMNS = """r.id, r.type, r.from_actor AS "from", r.to_actor AS "to", r.date, r.status,
  CASE WHEN r.amount_value IS NULL THEN NULL
       ELSE struct_pack(value := r.amount_value, currency := r.amount_currency) END AS amount,
  r.stake_pct, r.stake_min, r.stake_max, r.role"""


def _with_sources(gen: Generation, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Relations (:data:`_REL_COLUMNS` plus family and descriptions) with their sources, in the key order of
    :meth:`Atlas.relations` (then family, description_nl, description_en)."""
    if not items:
        return []
    cites = _sources_of(gen, "relation", [r["id"] for r in items])
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
        source = _ACTOR_RELS  # two index look-ups
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


REL_FILTERS = ("type", "actor", "family", "status", "layer", "place")


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
                joins += f" LEFT JOIN {_labels('lt', labels.get('type'), params)} lt ON lt.k = r.type"
            if k == "from":
                joins += " LEFT JOIN web.actors wf ON wf.id = r.from_actor"
            if k == "to":
                joins += " LEFT JOIN web.actors wt ON wt.id = r.to_actor"
            from_key, to_key = "lower(coalesce(wf.name, r.from_actor, ''))", "lower(coalesce(wt.name, r.to_actor, ''))"
        else:
            type_key, from_key, to_key = "lower(r.type)", "lower(r.from_actor)", "lower(r.to_actor)"
        keys = {"date": "lower(r.date)", "type": type_key, "amount": "r.amount_value", "from": from_key,
                "to": to_key}
        order = _order(sort, RELATION_SORTS, keys, "r.date_start NULLS LAST, r.id")
        sql = (f"SELECT {_REL_COLUMNS}, r.family, r.description_nl, r.description_en FROM {source} r{joins} "
               f"WHERE {where} ORDER BY {order} LIMIT {limit} OFFSET {offset}")
        return _with_sources(gen, rows(gen, sql, params))

    items = gen.cached(("relation_page", tuple(sorted(f.items())), sort, limit, offset, lkey), compute)
    return page_of(relation_count(gen, **f), items, limit, offset)


def relation_detail(gen: Generation, ident: str) -> dict[str, Any]:
    def compute() -> dict[str, Any] | None:
        found = rows(gen, f"SELECT {_REL_COLUMNS}, r.family, r.description_nl, r.description_en "
                          "FROM relations r WHERE r.id = $id", {"id": ident})
        return _with_sources(gen, found)[0] if found else None

    rec = gen.cached(("relation", ident), compute)
    if rec is None:
        raise NotFound("relation", ident)
    return rec


def relations_by_ids(gen: Generation, ids: list[str]) -> list[dict[str, Any]]:
    """The relations of ``ids`` (in that order; unknown ids left out)."""
    if not ids:
        return []
    params: dict[str, Any] = {}
    found = {r["id"]: r for r in _with_sources(gen, rows(
        gen, f"SELECT {_REL_COLUMNS}, r.family, r.description_nl, r.description_en FROM relations r "
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


# -- sources --------------------------------------------------------------------------------------------
SOURCE_SORTS = ("id", "title", "date", "publisher", "type", "citations")


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


def sources(gen: Generation, *, type: str | None = None, q: str | None = None) -> list[dict[str, Any]]:  # noqa: A002
    """Sources (a short table) with the number of facts citing each (counted in SQL once per generation)."""
    def compute() -> list[dict[str, Any]]:
        out = gen.cached("sources:all", lambda: _run(gen, lambda a: records(a.sources())))
        if type:
            out = [r for r in out if r["type"] == type]
        if q:
            ql = q.casefold()
            out = [r for r in out if ql in " ".join(str(r.get(k) or "") for k in ("id", "title", "author",
                                                                                  "publisher")).casefold()]
        return out

    return gen.cached(("sources", type, q), compute)


def source_detail(gen: Generation, ident: str, limit: int = MAX_CITED, offset: int = 0) -> dict[str, Any]:
    """A source and the facts that cite it (``cited_total`` of them; ``cited_by`` a page of at most ``limit``
    in order of subject type, subject and position)."""
    lk = lookups(gen)
    check(lk, "source", ident)
    limit = max(1, min(int(limit), MAX_CITED))
    offset = max(0, int(offset))

    def compute() -> dict[str, Any]:
        rec = dict(next(r for r in sources(gen) if r["id"] == ident))
        rec["cited_by"] = rows(gen, f"""SELECT subject_type, subject, locator, confidence FROM citations
            WHERE source = $s ORDER BY subject_type, subject, position LIMIT {limit} OFFSET {offset}""", {"s": ident})
        rec["cited_total"] = int(rec.get("citations") or 0)
        return rec

    return gen.cached(("source", ident, limit, offset), compute)


# -- places and profiles --------------------------------------------------------------------------------
PROFILE_LEVELS = ("municipality", "region", "province", "country", "site")


def profile_table(gen: Generation, level: str) -> list[dict[str, Any]]:
    """The stack profile (counts, shares, LQ with 95% intervals) of every place of a level."""
    if level not in PROFILE_LEVELS:
        raise AnalysisError(f"level must be one of {', '.join(PROFILE_LEVELS)}, not {level!r}")

    def compute(engine: Any) -> list[dict[str, Any]]:
        from ..analysis import profile

        return [{k: clean(v) for k, v in r.items()} for r in records(profile(engine, level=level))]

    return gen.analysis(("profile", level), compute)


def place_profile(gen: Generation, place: str) -> list[dict[str, Any]]:
    lk = lookups(gen)
    check(lk, "place", place)
    level = lk.place[place]["type"]

    def compute() -> list[dict[str, Any]]:
        return [r for r in profile_table(gen, level) if r["place"] == place]

    return gen.cached(("place_profile", place), compute)


def actors_per_place(gen: Generation, place_type: str, layer: str | None = None) -> list[tuple[str, int]]:
    """(place, number of actors) for every place of ``place_type`` with actors (in ``layer``)."""
    def compute() -> list[tuple[str, int]]:
        params: dict[str, Any] = {"type": place_type}
        extra = ""
        if layer:
            extra = "AND i.rid IN (SELECT rid FROM web.actors WHERE list_contains(layer_ids, $layer))"
            params["layer"] = layer
        return [(r["place"], int(r["n"])) for r in rows(gen, f"""
            SELECT i.place, count(*) AS n FROM web.inplace i JOIN places p ON p.id = i.place
            WHERE p.type = $type {extra} GROUP BY i.place ORDER BY n DESC, i.place""", params)]

    return gen.cached(("per_place", place_type, layer), compute)


def place_actor_count(gen: Generation, place: str) -> int:
    return gen.cached(("place_actors", place), lambda: int(scalar(
        gen, "SELECT count(*) FROM web.inplace WHERE place = $p", {"p": place}) or 0))


def layer_counts(gen: Generation, place: str) -> dict[str, int]:
    """Number of actors of ``place`` per layer (layers in stack order)."""
    def compute() -> dict[str, int]:
        c = {r["layer"]: int(r["n"]) for r in rows(gen, """
            SELECT layer, count(*) AS n FROM (
              SELECT unnest(w.layer_ids) AS layer FROM web.inplace i JOIN web.actors w ON w.rid = i.rid
              WHERE i.place = $p) GROUP BY layer""", {"p": place})}
        order = [x["id"] for x in lookups(gen).layers]
        return {k: c[k] for k in sorted(c, key=lambda k: (order.index(k) if k in order else len(order), k))}

    return gen.cached(("layer_counts", place), compute)


def top_actors(gen: Generation, place: str, per_layer: int = 5) -> dict[str, list[dict[str, Any]]]:
    """Per layer, the actors of ``place`` with the layer as core activity first, then by number of ties."""
    def compute() -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {x["id"]: [] for x in lookups(gen).layers}
        for r in rows(gen, f"""
            WITH pa AS (SELECT w.id, w.name, w.lname, w.ties FROM web.inplace i JOIN web.actors w ON w.rid = i.rid
                        WHERE i.place = $p),
            e AS (SELECT pa.id, pa.name, pa.lname, pa.ties, l.layer,
                         coalesce(bool_or(l.role = 'core'), false) AS core,
                         string_agg(l.offering, '; ' ORDER BY l.position)
                           FILTER (WHERE l.offering IS NOT NULL AND l.offering <> '') AS offering
                  FROM pa JOIN actor_layers l ON l.actor = pa.id GROUP BY ALL),
            k AS (SELECT *, row_number() OVER (PARTITION BY layer ORDER BY NOT core, ties DESC, lname, name, id) AS k
                  FROM e)
            SELECT layer, id, name, ties, coalesce(offering, '') AS offering, core FROM k WHERE k <= {int(per_layer)}
            ORDER BY layer, k""", {"p": place}):
            out.setdefault(r["layer"], []).append({"id": r["id"], "name": r["name"], "ties": int(r["ties"]),
                                                   "offering": r["offering"], "core": bool(r["core"])})
        return out

    return gen.cached(("top_actors", place, per_layer), compute)


_INDICATORS = """
SELECT i.id, i.subject, i.subject_type, i.metric, coalesce(i.label_en, i.label_nl) AS label,
  i.value, i.value_min, i.value_max, i.unit, i.date, i.period_start, i.period_end,
  i.baseline_subject, i.baseline_value, i.layer,
  i.label_nl, i.label_en, i.baseline_label_nl, i.baseline_label_en, i.note_nl, i.note_en
FROM indicators i WHERE i.{col} = $v ORDER BY i.subject, i.metric, i.id"""
_INDICATOR_LABELS = ("label_nl", "label_en", "baseline_label_nl", "baseline_label_en", "note_nl", "note_en")


def _indicator_rows(gen: Generation, col: str, value: str) -> list[dict[str, Any]]:
    """The figures with ``col`` (subject or layer) = ``value``, as :meth:`Atlas.indicators` gives them plus
    labels, baselines and notes in both languages (sources through the citation index)."""
    found = rows(gen, _INDICATORS.format(col=col), {"v": value})
    if not found:
        return []
    cites = _sources_of(gen, "indicator", [r["id"] for r in found])
    out = []
    for r in found:
        labels = {k: r.pop(k) for k in _INDICATOR_LABELS}
        out.append({**r, "sources": cites.get(r["id"]) or [], "id": r["id"], **labels})
    return out


def indicators(gen: Generation, subject: str) -> list[dict[str, Any]]:
    """The figures about ``subject`` (with labels, baselines and notes in both languages)."""
    return gen.cached(("indicators", subject), lambda: _indicator_rows(gen, "subject", subject))


def place_detail(gen: Generation, ident: str) -> dict[str, Any]:
    lk = lookups(gen)
    check(lk, "place", ident)

    def compute(atlas: Atlas) -> dict[str, Any]:
        rec = next(r for r in records(atlas.places()) if r["id"] == ident)
        rec.update({k: lk.place[ident].get(k) for k in ("name_en", "description_nl", "description_en")})
        rec["actors"] = place_actor_count(gen, ident)
        rec["municipalities"] = sorted(lk.members.get(ident, set()) - {ident},
                                       key=lambda m: (lk.place.get(m, {}).get("name_nl") or m))
        rec["sites"] = sorted(p["id"] for p in lk.place.values() if p["type"] == "site" and p["parent"] == ident)
        rec["regions"] = sorted(pid for pid, p in lk.place.items() if p["type"] == "region"
                                and pid != ident and ident in lk.members.get(pid, set()))
        return rec

    return gen.cached(("place", ident), lambda: _run(gen, compute))


# -- layers ---------------------------------------------------------------------------------------------
def positions(gen: Generation, layer: str | None = None) -> list[dict[str, Any]]:
    def compute(atlas: Atlas) -> list[dict[str, Any]]:
        rows = records(atlas.sql("""
            SELECT p.id, p.layer, p.bloc, p.standing, p.note_nl, p.note_en,
              coalesce((SELECT list(actor ORDER BY position) FROM position_actors pa WHERE pa.position_id = p.id),
                       []) AS actors,
              coalesce((SELECT list(struct_pack(source := c.source, locator := c.locator,
                                                confidence := c.confidence) ORDER BY c.position)
                        FROM citations c WHERE c.subject_type = 'position' AND c.subject = p.id), []) AS sources
            FROM positions p LEFT JOIN blocs b ON b.id = p.bloc
            WHERE $layer IS NULL OR p.layer = $layer ORDER BY p.layer, p.bloc""", {"layer": layer}))
        order = {b: i for i, b in enumerate(("nl", "eu", "us", "cn", "other"))}
        return sorted(rows, key=lambda r: (r["layer"], order.get(r["bloc"], 9), r["bloc"]))

    return gen.cached(("positions", layer), lambda: _run(gen, compute))


def layer_indicators(gen: Generation, layer: str) -> list[dict[str, Any]]:
    return gen.cached(("layer_indicators", layer), lambda: _indicator_rows(gen, "layer", layer))


# -- synergies ------------------------------------------------------------------------------------------
def curated_list(gen: Generation) -> list[dict[str, Any]]:
    """The curated synergies as :meth:`Atlas.synergies` gives them (layers, domains, actors, sources)."""
    return gen.cached("synergies:curated", lambda: _run(gen, lambda at: records(at.synergies())))


def synergies(gen: Generation, a: str, b: str) -> list[dict[str, Any]]:
    """Curated synergies with their named actors split by side (``a``, ``b``, ``both``, ``other``)."""
    lk = lookups(gen)
    check(lk, "place", a)
    check(lk, "place", b)
    if a == b:
        raise AnalysisError("the two places must differ")

    def compute() -> list[dict[str, Any]]:
        out = [dict(r) for r in curated_list(gen)]
        where = sides(gen, [x for r in out for x in r["actors"]], a, b)
        for r in out:
            r.update({k: lk.synergy[r["id"]].get(k) for k in ("name_en", "description_nl", "description_en")})
            split: dict[str, list[str]] = {"a": [], "b": [], "both": [], "other": []}
            for act in r["actors"]:
                split[where.get(act, "other")].append(act)
            r["sides"] = split
        return out

    return gen.cached(("synergies", a, b), compute)


def synergy_detail(gen: Generation, ident: str, a: str | None = None, b: str | None = None) -> dict[str, Any]:
    lk = lookups(gen)
    check(lk, "synergy", ident)
    a = a or lk.compare[0]
    b = b or lk.compare[1]
    rec = next(r for r in synergies(gen, a, b) if r["id"] == ident)

    def compute(atlas: Atlas) -> dict[str, Any]:
        out = dict(rec)
        out["examples"] = records(atlas.sql(
            "SELECT text_nl, text_en FROM synergy_examples WHERE synergy = $s ORDER BY position", {"s": ident}))
        named = list(dict.fromkeys(rec["actors"]))
        params: dict[str, Any] = {}
        listed = in_list("l", rec["relations"], params)
        nl = in_list("n", named, params)
        ids = [r["id"] for r in rows(gen, f"""SELECT id FROM relations WHERE id IN {listed}
                                            OR (from_actor IN {nl} AND to_actor IN {nl})
                                            ORDER BY date_start NULLS LAST, id""", params)]
        out["ties"] = relations_by_ids(gen, ids)
        # further actors per side active in the synergy's layers and domains (not named by the source)
        more: dict[str, list[str]] = {"a": [], "b": []}
        for side, place in (("a", a), ("b", b)):
            more[side] = [r["id"] for r in rows(gen, """
                SELECT w.id FROM web.inplace i JOIN web.actors w ON w.rid = i.rid
                WHERE i.place = $place AND NOT list_contains($named, w.id)
                  AND len(list_intersect(w.layer_ids, $layers)) > 0
                  AND (NOT $any_domain OR len(list_intersect(w.domains, $domains)) > 0)
                ORDER BY len(list_intersect(w.layer_ids, $layers)) DESC, w.ties DESC, w.lname, w.id LIMIT 12""",
                {"place": place, "named": named or [""], "layers": list(rec["layers"]) or [""],
                 "domains": list(rec["domains"]) or [""], "any_domain": bool(rec["domains"])})]
        out["more"] = more
        out["a"], out["b"] = a, b
        return out

    return gen.cached(("synergy", ident, a, b), lambda: _run(gen, compute))


# -- discovered synergies, introductions, guest lists ----------------------------------------------------
DISCOVER_TOP = 15            # candidates shown on /compare (and by default in the API)
DISCOVER_POOL = 60           # candidates kept per pair: those that get a bootstrap interval
BOOTSTRAP_PRECOMPUTED = 200  # the dataset's compare pair, computed in the background when a generation opens
BOOTSTRAP_ON_DEMAND = 50     # any other pair, computed on its first request (bounded cost), then cached
INTRO_TOP, MAX_INTRO_TOP = 10, 50
GUESTS_SIZE, MAX_GUESTS = 12, 40
SYNERGY_LAYERS = (2, 4)      # a discovered id names 2 to 4 layers (SynergyConfig's min_layers..max_layers)


def pair(lk: Lookups, a: str | None, b: str | None) -> tuple[str, str]:
    """Two known, different places (default: the dataset's compare pair)."""
    pa, pb = a or lk.compare[0], b or lk.compare[1]
    check(lk, "place", pa)
    check(lk, "place", pb)
    if pa == pb:
        raise AnalysisError("the two places must differ")
    return pa, pb


def bootstrap_for(lk: Lookups, a: str, b: str) -> int:
    """Bootstrap replicates of a pair: many for the precomputed default pair, fewer for the others."""
    return BOOTSTRAP_PRECOMPUTED if (a, b) == lk.compare else BOOTSTRAP_ON_DEMAND


def _corridor(gen: Generation, a: str, b: str) -> Any:
    """The corridor inputs of discovery for ``a`` and ``b`` (cached; analysis lock first, then the memo key)."""
    from ..analysis.synergy import corridor_inputs

    with gen.analysis_lock:
        return gen.inputs.get(("corridor", a, b), lambda: corridor_inputs(gen.engine(), a=a, b=b))


def _or_error(fn: Callable[[], T]) -> T | dict[str, str]:
    """``fn()``, or ``{"error": message}`` for an analysis that cannot be done (cached like a result, so a
    hopeless request is not recomputed)."""
    try:
        return fn()
    except AnalysisError as exc:
        return {"error": str(exc)}


def discovered(gen: Generation, a: str, b: str) -> dict[str, Any]:
    """Candidate synergies discovered from the data between ``a`` and ``b``, best first.

    ``{"items": [...], "bootstrap": n, "error": None}``: the best :data:`DISCOVER_POOL` candidates of
    :func:`stackatlas.analysis.synergy.discover` (columns and evidence as it gives them, NaN as None), or no
    items and ``error`` when the pair cannot be analysed (e.g. a place without organisations).
    """
    lk = lookups(gen)
    a, b = pair(lk, a, b)
    n_boot = bootstrap_for(lk, a, b)
    import pandas as pd

    curated = pd.DataFrame([{"id": s["id"], "layers": s["layers"], "domains": s["domains"]}
                            for s in curated_list(gen)], columns=["id", "layers", "domains"])

    def compute(engine: Any) -> dict[str, Any]:
        from ..analysis.synergy import SynergyConfig, discover

        def run() -> dict[str, Any]:
            cfg = SynergyConfig(bootstrap=n_boot, bootstrap_top=DISCOVER_POOL)
            df = discover(engine, a=a, b=b, top=DISCOVER_POOL, curated=curated, config=cfg,
                          inputs=_corridor(gen, a, b))
            return {"items": records(df), "bootstrap": n_boot, "error": None}

        out = _or_error(run)
        return out if "items" in out else {"items": [], "bootstrap": n_boot, "error": out["error"]}

    return gen.analysis(("discovered", a, b, n_boot), compute)


def synergy_ref(gen: Generation, ident: str) -> dict[str, Any]:
    """What a synergy id names: a curated synergy (``C``) or a discovered candidate (``chips.ai--manufacturing``:
    2–4 known layers joined by dots, optionally ``--`` and a known domain). ``id`` is the canonical form
    (layers in stack order); anything else is NotFound."""
    lk = lookups(gen)
    if ident in lk.synergy:
        rec = next(s for s in curated_list(gen) if s["id"] == ident)
        return {"id": ident, "kind": "curated", "layers": list(rec["layers"]), "domains": list(rec["domains"]),
                "actors": list(rec["actors"])}
    layer_part, sep, domain = ident.partition("--")
    parts = layer_part.split(".")
    order = {x["id"]: i for i, x in enumerate(lk.layers)}
    lo, hi = SYNERGY_LAYERS
    if (not all(x in order for x in parts) or len(set(parts)) != len(parts) or not lo <= len(parts) <= hi
            or (sep and domain not in lk.domain)):
        raise NotFound("synergy", ident)
    layers = sorted(parts, key=order.__getitem__)
    return {"id": ".".join(layers) + (f"--{domain}" if sep else ""), "kind": "discovered", "layers": layers,
            "domains": [domain] if sep else [], "actors": []}


def _spec(ref: dict[str, Any]) -> Any:
    from ..analysis.synergy import SynergySpec

    return SynergySpec(ref["id"], tuple(ref["layers"]), tuple(ref["domains"]), tuple(ref["actors"]),
                       curated=ref["kind"] == "curated")


EVIDENCE_LIMIT = 1000  # supporting actors per side and ties listed for a discovered synergy (best connected)
TIES_SHOWN = 200       # existing ties listed on a synergy page (the API lists the evidence)


def _evidence(inp: Any, layers: list[str], domains: list[str]) -> dict[str, Any]:
    """The supporting actors per region (with a municipality there and their layers of the set) and the ties
    that already cross between them, as :func:`~stackatlas.analysis.synergy.discover` reports its evidence
    (for any layer set and domain, also one that is not among the best candidates)."""
    import inspect

    from ..analysis.synergy import candidate_evidence

    kw = {"limit": EVIDENCE_LIMIT} if "limit" in inspect.signature(candidate_evidence).parameters else {}
    out, places = candidate_evidence(inp, layers, domains[0] if domains else "", **kw)
    return {"evidence": {k: [{kk: clean(vv) for kk, vv in x.items()} for x in v] for k, v in out.items()},
            "places": list(dict.fromkeys(places))}


def discovered_detail(gen: Generation, ident: str, a: str | None = None, b: str | None = None) -> dict[str, Any]:
    """A discovered candidate between ``a`` and ``b``: its layers, domains, evidence (supporting actors per
    side, ties that already cross) and, when it is among the best candidates, its rank, label and score."""
    from ..analysis.synergy import best_curated

    lk = lookups(gen)
    ref = synergy_ref(gen, ident)
    if ref["kind"] != "discovered":
        raise NotFound("discovered synergy", ident)
    a, b = pair(lk, a, b)
    found = discovered(gen, a, b)
    cand = next((c for c in found["items"] if c["id"] == ref["id"]), None)

    def compute(engine: Any) -> dict[str, Any]:
        return _or_error(lambda: _evidence(_corridor(gen, a, b), ref["layers"], ref["domains"]))

    ev = gen.analysis(("synergy_evidence", ref["id"], a, b), compute)
    if "error" in ev:
        raise AnalysisError(ev["error"])
    keep = ("rank", "label", "label_nl", "score", "score_low", "score_high", "n_a", "n_b", "ties", "munis")
    return {"id": ref["id"], "kind": "discovered", "layers": ref["layers"], "domains": ref["domains"],
            "a": a, "b": b, "bootstrap": found["bootstrap"], "candidates": len(found["items"]),
            "candidate": {k: cand.get(k) for k in keep} if cand else None,
            "curated_match": cand.get("curated_match") if cand else best_curated(curated_list(gen), ref["layers"],
                                                                                    ref["domains"]),
            "places": ev["places"], "evidence": ev["evidence"]}


def introductions_for(gen: Generation, ident: str, a: str | None = None, b: str | None = None,
                      top: int = INTRO_TOP) -> list[dict[str, Any]]:
    """Who in ``a`` should meet whom in ``b`` for a synergy (curated or discovered), best first.

    The best :data:`MAX_INTRO_TOP` are computed once per synergy and pair (the ranking is a prefix of it)."""
    lk = lookups(gen)
    ref = synergy_ref(gen, ident)
    a, b = pair(lk, a, b)
    top = max(1, min(int(top), MAX_INTRO_TOP))
    spec = _spec(ref)

    def compute(engine: Any) -> Any:
        from ..analysis.introductions import introductions

        return _or_error(lambda: records(introductions(engine, synergy=spec, a=a, b=b, top=MAX_INTRO_TOP)))

    rows = gen.analysis(("introductions", ref["id"], a, b), compute)
    if isinstance(rows, dict):
        raise AnalysisError(rows["error"])
    named = set(ref["actors"])
    return [{**r, "named": [x for x in (r["a"], r["b"]) if x in named]} for r in rows[:top]]


def _cell(label: str) -> dict[str, str]:
    """``"chips × mra × knowledge"`` (a cell of the guest-list universe) as its parts."""
    parts = label.split(" × ")
    return dict(zip(("layer", "place", "helix"), parts, strict=True)) if len(parts) == 3 else {"label": label}


def guests_for(gen: Generation, ident: str, a: str | None = None, b: str | None = None,
               size: int = GUESTS_SIZE) -> dict[str, Any]:
    """A guest list of ``size`` for a synergy between ``a`` and ``b``: the picks (each with the cells it adds)
    and the coverage (``value``, ``cells_covered`` of ``cells_possible`` and ``cells_total``, ``guarantee``)."""
    lk = lookups(gen)
    ref = synergy_ref(gen, ident)
    a, b = pair(lk, a, b)
    if not 1 <= int(size) <= MAX_GUESTS:
        raise AnalysisError(f"size must be 1 to {MAX_GUESTS}, not {size}")
    spec = _spec(ref)

    def compute(engine: Any) -> dict[str, Any]:
        from ..analysis.guests import guest_list

        def run() -> dict[str, Any]:
            df = guest_list(engine, synergy=spec, a=a, b=b, size=int(size))
            items = records(df)
            for r in items:
                r["cells"] = [_cell(c) for c in r.get("covers") or []]
            return {"items": items, "coverage": records_plain(df.attrs.get("coverage") or {})}

        return _or_error(run)

    out = gen.analysis(("guests", ref["id"], a, b, int(size)), compute)
    if "error" in out:
        raise AnalysisError(out["error"])
    return {"synergy": ref["id"], "between": a, "and": b, "size": int(size), **out}


def records_plain(d: dict[str, Any]) -> dict[str, Any]:
    """A flat mapping with numpy scalars as Python numbers and NaN as None."""
    return {k: clean(v.item() if hasattr(v, "item") else v) for k, v in d.items()}


# -- compare, bridges, map ------------------------------------------------------------------------------
GRAPH_MAX_ACTORS = 100_000  # above this, analyses of the whole tie graph (bridges) are not run by the server


def graph_too_large(gen: Generation) -> dict[str, int] | None:
    """``{"actors", "max"}`` when the dataset is too large for whole-graph analyses in the web server
    (betweenness over the whole tie graph: hours at a million actors, holding the interpreter meanwhile)."""
    n = len(lookups(gen).actor)
    return {"actors": n, "max": GRAPH_MAX_ACTORS} if n > GRAPH_MAX_ACTORS else None


def bridges(gen: Generation, a: str, b: str) -> dict[str, Any] | None:
    """The bridges between ``a`` and ``b`` (None when the analysis is missing).

    On a dataset above :data:`GRAPH_MAX_ACTORS` the whole-graph work (betweenness, Leiden: a minute or
    two at a million actors, inside igraph, which holds the interpreter) runs in a separate process for
    the dataset's own compare pair only (the server warms it up); other pairs return None and the page
    says the dataset is too large for them."""
    mod = optional("bridges")
    if mod is None or not hasattr(mod, "bridges"):
        return None
    lk = lookups(gen)
    check(lk, "place", a)
    check(lk, "place", b)
    if graph_too_large(gen):
        if (a, b) != lk.compare:
            return None
        return gen.cached(("bridges-process", a, b), lambda: _in_process(_bridges_job, str(gen.link), a, b))

    return gen.analysis(("bridges", a, b), lambda engine: _bridges_json(mod.bridges(engine, a=a, b=b)))


def _bridges_json(res: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in res.items():
        if hasattr(v, "to_dict") and hasattr(v, "columns"):
            out[k] = [{kk: clean(vv) for kk, vv in r.items()} for r in records(v)]
        else:
            out[k] = clean(v)
    return out


def _bridges_job(db: str, a: str, b: str) -> dict[str, Any]:
    """Bridges on the database file ``db`` (opened read-only), as JSON-ready data; run in a child process."""
    from ..analysis import bridges as run
    from ..analysis import duckdb_engine

    return _bridges_json(run(duckdb_engine(db), a=a, b=b))


def _in_process(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a fresh (spawned) Python process, so that work holding the interpreter lock does
    not stall the server's other requests."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


MAP_LINE_IDS = 50  # relation ids kept per line of the corridor map (``ties`` counts them all)


def map_data(gen: Generation, a: str, b: str) -> dict[str, Any]:
    """Municipalities (with coordinates) and their number of actors; ties between actors of ``a`` and ``b``
    drawn between their head-office municipalities (in SQL: actors of one side only, anchored at their head
    office when it lies in their side, else at the first municipality of theirs there)."""
    lk = lookups(gen)

    def compute() -> dict[str, Any]:
        count = {r["place"]: int(r["n"]) for r in rows(gen, """
            SELECT i.place, count(*) AS n FROM web.inplace i JOIN places p ON p.id = i.place
            WHERE p.type = 'municipality' GROUP BY i.place""")}
        points = []
        for pid, p in lk.place.items():
            if p["type"] == "municipality" and p["country"] == "nl" and p["lat"] is not None and count.get(pid):
                side = "a" if pid in lk.members.get(a, set()) else "b" if pid in lk.members.get(b, set()) else "other"
                points.append({"id": pid, "name": p["name_nl"], "lat": p["lat"], "lon": p["lon"],
                               "actors": count[pid], "side": side})
        found = rows(gen, f"""
            WITH s AS (SELECT rid, bool_or(place = $a) AS in_a, bool_or(place = $b) AS in_b FROM web.inplace
                       WHERE place IN ($a, $b) GROUP BY rid HAVING in_a <> in_b),
            sa AS (SELECT w.id, w.hq_municipality AS hqm, CASE WHEN s.in_a THEN $a ELSE $b END AS region,
                          CASE WHEN s.in_a THEN 'a' ELSE 'b' END AS side
                   FROM s JOIN web.actors w ON w.rid = s.rid),
            locs AS (SELECT sa.id, unnest([w.hq, w.hq_municipality, w.hq_country]) AS loc
                     FROM sa JOIN web.actors w ON w.id = sa.id
                     UNION ALL SELECT actor, place FROM actor_sites WHERE status <> 'closed'
                     UNION ALL SELECT actor, municipality FROM actor_sites WHERE status <> 'closed'),
            cand AS (SELECT sa.id, sa.side, l.loc, l.loc = sa.hqm AS is_hq
                     FROM sa JOIN locs l ON l.id = sa.id
                     JOIN place_municipalities m ON m.place = sa.region AND m.municipality = l.loc),
            anc AS (SELECT id, side, CASE WHEN bool_or(is_hq) THEN arg_max(loc, is_hq) ELSE min(loc) END AS m
                    FROM cand GROUP BY id, side),
            ties AS (SELECT r.id, least(fa.m, ta.m) AS m1, greatest(fa.m, ta.m) AS m2, r.date_start
                     FROM relations r JOIN anc fa ON fa.id = r.from_actor JOIN anc ta ON ta.id = r.to_actor
                     WHERE fa.side <> ta.side AND fa.m <> ta.m)
            SELECT m1, m2, count(*) AS n, list(id ORDER BY date_start NULLS LAST, id)[1:{MAP_LINE_IDS}] AS ids
            FROM ties GROUP BY m1, m2 ORDER BY m1, m2""", {"a": a, "b": b})
        lines = []
        for r in found:
            m1, m2 = r["m1"], r["m2"]
            p1, p2 = lk.place.get(m1), lk.place.get(m2)
            if p1 and p2 and p1["lat"] is not None and p2["lat"] is not None:
                lines.append({"from": m1, "to": m2, "from_name": p1["name_nl"], "to_name": p2["name_nl"],
                              "lat": p1["lat"], "lon": p1["lon"], "lat2": p2["lat"], "lon2": p2["lon"],
                              "ties": int(r["n"]), "relations": r["ids"]})
        return {"points": points, "lines": lines}

    return gen.cached(("map", a, b), compute)


# -- integration and sovereignty ------------------------------------------------------------------------
MAX_FOUNDRIES = 2000  # rows of the foundries table kept per generation (best first; the API pages them)
FOUNDRIES_SHOWN = 200  # rows on /integration


def integration(gen: Generation) -> dict[str, Any] | None:
    mod = optional("integration")
    if mod is None:
        return None

    def compute(engine: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"foundries": None, "flow": None, "foundry_layers": None, "foundries_total": None}
        if hasattr(mod, "foundries"):
            df = mod.foundries(engine)
            out["foundries"] = records(df.head(MAX_FOUNDRIES))  # best first; the rest is counted, not kept
            out["foundries_total"] = len(df)
            out["foundry_layers"] = list(getattr(mod, "FOUNDRY_LAYERS", ("chips", "cloud", "ai", "applications")))
        if hasattr(mod, "layer_flow"):
            out["flow"] = [{k: clean(v) for k, v in r.items()} for r in records(mod.layer_flow(engine))]
        return out

    return gen.analysis(("integration",), compute)


def sovereignty(gen: Generation, place: str | None = None) -> list[dict[str, Any]] | None:
    mod = optional("sovereignty")
    if mod is None or not hasattr(mod, "sovereignty"):
        return None
    lk = lookups(gen)
    check(lk, "place", place)

    def compute(engine: Any) -> list[dict[str, Any]]:
        return [{k: clean(v) for k, v in r.items()} for r in records(mod.sovereignty(engine, place=place))]

    return gen.analysis(("sovereignty", place), compute)


# -- search ---------------------------------------------------------------------------------------------
def _score(text: str, q: str = "lower($q)") -> str:
    """The similarity of ``text`` to the query ``q`` (lower case): 1 for the same text, 0.97 for a prefix,
    0.93 for a part, else the best of Jaro–Winkler of the whole text, of one of its words (minus 0.02) and
    the Levenshtein similarity."""
    lt = f"lower({text})"
    return f"""CASE WHEN {lt} = {q} THEN 1.0
         WHEN starts_with({lt}, {q}) THEN 0.97
         WHEN contains({lt}, {q}) THEN 0.93
         ELSE greatest(
           jaro_winkler_similarity({lt}, {q}),
           coalesce(list_max(list_transform(
             list_filter(string_split_regex({lt}, '{web_index.WORD_SPLIT}'), lambda w: length(w) > 1),
             lambda w: jaro_winkler_similarity(w, {q}))), 0.0) - 0.02,
           1.0 - levenshtein({lt}, {q}) / greatest(length({text}), length({q}))::DOUBLE)
    END"""


# Places, layers, synergies and sources: short tables, scored whole. Actors: only candidate names and aliases
# are scored, the same way: those with a word near the first word of the query, or near two of its words (a
# word is near a query word when it contains it, starts it or has a Jaro–Winkler similarity >= NEAR_WORD to
# it; the vocabulary is small: about 1,200 words at a million synthetic actors). A name that scores high has
# such words: a prefix or part of the name contains the query's words, and Jaro–Winkler and Levenshtein of
# the whole name need its beginning, or most of its words, to be alike. The candidates are materialised
# before scoring; the best names are then expanded to their actors through the index on name.
_SEARCH = f"""
WITH words AS (SELECT list_filter(string_split_regex(lower($q), '{web_index.WORD_SPLIT}'), lambda x: x <> '') AS ws),
toks AS (SELECT DISTINCT unnest(ws) AS tok FROM words),
near AS MATERIALIZED (
  SELECT v.word, t.tok FROM web.vocab v, toks t
  WHERE contains(v.word, t.tok) OR (length(v.word) > 1 AND starts_with(t.tok, v.word))
     OR jaro_winkler_similarity(v.word, t.tok) >= $near),
cand AS MATERIALIZED (
  SELECT w.text, w.alias FROM web.sword w JOIN near n ON n.word = w.word
  GROUP BY w.text, w.alias
  HAVING bool_or(n.tok = (SELECT ws[1] FROM words))
      OR count(DISTINCT n.tok) >= least(2, (SELECT count(*) FROM toks))),
hits AS MATERIALIZED (
  SELECT text, alias, score FROM (SELECT text, alias, {_score("text")} AS score FROM cand) WHERE score >= $threshold),
best_names AS (SELECT text, score FROM hits WHERE NOT alias ORDER BY score DESC, text LIMIT $limit),
others AS (
  SELECT 'place' AS type, p.id, coalesce(p.name_nl, p.name_en) AS label, coalesce(p.name_nl, p.name_en) AS text
  FROM places p
  UNION ALL SELECT 'place', p.id, coalesce(p.name_nl, p.name_en), p.name_en FROM places p WHERE p.name_en IS NOT NULL
  UNION ALL SELECT 'layer', l.id, l.name_en, l.name_en FROM layers l
  UNION ALL SELECT 'layer', l.id, l.name_en, l.name_nl FROM layers l
  UNION ALL SELECT 'layer', l.id, l.name_en, l.id FROM layers l
  UNION ALL SELECT 'synergy', s.id, coalesce(s.name_en, s.name_nl), s.name_nl FROM synergies s
  UNION ALL SELECT 'synergy', s.id, coalesce(s.name_en, s.name_nl), s.name_en FROM synergies s
  UNION ALL SELECT 'source', s.id, s.title, s.title FROM sources s
),
scored AS (
  SELECT type, id, label, text, {_score("text")} AS score FROM others WHERE text IS NOT NULL
  UNION ALL
  SELECT 'actor', w.id, w.name, b.text, b.score FROM best_names b JOIN web.actors w ON w.name = b.text
  UNION ALL
  SELECT 'actor', w.id, w.name, h.text, h.score
  FROM hits h JOIN actor_aliases al ON al.alias = h.text JOIN web.actors w ON w.id = al.actor WHERE h.alias
)
SELECT type, id, arg_max(label, score) AS label, arg_max(text, score) AS matched, max(score) AS score
FROM scored GROUP BY type, id HAVING max(score) >= $threshold
ORDER BY score DESC, CASE type WHEN 'actor' THEN 1 WHEN 'place' THEN 2 WHEN 'layer' THEN 3
  WHEN 'synergy' THEN 4 ELSE 5 END, label, id
LIMIT $limit
"""
NEAR_WORD = 0.8  # Jaro–Winkler of a name's word to a query word that makes the name a candidate


def search(gen: Generation, q: str, limit: int = 20) -> list[dict[str, Any]]:
    """Actors (names and aliases), places, layers, synergies and sources matching ``q``, typos tolerated
    (Jaro–Winkler similarity of the whole name or of one of its words, and Levenshtein distance, in DuckDB;
    actor names are candidates when one of their words contains, starts or resembles a word of ``q``)."""
    q = " ".join(q.split())[:MAX_Q]
    if not q:
        return []
    limit = max(1, min(int(limit), 100))
    threshold = 0.86 if len(q) >= 4 else 0.93

    def compute() -> list[dict[str, Any]]:
        out = rows(gen, _SEARCH, {"q": q, "limit": limit, "threshold": threshold, "near": NEAR_WORD})
        for r in out:
            r["score"] = round(float(r["score"]), 4)
        return out

    return gen.cached(("search", q.casefold(), limit), compute)
