"""What the analysis commands need besides the analyses, read from an engine rather than the DuckDB atlas.

On a cluster there is no DuckDB file: the commands read everything from the engine's tables (the Parquet
exchange). :func:`compare_pair` is :meth:`stackatlas.atlas.Atlas.compare_pair` and :func:`curated_synergies`
is :meth:`stackatlas.atlas.Atlas.synergies`, on any engine, with the same results (a test compares them).
Both read small tables only (``meta``, one place, the synergy tables and the synergies' citations).

>>> import stackatlas
>>> eng = stackatlas.open(data=stackatlas.fixture_path()).engine()
>>> compare_pair(eng), compare_pair(eng, b="amsterdam")
(('mra', 'brainport'), ('mra', 'amsterdam'))
>>> list(curated_synergies(eng)["id"])
['C', 'D']
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..engine import Engine
from ..errors import AnalysisError, NotFound

__all__ = ["SYNERGY_MEMBERS", "compare_pair", "curated_synergies"]

SYNERGY_MEMBERS = ("layers", "domains", "places", "actors", "relations")
"""The member lists of a curated synergy, in the column order of ``Atlas.synergies()``."""


def compare_pair(engine: Engine, a: str | None = None, b: str | None = None) -> tuple[str, str]:
    """The two places to compare: ``a`` and ``b`` where given, else the dataset's pair (``meta`` keys
    ``compare_a``, ``compare_b``). Raises :class:`NotFound` for an unknown place and
    :class:`AnalysisError` when a side is missing or both are the same place."""
    pa = a or engine.meta("compare_a") or ""
    pb = b or engine.meta("compare_b") or ""
    if not pa or not pb:
        raise AnalysisError("the dataset names no pair of regions (compare: in dataset.yaml): "
                            "pass --between and --and")
    places = engine.table("places")
    found = set(engine.execute(places.filter(places.id.isin([pa, pb])).select("id"))["id"])
    for place in (pa, pb):
        if place not in found:
            raise NotFound("place", place)
    if pa == pb:
        raise AnalysisError("the two places must differ")
    return pa, pb


def curated_synergies(engine: Engine) -> pd.DataFrame:
    """Curated synergies: ``id, name, name_nl, layers, domains, places, actors, relations, sources`` (lists in
    their given order; ``sources`` as ``{source, locator, confidence}``), ordered by id. ``sources`` is
    empty when the engine holds no ``citations`` table."""
    syn = engine.table("synergies")
    head = engine.execute(syn.select("id", "name_nl", "name_en"))
    members = engine.execute(engine.table("synergy_members"))
    if engine.has_table("citations"):
        c = engine.table("citations")
        cites = engine.execute(c.filter(c.subject_type == "synergy"))
    else:
        cites = pd.DataFrame(columns=["subject", "position", "source", "locator", "confidence"])
    members = members.sort_values(["synergy", "what", "position"])
    cites = cites.sort_values(["subject", "position"])
    rows: list[dict[str, Any]] = []
    for r in head.sort_values("id").itertuples(index=False):
        mine = members[members["synergy"] == r.id]
        row: dict[str, Any] = {"id": r.id, "name": r.name_en if pd.notna(r.name_en) else r.name_nl,
                               "name_nl": r.name_nl}
        for what in SYNERGY_MEMBERS:
            row[what] = list(mine.loc[mine["what"] == what, "ref"])
        src = cites[cites["subject"] == r.id]
        row["sources"] = [{"source": s.source, "locator": s.locator, "confidence": s.confidence}
                          for s in src.itertuples(index=False)]
        rows.append(row)
    return pd.DataFrame(rows, columns=["id", "name", "name_nl", *SYNERGY_MEMBERS, "sources"])
