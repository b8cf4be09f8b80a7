"""Read a compiled database back into dataset records, and write records as a dataset folder.

Together with :func:`stackatlas.store.build` this closes the loop ``YAML -> DuckDB -> YAML``: nothing the
dataset says is lost in the database (the round-trip test checks it).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
import yaml

from . import model as m
from .loader import Dataset

__all__ = ["RECORD_GROUPS", "read_records", "write_dataset"]

#: The groups of records of a dataset, in the order of :class:`~stackatlas.dataset.loader.Dataset` (its lists).
RECORD_GROUPS = tuple(f.name for f in dataclasses.fields(Dataset) if f.default_factory is list)


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def _text(nl: str | None, en: str | None) -> dict[str, str] | None:
    if nl is None and en is None:
        return None
    return {k: v for k, v in (("nl", nl), ("en", en)) if v is not None}


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def read_records(con: duckdb.DuckDBPyConnection) -> dict[str, list[Any]]:
    """Every record of the compiled dataset as the pydantic models of :mod:`stackatlas.dataset.model`."""
    cites: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for c in _rows(con, "SELECT * FROM citations ORDER BY subject_type, subject, position"):
        cites[(c["subject_type"], c["subject"])].append(
            {"source": c["source"], "locator": c["locator"], "confidence": c["confidence"]})

    def many(sql: str, key: str, value: str) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = defaultdict(list)
        for r in _rows(con, sql):
            out[r[key]].append(r[value] if value != "*" else r)
        return out

    out: dict[str, list[Any]] = {g: [] for g in RECORD_GROUPS}
    members = many("SELECT * FROM region_members ORDER BY region, position", "region", "member")
    place_types = {r["id"]: r["type"] for r in _rows(con, "SELECT id, type FROM places")}
    drawn = {r["region"]: r for r in _rows(con, "SELECT * FROM region_drawn")}
    for p in _rows(con, "SELECT * FROM places ORDER BY rowid"):
        common = {"id": p["id"], "name": _text(p["name_nl"], p["name_en"]),
                  "description": _text(p["description_nl"], p["description_en"]),
                  "sources": cites[(p["type"], p["id"])]}
        t = p["type"]
        if t == "country":
            out["countries"].append(m.Country.model_validate(_clean({**common, "code": p["code"]})))
        elif t == "province":
            out["provinces"].append(m.Province.model_validate(_clean({**common, "country": p["parent"],
                                                                      "code": p["code"]})))
        elif t == "municipality":
            par = p["parent"]
            where = {"province": par} if place_types.get(par) == "province" else {"country": par}
            out["municipalities"].append(m.Municipality.model_validate(_clean(
                {**common, "cbs": p["code"], **where, "lat": p["lat"], "lon": p["lon"]})))
        elif t == "region":
            ms = members.get(p["id"], [])
            out["regions"].append(m.Region.model_validate(_clean({
                **common, "kind": p["kind"],
                "municipalities": [x for x in ms if place_types.get(x) == "municipality"],
                "countries": [x for x in ms if place_types.get(x) == "country"],
                "around": drawn.get(p["id"], {}).get("around"), "radius_km": drawn.get(p["id"], {}).get("radius_km")})))
        else:
            out["sites"].append(m.Site.model_validate(_clean({**common, "kind": p["kind"],
                                                               "municipality": p["parent"], "lat": p["lat"],
                                                               "lon": p["lon"]})))
    for s in _rows(con, "SELECT * FROM sources ORDER BY rowid"):
        out["sources"].append(m.Source.model_validate(_clean(s)))

    aliases = many("SELECT * FROM actor_aliases ORDER BY actor, position", "actor", "alias")
    sites = many("SELECT * FROM actor_sites ORDER BY actor, position", "actor", "*")
    layers = many("SELECT * FROM actor_layers ORDER BY actor, position", "actor", "*")
    domains = many("SELECT * FROM actor_domains ORDER BY actor, position", "actor", "domain")
    tags = many("SELECT * FROM actor_tags ORDER BY actor, position", "actor", "tag")
    for a in _rows(con, "SELECT * FROM actors ORDER BY rowid"):
        ident = a["id"]
        out["actors"].append(m.Actor.model_validate(_clean({
            "id": ident, "name": a["name"], "aliases": aliases.get(ident, []), "kind": a["kind"], "hq": a["hq"],
            "sites": [_clean({"place": s["place"], "function": s["function"], "status": s["status"],
                              "since": s["since"], "until": s["until"]})
                      for s in sites.get(ident, [])],
            "layers": [_clean({"layer": x["layer"], "sublayer": x["sublayer"], "offering": x["offering"],
                               "role": x["role"]}) for x in layers.get(ident, [])],
            "domains": domains.get(ident, []), "control_country": a["control_country"], "parent": a["parent"],
            "founded": a["founded"], "dissolved": a["dissolved"], "website": a["website"], "wikidata": a["wikidata"],
            "description": _text(a["description_nl"], a["description_en"]), "tags": tags.get(ident, []),
            "sources": cites[("actor", ident)],
        })))
    for r in _rows(con, "SELECT * FROM relations ORDER BY rowid"):
        amount = None if r["amount_value"] is None else {"value": r["amount_value"],
                                                         "currency": r["amount_currency"]}
        out["relations"].append(m.Relation.model_validate(_clean({
            "id": r["id"], "type": r["type"], "from": r["from_actor"], "to": r["to_actor"], "date": r["date"],
            "ended": r["ended"], "status": r["status"], "amount": amount, "stake_pct": r["stake_pct"], "stake_min": r["stake_min"],
            "stake_max": r["stake_max"], "role": r["role"],
            "description": _text(r["description_nl"], r["description_en"]),
            "sources": cites[("relation", r["id"])]})))
    for i in _rows(con, "SELECT * FROM indicators ORDER BY rowid"):
        has_baseline = any(i[k] is not None for k in ("baseline_value", "baseline_subject", "baseline_label_nl",
                                                      "baseline_label_en"))
        baseline = None if not has_baseline else _clean({
            "value": i["baseline_value"], "subject": i["baseline_subject"],
            "label": _text(i["baseline_label_nl"], i["baseline_label_en"])})
        period = None if i["period_start"] is None else {"start": i["period_start"], "end": i["period_end"]}
        out["indicators"].append(m.Indicator.model_validate(_clean({
            "id": i["id"], "subject": i["subject"], "metric": i["metric"],
            "label": _text(i["label_nl"], i["label_en"]), "value": i["value"], "value_min": i["value_min"],
            "value_max": i["value_max"], "unit": i["unit"], "date": i["date"], "period": period,
            "baseline": baseline, "layer": i["layer"], "note": _text(i["note_nl"], i["note_en"]),
            "sources": cites[("indicator", i["id"])]})))
    pos_actors = many("SELECT * FROM position_actors ORDER BY position_id, position", "position_id", "actor")
    for p in _rows(con, "SELECT * FROM positions ORDER BY rowid"):
        out["positions"].append(m.Position.model_validate(_clean({
            "layer": p["layer"], "bloc": p["bloc"], "standing": p["standing"],
            "actors": pos_actors.get(p["id"], []), "note": _text(p["note_nl"], p["note_en"]),
            "sources": cites[("position", p["id"])]})))
    smem: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in _rows(con, "SELECT * FROM synergy_members ORDER BY synergy, what, position"):
        smem[(r["synergy"], r["what"])].append(r["ref"])
    examples = many("SELECT * FROM synergy_examples ORDER BY synergy, position", "synergy", "*")
    for s in _rows(con, "SELECT * FROM synergies ORDER BY rowid"):
        out["synergies"].append(m.Synergy.model_validate(_clean({
            "id": s["id"], "name": _text(s["name_nl"], s["name_en"]),
            **{w: smem.get((s["id"], w), []) for w in ("layers", "domains", "actors", "places", "relations")},
            "examples": [_text(e["text_nl"], e["text_en"]) for e in examples.get(s["id"], [])],
            "description": _text(s["description_nl"], s["description_en"]),
            "sources": cites[("synergy", s["id"])]})))
    rmem: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in _rows(con, "SELECT * FROM recommendation_members ORDER BY recommendation, what, position"):
        rmem[(r["recommendation"], r["what"])].append(r["ref"])
    for r in _rows(con, "SELECT * FROM recommendations ORDER BY rowid"):
        out["recommendations"].append(m.Recommendation.model_validate(_clean({
            "id": r["id"], "number": r["number"], "title": _text(r["title_nl"], r["title_en"]),
            "description": _text(r["description_nl"], r["description_en"]),
            **{w: rmem.get((r["id"], w), []) for w in ("synergies", "places", "actors")},
            "track": _clean({w: rmem.get((r["id"], f"track_{w}")) for w in m.Tracking.model_fields}) or None,
            "sources": cites[("recommendation", r["id"])]})))
    return out


def _dump(x: Any) -> Any:
    return x.model_dump(mode="json", by_alias=True, exclude_none=True)


def write_dataset(ds: Dataset | dict[str, Any], folder: Path, *, meta: m.DatasetMeta | None = None) -> Path:
    """Write records as a dataset folder (one file per kind of record) that :func:`load_dataset` reads."""
    folder.mkdir(parents=True, exist_ok=True)
    groups = {g: getattr(ds, g) for g in RECORD_GROUPS} if isinstance(ds, Dataset) else ds
    meta = meta or (ds.meta if isinstance(ds, Dataset) else None)
    if meta is None:
        raise ValueError("dataset metadata is needed to write a dataset")

    def write(name: str, data: Any) -> None:
        with open(folder / name, "w", encoding="utf-8") as fh:
            yaml.safe_dump(data, fh, allow_unicode=True, sort_keys=False, width=120)

    write("dataset.yaml", _dump(meta))
    write("places.yaml", {k: [_dump(x) for x in groups[k]] for k in
                          ("countries", "provinces", "municipalities", "regions", "sites") if groups[k]})
    for g in ("sources", "relations", "indicators", "positions", "synergies", "recommendations"):
        write(f"{g}.yaml", [_dump(x) for x in groups[g]])
    (folder / "actors").mkdir(exist_ok=True)
    write("actors/actors.yaml", [_dump(x) for x in groups["actors"]])
    return folder
