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

import numpy as np
import pandas as pd
from scipy import sparse

from ..errors import AnalysisError
from ._locate import activities, actors_in, municipalities_in
from .engine import Engine
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


def _signature(x: np.ndarray) -> np.ndarray:
    """Rows of a boolean matrix as integers (bit masks)."""
    if x.shape[1] == 0:
        return np.zeros(x.shape[0], dtype=np.int64)
    return (x.astype(np.int64) << np.arange(x.shape[1], dtype=np.int64)).sum(axis=1)


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
    >>> intro = introductions(duckdb_engine(atlas.con), synergy="D", a="mra", b="brainport", top=3)
    >>> bool((intro["score"].diff().dropna() <= 0).all())
    True
    """
    cfg = config or IntroConfig()
    w = cfg.weights
    spec = synergy if isinstance(synergy, SynergySpec) else synergy_spec(engine, synergy)
    ids_a = engine.execute(actors_in(engine, a, presence=cfg.presence))["actor"]
    ids_b = engine.execute(actors_in(engine, b, presence=cfg.presence))["actor"]
    if ids_a.empty or ids_b.empty:
        raise AnalysisError(f"no actors located in {a if ids_a.empty else b!r}")
    acts = engine.execute(activities(engine, by="layer"))
    doms = engine.execute(activities(engine, by="domain"))
    at = engine.table("actors")
    info = engine.execute(at.select("id", "name", "hq", "hq_municipality")).set_index("id")
    where = pd.concat([engine.execute(municipalities_in(engine, p, presence=cfg.presence)) for p in (a, b)])
    first = where.sort_values(["actor", "municipality"]).drop_duplicates("actor").set_index("actor")["municipality"]
    region = pd.Series({**{x: b for x in ids_b}, **{x: a for x in ids_a}}, dtype=object)
    info["place"] = (first.reindex(info.index).fillna(region.reindex(info.index))
                     .fillna(info["hq_municipality"]).fillna(info["hq"]))
    rel = engine.table("relations")
    ties = engine.execute(rel.select("from_actor", "to_actor"))

    layers = list(spec.layers)
    domains = list(spec.domains)
    everyone = pd.Index(sorted(set(info.index)))
    pos = pd.Series(np.arange(len(everyone)), index=everyone)
    n = len(everyone)
    xl = np.zeros((n, len(layers)), dtype=bool)
    sub = acts[acts["activity"].isin(layers)]
    xl[pos[sub["actor"]].to_numpy(), [layers.index(v) for v in sub["activity"]]] = True
    al = engine.table("actor_layers")
    core = engine.execute(al.filter(al.role == "core").select("actor", "layer"))
    core = core[core["layer"].isin(layers)]
    xc = np.zeros_like(xl)
    xc[pos[core["actor"]].to_numpy(), [layers.index(v) for v in core["layer"]]] = True
    dom_codes, dom_uni = pd.factorize(doms["activity"])
    xd = sparse.csr_matrix((np.ones(len(doms)), (pos[doms["actor"]].to_numpy(), dom_codes)),
                           shape=(n, max(len(dom_uni), 1)))
    want_d = np.array([d in set(domains) for d in dom_uni]) if domains else np.ones(len(dom_uni), dtype=bool)
    xdw = xd[:, np.flatnonzero(want_d)] if len(dom_uni) else xd

    # tie graph and Adamic–Adar
    u = pos[ties["from_actor"]].to_numpy()
    v = pos[ties["to_actor"]].to_numpy()
    adj = sparse.coo_matrix((np.ones(len(u) * 2), (np.r_[u, v], np.r_[v, u])), shape=(n, n)).tocsr()
    adj.data[:] = 1.0
    adj.sum_duplicates()
    adj.data[:] = 1.0
    deg = np.asarray(adj.sum(axis=1)).ravel()
    inv = np.where((deg > 1) & (deg <= cfg.max_degree), 1.0 / np.log(np.maximum(deg, 2)), 0.0)

    ia = pos[ids_a].to_numpy()
    ib = pos[ids_b].to_numpy()
    ia = ia[xl[ia].any(axis=1)]          # only actors active in a layer of the synergy
    ib = ib[xl[ib].any(axis=1)]
    if len(ia) == 0 or len(ib) == 0:
        return pd.DataFrame(columns=INTRO_COLUMNS)
    named = np.zeros(n, dtype=bool)
    named[pos[[x for x in spec.actors if x in pos.index]].to_numpy()] = True

    # candidate pairs 1: non-zero Adamic–Adar (sparse product, hubs excluded)
    aa = (adj[ia] @ sparse.diags(inv) @ adj[:, ib]).tocoo()
    pairs_aa = pd.DataFrame({"i": ia[aa.row], "j": ib[aa.col], "aa": aa.data})
    # candidate pairs 2: best partner signatures for each signature of A
    sig_l = _signature(xl)
    dom_any = np.asarray(xdw.sum(axis=1)).ravel() > 0
    sa = pd.DataFrame({"i": ia, "sig": sig_l[ia], "dom": dom_any[ia]})
    sb = pd.DataFrame({"j": ib, "sig": sig_l[ib], "dom": dom_any[ib], "deg": deg[ib]})
    class_b = sb.sort_values(["sig", "dom", "deg", "j"], ascending=[True, True, False, True])
    class_b = class_b.groupby(["sig", "dom"], sort=False).head(cfg.per_class)
    ca = sa[["sig", "dom"]].drop_duplicates()
    k = len(layers)
    cover = lambda s1, s2: np.array([bin(int(x | y)).count("1") for x, y in zip(s1, s2, strict=True)]) / k  # noqa: E731
    grid = ca.merge(class_b[["sig", "dom"]].drop_duplicates(), how="cross", suffixes=("_a", "_b"))
    grid["cls"] = (w["cover"] * cover(grid["sig_a"], grid["sig_b"])
                   + w["complement"] * ((grid["sig_a"] | grid["sig_b"]) != grid["sig_a"]).astype(float)
                   * ((grid["sig_a"] | grid["sig_b"]) != grid["sig_b"]).astype(float)
                   + w["domain"] * (grid["dom_a"] & grid["dom_b"]).astype(float))
    best = grid.sort_values("cls", ascending=False).groupby(["sig_a", "dom_a"]).head(3)
    expand = (sa.merge(best, left_on=["sig", "dom"], right_on=["sig_a", "dom_a"])
              .merge(class_b, left_on=["sig_b", "dom_b"], right_on=["sig", "dom"], suffixes=("", "_cb")))
    pairs = pd.concat([pairs_aa[["i", "j"]], expand[["i", "j"]]], ignore_index=True).drop_duplicates()
    pairs = pairs[pairs["i"] != pairs["j"]]
    # drop pairs already tied
    tied = adj[pairs["i"].to_numpy(), pairs["j"].to_numpy()]
    pairs = pairs[np.asarray(tied).ravel() == 0].reset_index(drop=True)
    if pairs.empty:
        return pd.DataFrame(columns=INTRO_COLUMNS)
    i, j = pairs["i"].to_numpy(), pairs["j"].to_numpy()
    union = xl[i] | xl[j]
    cov = (union.sum(axis=1) + (xc[i] | xc[j]).sum(axis=1)) / (2 * k)   # core layers count double
    comp = ((union & ~xl[i]).any(axis=1) & (union & ~xl[j]).any(axis=1)).astype(float)
    shared = np.asarray(xdw[i].multiply(xdw[j]).sum(axis=1)).ravel() > 0
    aa_ij = np.asarray(adj[i].multiply(adj[j]) @ inv).ravel() if len(i) else np.zeros(0)
    nm = (named[i] | named[j]).astype(float)
    score = (w["cover"] * cov + w["complement"] * comp + w["domain"] * shared
             + w["network"] * aa_ij / (1 + aa_ij) + w["named"] * nm)
    pairs["score"] = score
    pairs = pairs.sort_values(["score", "i", "j"], ascending=[False, True, True], kind="stable")
    pairs = pairs.groupby("i").head(per_actor) if per_actor is not None else pairs.head(top)
    return _explain(pairs.reset_index(drop=True), everyone, info, xl, layers, xd, dom_uni, want_d, adj, named)


def _explain(pairs: pd.DataFrame, everyone: pd.Index, info: pd.DataFrame, xl: np.ndarray, layers: list[str],
             xd: sparse.csr_matrix, dom_uni: pd.Index, want_d: np.ndarray, adj: sparse.csr_matrix,
             named: np.ndarray) -> pd.DataFrame:
    rows = []
    for r in pairs.itertuples():  # only the selected pairs (top-K) are explained
        ia, jb = int(r.i), int(r.j)
        a_id, b_id = everyone[ia], everyone[jb]
        la = [layers[k] for k in np.flatnonzero(xl[ia])]
        lb = [layers[k] for k in np.flatnonzero(xl[jb])]
        da = set(dom_uni[xd[ia].indices]) if len(dom_uni) else set()
        db = set(dom_uni[xd[jb].indices]) if len(dom_uni) else set()
        wanted = {d for d, ok in zip(dom_uni, want_d, strict=True) if ok}
        shared = sorted(da & db & wanted)
        common = sorted(everyone[np.intersect1d(adj[ia].indices, adj[jb].indices)])
        a_name, b_name = info.at[a_id, "name"], info.at[b_id, "name"]
        a_place, b_place = info.at[a_id, "place"], info.at[b_id, "place"]
        parts = [f"{a_name} ({a_place}; {', '.join(la)}) and {b_name} ({b_place}; {', '.join(lb)}) together "
                 f"cover {', '.join(sorted(set(la) | set(lb)))} of the synergy"]
        if shared:
            parts.append(f"both work in {', '.join(shared)}")
        if common:
            parts.append(f"they share {len(common)} partner{'s' if len(common) > 1 else ''}: "
                         f"{', '.join(info.at[c, 'name'] for c in common[:5])}")
        if named[ia] or named[jb]:
            parts.append("the synergy names " + " and ".join(x for x, f in ((a_name, named[ia]), (b_name, named[jb]))
                                                               if f))
        rows.append({"a": a_id, "a_name": a_name, "a_place": a_place, "b": b_id, "b_name": b_name,
                     "b_place": b_place, "score": round(float(r.score), 4), "reasons": "; ".join(parts) + ".",
                     "facts": {"a_layers": la, "b_layers": lb, "shared_domains": shared, "common_partners": common}})
    return pd.DataFrame(rows, columns=INTRO_COLUMNS)
