"""How organisations integrate across the stack (chapter 4 of the report), made quantitative.

Three sources of layers are told apart for every actor *x*:

* **own** layers ``L(x)``: its rows in ``actor_layers``;
* **via subsidiaries** ``S(x)``: the layers of every actor *x* controls, directly or through a chain,
  that *x* does not have itself. Control is the transitive closure of the edges owner → owned given by
  relations of family ``control`` (ownership, acquisition) that have not ``ended`` and by the
  ``actors.parent`` column (parent → child);
* **via ties** ``T(x)``: the layers of actors one hop away through an investment, partnership, joint-lab,
  supply or grant tie (either direction, not ``ended``), minus ``L(x) ∪ S(x)``.

Patterns (after the report's typology of Big Tech integration, and Porter's (1985) horizontal / vertical
distinction):

* ``horizontal``: at least two distinct sublayers within one own layer, or a subsidiary that shares one
  of *x*'s own layers (an acquired competitor or complement);
* ``vertical``: ``|L(x) ∪ S'(x)| >= 2`` where ``S'(x)`` are all layers of the subsidiaries;
* ``cross-stack-investor``: a capital tie *from* *x* (investment, grant) or a collaboration tie
  (partnership, joint lab) to an actor in a layer that *x* does not have itself.

:func:`foundries` writes the report's table of "vertically integrated AI foundries" from the data, and
:func:`layer_flow` counts who in layer *i* invests in, buys from or partners with layer *j*: a tie between
actors with *k* and *m* layers adds 1 to ``ties`` and ``1 / (k m)`` to ``weight`` of each of the *k m*
layer pairs, so the weights of a directed tie sum to 1 (fractional counting, as in co-authorship
bibliometrics; Perianes-Rodriguez, Waltman & van Eck 2016).

References
----------
Porter, M. E. (1985). Competitive Advantage. Free Press (horizontal and vertical integration).
Perianes-Rodriguez, A., Waltman, L. & van Eck, N. J. (2016). Constructing bibliometric networks: a
comparison between full and fractional counting. Journal of Informetrics 10(4), 1178–1195.
Jacobides, M. G., Cennamo, C. & Gawer, A. (2018). Towards a theory of ecosystems. Strategic Management
Journal 39(8), 2255–2276.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import numpy as np
import pandas as pd
from ibis.expr.types import Table
from scipy import sparse

from ..dataset.model import RELATION_ENDED, UPCOMING_STATUSES
from ..engine import Engine
from ..errors import AnalysisError
from ._locate import activities
from ._masks import MAX_BITS, bits, expand, masks_of, popcount

__all__ = [
    "FLOW_COLUMNS",
    "FOUNDRY_LAYERS",
    "INTEGRATION_COLUMNS",
    "PATTERNS",
    "TIE_TYPES",
    "closure",
    "foundries",
    "integration",
    "layer_flow",
    "subsidiaries",
]

#: Tie types that make an actor's neighbour's layers reachable "via ties".
TIE_TYPES = ("investment", "partnership", "joint-lab", "supply", "grant")
PATTERNS = ("horizontal", "vertical", "cross-stack-investor")
#: The four columns of the report's foundries table.
FOUNDRY_LAYERS = ("chips", "cloud", "ai", "applications")
INTEGRATION_COLUMNS = ["actor", "name", "layers", "via_subsidiaries", "via_ties", "patterns", "subsidiaries"]
FLOW_COLUMNS = ["layer_from", "layer_to", "ties", "weight"]
#: Families a layer flow counts by default (capital, buying and partnering; not control or lineage).
FLOW_FAMILIES = ("capital", "collaboration", "trade")
#: Relation types whose ``from`` is the passive side ("supplier supplies buyer"): the flow is reversed.
_REVERSED = ("supply",)


def _live(r: Table) -> Table:
    """Relations that have not ended (a missing status counts as live)."""
    return r.filter(r.status.isnull() | (r.status != RELATION_ENDED))


def _layer_order(engine: Engine) -> list[str]:
    lay = engine.table("layers")
    return list(engine.execute(lay.order_by("position").select("id"))["id"])


def closure(owners: Sequence[str] | pd.Series, owned: Sequence[str] | pd.Series) -> pd.DataFrame:
    """Transitive closure of directed edges owner → owned, with the length of the shortest chain.

    A breadth-first search from every node at once on a sparse boolean adjacency matrix ``A``: the
    frontier of depth *d* is ``F_d = (F_{d-1} A) \\ R_{d-1}``, ``R_d = R_{d-1} ∪ F_d`` (a prefix of a
    shortest chain is a shortest chain), which stops after the longest shortest chain; cycles end it too.
    A node is never its own subsidiary.

    Returns
    -------
    DataFrame ``actor, subsidiary, depth``, sorted.

    Examples
    --------
    >>> closure(["a", "b", "x"], ["b", "c", "b"]).values.tolist()
    [['a', 'b', 1], ['a', 'c', 2], ['b', 'c', 1], ['x', 'b', 1], ['x', 'c', 2]]
    """
    src = np.asarray(owners, dtype=object)
    dst = np.asarray(owned, dtype=object)
    if src.size == 0:
        return pd.DataFrame({"actor": pd.Series(dtype=object), "subsidiary": pd.Series(dtype=object),
                             "depth": pd.Series(dtype=int)})
    nodes, inv = np.unique(np.concatenate([src, dst]).astype(str), return_inverse=True)
    n, m = nodes.size, src.size
    adj = sparse.csr_matrix((np.ones(m), (inv[:m], inv[m:])), shape=(n, n))
    adj.data[:] = 1.0
    reach = adj.copy()
    depth = adj.copy()
    frontier = adj
    d = 1
    while frontier.nnz:  # at most the length of the longest shortest chain
        d += 1
        nxt = frontier @ adj
        nxt.data[:] = 1.0
        nxt = (nxt - nxt.multiply(reach)).tocsr()
        nxt.eliminate_zeros()
        reach = reach + nxt
        depth = depth + nxt * d
        frontier = nxt
    coo = depth.tocoo()
    keep = coo.row != coo.col          # a node is never its own subsidiary (cycles)
    coo = sparse.coo_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=coo.shape)
    out = pd.DataFrame({"actor": nodes[coo.row], "subsidiary": nodes[coo.col], "depth": coo.data.astype(int)})
    return out.sort_values(["actor", "subsidiary"]).reset_index(drop=True)


def _control_edges(engine: Engine) -> Table:
    r = _live(engine.table("relations"))
    r = r.filter((r.family == "control") & (r.from_actor != r.to_actor))
    rel = r.select(owner=r.from_actor, owned=r.to_actor)
    a = engine.table("actors")
    par = a.filter(a.parent.notnull() & (a.parent != a.id)).select(owner=a.parent, owned=a.id)
    return rel.union(par, distinct=True)


def subsidiaries(engine: Engine) -> pd.DataFrame:
    """Every (actor, subsidiary) pair of the control closure, with the length of the shortest chain.

    Control edges come from relations of family ``control`` that have not ended (owner → owned) and from
    ``actors.parent`` (parent → child); see :func:`closure`.

    Examples
    --------
    >>> import stackatlas
    >>> from stackatlas.analysis import duckdb_engine
    >>> atlas = stackatlas.open(data=stackatlas.fixture_path())
    >>> subsidiaries(atlas.engine()).values.tolist()
    [['booking-holdings', 'booking-com', 1]]
    """
    edges = engine.execute(_control_edges(engine))
    return closure(edges["owner"], edges["owned"])


def _subsidiary_table(engine: Engine) -> Table:
    """The control closure (actor, subsidiary) as a table of the engine."""
    df = subsidiaries(engine)
    return ibis.memtable(df[["actor", "subsidiary"]].astype(str), schema={"actor": "string", "subsidiary": "string"})


def _check_tie_types(engine: Engine, tie_types: Sequence[str]) -> None:
    rt = engine.table("relation_types")
    known = set(engine.execute(rt.select("id"))["id"])
    unknown = sorted(set(tie_types) - known)
    if unknown:
        raise AnalysisError(f"unknown relation type(s): {', '.join(unknown)}")


def integration(engine: Engine, *, tie_types: Sequence[str] = TIE_TYPES) -> pd.DataFrame:
    """Own layers, layers via subsidiaries and via ties, and integration patterns of every actor.

    Parameters
    ----------
    engine
        Where to run (:func:`~stackatlas.engine.duckdb_engine` or ``spark_engine``).
    tie_types
        Relation types whose neighbours count for ``via_ties`` (default :data:`TIE_TYPES`); the
        ``cross-stack-investor`` pattern uses those of family ``capital`` (outgoing) and
        ``collaboration``.

    Returns
    -------
    DataFrame ``actor, name, layers, via_subsidiaries, via_ties, patterns, subsidiaries``: lists of layer
    ids in taxonomy order (the three layer lists are disjoint), the patterns in :data:`PATTERNS` order
    and the ids of all controlled actors. Sorted by the number of layers reached (descending), then id.

    Examples
    --------
    >>> import stackatlas
    >>> from stackatlas.analysis import duckdb_engine
    >>> atlas = stackatlas.open(data=stackatlas.fixture_path())
    >>> t = integration(atlas.engine()).set_index("actor")
    >>> t.loc["booking-holdings", ["layers", "via_subsidiaries", "patterns"]].tolist()
    [['applications'], ['ai'], ['horizontal', 'vertical']]
    >>> t.loc["asml", ["via_ties", "patterns"]].tolist()
    [['raw-materials', 'ai'], ['cross-stack-investor']]
    """
    _check_tie_types(engine, tie_types)
    sub = _subsidiary_table(engine)
    # Everything travels as bit masks of layers (bit i = the i-th layer in taxonomy order), one per actor:
    # the layers of a neighbour are one integer, so a million actors with three million ties never
    # become (actor, layer) rows; each distinct mask is expanded to a list once.
    layer_order = _layer_order(engine)
    if len(layer_order) > MAX_BITS:
        raise AnalysisError(f"integration supports at most {MAX_BITS} layers, the taxonomy has {len(layer_order)}")
    own = masks_of(activities(engine, by="layer"), layer_order).rename(m_own="mask")
    own_o = own.select(o_actor="actor", o_mask="m_own")
    sj = sub.join(own_o, sub.subsidiary == own_o.o_actor)
    subs = sj.group_by(sj.actor).agg(m_sub=engine.bit_or(sj.o_mask, len(layer_order)))

    r = _live(engine.table("relations"))
    r = r.filter(r.type.isin(list(tie_types)) & (r.from_actor != r.to_actor))
    oriented = r.select(actor=r.from_actor, other=r.to_actor, family=r.family, outgoing=ibis.literal(True)).union(
        r.select(actor=r.to_actor, other=r.from_actor, family=r.family, outgoing=ibis.literal(False)))
    tj = oriented.join(own_o, oriented.other == own_o.o_actor)
    investing = ((tj.family == "capital") & tj.outgoing) | (tj.family == "collaboration")
    k = len(layer_order)
    ties = tj.group_by(tj.actor).agg(m_tie=engine.bit_or(tj.o_mask, k), m_inv=engine.bit_or(tj.o_mask, k, where=investing))

    al = engine.table("actor_layers")
    al = al.filter(al.sublayer.notnull())
    subs_per_layer = al.group_by(["actor", "layer"]).agg(n=al.sublayer.nunique())
    several = subs_per_layer.filter(subs_per_layer.n >= 2).select(s_actor="actor").distinct()
    per_sub = sub.group_by("actor").agg(subsidiaries=engine.ordered_collect(sub.subsidiary, [sub.subsidiary]))

    a = engine.table("actors")
    t = (a.select(actor=a.id, name=a.name)
         .left_join(own, "actor").drop("actor_right")
         .left_join(subs, "actor").drop("actor_right")
         .left_join(ties, "actor").drop("actor_right")
         .left_join(several, ibis._.actor == several.s_actor))
    out_t = t.select(actor=t.actor, name=t.name, m_own=t.m_own.fill_null(0), m_sub=t.m_sub.fill_null(0),
                     m_tie=t.m_tie.fill_null(0), m_inv=t.m_inv.fill_null(0), several=t.s_actor.notnull())
    out = engine.execute_arrow(out_t.order_by(out_t.actor)).to_pandas()
    # few actors control others: their lists are fetched apart and the rest get an empty list
    controlled = engine.execute_lists(per_sub, ["subsidiaries"])
    subs_of = dict(zip(controlled["actor"], controlled["subsidiaries"], strict=True))
    out["subsidiaries"] = [subs_of.get(x, []) for x in out["actor"].tolist()] if subs_of else \
        [[] for _ in range(len(out))]
    m_own = out["m_own"].to_numpy(dtype=np.int64)
    m_sub = out["m_sub"].to_numpy(dtype=np.int64)          # all layers of the subsidiaries
    m_tie = out["m_tie"].to_numpy(dtype=np.int64)
    m_inv = out["m_inv"].to_numpy(dtype=np.int64)
    via_sub = m_sub & ~m_own
    via_ties = m_tie & ~(m_own | m_sub)
    horizontal = out["several"].to_numpy(dtype=bool) | ((m_own & m_sub) != 0)
    vertical = popcount(m_own | m_sub) >= 2
    investor = (m_inv & ~m_own) != 0
    m_pat = horizontal.astype(np.int64) | (vertical.astype(np.int64) << 1) | (investor.astype(np.int64) << 2)
    reach = popcount(m_own | m_sub | m_tie)
    order = np.argsort(-reach, kind="stable")      # rows come sorted by id: ties stay in id order
    out = out.iloc[order].reset_index(drop=True)
    for col, masks, names in (("layers", m_own, layer_order), ("via_subsidiaries", via_sub, layer_order),
                              ("via_ties", via_ties, layer_order), ("patterns", m_pat, list(PATTERNS))):
        out[col] = expand(masks[order], names)
    return out[INTEGRATION_COLUMNS]


def foundries(engine: Engine, *, layers: Sequence[str] = FOUNDRY_LAYERS, min_coverage: int = 3,
              investments: bool = True) -> pd.DataFrame:
    """The report's table of vertically integrated AI foundries, generated from the data.

    For every actor, what it offers in each of ``layers``: its own offerings (the ``offering`` text, or
    the sublayer), those of its subsidiaries (``"AWS: Amazon Web Services cloud (subsidiary)"``, see
    :func:`subsidiaries`) and, with ``investments``, the actors it invests in that are active in the layer
    (``"Anthropic (investment)"``; ``"..., planned"`` or ``"..., announced"`` for investments not yet
    completed; ended ones are left out). ``coverage`` is the number of the columns that are not empty.

    Parameters
    ----------
    layers
        The columns (layer ids), in order.
    min_coverage
        Keep actors covering at least this many columns.
    investments
        Count the layers of investees (own investments of the actor, not of its subsidiaries).

    Returns
    -------
    DataFrame ``actor, name, <one column per layer: list of str>, coverage``, sorted by coverage
    (descending), then by the number of columns covered by the actor itself, then name.

    Examples
    --------
    >>> import stackatlas
    >>> from stackatlas.analysis import duckdb_engine
    >>> atlas = stackatlas.open(data=stackatlas.fixture_path())
    >>> t = foundries(atlas.engine())
    >>> t[["actor", "chips", "ai", "applications", "coverage"]].values.tolist()
    [['nvidia', ['GPUs'], ['Nemotron'], [], 3]]
    """
    order = _layer_order(engine)
    unknown = [x for x in layers if x not in order]
    if unknown:
        raise AnalysisError(f"unknown layer(s): {', '.join(unknown)}")
    if not layers:
        raise AnalysisError("no layers given")
    if not 0 <= min_coverage <= len(layers):
        raise AnalysisError(f"min_coverage must be between 0 and {len(layers)}, not {min_coverage}")
    cols = list(layers)
    a = engine.table("actors")
    al = engine.table("actor_layers")
    al = al.filter(al.layer.isin(cols))
    label = al.offering.fill_null(al.sublayer.fill_null(al.layer))
    own = al.select(actor=al.actor, layer=al.layer, label=label, rank=ibis.literal(1), pos=al.position)

    sub = _subsidiary_table(engine)
    names = a.select(s_id=a.id, s_name=a.name)
    sl = sub.join(al, sub.subsidiary == al.actor).join(names, sub.subsidiary == names.s_id)
    sub_label = ibis.ifelse(sl.offering.isnull(), sl.s_name, sl.s_name.concat(": ", sl.offering)).concat(
        " (subsidiary)")
    via_sub = sl.select(actor=sub.actor, layer=sl.layer, label=sub_label, rank=ibis.literal(2), pos=sl.position)
    parts = own.union(via_sub)

    if investments:
        r = _live(engine.table("relations"))
        r = r.filter((r.type == "investment") & (r.from_actor != r.to_actor))
        inv_layers = al.select(i_actor=al.actor, i_layer=al.layer).distinct()
        iv = r.join(inv_layers, r.to_actor == inv_layers.i_actor).join(names, r.to_actor == names.s_id)
        status = ibis.ifelse(iv.status.isin(list(UPCOMING_STATUSES)), ibis.literal(", ").concat(iv.status),
                             ibis.literal(""))
        inv_label = iv.s_name.concat(" (investment", status, ")")
        parts = parts.union(iv.select(actor=iv.from_actor, layer=iv.i_layer, label=inv_label,
                                      rank=ibis.literal(3), pos=ibis.literal(0, type="int32")))
    cells = parts.group_by(["actor", "layer", "label"]).agg(rank=parts["rank"].min(), pos=parts.pos.min())
    cover = cells.group_by("actor").agg(coverage=cells.layer.nunique(),
                                        own=cells.layer.nunique(where=cells["rank"] == 1))
    keep = cover.filter(cover.coverage >= min_coverage)
    kept = cells.semi_join(keep, "actor")
    per_cell = kept.group_by(["actor", "layer"]).agg(
        labels=engine.ordered_collect(kept.label, [kept["rank"], kept.pos, kept.label]))
    long = engine.execute_lists(per_cell, ["labels"])
    top = engine.execute(keep.join(a.select(actor=a.id, name=a.name), "actor"))
    if top.empty:
        return pd.DataFrame(columns=["actor", "name", *cols, "coverage"])

    lists = long.pivot(index="actor", columns="layer", values="labels")
    out = top.set_index("actor")
    for col in cols:
        v = lists[col].reindex(out.index) if col in lists else pd.Series(None, index=out.index, dtype=object)
        out[col] = [x if isinstance(x, list) else [] for x in v]
    out = out.reset_index().sort_values(["coverage", "own", "name"], ascending=[False, False, True])
    out["coverage"] = out["coverage"].astype(int)
    return out[["actor", "name", *cols, "coverage"]].reset_index(drop=True)


def layer_flow(engine: Engine, *, families: Sequence[str] | None = None) -> pd.DataFrame:
    """Ties between layers: who in layer *i* invests in, buys from or partners with layer *j*.

    Each tie that has not ended runs from the active party (investor, grantor, buyer, partner, member)
    to the other: ``from → to`` of the relation, reversed for ``supply`` (the buyer buys from the
    supplier); an undirected tie (partnership, joint lab) runs both ways. A tie between actors with *k*
    and *m* layers adds, for each of the *k m* pairs (i, j) of their layers (each orientation of an
    undirected tie, a same-layer pair once), 1 to ``ties`` and ``1/(k m)`` to ``weight``.

    Parameters
    ----------
    families
        Relation families to count (default ``capital``, ``collaboration``, ``trade``).

    Returns
    -------
    Long DataFrame ``layer_from, layer_to, ties, weight`` of the pairs with a tie, in taxonomy order.

    Examples
    --------
    >>> import stackatlas
    >>> from stackatlas.analysis import duckdb_engine
    >>> atlas = stackatlas.open(data=stackatlas.fixture_path())
    >>> f = layer_flow(atlas.engine(), families=["capital"])
    >>> f.values.tolist()      # ASML (chips) invests in Mistral AI (ai)
    [['chips', 'ai', 1, 1.0]]
    """
    fams = list(FLOW_FAMILIES if families is None else families)
    rt = engine.table("relation_types")
    known = set(engine.execute(rt.select("family").distinct())["family"])
    unknown = sorted(set(fams) - known)
    if unknown:
        raise AnalysisError(f"unknown relation famil{'ies' if len(unknown) > 1 else 'y'}: {', '.join(unknown)}; "
                            f"known: {', '.join(sorted(known))}")
    r = _live(engine.table("relations"))
    r = r.filter(r.family.isin(fams) & (r.from_actor != r.to_actor))
    order = _layer_order(engine)
    if len(order) <= MAX_BITS:
        out = _flow_by_signature(engine, r, order)
    else:
        out = _flow_by_pairs(engine, r)
    if out.empty:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    pos = {x: i for i, x in enumerate(order)}
    out = out.assign(_f=out["layer_from"].map(pos), _t=out["layer_to"].map(pos)).sort_values(["_f", "_t"])
    out["ties"] = out["ties"].astype(int)
    out["weight"] = out["weight"].astype(float)
    return out[FLOW_COLUMNS].reset_index(drop=True)


def _oriented(r: Table) -> tuple[Any, Any]:
    """The active and the passive end of each relation (``supply`` reversed)."""
    rev = r.type.isin(list(_REVERSED))
    return ibis.ifelse(rev, r.to_actor, r.from_actor), ibis.ifelse(rev, r.from_actor, r.to_actor)


def _flow_by_signature(engine: Engine, r: Table, order: list[str]) -> pd.DataFrame:
    """Layer flow from the ties counted per (layers of one end, layers of the other, undirected).

    Every tie is reduced in the engine to the bit masks of its two ends' layers; the ties are counted
    per pair of masks (at most 4^k groups, a few thousand in practice) and each group adds its count to
    the layer pairs of the outer product of its masks (both orientations for an undirected tie, a pair
    once) — the same numbers as joining every tie with every layer of its ends, without that join.
    """
    masks = masks_of(activities(engine, by="layer"), order)
    src, dst = _oriented(r)
    t = r.select(src=src, dst=dst, und=~r.directed.fill_null(True))
    ms = masks.select(s_actor="actor", ms="mask")
    md = masks.select(d_actor="actor", md="mask")
    j = t.join(ms, t.src == ms.s_actor).join(md, t.dst == md.d_actor)
    groups = engine.execute(j.group_by(["ms", "md", "und"]).agg(n=j.count()))
    k = len(order)
    if groups.empty:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    bs, bd = bits(groups["ms"].to_numpy(), k), bits(groups["md"].to_numpy(), k)
    pair = bs[:, :, None] & bd[:, None, :]                                   # groups × from × to
    und = groups["und"].to_numpy(dtype=bool)
    pair[und] |= (bd[und][:, :, None] & bs[und][:, None, :])
    n = groups["n"].to_numpy(dtype=float)
    w = n / (bs.sum(axis=1) * bd.sum(axis=1))
    ties = np.tensordot(n, pair, axes=1)
    weight = np.tensordot(w, pair, axes=1)
    f, t_ = np.nonzero(ties)
    return pd.DataFrame({"layer_from": [order[i] for i in f], "layer_to": [order[i] for i in t_],
                         "ties": ties[f, t_], "weight": weight[f, t_]})


def _flow_by_pairs(engine: Engine, r: Table) -> pd.DataFrame:
    """Layer flow by joining every tie with every layer of its two ends (for taxonomies of many layers)."""
    src, dst = _oriented(r)
    fwd = r.select(rid=r.id, src=src, dst=dst)
    und = r.filter(~r.directed.fill_null(True))
    back = und.select(rid=und.id, src=und.to_actor, dst=und.from_actor)
    oriented = fwd.union(back, distinct=True)
    acts = activities(engine, by="layer")
    k = acts.group_by("actor").agg(k=acts.activity.count())
    lk = acts.join(k, "actor").select(l_actor=acts.actor, layer=acts.activity, k=k.k)
    lf = lk.select(f_actor=lk.l_actor, layer_from=lk.layer, kf=lk.k)
    lt = lk.select(t_actor=lk.l_actor, layer_to=lk.layer, kt=lk.k)
    pairs = (oriented.join(lf, oriented.src == lf.f_actor).join(lt, oriented.dst == lt.t_actor)
             .select(rid=oriented.rid, layer_from=lf.layer_from, layer_to=lt.layer_to,
                     w=ibis.literal(1.0) / (lf.kf * lt.kt).cast("float64"))
             .distinct())
    flow = pairs.group_by(["layer_from", "layer_to"]).agg(ties=pairs.rid.nunique(), weight=pairs.w.sum())
    return engine.execute(flow)
