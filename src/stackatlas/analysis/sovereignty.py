"""Who controls each layer: shares of actors by control bloc, their concentration, and the weakest layer.

An actor's control bloc follows from its ``control_country`` (the country of its ultimate owner; the
taxonomy lists the countries of each bloc, any other country is ``other``, a missing one ``unknown``).
For layer *l*, with ``w_a`` the weight of actor *a* (1, or an indicator value such as employees) and
``A_l`` the actors active in *l*::

    s_lb = sum_{a in A_l, bloc(a) = b} w_a / sum_{a in A_l} w_a

An actor active in several layers counts fully in each. Concentration is the Herfindahl–Hirschman index
of the known blocs (the shares renormalised without ``unknown``), ``hhi_l = sum_b (s_lb / sum_b' s_lb')^2``,
between 1/(number of blocs) and 1 (Hirschman 1964). ``eu_share`` = s_l,nl + s_l,eu (European control, the
report's measure of digital sovereignty); the layer where it is lowest is marked ``weakest``.

References
----------
Hirschman, A. O. (1964). The paternity of an index. American Economic Review 54(5), 761.
Bria, F., Timmers, P. & Gernone, F. (2025). EuroStack – A European Alternative for Digital Sovereignty.
Bertelsmann Stiftung.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engine import Engine
from ..errors import AnalysisError
from ._locate import PRESENCE, actors_in
from .bridges import _require_place
from .profile import _weighted_activities

__all__ = ["EUROPEAN", "bloc_order", "sovereignty"]

#: The blocs whose shares add up to ``eu_share`` (Dutch and the rest of the EU), where the taxonomy has them.
EUROPEAN = ("nl", "eu")


def bloc_order(engine: Engine) -> tuple[str, ...]:
    """The ids of the taxonomy's control blocs in its order (the ``blocs`` table of the database): the
    order of the bloc columns and legends in the analyses, the report and the web. ``unknown`` (an actor
    without a control country) is no bloc of the taxonomy; it comes after these.

    >>> import stackatlas
    >>> bloc_order(stackatlas.open(data=stackatlas.fixture_path()).engine())
    ('nl', 'eu', 'us', 'cn', 'other')
    """
    def compute() -> tuple[str, ...]:
        b = engine.table("blocs")
        return tuple(engine.execute(b.order_by("position").select("id"))["id"])

    return tuple(engine.cached("bloc_order", compute))


def sovereignty(engine: Engine, *, place: str | None = None, weight: str | None = None,
                presence: str = "all") -> pd.DataFrame:
    """Per layer: the shares of actors by control bloc, their HHI, the European share and the weakest layer.

    Parameters
    ----------
    engine
        Where to run (:func:`~stackatlas.engine.duckdb_engine` or ``spark_engine``).
    place
        Only actors located in this place (head office or, with ``presence='all'``, an active site).
    weight
        An indicator metric with a value per actor (e.g. employees): shares of that total instead of
        counts of actors (actors without the indicator weigh 0).
    presence
        ``all`` or ``hq``; used with ``place``.

    Returns
    -------
    DataFrame ``layer, actors, nl, eu, us, cn, other, unknown, hhi, eu_share, weakest``, one row per layer
    of the taxonomy in order: a column per bloc of the taxonomy in its order (:func:`bloc_order`; those of
    the built-in taxonomy shown), then ``unknown``. ``eu_share`` adds the shares of :data:`EUROPEAN` (0
    for a bloc the taxonomy lacks).
    The bloc shares of a layer sum to 1; they are NaN for a layer without actors (or without weight),
    which is never the weakest.

    Examples
    --------
    >>> import stackatlas
    >>> from stackatlas.analysis import duckdb_engine
    >>> atlas = stackatlas.open(data=stackatlas.fixture_path())
    >>> t = sovereignty(atlas.engine(), place="mra").set_index("layer")
    >>> cloud = t.loc["cloud"]     # only EdgeConneX, in Schiphol-Rijk
    >>> int(cloud["actors"]), float(cloud["us"]), float(cloud["eu_share"]), bool(cloud["weakest"])
    (1, 1.0, 0.0, True)
    >>> chips = t.loc["chips"]     # ASML, ARCNL and ASM, all Dutch
    >>> int(chips["actors"]), float(chips["nl"]), float(chips["hhi"])
    (3, 1.0, 1.0)
    """
    if presence not in PRESENCE:
        raise AnalysisError(f"presence must be one of {', '.join(PRESENCE)}, not {presence!r}")
    if weight is not None:
        ind = engine.table("indicators")
        if engine.execute(ind.filter(ind.metric == weight).select("id").limit(1)).empty:
            raise AnalysisError(f"no indicator with metric {weight!r} to weight actors by")
    acts = _weighted_activities(engine, by="layer", fractional=False, weight=weight)
    if place is not None:
        _require_place(engine, place)
        acts = acts.semi_join(actors_in(engine, place, presence=presence), "actor")
    a = engine.table("actors")
    blocs = a.select(b_actor=a.id, bloc=a.control_bloc.fill_null("unknown"))
    j = acts.join(blocs, acts.actor == blocs.b_actor)
    grouped = j.group_by([j.activity, j.bloc]).agg(w=j.w.sum(), n=j.actor.nunique())
    counts = engine.execute(grouped)
    per_layer = engine.execute(acts.group_by("activity").agg(actors=acts.actor.nunique()))
    lay = engine.table("layers")
    order = list(engine.execute(lay.order_by("position").select("id"))["id"])

    blocs = bloc_order(engine)
    extra = sorted(set(counts["bloc"]) - set(blocs) - {"unknown"})  # none: control_bloc is a taxonomy bloc
    cols = [*blocs, *extra, "unknown"]
    w = (counts.pivot_table(index="activity", columns="bloc", values="w", aggfunc="sum", fill_value=0.0)
         .reindex(index=order, columns=cols, fill_value=0.0).fillna(0.0))
    m = w.to_numpy(dtype=float)
    total = m.sum(axis=1, keepdims=True)
    known = m[:, :-1].sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, m / total, np.nan)
        k = np.where(known > 0, m[:, :-1] / known, np.nan)
    hhi = np.where(known[:, 0] > 0, np.nansum(k * k, axis=1), np.nan)
    out = pd.DataFrame(share, columns=cols)
    out.insert(0, "actors", per_layer.set_index("activity")["actors"].reindex(order).fillna(0).astype(int)
               .to_numpy())
    out.insert(0, "layer", order)
    out["hhi"] = hhi
    out["eu_share"] = sum((out[b] for b in EUROPEAN if b in cols), 0.0 * out["unknown"])
    lowest = out["eu_share"].min(skipna=True)
    out["weakest"] = out["eu_share"].notna() & np.isclose(out["eu_share"].fillna(np.inf), lowest)
    return out[["layer", "actors", *cols, "hhi", "eu_share", "weakest"]]
