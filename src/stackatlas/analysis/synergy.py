"""Synergy discovery: where two regions complete each other on the stack (chapter 5 as software).

A *candidate* is a set of 2–4 layers S, optionally within one domain d, to which both regions A and B
contribute actors. Its score is a weighted sum of documented components (weights and thresholds in
:class:`SynergyConfig`; every one can be changed):

``spec``
    mean over l in S of max over the municipalities m of A and B of P(LQ_ml > 1): each layer should
    have a place in the corridor that is specialised in it. The probability is the posterior of the
    Poisson–gamma (empirical-Bayes) model of :func:`~stackatlas.analysis.profile`, so small counts do
    not look like specialisation and extreme LQs do not dominate. A candidate is generated only when at
    least ``min_specialised_share`` of its layers have a place with a probability of at least
    ``min_specialisation``.
``comp``
    1 when each region holds the most specialised place of at least one layer of S: the regions
    *complete* each other; 0 when one region leads every layer.
``spread``
    distinct leading municipalities / |S|: the synergy connects several places.
``rel``
    mean over layer pairs of tanh(z/2), z the hypergeometric relatedness z-score of
    :func:`~stackatlas.analysis.relatedness` (co-occurrence within actors and across ties): layers that
    go together in organisations.
``sup`` and ``cross``
    log(1 + n_A + n_B) and log(1 + min(n_A, n_B)), n_R the actors of region R with a layer in S (and
    domain d): there are organisations, and both sides bring some.
``ties``
    log(1 + t), t the ties that already cross the corridor between actors active in S (and d).
``places``
    log(1 + m), m the municipalities of the supporting actors.
``domain``
    log max(1, lift), lift = share of the supporting actors that work in d / share of all actors of
    both regions that do: the domain is characteristic of the layer set.
``size``
    minus the number of layers beyond two (larger sets are more generic).

The count components are put on [0, 1] by dividing by their natural maximum (log(1 + all actors of
A ∪ B), log(1 + the smaller region), log(1 + all crossing ties), log(1 + the municipalities), log 4
for the domain lift), so the weights of :data:`DEFAULT_WEIGHTS` are points on comparable scales.

Themes (``ranking='themes'``, the default). A candidate within a domain d is a subset of the same layer
set without one, so against the corridor's maxima its counts are always smaller. The list is therefore
built theme by theme, a theme being a domain or "no domain":

1. within its theme a candidate is measured against its domain: the natural maxima of its counts are those
   of d (its actors in A ∪ B, half of them or the smaller region's share, the crossing ties with an end in
   it, its municipalities); its score so is ``local``. The best candidate of each theme by ``local`` to which
   both sides contribute (the regions, or the anchor and the rest of the corridor) is the theme's *head*;
2. the heads are ordered by ``score``, for which the maxima of a candidate of d are moved from the
   corridor's towards d's, in log space, by Bühlmann's credibility Z_d = N_d / (N_d + k) (N_d the actors
   of A ∪ B in d, k by default the median N_d): a domain of two organisations is measured mostly against
   the corridor, a large domain mostly against itself, so tiny domains do not lead;
3. the other candidates follow by maximal marginal relevance (Carbonell & Goldstein 1998) on ``score``.

A candidate within d is generated only when every layer of S is held by a supporting actor of d
(``theme_coverage``): a theme's synergy is brought by the theme's organisations. ``ranking='score'`` is
the earlier single list (every candidate by ``score`` with the corridor's maxima, moved towards the
domain's by a fixed ``within_domain``, ordered by maximal marginal relevance); with
``theme_coverage=False`` it reproduces the ranking before themes.

Uncertainty: a Poisson bootstrap over actors (each actor weighted by an independent Poisson(1)
count; Hanley & MacGibbon 2006) recomputes ``spec``, ``comp`` and ``sup`` for the best candidates and
gives the 2.5 and 97.5 percentiles of the score. Near-duplicates (same domain, layer sets with a
Jaccard index at or above ``merge_jaccard``) are merged into the better-scoring candidate.
:func:`rank_stability` repeats the ranking under random weightings (each weight times a log-uniform
factor) to show how much a candidate's place in the list depends on them.

Evidence: each result lists its supporting actors per region and the crossing ties, at most
``evidence_limit`` of each (the best connected first; ``None`` lists all); ``n_a``, ``n_b`` and ``ties``
are always the full counts.

Scale: actors with identical rows (layers, domains, regions, municipalities) are counted as one group
with a weight, for the components and for the bootstrap (one Poisson(k) draw for a group of k actors has
the distribution of the k Poisson(1) draws it replaces).

Places: the units of specialisation are the municipalities of A and B. A place none of whose organisations
has a municipality in the data (a country abroad) is one unit itself, with the LQ and gamma prior of its
own level.

The method knows nothing of any particular dataset: regions, layers and domains come from the data.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from ..engine import Engine
from ..errors import AnalysisError, NotFound
from ._locate import WHOLE_DATASET, Numbering, activities, actors_in, check_role, default_baseline, municipalities_in
from ._masks import popcount
from .profile import profile
from .relatedness import relatedness

__all__ = [
    "DEFAULT_WEIGHTS",
    "RANKINGS",
    "SCOPES",
    "SynergyConfig",
    "SynergySpec",
    "corridor_inputs",
    "credibility",
    "default_scope",
    "discover",
    "evaluate",
    "rank_stability",
    "scope_for_pair",
    "similarity",
    "synergy_spec",
]

#: The units of complementarity: the two regions (``between``) or the municipalities of both (``corridor``).
SCOPES = ("between", "corridor")

#: How the list is ordered: theme by theme (the default; see the module docstring), or by the score alone.
RANKINGS = ("themes", "score")

def scope_for_pair(*, a: str, b: str, own: tuple[str | None, str | None], scope: str | None = None) -> str:
    """``scope`` when given; else ``corridor`` for the dataset's own pair ``own`` (``compare:`` in dataset.yaml),
    whose curated synergies are written between municipalities, and ``between`` for any other pair
    (docs/analysis.md).

    >>> scope_for_pair(a="brainport", b="mra", own=("mra", "brainport")), scope_for_pair(a="x", b="y", own=("mra", "brainport"))
    ('corridor', 'between')
    """
    if scope is not None:
        if scope not in SCOPES:
            raise AnalysisError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
        return scope
    return "corridor" if {a, b} == set(own) else "between"


def default_scope(engine: Engine, *, a: str, b: str, scope: str | None = None) -> str:
    """:func:`scope_for_pair` with the dataset's own pair read from the database."""
    return scope_for_pair(a=a, b=b, own=(engine.meta("compare_a"), engine.meta("compare_b")), scope=scope)


DEFAULT_WEIGHTS = {"spec": 1.0, "comp": 0.25, "spread": 0.25, "rel": 0.25, "sup": 1.0, "cross": 2.0, "ties": 1.0,
                   "places": 2.0, "domain": 0.25, "size": 0.4}


@dataclass(frozen=True)
class SynergyConfig:
    """Weights and thresholds of synergy discovery (see the module docstring)."""

    min_layers: int = 2
    max_layers: int = 4
    with_domains: bool = True
    min_support: int = 2
    min_domain_support: int = 1
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    merge_jaccard: float = 0.75
    diversity: float = 0.5
    min_specialisation: float = 0.5
    min_specialised_share: float = 0.5
    bootstrap: int = 200
    bootstrap_top: int = 60
    seed: int = 0
    presence: str = "all"
    evidence_limit: int | None = 200
    scope: str = "between"
    within_domain: float = 0.0
    role: str = "all"
    secondary_weight: float = 1.0
    ranking: str = "themes"
    theme_coverage: bool = True
    credibility_k: float | None = None

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise AnalysisError(f"scope must be one of {', '.join(SCOPES)}, not {self.scope!r}")
        if self.ranking not in RANKINGS:
            raise AnalysisError(f"ranking must be one of {', '.join(RANKINGS)}, not {self.ranking!r}")
        if self.ranking == "themes" and self.within_domain:
            raise AnalysisError("within_domain applies to ranking='score'; ranking='themes' measures a theme against "
                                "its own domain and weighs the domains by credibility")
        if self.credibility_k is not None and not self.credibility_k > 0:
            raise AnalysisError(f"credibility_k must be positive, not {self.credibility_k!r}")
        check_role(self.role, self.secondary_weight)

    def with_weights(self, **w: float) -> SynergyConfig:
        return replace(self, weights={**self.weights, **w})


@dataclass
class CorridorInputs:
    """Everything discovery needs about two regions, as small arrays (rows = actors of A ∪ B)."""

    a: str
    b: str
    actors: list[str]
    names: dict[str, str]
    layers: list[str]
    layer_names: dict[str, tuple[str, str]]
    domains: list[str]
    domain_names: dict[str, tuple[str, str]]
    x: np.ndarray          # actors × layers (bool)
    d: np.ndarray          # actors × domains (bool)
    in_a: np.ndarray
    in_b: np.ndarray
    muni: pd.DataFrame     # actor index, municipality, region ('a' or 'b')
    ties: pd.DataFrame     # id, type, u, v (actor indices), cross (between the regions), cross_m (municipalities)
    theta: dict[str, np.ndarray]       # region -> shrunk LQ per layer
    counts: dict[str, np.ndarray]      # region -> actor counts per layer
    munis: list[str]                   # municipalities of A and B
    muni_region: np.ndarray            # 'a' or 'b' per municipality
    theta_m: np.ndarray                # municipalities × layers: posterior P(LQ > 1)
    m_prior: tuple[np.ndarray, np.ndarray]   # gamma prior (shape, rate) per municipality × layer
    prior: tuple[np.ndarray, np.ndarray]
    base_share: np.ndarray
    z: np.ndarray          # layers × layers relatedness z
    place_names: dict[str, tuple[str, str]]
    types: tuple[np.ndarray, np.ndarray] | None = None   # see _actor_types


def _place_type(engine: Engine, place: str) -> str:
    pl = engine.table("places")
    df = engine.execute(pl.filter(pl.id == place).select("type"))
    if df.empty:
        raise NotFound("place", place)
    return str(df["type"].iloc[0])


def corridor_inputs(engine: Engine, *, a: str, b: str, presence: str = "all", role: str = "all",
                    secondary_weight: float = 1.0) -> CorridorInputs:
    """Collect actors, layers, domains, places, ties, profiles and relatedness for regions ``a`` and ``b``.

    ``role`` and ``secondary_weight`` say which layers count (see :func:`~stackatlas.analysis.profile`): with
    ``core`` an actor supports a layer only when it holds it in a core role; the weight applies to the
    profiles behind the specialisation."""
    check_role(role, secondary_weight)
    if a == b:
        raise AnalysisError("compare two different places")
    ta, tb = _place_type(engine, a), _place_type(engine, b)
    in_a_t = actors_in(engine, a, presence=presence)
    in_b_t = actors_in(engine, b, presence=presence)
    members = in_a_t.select("actor").union(in_b_t.select("actor"), distinct=True)
    # the actors of A ∪ B are numbered in the engine: only their rows, as integer positions, leave it
    num = Numbering(engine, members)
    positions = num.positions
    pos_a = positions(in_a_t, "actor")["p"].to_numpy(dtype=np.int64)
    pos_b = positions(in_b_t, "actor")["p"].to_numpy(dtype=np.int64)
    if not len(pos_a) or not len(pos_b):
        empty = a if not len(pos_a) else b
        raise AnalysisError(f"no actors are located in {empty!r}")
    actors = num.ids()
    lay = engine.table("layers")
    layer_df = engine.execute(lay.order_by("position").select("id", "name_nl", "name_en"))
    layers = list(layer_df["id"])
    lidx = {x: i for i, x in enumerate(layers)}
    acts = positions(activities(engine, by="layer", role=role), "actor", "activity")
    x = np.zeros((len(actors), len(layers)), dtype=bool)
    x[acts["p"].to_numpy(dtype=np.int64), acts["activity"].map(lidx).to_numpy()] = True
    doms = positions(activities(engine, by="domain"), "actor", "activity")
    at_ = engine.table("actors")
    m_id = members.select(m_id="actor")
    names_df = engine.execute(at_.semi_join(m_id, at_.id == m_id.m_id).select("id", "name"))
    names = dict(zip(names_df["id"], names_df["name"], strict=True))
    domains = sorted(set(doms["activity"]))
    didx = {x: i for i, x in enumerate(domains)}
    d = np.zeros((len(actors), len(domains)), dtype=bool)
    if len(doms):
        d[doms["p"].to_numpy(dtype=np.int64), doms["activity"].map(didx).to_numpy()] = True
    in_a = np.zeros(len(actors), dtype=bool)
    in_a[pos_a] = True
    in_b = np.zeros(len(actors), dtype=bool)
    in_b[pos_b] = True

    # municipalities of the actors inside each region (head office and sites)
    rows = []
    whole: dict[str, str] = {}   # places that are their own unit, and their tag
    for tag, place in (("a", a), ("b", b)):
        m = positions(municipalities_in(engine, place, presence=presence), "actor", "municipality")
        if m.empty:
            # none of its actors has a municipality in the data (a country abroad, say): the place itself is
            # the unit whose specialisation counts, with the LQ and prior of its own level
            m = pd.DataFrame({"p": pos_b if tag == "b" else pos_a, "municipality": place})
            whole[place] = tag
        rows.append(pd.DataFrame({"actor": m["p"].to_numpy(dtype=np.int64), "municipality": m["municipality"],
                                  "region": tag}))
    # a deterministic order (the engine returns rows in any order)
    muni = pd.concat(rows, ignore_index=True).sort_values(["region", "actor", "municipality"], ignore_index=True)
    pl = engine.table("places")
    pn = engine.execute(pl.select("id", "name_nl", "name_en"))
    place_names = {r.id: (r.name_nl or r.name_en, r.name_en or r.name_nl) for r in pn.itertuples()}

    ties = num.ties("id", "type")
    u = ties["u"].to_numpy(dtype=np.int64)
    v = ties["v"].to_numpy(dtype=np.int64)
    cross = (in_a[u] & in_b[v]) | (in_b[u] & in_a[v])
    # a deterministic order (the engine returns rows in any order): by the two ends, then id
    ties = pd.DataFrame({"id": ties["id"].to_numpy(), "type": ties["type"].to_numpy(), "u": u, "v": v,
                         "cross": cross}).sort_values(["u", "v", "id"], kind="stable", ignore_index=True)
    ties["cross_m"] = _crosses_municipalities(ties, muni)

    theta, counts = {}, {}
    prior = (np.ones(len(layers)), np.ones(len(layers)))
    base_share = np.full(len(layers), 1 / len(layers))
    profiles: dict[str, pd.DataFrame] = {}   # one profile per level (both regions are often regions)
    # one baseline for both places (so that swapping them changes nothing): the whole dataset when one is
    # a country, else the default for the pair (the dataset's baseline when it contains one of them)
    base = (WHOLE_DATASET if "country" in (ta, tb)
            else default_baseline(engine, level=ta, places=[a, b], presence=presence))
    for tag, place, typ in (("a", a, ta), ("b", b, tb)):
        if typ not in profiles:
            profiles[typ] = profile(engine, level=typ, presence=presence, baseline=base, role=role,
                                    secondary_weight=secondary_weight)
        prof = profiles[typ]
        pr = prof[prof["place"] == place].set_index("layer").reindex(layers)
        theta[tag] = pr["lq_shrunk"].fillna(0.0).to_numpy(dtype=float)
        counts[tag] = pr["actors"].fillna(0).to_numpy(dtype=float)
        eb = prof.attrs.get("eb_prior", {})
        if tag == "a" and eb:
            prior = (np.array([eb.get(x, (1.0, 1.0))[0] for x in layers]),
                     np.array([eb.get(x, (1.0, 1.0))[1] for x in layers]))
            bs = prof.attrs.get("base_share", {})
            base_share = np.array([bs.get(x, 0.0) for x in layers])
    mprof = profiles.get("municipality")
    if mprof is None:
        mprof = profile(engine, level="municipality", presence=presence, baseline=base, role=role,
                        secondary_weight=secondary_weight)
    munis = sorted(set(muni["municipality"]))
    mp = mprof[mprof["place"].isin(munis)]
    c_m = (mp.pivot(index="place", columns="layer", values="count").reindex(index=munis, columns=layers)
           .fillna(0.0).to_numpy(dtype=float, copy=True))
    e_m = (mp.pivot(index="place", columns="layer", values="expected").reindex(index=munis, columns=layers)
           .fillna(0.0).to_numpy(dtype=float, copy=True))
    region_of = muni.drop_duplicates("municipality").set_index("municipality")["region"]
    muni_region = np.array([region_of[m] for m in munis])
    def level_prior(prof: pd.DataFrame) -> np.ndarray:
        eb = prof.attrs.get("eb_prior", {})
        return np.array([eb.get(x, (1.0, 1.0)) for x in layers], dtype=float).T      # 2 × layers

    pri = np.repeat(level_prior(mprof)[:, None, :], len(munis), axis=1)              # 2 × units × layers
    for unit, tag in whole.items():
        prof = profiles[ta if tag == "a" else tb]
        pr = prof[prof["place"] == unit].set_index("layer").reindex(layers)
        i = munis.index(unit)
        c_m[i], e_m[i] = pr["count"].fillna(0.0).to_numpy(float), pr["expected"].fillna(0.0).to_numpy(float)
        pri[:, i, :] = level_prior(prof)
    m_prior = (pri[0], pri[1])
    theta_m = _p_special(c_m, e_m, m_prior)
    rel = relatedness(engine, method="association", with_relations=True, role=role)
    z = np.zeros((len(layers), len(layers)))
    if len(rel):
        z[rel["layer_a"].map(lidx).to_numpy(), rel["layer_b"].map(lidx).to_numpy()] = rel["z"].to_numpy()
    dt = engine.table("domains")
    dom_df = engine.execute(dt.select("id", "name_nl", "name_en"))
    dom_names = {x: (x, x) for x in domains}
    dom_names.update({r.id: (r.name_nl or r.name_en, r.name_en or r.name_nl) for r in dom_df.itertuples()})
    layer_names = {r.id: (r.name_nl, r.name_en) for r in layer_df.itertuples()}
    return CorridorInputs(a=a, b=b, actors=actors, names=names, layers=layers, layer_names=layer_names,
                          domains=domains, domain_names=dom_names, x=x, d=d, in_a=in_a, in_b=in_b, muni=muni,
                          ties=ties, theta=theta, counts=counts, munis=munis, muni_region=muni_region,
                          theta_m=theta_m, m_prior=m_prior, prior=prior, base_share=base_share, z=z,
                          place_names=place_names)


def _inputs_for(engine: Engine, *, a: str, b: str, cfg: SynergyConfig) -> CorridorInputs:
    return corridor_inputs(engine, a=a, b=b, presence=cfg.presence, role=cfg.role,
                           secondary_weight=cfg.secondary_weight)


def _crosses_municipalities(ties: pd.DataFrame, muni: pd.DataFrame) -> np.ndarray:
    """Per tie: True when its two ends share no municipality of A ∪ B (the tie crosses between the units of
    the ``corridor`` scope; a place without municipalities is one unit)."""
    ends = pd.DataFrame({"t": np.arange(len(ties)), "u": ties["u"].to_numpy(), "v": ties["v"].to_numpy()})
    mu = muni[["actor", "municipality"]].drop_duplicates()
    at_u = ends.merge(mu, left_on="u", right_on="actor")[["t", "municipality"]]
    at_v = ends.merge(mu, left_on="v", right_on="actor")[["t", "municipality"]]
    shared = at_u.merge(at_v, on=["t", "municipality"])["t"].to_numpy()
    out = np.ones(len(ties), dtype=bool)
    out[shared] = False
    return out


def _p_special(c: np.ndarray, e: np.ndarray, prior: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Posterior probability that the location quotient exceeds 1 under the Poisson–gamma model.

    With prior Gamma(a, b) and c actors against E expected, LQ | c ~ Gamma(a + c, b + E), so
    P(LQ > 1) = Q(a + c, b + E), the regularised upper incomplete gamma function.
    """
    from scipy import special as sp

    a, b = prior
    return sp.gammaincc(np.maximum(c + a, 1e-12), np.maximum(e + b, 1e-12))


def _muni_incidence(inp: CorridorInputs) -> sparse.csr_matrix:
    """actors × municipalities (sparse 0/1): where each actor of A ∪ B is."""
    col = {m: i for i, m in enumerate(inp.munis)}
    rows = inp.muni["actor"].to_numpy()
    cols = inp.muni["municipality"].map(col).to_numpy()
    mm = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(inp.actors), len(inp.munis)))
    mm.data[:] = 1.0  # an actor listed twice in one municipality counts once
    return mm


def _lead(theta_m: np.ndarray, cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Per layer of ``cols``: the best (highest shrunk LQ) municipality and its θ. Works on (..., M, L)."""
    sub = theta_m[..., cols]
    best = sub.argmax(axis=-2)
    return best, np.take_along_axis(sub, best[..., None, :], axis=-2)[..., 0, :]


def _components(inp: CorridorInputs, sets: list[tuple[int, ...]], cfg: SynergyConfig) -> pd.DataFrame:
    """Score components of every (layer set, domain) candidate, vectorised over actors and domains.

    Actor counts are taken over groups of identical actors (:func:`_actor_types`) weighted by their
    size — the same numbers as over the actors, from a much smaller matrix."""
    n_dom = len(inp.domains)
    n_union = len(inp.actors)
    dom_share = inp.d.sum(axis=0) / max(n_union, 1)
    corridor = cfg.scope == "corridor"
    u, v = inp.ties["u"].to_numpy(), inp.ties["v"].to_numpy()
    cross = inp.ties["cross_m" if corridor else "cross"].to_numpy()
    # only the ties that cross (between the regions, or between municipalities) count: keep their ends and
    # the actors' layers at those ends
    u, v = u[cross], v[cross]
    xu, xv = inp.x[u], inp.x[v]
    mm = _muni_incidence(inp)
    rep, size = _actor_types(inp, mm)
    xg, all_d, in_a, in_b = inp.x[rep], inp.d[rep], inp.in_a[rep], inp.in_b[rep]
    mmt = mm[rep].T.tocsr()                                            # municipalities × groups
    wd = all_d.astype(np.float64)
    sizef = size.astype(np.float64)
    held = (inp.x.astype(np.int64).T @ inp.d.astype(np.int64)) > 0      # layers × domains: held in A ∪ B
    rows: list[dict[str, Any]] = []
    for s in sets:  # ≤ 91 layer sets; everything inside is vectorised over actors and domains
        cols = list(s)
        lead_m, best = _lead(inp.theta_m, cols)
        if (best >= cfg.min_specialisation).mean() < cfg.min_specialised_share:
            continue
        any_g = np.asarray(xg[:, cols].any(axis=1), dtype=bool)
        spec = float(np.mean(best))
        lead_r = inp.muni_region[lead_m]
        leaders = np.unique(lead_m)
        comp = float(len(leaders) >= 2) if corridor else float(("a" in lead_r) and ("b" in lead_r))
        spread = len(leaders) / len(cols)
        pairs = list(itertools.combinations(cols, 2))
        rel = float(np.mean([np.tanh(inp.z[i, j] / 2) for i, j in pairs]))
        sa, sb = sizef * (any_g & in_a), sizef * (any_g & in_b)
        any_u = xu[:, cols].any(axis=1)
        any_v = xv[:, cols].any(axis=1)
        tie_idx = np.flatnonzero(any_u & any_v)
        supp = any_g & (in_a | in_b)
        supp_f = supp.astype(np.float64)
        common = {"layers": s, "spec": spec, "comp": comp, "spread": spread, "rel": rel,
                  "lead": ",".join(inp.munis[m] for m in lead_m)}
        # the two sides whose smaller support ``cross`` rewards: the regions, or (corridor) the leading
        # municipality with the most supporting actors (the anchor) and every other municipality
        sides = _sides(mmt, sizef * supp_f, leaders) if corridor else (sa.sum(), sb.sum(), -1)
        rows.append({**common, "domain": "", "n_a": int(np.rint(sa.sum())), "n_b": int(np.rint(sb.sum())),
                     "s1": int(np.rint(sides[0])), "s2": int(np.rint(sides[1])), "anchor": int(sides[2]),
                     "ties": int(tie_idx.size), "munis": int(np.count_nonzero(mmt @ supp_f)), "lift": 1.0})
        if not cfg.with_domains or n_dom == 0:
            continue
        na_d = np.rint(sa @ wd).astype(np.int64)
        nb_d = np.rint(sb @ wd).astype(np.int64)
        td = (inp.d[u[tie_idx]] | inp.d[v[tie_idx]]).sum(axis=0)
        supp_d = supp_f[:, None] * wd                                  # groups × domains
        munis_d = ((mmt @ supp_d) > 0).sum(axis=0)                    # municipalities × domains → per domain
        n_supp_d = sizef @ supp_d
        n_supp = max(float(sizef @ supp_f), 1.0)
        lift = (n_supp_d / n_supp) / np.where(dom_share > 0, dom_share, 1.0)
        ok = (na_d + nb_d >= cfg.min_support) & (np.maximum(na_d, nb_d) >= cfg.min_domain_support)
        if cfg.theme_coverage:   # every layer of S held by an organisation of the domain
            ok &= held[cols].all(axis=0)
        if corridor:
            s1_d, s2_d, anchor_d = _sides(mmt, (sizef * supp_f)[:, None] * wd, leaders)
        else:
            s1_d, s2_d, anchor_d = na_d, nb_d, np.full(n_dom, -1)
        for k in np.flatnonzero(ok):
            rows.append({**common, "domain": inp.domains[k], "n_a": int(na_d[k]), "n_b": int(nb_d[k]),
                         "s1": int(np.rint(s1_d[k])), "s2": int(np.rint(s2_d[k])), "anchor": int(anchor_d[k]),
                         "ties": int(td[k]), "munis": int(munis_d[k]), "lift": float(lift[k])})
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    df = df[df["n_a"] + df["n_b"] >= cfg.min_support].copy()
    scales = _scales(inp, cfg.scope)
    df.attrs["scales"] = scales
    if cfg.ranking == "themes":
        # the theme's own measure (maxima of its domain) and the credibility-weighted one of the list
        _domain_scales(inp, df, cfg.scope, 1.0)
        df["local"] = _score(df, cfg.weights, scales)
        for name in _COUNTS:
            df[f"lmax_{name}"] = df[f"max_{name}"]
        _domain_scales(inp, df, cfg.scope, _credibility_weights(inp, cfg))
    elif cfg.within_domain:
        _domain_scales(inp, df, cfg.scope, cfg.within_domain)
    f = _features(df, scales)
    df["sup"], df["cross"] = f["sup"], f["cross"]
    df["score"] = _score(df, cfg.weights, scales)
    if "local" not in df:
        df["local"] = df["score"]
    return df.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def _sides(mmt: sparse.csr_matrix, weights: np.ndarray, leaders: np.ndarray) -> Any:
    """The two sides of a candidate in the ``corridor`` scope: the supporting actors in the *anchor* (of the
    municipalities that lead a layer, the one with the most supporting actors) and those elsewhere.

    ``weights`` is groups (× domains) of supporting weight; returns (anchor count, rest, anchor index), each a
    scalar or one per domain."""
    total = weights.sum(axis=0)
    per_m = np.asarray(mmt[leaders] @ weights)                        # leaders (× domains)
    best = per_m.argmax(axis=0)
    s1 = np.take_along_axis(per_m, np.asarray(best)[None, ...], axis=0)[0] if per_m.ndim == 2 else per_m[best]
    return s1, total - s1, leaders[best]


COMPONENTS = ("spec", "comp", "spread", "rel", "sup", "cross", "ties", "places", "domain", "size")


def _scales(inp: CorridorInputs, scope: str = "between") -> dict[str, float]:
    """Natural upper bounds that map the count components onto [0, 1]."""
    corridor = scope == "corridor"
    smaller = len(inp.actors) // 2 if corridor else min(int(inp.in_a.sum()), int(inp.in_b.sum()))
    return {
        "sup": float(np.log1p(len(inp.actors))),
        "cross": float(np.log1p(max(smaller, 1))),
        "ties": float(np.log1p(max(int(inp.ties["cross_m" if corridor else "cross"].sum()), 1))),
        "places": float(np.log1p(max(len(inp.munis), 1))),
        "domain": float(np.log(4.0)),
    }


def credibility(n: Any, k: float) -> Any:
    """Bühlmann's credibility factor Z = n / (n + k): how far a domain of *n* organisations is measured
    against itself rather than against the whole corridor (Bühlmann & Gisler 2005, ch. 3). *k* is the size at
    which a domain counts half: :func:`_credibility_weights` takes the median domain size of A ∪ B.

    >>> [round(float(credibility(n, 5.0)), 2) for n in (0, 1, 5, 20)]
    [0.0, 0.17, 0.5, 0.8]
    """
    n = np.asarray(n, dtype=float)
    return n / (n + k)


def _credibility_weights(inp: CorridorInputs, cfg: SynergyConfig) -> np.ndarray:
    """Per domain of ``inp`` the credibility Z_d = N_d / (N_d + k), N_d its organisations in A ∪ B and k
    ``cfg.credibility_k`` or, by default, the median N_d of the domains that have organisations there."""
    n_d = inp.d.sum(axis=0).astype(float)
    k = cfg.credibility_k
    if k is None:
        k = float(np.median(n_d[n_d > 0])) if (n_d > 0).any() else 1.0
    return np.asarray(credibility(n_d, k), dtype=float)


def _domain_scales(inp: CorridorInputs, df: pd.DataFrame, scope: str, within: float | np.ndarray) -> None:
    """The natural maxima of a domain candidate's count components move towards those of its domain (its
    actors in A ∪ B, half of them or the smaller region's share, the crossing ties with an end in it, its
    municipalities), in log space, by ``within`` (one number, or one per domain of ``inp``): at 1 a theme is
    measured by how much of it the candidate gathers, at 0 by the whole corridor's maxima. Adds (or
    replaces) ``max_sup, max_cross, max_ties, max_places`` in ``df`` (in place)."""
    glob = _scales(inp, scope)
    if not len(inp.domains):
        for name in ("sup", "cross", "ties", "places"):
            df[f"max_{name}"] = glob[name]
        return
    n_d = inp.d.sum(axis=0).astype(float)
    if scope == "corridor":
        half = np.floor(n_d / 2)
    else:
        half = np.minimum((inp.d & inp.in_a[:, None]).sum(axis=0), (inp.d & inp.in_b[:, None]).sum(axis=0))
    t = inp.ties[inp.ties["cross_m" if scope == "corridor" else "cross"]]
    ties_d = (inp.d[t["u"].to_numpy()] | inp.d[t["v"].to_numpy()]).sum(axis=0)
    mm = _muni_incidence(inp)
    places_d = ((mm.T @ inp.d.astype(float)) > 0).sum(axis=0)
    k = df["domain"].map({x: i for i, x in enumerate(inp.domains)})
    has = k.notna().to_numpy()
    ki = k.fillna(0).astype(int).to_numpy()
    w = np.broadcast_to(np.asarray(within, dtype=float), (len(inp.domains),))[ki]
    for name, per in (("sup", n_d), ("cross", half), ("ties", ties_d), ("places", places_d)):
        own = np.log1p(np.maximum(np.asarray(per, dtype=float)[ki], 1.0))
        df[f"max_{name}"] = np.where(has, w * own + (1 - w) * glob[name], glob[name])


_COUNTS = ("sup", "cross", "ties", "places")


def _local_view(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the maxima of each candidate's own theme (``lmax_*``, ranking='themes') as its maxima."""
    if "lmax_sup" not in df:
        return df
    return df.assign(**{f"max_{name}": df[f"lmax_{name}"] for name in _COUNTS})


def _features(df: pd.DataFrame, scales: dict[str, float]) -> pd.DataFrame:
    """Every score component on a comparable scale ([0, 1], except ``rel`` in [-1, 1] and ``size``)."""
    def sc(name: str) -> Any:   # per candidate with ``within_domain``, else one number
        return df[f"max_{name}"] if f"max_{name}" in df else scales[name]
    return pd.DataFrame({
        "spec": df["spec"], "comp": df["comp"], "spread": df["spread"], "rel": df["rel"],
        "sup": np.log1p(df["n_a"] + df["n_b"]) / sc("sup"),
        "cross": np.log1p(np.minimum(df["s1"], df["s2"])) / sc("cross"),
        "ties": np.log1p(df["ties"]) / sc("ties"),
        "places": np.log1p(df["munis"]) / sc("places"),
        "domain": np.minimum(np.log(np.maximum(df["lift"], 1.0)) / scales["domain"], 1.0),
        "size": -(df["layers"].map(len) - 2.0),
    })


def _score(df: pd.DataFrame, w: dict[str, float], scales: dict[str, float]) -> pd.Series:
    f = _features(df, scales)
    return sum(w[k] * f[k] for k in COMPONENTS)


def _actor_types(inp: CorridorInputs, mm: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Group the actors of A ∪ B that the bootstrap cannot tell apart: same layers, domains, regions and
    municipalities. Returns one representative actor per group and the group sizes (computed once per
    inputs)."""
    if inp.types is not None:
        return inp.types
    rows = np.concatenate([inp.x, inp.d, inp.in_a[:, None], inp.in_b[:, None], mm.toarray() > 0], axis=1)
    packed = np.packbits(rows, axis=1)
    _, first, counts = np.unique(packed, axis=0, return_index=True, return_counts=True)
    order = np.argsort(first)   # groups in the order of their first actor: independent of which region is A
    inp.types = (first[order], counts[order])
    return inp.types


def _bootstrap(inp: CorridorInputs, cands: pd.DataFrame, cfg: SynergyConfig) -> tuple[np.ndarray, np.ndarray]:
    """Poisson-bootstrap percentile interval of the score (spec, comp, spread and support resampled).

    Every actor gets an independent Poisson(1) weight per replicate. Everything resampled is a sum of
    weights over actors with identical rows (layers, domains, regions, municipalities), and a sum of
    *k* independent Poisson(1) draws is Poisson(*k*): so one Poisson(*k*) draw per group of *k*
    identical actors gives exactly the same bootstrap distribution with far fewer draws and products.
    """
    rng = np.random.default_rng(cfg.seed)
    scales = cands.attrs["scales"]
    n_m, n_l = len(inp.munis), len(inp.layers)
    w = cfg.weights
    mm = _muni_incidence(inp)
    rep, size = _actor_types(inp, mm)
    g = len(rep)
    wts = rng.poisson(size[None, :].astype(float), size=(cfg.bootstrap, g)).astype(float)   # B × groups
    mmg = mm[rep].tocoo()
    # groups × (municipality, layer) incidence, sparse: an actor is in few municipalities and layers
    grp_l, lay_l = np.nonzero(inp.x[rep])
    pair = pd.DataFrame({"g": mmg.row, "m": mmg.col}).merge(pd.DataFrame({"g": grp_l, "l": lay_l}), on="g")
    xm = sparse.csr_matrix((np.ones(len(pair)), (pair["g"].to_numpy(), pair["m"].to_numpy() * n_l
                                                 + pair["l"].to_numpy())), shape=(g, n_m * n_l))
    c = np.asarray((xm.T @ wts.T).T).reshape(cfg.bootstrap, n_m, n_l)   # B × municipalities × layers
    e = c.sum(axis=2, keepdims=True) * inp.base_share[None, None, :]
    theta = _p_special(c, e, inp.m_prior)
    # supporting actors of every candidate per region, resampled: one matrix product for all candidates
    x, d, in_a, in_b = inp.x[rep], inp.d[rep], inp.in_a[rep], inp.in_b[rep]
    corridor = cfg.scope == "corridor"
    in_m = mm[rep].tocsc()
    support = np.empty((g, 4 * len(cands)), dtype=float)
    for i, row in enumerate(cands.itertuples()):
        any_s = x[:, list(row.layers)].any(axis=1)
        if row.domain:
            any_s = any_s & d[:, inp.domains.index(row.domain)]
        support[:, 4 * i] = any_s & in_a
        support[:, 4 * i + 1] = any_s & in_b
        if corridor:   # the sides: the anchor municipality and the rest of the corridor
            at_anchor = np.asarray(in_m[:, int(row.anchor)].toarray()[:, 0] > 0)
            support[:, 4 * i + 2] = any_s & at_anchor
            support[:, 4 * i + 3] = any_s & (in_a | in_b) & ~at_anchor
        else:
            support[:, 4 * i + 2], support[:, 4 * i + 3] = support[:, 4 * i], support[:, 4 * i + 1]
    resampled = wts @ support                                           # B × 4 candidates
    lows, highs = np.empty(len(cands)), np.empty(len(cands))
    for i, row in enumerate(cands.itertuples()):
        cols = list(row.layers)
        lead_m, best = _lead(theta, cols)                             # B × |S|
        spec = best.mean(axis=1)
        regions = inp.muni_region[lead_m]
        if corridor:
            comp = (lead_m != lead_m[:, :1]).any(axis=1).astype(float)
        else:
            comp = ((regions == "a").any(axis=1) & (regions == "b").any(axis=1)).astype(float)
        spread = np.array([len(set(r)) for r in lead_m.tolist()]) / len(cols)
        na, nb, s1, s2 = (resampled[:, 4 * i + k].astype(float) for k in range(4))
        boot = pd.DataFrame({"layers": [row.layers] * len(spec), "spec": spec, "comp": comp, "spread": spread,
                             "rel": row.rel, "n_a": na, "n_b": nb, "s1": s1, "s2": s2, "ties": row.ties,
                             "munis": row.munis, "lift": row.lift})
        for name in ("sup", "cross", "ties", "places"):
            if f"max_{name}" in cands:
                boot[f"max_{name}"] = getattr(row, f"max_{name}")
        scores = _score(boot, w, scales).to_numpy()
        lows[i], highs[i] = np.percentile(scores, [2.5, 97.5])
    return lows, highs


def _pairwise(layers: list[tuple[int, ...]], domains: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Two candidates × candidates matrices: the Jaccard index of the layer sets where the domains are the
    same (−1 where they differ: never merged), and the similarity used for diversity, the overlap
    coefficient |S ∩ T| / min(|S|, |T|) of the layer sets, halved when the domains differ."""
    masks = np.array([sum(1 << i for i in x) for x in layers], dtype=np.int64)
    uniq, inv = np.unique(masks, return_inverse=True)     # a few dozen layer sets, many domains each
    n = len(uniq)
    inter = popcount((uniq[:, None] & uniq[None, :]).ravel()).reshape(n, n)[np.ix_(inv, inv)]
    union = popcount((uniq[:, None] | uniq[None, :]).ravel()).reshape(n, n)[np.ix_(inv, inv)]
    size = popcount(uniq)[inv]
    dom = np.asarray(domains, dtype=object)
    same = dom[:, None] == dom[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        overlap = inter / np.maximum(np.minimum(size[:, None], size[None, :]), 1)
        jac = np.where(same, inter / np.maximum(union, 1), -1.0)
    return jac, np.where(same, overlap, 0.5 * overlap)


def _merge_order(scores: np.ndarray, jac: np.ndarray, sim: np.ndarray, *, threshold: float, diversity: float,
                 limit: int, order: np.ndarray | None = None, local: np.ndarray | None = None,
                 theme: np.ndarray | None = None, two_sided: np.ndarray | None = None) -> tuple[list[int], np.ndarray]:
    """The ordering of :func:`_merge` on indices: ``order`` lists the candidates best first (default: as
    given), ``jac`` and ``sim`` come from :func:`_pairwise`. Returns the indices of the kept candidates in
    their final order and, per candidate, the index of the candidate it was merged into (−1 when kept).

    With ``theme`` (one label per candidate, its domain) and ``local`` (its score within its theme), the
    ranking is theme by theme: candidates are merged in the order of ``local`` (``order`` is ignored), the
    best kept candidate of every theme (its *head*) comes first, the heads in the order of ``scores``, and
    the rest follow by maximal marginal relevance on ``scores``, their similarity to the heads counted. Only a
    candidate that ``two_sided`` marks (both sides contribute: the definition of a synergy) can be a head."""
    if local is not None and theme is not None:
        order = np.argsort(-np.asarray(local, dtype=float), kind="stable")
    kept: list[int] = []
    merged_into = np.full(len(scores), -1, dtype=np.int64)
    for i in (range(len(scores)) if order is None else order.tolist()):
        if kept:
            hit = np.flatnonzero(jac[i, kept] >= threshold)
            if hit.size:
                merged_into[i] = kept[int(hit[0])]
                continue
        kept.append(i)
    heads: list[int] = []
    rest = kept
    if local is not None and theme is not None:
        seen: set[Any] = set()
        for i in kept:                      # in the order of ``local``: the first of a theme is its best
            if theme[i] not in seen and (two_sided is None or two_sided[i]):
                seen.add(theme[i])
                heads.append(i)
        heads.sort(key=lambda i: -scores[i])                  # stable: equal ones keep their theme order
        is_head = set(heads)
        rest = sorted((k for k in kept if k not in is_head), key=lambda i: -scores[i])
    pool = np.array(rest[: max(limit * 10, limit)], dtype=np.int64)
    chosen: list[int] = list(heads)
    best_sim = (sim[np.ix_(pool, np.asarray(heads, dtype=np.int64))].max(axis=1) if heads and len(pool)
                else np.zeros(len(pool)))
    remaining = np.ones(len(pool), dtype=bool)
    while remaining.any() and len(chosen) < limit:
        adj = np.where(remaining, scores[pool] - diversity * best_sim, -np.inf)
        pick = int(np.argmax(adj))   # the first of equal ones, in score order
        chosen.append(int(pool[pick]))
        remaining[pick] = False
        best_sim = np.maximum(best_sim, sim[pool, pool[pick]])
    taken = set(chosen)
    return chosen + [k for k in rest if k not in taken], merged_into


def _two_sided(cands: pd.DataFrame) -> np.ndarray:
    """Per candidate: both sides bring supporting actors (the two regions, or in the ``corridor`` scope the
    anchor municipality and the rest of the corridor)."""
    return np.asarray(np.minimum(cands["s1"], cands["s2"]) >= 1, dtype=bool)


def _merge(cands: pd.DataFrame, threshold: float, diversity: float, limit: int, *, themes: bool = False) -> pd.DataFrame:
    """Merge near-duplicates, then order by maximal marginal relevance (Carbonell & Goldstein 1998).

    ``cands`` is sorted best first. A candidate whose layer set has a Jaccard index ≥ ``threshold``
    with a better one of the same domain is merged into it (listed in ``merged``). The rest are picked
    greedily by score − ``diversity`` × (largest similarity to a candidate already picked; see
    :func:`_pairwise`), so the list covers different themes rather than variations of the strongest one.
    Only the best ``limit`` are ordered this way. With ``themes`` (ranking='themes') the best candidate of
    every theme comes first (see :func:`_merge_order`).
    """
    jac, sim = _pairwise(list(cands["layers"]), list(cands["domain"]))
    order, merged_into = _merge_order(cands["score"].to_numpy(dtype=float), jac, sim, threshold=threshold,
                                      diversity=diversity, limit=limit,
                                      local=cands["local"].to_numpy(dtype=float) if themes else None,
                                      theme=cands["domain"].to_numpy(dtype=object) if themes else None,
                                      two_sided=_two_sided(cands) if themes else None)
    ids = cands["id"].astype(str).to_numpy()
    out = cands.loc[order].copy()
    out["merged"] = [ids[merged_into == k].tolist() for k in order]
    out.attrs = cands.attrs
    return out.reset_index(drop=True)


def _label(inp: CorridorInputs, layers: tuple[int, ...], lead: str, domain: str, lang: str) -> str:
    k = 0 if lang == "nl" else 1
    parts = [f"{inp.layer_names[inp.layers[col]][k]} ({inp.place_names.get(m, (m, m))[k]})"
             for col, m in zip(layers, lead.split(","), strict=True)]
    text = " × ".join(parts)
    if domain:
        text += (" voor " if lang == "nl" else " for ") + inp.domain_names.get(domain, (domain, domain))[k].lower()
    return text


def _candidates(inp: CorridorInputs, cfg: SynergyConfig) -> pd.DataFrame:
    """Every candidate (layer set of ``min_layers``–``max_layers`` present layers, without or within a
    domain) with its components, ``id`` and score, best first (before merging)."""
    present = [i for i in range(len(inp.layers)) if inp.x[:, i].any()]
    sets = [s for k in range(cfg.min_layers, cfg.max_layers + 1) for s in itertools.combinations(present, k)]
    cands = _components(inp, sets, cfg)
    if not cands.empty:
        cands["id"] = [".".join(inp.layers[i] for i in s) + (f"--{d}" if d else "")
                       for s, d in zip(cands["layers"], cands["domain"], strict=True)]
    return cands


def discover(engine: Engine, *, a: str, b: str, config: SynergyConfig | None = None, top: int | None = 20,
             curated: pd.DataFrame | None = None, inputs: CorridorInputs | None = None) -> pd.DataFrame:
    """Candidate synergies between regions ``a`` and ``b``, best first.

    Returns
    -------
    DataFrame with ``rank, id, label, label_nl, layers, domains, places, score, score_low, score_high,
    evidence, curated_match`` and the score components (``spec, comp, rel, sup, ties, munis, lift``).
    ``evidence`` holds the supporting actors per region (id, name, municipality) and the ties that
    already cross between them.

    Examples
    --------
    >>> import stackatlas
    >>> from stackatlas.analysis import duckdb_engine
    >>> atlas = stackatlas.open(data=stackatlas.fixture_path())
    >>> found = discover(atlas.engine(), a="mra", b="brainport", top=5)
    >>> list(found["rank"]) == list(range(1, len(found) + 1))
    True
    """
    cfg = config or SynergyConfig()
    inp = inputs or _inputs_for(engine, a=a, b=b, cfg=cfg)
    cands = _candidates(inp, cfg)
    if cands.empty:
        return pd.DataFrame(columns=["rank", "id", "label", "layers", "domains", "places", "score", "score_low",
                                     "score_high", "evidence", "curated_match"])
    cands = _merge(cands, cfg.merge_jaccard, cfg.diversity, max(cfg.bootstrap_top, top or 0),
                   themes=cfg.ranking == "themes")
    head = cands.head(max(cfg.bootstrap_top, top or 0)).copy()
    if cfg.bootstrap > 0:
        lo, hi = _bootstrap(inp, head, cfg)
        head["score_low"], head["score_high"] = lo, hi
    else:
        head["score_low"] = head["score_high"] = head["score"]
    if top is not None:
        head = head.head(top)
    out = []
    for rank, row in enumerate(head.itertuples(), start=1):
        out.append(_describe(inp, row, rank, cfg.evidence_limit, cfg.scope))
    result = pd.DataFrame(out)
    if curated is not None and len(curated):
        result["curated_match"] = [best_curated(curated, r["layers"], r["domains"]) for r in result.to_dict("records")]
    else:
        result["curated_match"] = None
    return result


def candidate_evidence(inp: CorridorInputs, layers: list[str], domain: str = "",
                       limit: int | None = None, scope: str = "between") -> tuple[dict[str, Any], list[str]]:
    """The supporting actors per region (id, name, municipality, layers of the set) and the ties that already
    cross (both ends active in the layers, at least one in the domain; between the regions, or in the
    ``corridor`` scope between two organisations that share no municipality) — the same ties the score of
    that scope counts — for any layer set and domain; and the municipalities involved, most actors first.

    With ``limit``, at most that many actors per region and ties are listed: the best connected actors
    (most ties within A ∪ B, then id) and the first ties by id; the counts stay in the candidate's
    ``n_a``, ``n_b`` and ``ties``. Without truncation the actors are in id order."""
    if scope not in SCOPES:
        raise AnalysisError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    cols = [inp.layers.index(x) for x in layers if x in inp.layers]
    in_layers = (np.asarray(inp.x[:, cols].any(axis=1), dtype=bool) if cols
                 else np.zeros(len(inp.actors), dtype=bool))
    in_domain = np.ones(len(inp.actors), dtype=bool)
    if domain:
        in_domain = inp.d[:, inp.domains.index(domain)] if domain in inp.domains else ~in_domain
    any_s = in_layers & in_domain
    t = inp.ties
    u, v = t["u"].to_numpy(), t["v"].to_numpy()
    evidence: dict[str, Any] = {}
    places: list[str] = []
    for tag in ("a", "b"):
        idx = np.flatnonzero(any_s & (inp.in_a if tag == "a" else inp.in_b))
        sub = inp.muni[(inp.muni["region"] == tag) & any_s[inp.muni["actor"].to_numpy()]]
        counts = sub["municipality"].value_counts()
        places.extend(sorted(counts.index, key=lambda m: (-counts[m], m)))   # most actors first, then id
        if limit is not None and len(idx) > limit:
            degree = np.bincount(np.r_[u, v], minlength=len(inp.actors))[idx]
            idx = idx[np.lexsort((idx, -degree))[:limit]]
        first = sub[sub["actor"].isin(idx)].drop_duplicates("actor").set_index("actor")["municipality"].to_dict()
        region = inp.a if tag == "a" else inp.b
        evidence[region] = [{"id": inp.actors[i], "name": inp.names.get(inp.actors[i], inp.actors[i]),
                             "municipality": first.get(i),
                             "layers": [inp.layers[c] for c in cols if inp.x[i, c]]} for i in idx.tolist()]
    tie_mask = t["cross_m" if scope == "corridor" else "cross"].to_numpy() & in_layers[u] & in_layers[v] & (in_domain[u] | in_domain[v])
    shown = t[tie_mask] if limit is None else t[tie_mask].head(limit)
    evidence["ties"] = [{"id": r.id, "type": r.type, "from": inp.actors[r.u], "to": inp.actors[r.v]}
                        for r in shown.itertuples()]
    return evidence, list(dict.fromkeys(places))


def _describe(inp: CorridorInputs, row: Any, rank: int, limit: int | None, scope: str) -> dict[str, Any]:
    cols = list(row.layers)
    evidence, places = candidate_evidence(inp, [inp.layers[c] for c in cols], row.domain, limit=limit, scope=scope)
    return {
        "rank": rank, "id": row.id,
        "label": _label(inp, row.layers, row.lead, row.domain, "en"),
        "label_nl": _label(inp, row.layers, row.lead, row.domain, "nl"),
        "layers": [inp.layers[i] for i in cols], "domains": [row.domain] if row.domain else [],
        "places": places,
        "score": float(row.score), "score_low": float(row.score_low), "score_high": float(row.score_high),
        "spec": float(row.spec), "comp": float(row.comp), "spread": float(row.spread), "rel": float(row.rel),
        "sup": float(row.sup), "cross": float(row.cross),
        "n_a": int(row.n_a), "n_b": int(row.n_b), "ties": int(row.ties), "munis": int(row.munis),
        "lift": float(row.lift), "merged": list(row.merged), "evidence": evidence,
    }


def similarity(curated_layers: set[str], curated_domains: set[str], cand_layers: set[str],
               cand_domains: set[str]) -> float:
    """How well a discovered candidate corresponds to a curated synergy, in [0, 1].

    0.7 × Jaccard of the layer sets + 0.3 × domain agreement (1 when the candidate's domain is one of
    the curated ones or both have none, 0.5 when the candidate has no domain but the curated one has,
    0 when the candidate's domain is not among the curated ones).

    >>> similarity({"ai", "chips"}, set(), {"ai", "chips"}, set())
    1.0
    """
    lj = len(curated_layers & cand_layers) / len(curated_layers | cand_layers)
    if not cand_domains:
        dom = 1.0 if not curated_domains else 0.5
    else:
        dom = 1.0 if cand_domains & curated_domains else 0.0
    return 0.7 * lj + 0.3 * dom


def best_curated(curated: Any, layers: Any, domains: Any, threshold: float = 0.6) -> str | None:
    """The id of the curated synergy a layer set and domains correspond to (``curated_match``), or None.

    ``curated`` is a sequence of mappings (or a DataFrame) with ``id, layers, domains``; the best
    :func:`similarity` at or above ``threshold`` wins, the first one on ties.
    """
    rows = curated.to_dict("records") if hasattr(curated, "to_dict") else curated
    best, best_s = None, threshold
    for r in rows:
        s = similarity(set(r["layers"]), set(r["domains"]), set(layers), set(domains))
        if s > best_s or (s == best_s and best is None):
            best, best_s = r["id"], s
    return best


def evaluate(engine: Engine, *, a: str, b: str, curated: pd.DataFrame, config: SynergyConfig | None = None,
             pool: int = 200, match_threshold: float = 0.8, inputs: CorridorInputs | None = None,
             sensitivity: int = 0, factor: float = 4.0, top: int = 15, seed: int = 0,
             matching: str = "strict") -> pd.DataFrame:
    """For every curated synergy: the discovered candidate that recovers it, its rank, and the overlaps.

    ``matching='strict'`` (the default) applies the rules of :mod:`~stackatlas.analysis._matching`: layer
    Jaccard ≥ 0.5, the curated domain where it has one, a shared municipality, and an optimal one-to-one
    assignment (each candidate recovers at most one curated synergy). ``'loose'`` is the earlier rule,
    kept for comparison: the best-ranked candidate with :func:`similarity` ≥ ``match_threshold``, shared
    freely (``shared_with`` lists the other curated synergies with the same match).

    Columns: ``curated, name, scope, match, label, rank, layer_jaccard, domain_match,
    municipality_overlap, lead, leading_regions`` and, strict, ``eligible`` (how many of the ``pool``
    ranked candidates may recover it) and ``reason`` (why it is not in the first ``top``).
    ``municipality_overlap`` is the share of the curated synergy's municipalities (regions expanded) found
    among the candidate's supporting municipalities. ``lead`` names, per layer of the curated synergy, the
    municipality with the highest P(LQ > 1) (as in the ``comp`` component); ``leading_regions`` is the
    region(s) those municipalities belong to.

    With ``sensitivity`` = *n* > 0 the ranking is repeated under *n* random weightings (as in
    :func:`rank_stability`, each weight times a log-uniform factor in [1/``factor``, ``factor``]), the
    matching is redone under each, and three more columns say how robust the finding is: ``top_share``,
    the share of weightings under which the curated synergy is recovered in the first ``top``;
    ``median_rank`` and ``best_rank`` of its match over the weightings (missing when it has none).
    """
    if matching not in ("strict", "loose"):
        raise AnalysisError(f"matching must be strict or loose, not {matching!r}")
    cfg = config or SynergyConfig()
    inp = inputs or _inputs_for(engine, a=a, b=b, cfg=cfg)
    found = discover(engine, a=a, b=b, config=replace(cfg, bootstrap=0), top=pool, inputs=inp)
    pm = engine.table("place_municipalities")
    places = sorted({p for r in curated.itertuples() for p in r.places})
    expand = engine.execute(pm.filter(pm.place.isin(places)).select("place", "municipality"))
    by_place = expand.groupby("place")["municipality"].agg(set).to_dict()
    cur_sets = [(set(r.layers), set(r.domains), set().union(*[by_place.get(p, set()) for p in r.places]))
                for r in curated.itertuples()]
    fits = [_fit(inp, list(r.layers)) for r in curated.itertuples()]
    if matching == "loose":
        table = _evaluate_loose(curated, found, cur_sets, fits, match_threshold)
    else:
        table = _evaluate_strict(curated, found, cur_sets, fits, top=top, pool=pool)
    table.insert(2, "scope", cfg.scope)
    if sensitivity > 0:
        table = table.join(_sensitivity(inp, cfg, cur_sets, matching=matching, match_threshold=match_threshold,
                                        samples=sensitivity, factor=factor, seed=seed, top=top,
                                        limit=max(cfg.bootstrap_top, pool)))
    return table


def _fit(inp: CorridorInputs, layers: list[str]) -> dict[str, Any]:
    """Which municipality leads each layer of a curated synergy, and to which region(s) they belong."""
    cols = [inp.layers.index(x) for x in layers if x in inp.layers]
    lead_m, _ = _lead(inp.theta_m, cols) if cols else (np.array([], dtype=int), None)
    lead = "; ".join(f"{inp.layers[c]}: {inp.munis[m]}" for c, m in zip(cols, lead_m.tolist(), strict=True))
    regions = set(inp.muni_region[lead_m].tolist())
    return {"lead": lead, "leading_regions": ", ".join(p for t, p in (("a", inp.a), ("b", inp.b)) if t in regions)}


def _overlaps(c: tuple[set[str], set[str], set[str]], f: dict[str, Any]) -> dict[str, Any]:
    c_layers, c_domains, c_munis = c
    f_layers = set(f["layers"])
    return {"match": f["id"], "label": f["label"], "rank": int(f["rank"]),
            "layer_jaccard": round(len(c_layers & f_layers) / len(c_layers | f_layers), 3),
            "domain_match": bool(set(f["domains"]) & c_domains) if len(f["domains"]) else None,
            "municipality_overlap": (round(len(c_munis & set(f["places"])) / len(c_munis), 3) if c_munis
                                     else None)}


def _evaluate_strict(curated: pd.DataFrame, found: pd.DataFrame, cur_sets: list, fits: list, *, top: int,
                     pool: int) -> pd.DataFrame:
    from ._matching import assign, eligibility

    cands = [(set(f.layers), set(f.domains), set(f.places)) for f in found.itertuples()]
    ok = eligibility(cur_sets, cands)
    ranks = found["rank"].to_numpy(dtype=float) if len(found) else np.zeros(0)
    chosen = assign(ok, ranks, top=top)
    rows = []
    for i, r in enumerate(curated.itertuples()):
        row: dict[str, Any] = {"curated": r.id, "name": r.name, "match": None, "rank": None,
                               "eligible": int(ok[i].sum()) if len(found) else 0}
        if chosen[i] >= 0:
            row.update(_overlaps(cur_sets[i], found.iloc[int(chosen[i])].to_dict()))
        row.update(fits[i])
        row["reason"] = _miss_reason(row, cur_sets[i], ok[i] if len(found) else np.zeros(0, dtype=bool), ranks,
                                     top=top, pool=pool)
        rows.append(row)
    return pd.DataFrame(rows)


def _miss_reason(row: dict[str, Any], cur: tuple[set[str], set[str], set[str]], ok: np.ndarray,
                 ranks: np.ndarray, *, top: int, pool: int) -> str:
    """Why a curated synergy is not recovered in the first ``top`` ('' when it is)."""
    if row["rank"] is not None and row["rank"] <= top:
        return ""
    if not ok.any():
        need = f" in {'/'.join(sorted(cur[1]))}" if cur[1] else ""
        return f"no candidate{need} with layer Jaccard ≥ 0.5 and one of its municipalities among the first {pool}"
    best = int(ranks[ok].min())
    if best <= top:
        return f"its eligible candidates in the first {top} are assigned to other curated synergies"
    return f"best eligible candidate at rank {best}"


def _evaluate_loose(curated: pd.DataFrame, found: pd.DataFrame, cur_sets: list, fits: list,
                    threshold: float) -> pd.DataFrame:
    rows = []
    for i, r in enumerate(curated.itertuples()):
        c_layers, c_domains, _ = cur_sets[i]
        best = next((f for f in found.to_dict("records")   # ranked best first: the first acceptable match wins
                     if similarity(c_layers, c_domains, set(f["layers"]), set(f["domains"])) >= threshold), None)
        row: dict[str, Any] = {"curated": r.id, "name": r.name, "match": None, "rank": None, "similarity": 0.0}
        if best is not None:
            row.update(_overlaps(cur_sets[i], best))
            row["similarity"] = round(similarity(c_layers, c_domains, set(best["layers"]), set(best["domains"])), 3)
        rows.append({**row, **fits[i]})
    table = pd.DataFrame(rows)
    by_match = table.groupby("match", dropna=True)["curated"].agg(list)
    table["shared_with"] = [", ".join(c for c in by_match.get(m, []) if c != cid) if isinstance(m, str) else ""
                            for cid, m in zip(table["curated"], table["match"], strict=True)]
    return table


def _candidate_places(inp: CorridorInputs, cands: pd.DataFrame) -> list[set[str]]:
    """The municipalities of each candidate's supporting actors (as ``places`` of :func:`discover`), over
    groups of identical actors: one sparse product for all candidates."""
    mm = _muni_incidence(inp)
    rep, _ = _actor_types(inp, mm)
    x, d, inside = inp.x[rep], inp.d[rep], (inp.in_a | inp.in_b)[rep]
    supp = np.zeros((len(rep), len(cands)), dtype=np.float64)
    for j, (layers, domain) in enumerate(zip(cands["layers"], cands["domain"], strict=True)):
        s = x[:, list(layers)].any(axis=1) & inside
        supp[:, j] = s & d[:, inp.domains.index(domain)] if domain else s
    hit = np.asarray((mm[rep].T @ supp) > 0)                           # municipalities × candidates
    return [{inp.munis[m] for m in np.flatnonzero(hit[:, j])} for j in range(len(cands))]


def _sensitivity(inp: CorridorInputs, cfg: SynergyConfig, cur_sets: list, *, matching: str,
                 match_threshold: float, samples: int, factor: float, seed: int, top: int,
                 limit: int) -> pd.DataFrame:
    """``top_share, median_rank, best_rank`` per curated synergy under random weightings (see
    :func:`evaluate`); rows in the order of ``cur_sets``."""
    from ._matching import assign, eligibility

    cands, _, sampled = _sampled_ranks(inp, cfg, samples=samples, factor=factor, seed=seed, limit=limit)
    cand_sets = [({inp.layers[i] for i in x}, {d} if d else set(), p)
                 for x, d, p in zip(cands["layers"], cands["domain"], _candidate_places(inp, cands), strict=True)]
    first = np.full((len(cur_sets), samples), np.inf)
    if matching == "loose":
        for i, (c_layers, c_domains, _) in enumerate(cur_sets):
            hits = np.array([similarity(c_layers, c_domains, cl, cd) >= match_threshold
                             for cl, cd, _ in cand_sets], dtype=bool)
            if hits.any():
                first[i] = sampled[hits].min(axis=0)
    else:
        ok = eligibility(cur_sets, cand_sets)
        for j in range(samples):
            chosen = assign(ok, sampled[:, j], top=top)
            has = chosen >= 0
            first[has, j] = sampled[chosen[has], j]
    rows = []
    for f in first:
        fin = f[np.isfinite(f)]
        rows.append({"top_share": round(float((f <= top).mean()), 3),
                     "median_rank": float(np.median(f)) if len(fin) == len(f) else None,
                     "best_rank": int(fin.min()) if len(fin) else None})
    return pd.DataFrame(rows)


def _sampled_ranks(inp: CorridorInputs, cfg: SynergyConfig, *, samples: int, factor: float, seed: int,
                   limit: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Candidates (best first under ``cfg``), their rank under ``cfg`` and their ranks under ``samples``
    random weightings (candidates × samples; ``inf`` where a candidate is merged into another or beyond the
    ordered list). Every weight is multiplied by an independent log-uniform factor in [1/``factor``,
    ``factor``]; the scores of all weightings are one matrix product, and each is merged and ordered as in
    :func:`discover`."""
    cands = _candidates(inp, cfg)
    n = len(cands)
    if n == 0:
        return cands, np.zeros(0), np.zeros((0, samples))
    feats = _features(cands, cands.attrs["scales"])[list(COMPONENTS)].to_numpy(dtype=float)
    themed = cfg.ranking == "themes"
    feats_local = (_features(_local_view(cands), cands.attrs["scales"])[list(COMPONENTS)].to_numpy(dtype=float)
                   if themed else feats)
    jac, sim = _pairwise(list(cands["layers"]), list(cands["domain"]))
    theme = cands["domain"].to_numpy(dtype=object) if themed else None
    sided = _two_sided(cands) if themed else None
    base = np.array([cfg.weights[k] for k in COMPONENTS], dtype=float)
    rng = np.random.default_rng(seed)
    w = base[:, None] * np.exp(rng.uniform(-np.log(factor), np.log(factor), size=(len(base), samples)))
    scores = feats @ w                                                     # candidates × samples
    local = feats_local @ w

    def ranks_of(col: np.ndarray, loc: np.ndarray) -> np.ndarray:
        order, _ = _merge_order(col, jac, sim, threshold=cfg.merge_jaccard, diversity=cfg.diversity, limit=limit,
                                order=np.argsort(-col, kind="stable"), local=loc if themed else None, theme=theme,
                                two_sided=sided)
        r = np.full(n, np.inf)
        r[order] = np.arange(1, len(order) + 1)
        return r

    base_rank = ranks_of(cands["score"].to_numpy(dtype=float), cands["local"].to_numpy(dtype=float))
    sampled = (np.column_stack([ranks_of(scores[:, j], local[:, j]) for j in range(samples)]) if samples
               else np.zeros((n, 0)))
    return cands, base_rank, sampled


def rank_stability(engine: Engine, *, a: str, b: str, config: SynergyConfig | None = None, samples: int = 200,
                   factor: float = 4.0, top: int = 15, seed: int = 0,
                   inputs: CorridorInputs | None = None) -> pd.DataFrame:
    """How much the ranking of discovered synergies depends on the weights of the score.

    An uncertainty analysis of a composite indicator (Saisana, Saltelli & Tarantola 2005; OECD/JRC 2008):
    every weight of :data:`DEFAULT_WEIGHTS` (or ``config``) is multiplied by an independent log-uniform
    factor in [1/``factor``, ``factor``], ``samples`` times, and the candidates are scored, merged and
    ordered again each time.

    Returns
    -------
    DataFrame with ``id, layers, domains, rank`` (under the configured weights), ``top_share`` (share of the
    weightings under which the candidate is in the first ``top``), ``median_rank`` and ``best_rank``, for
    the candidates that are in the first ``top`` under the configured weights or under any sampled one,
    ordered by ``rank``.

    References
    ----------
    Saisana, M., Saltelli, A. & Tarantola, S. (2005). Uncertainty and sensitivity analysis techniques as
    tools for the quality assessment of composite indicators. J. R. Stat. Soc. A 168(2), 307–323.
    OECD/JRC (2008). Handbook on Constructing Composite Indicators: Methodology and User Guide, ch. 7.

    Examples
    --------
    >>> import stackatlas
    >>> from stackatlas.analysis import duckdb_engine
    >>> atlas = stackatlas.open(data=stackatlas.fixture_path())
    >>> st = rank_stability(atlas.engine(), a="mra", b="brainport", samples=20, top=5)
    >>> bool(((st["top_share"] >= 0) & (st["top_share"] <= 1)).all()), bool((st["best_rank"] <= 5).all())
    (True, True)
    """
    cfg = config or SynergyConfig()
    inp = inputs or _inputs_for(engine, a=a, b=b, cfg=cfg)
    cands, base, ranks = _sampled_ranks(inp, cfg, samples=samples, factor=factor, seed=seed,
                                        limit=max(cfg.bootstrap_top, top))
    if cands.empty:
        return pd.DataFrame(columns=["id", "layers", "domains", "rank", "top_share", "median_rank", "best_rank"])
    best = ranks.min(axis=1) if samples else base
    keep = np.flatnonzero((base <= top) | (best <= top))
    with np.errstate(invalid="ignore"):
        med = np.median(ranks, axis=1) if samples else base
    out = pd.DataFrame({
        "id": cands["id"].to_numpy()[keep],
        "layers": [[inp.layers[i] for i in cands.at[k, "layers"]] for k in keep],
        "domains": [[cands.at[k, "domain"]] if cands.at[k, "domain"] else [] for k in keep],
        "rank": base[keep], "top_share": (ranks[keep] <= top).mean(axis=1) if samples else (base[keep] <= top) * 1.0,
        "median_rank": med[keep], "best_rank": best[keep],
    })
    for col in ("rank", "median_rank", "best_rank"):   # inf (merged, or beyond the list) becomes missing
        out[col] = out[col].where(np.isfinite(out[col])).astype("Int64" if col != "median_rank" else float)
    return out.sort_values(["rank", "id"], na_position="last", kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class SynergySpec:
    """What a synergy is about: its layers, domains and (for curated ones) the organisations it names."""

    id: str
    layers: tuple[str, ...]
    domains: tuple[str, ...]
    actors: tuple[str, ...] = ()
    curated: bool = False


def synergy_spec(engine: Engine, ident: str) -> SynergySpec:
    """Resolve a curated synergy id (``C``) or a discovered candidate id (``chips.ai--manufacturing``)."""
    sm = engine.table("synergy_members")
    rows = engine.execute(sm.filter(sm.synergy == ident).select("what", "position", "ref"))
    if len(rows):
        rows = rows.sort_values(["what", "position"])
        def refs(what: str) -> tuple[str, ...]:
            return tuple(rows.loc[rows["what"] == what, "ref"])
        return SynergySpec(ident, refs("layers"), refs("domains"), refs("actors"), curated=True)
    layer_part, _, domain = ident.partition("--")
    layers = tuple(x for x in layer_part.split(".") if x)
    lay = engine.table("layers")
    known = set(engine.execute(lay.select("id"))["id"])
    dt = engine.table("domains")
    known_domains = set(engine.execute(dt.select("id"))["id"])
    if not layers or any(x not in known for x in layers) or (domain and domain not in known_domains):
        raise NotFound("synergy", ident)
    return SynergySpec(ident, layers, (domain,) if domain else ())
