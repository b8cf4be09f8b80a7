"""Synergies between two places: the curated ones (named actors per side, ties among them, further actors),
the ones discovered from the data (candidates with bootstrap intervals and their evidence), and for either
kind the introductions (who should meet whom) and a guest list. The analyses run once per generation
(the dataset's compare pair in the background, see :mod:`stackatlas.web._warmup`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...atlas import Atlas, records
from ...errors import AnalysisError, NotFound
from .. import _asof
from ..state import Generation
from ._common import clean, in_list, or_error, records_plain, rows, run
from ._lookups import Lookups, check, lookups
from .relations import relations_by_ids

__all__ = ["BOOTSTRAP_ON_DEMAND", "BOOTSTRAP_PRECOMPUTED", "DISCOVER_POOL", "DISCOVER_TOP", "EVIDENCE_LIMIT",
           "GUESTS_SIZE", "INTRO_TOP", "MAX_GUESTS", "MAX_INTRO_TOP", "SYNERGY_LAYERS", "TIES_SHOWN",
           "bootstrap_for", "curated_list", "discovered", "discovered_detail", "guests_for", "introductions_for",
           "pair", "sides", "synergies", "synergy_detail", "synergy_ref"]


def curated_list(gen: Generation) -> list[dict[str, Any]]:
    """The curated synergies as :meth:`Atlas.synergies` gives them (layers, domains, actors, sources)."""
    return gen.cached("synergies:curated", lambda: run(gen, lambda at: records(at.synergies())))


def synergies(gen: Generation, a: str, b: str) -> list[dict[str, Any]]:
    """Curated synergies with their named actors split by side (``a``, ``b``, ``both``, ``other``)."""
    lk = lookups(gen)
    check(lk, "place", a)
    check(lk, "place", b)
    if a == b:
        raise AnalysisError("the two places must differ")

    def compute() -> list[dict[str, Any]]:
        out = [dict(r) for r in curated_list(gen)]
        where = sides(gen, [x for r in out for x in r["actors"]], a, b)
        for r in out:
            r.update({k: lk.synergy[r["id"]].get(k) for k in ("name_en", "description_nl", "description_en")})
            split: dict[str, list[str]] = {"a": [], "b": [], "both": [], "other": []}
            for act in r["actors"]:
                split[where.get(act, "other")].append(act)
            r["sides"] = split
        return out

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
        named = list(dict.fromkeys(rec["actors"]))
        params: dict[str, Any] = {}
        listed = in_list("l", rec["relations"], params)
        nl = in_list("n", named, params)
        ids = [r["id"] for r in rows(gen, f"""SELECT id FROM relations WHERE id IN {listed}
                                            OR (from_actor IN {nl} AND to_actor IN {nl})
                                            ORDER BY date_start NULLS LAST, id""", params)]
        out["ties"] = relations_by_ids(gen, ids)
        # further actors per side active in the synergy's layers and domains (not named by the source)
        more: dict[str, list[str]] = {"a": [], "b": []}
        for side, place in (("a", a), ("b", b)):
            more[side] = [r["id"] for r in rows(gen, """
                SELECT w.id FROM web.inplace i JOIN web.actors w ON w.rid = i.rid
                WHERE i.place = $place AND NOT list_contains($named, w.id)
                  AND len(list_intersect(w.layer_ids, $layers)) > 0
                  AND (NOT $any_domain OR len(list_intersect(w.domains, $domains)) > 0)
                ORDER BY len(list_intersect(w.layer_ids, $layers)) DESC, w.ties DESC, w.lname, w.id LIMIT 12""",
                {"place": place, "named": named or [""], "layers": list(rec["layers"]) or [""],
                 "domains": list(rec["domains"]) or [""], "any_domain": bool(rec["domains"])})]
        out["more"] = more
        out["a"], out["b"] = a, b
        return out

    return gen.cached(("synergy", ident, a, b), lambda: run(gen, compute))


def sides(gen: Generation, ids: Iterable[str], a: str, b: str) -> dict[str, str]:
    """For each actor of ``ids``: ``both``, ``a``, ``b`` or ``other`` (whether it is in place ``a``/``b``, by
    head office or active site, as ``Atlas.actors(place=...)``)."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    params: dict[str, Any] = {"a": a, "b": b}
    found = rows(gen, f"""
        SELECT w.id, bool_or(i.place = $a) AS in_a, bool_or(i.place = $b) AS in_b
        FROM web.actors w JOIN web.inplace i ON i.rid = w.rid AND i.place IN ($a, $b)
        WHERE w.id IN {in_list("i", ids, params)} GROUP BY w.id""", params)
    where = {r["id"]: ("both" if r["in_a"] and r["in_b"] else "a" if r["in_a"] else "b" if r["in_b"] else "other")
             for r in found}
    return {i: where.get(i, "other") for i in ids}


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


def scope_for(lk: Lookups, a: str, b: str, scope: str | None) -> str:
    """The scope of discovery for a pair: as asked, else the default (corridor for the dataset's pair)."""
    from ...analysis.synergy import scope_for_pair

    return scope_for_pair(a=a, b=b, own=lk.compare, scope=scope or None)


def bootstrap_for(lk: Lookups, a: str, b: str) -> int:
    """Bootstrap replicates of a pair: many for the precomputed default pair, fewer for the others."""
    return BOOTSTRAP_PRECOMPUTED if (a, b) == lk.compare else BOOTSTRAP_ON_DEMAND


def _corridor(gen: Generation, a: str, b: str) -> Any:
    """The corridor inputs of discovery for ``a`` and ``b`` (cached; analysis lock first, then the memo key)."""
    from ...analysis.synergy import corridor_inputs

    with gen.analysis_lock:
        return gen.inputs.get(("corridor", a, b, _asof.current()), lambda: corridor_inputs(gen.engine(), a=a, b=b))


def discovered(gen: Generation, a: str, b: str, scope: str | None = None) -> dict[str, Any]:
    """Candidate synergies discovered from the data between ``a`` and ``b``, best first.

    ``{"items": [...], "bootstrap": n, "scope": s, "error": None}``: the best :data:`DISCOVER_POOL` candidates of
    :func:`stackatlas.analysis.synergy.discover` (columns and evidence as it gives them, NaN as None), or no
    items and ``error`` when the pair cannot be analysed (e.g. a place without organisations).
    """
    lk = lookups(gen)
    a, b = pair(lk, a, b)
    n_boot = bootstrap_for(lk, a, b)
    scope = scope_for(lk, a, b, scope)
    import pandas as pd

    curated = pd.DataFrame([{"id": s["id"], "layers": s["layers"], "domains": s["domains"]}
                            for s in curated_list(gen)], columns=["id", "layers", "domains"])

    def compute(engine: Any) -> dict[str, Any]:
        from ...analysis.synergy import SynergyConfig, discover

        def run() -> dict[str, Any]:
            cfg = SynergyConfig(bootstrap=n_boot, bootstrap_top=DISCOVER_POOL, scope=scope)
            df = discover(engine, a=a, b=b, top=DISCOVER_POOL, curated=curated, config=cfg,
                          inputs=_corridor(gen, a, b))
            return {"items": records(df), "bootstrap": n_boot, "scope": scope, "error": None}

        out = or_error(run)
        return out if "items" in out else {"items": [], "bootstrap": n_boot, "scope": scope, "error": out["error"]}

    return gen.analysis(("discovered", a, b, n_boot, scope), compute)


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
    from ...analysis.synergy import SynergySpec

    return SynergySpec(ref["id"], tuple(ref["layers"]), tuple(ref["domains"]), tuple(ref["actors"]),
                       curated=ref["kind"] == "curated")


EVIDENCE_LIMIT = 1000  # supporting actors per side and ties listed for a discovered synergy (best connected)
TIES_SHOWN = 200       # existing ties listed on a synergy page (the API lists the evidence)


def _evidence(inp: Any, layers: list[str], domains: list[str], scope: str) -> dict[str, Any]:
    """The supporting actors per region (with a municipality there and their layers of the set) and the ties
    that already cross (in ``scope``), as :func:`~stackatlas.analysis.synergy.discover` reports its evidence
    (for any layer set and domain, also one that is not among the best candidates)."""
    from ...analysis.synergy import candidate_evidence

    out, places = candidate_evidence(inp, layers, domains[0] if domains else "", limit=EVIDENCE_LIMIT, scope=scope)
    return {"evidence": {k: [{kk: clean(vv) for kk, vv in x.items()} for x in v] for k, v in out.items()},
            "places": list(dict.fromkeys(places))}


def discovered_detail(gen: Generation, ident: str, a: str | None = None, b: str | None = None,
                      scope: str | None = None) -> dict[str, Any]:
    """A discovered candidate between ``a`` and ``b``: its layers, domains, evidence (supporting actors per
    side, ties that already cross) and, when it is among the best candidates, its rank, label and score."""
    from ...analysis.synergy import best_curated

    lk = lookups(gen)
    ref = synergy_ref(gen, ident)
    if ref["kind"] != "discovered":
        raise NotFound("discovered synergy", ident)
    a, b = pair(lk, a, b)
    found = discovered(gen, a, b, scope)
    cand = next((c for c in found["items"] if c["id"] == ref["id"]), None)

    def compute(engine: Any) -> dict[str, Any]:
        return or_error(lambda: _evidence(_corridor(gen, a, b), ref["layers"], ref["domains"], found["scope"]))

    ev = gen.analysis(("synergy_evidence", ref["id"], a, b, found["scope"]), compute)
    if "error" in ev:
        raise AnalysisError(ev["error"])
    keep = ("rank", "label", "label_nl", "score", "score_low", "score_high", "n_a", "n_b", "ties", "munis")
    return {"id": ref["id"], "kind": "discovered", "layers": ref["layers"], "domains": ref["domains"],
            "a": a, "b": b, "scope": found["scope"], "bootstrap": found["bootstrap"], "candidates": len(found["items"]),
            "candidate": {k: cand.get(k) for k in keep} if cand else None,
            "curated_match": cand.get("curated_match") if cand else best_curated(curated_list(gen), ref["layers"],
                                                                                    ref["domains"]),
            "places": ev["places"], "evidence": ev["evidence"]}


def introductions_for(gen: Generation, ident: str, a: str | None = None, b: str | None = None,
                      top: int = INTRO_TOP, scope: str | None = None) -> list[dict[str, Any]]:
    """Who in ``a`` should meet whom in ``b`` for a synergy (curated or discovered), best first.

    The best :data:`MAX_INTRO_TOP` are computed once per synergy and pair (the ranking is a prefix of it)."""
    lk = lookups(gen)
    ref = synergy_ref(gen, ident)
    a, b = pair(lk, a, b)
    top = max(1, min(int(top), MAX_INTRO_TOP))
    spec = _spec(ref)
    scope = scope_for(lk, a, b, scope)

    def compute(engine: Any) -> Any:
        from ...analysis.introductions import IntroConfig, introductions

        return or_error(lambda: records(introductions(engine, synergy=spec, a=a, b=b, top=MAX_INTRO_TOP,
                                                      config=IntroConfig(scope=scope))))

    rows = gen.analysis(("introductions", ref["id"], a, b, scope), compute)
    if isinstance(rows, dict):
        raise AnalysisError(rows["error"])
    named = set(ref["actors"])
    return [{**r, "named": [x for x in (r["a"], r["b"]) if x in named]} for r in rows[:top]]


def _cell(label: str) -> dict[str, str]:
    """``"chips × mra × knowledge"`` (a cell of the guest-list universe) as its parts."""
    parts = label.split(" × ")
    return dict(zip(("layer", "place", "helix"), parts, strict=True)) if len(parts) == 3 else {"label": label}


def guests_for(gen: Generation, ident: str, a: str | None = None, b: str | None = None,
               size: int = GUESTS_SIZE, scope: str | None = None) -> dict[str, Any]:
    """A guest list of ``size`` for a synergy between ``a`` and ``b``: the picks (each with the cells it adds)
    and the coverage (``value``, ``cells_covered`` of ``cells_possible`` and ``cells_total``, ``guarantee``)."""
    lk = lookups(gen)
    ref = synergy_ref(gen, ident)
    a, b = pair(lk, a, b)
    if not 1 <= int(size) <= MAX_GUESTS:
        raise AnalysisError(f"size must be 1 to {MAX_GUESTS}, not {size}")
    spec = _spec(ref)
    scope = scope_for(lk, a, b, scope)

    def compute(engine: Any) -> dict[str, Any]:
        from ...analysis.guests import guest_list

        def run() -> dict[str, Any]:
            df = guest_list(engine, synergy=spec, a=a, b=b, size=int(size), scope=scope)
            items = records(df)
            for r in items:
                r["cells"] = [_cell(c) for c in r.get("covers") or []]
            return {"items": items, "coverage": records_plain(df.attrs.get("coverage") or {})}

        return or_error(run)

    out = gen.analysis(("guests", ref["id"], a, b, int(size), scope), compute)
    if "error" in out:
        raise AnalysisError(out["error"])
    return {"synergy": ref["id"], "between": a, "and": b, "scope": scope, "size": int(size), **out}
