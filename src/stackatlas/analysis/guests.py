"""Guest lists: "create an excuse to meet" (recommendation 7) as a coverage problem.

The universe is the set of *cells* (layer of the synergy) × (region A, region B) × (quadruple-helix group:
business, knowledge, government, civil society). An organisation covers the cells of its layers within the
synergy, of the region(s) it is located in and of its helix group. In the ``corridor`` scope (see
:mod:`~stackatlas.analysis.synergy`) the places are the municipalities of A and B instead of the two regions
(a place without municipalities in the data is one place), so the list is balanced across municipalities.
A guest list G of size N maximises

    f(G) = sum over cells c of (1 - 2^(-n_c(G)))

with n_c(G) the guests covering c: the first guest in a cell counts 1/2, the second 1/4, ... — so every
cell is covered before any is covered twice, and the list stays balanced across layers, regions and
helix groups. f is a non-negative sum of concave functions of a modular function, hence monotone
submodular; the greedy algorithm (add the guest with the largest gain, N times) therefore reaches at
least (1 - 1/e) ≈ 63% of the best possible f (Nemhauser, Wolsey & Fisher 1978). Ties are broken by the
number of the organisation's ties (well-connected guests first), then by id, so the list is deterministic.

References
----------
Nemhauser, G. L., Wolsey, L. A. & Fisher, M. L. (1978). An analysis of approximations for maximizing
submodular set functions—I. Mathematical Programming 14, 265–294.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from ..engine import Engine
from ..errors import AnalysisError
from ._locate import activities, actors_in, municipalities_in
from .synergy import SynergySpec, synergy_spec

__all__ = ["GUARANTEE", "candidate_cells", "coverage_value", "guest_list"]

GUARANTEE = 1 - 1 / np.e


def coverage_value(counts: np.ndarray) -> float:
    """f for the per-cell guest counts ``counts``.

    >>> coverage_value(np.array([1, 0, 2]))
    1.25
    """
    return float((1.0 - np.power(0.5, counts)).sum())


def _places(engine: Engine, a: str, b: str, *, presence: str, scope: str) -> tuple[list[str], ibis.Table]:
    """The places of the guest list (regions A and B, or their municipalities) and (actor, region) rows with
    the place's index."""
    if scope == "between":
        return [a, b], actors_in(engine, a, presence=presence).select("actor").mutate(region=ibis.literal(0)).union(
            actors_in(engine, b, presence=presence).select("actor").mutate(region=ibis.literal(1)))
    if scope != "corridor":
        raise AnalysisError(f"scope must be between or corridor, not {scope!r}")
    parts = []
    for place in (a, b):
        m = municipalities_in(engine, place, presence=presence)
        found = engine.execute(m.select("municipality").distinct())["municipality"].tolist()
        parts.append((found, m) if found else ([place], actors_in(engine, place, presence=presence)
                                                .mutate(municipality=ibis.literal(place))))
    names = sorted(set(parts[0][0]) | set(parts[1][0]))
    index = ibis.memtable(pd.DataFrame({"m_name": names, "region": np.arange(len(names), dtype=np.int64)}))
    rows = parts[0][1].select("actor", "municipality").union(parts[1][1].select("actor", "municipality"))
    return names, rows.join(index, rows.municipality == index.m_name).select("actor", "region")


def candidate_cells(engine: Engine, *, spec: SynergySpec, a: str, b: str, presence: str = "all",
                    scope: str = "between") -> tuple[list[str], np.ndarray, list[str], pd.DataFrame, pd.DataFrame]:
    """Candidates (actors of A or B in the synergy's layers, in id order), their cells (bool matrix), the
    cell labels, the candidates' ``name`` and ``helix`` (indexed by id) and their places (a bool DataFrame,
    candidates × places: the regions, or with ``scope='corridor'`` the municipalities). Only the candidates'
    rows leave the engine."""
    layers = list(spec.layers)
    at = engine.table("actors")
    helix = sorted(engine.execute(at.filter(at.helix.notnull()).select("helix").distinct())["helix"]) or ["business"]
    regions, member = _places(engine, a, b, presence=presence, scope=scope)
    n_p = len(regions)
    la = activities(engine, by="layer")
    la = la.filter(la.activity.isin(layers))
    acts = engine.execute(la.join(member, "actor").select("actor", "activity", "region"))
    if acts.empty:
        raise AnalysisError("no organisation of either region works in the synergy's layers")
    cand_t = la.join(member, "actor").select(c_id="actor").distinct()
    info = engine.execute(at.semi_join(cand_t, at.id == cand_t.c_id).select("id", "name", "helix")).set_index("id")
    cand = sorted(set(acts["actor"]))
    ci = pd.Series(np.arange(len(cand)), index=cand)
    n_l, n_h = len(layers), len(helix)
    n_cells = n_l * n_p * n_h
    hx = pd.Series(np.arange(n_h), index=helix)
    h_idx = hx.reindex(info["helix"].reindex(acts["actor"]).to_numpy()).fillna(0).to_numpy(dtype=int)
    l_idx = pd.Series(np.arange(n_l), index=layers).reindex(acts["activity"]).to_numpy()
    region = acts["region"].to_numpy(dtype=np.int64)
    cells = (l_idx * n_p + region) * n_h + h_idx
    rows = ci.reindex(acts["actor"]).to_numpy()
    cover = np.zeros((len(cand), n_cells), dtype=bool)
    cover[rows, cells] = True
    places_of = np.zeros((len(cand), n_p), dtype=bool)
    places_of[rows, region] = True
    labels = [f"{layers[c // (n_p * n_h)]} × {regions[(c // n_h) % n_p]} × {helix[c % n_h]}" for c in range(n_cells)]
    return cand, cover, labels, info.reindex(cand), pd.DataFrame(places_of, index=cand, columns=regions)


def _degrees(engine: Engine, cand: list[str]) -> np.ndarray:
    """Ties of each candidate (a self-tie counts twice), counted in the engine for the candidates only."""
    rel = engine.table("relations")
    ends = rel.select(actor=rel.from_actor).union(rel.select(actor=rel.to_actor), distinct=False)
    c = ibis.memtable(pd.DataFrame({"actor": cand}))
    deg = engine.execute(ends.semi_join(c, "actor").group_by("actor").agg(n=ends.actor.count()))
    return deg.set_index("actor")["n"].reindex(cand).fillna(0).to_numpy(dtype=float)


def guest_list(engine: Engine, *, synergy: str | SynergySpec, a: str, b: str, size: int = 12,
               presence: str = "all", scope: str = "between") -> pd.DataFrame:
    """A balanced guest list for a synergy, picked greedily; each pick with the cells it adds.

    Returns
    -------
    DataFrame ``pick, actor, name, region, helix, layers, gain, covers, reason`` (``region``: the region(s),
    or with ``scope='corridor'`` the municipalities, the guest is in); the attribute
    ``attrs["coverage"]`` holds f and the number of cells covered out of the universe.

    Examples
    --------
    >>> import stackatlas
    >>> from stackatlas.analysis import duckdb_engine
    >>> atlas = stackatlas.open(data=stackatlas.fixture_path())
    >>> g = guest_list(atlas.engine(), synergy="C", a="mra", b="brainport", size=4)
    >>> bool((g["gain"].diff().dropna() <= 1e-12).all())   # gains never grow (submodularity)
    True
    """
    if size < 1:
        raise AnalysisError("the guest list needs at least one place")
    spec = synergy if isinstance(synergy, SynergySpec) else synergy_spec(engine, synergy)
    layers = list(spec.layers)
    cand, cover, labels, info, places_of = candidate_cells(engine, spec=spec, a=a, b=b, presence=presence,
                                                           scope=scope)
    place_names = np.asarray(places_of.columns, dtype=object)
    places = places_of.to_numpy()
    n_cells = cover.shape[1]
    deg = _degrees(engine, cand)
    counts = np.zeros(n_cells)
    chosen: list[int] = []
    rows = []
    available = np.ones(len(cand), dtype=bool)
    for pick in range(1, min(size, len(cand)) + 1):
        marginal = np.power(0.5, counts)[None, :] * 0.5          # gain of one more guest in each cell
        gains = (cover * marginal).sum(axis=1)
        gains[~available] = -1.0
        # the largest gain, then the most ties, then the first id (candidates are in id order)
        top_gain = np.flatnonzero(gains == gains.max())
        best = int(top_gain[np.argmax(deg[top_gain])])
        if gains[best] <= 0:
            break
        new_cells = np.flatnonzero(cover[best] & (counts == 0))
        counts += cover[best]
        available[best] = False
        chosen.append(best)
        actor = cand[best]
        covered = [labels[c] for c in new_cells]
        own = [labels[c].split(" × ")[0] for c in np.flatnonzero(cover[best])]
        reason = (f"adds {len(new_cells)} uncovered cell{'s' if len(new_cells) != 1 else ''}: "
                  + "; ".join(covered) if covered else "strengthens cells already covered (balance)")
        rows.append({"pick": pick, "actor": actor, "name": info.at[actor, "name"],
                     "region": " & ".join(place_names[places[best]]),
                     "helix": info.at[actor, "helix"], "layers": sorted(set(own), key=layers.index),
                     "gain": round(float(gains[best]), 6), "covers": covered, "reason": reason})
    out = pd.DataFrame(rows)
    possible = int(cover.any(axis=0).sum())
    out.attrs["coverage"] = {"value": coverage_value(counts), "cells_covered": int((counts > 0).sum()),
                             "cells_possible": possible, "cells_total": n_cells, "guarantee": GUARANTEE,
                             "places": len(place_names)}
    return out
