"""How layers go together: co-occurrence of activities within actors (and across ties), normalised.

The unit of observation is an actor (the set of its layers) and, with ``with_relations``, also each tie
(the union of the layers of its two ends): two layers co-occur in a unit that has both. With ``N`` units,
``n_i`` units having activity *i* and ``c_ij`` units having both:

* ``cosine``: c_ij / sqrt(n_i n_j)  (the cosine of the two incidence vectors);
* ``jaccard``: c_ij / (n_i + n_j - c_ij);
* ``prob``: c_ij / max(n_i, n_j), the minimum of the two conditional probabilities (Hidalgo et al.
  2007, the proximity of the product space);
* ``association``: the association strength of van Eck & Waltman (2009) on the co-occurrence matrix,
  c_ij * T / (s_i s_j) with s_i = sum_{j != i} c_ij and T = sum_i s_i (as EconGeo's ``relatedness``):
  1 means "as often as expected from the activities' totals".

Significance: under random assignment of activities to units with the observed totals, c_ij is
hypergeometric (N, n_i, n_j); ``z`` is the standardised difference from its mean n_i n_j / N, ``p`` the
one-sided probability of at least c_ij co-occurrences, and ``q`` the Benjamini–Hochberg (1995)
adjusted p-value over all pairs.

References
----------
Hidalgo, C. A., Klinger, B., Barabási, A.-L. & Hausmann, R. (2007). The product space conditions the
development of nations. Science 317, 482–487.
van Eck, N. J. & Waltman, L. (2009). How to normalize cooccurrence data? JASIST 60(8), 1635–1651.
Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate. JRSS B 57(1), 289–300.
Balland, P.-A. (2017). EconGeo (R package): ``relatedness``, ``co.occurrence``.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
from scipy import sparse, stats

from ..engine import Engine
from ..errors import AnalysisError
from ._locate import activities
from ._masks import MAX_BITS, bits, masks_of

__all__ = ["METHODS", "RELATEDNESS_COLUMNS", "bh", "normalise", "relatedness"]

METHODS = ("association", "cosine", "jaccard", "prob")
RELATEDNESS_COLUMNS = ["layer_a", "layer_b", "cooccurrence", "expected", "value", "z", "p", "q"]


def bh(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input order.

    >>> bh(np.array([0.01, 0.04, 0.03])).round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p, dtype=float)
    n = p.size
    if n == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1.0)
    return out


def normalise(c: np.ndarray, n: np.ndarray, *, method: str) -> np.ndarray:
    """Normalise a symmetric co-occurrence matrix ``c`` (zero diagonal) with occurrence counts ``n``.

    >>> c = np.array([[0.0, 2.0], [2.0, 0.0]]); n = np.array([4.0, 2.0])
    >>> normalise(c, n, method="prob").tolist()
    [[0.0, 0.5], [0.5, 0.0]]
    """
    if method not in METHODS:
        raise AnalysisError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    ni, nj = n[:, None], n[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "cosine":
            v = c / np.sqrt(ni * nj)
        elif method == "jaccard":
            v = c / (ni + nj - c)
        elif method == "prob":
            v = c / np.maximum(ni, nj)
        else:
            s = c.sum(axis=1)
            v = c * s.sum() / (s[:, None] * s[None, :])
    v = np.nan_to_num(v, nan=0.0, posinf=0.0)
    np.fill_diagonal(v, 0.0)
    return v


def _units(engine: Engine, *, by: str, with_relations: bool, relation_types: list[str] | None,
           role: str = "all") -> ibis.Table:
    acts = activities(engine, by=by, role=role)
    if not with_relations:  # actors are the only units: no need to tag their ids
        return acts.select(unit=acts.actor, activity=acts.activity)
    units = acts.select(unit=ibis.literal("a:").concat(acts.actor), activity=acts.activity)
    if with_relations:
        r = engine.table("relations")
        if relation_types:
            r = r.filter(r.type.isin(relation_types))
        ends = r.select(rid=r.id, actor=r.from_actor).union(r.select(rid=r.id, actor=r.to_actor))
        tie = ends.join(acts, "actor")
        units = units.union(tie.select(unit=ibis.literal("r:").concat(tie.rid), activity=tie.activity),
                            distinct=True)
    return units


def _counts_by_signature(engine: Engine, acts: ibis.Table, order: list[str], *, with_relations: bool,
                         relation_types: list[str] | None) -> tuple[np.ndarray, np.ndarray, int]:
    """Occurrences, co-occurrences and the number of units, from the units' activity *signatures*.

    Every unit (an actor; with relations also a tie, whose activities are those of its two ends) is
    reduced in the engine to the bit mask of its activities, and the units are counted per mask: at most
    2^k masks, in practice a few hundred, whatever the number of rows. With ``B`` the masks × activities
    0/1 matrix and ``w`` the units per mask, ``n = Bᵀw`` and ``C = Bᵀ diag(w) B`` (diagonal dropped) —
    the same counts as joining the units with themselves, without the join.
    """
    masks = masks_of(acts, order)
    per_mask = masks.group_by("mask").agg(w=masks.count())
    parts = [engine.execute(per_mask)]
    if with_relations:
        r = engine.table("relations")
        if relation_types:
            r = r.filter(r.type.isin(relation_types))
        mf = masks.select(f_actor="actor", f_mask="mask")
        mt = masks.select(t_actor="actor", t_mask="mask")
        j = (r.left_join(mf, r.from_actor == mf.f_actor).left_join(mt, r.to_actor == mt.t_actor)
             .select(mask=ibis._.f_mask.fill_null(0) | ibis._.t_mask.fill_null(0)))
        j = j.filter(j.mask != 0)
        parts.append(engine.execute(j.group_by("mask").agg(w=j.count())))
    counts = pd.concat(parts, ignore_index=True)
    m = counts["mask"].to_numpy(dtype=np.int64)
    w = counts["w"].to_numpy(dtype=float)
    b = bits(m, len(order)).astype(float)
    n = b.T @ w
    c = b.T @ (b * w[:, None])
    np.fill_diagonal(c, 0.0)
    return n, c, int(w.sum())


def _counts_by_pairs(engine: Engine, order: list[str], *, by: str, with_relations: bool,
                     relation_types: list[str] | None, role: str = "all") -> tuple[np.ndarray, np.ndarray, int]:
    """The same counts by joining the (unit, activity) table with itself (for many activities)."""
    units = _units(engine, by=by, with_relations=with_relations, relation_types=relation_types, role=role)
    # (unit, activity) rows are distinct, and so are (unit, a, b) pairs: row counts count units
    occ = engine.execute(units.group_by("activity").agg(n=units.count()))
    n_units = int(engine.execute(units.agg(n=units.unit.nunique()))["n"].iloc[0])
    left = units.select(unit=units.unit, a=units.activity)
    right = units.select(unit2=units.unit, b=units.activity)
    pairs = left.join(right, (left.unit == right.unit2) & (left.a < right.b))
    co = engine.execute(pairs.group_by(["a", "b"]).agg(c=pairs.count()))
    k = len(order)
    idx = {a: i for i, a in enumerate(order)}
    n = occ.set_index("activity")["n"].reindex(order).to_numpy(dtype=float)
    m = sparse.coo_matrix((co["c"].to_numpy(dtype=float), (co["a"].map(idx).to_numpy(), co["b"].map(idx).to_numpy())),
                          shape=(k, k)).toarray()
    return n, m + m.T, n_units


def relatedness(engine: Engine, *, by: str = "layer", method: str = "association",
                with_relations: bool = False, relation_types: list[str] | None = None,
                role: str = "all") -> pd.DataFrame:
    """Relatedness of every ordered pair of activities, with hypergeometric significance.

    ``role='core'`` counts only the layers each actor holds in a core role (``all``: every layer). The
    co-occurrence counts are counts of units, so a fractional weight for secondary layers does not apply here.

    Returns
    -------
    DataFrame ``layer_a, layer_b, cooccurrence, expected, value, z, p, q`` (both orders of each pair).

    Examples
    --------
    >>> import stackatlas
    >>> from stackatlas.analysis import duckdb_engine
    >>> atlas = stackatlas.open(data=stackatlas.fixture_path())
    >>> r = relatedness(atlas.engine(), method="cosine")
    >>> ab = r[(r.layer_a == "ai") & (r.layer_b == "chips")].iloc[0]
    >>> ba = r[(r.layer_a == "chips") & (r.layer_b == "ai")].iloc[0]
    >>> bool(ab["value"] == ba["value"]), int(ab["cooccurrence"])
    (True, 3)
    """
    if method not in METHODS:
        raise AnalysisError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    acts = activities(engine, by=by, role=role)
    present = set(engine.execute(acts.select("activity").distinct())["activity"])
    if by == "layer":
        lay = engine.table("layers")
        order = [x for x in engine.execute(lay.order_by("position").select("id"))["id"] if x in present]
    else:
        order = sorted(present)
    if len(order) <= MAX_BITS:
        n, c, n_units = _counts_by_signature(engine, acts, order, with_relations=with_relations,
                                             relation_types=relation_types)
    else:
        n, c, n_units = _counts_by_pairs(engine, order, by=by, with_relations=with_relations,
                                         relation_types=relation_types, role=role)
    k = len(order)
    if k < 2 or n_units == 0:
        return pd.DataFrame(columns=RELATEDNESS_COLUMNS)
    value = normalise(c, n, method=method)
    big_n = float(n_units)
    ni, nj = n[:, None], n[None, :]
    mu = ni * nj / big_n
    var = ni * nj * (big_n - ni) * (big_n - nj) / (big_n * big_n * max(big_n - 1.0, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, (c - mu) / np.sqrt(var), 0.0)
    p = stats.hypergeom.sf(c - 1, int(big_n), ni.astype(int), nj.astype(int))
    iu = np.triu_indices(k, 1)
    q_upper = bh(p[iu])
    q = np.zeros((k, k))
    q[iu] = q_upper
    q = q + q.T
    a_idx, b_idx = np.where(~np.eye(k, dtype=bool))
    col = by if by != "layer" else "layer"
    return pd.DataFrame({
        f"{col}_a": [order[x] for x in a_idx], f"{col}_b": [order[x] for x in b_idx],
        "cooccurrence": c[a_idx, b_idx].astype(int), "expected": mu[a_idx, b_idx],
        "value": value[a_idx, b_idx], "z": z[a_idx, b_idx], "p": p[a_idx, b_idx], "q": q[a_idx, b_idx],
    })
