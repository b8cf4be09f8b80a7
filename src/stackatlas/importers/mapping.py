"""The declarative mapping of an import (docs/importing.md): which columns give which fields, and how
category strings become layers, sublayers and domains.

A mapping is a YAML file read with :mod:`stackatlas.dataset.yamlio`, so every problem (an unknown key, a layer
that is not in the taxonomy, a relation type that does not exist) is reported as
``path:line:column: field: message`` through :class:`~stackatlas.errors.InvalidData`.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..dataset.model import RELATION_STATUSES, SLUG, Taxonomy
from ..dataset.yamlio import Located, load_yaml
from ..errors import InvalidData, Problem
from .normalise import fold

__all__ = ["CategoryRule", "Col", "Mapping", "Table", "load_mapping", "parse_layer_item"]

_LAYER_ITEM = re.compile(r"^([a-z0-9][a-z0-9-]*)(?:/([a-z0-9][a-z0-9-]*))?(?::(core|secondary))?$")


def parse_layer_item(item: str) -> tuple[str, str | None, str]:
    """``LAYER[/SUBLAYER][:ROLE]`` -> (layer, sublayer, role).

    >>> parse_layer_item("applications/fintech:secondary")
    ('applications', 'fintech', 'secondary')
    """
    m = _LAYER_ITEM.match(item.strip())
    if not m:
        raise ValueError(f"expected LAYER[/SUBLAYER][:ROLE], not {item!r}")
    return m[1], m[2], m[3] or "core"


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)


class Col(_M):
    """Where one field comes from: a column (or several), or a constant ``value``; how to read it."""

    column: str | None = None
    columns: list[str] | None = None
    value: str | int | float | None = None
    split: str | None = None                    # several values in one cell, separated by this
    map: dict[str, str | None] | None = None    # cell value -> field value (keys compared folded; null drops)
    default: str | None = None                  # when the cell is empty (or, with map, not in the map)
    prefix: str = ""                            # ids: put before the slug of the cell
    lookup: Literal["id", "name", "auto"] = "auto"   # relation ends: an actor id, a name, or id then name
    currency: str | None = None                 # amounts: the currency when the cell names none
    currency_column: str | None = None          # amounts: a column with the currency
    decimal: Literal[".", ","] | None = None    # amounts: force the decimal mark
    scale: Literal["percent", "fraction"] = "percent"   # stakes: 51 or 0.51 for 51 %
    order: Literal["dmy", "mdy"] | None = None  # dates: how to read 03/04/2021 (default: the mapping's)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        return {"column": v} if isinstance(v, str) else v

    @model_validator(mode="after")
    def _one_source(self) -> Col:
        given = [x for x in (self.column, self.columns, self.value) if x is not None]
        if len(given) != 1 and not (self.default is not None and not given):
            raise ValueError("give exactly one of column, columns or value")
        if self.prefix and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", self.prefix):
            raise ValueError(f"prefix {self.prefix!r} must be lower-case letters, digits and '-'")
        if self.currency is not None and not re.fullmatch(r"[A-Z]{3}", self.currency):
            raise ValueError(f"currency {self.currency!r} is not an ISO 4217 code (three capital letters)")
        return self

    def source_columns(self) -> list[str]:
        cols = [self.column] if self.column else list(self.columns or [])
        if self.currency_column:
            cols.append(self.currency_column)
        return cols

    def folded_map(self) -> dict[str, str | None]:
        return {fold(k): v for k, v in (self.map or {}).items()}


class CategoryRule(_M):
    """What one category string means on the stack."""

    layers: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    ignore: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        if v == "ignore" or v is None:
            return {"ignore": True}
        if isinstance(v, str):
            return {"layers": [v]}
        return v

    @field_validator("layers")
    @classmethod
    def _items(cls, v: list[str]) -> list[str]:
        for item in v:
            parse_layer_item(item)
        return v


class Categories(_M):
    split: str | None = ","
    map: dict[str, CategoryRule] = Field(default_factory=dict)
    default_layer: str | None = None   # LAYER[/SUBLAYER][:ROLE] for rows none of whose categories gives a layer

    @field_validator("default_layer")
    @classmethod
    def _item(cls, v: str | None) -> str | None:
        if v is not None:
            parse_layer_item(v)
        return v

    def folded(self) -> dict[str, CategoryRule]:
        return {fold(k): v for k, v in self.map.items()}


class SourceSpec(_M):
    id: str | None = None
    title: str | None = None
    author: str | None = None
    publisher: str | None = None
    url: str | None = None
    licence: str | None = None
    type: str = "dataset"


class DatasetSpec(_M):
    id: str | None = None
    title: dict[str, str] | str | None = None
    description: dict[str, str] | str | None = None
    licence: str | None = None
    publisher: str | None = None


_ACTOR_FIELDS = ("id", "name", "aliases", "kind", "city", "region", "country", "categories", "founded",
                 "website", "wikidata", "kvk", "lei", "control_country", "tags", "description_en",
                 "description_nl")
_RELATION_FIELDS = ("type", "from", "to", "date", "amount", "stake", "status", "role", "description_en",
                    "description_nl")


class Table(_M):
    """One input table: which files it matches, what records it gives and where each field comes from."""

    match: str = "*"                      # a glob on the file name: organisations*.csv
    records: Literal["actors", "relations"]
    confidence: Literal["high", "medium", "low"] = "medium"
    #: what a row whose city is not found becomes: ``country`` (its country, else rejected), ``unknown``
    #: (its country, else no head office) or ``reject``; unset: ``unknown`` from mapping version 2 on,
    #: ``country`` in version 1 (set by :class:`Mapping`)
    location_fallback: Literal["country", "reject", "unknown"] | None = None
    # actors
    id: Col | None = None
    name: Col | None = None
    aliases: Col | None = None
    kind: Col | None = None
    city: Col | None = None
    region: Col | None = None
    country: Col | None = None
    categories: list[Col] = Field(default_factory=list)
    founded: Col | None = None
    website: Col | None = None
    wikidata: Col | None = None
    kvk: Col | None = None
    lei: Col | None = None
    control_country: Col | None = None
    tags: Col | None = None
    description_en: Col | None = None
    description_nl: Col | None = None
    # relations
    type: Col | None = None
    from_: Col | None = Field(default=None, alias="from")
    to: Col | None = None
    date: Col | None = None
    amount: Col | None = None
    stake: Col | None = None
    status: Col | None = None
    role: Col | None = None
    shared_amount: Literal["drop", "keep"] = "drop"   # an amount of a row listing several parties (a round)

    @field_validator("categories", mode="before")
    @classmethod
    def _list(cls, v: Any) -> Any:
        return [v] if isinstance(v, (str, dict)) else v

    @model_validator(mode="after")
    def _required(self) -> Table:
        if self.records == "actors":
            if self.name is None:
                raise ValueError("an actors table needs name")
            wrong = [f for f in ("type", "from_", "to", "date", "amount", "stake", "status", "role")
                     if getattr(self, f) is not None]
        else:
            missing = [f for f in ("type", "from_", "to") if getattr(self, f) is None]
            if missing:
                raise ValueError(f"a relations table needs {', '.join(m.rstrip('_') for m in missing)}")
            wrong = [f for f in ("id", "name", "aliases", "kind", "city", "region", "country", "founded", "website",
                                 "wikidata", "kvk", "lei", "control_country", "tags") if getattr(self, f) is not None]
            wrong += ["categories"] if self.categories else []
        if wrong:
            raise ValueError(f"{', '.join(wrong)} do not apply to a {self.records} table")
        return self

    def cols(self) -> dict[str, Col]:
        """The fields that are given, by name (``from`` without its underscore)."""
        out: dict[str, Col] = {}
        for name in (*_ACTOR_FIELDS, *_RELATION_FIELDS):
            if name == "categories":
                continue
            attr = "from_" if name == "from" else name
            v = getattr(self, attr, None)
            if isinstance(v, Col):
                out[name] = v
        return out

    def source_columns(self) -> list[str]:
        cols: list[str] = []
        for c in [*self.cols().values(), *self.categories]:
            for x in c.source_columns():
                if x not in cols:
                    cols.append(x)
        return cols


class Mapping(_M):
    version: Literal[1, 2] = 1
    source: SourceSpec = Field(default_factory=SourceSpec)
    dataset: DatasetSpec = Field(default_factory=DatasetSpec)
    date_order: Literal["dmy", "mdy"] = "dmy"
    categories: Categories = Field(default_factory=Categories)
    place_aliases: dict[str, str] = Field(default_factory=dict)   # city name -> place id
    #: look cities the base lacks up in the world gazetteer (default: yes from version 2 on)
    world_cities: bool | None = None
    tables: dict[str, Table]

    @field_validator("tables")
    @classmethod
    def _names(cls, v: dict[str, Table]) -> dict[str, Table]:
        for name in v:
            if not SLUG.match(name):
                raise ValueError(f"table name {name!r} must be lower-case letters, digits and '-'")
        if not v:
            raise ValueError("give at least one table")
        return v

    @model_validator(mode="after")
    def _fallback(self) -> Mapping:
        """From version 2 on, rows without a location are kept (no head office) and cities the base lacks
        are looked up in the world gazetteer, unless the mapping says otherwise."""
        if self.world_cities is None:
            self.world_cities = self.version >= 2
        for t in self.tables.values():
            if t.location_fallback is None:
                t.location_fallback = "unknown" if self.version >= 2 else "country"
        return self

    def table_for(self, file: Path, name: str | None = None) -> tuple[str, Table]:
        """The table of ``file``: ``name`` if given, else the first whose ``match`` fits the file name."""
        if name is not None:
            if name not in self.tables:
                raise InvalidData([Problem("<mapping>", 0, 0, "tables", f"no table {name!r} (tables: "
                                                                       f"{', '.join(self.tables)})")])
            return name, self.tables[name]
        for tname, t in self.tables.items():
            if fnmatch.fnmatch(file.name.lower(), t.match.lower()):
                return tname, t
        raise InvalidData([Problem("<mapping>", 0, 0, "tables", f"no table matches {file.name!r} (match "
                                                               f"patterns: {', '.join(t.match for t in self.tables.values())})"
                                   "; give --table")])


def _problems(exc: ValidationError, doc: Located, loc: tuple[str | int, ...] = ()) -> list[Problem]:
    out = []
    for err in exc.errors():
        sub = tuple(x for x in err["loc"] if not (isinstance(x, str) and (x.startswith("function-") or
                                                                           x in ("str", "Col", "CategoryRule"))))
        sub = tuple("from" if x == "from_" else x for x in sub)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required field is missing"
        msg = msg.removeprefix("Value error, ")
        out.append(doc.problem(loc + sub, ".".join(str(x) for x in sub) or "<mapping>", msg))
    return out


def check_taxonomy(mapping: Mapping, doc: Located, taxonomy: Taxonomy) -> list[Problem]:
    """Layers, sublayers, domains, actor kinds and relation types named by the mapping must exist."""
    problems: list[Problem] = []
    layers = {lay.id: {s.id for s in lay.sublayers} for lay in taxonomy.layers}
    domains = {d.id for d in taxonomy.domains}
    kinds = {k.id for k in taxonomy.actor_kinds}
    rtypes = {t.id for t in taxonomy.relation_types}

    def layer(item: str, loc: tuple[str | int, ...]) -> None:
        lay, sub, _ = parse_layer_item(item)
        if lay not in layers:
            problems.append(doc.problem(loc, ".".join(map(str, loc)), f"unknown layer {lay!r}"))
        elif sub is not None and sub not in layers[lay]:
            problems.append(doc.problem(loc, ".".join(map(str, loc)), f"unknown sublayer {sub!r} of layer {lay!r}"))

    for key, rule in mapping.categories.map.items():
        for i, item in enumerate(rule.layers):
            layer(item, ("categories", "map", key, "layers", i))
        for i, d in enumerate(rule.domains):
            if d not in domains:
                problems.append(doc.problem(("categories", "map", key, "domains", i), "domains", f"unknown domain {d!r}"))
    if mapping.categories.default_layer:
        layer(mapping.categories.default_layer, ("categories", "default_layer"))

    def values(col: Col | None) -> list[tuple[str, tuple[str | int, ...]]]:
        if col is None:
            return []
        out: list[tuple[str, tuple[str | int, ...]]] = [(str(col.value), ("value",))] if col.value is not None else []
        out += [(v, ("map", k)) for k, v in (col.map or {}).items() if v is not None]
        out += [(col.default, ("default",))] if col.default is not None else []
        return out

    for tname, t in mapping.tables.items():
        for v, sub in values(t.kind):
            if v not in kinds:
                problems.append(doc.problem(("tables", tname, "kind", *sub), "kind", f"unknown actor kind {v!r}"))
        for v, sub in values(t.type):
            if v not in rtypes:
                problems.append(doc.problem(("tables", tname, "type", *sub), "type", f"unknown relation type {v!r}"))
        for v, sub in values(t.status):
            if v not in RELATION_STATUSES:
                problems.append(doc.problem(("tables", tname, "status", *sub), "status", f"unknown status {v!r}"))
    return problems


def load_mapping(path: Path, taxonomy: Taxonomy | None = None) -> Mapping:
    """Read and check a mapping file; raise :class:`InvalidData` with every problem."""
    doc, problems = load_yaml(path)
    if doc is None:
        raise InvalidData(problems)
    if not isinstance(doc.data, dict):
        raise InvalidData([*problems, doc.problem((), "<mapping>", "expected a mapping with tables")])
    try:
        mapping = Mapping.model_validate(doc.data)
    except ValidationError as exc:
        raise InvalidData([*problems, *_problems(exc, doc)]) from None
    if taxonomy is not None:
        problems += check_taxonomy(mapping, doc, taxonomy)
    if problems:
        raise InvalidData(problems)
    return mapping
