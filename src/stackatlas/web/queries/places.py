"""Places and layers: stack profiles (counts, shares, location quotients), organisations per place and per
layer, the best-connected organisations of a place, figures (indicators) with their sources, and the global
positions of the blocs on each layer. The profile levels are the model's place types
(:data:`stackatlas.dataset.model.PLACE_TYPES`)."""

from __future__ import annotations

from typing import Any

from ...atlas import Atlas, records
from ...dataset.model import PLACE_TYPES
from ...errors import AnalysisError
from ..state import Generation
from ._common import clean, rows, run, scalar, sources_of
from ._lookups import check, lookups

__all__ = ["PROFILE_LEVELS", "actors_per_place", "indicators", "layer_counts", "layer_indicators",
           "place_actor_count", "place_detail", "place_profile", "positions", "profile_table", "top_actors"]

#: The levels a profile is computed at, in the order the pages offer them: the types of places.
PROFILE_LEVELS: tuple[str, ...] = PLACE_TYPES



def profile_table(gen: Generation, level: str) -> list[dict[str, Any]]:
    """The stack profile (counts, shares, LQ with 95% intervals) of every place of a level."""
    if level not in PROFILE_LEVELS:
        raise AnalysisError(f"level must be one of {', '.join(PROFILE_LEVELS)}, not {level!r}")

    def compute(engine: Any) -> list[dict[str, Any]]:
        from ...analysis import profile

        return [{k: clean(v) for k, v in r.items()} for r in records(profile(engine, level=level))]

    return gen.analysis(("profile", level), compute)


def place_profile(gen: Generation, place: str) -> list[dict[str, Any]]:
    lk = lookups(gen)
    check(lk, "place", place)
    level = lk.place[place]["type"]

    def compute() -> list[dict[str, Any]]:
        return [r for r in profile_table(gen, level) if r["place"] == place]

    return gen.cached(("place_profile", place), compute)


def actors_per_place(gen: Generation, place_type: str, layer: str | None = None) -> list[tuple[str, int]]:
    """(place, number of actors) for every place of ``place_type`` with actors (in ``layer``)."""
    def compute() -> list[tuple[str, int]]:
        params: dict[str, Any] = {"type": place_type}
        extra = ""
        if layer:
            extra = "AND i.rid IN (SELECT rid FROM web.actors WHERE list_contains(layer_ids, $layer))"
            params["layer"] = layer
        return [(r["place"], int(r["n"])) for r in rows(gen, f"""
            SELECT i.place, count(*) AS n FROM web.inplace i JOIN places p ON p.id = i.place
            WHERE p.type = $type {extra} GROUP BY i.place ORDER BY n DESC, i.place""", params)]

    return gen.cached(("per_place", place_type, layer), compute)


def place_actor_count(gen: Generation, place: str) -> int:
    return gen.cached(("place_actors", place), lambda: int(scalar(
        gen, "SELECT count(*) FROM web.inplace WHERE place = $p", {"p": place}) or 0))


def layer_counts(gen: Generation, place: str) -> dict[str, int]:
    """Number of actors of ``place`` per layer (layers in stack order)."""
    def compute() -> dict[str, int]:
        c = {r["layer"]: int(r["n"]) for r in rows(gen, """
            SELECT layer, count(*) AS n FROM (
              SELECT unnest(w.layer_ids) AS layer FROM web.inplace i JOIN web.actors w ON w.rid = i.rid
              WHERE i.place = $p) GROUP BY layer""", {"p": place})}
        order = [x["id"] for x in lookups(gen).layers]
        return {k: c[k] for k in sorted(c, key=lambda k: (order.index(k) if k in order else len(order), k))}

    return gen.cached(("layer_counts", place), compute)


def top_actors(gen: Generation, place: str, per_layer: int = 5) -> dict[str, list[dict[str, Any]]]:
    """Per layer, the actors of ``place`` with the layer as core activity first, then by number of ties."""
    def compute() -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {x["id"]: [] for x in lookups(gen).layers}
        for r in rows(gen, f"""
            WITH pa AS (SELECT w.id, w.name, w.lname, w.ties FROM web.inplace i JOIN web.actors w ON w.rid = i.rid
                        WHERE i.place = $p),
            e AS (SELECT pa.id, pa.name, pa.lname, pa.ties, l.layer,
                         coalesce(bool_or(l.role = 'core'), false) AS core,
                         string_agg(l.offering, '; ' ORDER BY l.position)
                           FILTER (WHERE l.offering IS NOT NULL AND l.offering <> '') AS offering
                  FROM pa JOIN actor_layers l ON l.actor = pa.id GROUP BY ALL),
            k AS (SELECT *, row_number() OVER (PARTITION BY layer ORDER BY NOT core, ties DESC, lname, name, id) AS k
                  FROM e)
            SELECT layer, id, name, ties, coalesce(offering, '') AS offering, core FROM k WHERE k <= {int(per_layer)}
            ORDER BY layer, k""", {"p": place}):
            out.setdefault(r["layer"], []).append({"id": r["id"], "name": r["name"], "ties": int(r["ties"]),
                                                   "offering": r["offering"], "core": bool(r["core"])})
        return out

    return gen.cached(("top_actors", place, per_layer), compute)


_INDICATORS = """
SELECT i.id, i.subject, i.subject_type, i.metric, coalesce(i.label_en, i.label_nl) AS label,
  i.value, i.value_min, i.value_max, i.unit, i.date, i.period_start, i.period_end,
  i.baseline_subject, i.baseline_value, i.layer,
  i.label_nl, i.label_en, i.baseline_label_nl, i.baseline_label_en, i.note_nl, i.note_en
FROM indicators i WHERE i.{col} = $v ORDER BY i.subject, i.metric, i.id"""
_INDICATOR_LABELS = ("label_nl", "label_en", "baseline_label_nl", "baseline_label_en", "note_nl", "note_en")


def _indicator_rows(gen: Generation, col: str, value: str) -> list[dict[str, Any]]:
    """The figures with ``col`` (subject or layer) = ``value``, as :meth:`Atlas.indicators` gives them plus
    labels, baselines and notes in both languages (sources through the citation index)."""
    found = rows(gen, _INDICATORS.format(col=col), {"v": value})
    if not found:
        return []
    cites = sources_of(gen, "indicator", [r["id"] for r in found])
    out = []
    for r in found:
        labels = {k: r.pop(k) for k in _INDICATOR_LABELS}
        out.append({**r, "sources": cites.get(r["id"]) or [], "id": r["id"], **labels})
    return out


def indicators(gen: Generation, subject: str) -> list[dict[str, Any]]:
    """The figures about ``subject`` (with labels, baselines and notes in both languages)."""
    return gen.cached(("indicators", subject), lambda: _indicator_rows(gen, "subject", subject))


def place_detail(gen: Generation, ident: str) -> dict[str, Any]:
    lk = lookups(gen)
    check(lk, "place", ident)

    def compute(atlas: Atlas) -> dict[str, Any]:
        rec = next(r for r in records(atlas.places()) if r["id"] == ident)
        rec.update({k: lk.place[ident].get(k) for k in ("name_en", "description_nl", "description_en")})
        rec["actors"] = place_actor_count(gen, ident)
        rec["municipalities"] = sorted(lk.members.get(ident, set()) - {ident},
                                       key=lambda m: (lk.place.get(m, {}).get("name_nl") or m))
        rec["sites"] = sorted(p["id"] for p in lk.place.values() if p["type"] == "site" and p["parent"] == ident)
        rec["regions"] = sorted(pid for pid, p in lk.place.items() if p["type"] == "region"
                                and pid != ident and ident in lk.members.get(pid, set()))
        return rec

    return gen.cached(("place", ident), lambda: run(gen, compute))


# -- layers: the global positions of the blocs, figures about a layer ------------------------------------


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
            WHERE $layer IS NULL OR p.layer = $layer
            ORDER BY p.layer, b.position NULLS LAST, p.bloc""", {"layer": layer}))  # blocs in the taxonomy's order
        return rows

    return gen.cached(("positions", layer), lambda: run(gen, compute))


def layer_indicators(gen: Generation, layer: str) -> list[dict[str, Any]]:
    return gen.cached(("layer_indicators", layer), lambda: _indicator_rows(gen, "layer", layer))
