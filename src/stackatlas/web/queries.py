"""What the pages and the API show, as plain dicts, computed once per database generation.

Everything goes through the library (:class:`~stackatlas.atlas.Atlas` and :mod:`stackatlas.analysis`)
on the request's generation and is memoised there (see :mod:`stackatlas.web.state`), so a rebuilt
dataset is picked up at once and repeated requests cost a dictionary look-up.
"""

from __future__ import annotations

import importlib
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..atlas import Atlas, records
from ..errors import AnalysisError, NotFound
from .state import Generation

T = TypeVar("T")

MAX_LIMIT = 500
MAX_Q = 200


def _run(gen: Generation, fn: Callable[[Atlas], T]) -> T:
    atlas = gen.atlas()
    try:
        return fn(atlas)
    finally:
        atlas.close()


def optional(module: str) -> Any:
    """An analysis module written elsewhere, or None while it does not exist (pages then say so)."""
    try:
        return importlib.import_module(f"stackatlas.analysis.{module}")
    except ImportError:
        return None


# -- look-up tables -------------------------------------------------------------------------------------
@dataclass
class Lookups:
    meta: dict[str, str]
    layers: list[dict[str, Any]]
    layer: dict[str, dict[str, Any]]
    sublayer: dict[tuple[str, str], dict[str, Any]]
    domain: dict[str, dict[str, Any]]
    kind: dict[str, dict[str, Any]]
    rtype: dict[str, dict[str, Any]]
    bloc: dict[str, dict[str, Any]]
    place: dict[str, dict[str, Any]]
    actor: dict[str, dict[str, Any]]
    source: dict[str, dict[str, Any]]
    synergy: dict[str, dict[str, Any]]
    members: dict[str, set[str]]  # place -> municipalities it contains
    actor_locs: dict[str, set[str]] = field(default_factory=dict)  # actor -> places it is located at
    degree: dict[str, int] = field(default_factory=dict)
    helix: dict[str, dict[str, Any]] = field(default_factory=dict)  # quadruple-helix groups

    @property
    def compare(self) -> tuple[str, str]:
        return self.meta.get("compare_a") or "", self.meta.get("compare_b") or ""

    @property
    def baseline(self) -> str:
        return self.meta.get("baseline") or ""

    def located(self, actor: str, place: str) -> bool:
        """Whether ``actor`` is in ``place`` (head office or active site), as ``Atlas.actors(place=)``."""
        locs = self.actor_locs.get(actor, set())
        return place in locs or bool(locs & self.members.get(place, set()))

    def side(self, actor: str, a: str, b: str) -> str:
        in_a, in_b = self.located(actor, a), self.located(actor, b)
        return "both" if in_a and in_b else "a" if in_a else "b" if in_b else "other"


def lookups(gen: Generation) -> Lookups:
    def build(atlas: Atlas) -> Lookups:
        def rows(sql: str) -> list[dict[str, Any]]:
            return records(atlas.sql(sql))

        layers = records(atlas.layers())
        members: dict[str, set[str]] = defaultdict(set)
        for r in rows("SELECT place, municipality FROM place_municipalities"):
            members[r["place"]].add(r["municipality"])
        actors = rows("SELECT id, name, kind, helix, hq, hq_municipality, hq_country, control_country, "
                      "control_bloc, parent FROM actors")
        locs: dict[str, set[str]] = {a["id"]: {x for x in (a["hq"], a["hq_municipality"], a["hq_country"]) if x}
                                     for a in actors}
        for s in rows("SELECT actor, place, municipality FROM actor_sites WHERE status <> 'closed'"):
            locs[s["actor"]].update(x for x in (s["place"], s["municipality"]) if x)
        degree: Counter[str] = Counter()
        for r in rows("SELECT from_actor, to_actor FROM relations"):
            degree[r["from_actor"]] += 1
            degree[r["to_actor"]] += 1
        return Lookups(
            meta=atlas.meta(),
            layers=layers,
            layer={x["id"]: x for x in layers},
            sublayer={(x["layer"], x["id"]): x for x in rows("SELECT * FROM sublayers")},
            domain={x["id"]: x for x in rows("SELECT * FROM domains ORDER BY id")},
            kind={x["id"]: x for x in rows("SELECT * FROM actor_kinds")},
            rtype={x["id"]: x for x in rows("SELECT * FROM relation_types")},
            bloc={x["id"]: x for x in rows("SELECT * FROM blocs")},
            place={x["id"]: x for x in rows("SELECT id, type, name_nl, name_en, code, kind, parent, country, lat, "
                                             "lon, description_nl, description_en FROM places")},
            actor={x["id"]: x for x in actors},
            source={x["id"]: x for x in rows("SELECT id, title, author, publisher, date, url, type FROM sources")},
            synergy={x["id"]: x for x in rows("SELECT * FROM synergies ORDER BY id")},
            members=dict(members),
            actor_locs=locs,
            degree=dict(degree),
            helix={x["id"]: x for x in rows("SELECT * FROM helix")},
        )

    return gen.cached("lookups", lambda: _run(gen, build))


def check(lk: Lookups, kind: str, ident: str | None) -> None:
    """Raise NotFound for an unknown id of ``kind`` (layer, place, actor, domain, kind, synergy, source)."""
    if ident is None:
        return
    table = {"layer": lk.layer, "place": lk.place, "actor": lk.actor, "domain": lk.domain,
             "actor kind": lk.kind, "synergy": lk.synergy, "source": lk.source, "relation type": lk.rtype}[kind]
    if ident not in table:
        raise NotFound(kind, ident)


def clean(v: Any) -> Any:
    """NaN and infinities to None (JSON has neither)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


# -- actors ---------------------------------------------------------------------------------------------
ACTOR_FILTERS = ("layer", "place", "kind", "domain", "control_country", "q")
ACTOR_SORTS = ("name", "kind", "hq", "control_country", "layers", "ties")


def all_actors(gen: Generation) -> list[dict[str, Any]]:
    return gen.cached("actors:all", lambda: _run(gen, lambda a: records(a.actors())))


def actors(gen: Generation, *, layer: str | None = None, place: str | None = None, kind: str | None = None,
           domain: str | None = None, control_country: str | None = None, q: str | None = None) -> list[dict[str, Any]]:
    """Actors filtered by the library (:meth:`Atlas.actors`), with ``ties`` (number of relations) added."""
    key = ("actors", layer, place, kind, domain, (control_country or "").upper() or None, q or None)

    def compute() -> list[dict[str, Any]]:
        rows = _run(gen, lambda a: records(a.actors(layer=layer, place=place, kind=kind, domain=domain,
                                                     control_country=control_country or None, q=q or None)))
        lk = lookups(gen)
        for r in rows:
            r["ties"] = lk.degree.get(r["id"], 0)
        return rows

    return gen.cached(key, compute)


def sort_rows(rows: list[dict[str, Any]], sort: str, allowed: tuple[str, ...],
              keyfuncs: dict[str, Callable[[dict[str, Any]], Any]] | None = None) -> list[dict[str, Any]]:
    """Sort by ``sort`` (``-`` in front for descending); an unknown key is a 422 AnalysisError."""
    desc = sort.startswith("-")
    k = sort.lstrip("-")
    if k not in allowed:
        raise AnalysisError(f"sort must be one of {', '.join(allowed)} (with - for descending), not {sort!r}")
    fn = (keyfuncs or {}).get(k) or (lambda r: r.get(k))

    def key(r: dict[str, Any]) -> tuple[int, Any]:
        v = fn(r)
        if isinstance(v, list):
            v = len(v)
        if isinstance(v, str):
            v = v.casefold()
        return (v is None, v if v is not None else 0)

    out = sorted(rows, key=key, reverse=desc)
    if desc:  # keep missing values last either way
        out = [r for r in out if fn(r) is not None] + [r for r in out if fn(r) is None]
    return out


def actor_facets(gen: Generation, filters: dict[str, str | None]) -> dict[str, list[tuple[str, int]]]:
    """For each facet, its values with the number of actors given the *other* filters."""
    def compute() -> dict[str, list[tuple[str, int]]]:
        out: dict[str, list[tuple[str, int]]] = {}
        for facet in ("layer", "domain", "kind", "place", "control_country"):
            others = {k: v for k, v in filters.items() if k != facet and v}
            rows = actors(gen, **others)  # type: ignore[arg-type]
            c: Counter[str] = Counter()
            if facet == "layer":
                for r in rows:
                    c.update({x["layer"] for x in r["layers"] or []})
            elif facet == "domain":
                for r in rows:
                    c.update(set(r["domains"] or []))
            elif facet == "kind":
                c.update(r["kind"] for r in rows)
            elif facet == "control_country":
                c.update(r["control_country"] for r in rows if r["control_country"])
            else:  # place: the regions, provinces and municipalities with actors
                lk = lookups(gen)
                ids = {r["id"] for r in rows}
                for pid, p in lk.place.items():
                    if p["type"] in ("region", "municipality", "province", "site"):
                        n = sum(1 for a in ids if lk.located(a, pid))
                        if n:
                            c[pid] = n
            out[facet] = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
        return out

    key = ("actor_facets", tuple(sorted((k, v) for k, v in filters.items() if v)))
    return gen.cached(key, compute)


def _actor_extras(gen: Generation) -> dict[str, dict[str, Any]]:
    """The columns of every actor that :meth:`Atlas.actors` leaves out, in a few queries per generation."""
    def compute(atlas: Atlas) -> dict[str, dict[str, Any]]:
        out = {r["id"]: {**r, "site_details": [], "children": [], "tags": []} for r in records(atlas.sql(
            """SELECT id, helix, hq_municipality, hq_country, control_bloc, founded, website, wikidata,
                      description_nl, description_en, defined_at FROM actors"""))}
        for r in records(atlas.sql("SELECT actor, place, municipality, function, status FROM actor_sites "
                                   "ORDER BY actor, position")):
            out[r.pop("actor")]["site_details"].append(r)
        for r in records(atlas.sql("SELECT parent, id FROM actors WHERE parent IS NOT NULL ORDER BY name")):
            if r["parent"] in out:
                out[r["parent"]]["children"].append(r["id"])
        for r in records(atlas.sql("SELECT actor, tag FROM actor_tags ORDER BY actor, position")):
            out[r["actor"]]["tags"].append(r["tag"])
        return out

    return gen.cached("actor_extras", lambda: _run(gen, compute))


def actor_detail(gen: Generation, ident: str) -> dict[str, Any]:
    """One actor as :meth:`Atlas.actors` gives it, with its other columns, sites, children, tags and ties."""
    lk = lookups(gen)
    check(lk, "actor", ident)

    def compute() -> dict[str, Any]:
        rec = dict(next(a for a in all_actors(gen) if a["id"] == ident))
        rec.update(_actor_extras(gen)[ident])
        rec["relations"] = [r for r in all_relations(gen) if ident in (r["from"], r["to"])]
        rec["ties"] = len(rec["relations"])
        return rec

    return gen.cached(("actor", ident), compute)


def ego_network(gen: Generation, ident: str, limit: int = 40) -> dict[str, Any]:
    """Nodes (the actor and its direct partners, at most ``limit``) and the ties among them."""
    lk = lookups(gen)
    check(lk, "actor", ident)

    def compute() -> dict[str, Any]:
        rels = all_relations(gen)
        partners: list[str] = []
        for r in rels:
            if ident in (r["from"], r["to"]):
                other = r["to"] if r["from"] == ident else r["from"]
                if other not in partners and other != ident:
                    partners.append(other)
        partners = sorted(partners, key=lambda x: -lk.degree.get(x, 0))[:limit]
        nodes = [ident, *partners]
        inside = set(nodes)
        among = [{"id": r["id"], "type": r["type"], "family": r["family"], "from_actor": r["from"],
                  "to_actor": r["to"]} for r in rels if r["from"] in inside and r["to"] in inside]
        return {"nodes": nodes, "edges": among}

    return gen.cached(("ego", ident), compute)


# -- relations ------------------------------------------------------------------------------------------
RELATION_SORTS = ("date", "type", "amount", "from", "to")


def relation_rows(atlas: Atlas, *, type: str | None = None, actor: str | None = None) -> list[dict[str, Any]]:  # noqa: A002
    """:meth:`Atlas.relations` with the family and the descriptions of each relation."""
    rows = records(atlas.relations(type=type, actor=actor))
    extra = {r["id"]: r for r in records(atlas.sql(
        "SELECT id, family, description_nl, description_en FROM relations"))}
    for r in rows:
        e = extra.get(r["id"], {})
        r["family"] = e.get("family")
        r["description_nl"] = e.get("description_nl")
        r["description_en"] = e.get("description_en")
    return rows


def all_relations(gen: Generation) -> list[dict[str, Any]]:
    return gen.cached("relations:all", lambda: _run(gen, relation_rows))


def relations(gen: Generation, *, type: str | None = None, actor: str | None = None,  # noqa: A002
              family: str | None = None, status: str | None = None, layer: str | None = None,
              place: str | None = None) -> list[dict[str, Any]]:
    """Relations (all of :meth:`Atlas.relations`, in its order) filtered by type, actor, family, status, and
    by the layer or place of either end."""
    lk = lookups(gen)
    check(lk, "relation type", type)
    check(lk, "actor", actor)
    check(lk, "layer", layer)
    check(lk, "place", place)
    fams = {t["family"] for t in lk.rtype.values()}
    if family is not None and family not in fams:
        raise NotFound("relation family", family)
    if status is not None and status not in ("announced", "planned", "completed", "ended"):
        raise NotFound("relation status", status)

    def compute() -> list[dict[str, Any]]:
        rows = all_relations(gen)
        if type:
            rows = [r for r in rows if r["type"] == type]
        if actor:
            rows = [r for r in rows if actor in (r["from"], r["to"])]
        if family:
            rows = [r for r in rows if r["family"] == family]
        if status:
            rows = [r for r in rows if r["status"] == status]
        if layer:
            in_layer = {a["id"] for a in actors(gen, layer=layer)}
            rows = [r for r in rows if r["from"] in in_layer or r["to"] in in_layer]
        if place:
            rows = [r for r in rows if lk.located(r["from"], place) or lk.located(r["to"], place)]
        return rows

    return gen.cached(("relations", type, actor, family, status, layer, place), compute)


def relation_facets(gen: Generation, filters: dict[str, str | None]) -> dict[str, list[tuple[str, int]]]:
    def compute() -> dict[str, list[tuple[str, int]]]:
        out: dict[str, list[tuple[str, int]]] = {}
        for facet in ("type", "family", "status"):
            others = {k: v for k, v in filters.items() if k != facet and v}
            rows = relations(gen, **others)  # type: ignore[arg-type]
            c = Counter(r[facet] for r in rows if r.get(facet))
            out[facet] = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
        return out

    return gen.cached(("relation_facets", tuple(sorted((k, v) for k, v in filters.items() if v))), compute)


# -- sources --------------------------------------------------------------------------------------------
SOURCE_SORTS = ("id", "title", "date", "publisher", "type", "citations")


def sources(gen: Generation, *, type: str | None = None, q: str | None = None) -> list[dict[str, Any]]:  # noqa: A002
    def compute() -> list[dict[str, Any]]:
        rows = _run(gen, lambda a: records(a.sources()))
        if type:
            rows = [r for r in rows if r["type"] == type]
        if q:
            ql = q.casefold()
            rows = [r for r in rows if ql in " ".join(str(r.get(k) or "") for k in ("id", "title", "author",
                                                                                     "publisher")).casefold()]
        return rows

    return gen.cached(("sources", type, q), compute)


def source_detail(gen: Generation, ident: str) -> dict[str, Any]:
    lk = lookups(gen)
    check(lk, "source", ident)

    def compute(atlas: Atlas) -> dict[str, Any]:
        rec = next(r for r in records(atlas.sources()) if r["id"] == ident)
        rec["cited_by"] = records(atlas.sql("""SELECT subject_type, subject, locator, confidence FROM citations
            WHERE source = $s ORDER BY subject_type, subject, position""", {"s": ident}))
        return rec

    return gen.cached(("source", ident), lambda: _run(gen, compute))


# -- places and profiles --------------------------------------------------------------------------------
PROFILE_LEVELS = ("municipality", "region", "province", "country", "site")


def profile_table(gen: Generation, level: str) -> list[dict[str, Any]]:
    """The stack profile (counts, shares, LQ with 95% intervals) of every place of a level."""
    if level not in PROFILE_LEVELS:
        raise AnalysisError(f"level must be one of {', '.join(PROFILE_LEVELS)}, not {level!r}")

    def compute(engine: Any) -> list[dict[str, Any]]:
        from ..analysis import profile

        return [{k: clean(v) for k, v in r.items()} for r in records(profile(engine, level=level))]

    return gen.analysis(("profile", level), compute)


def place_profile(gen: Generation, place: str) -> list[dict[str, Any]]:
    lk = lookups(gen)
    check(lk, "place", place)
    level = lk.place[place]["type"]
    return [r for r in profile_table(gen, level) if r["place"] == place]


def actors_per_place(gen: Generation, place_type: str, layer: str | None = None) -> list[tuple[str, int]]:
    """(place, number of actors) for every place of ``place_type`` with actors (in ``layer``)."""
    def compute() -> list[tuple[str, int]]:
        lk = lookups(gen)
        ids = [a["id"] for a in actors(gen, layer=layer)]
        out = []
        for pid, p in lk.place.items():
            if p["type"] == place_type:
                n = sum(1 for a in ids if lk.located(a, pid))
                if n:
                    out.append((pid, n))
        return sorted(out, key=lambda kv: (-kv[1], kv[0]))

    return gen.cached(("per_place", place_type, layer), compute)


def layer_counts(gen: Generation, place: str) -> dict[str, int]:
    """Number of actors of ``place`` per layer."""
    def compute() -> dict[str, int]:
        c: Counter[str] = Counter()
        for r in actors(gen, place=place):
            c.update({x["layer"] for x in r["layers"] or []})
        return dict(c)

    return gen.cached(("layer_counts", place), compute)


def top_actors(gen: Generation, place: str, per_layer: int = 5) -> dict[str, list[dict[str, Any]]]:
    """Per layer, the actors of ``place`` with the layer as core activity first, then by number of ties."""
    def compute() -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        rows = actors(gen, place=place)
        lk = lookups(gen)
        for layer in lk.layers:
            cand = []
            for r in rows:
                ls = [x for x in r["layers"] or [] if x["layer"] == layer["id"]]
                if ls:
                    core = any(x.get("role") == "core" for x in ls)
                    cand.append((not core, -r["ties"], r["name"].casefold(), r, ls))
            cand.sort(key=lambda t: t[:3])
            out[layer["id"]] = [{"id": c[3]["id"], "name": c[3]["name"], "ties": c[3]["ties"],
                                 "offering": "; ".join(x.get("offering") or "" for x in c[4] if x.get("offering")),
                                 "core": not c[0]} for c in cand[:per_layer]]
        return dict(out)

    return gen.cached(("top_actors", place, per_layer), compute)


def all_indicators(gen: Generation) -> list[dict[str, Any]]:
    """:meth:`Atlas.indicators` with the labels, baselines and notes in both languages."""
    def compute(atlas: Atlas) -> list[dict[str, Any]]:
        rows = records(atlas.indicators())
        labels = {r["id"]: r for r in records(atlas.sql(
            """SELECT id, label_nl, label_en, baseline_label_nl, baseline_label_en, note_nl, note_en
               FROM indicators"""))}
        for r in rows:
            r.update(labels.get(r["id"], {}))
        return rows

    return gen.cached("indicators:all", lambda: _run(gen, compute))


def indicators(gen: Generation, subject: str) -> list[dict[str, Any]]:
    return gen.cached(("indicators", subject), lambda: [r for r in all_indicators(gen) if r["subject"] == subject])


def place_detail(gen: Generation, ident: str) -> dict[str, Any]:
    lk = lookups(gen)
    check(lk, "place", ident)

    def compute(atlas: Atlas) -> dict[str, Any]:
        rec = next(r for r in records(atlas.places()) if r["id"] == ident)
        rec.update({k: lk.place[ident].get(k) for k in ("name_en", "description_nl", "description_en")})
        rec["actors"] = len(actors(gen, place=ident))
        rec["municipalities"] = sorted(lk.members.get(ident, set()) - {ident},
                                       key=lambda m: (lk.place.get(m, {}).get("name_nl") or m))
        rec["sites"] = sorted(p["id"] for p in lk.place.values() if p["type"] == "site" and p["parent"] == ident)
        rec["regions"] = sorted(pid for pid, p in lk.place.items() if p["type"] == "region"
                                and pid != ident and ident in lk.members.get(pid, set()))
        return rec

    return gen.cached(("place", ident), lambda: _run(gen, compute))


# -- layers ---------------------------------------------------------------------------------------------
def positions(gen: Generation, layer: str | None = None) -> list[dict[str, Any]]:
    def compute(atlas: Atlas) -> list[dict[str, Any]]:
        rows = records(atlas.sql("""
            SELECT p.id, p.layer, p.bloc, p.standing, p.note_nl, p.note_en,
              coalesce((SELECT list(actor ORDER BY position) FROM position_actors pa WHERE pa.position_id = p.id),
                       []) AS actors,
              coalesce((SELECT list(struct_pack(source := c.source, locator := c.locator,
                                                confidence := c.confidence) ORDER BY c.position)
                        FROM citations c WHERE c.subject_type = 'position' AND c.subject = p.id), []) AS sources
            FROM positions p LEFT JOIN blocs b ON b.id = p.bloc
            WHERE $layer IS NULL OR p.layer = $layer ORDER BY p.layer, p.bloc""", {"layer": layer}))
        order = {b: i for i, b in enumerate(("nl", "eu", "us", "cn", "other"))}
        return sorted(rows, key=lambda r: (r["layer"], order.get(r["bloc"], 9), r["bloc"]))

    return gen.cached(("positions", layer), lambda: _run(gen, compute))


def layer_indicators(gen: Generation, layer: str) -> list[dict[str, Any]]:
    return gen.cached(("layer_indicators", layer), lambda: [r for r in all_indicators(gen) if r["layer"] == layer])


# -- synergies ------------------------------------------------------------------------------------------
def curated_list(gen: Generation) -> list[dict[str, Any]]:
    """The curated synergies as :meth:`Atlas.synergies` gives them (layers, domains, actors, sources)."""
    return gen.cached("synergies:curated", lambda: _run(gen, lambda at: records(at.synergies())))


def synergies(gen: Generation, a: str, b: str) -> list[dict[str, Any]]:
    """Curated synergies with their named actors split by side (``a``, ``b``, ``both``, ``other``)."""
    lk = lookups(gen)
    check(lk, "place", a)
    check(lk, "place", b)
    if a == b:
        raise AnalysisError("the two places must differ")

    def compute() -> list[dict[str, Any]]:
        rows = [dict(r) for r in curated_list(gen)]
        for r in rows:
            r.update({k: lk.synergy[r["id"]].get(k) for k in ("name_en", "description_nl", "description_en")})
            sides: dict[str, list[str]] = {"a": [], "b": [], "both": [], "other": []}
            for act in r["actors"]:
                sides[lk.side(act, a, b)].append(act)
            r["sides"] = sides
        return rows

    return gen.cached(("synergies", a, b), compute)


def synergy_detail(gen: Generation, ident: str, a: str | None = None, b: str | None = None) -> dict[str, Any]:
    lk = lookups(gen)
    check(lk, "synergy", ident)
    a = a or lk.compare[0]
    b = b or lk.compare[1]
    rec = next(r for r in synergies(gen, a, b) if r["id"] == ident)

    def compute(atlas: Atlas) -> dict[str, Any]:
        out = dict(rec)
        out["examples"] = records(atlas.sql(
            "SELECT text_nl, text_en FROM synergy_examples WHERE synergy = $s ORDER BY position", {"s": ident}))
        named = set(rec["actors"])
        rels = all_relations(gen)
        listed = set(rec["relations"])
        out["ties"] = [r for r in rels if r["id"] in listed or (r["from"] in named and r["to"] in named)]
        # further actors per side active in the synergy's layers and domains (not named by the source)
        more: dict[str, list[str]] = {"a": [], "b": []}
        layers, domains = set(rec["layers"]), set(rec["domains"])
        for side, place in (("a", a), ("b", b)):
            cand = []
            for act in actors(gen, place=place):
                if act["id"] in named:
                    continue
                ls = {x["layer"] for x in act["layers"] or []}
                if ls & layers and (not domains or set(act["domains"] or []) & domains):
                    cand.append((-len(ls & layers), -act["ties"], act["name"].casefold(), act["id"]))
            more[side] = [c[3] for c in sorted(cand)[:12]]
        out["more"] = more
        out["a"], out["b"] = a, b
        return out

    return gen.cached(("synergy", ident, a, b), lambda: _run(gen, compute))


# -- discovered synergies, introductions, guest lists ----------------------------------------------------
DISCOVER_TOP = 15            # candidates shown on /compare (and by default in the API)
DISCOVER_POOL = 60           # candidates kept per pair: those that get a bootstrap interval
BOOTSTRAP_PRECOMPUTED = 200  # the dataset's compare pair, computed in the background when a generation opens
BOOTSTRAP_ON_DEMAND = 50     # any other pair, computed on its first request (bounded cost), then cached
INTRO_TOP, MAX_INTRO_TOP = 10, 50
GUESTS_SIZE, MAX_GUESTS = 12, 40
SYNERGY_LAYERS = (2, 4)      # a discovered id names 2 to 4 layers (SynergyConfig's min_layers..max_layers)


def pair(lk: Lookups, a: str | None, b: str | None) -> tuple[str, str]:
    """Two known, different places (default: the dataset's compare pair)."""
    pa, pb = a or lk.compare[0], b or lk.compare[1]
    check(lk, "place", pa)
    check(lk, "place", pb)
    if pa == pb:
        raise AnalysisError("the two places must differ")
    return pa, pb


def bootstrap_for(lk: Lookups, a: str, b: str) -> int:
    """Bootstrap replicates of a pair: many for the precomputed default pair, fewer for the others."""
    return BOOTSTRAP_PRECOMPUTED if (a, b) == lk.compare else BOOTSTRAP_ON_DEMAND


def _corridor(gen: Generation, a: str, b: str) -> Any:
    """The corridor inputs of discovery for ``a`` and ``b`` (cached; analysis lock first, then the memo key)."""
    from ..analysis.synergy import corridor_inputs

    with gen.analysis_lock:
        return gen.inputs.get(("corridor", a, b), lambda: corridor_inputs(gen.engine(), a=a, b=b))


def _or_error(fn: Callable[[], T]) -> T | dict[str, str]:
    """``fn()``, or ``{"error": message}`` for an analysis that cannot be done (cached like a result, so a
    hopeless request is not recomputed)."""
    try:
        return fn()
    except AnalysisError as exc:
        return {"error": str(exc)}


def discovered(gen: Generation, a: str, b: str) -> dict[str, Any]:
    """Candidate synergies discovered from the data between ``a`` and ``b``, best first.

    ``{"items": [...], "bootstrap": n, "error": None}``: the best :data:`DISCOVER_POOL` candidates of
    :func:`stackatlas.analysis.synergy.discover` (columns and evidence as it gives them, NaN as None), or no
    items and ``error`` when the pair cannot be analysed (e.g. a place without organisations).
    """
    lk = lookups(gen)
    a, b = pair(lk, a, b)
    n_boot = bootstrap_for(lk, a, b)
    import pandas as pd

    curated = pd.DataFrame([{"id": s["id"], "layers": s["layers"], "domains": s["domains"]}
                            for s in curated_list(gen)], columns=["id", "layers", "domains"])

    def compute(engine: Any) -> dict[str, Any]:
        from ..analysis.synergy import SynergyConfig, discover

        def run() -> dict[str, Any]:
            cfg = SynergyConfig(bootstrap=n_boot, bootstrap_top=DISCOVER_POOL)
            df = discover(engine, a=a, b=b, top=DISCOVER_POOL, curated=curated, config=cfg,
                          inputs=_corridor(gen, a, b))
            return {"items": records(df), "bootstrap": n_boot, "error": None}

        out = _or_error(run)
        return out if "items" in out else {"items": [], "bootstrap": n_boot, "error": out["error"]}

    return gen.analysis(("discovered", a, b, n_boot), compute)


def synergy_ref(gen: Generation, ident: str) -> dict[str, Any]:
    """What a synergy id names: a curated synergy (``C``) or a discovered candidate (``chips.ai--manufacturing``:
    2–4 known layers joined by dots, optionally ``--`` and a known domain). ``id`` is the canonical form
    (layers in stack order); anything else is NotFound."""
    lk = lookups(gen)
    if ident in lk.synergy:
        rec = next(s for s in curated_list(gen) if s["id"] == ident)
        return {"id": ident, "kind": "curated", "layers": list(rec["layers"]), "domains": list(rec["domains"]),
                "actors": list(rec["actors"])}
    layer_part, sep, domain = ident.partition("--")
    parts = layer_part.split(".")
    order = {x["id"]: i for i, x in enumerate(lk.layers)}
    lo, hi = SYNERGY_LAYERS
    if (not all(x in order for x in parts) or len(set(parts)) != len(parts) or not lo <= len(parts) <= hi
            or (sep and domain not in lk.domain)):
        raise NotFound("synergy", ident)
    layers = sorted(parts, key=order.__getitem__)
    return {"id": ".".join(layers) + (f"--{domain}" if sep else ""), "kind": "discovered", "layers": layers,
            "domains": [domain] if sep else [], "actors": []}


def _spec(ref: dict[str, Any]) -> Any:
    from ..analysis.synergy import SynergySpec

    return SynergySpec(ref["id"], tuple(ref["layers"]), tuple(ref["domains"]), tuple(ref["actors"]),
                       curated=ref["kind"] == "curated")


def _evidence(inp: Any, layers: list[str], domains: list[str]) -> dict[str, Any]:
    """The supporting actors per region (with a municipality there and their layers of the set) and the ties
    that already cross between them, as :func:`~stackatlas.analysis.synergy.discover` reports its evidence
    (for any layer set and domain, also one that is not among the best candidates)."""
    from ..analysis.synergy import candidate_evidence

    out, places = candidate_evidence(inp, layers, domains[0] if domains else "")
    return {"evidence": {k: [{kk: clean(vv) for kk, vv in x.items()} for x in v] for k, v in out.items()},
            "places": list(dict.fromkeys(places))}


def discovered_detail(gen: Generation, ident: str, a: str | None = None, b: str | None = None) -> dict[str, Any]:
    """A discovered candidate between ``a`` and ``b``: its layers, domains, evidence (supporting actors per
    side, ties that already cross) and, when it is among the best candidates, its rank, label and score."""
    from ..analysis.synergy import best_curated

    lk = lookups(gen)
    ref = synergy_ref(gen, ident)
    if ref["kind"] != "discovered":
        raise NotFound("discovered synergy", ident)
    a, b = pair(lk, a, b)
    found = discovered(gen, a, b)
    cand = next((c for c in found["items"] if c["id"] == ref["id"]), None)

    def compute(engine: Any) -> dict[str, Any]:
        return _or_error(lambda: _evidence(_corridor(gen, a, b), ref["layers"], ref["domains"]))

    ev = gen.analysis(("synergy_evidence", ref["id"], a, b), compute)
    if "error" in ev:
        raise AnalysisError(ev["error"])
    keep = ("rank", "label", "label_nl", "score", "score_low", "score_high", "n_a", "n_b", "ties", "munis")
    return {"id": ref["id"], "kind": "discovered", "layers": ref["layers"], "domains": ref["domains"],
            "a": a, "b": b, "bootstrap": found["bootstrap"], "candidates": len(found["items"]),
            "candidate": {k: cand.get(k) for k in keep} if cand else None,
            "curated_match": cand.get("curated_match") if cand else best_curated(curated_list(gen), ref["layers"],
                                                                                    ref["domains"]),
            "places": ev["places"], "evidence": ev["evidence"]}


def introductions_for(gen: Generation, ident: str, a: str | None = None, b: str | None = None,
                      top: int = INTRO_TOP) -> list[dict[str, Any]]:
    """Who in ``a`` should meet whom in ``b`` for a synergy (curated or discovered), best first.

    The best :data:`MAX_INTRO_TOP` are computed once per synergy and pair (the ranking is a prefix of it)."""
    lk = lookups(gen)
    ref = synergy_ref(gen, ident)
    a, b = pair(lk, a, b)
    top = max(1, min(int(top), MAX_INTRO_TOP))
    spec = _spec(ref)

    def compute(engine: Any) -> Any:
        from ..analysis.introductions import introductions

        return _or_error(lambda: records(introductions(engine, synergy=spec, a=a, b=b, top=MAX_INTRO_TOP)))

    rows = gen.analysis(("introductions", ref["id"], a, b), compute)
    if isinstance(rows, dict):
        raise AnalysisError(rows["error"])
    named = set(ref["actors"])
    return [{**r, "named": [x for x in (r["a"], r["b"]) if x in named]} for r in rows[:top]]


def _cell(label: str) -> dict[str, str]:
    """``"chips × mra × knowledge"`` (a cell of the guest-list universe) as its parts."""
    parts = label.split(" × ")
    return dict(zip(("layer", "place", "helix"), parts, strict=True)) if len(parts) == 3 else {"label": label}


def guests_for(gen: Generation, ident: str, a: str | None = None, b: str | None = None,
               size: int = GUESTS_SIZE) -> dict[str, Any]:
    """A guest list of ``size`` for a synergy between ``a`` and ``b``: the picks (each with the cells it adds)
    and the coverage (``value``, ``cells_covered`` of ``cells_possible`` and ``cells_total``, ``guarantee``)."""
    lk = lookups(gen)
    ref = synergy_ref(gen, ident)
    a, b = pair(lk, a, b)
    if not 1 <= int(size) <= MAX_GUESTS:
        raise AnalysisError(f"size must be 1 to {MAX_GUESTS}, not {size}")
    spec = _spec(ref)

    def compute(engine: Any) -> dict[str, Any]:
        from ..analysis.guests import guest_list

        def run() -> dict[str, Any]:
            df = guest_list(engine, synergy=spec, a=a, b=b, size=int(size))
            items = records(df)
            for r in items:
                r["cells"] = [_cell(c) for c in r.get("covers") or []]
            return {"items": items, "coverage": records_plain(df.attrs.get("coverage") or {})}

        return _or_error(run)

    out = gen.analysis(("guests", ref["id"], a, b, int(size)), compute)
    if "error" in out:
        raise AnalysisError(out["error"])
    return {"synergy": ref["id"], "between": a, "and": b, "size": int(size), **out}


def records_plain(d: dict[str, Any]) -> dict[str, Any]:
    """A flat mapping with numpy scalars as Python numbers and NaN as None."""
    return {k: clean(v.item() if hasattr(v, "item") else v) for k, v in d.items()}


# -- compare, bridges, map ------------------------------------------------------------------------------
def bridges(gen: Generation, a: str, b: str) -> dict[str, Any] | None:
    mod = optional("bridges")
    if mod is None or not hasattr(mod, "bridges"):
        return None
    lk = lookups(gen)
    check(lk, "place", a)
    check(lk, "place", b)

    def compute(engine: Any) -> dict[str, Any]:
        res = mod.bridges(engine, a=a, b=b)
        out: dict[str, Any] = {}
        for k, v in res.items():
            if hasattr(v, "to_dict") and hasattr(v, "columns"):
                out[k] = [{kk: clean(vv) for kk, vv in r.items()} for r in records(v)]
            else:
                out[k] = clean(v)
        return out

    return gen.analysis(("bridges", a, b), compute)


def map_data(gen: Generation, a: str, b: str) -> dict[str, Any]:
    """Municipalities (with coordinates) and their number of actors; ties between actors of ``a`` and ``b``
    drawn between their head-office municipalities."""
    lk = lookups(gen)

    def compute() -> dict[str, Any]:
        count: Counter[str] = Counter()
        for locs in lk.actor_locs.values():
            for m in {x for x in locs if lk.place.get(x, {}).get("type") == "municipality"}:
                count[m] += 1
        points = []
        for pid, p in lk.place.items():
            if p["type"] == "municipality" and p["country"] == "nl" and p["lat"] is not None and count[pid]:
                side = "a" if pid in lk.members.get(a, set()) else "b" if pid in lk.members.get(b, set()) else "other"
                points.append({"id": pid, "name": p["name_nl"], "lat": p["lat"], "lon": p["lon"],
                               "actors": count[pid], "side": side})
        def anchor(actor: str, region: str) -> str | None:
            """Where to draw an actor of ``region``: its head office if there, else a site there."""
            inside = lk.members.get(region, set())
            hq = lk.actor.get(actor, {}).get("hq_municipality")
            if hq in inside:
                return str(hq)
            return min((x for x in lk.actor_locs.get(actor, set()) if x in inside), default=None)

        rels = relations(gen)
        pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in rels:
            sf, st = lk.side(r["from"], a, b), lk.side(r["to"], a, b)
            if {sf, st} != {"a", "b"}:
                continue
            fm = anchor(r["from"], a if sf == "a" else b)
            tm = anchor(r["to"], a if st == "a" else b)
            if not fm or not tm or fm == tm:
                continue
            key = (fm, tm) if fm < tm else (tm, fm)
            pairs[key].append(r["id"])
        lines = []
        for (m1, m2), ids in sorted(pairs.items()):
            p1, p2 = lk.place.get(m1), lk.place.get(m2)
            if p1 and p2 and p1["lat"] is not None and p2["lat"] is not None:
                lines.append({"from": m1, "to": m2, "from_name": p1["name_nl"], "to_name": p2["name_nl"],
                              "lat": p1["lat"], "lon": p1["lon"], "lat2": p2["lat"], "lon2": p2["lon"],
                              "ties": len(ids), "relations": ids})
        return {"points": points, "lines": lines}

    return gen.cached(("map", a, b), compute)


# -- integration and sovereignty ------------------------------------------------------------------------
def integration(gen: Generation) -> dict[str, Any] | None:
    mod = optional("integration")
    if mod is None:
        return None

    def compute(engine: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"foundries": None, "flow": None, "foundry_layers": None}
        if hasattr(mod, "foundries"):
            out["foundries"] = records(mod.foundries(engine))
            out["foundry_layers"] = list(getattr(mod, "FOUNDRY_LAYERS", ("chips", "cloud", "ai", "applications")))
        if hasattr(mod, "layer_flow"):
            out["flow"] = [{k: clean(v) for k, v in r.items()} for r in records(mod.layer_flow(engine))]
        return out

    return gen.analysis(("integration",), compute)


def sovereignty(gen: Generation, place: str | None = None) -> list[dict[str, Any]] | None:
    mod = optional("sovereignty")
    if mod is None or not hasattr(mod, "sovereignty"):
        return None
    lk = lookups(gen)
    check(lk, "place", place)

    def compute(engine: Any) -> list[dict[str, Any]]:
        return [{k: clean(v) for k, v in r.items()} for r in records(mod.sovereignty(engine, place=place))]

    return gen.analysis(("sovereignty", place), compute)


# -- search ---------------------------------------------------------------------------------------------
_SEARCH = """
WITH q AS (SELECT lower($q) AS q),
names AS (
  SELECT 'actor' AS type, a.id, a.name AS label, a.name AS text FROM actors a
  UNION ALL SELECT 'actor', al.actor, a.name, al.alias FROM actor_aliases al JOIN actors a ON a.id = al.actor
  UNION ALL SELECT 'place', p.id, coalesce(p.name_nl, p.name_en), coalesce(p.name_nl, p.name_en) FROM places p
  UNION ALL SELECT 'place', p.id, coalesce(p.name_nl, p.name_en), p.name_en FROM places p WHERE p.name_en IS NOT NULL
  UNION ALL SELECT 'layer', l.id, l.name_en, l.name_en FROM layers l
  UNION ALL SELECT 'layer', l.id, l.name_en, l.name_nl FROM layers l
  UNION ALL SELECT 'layer', l.id, l.name_en, l.id FROM layers l
  UNION ALL SELECT 'synergy', s.id, coalesce(s.name_en, s.name_nl), s.name_nl FROM synergies s
  UNION ALL SELECT 'synergy', s.id, coalesce(s.name_en, s.name_nl), s.name_en FROM synergies s
  UNION ALL SELECT 'source', s.id, s.title, s.title FROM sources s
),
scored AS (
  SELECT type, id, label, text,
    CASE WHEN lower(text) = q.q THEN 1.0
         WHEN starts_with(lower(text), q.q) THEN 0.97
         WHEN contains(lower(text), q.q) THEN 0.93
         ELSE greatest(
           jaro_winkler_similarity(lower(text), q.q),
           coalesce(list_max(list_transform(
             list_filter(string_split_regex(lower(text), '[^a-z0-9à-ü]+'), lambda w: length(w) > 1),
             lambda w: jaro_winkler_similarity(w, q.q))), 0.0) - 0.02,
           1.0 - levenshtein(lower(text), q.q) / greatest(length(text), length(q.q))::DOUBLE)
    END AS score
  FROM names, q WHERE text IS NOT NULL
)
SELECT type, id, arg_max(label, score) AS label, arg_max(text, score) AS matched, max(score) AS score
FROM scored GROUP BY type, id HAVING max(score) >= $threshold
ORDER BY score DESC, CASE type WHEN 'actor' THEN 1 WHEN 'place' THEN 2 WHEN 'layer' THEN 3
  WHEN 'synergy' THEN 4 ELSE 5 END, label
LIMIT $limit
"""


def search(gen: Generation, q: str, limit: int = 20) -> list[dict[str, Any]]:
    """Actors (names and aliases), places, layers, synergies and sources matching ``q``, typos tolerated
    (Jaro–Winkler similarity of the whole name or of one of its words, and Levenshtein distance, in DuckDB)."""
    q = " ".join(q.split())[:MAX_Q]
    if not q:
        return []
    limit = max(1, min(int(limit), 100))
    threshold = 0.86 if len(q) >= 4 else 0.93

    def compute(atlas: Atlas) -> list[dict[str, Any]]:
        rows = records(atlas.sql(_SEARCH, {"q": q, "limit": limit, "threshold": threshold}))
        for r in rows:
            r["score"] = round(float(r["score"]), 4)
        return rows

    return gen.cached(("search", q.casefold(), limit), lambda: _run(gen, compute))
