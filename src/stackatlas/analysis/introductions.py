"""Introductions: which organisation in region A should meet which in region B for a synergy.

For a synergy with layers S and domains D, a pair (a in A, b in B) that is not already tied scores

    score = w_cover · cover(a, b)                          (together they cover the synergy's layers)
          + w_complement · [a and b bring different layers of S]
          + w_domain · [they share a domain of D (or any domain when D is empty)]
          + w_network · AA(a, b) / (1 + AA(a, b))         (closeness in the tie network)
          + w_named · [a or b is named by the synergy]

with cover = (|(L_a ∪ L_b) ∩ S| + |(C_a ∪ C_b) ∩ S|) / 2|S| (L: all layers, C: core layers, so an
organisation whose core business is in the synergy counts more than one active there on the side) and
AA the Adamic–Adar index (Adamic & Adar 2003): the sum over common partners z of 1 / log deg(z),
computed on the undirected tie graph with scipy.sparse. Partners with more than ``max_degree`` ties are
left out of AA (hubs say little about closeness and would make the product dense).

In the ``corridor`` scope (see :mod:`~stackatlas.analysis.synergy`) the pairs are any two organisations of
A ∪ B that share no municipality (each pair once), whether or not they are in the same region: the
municipalities are the units that complete each other.

All pairs are never materialised: actors are grouped by their *signature* (which layers of S and which
domains of D they have); the pair score apart from AA depends only on the two signatures, so for each
actor of A only the best signatures of B are expanded (``per_class`` actors each, best connected first),
plus the pairs with a non-zero AA from the sparse product. Everything is vectorised (numpy, pandas,
scipy.sparse).

References
----------
Adamic, L. A. & Adar, E. (2003). Friends and neighbors on the Web. Social Networks 25(3), 211–230.
Liben-Nowell, D. & Kleinberg, J. (2007). The link-prediction problem for social networks. JASIST 58(7).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import numpy as np
import pandas as pd
from scipy import sparse

from ..engine import Engine
from ..errors import AnalysisError
from ._locate import Numbering, activities, actors_in, municipalities_in
from ._masks import pack, popcount
from .synergy import SynergySpec, synergy_spec

__all__ = ["INTRO_COLUMNS", "IntroConfig", "introductions"]

INTRO_COLUMNS = ["a", "a_name", "a_place", "b", "b_name", "b_place", "score", "reasons", "facts"]


@dataclass(frozen=True)
class IntroConfig:
    weights: dict[str, float] = field(default_factory=lambda: {"cover": 2.0, "complement": 1.0, "domain": 1.0,
                                                               "network": 1.5, "named": 0.5})
    per_class: int = 20
    max_degree: int = 1000
    presence: str = "all"
    scope: str = "between"


def introductions(engine: Engine, *, synergy: str | SynergySpec, a: str, b: str, top: int = 10,
                  per_actor: int | None = None, config: IntroConfig | None = None) -> pd.DataFrame:
    """Ranked introductions for a synergy between regions ``a`` and ``b``.

    ``top`` limits the result overall; ``per_actor`` (if given) keeps the best pairs of every actor of
    ``a`` instead (the form used to suggest meetings for a whole region).

    Returns
    -------
    DataFrame ``a, a_name, a_place, b, b_name, b_place, score, reasons, facts`` best first; ``reasons``
    is a plain-language sentence, ``facts`` the layers, domains and common partners behind it.

    Examples
    --------
    >>> import stackatlas
    >>> from stackatlas.analysis import duckdb_engine
    >>> atlas = stackatlas.open(data=stackatlas.fixture_path())
    >>> intro = introductions(atlas.engine(), synergy="D", a="mra", b="brainport", top=3)
    >>> bool((intro["score"].diff().dropna() <= 0).all())
    True
    """
    cfg = config or IntroConfig()
    w = cfg.weights
    spec = synergy if isinstance(synergy, SynergySpec) else synergy_spec(engine, synergy)
    # every actor gets its position in id order in the engine, so only integers leave it for the
    # million-row tables (tie ends, layers, domains); names and places are looked up for the pairs shown
    at = engine.table("actors")
    num = Numbering(engine, at, col="id")
    positions = num.positions
    pos_a = positions(actors_in(engine, a, presence=cfg.presence), "actor")["p"].to_numpy(dtype=np.int64)
    pos_b = positions(actors_in(engine, b, presence=cfg.presence), "actor")["p"].to_numpy(dtype=np.int64)
    if len(pos_a) == 0 or len(pos_b) == 0:
        raise AnalysisError(f"no actors located in {a if len(pos_a) == 0 else b!r}")
    everyone = pd.Index(num.ids(), dtype=object)
    n = len(everyone)
    corridor = cfg.scope == "corridor"
    if cfg.scope not in ("between", "corridor"):
        raise AnalysisError(f"scope must be between or corridor, not {cfg.scope!r}")
    if corridor:   # both sides are the whole corridor; a pair must join two municipalities
        pos_a = pos_b = np.union1d(pos_a, pos_b)
        where = _municipality_matrix(engine, num, a, b, n, presence=cfg.presence)

    layers = list(spec.layers)
    domains = list(spec.domains)
    lcode = {x: i for i, x in enumerate(layers)}
    la = activities(engine, by="layer")
    sub = positions(la.filter(la.activity.isin(layers)), "actor", "activity")
    xl = np.zeros((n, len(layers)), dtype=bool)
    xl[sub["p"].to_numpy(dtype=np.int64), sub["activity"].map(lcode).to_numpy(dtype=np.int64)] = True
    al = engine.table("actor_layers")
    core = positions(al.filter((al.role == "core") & al.layer.isin(layers)), "actor", "layer")
    xc = np.zeros_like(xl)
    xc[core["p"].to_numpy(dtype=np.int64), core["layer"].map(lcode).to_numpy(dtype=np.int64)] = True
    doms = positions(activities(engine, by="domain"), "actor", "activity")
    dom_codes, dom_uni = pd.factorize(doms["activity"])
    xd = sparse.csr_matrix((np.ones(len(doms)), (doms["p"].to_numpy(dtype=np.int64), dom_codes)),
                           shape=(n, max(len(dom_uni), 1)))
    want_d = np.array([d in set(domains) for d in dom_uni]) if domains else np.ones(len(dom_uni), dtype=bool)
    xdw = xd[:, np.flatnonzero(want_d)] if len(dom_uni) else xd

    # tie graph (undirected, simple, no loops) and Adamic–Adar weights of the partners
    ends = num.ties()
    u, v = ends["u"].to_numpy(dtype=np.int64), ends["v"].to_numpy(dtype=np.int64)
    keep_uv = u != v
    u, v = u[keep_uv], v[keep_uv]
    adj = sparse.coo_matrix((np.ones(len(u) * 2), (np.r_[u, v], np.r_[v, u])), shape=(n, n)).tocsr()
    adj.sum_duplicates()
    adj.data[:] = 1.0
    adj.sort_indices()
    deg = np.diff(adj.indptr)
    inv = np.where((deg > 1) & (deg <= cfg.max_degree), 1.0 / np.log(np.maximum(deg, 2)), 0.0)

    ia = np.unique(pos_a[xl[pos_a].any(axis=1)])          # only actors active in a layer of the synergy
    ib = np.unique(pos_b[xl[pos_b].any(axis=1)])
    if len(ia) == 0 or len(ib) == 0:
        return pd.DataFrame(columns=INTRO_COLUMNS)
    named = np.zeros(n, dtype=bool)
    got = everyone.get_indexer(list(spec.actors))
    named[got[got >= 0]] = True
    k = len(layers)
    sig_l = pack(xl)
    sig_c = pack(xc)
    dom_any = np.asarray(xdw.sum(axis=1)).ravel() > 0

    # candidate pairs 2 (per class): the best signatures of B for each signature of A, best connected first
    sa = pd.DataFrame({"i": ia, "sig": sig_l[ia], "dom": dom_any[ia]})
    sb = pd.DataFrame({"j": ib, "sig": sig_l[ib], "dom": dom_any[ib], "deg": deg[ib]})
    class_b = sb.sort_values(["sig", "dom", "deg", "j"], ascending=[True, True, False, True])
    class_b = class_b.groupby(["sig", "dom"], sort=False).head(cfg.per_class)
    ca = sa[["sig", "dom"]].drop_duplicates()
    grid = ca.merge(class_b[["sig", "dom"]].drop_duplicates(), how="cross", suffixes=("_a", "_b"))
    both = (grid["sig_a"] | grid["sig_b"]).to_numpy()
    grid["cls"] = (w["cover"] * popcount(both) / k
                   + w["complement"] * ((both != grid["sig_a"].to_numpy()) & (both != grid["sig_b"].to_numpy()))
                   + w["domain"] * (grid["dom_a"] & grid["dom_b"]).astype(float))
    best = grid.sort_values("cls", ascending=False, kind="stable").groupby(["sig_a", "dom_a"]).head(3)
    plan = best.merge(class_b, left_on=["sig_b", "dom_b"], right_on=["sig", "dom"])[["sig_a", "dom_a", "j"]]

    # A is worked through in chunks: the Adamic–Adar product and the scored pairs stay bounded in memory
    hub_free = np.flatnonzero(inv > 0)
    left = adj[:, hub_free].multiply(inv[hub_free]).tocsr()     # actor × partner, weighted 1/log deg
    right = adj[hub_free][:, ib].tocsr()                           # partner × actor of B
    edge_keys = _edge_keys(adj, n)
    limit = per_actor if per_actor is not None else top
    kept: list[pd.DataFrame] = []
    for start in range(0, len(ia), _CHUNK):
        rows = ia[start:start + _CHUNK]
        aa = (left[rows] @ right).tocoo()
        pairs_aa = pd.DataFrame({"i": rows[aa.row], "j": ib[aa.col], "aa": aa.data})
        chunk = sa[(sa["i"] >= rows[0]) & (sa["i"] <= rows[-1])]
        expand = chunk.merge(plan, left_on=["sig", "dom"], right_on=["sig_a", "dom_a"])[["i", "j"]]
        pairs = pd.concat([pairs_aa, expand.assign(aa=0.0)], ignore_index=True)
        pairs = pairs.sort_values("aa", ascending=False, kind="stable").drop_duplicates(["i", "j"])
        i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
        ok = (i != j) & ~_member(i.astype(np.int64) * n + j, edge_keys)
        if corridor:
            ok &= ~_shared_rows(where, i, j)
        pairs = pairs[ok]
        if pairs.empty:
            continue
        i, j, aa_ij = pairs["i"].to_numpy(), pairs["j"].to_numpy(), pairs["aa"].to_numpy()
        union = sig_l[i] | sig_l[j]
        cov = (popcount(union) + popcount(sig_c[i] | sig_c[j])) / (2 * k)   # core layers count double
        comp = ((union != sig_l[i]) & (union != sig_l[j])).astype(float)
        shared = _shared_rows(xdw, i, j)
        nm = (named[i] | named[j]).astype(float)
        score = (w["cover"] * cov + w["complement"] * comp + w["domain"] * shared
                 + w["network"] * aa_ij / (1 + aa_ij) + w["named"] * nm)
        scored = pd.DataFrame({"i": i, "j": j, "score": score})
        scored = scored.sort_values(["score", "i", "j"], ascending=[False, True, True], kind="stable")
        kept.append(scored.groupby("i").head(per_actor) if per_actor is not None else scored.head(limit))
    if not kept:
        return pd.DataFrame(columns=INTRO_COLUMNS)
    pairs = pd.concat(kept, ignore_index=True)
    if corridor and per_actor is None:   # (i, j) and (j, i) are the same meeting
        lo, hi = np.minimum(pairs["i"], pairs["j"]), np.maximum(pairs["i"], pairs["j"])
        pairs = pairs.assign(i=lo, j=hi).drop_duplicates(["i", "j"])
    pairs = pairs.sort_values(["score", "i", "j"], ascending=[False, True, True], kind="stable")
    if per_actor is None:
        pairs = pairs.head(top)
    shown = everyone[np.unique(np.r_[pairs["i"].to_numpy(), pairs["j"].to_numpy()])]
    info = _names_and_places(engine, shown, a=a, b=b, presence=cfg.presence)
    return _explain(pairs.reset_index(drop=True), everyone, info, xl, layers, xd, dom_uni, want_d, adj, named,
                    edge_keys, engine)


def _names_and_places(engine: Engine, ids: pd.Index, *, a: str, b: str, presence: str) -> pd.DataFrame:
    """``name`` and ``place`` (indexed by id) of the given actors. The place is the first municipality (by
    id) the actor has in A or B, else the region it is in (A before B), else its head office."""
    at = engine.table("actors")
    sel = ibis.memtable(pd.DataFrame({"s_id": ids.to_numpy(dtype=object)}))
    info = engine.execute(at.semi_join(sel, at.id == sel.s_id).select("id", "name", "hq", "hq_municipality"))
    info = info.set_index("id").reindex(ids)
    sel_a = sel.rename(actor="s_id")
    where = pd.concat([engine.execute(municipalities_in(engine, p, presence=presence).semi_join(sel_a, "actor"))
                       for p in (a, b)])
    first = where.sort_values(["actor", "municipality"]).drop_duplicates("actor").set_index("actor")["municipality"]
    region = pd.Series(np.nan, index=ids, dtype=object)
    for place in (b, a):   # A wins for an actor in both
        inside = engine.execute(actors_in(engine, place, presence=presence).semi_join(sel_a, "actor"))["actor"]
        region[region.index.isin(inside)] = place
    info["place"] = (first.reindex(ids).fillna(region).fillna(info["hq_municipality"]).fillna(info["hq"]))
    return info


#: Actors of region A per chunk of the pair search.
_CHUNK = 4096


def _edge_keys(adj: sparse.csr_matrix, n: int) -> np.ndarray:
    """Sorted ``row * n + col`` of the non-zeros of a CSR matrix (a set of edges for fast lookups)."""
    rows = np.repeat(np.arange(adj.shape[0], dtype=np.int64), np.diff(adj.indptr))
    return np.sort(rows * n + adj.indices.astype(np.int64))


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """``keys`` found in the sorted array ``sorted_keys`` (binary search; no re-sorting per call)."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    hit = np.searchsorted(sorted_keys, keys)
    return sorted_keys[np.minimum(hit, len(sorted_keys) - 1)] == keys


def _municipality_matrix(engine: Engine, num: Numbering, a: str, b: str, n: int, *,
                         presence: str) -> sparse.csr_matrix:
    """actors × municipalities of A and B (sparse 0/1); a place without municipalities is one column."""
    frames = []
    for place in (a, b):
        m = num.positions(municipalities_in(engine, place, presence=presence), "actor", "municipality")
        if m.empty:
            m = num.positions(actors_in(engine, place, presence=presence), "actor").assign(municipality=place)
        frames.append(m)
    rows = pd.concat(frames, ignore_index=True).drop_duplicates()
    codes, _ = pd.factorize(rows["municipality"])
    out = sparse.csr_matrix((np.ones(len(rows)), (rows["p"].to_numpy(dtype=np.int64), codes)),
                            shape=(n, max(int(codes.max()) + 1 if len(codes) else 0, 1)))
    out.data[:] = 1.0
    return out


def _shared_rows(x: sparse.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Whether rows ``i`` and ``j`` of a sparse 0/1 matrix share a column, pair by pair."""
    if x.shape[1] == 0 or len(i) == 0:
        return np.zeros(len(i), dtype=bool)
    return np.asarray(x[i].multiply(x[j]).sum(axis=1)).ravel() > 0


def _pair_lists(adj: sparse.csr_matrix, i: np.ndarray, j: np.ndarray, edge_keys: np.ndarray,
                n: int) -> list[np.ndarray]:
    """Common neighbours of every pair (i, j): the neighbours of the endpoint with fewer ties that are
    also neighbours of the other (looked up in the sorted edge keys), so hubs cost nothing extra."""
    deg = np.diff(adj.indptr)
    small = np.where(deg[i] <= deg[j], i, j)
    other = np.where(deg[i] <= deg[j], j, i)
    counts = deg[small]
    starts = adj.indptr[small]
    pair = np.repeat(np.arange(len(i)), counts)
    offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    z = adj.indices[np.repeat(starts, counts) + offs].astype(np.int64)
    key = other[pair].astype(np.int64) * n + z
    found = _member(key, edge_keys)
    pair, z = pair[found], z[found]
    return np.split(z, np.searchsorted(pair, np.arange(1, len(i))))


def _explain(pairs: pd.DataFrame, everyone: pd.Index, info: pd.DataFrame, xl: np.ndarray, layers: list[str],
             xd: sparse.csr_matrix, dom_uni: pd.Index, want_d: np.ndarray, adj: sparse.csr_matrix,
             named: np.ndarray, edge_keys: np.ndarray, engine: Engine) -> pd.DataFrame:
    """Reasons and facts of the selected pairs; the per-pair work is vectorised, the loop only formats."""
    if pairs.empty:
        return pd.DataFrame(columns=INTRO_COLUMNS)
    i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    n = len(everyone)
    ids = everyone.to_numpy()
    sig = pack(xl)
    layer_lists = {int(m): [layers[b] for b in range(len(layers)) if int(m) >> b & 1] for m in np.unique(sig[np.r_[i, j]])}
    wanted = xd[:, np.flatnonzero(want_d)].tocsr() if len(dom_uni) else xd
    wanted_names = np.asarray(dom_uni)[np.flatnonzero(want_d)] if len(dom_uni) else np.array([], dtype=object)
    if wanted.shape[1]:
        both = wanted[i].multiply(wanted[j]).tocsr()
        both.sort_indices()
        shared = [sorted(wanted_names[both.indices[both.indptr[r]:both.indptr[r + 1]]].tolist()) for r in range(len(i))]
    else:
        shared = [[] for _ in range(len(i))]
    common = _pair_lists(adj, i, j, edge_keys, n)
    sub = info.reindex(ids[np.unique(np.r_[i, j])])
    name_of, place_of = sub["name"].to_dict(), sub["place"].to_dict()
    partner_ids = np.unique(np.concatenate(common)) if common else np.array([], dtype=np.int64)
    at = engine.table("actors")
    sel = ibis.memtable(pd.DataFrame({"s_id": ids[partner_ids]}))
    partner_name = engine.execute(at.semi_join(sel, at.id == sel.s_id).select("id", "name")).set_index("id")["name"]
    rows = []
    for r, (ia, jb, score) in enumerate(zip(i.tolist(), j.tolist(), pairs["score"].tolist(), strict=True)):
        a_id, b_id = ids[ia], ids[jb]
        la, lb = layer_lists[int(sig[ia])], layer_lists[int(sig[jb])]
        cp = sorted(ids[common[r]].tolist())
        a_name, b_name = name_of[a_id], name_of[b_id]
        a_place, b_place = place_of[a_id], place_of[b_id]
        parts = [f"{a_name} ({a_place}; {', '.join(la)}) and {b_name} ({b_place}; {', '.join(lb)}) together "
                 f"cover {', '.join(sorted(set(la) | set(lb)))} of the synergy"]
        if shared[r]:
            parts.append(f"both work in {', '.join(shared[r])}")
        if cp:
            parts.append(f"they share {len(cp)} partner{'s' if len(cp) > 1 else ''}: "
                         f"{', '.join(str(partner_name[c]) for c in cp[:5])}")
        if named[ia] or named[jb]:
            parts.append("the synergy names " + " and ".join(x for x, f in ((a_name, named[ia]), (b_name, named[jb]))
                                                               if f))
        rows.append({"a": a_id, "a_name": a_name, "a_place": a_place, "b": b_id, "b_name": b_name,
                     "b_place": b_place, "score": round(float(score), 4), "reasons": "; ".join(parts) + ".",
                     "facts": {"a_layers": la, "b_layers": lb, "shared_domains": shared[r], "common_partners": cp}})
    return pd.DataFrame(rows, columns=INTRO_COLUMNS)
