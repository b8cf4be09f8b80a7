"""The tie network as a whole: bridges between two places (whole-graph work, in a child process on a large
dataset), the corridor map, vertical integration (foundries, layer flow) and sovereignty by control bloc."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ...atlas import records
from ..state import Generation
from ._common import clean, rows
from ._lookups import check, lookups

__all__ = ["FOUNDRIES_SHOWN", "GRAPH_MAX_ACTORS", "MAP_LINE_IDS", "MAX_FOUNDRIES", "bridges", "graph_too_large",
           "integration", "map_data", "sovereignty"]

T = TypeVar("T")

GRAPH_MAX_ACTORS = 100_000  # above this, analyses of the whole tie graph (bridges) are not run by the server


def graph_too_large(gen: Generation) -> dict[str, int] | None:
    """``{"actors", "max"}`` when the dataset is too large for whole-graph analyses in the web server
    (betweenness over the whole tie graph: hours at a million actors, holding the interpreter meanwhile)."""
    n = len(lookups(gen).actor)
    return {"actors": n, "max": GRAPH_MAX_ACTORS} if n > GRAPH_MAX_ACTORS else None


def bridges(gen: Generation, a: str, b: str) -> dict[str, Any] | None:
    """The bridges between ``a`` and ``b`` (:func:`stackatlas.analysis.bridges`), or None for a pair that is
    not computed on a dataset this large.

    On a dataset above :data:`GRAPH_MAX_ACTORS` the whole-graph work (betweenness, Leiden: a minute or
    two at a million actors, inside igraph, which holds the interpreter) runs in a separate process for
    the dataset's own compare pair only (the server warms it up); other pairs return None and the page
    says the dataset is too large for them."""
    lk = lookups(gen)
    check(lk, "place", a)
    check(lk, "place", b)
    if graph_too_large(gen):
        if (a, b) != lk.compare:
            return None
        return gen.cached(("bridges-process", a, b), lambda: _in_process(_bridges_job, str(gen.link), a, b))

    def compute(engine: Any) -> dict[str, Any]:
        from ...analysis import bridges as run

        return _bridges_json(run(engine, a=a, b=b))

    return gen.analysis(("bridges", a, b), compute)


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
    from ...analysis import bridges as run
    from ...engine import duckdb_engine

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


def integration(gen: Generation) -> dict[str, Any]:
    """The foundries table (:func:`stackatlas.analysis.foundries`: its best :data:`MAX_FOUNDRIES` rows and
    how many there are) and the layer flow (:func:`stackatlas.analysis.layer_flow`)."""
    def compute(engine: Any) -> dict[str, Any]:
        from ...analysis.integration import FOUNDRY_LAYERS, foundries, layer_flow

        df = foundries(engine)
        return {"foundries": records(df.head(MAX_FOUNDRIES)),  # best first; the rest is counted, not kept
                "flow": [{k: clean(v) for k, v in r.items()} for r in records(layer_flow(engine))],
                "foundry_layers": list(FOUNDRY_LAYERS), "foundries_total": len(df)}

    return gen.analysis(("integration",), compute)


def sovereignty(gen: Generation, place: str | None = None) -> list[dict[str, Any]]:
    """Shares of the actors of each layer by control bloc (:func:`stackatlas.analysis.sovereignty`), of the
    whole dataset or of ``place``."""
    lk = lookups(gen)
    check(lk, "place", place)

    def compute(engine: Any) -> list[dict[str, Any]]:
        from ...analysis import sovereignty as run

        return [{k: clean(v) for k, v in r.items()} for r in records(run(engine, place=place))]

    return gen.analysis(("sovereignty", place), compute)
