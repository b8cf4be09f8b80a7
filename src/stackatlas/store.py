"""Compile a dataset into DuckDB, atomically, and find or refresh the cached database.

The build writes a new file next to the target and renames it into place, so a failed build (bad data,
a crash, a full disk) leaves the previous database exactly as it was, and readers that have the old file
open keep reading it. The dataset's content hash is stored in the ``meta`` table; :func:`ensure_db`
rebuilds only when it changes. The tables are documented in ``docs/database.md``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from platformdirs import user_cache_dir

from ._geo import haversine_km
from ._sql import literal
from ._version import __version__
from .dataset import model as m
from .dataset.loader import SCHEMA_VERSION, Dataset, bundled_path, content_hash, iter_citations, load_dataset

__all__ = ["PARQUET_TYPES", "SCHEMA", "TABLE_NOTES", "build", "connect", "default_db_path", "ensure_db", "schema_markdown", "stored_hash"]

# table -> [(column, duckdb type)]
SCHEMA: dict[str, list[tuple[str, str]]] = {
    "meta": [("key", "VARCHAR"), ("value", "VARCHAR")],
    "layers": [("id", "VARCHAR"), ("position", "INTEGER"), ("name_nl", "VARCHAR"), ("name_en", "VARCHAR"),
               ("definition_nl", "VARCHAR"), ("definition_en", "VARCHAR")],
    "sublayers": [("layer", "VARCHAR"), ("id", "VARCHAR"), ("position", "INTEGER"), ("name_nl", "VARCHAR"),
                  ("name_en", "VARCHAR")],
    "domains": [("id", "VARCHAR"), ("name_nl", "VARCHAR"), ("name_en", "VARCHAR")],
    "helix": [("id", "VARCHAR"), ("name_nl", "VARCHAR"), ("name_en", "VARCHAR")],
    "actor_kinds": [("id", "VARCHAR"), ("helix", "VARCHAR"), ("name_nl", "VARCHAR"), ("name_en", "VARCHAR")],
    "relation_types": [("id", "VARCHAR"), ("directed", "BOOLEAN"), ("family", "VARCHAR"),
                       ("name_nl", "VARCHAR"), ("name_en", "VARCHAR")],
    "blocs": [("id", "VARCHAR"), ("name_nl", "VARCHAR"), ("name_en", "VARCHAR"), ("position", "INTEGER")],
    "bloc_countries": [("bloc", "VARCHAR"), ("country", "VARCHAR")],
    "crosswalk": [("taxonomy", "VARCHAR"), ("layer", "VARCHAR"), ("to_taxonomy", "VARCHAR"),
                  ("to_layer", "VARCHAR")],
    "places": [("id", "VARCHAR"), ("type", "VARCHAR"), ("name_nl", "VARCHAR"), ("name_en", "VARCHAR"),
               ("code", "VARCHAR"), ("kind", "VARCHAR"), ("parent", "VARCHAR"), ("country", "VARCHAR"),
               ("lat", "DOUBLE"), ("lon", "DOUBLE"), ("description_nl", "VARCHAR"),
               ("description_en", "VARCHAR")],
    "region_members": [("region", "VARCHAR"), ("member", "VARCHAR"), ("position", "INTEGER")],
    "region_drawn": [("region", "VARCHAR"), ("around", "VARCHAR"), ("radius_km", "DOUBLE")],
    "place_municipalities": [("place", "VARCHAR"), ("municipality", "VARCHAR")],
    "sources": [("id", "VARCHAR"), ("title", "VARCHAR"), ("author", "VARCHAR"), ("publisher", "VARCHAR"),
                ("date", "VARCHAR"), ("url", "VARCHAR"), ("type", "VARCHAR"), ("licence", "VARCHAR"),
                ("note", "VARCHAR")],
    "actors": [("id", "VARCHAR"), ("name", "VARCHAR"), ("kind", "VARCHAR"), ("helix", "VARCHAR"),
               ("hq", "VARCHAR"), ("hq_municipality", "VARCHAR"), ("hq_country", "VARCHAR"),
               ("control_country", "VARCHAR"), ("control_bloc", "VARCHAR"), ("parent", "VARCHAR"),
               ("founded", "VARCHAR"), ("website", "VARCHAR"), ("wikidata", "VARCHAR"),
               ("description_nl", "VARCHAR"), ("description_en", "VARCHAR"), ("defined_at", "VARCHAR"),
               ("dissolved", "VARCHAR"), ("founded_date", "DATE"), ("dissolved_date", "DATE")],
    "actor_aliases": [("actor", "VARCHAR"), ("position", "INTEGER"), ("alias", "VARCHAR")],
    "actor_sites": [("actor", "VARCHAR"), ("position", "INTEGER"), ("place", "VARCHAR"),
                    ("municipality", "VARCHAR"), ("function", "VARCHAR"), ("status", "VARCHAR"),
                    ("since", "VARCHAR"), ("until", "VARCHAR"), ("since_date", "DATE"), ("until_date", "DATE")],
    "actor_layers": [("actor", "VARCHAR"), ("position", "INTEGER"), ("layer", "VARCHAR"),
                     ("sublayer", "VARCHAR"), ("offering", "VARCHAR"), ("role", "VARCHAR")],
    "actor_domains": [("actor", "VARCHAR"), ("position", "INTEGER"), ("domain", "VARCHAR")],
    "actor_tags": [("actor", "VARCHAR"), ("position", "INTEGER"), ("tag", "VARCHAR")],
    "relations": [("id", "VARCHAR"), ("type", "VARCHAR"), ("family", "VARCHAR"), ("directed", "BOOLEAN"),
                  ("from_actor", "VARCHAR"), ("to_actor", "VARCHAR"), ("date", "VARCHAR"),
                  ("date_start", "DATE"), ("status", "VARCHAR"), ("amount_value", "DOUBLE"),
                  ("amount_currency", "VARCHAR"), ("stake_pct", "DOUBLE"), ("stake_min", "DOUBLE"),
                  ("stake_max", "DOUBLE"), ("role", "VARCHAR"), ("description_nl", "VARCHAR"),
                  ("description_en", "VARCHAR"), ("ended", "VARCHAR"), ("ended_date", "DATE")],
    "indicators": [("id", "VARCHAR"), ("subject", "VARCHAR"), ("subject_type", "VARCHAR"),
                   ("metric", "VARCHAR"), ("label_nl", "VARCHAR"), ("label_en", "VARCHAR"),
                   ("value", "DOUBLE"), ("value_min", "DOUBLE"), ("value_max", "DOUBLE"),
                   ("unit", "VARCHAR"), ("date", "VARCHAR"), ("period_start", "VARCHAR"),
                   ("period_end", "VARCHAR"), ("baseline_subject", "VARCHAR"), ("baseline_value", "DOUBLE"),
                   ("baseline_label_nl", "VARCHAR"), ("baseline_label_en", "VARCHAR"), ("layer", "VARCHAR"),
                   ("note_nl", "VARCHAR"), ("note_en", "VARCHAR")],
    "positions": [("id", "VARCHAR"), ("layer", "VARCHAR"), ("bloc", "VARCHAR"), ("standing", "VARCHAR"),
                  ("note_nl", "VARCHAR"), ("note_en", "VARCHAR")],
    "position_actors": [("position_id", "VARCHAR"), ("position", "INTEGER"), ("actor", "VARCHAR")],
    "synergies": [("id", "VARCHAR"), ("name_nl", "VARCHAR"), ("name_en", "VARCHAR"),
                  ("description_nl", "VARCHAR"), ("description_en", "VARCHAR")],
    "synergy_members": [("synergy", "VARCHAR"), ("what", "VARCHAR"), ("position", "INTEGER"),
                        ("ref", "VARCHAR")],
    "synergy_examples": [("synergy", "VARCHAR"), ("position", "INTEGER"), ("text_nl", "VARCHAR"),
                         ("text_en", "VARCHAR")],
    "recommendations": [("id", "VARCHAR"), ("number", "INTEGER"), ("title_nl", "VARCHAR"),
                        ("title_en", "VARCHAR"), ("description_nl", "VARCHAR"), ("description_en", "VARCHAR")],
    "recommendation_members": [("recommendation", "VARCHAR"), ("what", "VARCHAR"), ("position", "INTEGER"),
                               ("ref", "VARCHAR")],
    "citations": [("subject_type", "VARCHAR"), ("subject", "VARCHAR"), ("position", "INTEGER"),
                  ("source", "VARCHAR"), ("locator", "VARCHAR"), ("confidence", "VARCHAR")],
    # derived at build time from the tables above (see _ACTOR_PLACES)
    "actor_places": [("actor", "VARCHAR"), ("place", "VARCHAR"), ("via", "VARCHAR")],
}


#: What each table holds (docs/database.md is generated from this and :data:`SCHEMA`).
TABLE_NOTES: dict[str, str] = {
    'meta': 'Key/value facts about the build: schema and stackatlas version, content hash, dataset id, title, compare pair, baseline.',
    'layers': 'The layers of the taxonomy, bottom-up (`position` 1 = lowest).',
    'sublayers': 'Sublayers per layer.',
    'domains': 'Application domains (sectors).',
    'helix': 'Quadruple-helix groups.',
    'actor_kinds': 'Kinds of actor and their helix group.',
    'relation_types': 'Kinds of tie; `family` groups them (capital, control, lineage, collaboration, trade).',
    'blocs': "Control blocs for sovereignty (nl, eu, us, cn, other in the built-in taxonomy), in the taxonomy's order (`position`, from 1): the order of the bloc columns of `sovereignty` and of the report and the web (`stackatlas.analysis.sovereignty.bloc_order`).",
    'bloc_countries': 'ISO country codes per bloc.',
    'crosswalk': "For an alternative taxonomy: its layers mapped onto another taxonomy's.",
    'places': 'Every place: `type` is country, province, municipality, region or site; `parent` is the province (or country) of a municipality, the country of a province, the municipality of a site.',
    'region_members': 'Municipalities (and countries) of each region, in the order given.',
    'region_drawn': 'Regions drawn as a circle: every municipality whose centre is within `radius_km` (great-circle distance) of the place `around` (a municipality or site) is in the region (in `place_municipalities`, not in `region_members`), across borders.',
    'place_municipalities': 'Closure: for each place, every municipality it contains (a municipality contains itself).',
    'sources': 'Publications and other sources.',
    'actors': 'Organisations; `hq_municipality`/`hq_country` resolve the head office; `control_bloc` follows from `control_country`; `defined_at` is file:line of the record. Actors from a CSV table (docs/dataset-format.md) are rows like any other; their `defined_at` is the CSV file and the line of the row. `founded`/`dissolved` are the dates as written (YYYY, YYYY-MM or YYYY-MM-DD), `founded_date`/`dissolved_date` their first days (what `--as-of` compares; docs/dataset-format.md, "Time").',
    'actor_aliases': 'Other names.',
    'actor_sites': 'Other locations, with the municipality they resolve to; `since`/`until` date a site (`since_date`/`until_date` their first days).',
    'actor_layers': 'The layers (and sublayer, offering, role) of each actor.',
    'actor_domains': 'Domains of each actor.',
    'actor_tags': 'Free tags.',
    'actor_places': 'Every place each actor is in, computed when the database is built (the one definition of "an actor in a place", read by `Atlas.actors(place=...)`, the analyses and the web). `via` is `hq` for the places of the head office: the `hq` place itself, its municipality and country (`hq_municipality`, `hq_country`) and every region, province or country containing that municipality; and `site` for those of each site that is not closed: the site\'s place, its municipality and every region, province or country containing that. A site given as a whole region, province or country places the actor there only, not in the places containing it (a site "noord-brabant" does not add the Netherlands); a head office given as a province still adds its country (`hq_country`). One row per (actor, place, via); sorted by place, then actor, so the actors of one place are one narrow range of the table.',
    'relations': 'Ties between actors; `date_start` is the first day of the (partial) date, `ended_date` that of `ended` (a tie with an end date has status `ended`).',
    'indicators': 'Figures with unit, date or period, and baseline.',
    'positions': 'Global position of a bloc on a layer (id = layer-bloc).',
    'position_actors': 'Actors named for a position.',
    'synergies': 'Curated synergy themes.',
    'synergy_members': 'Layers, domains, actors, places and relations of each synergy (`what`).',
    'synergy_examples': 'Examples of a synergy that are not organisations.',
    'recommendations': 'Recommendations.',
    'recommendation_members': 'Synergies, places and actors of each recommendation (`what`), and what tracks it in the yearly monitor (`track_metrics`: indicator metrics, `track_tags`: actor tags, `track_relation_types`: types of ties across the corridor).',
    'citations': 'Every source reference of every record: `subject_type` (actor, relation, indicator, country, municipality, ...) and `subject` id, with locator and confidence.',
}

#: Every place each actor is in, ``via`` its head office (``hq``) or a site that is not closed (``site``):
#: the head office's place itself, its municipality and country, the site's place and municipality, and
#: every region, province or country containing one of those municipalities (``place_municipalities``).
#: One row per (actor, place, via), sorted by place and actor, so that the actors of one place are a narrow
#: range of the table (DuckDB skips the other row groups by their min/max). What "in a place" means
#: everywhere: ``Atlas.actors(place=...)``, the analyses (:mod:`stackatlas.analysis._locate`) and the web.
_ACTOR_PLACES = f"""
INSERT INTO actor_places
WITH locs AS (
  SELECT id AS actor, unnest([hq, hq_municipality, hq_country]) AS loc, 'hq' AS via FROM actors
  UNION ALL
  SELECT actor, unnest([place, municipality]), 'site' FROM actor_sites WHERE status <> '{m.SITE_CLOSED}'),
up AS (SELECT id AS loc, id AS place FROM places UNION SELECT municipality, place FROM place_municipalities)
SELECT DISTINCT locs.actor, up.place, locs.via FROM locs JOIN up ON up.loc = locs.loc
ORDER BY up.place, locs.actor, locs.via"""

_INDEXES = [
    "CREATE INDEX actor_layers_actor ON actor_layers(actor)",
    "CREATE INDEX relations_from ON relations(from_actor)",
    "CREATE INDEX relations_to ON relations(to_actor)",
    "CREATE INDEX citations_subject ON citations(subject)",
    "CREATE INDEX place_municipalities_place ON place_municipalities(place)",
]

_ARROW = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_(),
          "DATE": pa.date32()}


def _t(text: m.Text | None, lang: str) -> str | None:
    if text is None:
        return None
    return text.nl if lang == "nl" else text.en


class _Rows:
    """Column-wise row buffers for each table."""

    def __init__(self) -> None:
        self.cols: dict[str, dict[str, list[Any]]] = {
            t: {c: [] for c, _ in cols} for t, cols in SCHEMA.items()
        }

    def add(self, table: str, *values: Any) -> None:
        cols = self.cols[table]
        if len(values) != len(cols):  # pragma: no cover - programming error
            raise ValueError(f"{table}: {len(values)} values for {len(cols)} columns")
        for col, v in zip(cols.values(), values, strict=True):
            col.append(v)

    def arrow(self, table: str) -> pa.Table:
        schema = pa.schema([(c, _ARROW[t]) for c, t in SCHEMA[table]])
        return pa.table({c: pa.array(v, type=schema.field(c).type) for c, v in self.cols[table].items()},
                        schema=schema)


def _date(v: str | None) -> Any:
    if v is None:
        return None
    import datetime as dt

    return dt.date(*m.parse_date(v))


def _meta_rows(r: _Rows, ds: Dataset) -> None:
    """``meta``: schema and program versions, content hash, data folder and the dataset's description."""
    meta = ds.meta
    for key, value in {
        "schema_version": SCHEMA_VERSION, "stackatlas_version": __version__, "content_hash": ds.hash,
        "data": str(ds.root), "id": meta.id, "title_nl": _t(meta.title, "nl"), "title_en": _t(meta.title, "en"),
        "version": meta.version, "licence": meta.licence, "publisher": meta.publisher,
        "description_nl": _t(meta.description, "nl"), "description_en": _t(meta.description, "en"),
        "taxonomy": ds.taxonomy.id, "compare_a": meta.compare[0], "compare_b": meta.compare[1],
        "baseline": meta.baseline,
    }.items():
        r.add("meta", key, value)


def _taxonomy_rows(r: _Rows, tax: m.Taxonomy) -> None:
    """The taxonomy tables: layers, sublayers, domains, helix, actor kinds, relation types, blocs, crosswalk."""
    for i, layer in enumerate(tax.layers):
        r.add("layers", layer.id, i + 1, layer.name.nl, layer.name.en, _t(layer.definition, "nl"),
              _t(layer.definition, "en"))
        for j, sub in enumerate(layer.sublayers):
            r.add("sublayers", layer.id, sub.id, j + 1, sub.name.nl, sub.name.en)
    for dom in tax.domains:
        r.add("domains", dom.id, dom.name.nl, dom.name.en)
    for h in tax.helix:
        r.add("helix", h.id, h.name.nl, h.name.en)
    for kind_rec in tax.actor_kinds:
        r.add("actor_kinds", kind_rec.id, kind_rec.helix, kind_rec.name.nl, kind_rec.name.en)
    for t in tax.relation_types:
        r.add("relation_types", t.id, t.directed, t.family, t.name.nl, t.name.en)
    for i, bloc_rec in enumerate(tax.blocs):
        r.add("blocs", bloc_rec.id, bloc_rec.name.nl, bloc_rec.name.en, i + 1)
        for code in bloc_rec.countries:
            r.add("bloc_countries", bloc_rec.id, code)
    if tax.crosswalk is not None:
        for layer_id, targets in tax.crosswalk.map.items():
            for t_id in targets:
                r.add("crosswalk", tax.id, layer_id, tax.crosswalk.to, t_id)


class _Where:
    """The municipality and the country of any place id (country, province, municipality or site)."""

    def __init__(self, ds: Dataset) -> None:
        self.countries = {c.id for c in ds.countries}
        self.province_country = {p.id: p.country for p in ds.provinces}
        self.muni_country: dict[str, str] = {}   # municipality -> its country ("" when unknown), in dataset order
        for mu in ds.municipalities:
            self.muni_country[mu.id] = (mu.country or self.province_country.get(mu.province or "")) or ""
        self.site_muni = {s.id: s.municipality for s in ds.sites}

    def municipality_of(self, place: str) -> str | None:
        """The municipality itself, or a site's municipality; None for other places."""
        if place in self.muni_country:
            return place
        return self.site_muni.get(place)

    def country_of(self, place: str) -> str | None:
        """The country itself, or the country of a municipality, site or province."""
        if place in self.countries:
            return place
        mu = self.municipality_of(place)
        if mu is not None:
            return self.muni_country.get(mu) or None
        return self.province_country.get(place)


class _Drawn:
    """The municipalities of drawn regions (``around`` + ``radius_km``): those whose centre is within the
    radius of the centre place, by great-circle distance (:func:`stackatlas._geo.haversine_km`)."""

    def __init__(self, ds: Dataset) -> None:
        self.ids = [mu.id for mu in ds.municipalities]
        self.lat = np.array([mu.lat for mu in ds.municipalities], dtype=float)
        self.lon = np.array([mu.lon for mu in ds.municipalities], dtype=float)
        self.point = {**{x.id: (x.lat, x.lon) for x in ds.municipalities}, **{x.id: (x.lat, x.lon) for x in ds.sites}}

    def centre(self, rg: m.Region) -> tuple[float, float] | None:
        return self.point.get(rg.around) if rg.around else None

    def members(self, rg: m.Region) -> list[str]:
        """The municipalities within the radius, nearest first (the centre's own first)."""
        c = self.centre(rg)
        if c is None or rg.radius_km is None or not self.ids:
            return []
        d = haversine_km(self.lat, self.lon, *c)
        inside = np.flatnonzero(d <= rg.radius_km)
        return [self.ids[i] for i in inside[np.argsort(d[inside], kind="stable")]]


def _place_rows(r: _Rows, ds: Dataset, where: _Where) -> None:
    """``places``, ``region_members`` and ``place_municipalities`` (each place with the municipalities in it)."""
    for c in ds.countries:
        r.add("places", c.id, "country", c.name.nl, c.name.en, c.code, None, None, c.id, None, None,
              _t(c.description, "nl"), _t(c.description, "en"))
    for p in ds.provinces:
        r.add("places", p.id, "province", p.name.nl, p.name.en, p.code, None, p.country, p.country, None, None,
              _t(p.description, "nl"), _t(p.description, "en"))
    for mu in ds.municipalities:
        country = mu.country or where.province_country.get(mu.province or "")
        r.add("places", mu.id, "municipality", mu.name.nl, mu.name.en, mu.cbs, None, mu.province or mu.country,
              country, mu.lat, mu.lon, _t(mu.description, "nl"), _t(mu.description, "en"))
        r.add("place_municipalities", mu.id, mu.id)
        if mu.province:
            r.add("place_municipalities", mu.province, mu.id)
        if country:
            r.add("place_municipalities", country, mu.id)
    drawn = _Drawn(ds)
    for rg in ds.regions:
        r.add("places", rg.id, "region", rg.name.nl, rg.name.en, None, rg.kind, None, None, None, None,
              _t(rg.description, "nl"), _t(rg.description, "en"))
        members = list(dict.fromkeys([*rg.municipalities, *drawn.members(rg)]))
        for i, mid in enumerate(rg.municipalities):
            r.add("region_members", rg.id, mid, i + 1)
        for i, cid in enumerate(rg.countries):
            r.add("region_members", rg.id, cid, len(rg.municipalities) + i + 1)
            members.extend(x for x, c in where.muni_country.items() if c == cid and x not in members)
        if rg.around is not None:
            r.add("region_drawn", rg.id, rg.around, rg.radius_km)
        for mid in dict.fromkeys(members):
            r.add("place_municipalities", rg.id, mid)
    for s in ds.sites:
        r.add("places", s.id, "site", s.name.nl, s.name.en, None, s.kind, s.municipality,
              where.muni_country.get(s.municipality), s.lat, s.lon, _t(s.description, "nl"), _t(s.description, "en"))


def _actor_rows(r: _Rows, ds: Dataset, where: _Where) -> None:
    """``actors`` (with helix, head-office municipality and country, control bloc) and their list tables."""
    tax = ds.taxonomy
    helix_of = {k.id: k.helix for k in tax.actor_kinds}
    bloc_of = {code: b.id for b in tax.blocs for code in b.countries}
    fallback_bloc = "other" if any(x.id == "other" for x in tax.blocs) else None
    for a in ds.actors:
        bloc = bloc_of.get(a.control_country or "", fallback_bloc) if a.control_country else None
        hq = a.hq or ""  # no head office: no municipality or country either
        r.add("actors", a.id, a.name, a.kind, helix_of.get(a.kind), a.hq, where.municipality_of(hq),
              where.country_of(hq), a.control_country, bloc, a.parent, a.founded, a.website, a.wikidata,
              _t(a.description, "nl"), _t(a.description, "en"), ds.files.get(a.id), a.dissolved, _date(a.founded),
              _date(a.dissolved))
        for i, al in enumerate(a.aliases):
            r.add("actor_aliases", a.id, i + 1, al)
        for i, st in enumerate(a.sites):
            r.add("actor_sites", a.id, i + 1, st.place, where.municipality_of(st.place), st.function, st.status,
                  st.since, st.until, _date(st.since), _date(st.until))
        for i, lay in enumerate(a.layers):
            r.add("actor_layers", a.id, i + 1, lay.layer, lay.sublayer, lay.offering, lay.role)
        for i, d in enumerate(a.domains):
            r.add("actor_domains", a.id, i + 1, d)
        for i, tg in enumerate(a.tags):
            r.add("actor_tags", a.id, i + 1, tg)


def _relation_rows(r: _Rows, ds: Dataset) -> None:
    """``relations``, with the family and direction of their type and the start date of their date."""
    rtype = {t.id: t for t in ds.taxonomy.relation_types}
    for rel in ds.relations:
        t = rtype[rel.type]
        r.add("relations", rel.id, rel.type, t.family, t.directed, rel.from_, rel.to, rel.date, _date(rel.date),
              rel.status, rel.amount.value if rel.amount else None, rel.amount.currency if rel.amount else None,
              rel.stake_pct, rel.stake_min, rel.stake_max, rel.role, _t(rel.description, "nl"),
              _t(rel.description, "en"), rel.ended, _date(rel.ended))


def _indicator_rows(r: _Rows, ds: Dataset) -> None:
    """``indicators``, with the type of their subject (a place type, ``actor``, ``layer`` or ``unknown``)."""
    place_type = {**{c.id: "country" for c in ds.countries}, **{p.id: "province" for p in ds.provinces},
                  **{x.id: "municipality" for x in ds.municipalities}, **{x.id: "region" for x in ds.regions},
                  **{x.id: "site" for x in ds.sites}}
    actor_ids = {a.id for a in ds.actors}
    layer_ids = {layer.id for layer in ds.taxonomy.layers}

    def subject_type(s: str) -> str:
        if s in place_type:
            return place_type[s]
        if s in actor_ids:
            return "actor"
        return "layer" if s in layer_ids else "unknown"

    for ind in ds.indicators:
        b = ind.baseline
        r.add("indicators", ind.id, ind.subject, subject_type(ind.subject), ind.metric, _t(ind.label, "nl"),
              _t(ind.label, "en"), ind.value, ind.value_min, ind.value_max, ind.unit, ind.date,
              ind.period.start if ind.period else None, ind.period.end if ind.period else None,
              b.subject if b else None, b.value if b else None, _t(b.label, "nl") if b else None,
              _t(b.label, "en") if b else None, ind.layer, _t(ind.note, "nl"), _t(ind.note, "en"))


def _curated_rows(r: _Rows, ds: Dataset) -> None:
    """The curated tables: ``positions``, ``synergies`` and ``recommendations`` with their members."""
    for pos in ds.positions:
        r.add("positions", pos.id, pos.layer, pos.bloc, pos.standing, _t(pos.note, "nl"), _t(pos.note, "en"))
        for i, aid in enumerate(pos.actors):
            r.add("position_actors", pos.id, i + 1, aid)
    for syn in ds.synergies:
        r.add("synergies", syn.id, syn.name.nl, syn.name.en, _t(syn.description, "nl"), _t(syn.description, "en"))
        for what in ("layers", "domains", "actors", "places", "relations"):
            for i, ref in enumerate(getattr(syn, what)):
                r.add("synergy_members", syn.id, what, i + 1, ref)
        for i, ex in enumerate(syn.examples):
            r.add("synergy_examples", syn.id, i + 1, ex.nl, ex.en)
    for rec in ds.recommendations:
        r.add("recommendations", rec.id, rec.number, rec.title.nl, rec.title.en, _t(rec.description, "nl"),
              _t(rec.description, "en"))
        for what in ("synergies", "places", "actors"):
            for i, ref in enumerate(getattr(rec, what)):
                r.add("recommendation_members", rec.id, what, i + 1, ref)
        if rec.track is not None:
            for what in m.Tracking.model_fields:
                for i, ref in enumerate(getattr(rec.track, what)):
                    r.add("recommendation_members", rec.id, f"track_{what}", i + 1, ref)


def _citation_rows(r: _Rows, ds: Dataset) -> None:
    """``citations``: every citation of every fact, numbered per subject."""
    counters: dict[tuple[str, str], int] = {}
    for kind, ident, cite in iter_citations(ds):
        n = counters[(kind, ident)] = counters.get((kind, ident), 0) + 1
        r.add("citations", kind, ident, n, cite.source, cite.locator, cite.confidence)


def _rows(ds: Dataset) -> _Rows:
    """The rows of the YAML records for every table (CSV tables are loaded by the database itself)."""
    r = _Rows()
    _meta_rows(r, ds)
    _taxonomy_rows(r, ds.taxonomy)
    where = _Where(ds)
    _place_rows(r, ds, where)
    for src in ds.sources:
        r.add("sources", src.id, src.title, src.author, src.publisher, src.date, src.url, src.type, src.licence,
              src.note)
    _actor_rows(r, ds, where)
    _relation_rows(r, ds)
    _indicator_rows(r, ds)
    _curated_rows(r, ds)
    _citation_rows(r, ds)
    return r


def build(ds: Dataset, db: Path | str, *, progress: Callable[[str], None] | None = None) -> Path:
    """Compile ``ds`` into the DuckDB file ``db`` atomically; return its path.

    The database is written to a temporary file in the same folder and renamed over ``db`` only when
    complete. On any error the temporary file is removed and ``db`` is untouched.
    """
    db = Path(db).resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{db.name}.", suffix=".building", dir=db.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # duckdb wants to create the file itself
    try:
        rows = _rows(ds)
        bulk = ds.bulk
        if bulk is None:
            con = duckdb.connect(str(tmp))
        else:  # the CSV rows are staged in the bulk connection: attach the new file there and copy in SQL
            con = bulk.con
            con.execute(f"ATTACH {literal(str(tmp))} AS stackatlas_build")
            con.execute("USE stackatlas_build")
        try:
            for table, cols in SCHEMA.items():
                if progress:
                    progress(table)
                ddl = ", ".join(f'"{c}" {t}' for c, t in cols)
                con.execute(f'CREATE TABLE "{table}" ({ddl})')
                arrow = rows.arrow(table)
                if arrow.num_rows:
                    con.register("_incoming", arrow)
                    con.execute(f'INSERT INTO "{table}" SELECT * FROM _incoming')
                    con.unregister("_incoming")
            if bulk is not None:
                if progress:
                    progress("csv tables")
                bulk.insert(con)
            if progress:
                progress("actor_places")
            con.execute(_ACTOR_PLACES)
            for stmt in _INDEXES:
                con.execute(stmt)
            con.execute("CHECKPOINT stackatlas_build" if bulk is not None else "CHECKPOINT")
        finally:
            if bulk is None:
                con.close()
            else:
                with contextlib.suppress(duckdb.Error):
                    con.execute("USE memory")
                with contextlib.suppress(duckdb.Error):
                    con.execute("DETACH stackatlas_build")
        os.replace(tmp, db)
    except BaseException:
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        raise
    return db


def default_db_path(data: Path | str | None = None) -> Path:
    """The cache file for the dataset in ``data``: one per dataset folder, in the user's cache dir."""
    root = Path(data).resolve() if data is not None else bundled_path().resolve()
    key = hashlib.sha1(str(root).encode()).hexdigest()[:12]
    base = Path(os.environ.get("STACKATLAS_CACHE") or user_cache_dir("stackatlas"))
    return base / f"{root.name}-{key}.duckdb"


def stored_hash(db: Path) -> str | None:
    """The content hash recorded in ``db``, or None when it is missing or unreadable."""
    if not db.is_file():
        return None
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return None
    try:
        rows = con.execute("SELECT value FROM meta WHERE key = 'content_hash'").fetchall()
        row = rows[0] if rows else None
    except duckdb.Error:
        return None
    finally:
        con.close()
    return None if row is None else str(row[0])


def ensure_db(data: Path | str | None = None, db: Path | str | None = None, *, force: bool = False,
              progress: Callable[[str], None] | None = None) -> Path:
    """Return a database that matches the dataset in ``data``, building it if its content changed.

    Raises :class:`~stackatlas.errors.InvalidData` (and keeps the old database) when the data is invalid.
    """
    root = Path(data).resolve() if data is not None else bundled_path().resolve()
    target = Path(db).resolve() if db is not None else default_db_path(root)
    if not force and stored_hash(target) == content_hash(root):
        return target
    ds = load_dataset(root)
    try:
        return build(ds, target, progress=progress)
    finally:
        ds.close()


def connect(db: Path | str, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the database (read-only by default)."""
    return duckdb.connect(str(db), read_only=read_only)


#: How the column types above are stored in the Parquet exchange (``stackatlas export parquet``, written by DuckDB)
#: and what Spark reads them as.
PARQUET_TYPES: dict[str, tuple[str, str]] = {
    "VARCHAR": ("BYTE_ARRAY (STRING)", "string"), "INTEGER": ("INT32", "int"), "DOUBLE": ("DOUBLE", "double"),
    "BOOLEAN": ("BOOLEAN", "boolean"), "DATE": ("INT32 (DATE)", "date"),
}


def _parquet_markdown() -> list[str]:
    return ["## The Parquet exchange", "",
            "`stackatlas export parquet -o DIR` writes every table above, with the same columns in the same order,",
            "to `DIR/<table>/part-0.parquet` (DuckDB `COPY ... (FORMAT parquet)`, zstd), and a manifest",
            "`DIR/_stackatlas.json` (stackatlas and schema version, dataset id, content hash, rows per table).",
            "Spark reads a table with `spark.read.parquet(\"DIR/<table>\")`; `stackatlas --parquet DIR` runs the",
            "analyses on these folders (docs/scale.md). A folder may hold several `part-*.parquet` files (a table",
            "written by Spark or split by hand). Column types:", "",
            "| database | Parquet | Spark |", "|---|---|---|",
            *[f"| {db} | {pq} | {sp} |" for db, (pq, sp) in PARQUET_TYPES.items()], ""]


def schema_markdown() -> str:
    """``docs/database.md``: every table of :data:`SCHEMA` with its note and columns (a test keeps the file
    in step: ``python -m stackatlas.store > docs/database.md``)."""
    out = ["# The compiled database", "",
           "`stackatlas build` writes these DuckDB tables (generated from `stackatlas.store.SCHEMA` and",
           "`TABLE_NOTES` by `python -m stackatlas.store`; lists are separate tables with a `position` column so",
           "their order survives). Open the file read-only with `duckdb.connect(path, read_only=True)` or use",
           "`stackatlas.open().sql(...)`.", ""]
    for table, columns in SCHEMA.items():
        out += [f"## {table}", "", TABLE_NOTES[table], "", "| column | type |", "|---|---|"]
        out += [f"| {name} | {kind} |" for name, kind in columns]
        out.append("")
    out += _parquet_markdown()
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    sys.stdout.write(schema_markdown())
