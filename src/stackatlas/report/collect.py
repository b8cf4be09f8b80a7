"""What a briefing shows, computed once through the library (:class:`~stackatlas.atlas.Atlas` and
:mod:`stackatlas.analysis`), independent of the language it is written in.

Nothing here knows a particular dataset: regions, municipalities, layers, blocs and synergies all come
from the compiled database.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..analysis._locate import activities, actor_places
from ..atlas import Atlas, records
from ..dataset.model import PLACE_TYPES
from ..errors import AnalysisError, NotFound
from ..lookups import Lookups

__all__ = ["CorridorData", "Facts", "PlaceData", "SynergyData", "collect_corridor", "collect_place",
           "collect_synergy", "computed_date", "facts"]

Progress = Callable[[str], None]


def computed_date() -> str:
    """Today (UTC), or the date of ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.UTC).date().isoformat()
    return _dt.datetime.now(tz=_dt.UTC).date().isoformat()


@dataclass
class Facts:
    """What a briefing reads of the whole dataset besides the shared :class:`~stackatlas.lookups.Lookups`:
    the actors it may name and what it says about them, and the citations behind every fact.

    - ``stats``: :meth:`Atlas.stats`; ``date``: the day of computation (:func:`computed_date`);
    - ``actors``: id -> name, kind, helix, head office, control; ``actor_layers``: id -> its layers (layer,
      sublayer, offering, role) in the dataset's order; ``actor_domains``: id -> its domains;
      ``degree``: id -> its number of relations;
    - ``citations``: (subject type, subject) -> its (source, locator) pairs in the dataset's order.
    """

    stats: dict[str, int]
    actors: dict[str, dict[str, Any]]
    actor_layers: dict[str, list[dict[str, Any]]]
    actor_domains: dict[str, list[str]]
    degree: dict[str, int]
    citations: dict[tuple[str, str], list[tuple[str, str | None]]]
    date: str


def facts(atlas: Atlas) -> Facts:
    """Read the :class:`Facts` of ``atlas`` (once per briefing)."""
    def rows(sql: str) -> list[dict[str, Any]]:
        return records(atlas.sql(sql))

    actor_layers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows("SELECT actor, layer, sublayer, offering, role FROM actor_layers ORDER BY actor, position"):
        actor_layers[r.pop("actor")].append(r)
    actor_domains: dict[str, list[str]] = defaultdict(list)
    for r in rows("SELECT actor, domain FROM actor_domains ORDER BY actor, position"):
        actor_domains[r["actor"]].append(r["domain"])
    degree = {r["actor"]: int(r["n"]) for r in rows(
        "SELECT actor, count(*) AS n FROM (SELECT from_actor AS actor FROM relations "
        "UNION ALL SELECT to_actor FROM relations) GROUP BY actor")}
    citations: dict[tuple[str, str], list[tuple[str, str | None]]] = defaultdict(list)
    for r in rows("SELECT subject_type, subject, source, locator FROM citations ORDER BY subject_type, subject, "
                  "position"):
        citations[(r["subject_type"], r["subject"])].append((r["source"], r["locator"]))
    return Facts(
        stats=atlas.stats(),
        actors={r["id"]: r for r in rows("SELECT id, name, kind, helix, hq, hq_municipality, hq_country, "
                                         "control_country, control_bloc, parent FROM actors")},
        actor_layers=dict(actor_layers),
        actor_domains=dict(actor_domains),
        degree=degree,
        citations=dict(citations),
        date=computed_date(),
    )


# -- pieces shared by the three kinds of briefing ------------------------------------------------------------
_LEVELS = frozenset(PLACE_TYPES)


def _level(lk: Lookups, place: str) -> str:
    t = lk.place_type(place)
    if t not in _LEVELS:
        raise AnalysisError(f"cannot profile a place of type {t!r}")
    return t


def located_layers(engine: Any, level: str, places: list[str]) -> dict[tuple[str, str], list[str]]:
    """(place, layer) -> the actors counted there by :func:`~stackatlas.analysis.profile` (same rules)."""
    loc = actor_places(engine, level=level)
    loc = loc.filter(loc.place.isin(places))
    acts = activities(engine, by="layer")
    df = engine.execute(loc.join(acts, "actor").select("place", "activity", "actor"))
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in df.sort_values(["place", "activity", "actor"]).itertuples(index=False):
        out[(r.place, r.activity)].append(r.actor)
    return dict(out)


def located(engine: Any, level: str, places: list[str]) -> dict[str, list[str]]:
    """place -> the actors located there (head office or active site), by the rules of the profile."""
    loc = actor_places(engine, level=level)
    df = engine.execute(loc.filter(loc.place.isin(places)).select("place", "actor"))
    out: dict[str, list[str]] = {p: [] for p in places}
    for r in df.sort_values(["place", "actor"]).itertuples(index=False):
        out[r.place].append(r.actor)
    return out


def profiles(engine: Any, lk: Lookups, places: list[str]) -> dict[str, Any]:
    """Profile rows, actors per cell and per place for places of possibly different types."""
    from ..analysis import profile

    by_level: dict[str, list[str]] = defaultdict(list)
    for p in places:
        by_level[_level(lk, p)].append(p)
    rows: list[dict[str, Any]] = []
    cells: dict[tuple[str, str], list[str]] = {}
    where: dict[str, list[str]] = {}
    for level, ps in by_level.items():
        rows += records(profile(engine, level=level, places=ps))
        cells.update(located_layers(engine, level, ps))
        where.update(located(engine, level, ps))
    order = {p: i for i, p in enumerate(places)}
    lorder = {x: i for i, x in enumerate(lk.layer_ids)}
    rows.sort(key=lambda r: (order.get(r["place"], 99), lorder.get(r["layer"], 99)))
    return {"rows": rows, "cells": cells, "actors": where}


def municipalities_of(lk: Lookups, place: str, where: dict[str, list[str]] | None = None) -> list[str]:
    """The municipalities a place contains (a municipality: itself), in the region's order."""
    t = lk.place_type(place)
    if t == "municipality":
        return [place]
    ms = [m for m in lk.region_members.get(place, []) if lk.place.get(m, {}).get("type") == "municipality"]
    rest = sorted(lk.members.get(place, set()) - set(ms) - {place})
    return ms + rest


def sovereignty_rows(engine: Any, place: str | None) -> list[dict[str, Any]]:
    from ..analysis import sovereignty

    return records(sovereignty(engine, place=place))


def indicator_rows(atlas: Atlas, subjects: list[str]) -> list[dict[str, Any]]:
    """Indicators of these subjects, with labels, baselines and notes in both languages."""
    if not subjects:
        return []
    df = atlas.sql("""
        SELECT i.*, coalesce((SELECT list(c.source ORDER BY c.position) FROM citations c
                              WHERE c.subject_type = 'indicator' AND c.subject = i.id), []) AS sources
        FROM indicators i WHERE list_contains($s, i.subject)""", {"s": subjects})
    rows = records(df)
    order = {s: i for i, s in enumerate(subjects)}
    rows.sort(key=lambda r: (order.get(r["subject"], 999), r["date"] or r["period_start"] or "", r["id"]))
    return rows


def curated_synergies(atlas: Atlas) -> list[dict[str, Any]]:
    rows = records(atlas.synergies())
    extra = {r["id"]: r for r in records(atlas.sql("SELECT id, name_en, description_nl, description_en "
                                                   "FROM synergies"))}
    ex: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records(atlas.sql("SELECT synergy, text_nl, text_en FROM synergy_examples ORDER BY synergy, position")):
        ex[r.pop("synergy")].append(r)
    for r in rows:
        r.update({k: extra.get(r["id"], {}).get(k) for k in ("name_en", "description_nl", "description_en")})
        r["examples"] = ex.get(r["id"], [])
    return rows


def relation_rows(atlas: Atlas) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in records(atlas.sql(
        "SELECT id, type, family, from_actor, to_actor, date, status FROM relations"))}


def side_of(lk: Lookups, actor: str, where: dict[str, list[str]], a: str, b: str) -> str:
    in_a, in_b = actor in set(where.get(a, [])), actor in set(where.get(b, []))
    return "both" if in_a and in_b else "a" if in_a else "b" if in_b else "other"


def _introductions(engine: Any, synergy: str, a: str, b: str, top: int, scope: str = "between"
                   ) -> list[dict[str, Any]]:
    from ..analysis import introductions
    from ..analysis.introductions import IntroConfig

    try:
        return records(introductions(engine, synergy=synergy, a=a, b=b, top=top, config=IntroConfig(scope=scope)))
    except (AnalysisError, NotFound):
        return []


def _check_place(lk: Lookups, *places: str) -> None:
    for p in places:
        if p not in lk.place:
            raise NotFound("place", p)


def _note(progress: Progress | None, what: str) -> None:
    if progress is not None:
        progress(what)


# -- the corridor briefing: --between A --and B -------------------------------------------------------------
@dataclass
class CorridorData:
    lk: Lookups
    facts: Facts
    a: str
    b: str
    profile: dict[str, Any]
    municipalities: dict[str, list[str]]
    municipality_profile: dict[str, Any]
    positions: list[dict[str, Any]]
    foundries: list[dict[str, Any]] | None
    foundry_layers: list[str]
    flow: list[dict[str, Any]]
    curated: list[dict[str, Any]]
    discovered: list[dict[str, Any]]
    evaluation: list[dict[str, Any]]
    intros: dict[str, list[dict[str, Any]]]
    relations: dict[str, dict[str, Any]]
    sovereignty: dict[str, list[dict[str, Any]]]
    indicators: list[dict[str, Any]]
    bridges: dict[str, Any]
    recommendations: list[dict[str, Any]]
    options: dict[str, Any] = field(default_factory=dict)


def collect_corridor(atlas: Atlas, a: str, b: str, *, top: int = 10, intros: int = 3, bootstrap: int = 200,
                     seed: int = 0, max_municipalities: int = 4, progress: Progress | None = None) -> CorridorData:
    """Everything the briefing on regions ``a`` and ``b`` shows."""
    from ..analysis import bridges, discover, evaluate, foundries, layer_flow
    from ..analysis.integration import FOUNDRY_LAYERS
    from ..analysis.synergy import SynergyConfig, corridor_inputs, default_scope

    lk, fx = atlas.lookups(), facts(atlas)
    _check_place(lk, a, b)
    if a == b:
        raise AnalysisError("the two places must differ")
    engine = atlas.engine()
    _note(progress, "profiles")
    prof = profiles(engine, lk, [a, b])
    # the municipalities with the most organisations on each side, as the report's chapter 3 does
    munis: dict[str, list[str]] = {}
    chosen: list[str] = []
    for p in (a, b):
        ms = municipalities_of(lk, p)
        counts = located(engine, "municipality", ms) if ms else {}
        ranked = sorted((m for m in ms if counts.get(m)), key=lambda m: (-len(counts[m]), m))
        munis[p] = [m for m in ranked if m not in chosen][:max_municipalities] if lk.place_type(p) != "municipality" else []
        chosen += munis[p]
    mprof = profiles(engine, lk, chosen) if chosen else {"rows": [], "cells": {}, "actors": {}}
    positions = records(atlas.sql("""
        SELECT p.id, p.layer, p.bloc, p.standing, p.note_nl, p.note_en,
          coalesce((SELECT list(actor ORDER BY position) FROM position_actors pa WHERE pa.position_id = p.id), [])
            AS actors
        FROM positions p"""))
    _note(progress, "integration")
    flayers = [x for x in FOUNDRY_LAYERS if x in lk.layer_ids]
    fdr = records(foundries(engine, layers=flayers, min_coverage=min(3, len(flayers)))) if len(flayers) >= 2 else None
    flow = records(layer_flow(engine))
    _note(progress, "synergies")
    curated = curated_synergies(atlas)
    cur_df = atlas.synergies()
    # the scope: corridor for the dataset's own pair, between for any other (docs/analysis.md)
    cfg = SynergyConfig(bootstrap=bootstrap, seed=seed, scope=default_scope(engine, a=a, b=b))
    inputs = corridor_inputs(engine, a=a, b=b, presence=cfg.presence)
    found = records(discover(engine, a=a, b=b, top=top, curated=cur_df, config=cfg, inputs=inputs))
    evaluation = records(evaluate(engine, a=a, b=b, curated=cur_df, config=cfg, inputs=inputs)) if len(cur_df) else []
    _note(progress, "introductions")
    intro: dict[str, list[dict[str, Any]]] = {}
    for s in [*(c["id"] for c in curated), *(f["id"] for f in found)]:
        intro[s] = _introductions(engine, s, a, b, intros, cfg.scope)
    _note(progress, "sovereignty")
    sov = {p: sovereignty_rows(engine, p) for p in (a, b)}
    subjects = [a, b]
    for p in (a, b):
        for m in municipalities_of(lk, p):
            if m not in subjects:
                subjects.append(m)
    subjects += sorted(s for s, rec in lk.place.items() if rec["type"] == "site" and rec.get("parent") in subjects)
    inds = indicator_rows(atlas, subjects)
    _note(progress, "bridges")
    br = bridges(engine, a=a, b=b)
    br = {k: records(v) if isinstance(v, pd.DataFrame) else v for k, v in br.items()}
    recs = _recommendations(atlas, lk, {a, b, *municipalities_of(lk, a), *municipalities_of(lk, b)},
                            {c["id"] for c in curated})
    return CorridorData(lk=lk, facts=fx, a=a, b=b, profile=prof, municipalities=munis, municipality_profile=mprof,
                        positions=positions, foundries=fdr, foundry_layers=flayers, flow=flow, curated=curated,
                        discovered=found, evaluation=evaluation, intros=intro, relations=relation_rows(atlas),
                        sovereignty=sov, indicators=inds, bridges=br, recommendations=recs,
                        options={"top": top, "intros": intros, "bootstrap": bootstrap, "seed": seed})


def _recommendations(atlas: Atlas, lk: Lookups, places: set[str], synergies: set[str]) -> list[dict[str, Any]]:
    rows = records(atlas.recommendations())
    extra = {r["id"]: r for r in records(atlas.sql("SELECT id, title_en, description_nl, description_en "
                                                   "FROM recommendations"))}
    out = []
    for r in rows:
        if set(r["places"]) & places or (set(r["synergies"]) & synergies and not r["places"]):
            r.update({k: extra.get(r["id"], {}).get(k) for k in ("title_en", "description_nl", "description_en")})
            out.append(r)
    return out


# -- the place briefing: --place P -----------------------------------------------------------------------
@dataclass
class PlaceData:
    lk: Lookups
    facts: Facts
    place: str
    profile: dict[str, Any]
    municipalities: list[str]
    municipality_profile: dict[str, Any]
    top_actors: dict[str, list[dict[str, Any]]]
    indicators: list[dict[str, Any]]
    sovereignty: list[dict[str, Any]]
    synergies: list[dict[str, Any]]


def collect_place(atlas: Atlas, place: str, *, per_layer: int = 5, max_municipalities: int = 8,
                  progress: Progress | None = None) -> PlaceData:
    lk, fx = atlas.lookups(), facts(atlas)
    _check_place(lk, place)
    engine = atlas.engine()
    _note(progress, "profile")
    prof = profiles(engine, lk, [place])
    ms = municipalities_of(lk, place) if lk.place_type(place) != "municipality" else []
    counts = located(engine, "municipality", ms) if ms else {}
    ranked = sorted((m for m in ms if counts.get(m)), key=lambda m: (-len(counts[m]), m))[:max_municipalities]
    mprof = profiles(engine, lk, ranked) if ranked else {"rows": [], "cells": {}, "actors": {}}
    # top actors per layer: core activity first, then by ties, then by name
    top: dict[str, list[dict[str, Any]]] = {}
    for layer in lk.layer_ids:
        cand = []
        for act in prof["cells"].get((place, layer), []):
            ls = [x for x in fx.actor_layers.get(act, []) if x["layer"] == layer]
            core = any(x.get("role") == "core" for x in ls)
            name = fx.actors[act]["name"]
            cand.append((not core, -fx.degree.get(act, 0), name.casefold(), act, ls, core))
        cand.sort(key=lambda t: t[:3])
        top[layer] = [{"id": c[3], "core": c[5], "ties": fx.degree.get(c[3], 0),
                       "offering": "; ".join(x["offering"] for x in c[4] if x.get("offering"))}
                      for c in cand[:per_layer]]
    subjects = [place, *ms]
    subjects += sorted(s for s, rec in lk.place.items() if rec["type"] == "site" and rec.get("parent") in subjects)
    _note(progress, "sovereignty")
    sov = sovereignty_rows(engine, place)
    inside = {place, *lk.members.get(place, set())}
    syn = [s for s in curated_synergies(atlas)
           if any(p in inside or place in lk.members.get(p, set()) or p == place for p in s["places"])]
    return PlaceData(lk=lk, facts=fx, place=place, profile=prof, municipalities=ranked, municipality_profile=mprof,
                     top_actors=top, indicators=indicator_rows(atlas, subjects), sovereignty=sov, synergies=syn)


# -- the synergy briefing: --synergy ID ------------------------------------------------------------------
@dataclass
class SynergyData:
    lk: Lookups
    facts: Facts
    id: str
    a: str
    b: str
    curated: dict[str, Any] | None
    discovered: dict[str, Any] | None
    layers: list[str]
    domains: list[str]
    where: dict[str, list[str]]
    support: dict[tuple[str, str], list[str]]  # (region, layer) -> actors in that region active in the layer
    relations: dict[str, dict[str, Any]]
    introductions: list[dict[str, Any]]
    guests: list[dict[str, Any]]
    coverage: dict[str, Any]


def collect_synergy(atlas: Atlas, ident: str, a: str | None = None, b: str | None = None, *, intros: int = 10,
                    guests: int = 12, progress: Progress | None = None) -> SynergyData:
    from ..analysis import discover, guest_list
    from ..analysis.synergy import SynergyConfig, default_scope, synergy_spec

    lk, fx = atlas.lookups(), facts(atlas)
    a, b = atlas.compare_pair(a, b)
    _check_place(lk, a, b)
    engine = atlas.engine()
    scope = default_scope(engine, a=a, b=b)
    spec = synergy_spec(engine, ident)  # NotFound for an unknown id
    cur = next((c for c in curated_synergies(atlas) if c["id"] == ident), None)
    disc = None
    if cur is None:
        _note(progress, "discover")
        found = records(discover(engine, a=a, b=b, top=None, curated=atlas.synergies(),
                                 config=SynergyConfig(bootstrap=200, scope=scope)))
        disc = next((f for f in found if f["id"] == ident), None)
    _note(progress, "evidence")
    where = profiles(engine, lk, [a, b])
    support = {k: v for k, v in where["cells"].items() if k[1] in spec.layers}
    _note(progress, "introductions")
    intro = _introductions(engine, ident, a, b, intros, scope)
    _note(progress, "guests")
    g = guest_list(engine, synergy=ident, a=a, b=b, size=guests, scope=scope)
    return SynergyData(lk=lk, facts=fx, id=ident, a=a, b=b, curated=cur, discovered=disc, layers=list(spec.layers),
                       domains=list(spec.domains), where=where["actors"], support=support,
                       relations=relation_rows(atlas), introductions=intro, guests=records(g),
                       coverage=dict(g.attrs.get("coverage", {})))
