"""Strict matching of discovered synergy candidates to curated synergies (the evaluation of discovery).

A candidate *recovers* a curated synergy only when all of these hold:

1. the Jaccard index of the two layer sets is at least ``min_jaccard`` (0.5: e.g. {chips, AI} for
   {chips, networks, AI, applications}, but not {AI, devices} for {raw materials, chips, AI});
2. where the curated synergy names domains, the candidate carries one of them (a candidate without a
   domain does not stand for a themed synergy);
3. the candidate involves at least one of the curated synergy's municipalities (its regions expanded);
4. each candidate recovers at most one curated synergy: an optimal one-to-one assignment.

The assignment minimises, with :func:`scipy.optimize.linear_sum_assignment` (Crouse 2016), the sum of
costs ``rank + M·[rank > top]`` over the eligible pairs (``M`` larger than any sum of ranks): first as
many curated synergies as possible in the top ``top``, then the smallest ranks. Ineligible pairs cost
more than any eligible one and are dropped from the result.

>>> import numpy as np
>>> eligible = np.array([[True, True], [True, False]])    # two curated synergies, two candidates
>>> assign(eligible, np.array([1.0, 2.0]), top=15).tolist()   # the second can only take candidate 0
[1, 0]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["MIN_JACCARD", "assign", "eligibility", "jaccard"]

#: The smallest Jaccard index of the layer sets for a candidate to match a curated synergy.
MIN_JACCARD = 0.5


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    """|A ∩ B| / |A ∪ B| of two sets (0 for two empty sets).

    >>> jaccard({"ai", "chips"}, {"ai", "chips", "networks", "applications"})
    0.5
    """
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def eligibility(curated: Sequence[tuple[set[str], set[str], set[str]]],
                candidates: Sequence[tuple[set[str], set[str], set[str]]], *,
                min_jaccard: float = MIN_JACCARD) -> np.ndarray:
    """curated × candidates (bool): which candidate may recover which curated synergy (rules 1–3).

    Each item is ``(layers, domains, municipalities)``; a curated synergy without domains accepts any
    candidate's domain, one without municipalities any place."""
    out = np.zeros((len(curated), len(candidates)), dtype=bool)
    for i, (c_layers, c_domains, c_munis) in enumerate(curated):
        for j, (layers, domains, munis) in enumerate(candidates):
            out[i, j] = (jaccard(c_layers, layers) >= min_jaccard
                         and (not c_domains or bool(c_domains & domains))
                         and (not c_munis or bool(c_munis & munis)))
    return out


def assign(eligible: np.ndarray, ranks: np.ndarray, *, top: int) -> np.ndarray:
    """Per curated synergy the index of the candidate it is assigned to (−1: none), one-to-one (rule 4).

    ``ranks`` are the candidates' ranks (``inf`` for a candidate that is not in the ordered list: never
    assigned)."""
    n_cur = eligible.shape[0]
    out = np.full(n_cur, -1, dtype=np.int64)
    r = np.asarray(ranks, dtype=float)
    ok = eligible & np.isfinite(r)[None, :]
    if not ok.any():
        return out
    finite = np.where(np.isfinite(r), r, 0.0)
    big = float(finite.sum() + 1.0) * max(n_cur, 1)
    cost = finite + big * (finite > top)
    matrix = np.where(ok, cost[None, :], big * big)
    rows, cols = linear_sum_assignment(matrix)
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if ok[i, j]:
            out[i] = j
    return out
