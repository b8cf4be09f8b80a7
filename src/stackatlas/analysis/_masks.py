"""Activities as bit masks: one integer per actor instead of one row per (actor, activity).

Bit *i* of a mask stands for the *i*-th activity of an ordered list (the layers in taxonomy order, say).
Analyses that only need *which* activities a unit has (relatedness, integration, layer flow,
introductions) reduce a million actors to a few hundred distinct masks this way. Masks are non-negative
64-bit integers, so an order of at most :data:`MAX_BITS` activities.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ibis.expr.types import Table

__all__ = ["MAX_BITS", "bits", "expand", "masks_of", "pack", "popcount"]

#: The most activities a mask can hold (bit 63 would make the integer negative).
MAX_BITS = 62


def masks_of(acts: Table, order: Sequence[str]) -> Table:
    """``(actor, mask)`` from an ``(actor, activity)`` table with distinct rows (their sum is their OR)."""
    bit = acts.activity.cases(*[(x, 1 << i) for i, x in enumerate(order)], else_=0).cast("int64")
    return acts.group_by("actor").agg(mask=bit.sum())


def bits(masks: np.ndarray, k: int) -> np.ndarray:
    """Masks as a ``len(masks) × k`` boolean matrix.

    >>> bits(np.array([0, 5]), 3).astype(int).tolist()
    [[0, 0, 0], [1, 0, 1]]
    """
    return ((np.asarray(masks, dtype=np.int64)[:, None] >> np.arange(k, dtype=np.int64)) & 1).astype(bool)


def pack(x: np.ndarray) -> np.ndarray:
    """Rows of a boolean matrix as masks (the inverse of :func:`bits`).

    >>> pack(np.array([[True, False, True]])).tolist()
    [5]
    """
    if x.shape[1] == 0:
        return np.zeros(x.shape[0], dtype=np.int64)
    return (x.astype(np.int64) << np.arange(x.shape[1], dtype=np.int64)).sum(axis=1)


def popcount(masks: np.ndarray) -> np.ndarray:
    """The number of set bits of every mask.

    >>> popcount(np.array([0, 5, 127])).tolist()
    [0, 2, 7]
    """
    x = np.ascontiguousarray(masks, dtype=np.uint64)
    return np.unpackbits(x.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1).astype(np.int64)


def expand(masks: np.ndarray, names: Sequence[str]) -> list[list[str]]:
    """Masks as lists of ``names`` (bit *i* is ``names[i]``), each distinct mask worked out once and
    copied per row (rows never share a list).

    >>> expand(np.array([5, 0, 5]), ["a", "b", "c"])
    [['a', 'c'], [], ['a', 'c']]
    """
    masks = np.asarray(masks, dtype=np.int64)
    if len(masks) and 0 <= masks.min() and masks.max() < 1 << 16:   # few activities: index a table, no sort
        seen = np.flatnonzero(np.bincount(masks))
        table: list[list[str]] = [[] for _ in range(int(seen[-1]) + 1)]
        for m in seen.tolist():
            table[m] = [x for i, x in enumerate(names) if m >> i & 1]
        return [table[m].copy() for m in masks.tolist()]
    uniq, inv = np.unique(masks, return_inverse=True)
    protos = [[x for i, x in enumerate(names) if int(m) >> i & 1] for m in uniq]
    return [protos[i].copy() for i in inv.tolist()]
