"""Bridges between two regions: how the ties of their organisations run within and across them.

Membership: an actor belongs to region A when it is located there by head office or (with
``presence='all'``) an active site (:func:`~stackatlas.analysis._locate.actors_in`). An actor in both
regions forms A∩B; it is reported separately and left out of the within/across counts (its ties are
neither clearly internal nor external). Below, A and B mean the actors of one region only.

The tie graph is undirected and simple: two actors are adjacent when at least one relation that has not
ended links them (of the chosen ``families``; all by default). It spans **all** actors, so shortest paths
may run through organisations outside both regions.

* **E-I index** (Krackhardt & Stern 1988): ``(E - I) / (E + I)`` with E the number of adjacent pairs
  across (one end in A, the other in B) and I the pairs within A or within B; -1 means all ties are
  internal, +1 all external.
* **Density ratio**: ``(E / (|A| |B|)) / (I / (C(|A|,2) + C(|B|,2)))``, the density of cross-region ties
  over the density of internal ties (each over its possible pairs); 1 means a tie across is as likely as
  a tie within. ``None`` when there are no internal ties.
* **Brokers**: cross-region betweenness ``b(v) = sum_{s in A, t in B} sigma_st(v) / sigma_st``, the
  share of the shortest s–t paths that pass through v, summed over the cross-region pairs (Freeman 1977;
  restricted to a subset of pairs as in Brandes 2008); ``betweenness_norm`` divides by ``|A| |B|``. For
  large regions it is estimated from a random sample of sources (``max_sources``; Brandes & Pich 2007). With
  Burt's (1992) constraint ``c_i = sum_j (p_ij + sum_{q != i,j} p_iq p_qj)^2``: low constraint, many
  non-redundant contacts (a structural hole spanner).
* **Communities**: Leiden (Traag, Waltman & van Eck 2019) maximising modularity on the whole graph, with
  a fixed seed; communities are numbered from 1 by size.

References
----------
Krackhardt, D. & Stern, R. N. (1988). Informal networks and organizational crises: an experimental
simulation. Social Psychology Quarterly 51(2), 123–140.
Freeman, L. C. (1977). A set of measures of centrality based on betweenness. Sociometry 40(1), 35–41.
Brandes, U. (2008). On variants of shortest-path betweenness centrality and their generic computation.
Social Networks 30(2), 136–145.
Brandes, U. & Pich, C. (2007). Centrality estimation in large networks. International Journal of
Bifurcation and Chaos 17(7), 2303–2318 (betweenness from a random sample of sources).
Burt, R. S. (1992). Structural Holes: The Social Structure of Competition. Harvard University Press.
Traag, V. A., Waltman, L. & van Eck, N. J. (2019). From Louvain to Leiden: guaranteeing well-connected
communities. Scientific Reports 9, 5233.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import ibis
import igraph
import numpy as np
import pandas as pd

from ..dataset.model import RELATION_ENDED
from ..engine import Engine
from ..errors import AnalysisError, NotFound
from ._locate import PRESENCE, actors_in

__all__ = ["BROKER_COLUMNS", "COMMUNITY_COLUMNS", "SUMMARY_KEYS", "TIE_COLUMNS", "bridges", "ei_index"]

TIE_COLUMNS = ["id", "type", "family", "from_actor", "to_actor", "from_region", "to_region", "kind"]
BROKER_COLUMNS = ["actor", "name", "region", "betweenness", "betweenness_norm", "constraint", "degree"]
COMMUNITY_COLUMNS = ["actor", "name", "region", "community"]
#: The scalar entries of the result of :func:`bridges` (the others are DataFrames or lists).
SUMMARY_KEYS = ["a", "b", "presence", "actors_a", "actors_b", "actors_both", "external", "internal",
                "internal_a", "internal_b", "ei_index", "density_across", "density_within", "density_ratio",
                "communities_n", "communities_mixed", "modularity", "betweenness_sources"]


def _require_place(engine: Engine, place: str) -> None:
    pl = engine.table("places")
    if engine.execute(pl.filter(pl.id == place).select("id")).empty:
        raise NotFound("place", place)


def ei_index(external: float, internal: float) -> float | None:
    """Krackhardt & Stern's E-I index ``(E - I) / (E + I)``; ``None`` without ties.

    >>> ei_index(2, 1)
    0.3333333333333333
    >>> ei_index(0, 0) is None
    True
    """
    total = external + internal
    return None if total == 0 else (external - internal) / total


#: Burt's constraint is computed for this many brokers (highest betweenness first); ``NaN`` for the rest.
CONSTRAINT_MAX_BROKERS = 1000
#: Up to this many ties Leiden iterates until the partition is stable; beyond, it stops after two
#: iterations (igraph's default): on a million actors, iterating to convergence takes more than ten minutes.
LEIDEN_CONVERGE_MAX_EDGES = 200_000


def _seeded_leiden(g: igraph.Graph, seed: int) -> list[int]:
    """Leiden (modularity) with igraph's random generator temporarily seeded; restored afterwards."""
    igraph.set_random_number_generator(random.Random(seed))
    try:
        iterations = -1 if g.ecount() <= LEIDEN_CONVERGE_MAX_EDGES else 2
        part = g.community_leiden(objective_function="modularity", n_iterations=iterations)
    finally:
        igraph.set_random_number_generator(random)
    return list(part.membership)


def bridges(engine: Engine, *, a: str, b: str, presence: str = "all", families: Sequence[str] | None = None,
            seed: int = 42, max_sources: int | None = 50) -> dict[str, Any]:
    """Ties within and across two regions: E-I index, density ratio, brokers and communities.

    Parameters
    ----------
    engine
        Where to run (:func:`~stackatlas.engine.duckdb_engine` or ``spark_engine``).
    a, b
        The two places (regions, municipalities, provinces, sites or countries).
    presence
        ``all`` (head office and active sites) or ``hq`` (head office only).
    families
        Relation families that make a tie (default: all); relations with status ``ended`` never do.
    seed
        Seed of the Leiden community detection and of the sampled sources.
    max_sources
        Cross-region betweenness is exact when the smaller region has at most this many actors (and
        always with ``None``); otherwise that many of its actors are drawn at random as sources and the
        sums are scaled by (region size / sample size), the unbiased pivot estimator of Brandes & Pich
        (2007). Each source costs one breadth-first search over the whole tie graph.

    Returns
    -------
    dict with the scalars of :data:`SUMMARY_KEYS` (``betweenness_sources``: the sources used, equal to
    the smaller region's size when exact; ``actors_a``/``actors_b`` count the actors of one
    region only, ``actors_both`` those of both; ``density_ratio`` and ``ei_index`` are ``None`` when
    undefined), ``both`` (ids of the actors in both regions) and the DataFrames ``ties`` (the relations
    within A, within B and across, ``kind`` = ``within-a``, ``within-b`` or ``across``), ``brokers``
    (actors with a cross-region betweenness above 0, highest first) and ``communities`` (every actor with
    a tie; ``region`` is ``a``'s id, ``b``'s id, ``both`` or None).

    Examples
    --------
    >>> import stackatlas
    >>> from stackatlas.analysis import duckdb_engine
    >>> atlas = stackatlas.open(data=stackatlas.fixture_path())
    >>> r = bridges(atlas.engine(), a="mra", b="brainport", presence="hq")
    >>> r["external"], r["internal"], r["ei_index"]   # ASML–ARCNL, Philips–NXP across; UvA–ARCNL within
    (2, 1, 0.3333333333333333)
    >>> r["brokers"][["actor", "betweenness"]].values.tolist()
    [['arcnl', 1.0]]
    """
    if presence not in PRESENCE:
        raise AnalysisError(f"presence must be one of {', '.join(PRESENCE)}, not {presence!r}")
    if a == b:
        raise AnalysisError("the two places must differ")
    _require_place(engine, a)
    _require_place(engine, b)
    rel = engine.table("relations")
    if families is not None:
        rt = engine.table("relation_types")
        known = set(engine.execute(rt.select("family").distinct())["family"])
        unknown = sorted(set(families) - known)
        if unknown:
            raise AnalysisError(f"unknown relation family: {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        rel = rel.filter(rel.family.isin(list(families)))
    rel = rel.filter((rel.status.isnull() | (rel.status != RELATION_ENDED)) & (rel.from_actor != rel.to_actor))

    in_a = actors_in(engine, a, presence=presence).select("actor", r=ibis.literal("a"))
    in_b = actors_in(engine, b, presence=presence).select("actor", r=ibis.literal("b"))
    both_ab = in_a.union(in_b, distinct=True)
    reg = both_ab.group_by("actor").agg(n=both_ab.r.nunique(), r=both_ab.r.min())
    reg = reg.select(actor=reg.actor, region=ibis.ifelse(reg.n > 1, "ab", reg.r))
    rf = reg.select(f_actor=reg.actor, from_region=reg.region)
    rt_ = reg.select(t_actor=reg.actor, to_region=reg.region)
    cl = (rel.join(rf, rel.from_actor == rf.f_actor).join(rt_, rel.to_actor == rt_.t_actor)
          .select(id=rel.id, type=rel.type, family=rel.family, from_actor=rel.from_actor, to_actor=rel.to_actor,
                  from_region=rf.from_region, to_region=rt_.to_region,
                  u=ibis.least(rel.from_actor, rel.to_actor), v=ibis.greatest(rel.from_actor, rel.to_actor)))
    cl = cl.filter((cl.from_region != "ab") & (cl.to_region != "ab"))
    ties = engine.execute(cl)
    edges = engine.execute(rel.select(u=ibis.least(rel.from_actor, rel.to_actor),
                                      v=ibis.greatest(rel.from_actor, rel.to_actor)).distinct())
    regions = engine.execute(reg)
    act = engine.table("actors")
    actors = engine.execute(act.select(actor=act.id, name=act.name).order_by("actor"))

    label = {"a": a, "b": b, "ab": "both"}
    kind = np.where(ties["from_region"] != ties["to_region"], "across",
                    np.where(ties["from_region"] == "a", "within-a", "within-b"))
    ties = ties.assign(kind=kind, from_region=ties["from_region"].map(label),
                       to_region=ties["to_region"].map(label))
    # counts over adjacent pairs (several relations between the same two actors count once)
    counts = ties.drop_duplicates(["u", "v"])["kind"].value_counts()
    order = {"within-a": 0, "within-b": 1, "across": 2}
    ties = (ties.assign(_k=ties["kind"].map(order)).sort_values(["_k", "id"]).drop(columns="_k")
            [TIE_COLUMNS].reset_index(drop=True))
    e_n = int(counts.get("across", 0))
    i_a, i_b = int(counts.get("within-a", 0)), int(counts.get("within-b", 0))
    i_n = i_a + i_b
    ids_a = sorted(regions.loc[regions["region"] == "a", "actor"])
    ids_b = sorted(regions.loc[regions["region"] == "b", "actor"])
    ids_both = sorted(regions.loc[regions["region"] == "ab", "actor"])
    n_a, n_b = len(ids_a), len(ids_b)
    possible_across = n_a * n_b
    possible_within = n_a * (n_a - 1) / 2 + n_b * (n_b - 1) / 2
    d_across = e_n / possible_across if possible_across else None
    d_within = i_n / possible_within if possible_within else None
    ratio = d_across / d_within if d_across is not None and d_within else None

    # the whole tie graph
    names = actors.set_index("actor")["name"]
    everyone = pd.Index(actors["actor"])
    iu, iv = everyone.get_indexer(edges["u"]), everyone.get_indexer(edges["v"])
    known = (iu >= 0) & (iv >= 0)
    g = igraph.Graph(n=len(everyone), edges=np.c_[iu[known], iv[known]], directed=False)
    region_of = regions.set_index("actor")["region"].map(label)
    n_sources = 0
    if n_a and n_b and g.ecount():
        # sources on the smaller side (betweenness over A × B pairs is symmetric in A and B)
        src, dst = (ids_a, ids_b) if n_a <= n_b else (ids_b, ids_a)
        src_v = everyone.get_indexer(src)
        scale = 1.0
        if max_sources is not None and len(src_v) > max_sources:
            src_v = np.sort(np.random.default_rng(seed).choice(src_v, size=max_sources, replace=False))
            scale = len(src) / max_sources
        n_sources = len(src_v)
        # igraph halves each pair of an undirected graph: double it (checked against enumeration of paths)
        btw = 2.0 * scale * np.asarray(g.betweenness(directed=False, sources=src_v.tolist(),
                                                     targets=everyone.get_indexer(dst).tolist()))
    else:
        btw = np.zeros(g.vcount())
    degree = np.asarray(g.degree(), dtype=int)
    ids = list(everyone)
    is_broker = np.flatnonzero(btw > 1e-12)
    # Burt's constraint for the leading brokers only (it costs the sum of the neighbours' degrees per actor;
    # for 300,000 brokers of a million-actor graph that is minutes)
    constraint = np.full(g.vcount(), np.nan)
    if len(is_broker):
        lead = is_broker[np.argsort(-btw[is_broker], kind="stable")[:CONSTRAINT_MAX_BROKERS]]
        constraint[lead] = np.asarray(g.constraint(vertices=lead.tolist()), dtype=float)
    broker_ids = np.asarray(ids, dtype=object)[is_broker]
    brokers = pd.DataFrame({"actor": broker_ids, "name": names.reindex(broker_ids).to_numpy(),
                            "region": region_of.reindex(broker_ids).to_numpy(),
                            "betweenness": btw[is_broker],
                            "betweenness_norm": btw[is_broker] / possible_across if possible_across else np.nan,
                            "constraint": constraint[is_broker], "degree": degree[is_broker]})
    brokers = (brokers.sort_values(["betweenness", "constraint", "actor"], ascending=[False, True, True])
               .reset_index(drop=True))

    membership = np.asarray(_seeded_leiden(g, seed), dtype=int) if g.vcount() else np.zeros(0, dtype=int)
    modularity = float(g.modularity(membership.tolist())) if g.ecount() else None
    comm = pd.DataFrame({"actor": ids, "name": names.reindex(ids).to_numpy(),
                         "region": region_of.reindex(ids).to_numpy(), "raw": membership, "degree": degree})
    comm = comm[comm["degree"] > 0]
    size = comm.groupby("raw")["actor"].agg(["size", "min"]).sort_values(["size", "min"], ascending=[False, True])
    renumber = pd.Series(np.arange(1, len(size) + 1), index=size.index)
    comm = comm.assign(community=comm["raw"].map(renumber).astype(int))
    comm = comm.sort_values(["community", "actor"])[COMMUNITY_COLUMNS].reset_index(drop=True)
    flags = pd.DataFrame({"community": comm["community"], "a": comm["region"] == a, "b": comm["region"] == b,
                          "both": comm["region"] == "both"}).groupby("community").any()
    seen = (flags["a"] & flags["b"]) | flags["both"]
    return {
        "a": a, "b": b, "presence": presence,
        "actors_a": n_a, "actors_b": n_b, "actors_both": len(ids_both),
        "external": e_n, "internal": i_n, "internal_a": i_a, "internal_b": i_b,
        "ei_index": ei_index(e_n, i_n),
        "density_across": d_across, "density_within": d_within, "density_ratio": ratio,
        "communities_n": int(comm["community"].nunique()), "communities_mixed": int(seen.sum()),
        "modularity": modularity, "betweenness_sources": n_sources,
        "both": ids_both, "ties": ties, "brokers": brokers, "communities": comm,
    }
