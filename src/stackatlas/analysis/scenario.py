"""Scenarios: a change set in dataset format applied on top of a dataset, and what it changes.

A scenario file (YAML) has a name, a description and ``add`` / ``remove`` sections::

    id: frontier-ai-lab-amsterdam
    name: {nl: ..., en: ...}
    description: {nl: ..., en: ...}
    compare: [mra, brainport]          # optional; default: the dataset's pair
    synergy: D                         # optional: whose introductions to compare
    add:
      sources: [...]                   # records exactly as in the dataset format
      actors: [...]                    # an actor with an existing id replaces it
      relations: [...]
    remove:
      actors: [ids]                    # their ties and references go too
      relations: [ids]

The changed dataset is written to a temporary folder and validated like any dataset, so a scenario can
never produce data the tool would reject. :func:`run_scenario` compares profiles of the two regions,
synergy scores and introductions before and after.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

from ..atlas import Atlas
from ..dataset import model as m
from ..dataset.export import RECORD_GROUPS, write_dataset
from ..dataset.loader import Dataset, load_dataset
from ..dataset.yamlio import load_yaml
from ..errors import InvalidData, Problem
from ..store import build
from .introductions import introductions
from .profile import profile
from .synergy import SynergyConfig, discover

__all__ = ["Scenario", "apply_scenario", "load_scenario", "run_scenario"]

_ADD: dict[str, type[BaseModel]] = {"sources": m.Source, "actors": m.Actor, "relations": m.Relation,
                                    "indicators": m.Indicator}


@dataclass
class Scenario:
    id: str
    name: m.Text
    description: m.Text | None = None
    compare: list[str] | None = None
    synergy: str | None = None
    add: dict[str, list[Any]] = field(default_factory=dict)
    remove: dict[str, list[str]] = field(default_factory=dict)


def load_scenario(path: Path | str) -> Scenario:
    """Read and check a scenario file; problems are reported like dataset problems (file:line:col)."""
    path = Path(path)
    doc, problems = load_yaml(path)
    if doc is None or problems:
        raise InvalidData(problems)
    data = doc.data
    if not isinstance(data, dict):
        raise InvalidData([doc.problem((), "<file>", "a scenario is a mapping")])
    known = {"id", "name", "description", "compare", "synergy", "add", "remove"}
    for key in data:
        if key not in known:
            problems.append(doc.problem((key,), key, "unknown key"))
    add: dict[str, list[Any]] = {}
    for group, items in (data.get("add") or {}).items():
        if group not in _ADD:
            problems.append(doc.problem(("add", group), f"add.{group}", "can add sources, actors, relations, "
                                                                       "indicators"))
            continue
        for i, item in enumerate(items or []):
            try:
                add.setdefault(group, []).append(_ADD[group].model_validate(item))
            except Exception as exc:  # pydantic.ValidationError
                for err in getattr(exc, "errors", lambda: [])():
                    sub = tuple(err["loc"])
                    problems.append(doc.problem(("add", group, i, *sub), ".".join(map(str, sub)), err["msg"]))
    remove = {k: [str(x) for x in (v or [])] for k, v in (data.get("remove") or {}).items()}
    for k in remove:
        if k not in ("actors", "relations"):
            problems.append(doc.problem(("remove", k), f"remove.{k}", "can remove actors and relations"))
    for key in ("id", "name"):
        if key not in data:
            problems.append(doc.problem((), key, "required field is missing"))
    if problems:
        raise InvalidData(problems)
    return Scenario(id=str(data["id"]), name=m.Text.model_validate(data["name"]),
                    description=m.Text.model_validate(data["description"]) if data.get("description") else None,
                    compare=data.get("compare"), synergy=data.get("synergy"), add=add, remove=remove)


def apply_scenario(ds: Dataset, sc: Scenario) -> dict[str, list[Any]]:
    """The dataset's records with the scenario applied (not yet validated)."""
    recs = {g: list(getattr(ds, g)) for g in RECORD_GROUPS}
    gone_actors = set(sc.remove.get("actors", []))
    gone_rel = set(sc.remove.get("relations", []))
    missing = [Problem(sc.id, 0, 0, "remove", f"no actor {x!r} to remove") for x in
               gone_actors - {a.id for a in recs["actors"]}]
    missing += [Problem(sc.id, 0, 0, "remove", f"no relation {x!r} to remove") for x in
                gone_rel - {r.id for r in recs["relations"]}]
    if missing:
        raise InvalidData(missing)
    recs["actors"] = [a.model_copy(update={"parent": None}) if a.parent in gone_actors else a
                      for a in recs["actors"] if a.id not in gone_actors]
    recs["relations"] = [r for r in recs["relations"] if r.id not in gone_rel
                         and r.from_ not in gone_actors and r.to not in gone_actors]
    gone_rel |= {r.id for r in ds.relations if r.from_ in gone_actors or r.to in gone_actors}
    recs["synergies"] = [s.model_copy(update={"actors": [x for x in s.actors if x not in gone_actors],
                                              "relations": [x for x in s.relations if x not in gone_rel]})
                         for s in recs["synergies"]]
    recs["positions"] = [p.model_copy(update={"actors": [x for x in p.actors if x not in gone_actors]})
                         for p in recs["positions"]]
    recs["recommendations"] = [r.model_copy(update={"actors": [x for x in r.actors if x not in gone_actors]})
                               for r in recs["recommendations"]]
    recs["indicators"] = [i for i in recs["indicators"] if i.subject not in gone_actors]
    for group, items in sc.add.items():
        by_id = {x.id: k for k, x in enumerate(recs[group])}
        for x in items:
            if x.id in by_id:
                recs[group][by_id[x.id]] = x
            else:
                recs[group].append(x)
    return recs


def _profiles(atlas: Atlas, pair: list[str]) -> pd.DataFrame:
    eng = atlas.engine()
    rows = []
    for place in pair:
        typ = atlas.first("SELECT type FROM places WHERE id = ?", [place])
        t = profile(eng, level=str(typ[0]) if typ else "region", places=[place])
        rows.append(t[["place", "layer", "count", "lq"]])
    return pd.concat(rows, ignore_index=True)


def run_scenario(atlas: Atlas, sc: Scenario, *, top: int = 15, workdir: Path | None = None) -> dict[str, Any]:
    """Apply ``sc`` to the atlas's dataset and compare profiles, synergy scores and introductions."""
    ds = load_dataset(atlas.data)
    recs = apply_scenario(ds, sc)
    tmp = Path(workdir or tempfile.mkdtemp(prefix="stackatlas-scenario-"))
    folder = write_dataset(recs, tmp / "data", meta=ds.meta)
    changed = load_dataset(folder)  # validates the changed dataset
    after = Atlas(folder, build(changed, tmp / "scenario.duckdb"))
    pair = list(sc.compare or [ds.meta.compare[0], ds.meta.compare[1]])
    p0, p1 = _profiles(atlas, pair), _profiles(after, pair)
    prof = p0.merge(p1, on=["place", "layer"], suffixes=("_before", "_after"))
    prof["count_change"] = prof["count_after"] - prof["count_before"]
    prof["lq_change"] = prof["lq_after"] - prof["lq_before"]
    cfg = SynergyConfig(bootstrap=0)
    s0 = discover(atlas.engine(), a=pair[0], b=pair[1], top=top, config=cfg)
    s1 = discover(after.engine(), a=pair[0], b=pair[1], top=top, config=cfg)
    syn = s0[["id", "rank", "score"]].merge(s1[["id", "rank", "score"]], on="id", how="outer",
                                            suffixes=("_before", "_after"))
    syn["score_change"] = syn["score_after"] - syn["score_before"]
    syn = syn.sort_values(["rank_after", "rank_before"], na_position="last").reset_index(drop=True)
    result: dict[str, Any] = {"scenario": sc.id, "profile": prof, "synergies": syn}
    if sc.synergy:
        i0 = introductions(atlas.engine(), synergy=sc.synergy, a=pair[0], b=pair[1], top=top)
        i1 = introductions(after.engine(), synergy=sc.synergy, a=pair[0], b=pair[1], top=top)
        k0 = set(zip(i0["a"], i0["b"], strict=True))
        i1["new"] = [(x, y) not in k0 for x, y in zip(i1["a"], i1["b"], strict=True)]
        result["introductions"] = i1[["a", "b", "score", "new", "reasons"]]
    after.close()
    return result
