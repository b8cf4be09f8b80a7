"""The atlas: a read-only view of a compiled dataset, with its queries as DataFrames.

>>> import stackatlas
>>> atlas = stackatlas.open(data=stackatlas.fixture_path())
>>> sorted(atlas.actors(layer="chips", place="brainport")["id"])
['asml', 'axelera-ai', 'nxp', 'tue']
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

if TYPE_CHECKING:
    from .engine import Engine
    from .lookups import Lookups

from ._sql import like_pattern
from ._version import __version__
from .dataset.loader import bundled_path
from .dataset.model import ACTOR_FIELDS, PLACE_TYPES, RELATION_FIELDS
from .errors import AnalysisError, NotFound, StackAtlasError
from .store import connect, default_db_path, ensure_db

__all__ = ["ACTOR_COLUMNS", "RELATION_COLUMNS", "Atlas", "open"]

#: The record fields that lists of actors and relations show (and their CSV downloads), in the model's order;
#: the others are on an actor's own page.
ACTOR_COLUMNS = [f for f in ACTOR_FIELDS
                 if f not in ("founded", "dissolved", "website", "wikidata", "description", "tags")]
RELATION_COLUMNS = [f for f in RELATION_FIELDS if f not in ("stake_min", "stake_max", "role", "description")]

_CITES = """(SELECT list(struct_pack(source := c.source, locator := c.locator, confidence := c.confidence)
                     ORDER BY c.position)
             FROM citations c WHERE c.subject_type = '{kind}' AND c.subject = {col})"""

# actors in a place: by head office or a site that is not closed, where the place is the location itself or
# contains its municipality (a region, province or country): the table actor_places, built with the database
_IN_PLACE = "(SELECT DISTINCT actor FROM actor_places WHERE place = $place)"


class Atlas:
    """Queries over one compiled dataset. Create it with :func:`stackatlas.open`."""

    def __init__(self, data: Path, db: Path, *, as_of: str | None = None) -> None:
        self.data = data
        self.db = db
        #: The date the analyses of this atlas see the dataset at (``engine()``'s default), or None for as
        #: stored; queries in SQL (lists, ``show``, ``stats``) always read the dataset as stored.
        self.as_of = as_of
        self._con: duckdb.DuckDBPyConnection | None = None
        self._engine: Engine | None = None
        self._dated: dict[str, Engine] = {}
        self._lookups: Lookups | None = None

    # -- plumbing --------------------------------------------------------------------------------------
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """A read-only DuckDB connection to the compiled dataset."""
        if self._con is None:
            self._con = connect(self.db, read_only=True)
        return self._con

    def engine(self, *, as_of: str | None = None) -> Engine:
        """The Ibis engine (DuckDB) over this atlas's connection, made once: what the analyses take.

        With ``as_of`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) the engine's tables are the dataset as it
        stood at the end of that date (:mod:`stackatlas.timeframe`; undated facts count throughout), one
        engine per date.

        >>> import stackatlas
        >>> stackatlas.open(data=stackatlas.fixture_path()).engine().name
        'duckdb'
        """
        if self._engine is None:
            from .engine import duckdb_engine  # Ibis loads only when an analysis runs

            self._engine = duckdb_engine(self.con)
        as_of = as_of if as_of is not None else self.as_of
        if as_of is None:
            return self._engine
        key = str(as_of)
        if key not in self._dated:
            self._dated[key] = self._engine.at(as_of)
        return self._dated[key]

    def at(self, as_of: str | None) -> Atlas:
        """The same dataset whose analyses (``engine()``) see it as of ``as_of`` (docs/dataset-format.md,
        "Time"); the date is checked here (:class:`AnalysisError` for a bad one)."""
        if as_of is not None:
            from .timeframe import as_of_date

            as_of_date(as_of)
        return Atlas(self.data, self.db, as_of=as_of)

    def undated_note(self, *, lang: str = "en") -> str | None:
        """With an ``as_of``: the sentence that says how many undated facts were counted as present
        throughout (every as-of output carries it); else None."""
        if self.as_of is None:
            return None
        from .timeframe import undated_note

        eng = self.engine()
        assert eng.as_of is not None
        return undated_note(eng.as_of, eng.undated(), lang=lang)

    def compare_pair(self, a: str | None = None, b: str | None = None) -> tuple[str, str]:
        """The two places to compare: ``a`` and ``b`` where given, else the dataset's own pair (``compare``
        in dataset.yaml). Raises :class:`NotFound` for an unknown place and :class:`AnalysisError` when a side
        is missing or both are the same place.

        >>> import stackatlas
        >>> at = stackatlas.open(data=stackatlas.fixture_path())
        >>> at.compare_pair(), at.compare_pair(b="amsterdam")
        (('mra', 'brainport'), ('mra', 'amsterdam'))
        """
        meta = self.meta()
        pa, pb = a or meta.get("compare_a") or "", b or meta.get("compare_b") or ""
        if not pa or not pb:
            raise AnalysisError("the dataset names no pair of regions (compare: in dataset.yaml): "
                                "pass --between and --and")
        for place in (pa, pb):
            self._check("places", place, "place")
        if pa == pb:
            raise AnalysisError("the two places must differ")
        return pa, pb

    def lookups(self) -> Lookups:
        """The look-up tables of the dataset (names of layers, places, ..., see :mod:`stackatlas.lookups`),
        read once per atlas; they hold no connection, so they stay usable after :meth:`close`."""
        if self._lookups is None:
            from .lookups import build

            self._lookups = build(self)
        return self._lookups

    def close(self) -> None:
        self._engine = None
        self._dated.clear()
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Atlas:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sql(self, query: str, params: dict[str, Any] | builtins.list[Any] | None = None) -> pd.DataFrame:
        """Run a read-only SQL query on the database and return a DataFrame."""
        return self.con.execute(query, params or {}).df()

    def first(self, query: str, params: dict[str, Any] | builtins.list[Any] | None = None) -> tuple[Any, ...]:
        """The first row of a query (the whole result is consumed), or an empty tuple."""
        rows = self.con.execute(query, params or {}).fetchall()
        return tuple(rows[0]) if rows else ()

    def meta(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT key, value FROM meta").fetchall())

    def info(self) -> dict[str, str]:
        return {"version": __version__, "data": str(self.data), "db": str(self.db)}

    # -- queries ---------------------------------------------------------------------------------------
    def stats(self) -> dict[str, int]:
        """Counts of records, and of facts that lack a source (zero for a valid dataset)."""
        q = """SELECT
          (SELECT count(*) FROM actors) AS actors,
          (SELECT count(*) FROM relations) AS relations,
          (SELECT count(*) FROM indicators) AS indicators,
          (SELECT count(*) FROM places) AS places,
          (SELECT count(*) FROM sources) AS sources,
          (SELECT count(*) FROM synergies) AS synergies,
          (SELECT count(*) FROM (
              SELECT 'actor' AS t, id FROM actors UNION ALL SELECT 'relation', id FROM relations
              UNION ALL SELECT 'indicator', id FROM indicators UNION ALL SELECT 'synergy', id FROM synergies
              UNION ALL SELECT 'position', id FROM positions
              UNION ALL SELECT 'recommendation', id FROM recommendations
              UNION ALL SELECT type, id FROM places) f
           WHERE NOT EXISTS (SELECT 1 FROM citations c WHERE c.subject_type = f.t AND c.subject = f.id)
          ) AS facts_without_source"""
        row = self.first(q)
        assert row is not None
        cols = ["actors", "relations", "indicators", "places", "sources", "synergies", "facts_without_source"]
        return {c: int(v) for c, v in zip(cols, row, strict=True)}

    def _check(self, table: str, ident: str | None, kind: str) -> None:
        if ident is not None and not self.first(f"SELECT 1 FROM {table} WHERE id = ?", [ident]):
            raise NotFound(kind, ident)

    def actors(self, *, layer: str | None = None, place: str | None = None, kind: str | None = None,
               domain: str | None = None, control_country: str | None = None, q: str | None = None,
               ids: builtins.list[str] | None = None, limit: int | None = None,
               offset: int = 0) -> pd.DataFrame:
        """Actors, optionally filtered; a region, province or country as ``place`` means all its places.

        Columns: ``id, name, aliases, kind, hq, sites, layers, domains, control_country, parent,
        sources`` (lists of values and of ``{layer, sublayer, offering, role}`` and ``{source, locator,
        confidence}`` mappings).
        """
        self._check("layers", layer, "layer")
        self._check("places", place, "place")
        self._check("actor_kinds", kind, "actor kind")
        self._check("domains", domain, "domain")
        where: builtins.list[str] = ["TRUE"]
        params: dict[str, Any] = {}
        if layer is not None:
            where.append("a.id IN (SELECT actor FROM actor_layers WHERE layer = $layer)")
            params["layer"] = layer
        if place is not None:
            where.append(f"a.id IN {_IN_PLACE}")
            params["place"] = place
        if kind is not None:
            where.append("a.kind = $kind")
            params["kind"] = kind
        if domain is not None:
            where.append("a.id IN (SELECT actor FROM actor_domains WHERE domain = $domain)")
            params["domain"] = domain
        if control_country is not None:
            where.append("a.control_country = $cc")
            params["cc"] = control_country.upper()
        if q:
            where.append("""(a.name ILIKE $q ESCAPE '\\' OR a.id ILIKE $q ESCAPE '\\'
                             OR a.id IN (SELECT actor FROM actor_aliases WHERE alias ILIKE $q ESCAPE '\\'))""")
            params["q"] = like_pattern(q)
        if ids is not None:
            where.append("list_contains($ids, a.id)")
            params["ids"] = ids
        page = ""
        if limit is not None:
            page = f"LIMIT {int(limit)} OFFSET {int(offset)}"
        sql = f"""
        SELECT a.id, a.name,
          coalesce((SELECT list(alias ORDER BY position) FROM actor_aliases WHERE actor = a.id), []) AS aliases,
          a.kind, a.hq,
          coalesce((SELECT list(place ORDER BY position) FROM actor_sites WHERE actor = a.id), []) AS sites,
          (SELECT list(struct_pack(layer := l.layer, sublayer := l.sublayer, offering := l.offering,
                                   role := l.role) ORDER BY l.position)
             FROM actor_layers l WHERE l.actor = a.id) AS layers,
          coalesce((SELECT list(domain ORDER BY position) FROM actor_domains WHERE actor = a.id), []) AS domains,
          a.control_country, a.parent,
          coalesce({_CITES.format(kind="actor", col="a.id")}, []) AS sources
        FROM actors a WHERE {" AND ".join(where)}
        ORDER BY a.name, a.id {page}"""
        return self.sql(sql, params)

    def relations(self, *, type: str | None = None, actor: str | None = None,  # noqa: A002
                  limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Ties between actors. Columns: ``id, type, from, to, date, ended, status, amount {value, currency},
        stake_pct, stake_min, stake_max, role, sources``."""
        self._check("relation_types", type, "relation type")
        self._check("actors", actor, "actor")
        where, params = ["TRUE"], {}
        if type is not None:
            where.append("r.type = $type")
            params["type"] = type
        if actor is not None:
            where.append("(r.from_actor = $actor OR r.to_actor = $actor)")
            params["actor"] = actor
        page = f"LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
        sql = f"""
        SELECT r.id, r.type, r.from_actor AS "from", r.to_actor AS "to", r.date, r.ended, r.status,
          CASE WHEN r.amount_value IS NULL THEN NULL
               ELSE struct_pack(value := r.amount_value, currency := r.amount_currency) END AS amount,
          r.stake_pct, r.stake_min, r.stake_max, r.role,
          coalesce({_CITES.format(kind="relation", col="r.id")}, []) AS sources
        FROM relations r WHERE {" AND ".join(where)}
        ORDER BY r.date_start NULLS LAST, r.id {page}"""
        return self.sql(sql, params)

    def indicators(self, *, subject: str | None = None, metric: str | None = None,
                   layer: str | None = None) -> pd.DataFrame:
        """Figures with unit, date and baseline. Columns include ``id, subject, metric, value, unit, date,
        period_start, period_end, baseline_subject, baseline_value, layer, sources``."""
        where, params = ["TRUE"], {}
        for col, val in (("subject", subject), ("metric", metric), ("layer", layer)):
            if val is not None:
                where.append(f"i.{col} = ${col}")
                params[col] = val
        sql = f"""
        SELECT i.id, i.subject, i.subject_type, i.metric, coalesce(i.label_en, i.label_nl) AS label,
          i.value, i.value_min, i.value_max, i.unit, i.date, i.period_start, i.period_end,
          i.baseline_subject, i.baseline_value, i.layer,
          coalesce({_CITES.format(kind="indicator", col="i.id")}, []) AS sources
        FROM indicators i WHERE {" AND ".join(where)} ORDER BY i.subject, i.metric, i.id"""
        return self.sql(sql, params)

    def places(self, *, type: str | None = None, within: str | None = None) -> pd.DataFrame:  # noqa: A002
        """Places (countries, provinces, municipalities, regions, sites); ``within`` a region, province or
        country lists its municipalities."""
        where, params = ["TRUE"], {}
        if type is not None:
            if type not in PLACE_TYPES:
                raise StackAtlasError(f"unknown place type {type!r}")
            where.append("p.type = $type")
            params["type"] = type
        if within is not None:
            self._check("places", within, "place")
            where.append("p.id IN (SELECT municipality FROM place_municipalities WHERE place = $within)")
            params["within"] = within
        sql = f"""
        SELECT p.id, p.type, coalesce(p.name_en, p.name_nl) AS name, p.name_nl, p.code, p.kind, p.parent,
          p.country, p.lat, p.lon,
          (SELECT list(member ORDER BY position) FROM region_members WHERE region = p.id) AS members,
          coalesce((SELECT list(struct_pack(source := c.source, locator := c.locator,
                                            confidence := c.confidence) ORDER BY c.position)
                    FROM citations c WHERE c.subject_type = p.type AND c.subject = p.id), []) AS sources
        FROM places p WHERE {" AND ".join(where)}
        ORDER BY CASE p.type WHEN 'country' THEN 1 WHEN 'province' THEN 2 WHEN 'region' THEN 3
                 WHEN 'municipality' THEN 4 ELSE 5 END, p.id"""
        return self.sql(sql, params)

    def sources(self) -> pd.DataFrame:
        """Sources with the number of facts that cite each."""
        return self.sql("""
        SELECT s.*, (SELECT count(*) FROM citations c WHERE c.source = s.id) AS citations
        FROM sources s ORDER BY s.id""")

    def synergies(self) -> pd.DataFrame:
        """Curated synergies: ``id, name, name_nl, layers, domains, places, actors, relations``."""
        def members(what: str) -> str:
            return (f"coalesce((SELECT list(ref ORDER BY position) FROM synergy_members m "
                    f"WHERE m.synergy = s.id AND m.what = '{what}'), []) AS {what}")
        return self.sql(f"""
        SELECT s.id, coalesce(s.name_en, s.name_nl) AS name, s.name_nl, {members('layers')},
          {members('domains')}, {members('places')}, {members('actors')}, {members('relations')},
          coalesce({_CITES.format(kind="synergy", col="s.id")}, []) AS sources
        FROM synergies s ORDER BY s.id""")

    def recommendations(self) -> pd.DataFrame:
        def members(what: str) -> str:
            return (f"coalesce((SELECT list(ref ORDER BY position) FROM recommendation_members m "
                    f"WHERE m.recommendation = r.id AND m.what = '{what}'), []) AS {what}")
        return self.sql(f"""
        SELECT r.id, r.number, coalesce(r.title_en, r.title_nl) AS title, r.title_nl, {members('synergies')},
          {members('places')}, {members('actors')},
          coalesce({_CITES.format(kind="recommendation", col="r.id")}, []) AS sources
        FROM recommendations r ORDER BY r.number""")

    def layers(self) -> pd.DataFrame:
        return self.sql("""
        SELECT l.id, l.position, l.name_nl, l.name_en, l.definition_nl, l.definition_en,
          (SELECT list(s.id ORDER BY s.position) FROM sublayers s WHERE s.layer = l.id) AS sublayers
        FROM layers l ORDER BY l.position""")

    def show(self, ident: str) -> dict[str, Any]:
        """Everything about one id, whatever it names: ``{"type": ..., "record": {...}}``."""
        lookups: builtins.list[tuple[str, str]] = [
            ("actor", "actors"), ("place", "places"), ("relation", "relations"), ("indicator", "indicators"),
            ("source", "sources"), ("synergy", "synergies"), ("recommendation", "recommendations"),
            ("layer", "layers"),
        ]
        for kind, table in lookups:
            if self.first(f"SELECT 1 FROM {table} WHERE id = ?", [ident]):
                if kind == "actor":
                    df = self.actors(ids=[ident])
                    rec = records(df)[0]
                    rec["relations"] = records(self.relations(actor=ident))
                elif kind == "relation":
                    rec = next(r for r in records(self.relations()) if r["id"] == ident)
                elif kind == "place":
                    rec = next(r for r in records(self.places()) if r["id"] == ident)
                    rec["actors"] = int(self.first(f"SELECT count(*) FROM {_IN_PLACE}", {"place": ident})[0])
                elif kind == "indicator":
                    rec = next(r for r in records(self.indicators()) if r["id"] == ident)
                elif kind == "synergy":
                    rec = next(r for r in records(self.synergies()) if r["id"] == ident)
                elif kind == "recommendation":
                    rec = next(r for r in records(self.recommendations()) if r["id"] == ident)
                elif kind == "layer":
                    rec = next(r for r in records(self.layers()) if r["id"] == ident)
                else:
                    rec = next(r for r in records(self.sources()) if r["id"] == ident)
                return {"type": kind, "record": rec}
        raise NotFound("record", ident)


def _plain(v: Any) -> Any:
    """DuckDB/pandas values to plain JSON-able Python values (NaN -> None, arrays -> lists)."""
    import math

    import numpy as np

    if v is None:
        return None
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, np.generic):
        return _plain(v.item())
    if isinstance(v, np.ndarray):
        return [_plain(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if v is pd.NA or v is pd.NaT:
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def records(df: pd.DataFrame) -> builtins.list[dict[str, Any]]:
    """A DataFrame as a list of plain dicts (the JSON shape of every command)."""
    cols = builtins.list(df.columns)
    return [{c: _plain(v) for c, v in zip(cols, row, strict=True)} for row in df.itertuples(index=False)]


def open(data: Path | str | None = None, db: Path | str | None = None) -> Atlas:  # noqa: A001
    """Open the atlas of the dataset in ``data`` (default: the bundled Tech Corridor).

    The dataset is compiled into ``db`` (default: a cache file) when it is missing or its content
    changed. Raises :class:`~stackatlas.errors.InvalidData` when the dataset has problems.
    """
    root = Path(data).resolve() if data is not None else bundled_path().resolve()
    target = Path(db).resolve() if db is not None else default_db_path(root)
    ensure_db(root, target)
    return Atlas(root, target)
