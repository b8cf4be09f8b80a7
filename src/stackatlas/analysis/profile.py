"""Where a place stands on the stack: counts, shares and location quotients per place × layer.

The location quotient (LQ) compares a place's share of an activity with the baseline's share
(Florence 1939; Isard 1960)::

    LQ_pl = (c_pl / c_p) / (B_l / B)  =  c_pl / E_pl,   E_pl = c_p * B_l / B

with c_pl the (weighted) count of actors of place p in layer l, c_p = sum_l c_pl, and B_l, B the same for
the baseline: by default the dataset's own ``baseline`` place (the Netherlands for the corridor) when it
contains one of the places compared, else (and always for countries) every located actor of the dataset,
:data:`~stackatlas.analysis._locate.WHOLE_DATASET` (:func:`~stackatlas.analysis._locate.default_baseline`).
The result says which (``attrs["baseline"]``) and how many actors no place holds and were left out
(``attrs["left_out"]``). Uncertainty treats c_pl as Poisson
with mean LQ * E_pl, as for a standardised ratio:

* 95% interval: the exact (Garwood 1936) interval of the Poisson mean, divided by E_pl; with
  non-integer (fractional or weighted) counts the gamma form of the same interval is used;
* one-sided p-value for LQ > 1: P(X >= c_pl | X ~ Poisson(E_pl)) (the regularised lower incomplete
  gamma function), 1 when c_pl = 0;
* empirical-Bayes shrunk LQ: the Poisson–gamma model of Clayton & Kaldor (1987), its gamma prior
  fitted per layer across the places of the level by maximum marginal likelihood (moments, Marshall
  1991, as a fallback), with the boundary-avoiding penalty of Chung et al. (2013) so that a layer with
  few, evenly spread actors is not declared certain; small counts are pulled towards the layer's typical
  LQ, large ones keep theirs.

Per place, :func:`specialisation` gives the Krugman index sum_l |s_pl - s_Bl| (Krugman 1991), the Hoover
index (half of it), the Herfindahl–Hirschman index sum_l s_pl^2 and the Shannon entropy of the shares.

References
----------
Clayton, D. & Kaldor, J. (1987). Empirical Bayes estimates of age-standardized relative risks for use
in disease mapping. Biometrics 43(3), 671–681.
Chung, Y., Rabe-Hesketh, S., Dorie, V., Gelman, A. & Liu, J. (2013). A nondegenerate penalized likelihood
estimator for variance parameters in multilevel models. Psychometrika 78(4), 685–709.
Garwood, F. (1936). Fiducial limits for the Poisson distribution. Biometrika 28, 437–442.
Marshall, R. J. (1991). Mapping disease and mortality rates using empirical Bayes estimators. Applied
Statistics 40(2), 283–294.
Krugman, P. (1991). Geography and Trade. MIT Press.
Balland, P.-A. (2017). EconGeo: Computing key indicators of the spatial distribution of economic
activities. R package.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ..engine import Engine
from ..errors import AnalysisError
from ._locate import BY, LEVELS, WHOLE_DATASET, actor_places, actors_in, default_baseline, unplaced, weighted_activities

__all__ = ["PROFILE_COLUMNS", "eb_prior", "lq_table", "profile", "specialisation"]

PROFILE_COLUMNS = ["place", "layer", "count", "actors", "share", "expected", "lq", "lq_low", "lq_high",
                   "p_value", "lq_shrunk"]


def _weighted_activities(engine: Engine, *, by: str, fractional: bool, weight: str | None, role: str = "all",
                         secondary_weight: float = 1.0) -> Any:
    acts = weighted_activities(engine, by=by, role=role, secondary_weight=secondary_weight)
    if fractional:
        k = acts.group_by("actor").agg(k=acts.w.sum())
        acts = acts.join(k, "actor").mutate(w=acts.w / k.k).select("actor", "activity", "w")
    if weight is not None:
        ind = engine.table("indicators")
        ind = ind.filter(ind.metric == weight)
        latest = ind.group_by("subject").agg(value=ind.value.max())
        acts = acts.join(latest, acts.actor == latest.subject, how="left")
        acts = acts.select("actor", "activity", w=acts.w * acts.value.fill_null(0.0))
    return acts


def lq_table(counts: pd.DataFrame, base: pd.Series, *, order: list[str] | None = None,
             alpha: float = 0.05) -> pd.DataFrame:
    """Shares, LQs, intervals, p-values and shrunk LQs from a place × activity count matrix.

    Parameters
    ----------
    counts
        Long table with columns ``place, activity, count, actors``.
    base
        Baseline counts per activity (index: activity).
    order
        Activities to report (default: all that occur), in this order; missing ones count zero.
    alpha
        1 - coverage of the interval.

    Examples
    --------
    >>> counts = pd.DataFrame({"place": ["a", "a", "b"], "activity": ["x", "y", "x"],
    ...                        "count": [3.0, 1.0, 2.0], "actors": [3, 1, 2]})
    >>> base = pd.Series({"x": 5.0, "y": 5.0})
    >>> t = lq_table(counts, base)
    >>> t.loc[(t.place == "a") & (t.layer == "x"), "lq"].round(3).item()   # (3/4) / (5/10)
    1.5
    """
    acts = order if order is not None else sorted(set(counts["activity"]) | set(base.index))
    places = sorted(set(counts["place"]))
    if not places:
        return pd.DataFrame(columns=PROFILE_COLUMNS)
    pi = {p: i for i, p in enumerate(places)}
    ai = {a: j for j, a in enumerate(acts)}
    keep = counts["activity"].isin(ai)
    rows = counts.loc[keep, "place"].map(pi).to_numpy()
    cols = counts.loc[keep, "activity"].map(ai).to_numpy()
    c = np.zeros((len(places), len(acts)))
    n = np.zeros_like(c)
    np.add.at(c, (rows, cols), counts.loc[keep, "count"].to_numpy(dtype=float))
    np.add.at(n, (rows, cols), counts.loc[keep, "actors"].to_numpy(dtype=float))
    b = base.reindex(acts).fillna(0.0).to_numpy(dtype=float)
    if b.sum() <= 0:
        raise AnalysisError("the baseline has no actors: choose another --baseline")
    cp = c.sum(axis=1, keepdims=True)
    sb = b / b.sum()
    e = cp * sb[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(cp > 0, c / cp, np.nan)
        lq = np.where(e > 0, c / e, np.nan)
        lo = np.where(c > 0, stats.gamma.ppf(alpha / 2, np.where(c > 0, c, 1.0)), 0.0)
        hi = stats.gamma.ppf(1 - alpha / 2, c + 1.0)
        lq_low = np.where(e > 0, lo / e, np.nan)
        lq_high = np.where(e > 0, hi / e, np.nan)
        p = np.where(c > 0, special.gammainc(np.where(c > 0, c, 1.0), e), 1.0)
        p = np.where(e > 0, p, np.nan)
    prior_a, prior_b = eb_prior(c, e)
    with np.errstate(invalid="ignore"):
        shrunk = np.where(e > 0, (c + prior_a[None, :]) / (e + prior_b[None, :]), np.nan)
    out = pd.DataFrame({
        "place": np.repeat(places, len(acts)),
        "layer": np.tile(acts, len(places)),
        "count": c.ravel(), "actors": n.ravel().astype(int), "share": share.ravel(), "expected": e.ravel(),
        "lq": lq.ravel(), "lq_low": lq_low.ravel(), "lq_high": lq_high.ravel(), "p_value": p.ravel(),
        "lq_shrunk": shrunk.ravel(),
    })
    out.attrs["eb_prior"] = {a: (float(x), float(y)) for a, x, y in zip(acts, prior_a, prior_b, strict=True)}
    out.attrs["base_share"] = dict(zip(acts, sb.tolist(), strict=True))
    return out


def eb_prior(c: np.ndarray, e: np.ndarray, *, penalty: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Gamma prior (shape ``a``, rate ``b``) of the relative risk of each column (layer).

    Fitted by maximum marginal (negative-binomial) likelihood across the rows (places) with E > 0
    (Clayton & Kaldor 1987), penalised by ``penalty`` × log σ with σ = 1/√a the prior's coefficient of
    variation: the boundary-avoiding prior of Chung et al. (2013), a Gamma(2, 0) density on σ. Without
    it a column whose few counts vary less than Poisson has its maximum at σ = 0 (a → ∞): every place
    then gets the column's rate with certainty, and P(LQ > 1) is 0 or 1 however little is known. With
    it σ stays positive, and columns with real heterogeneity move little. ``penalty=0`` is the plain
    maximum. The moment estimator of Marshall (1991) is the fallback when the optimiser fails; if it finds
    no heterogeneity either, the prior is worth as much as the column's data (b = ΣE), not infinitely
    much. A column without any count gets a near-zero rate.

    >>> c = np.array([[3.0], [1.0], [1.0], [0.0]])      # 5 actors, spread less than Poisson would
    >>> e = np.array([[3.1], [1.4], [0.9], [0.5]])
    >>> a, b = eb_prior(c, e, penalty=0.0)
    >>> bool(a[0] > 1e3)                                 # σ ≈ 0: (almost) full pooling
    True
    >>> a, b = eb_prior(c, e)
    >>> bool(1.0 < a[0] < 100.0), round(float(a[0] / b[0]), 1)
    (True, 0.8)
    """
    from scipy import optimize

    k = c.shape[1]
    a_out, b_out = np.full(k, np.nan), np.full(k, np.nan)
    for j in range(k):  # a small loop over layers; each fit is vectorised over places
        ok = e[:, j] > 0
        if not ok.any():
            continue
        cj, ej = c[ok, j], e[ok, j]
        m = cj.sum() / ej.sum()
        if m <= 0:
            a_out[j], b_out[j] = 1e-6, 1e6
            continue

        def nll(x: np.ndarray, cj: np.ndarray = cj, ej: np.ndarray = ej) -> float:
            a, mean = np.exp(x[0]), np.exp(x[1])
            b = a / mean
            ll = (special.gammaln(cj + a) - special.gammaln(a) + a * np.log(b / (b + ej))
                  + cj * np.log(ej / (b + ej)))
            # boundary-avoiding penalty log σ, σ = 1/√a the prior's coefficient of variation (Chung et al.
            # 2013): without it a layer whose few counts vary less than Poisson gets σ = 0 (a → ∞) and
            # every place the same LQ with certainty, P(LQ > 1) = 0 or 1 however little is known
            return float(-ll.sum() + penalty * 0.5 * x[0])

        res = optimize.minimize(nll, x0=np.array([0.0, np.log(m)]), method="L-BFGS-B",
                                bounds=[(-10.0, 12.0), (-20.0, 10.0)])
        if res.success:
            a, mean = float(np.exp(res.x[0])), float(np.exp(res.x[1]))
            a_out[j], b_out[j] = a, a / mean
            continue
        theta = cj / ej
        v = (ej * (theta - m) ** 2).sum() / ej.sum() - m / ej.mean()
        if v <= 0:
            a_out[j], b_out[j] = m * ej.sum(), ej.sum()
        else:
            a_out[j], b_out[j] = m * m / v, m / v
    return a_out, b_out


def specialisation(table: pd.DataFrame) -> pd.DataFrame:
    """Per place: Krugman and Hoover specialisation, HHI, entropy and diversity from a profile table.

    >>> t = pd.DataFrame({"place": ["a", "a"], "layer": ["x", "y"], "share": [0.5, 0.5],
    ...                   "expected": [1.0, 1.0], "count": [1.0, 1.0]})
    >>> specialisation(t)[["krugman", "hhi"]].round(3).values.tolist()
    [[0.0, 0.5]]
    """
    t = table.copy()
    totals = t.groupby("place")["expected"].transform("sum")
    t["base_share"] = np.where(totals > 0, t["expected"] / totals, np.nan)
    t["absdiff"] = (t["share"] - t["base_share"]).abs()
    s = t["share"].fillna(0.0)
    t["sq"] = s * s
    t["plogp"] = np.where(s > 0, -s * np.log(np.where(s > 0, s, 1.0)), 0.0)
    t["present"] = (t["count"] > 0).astype(int)
    g = t.groupby("place", sort=True)
    out = pd.DataFrame({
        "krugman": g["absdiff"].sum(),
        "hoover": g["absdiff"].sum() / 2,
        "hhi": g["sq"].sum(),
        "entropy": g["plogp"].sum(),
        "diversity": g["present"].sum(),
        "total": g["count"].sum(),
    }).reset_index()
    return out


def profile(engine: Engine, *, level: str = "municipality", by: str = "layer", baseline: str | None = None,
            weight: str | None = None, fractional: bool = False, presence: str = "all",
            places: list[str] | None = None, alpha: float = 0.05, role: str = "all",
            secondary_weight: float = 1.0) -> pd.DataFrame:
    """Stack profile of every place of a level: counts, shares and LQs with intervals.

    Parameters
    ----------
    engine
        Where to run (:func:`~stackatlas.engine.duckdb_engine` or ``spark_engine``).
    level
        ``municipality``, ``region``, ``province``, ``country`` or ``site``.
    by
        ``layer``, ``sublayer`` or ``domain``.
    baseline
        Place whose actors define the expected shares, or ``"*"`` for every located actor (default:
        :func:`~stackatlas.analysis._locate.default_baseline`).
    weight
        An indicator metric with a value per actor (e.g. employees); counts become weighted sums.
    fractional
        Count an actor in k activities as 1/k in each (the count of a place then equals its actors).
    presence
        ``all`` (head office and active sites) or ``hq`` (head office only).
    places
        Report only these places (the shrinkage still uses every place of the level).
    role, secondary_weight
        Which layers count (:data:`~stackatlas.analysis._locate.ROLES`): ``all`` counts every layer of an
        actor, one it holds only in a *secondary* role (a university teaching AI, a ministry buying drones)
        with weight ``secondary_weight`` (default 1: like a core layer); ``core`` counts only core layers.
        ``count`` is then the weighted sum, ``actors`` the actors with a counted layer.

    Returns
    -------
    DataFrame with columns ``place, layer, count, actors, share, expected, lq, lq_low, lq_high,
    p_value, lq_shrunk`` (the activity column is named after ``by``).

    Examples
    --------
    >>> import stackatlas
    >>> from stackatlas.analysis import duckdb_engine
    >>> atlas = stackatlas.open(data=stackatlas.fixture_path())
    >>> t = profile(atlas.engine(), level="region")
    >>> row = t[(t.place == "brainport") & (t.layer == "chips")].iloc[0]
    >>> int(row["actors"]), bool(row["lq"] > 1)
    (4, True)
    """
    if by not in BY:
        raise AnalysisError(f"by must be one of {', '.join(BY)}, not {by!r}")
    if level not in LEVELS:
        raise AnalysisError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    baseline = baseline or default_baseline(engine, level=level, places=places, presence=presence)
    pl = engine.table("places")
    if baseline != WHOLE_DATASET and engine.execute(pl.filter(pl.id == baseline).select("id")).empty:
        raise AnalysisError(f"unknown baseline place {baseline!r}")
    acts = _weighted_activities(engine, by=by, fractional=fractional, weight=weight, role=role,
                                secondary_weight=secondary_weight)
    located = actor_places(engine, level=level, presence=presence)
    joined = located.join(acts, "actor")
    # rows of ``joined`` are distinct (actor, place, activity): a row count is a count of actors
    counts = engine.execute(joined.group_by(["place", "activity"]).agg(count=joined.w.sum(),
                                                                      actors=joined.count()))
    inside = actors_in(engine, baseline, presence=presence)
    bj = inside.join(acts, "actor")
    base_df = engine.cached(("profile-baseline", baseline, by, fractional, weight, presence, role,
                             secondary_weight),
                            lambda: engine.execute(bj.group_by("activity").agg(base=bj.w.sum())))
    base = base_df.set_index("activity")["base"].astype(float)
    order = None
    if by == "layer":
        lay = engine.table("layers")
        order = list(engine.execute(lay.order_by("position").select("id"))["id"])
    table = lq_table(counts, base, order=order, alpha=alpha)
    if places is not None:
        table = table[table["place"].isin(places)].reset_index(drop=True)
    if by != "layer":
        table = table.rename(columns={"layer": by})
    table.attrs["baseline"] = baseline
    table.attrs["left_out"] = unplaced(engine, presence=presence)
    return table
