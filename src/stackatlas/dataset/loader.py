"""Load a dataset folder in two passes: read every file, then resolve every reference.

Pass one parses YAML (keeping line numbers) and validates each record's shape with the pydantic models
of :mod:`stackatlas.dataset.model`. Pass two checks what only the whole dataset can tell: unknown references,
duplicate ids, facts without a source. Every problem of both passes is collected and raised at once as
:class:`~stackatlas.errors.InvalidData`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import InvalidData, Problem
from . import model as m
from ._problems import ProblemLimit, ProblemLog
from .bulk import Bulk, BulkContext, csv_files, read_bulk
from .yamlio import Located, load_yaml

__all__ = [
    "Dataset",
    "Rec",
    "builtin_taxonomy_path",
    "bundled_path",
    "content_hash",
    "dataset_files",
    "fixture_path",
    "load_dataset",
]

T = TypeVar("T", bound=BaseModel)

#: Bumped whenever the database layout changes, so cached databases are rebuilt.
SCHEMA_VERSION = "4"  # 2: actor_places, blocs.position; 3: region_drawn, actors without hq; 4: dates (dissolved, sites since/until, relations ended)


def _data_root() -> Path:
    return Path(str(resources.files("stackatlas") / "data"))


def bundled_path() -> Path:
    """The folder of the bundled dataset (the Tech Corridor)."""
    return _data_root() / "corridor"


def fixture_path() -> Path:
    """The folder of the small fixture dataset used by tests and demos."""
    return _data_root() / "fixture"


def builtin_taxonomy_path(name: str) -> Path:
    return _data_root() / "taxonomies" / f"{name}.yaml"


@dataclass
class Rec(Generic[T]):
    """A validated record with where it came from, for error messages in pass two."""

    value: T
    doc: Located
    loc: tuple[str | int, ...]

    def problem(self, fieldname: str, message: str, *sub: str | int) -> Problem:
        return self.doc.problem(self.loc + sub, fieldname, message)


@dataclass
class Dataset:
    """A whole dataset, validated and with its references resolved."""

    root: Path
    meta: m.DatasetMeta
    taxonomy: m.Taxonomy
    taxonomy_file: Path
    countries: list[m.Country] = field(default_factory=list)
    provinces: list[m.Province] = field(default_factory=list)
    municipalities: list[m.Municipality] = field(default_factory=list)
    regions: list[m.Region] = field(default_factory=list)
    sites: list[m.Site] = field(default_factory=list)
    sources: list[m.Source] = field(default_factory=list)
    actors: list[m.Actor] = field(default_factory=list)
    relations: list[m.Relation] = field(default_factory=list)
    indicators: list[m.Indicator] = field(default_factory=list)
    positions: list[m.Position] = field(default_factory=list)
    synergies: list[m.Synergy] = field(default_factory=list)
    recommendations: list[m.Recommendation] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # record id -> "file:line" of its definition
    hash: str = ""
    #: The CSV tables (actors, relations, indicators), staged in DuckDB; None when the dataset has none.
    #: Their rows are not in the lists above: :func:`stackatlas.store.build` inserts them set-wise.
    bulk: Bulk | None = None

    def count(self, kind: str) -> int:
        """Number of records of ``kind`` ("actors", "relations", ...), YAML and CSV together."""
        n = len(getattr(self, kind))
        if self.bulk is not None and kind in self.bulk.counts:
            n += self.bulk.counts[kind]
        return n

    def close(self) -> None:
        """Release the staged CSV tables (the dataset's records stay usable)."""
        if self.bulk is not None:
            self.bulk.close()


# --- files --------------------------------------------------------------------------------------------

_LISTS = ("sources", "actors", "relations", "indicators", "positions", "synergies", "recommendations")


def dataset_files(root: Path) -> list[Path]:
    """Every file (YAML and CSV) that belongs to the dataset in ``root``, in a stable order."""
    files = []
    tables = csv_files(root)
    for name in ("dataset", "taxonomy", "places", *_LISTS):
        f = root / f"{name}.yaml"
        if f.is_file():
            files.append(f)
        d = root / name
        if d.is_dir():
            files.extend(sorted(p for p in d.glob("*.yaml") if p.is_file()))
        files.extend(tables.get(name, []))
    return files


def _taxonomy_ref(root: Path) -> str:
    """The ``taxonomy`` reference of ``root``'s dataset.yaml, read leniently (for hashing)."""
    meta_file = root / "dataset.yaml"
    if meta_file.is_file():
        doc, _ = load_yaml(meta_file)
        if doc is not None and isinstance(doc.data, dict) and isinstance(doc.data.get("taxonomy"), str):
            return str(doc.data["taxonomy"])
    return "builtin:digital-stack"


def _taxonomy_file(root: Path, ref: str) -> Path:
    """taxonomy.yaml in the folder wins; else ``builtin:NAME`` or a path relative to the folder."""
    own = root / "taxonomy.yaml"
    if own.is_file():
        return own
    if ref.startswith("builtin:"):
        return builtin_taxonomy_path(ref.split(":", 1)[1])
    return (root / ref).resolve()


def content_hash(root: Path) -> str:
    """SHA-256 over the dataset's files (names and bytes), its taxonomy and the schema version."""
    h = hashlib.sha256(f"stackatlas-schema-{SCHEMA_VERSION}\n".encode())
    tax = _taxonomy_file(root, _taxonomy_ref(root))
    for f in [*dataset_files(root), tax]:
        h.update(str(f.relative_to(root) if f.is_relative_to(root) else f.name).encode() + b"\0")
        if not f.is_file():
            h.update(b"<missing>")
        elif f.suffix == ".csv":
            h.update(_csv_digest(f))
        else:  # in chunks: the same digest as of the whole file, without holding a file that is too large
            with f.open("rb") as fh:
                while chunk := fh.read(1 << 24):
                    h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()


_CSV_DIGESTS: dict[tuple[str, int, int, int, int], bytes] = {}


def _csv_digest(f: Path) -> bytes:
    """SHA-256 of a CSV table, remembered per (path, size, mtime, ctime, inode) within the process: a bulk
    table can be hundreds of MB, and :func:`stackatlas.store.ensure_db` hashes before it loads."""
    st = f.stat()
    key = (str(f), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    digest = _CSV_DIGESTS.get(key)
    if digest is None:
        h = hashlib.sha256()
        with f.open("rb") as fh:
            while chunk := fh.read(1 << 24):
                h.update(chunk)
        digest = _CSV_DIGESTS[key] = h.digest()
    return digest


# --- pass one -----------------------------------------------------------------------------------------


def _validate(model: type[T], data: Any, doc: Located, loc: tuple[str | int, ...],
              problems: list[Problem]) -> T | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            sub = tuple(x for x in err["loc"] if not (isinstance(x, str) and x in ("function-after",)))
            fieldname = ".".join(str(x) for x in sub) or "<record>"
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            elif err["type"] == "missing":
                msg = "required field is missing"
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, "):]
            problems.append(doc.problem(loc + sub, fieldname, msg))
        return None


def _records(model: type[T], docs: Iterable[Located], problems: list[Problem], what: str) -> list[Rec[T]]:
    out: list[Rec[T]] = []
    for doc in docs:
        data = doc.data
        if data is None:
            continue
        if isinstance(data, dict):  # a single record in a file of its own
            items: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
        elif isinstance(data, list):
            items = [((i,), x) for i, x in enumerate(data)]
        else:
            problems.append(doc.problem((), "<file>", f"expected a list of {what}"))
            continue
        for loc, item in items:
            if not isinstance(item, dict):
                problems.append(doc.problem(loc, "<record>", f"expected a mapping (one {what[:-1]})"))
                continue
            v = _validate(model, item, doc, loc, problems)
            if v is not None:
                out.append(Rec(v, doc, loc))
    return out


def _read(files: Iterable[Path], root: Path, problems: list[Problem]) -> list[Located]:
    docs = []
    for f in files:
        shown = str(f.relative_to(root)) if f.is_relative_to(root) else str(f)
        doc, probs = load_yaml(f, display=str(root / shown) if not f.is_relative_to(root) else str(f))
        problems.extend(probs)
        if doc is not None:
            docs.append(doc)
    return docs


def _group(root: Path, name: str) -> list[Path]:
    files = []
    if (root / f"{name}.yaml").is_file():
        files.append(root / f"{name}.yaml")
    if (root / name).is_dir():
        files.extend(sorted((root / name).glob("*.yaml")))
    return files


# --- pass two -----------------------------------------------------------------------------------------


class _Resolver:
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems

    def dup(self, recs: list[Rec[Any]], kind: str, key: str = "id",
            seen: dict[str, Rec[Any]] | None = None) -> dict[str, Rec[Any]]:
        table: dict[str, Rec[Any]] = {} if seen is None else seen
        for r in recs:
            ident = getattr(r.value, key)
            if ident in table:
                first = table[ident]
                line, _ = first.doc.pos(first.loc + (key,))
                self.problems.append(r.problem(key, f"duplicate {kind} id {ident!r} (first defined at "
                                                    f"{first.doc.path}:{line})", key))
            else:
                table[ident] = r
        return table

    def ref(self, rec: Rec[Any], value: str | None, known: Any, what: str, *loc: str | int) -> None:
        if value is not None and value not in known:
            fieldname = ".".join(str(x) for x in loc)
            self.problems.append(rec.problem(fieldname, f"unknown {what} {value!r}", *loc))

    def refs(self, rec: Rec[Any], values: list[str], known: Any, what: str, name: str) -> None:
        for i, v in enumerate(values):
            self.ref(rec, v, known, what, name, i)

    def sources(self, rec: Rec[Any], known: Any) -> None:
        srcs = rec.value.sources
        if not srcs:
            self.problems.append(rec.problem("sources", "a fact without a source: add at least one source",
                                             "sources"))
        for i, s in enumerate(srcs):
            self.ref(rec, s.source, known, "source", "sources", i, "source")


def load_dataset(root: Path | str | None = None) -> Dataset:
    """Load, validate and resolve the dataset in ``root`` (default: the bundled one).

    Raises
    ------
    InvalidData
        With every problem found, each naming file, line, column and field; at most
        :data:`~stackatlas.dataset.bulk.PROBLEMS_PER_CHECK` (and one that counts the rest) per rule and
        file, and at most :data:`~stackatlas.dataset._problems.MAX_PROBLEMS` in all: the validation stops
        there and the last problem says so.
    """
    root = Path(root) if root is not None else bundled_path()
    root = root.resolve()
    if not root.is_dir():
        raise InvalidData([Problem(str(root), 0, 0, "<dataset>", "not a folder")])
    problems = ProblemLog()
    try:
        return _load(root, problems)
    except (InvalidData, ProblemLimit):
        if not problems:
            raise
        raise problems.error() from None


def _load(root: Path, problems: ProblemLog) -> Dataset:
    meta_file = root / "dataset.yaml"
    meta: m.DatasetMeta | None = None
    meta_doc: Located | None = None
    if not meta_file.is_file():
        problems.append(Problem(str(meta_file), 0, 0, "<file>", "missing: every dataset needs dataset.yaml"))
    else:
        meta_doc, probs = load_yaml(meta_file)
        problems.extend(probs)
        if meta_doc is not None:
            if not isinstance(meta_doc.data, dict):
                problems.append(meta_doc.problem((), "<file>", "expected a mapping"))
            else:
                meta = _validate(m.DatasetMeta, meta_doc.data, meta_doc, (), problems)

    tax_file = _taxonomy_file(root, meta.taxonomy if meta else "builtin:digital-stack")
    taxonomy: m.Taxonomy | None = None
    if not tax_file.is_file():
        where = meta_doc.problem(("taxonomy",), "taxonomy", f"taxonomy file not found: {tax_file}") \
            if meta_doc else Problem(str(tax_file), 0, 0, "<file>", "taxonomy file not found")
        problems.append(where)
    else:
        tdoc, probs = load_yaml(tax_file)
        problems.extend(probs)
        if tdoc is not None and isinstance(tdoc.data, dict) and "extends" in tdoc.data:
            _extend(tdoc, problems)
        if tdoc is not None and isinstance(tdoc.data, dict):
            taxonomy = _validate(m.Taxonomy, tdoc.data, tdoc, (), problems)
            if taxonomy is not None:
                _check_taxonomy(taxonomy, tdoc, problems)
        elif tdoc is not None:
            problems.append(tdoc.problem((), "<file>", "expected a mapping"))

    # places.yaml: one file with sections
    place_recs: dict[str, list[Rec[Any]]] = {k: [] for k in
                                              ("countries", "provinces", "municipalities", "regions", "sites")}
    models: dict[str, type[BaseModel]] = {"countries": m.Country, "provinces": m.Province,
                                          "municipalities": m.Municipality, "regions": m.Region, "sites": m.Site}
    for doc in _read(_group(root, "places"), root, problems):
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            problems.append(doc.problem((), "<file>", "expected sections: countries, provinces, "
                                                      "municipalities, regions, sites"))
            continue
        for key, items in doc.data.items():
            if key not in models:
                problems.append(doc.problem((key,), key, "unknown key (expected countries, provinces, "
                                                          "municipalities, regions or sites)"))
                continue
            if not isinstance(items, list):
                problems.append(doc.problem((key,), key, "expected a list"))
                continue
            for i, item in enumerate(items):
                if not isinstance(item, dict):
                    problems.append(doc.problem((key, i), key, "expected a mapping"))
                    continue
                v = _validate(models[key], item, doc, (key, i), problems)
                if v is not None:
                    place_recs[key].append(Rec(v, doc, (key, i)))

    recs: dict[str, list[Rec[Any]]] = {}
    for name, model in (("sources", m.Source), ("actors", m.Actor), ("relations", m.Relation),
                        ("indicators", m.Indicator), ("positions", m.Position), ("synergies", m.Synergy),
                        ("recommendations", m.Recommendation)):
        recs[name] = _records(model, _read(_group(root, name), root, problems), problems, name)

    bulk = read_bulk(root, problems)  # CSV tables: pass one (header, unreadable rows)
    try:
        if meta is None or taxonomy is None:
            raise InvalidData(problems)
        return _resolve(root, problems, meta, meta_doc, taxonomy, tax_file, place_recs, recs, bulk)
    except BaseException:
        if bulk is not None:
            bulk.close()
        raise


class _Known:
    """Ids of YAML records, and of CSV rows (fetched from the staged tables only when a YAML record
    refers to an id that no YAML record has)."""

    def __init__(self, ids: Any, bulk: Bulk | None, kind: str) -> None:
        self.ids = ids
        self.bulk = bulk
        self.kind = kind

    def __contains__(self, value: object) -> bool:
        if value in self.ids:
            return True
        return self.bulk is not None and value in self.bulk.ids(self.kind)


def _resolve(root: Path, problems: list[Problem], meta: m.DatasetMeta, meta_doc: Located | None,
             taxonomy: m.Taxonomy, tax_file: Path, place_recs: dict[str, list[Rec[Any]]],
             recs: dict[str, list[Rec[Any]]], bulk: Bulk | None) -> Dataset:
    """Pass two: duplicate ids and every reference between records (CSV rows set-wise in DuckDB); the
    :class:`Dataset` when nothing is wrong, else :class:`InvalidData` with every problem of both passes."""
    two = _PassTwo(problems, taxonomy, place_recs, recs, bulk)
    two.check_places()
    two.check_meta(meta, meta_doc)
    two.check_actors()
    if bulk is None:  # parent cycles (with CSV tables: checked on the whole graph by check_bulk)
        two.check_parent_cycles()
    two.check_relations()
    two.check_indicators()
    two.check_positions()
    two.check_synergies()
    two.check_recommendations()
    if bulk is not None:
        two.check_bulk(bulk)
    if problems:
        raise InvalidData(problems)
    return _dataset(root, meta, taxonomy, tax_file, place_recs, recs, bulk)


class _PassTwo:
    """The reference checks of pass two on the YAML records, one method per kind of record; every problem
    is appended to ``problems``, located at the record's field."""

    def __init__(self, problems: list[Problem], taxonomy: m.Taxonomy, place_recs: dict[str, list[Rec[Any]]],
                 recs: dict[str, list[Rec[Any]]], bulk: Bulk | None) -> None:
        self.problems = problems
        self.r = _Resolver(problems)
        self.place_recs, self.recs = place_recs, recs
        self.countries = {x.value.id for x in place_recs["countries"]}
        self.provinces = {x.value.id for x in place_recs["provinces"]}
        self.municipalities = {x.value.id for x in place_recs["municipalities"]}
        self.sites = {x.value.id for x in place_recs["sites"]}
        self.regions = {x.value.id for x in place_recs["regions"]}
        self.layers = {layer.id: {s.id for s in layer.sublayers} for layer in taxonomy.layers}
        self.domains = {d.id for d in taxonomy.domains}
        self.kinds = {k.id for k in taxonomy.actor_kinds}
        self.rtypes = {t.id for t in taxonomy.relation_types}
        self.blocs = {b.id for b in taxonomy.blocs}
        self.country_codes = {x.value.code: x.value.id for x in place_recs["countries"]}
        self.check_ids(bulk)

    def check_ids(self, bulk: Bulk | None) -> None:
        """Duplicate ids within each kind (places share one namespace, which actor ids may not enter) and
        duplicate positions (one per layer and bloc); keeps the id tables the references are checked against."""
        r, recs = self.r, self.recs
        self.sources = r.dup(recs["sources"], "source")
        self.places: dict[str, Rec[Any]] = {}
        for key in ("countries", "provinces", "municipalities", "regions", "sites"):
            r.dup(self.place_recs[key], "place", seen=self.places)
        self.yaml_actors = r.dup(recs["actors"], "actor")
        self.actors = _Known(self.yaml_actors, bulk, "actors")
        for a in recs["actors"]:
            if a.value.id in self.places:
                self.problems.append(a.problem("id", f"{a.value.id!r} is already a place id", "id"))
        self.relations = _Known(r.dup(recs["relations"], "relation"), bulk, "relations")
        r.dup(recs["indicators"], "indicator")
        r.dup(recs["synergies"], "synergy")
        r.dup(recs["recommendations"], "recommendation")
        pos_seen: dict[str, Rec[Any]] = {}
        for p in recs["positions"]:
            if p.value.id in pos_seen:
                self.problems.append(p.problem("bloc", f"duplicate position for layer {p.value.layer!r} and bloc "
                                                       f"{p.value.bloc!r}", "bloc"))
            pos_seen[p.value.id] = p
        self.subjects = _Known(set(self.places) | set(self.yaml_actors) | set(self.layers), bulk, "actors")

    def check_places(self) -> None:
        """Sources of every place; the country of provinces, municipalities; the members of regions (which
        need some); the municipality of sites."""
        r, pr = self.r, self.place_recs
        for x in pr["countries"]:
            r.sources(x, self.sources)
        for x in pr["provinces"]:
            r.sources(x, self.sources)
            r.ref(x, x.value.country, self.countries, "country", "country")
        for x in pr["municipalities"]:
            r.sources(x, self.sources)
            r.ref(x, x.value.province, self.provinces, "province", "province")
            r.ref(x, x.value.country, self.countries, "country", "country")
        for x in pr["regions"]:
            r.sources(x, self.sources)
            r.refs(x, x.value.municipalities, self.municipalities, "municipality", "municipalities")
            r.refs(x, x.value.countries, self.countries, "country", "countries")
            r.ref(x, x.value.around, self.municipalities | self.sites, "municipality or site", "around")
            if not (x.value.municipalities or x.value.countries or x.value.around):
                self.problems.append(x.problem("municipalities", "a region needs municipalities (or countries, "
                                                                 "or around and radius_km)"))
        for x in pr["sites"]:
            r.sources(x, self.sources)
            r.ref(x, x.value.municipality, self.municipalities, "municipality", "municipality")

    def check_meta(self, meta: m.DatasetMeta, meta_doc: Located | None) -> None:
        """The baseline is a place; the two compared places are regions, municipalities or provinces."""
        self.r.ref(Rec(meta, meta_doc, ()), meta.baseline, self.places, "place", "baseline")  # type: ignore[arg-type]
        for i, c in enumerate(meta.compare):
            self.r.ref(Rec(meta, meta_doc, ()), c, self.regions | self.municipalities | self.provinces,  # type: ignore[arg-type]
                       "region", "compare", i)

    def check_actors(self) -> None:
        """Sources, kind, head office (a municipality, site or country), sites, layers and sublayers,
        domains, parent and control country of each actor."""
        r = self.r
        for a in self.recs["actors"]:
            v: m.Actor = a.value
            r.sources(a, self.sources)
            r.ref(a, v.kind, self.kinds, "actor kind", "kind")
            r.ref(a, v.hq, self.places, "place", "hq")
            if v.hq is not None and v.hq in self.places and v.hq not in self.municipalities | self.countries | self.sites:
                self.problems.append(a.problem("hq", f"the head office must be a municipality, site or country, "
                                                     f"not {v.hq!r}", "hq"))
            for i, s in enumerate(v.sites):
                r.ref(a, s.place, self.places, "place", "sites", i, "place")
            self.check_layers(a)
            r.refs(a, v.domains, self.domains, "domain", "domains")
            r.ref(a, v.parent, self.actors, "actor", "parent")
            if v.control_country is not None and v.control_country not in self.country_codes:
                self.problems.append(a.problem("control_country",
                                               f"country {v.control_country!r} is not in places.yaml",
                                               "control_country"))

    def check_layers(self, a: Rec[Any]) -> None:
        """Each layer of actor ``a`` is in the taxonomy, and so is its sublayer (under that layer)."""
        for i, lay in enumerate(a.value.layers):
            if lay.layer not in self.layers:
                self.r.ref(a, lay.layer, self.layers, "layer", "layers", i, "layer")
            elif lay.sublayer is not None and lay.sublayer not in self.layers[lay.layer]:
                self.problems.append(a.problem(f"layers.{i}.sublayer",
                                               f"unknown sublayer {lay.sublayer!r} of layer {lay.layer!r}",
                                               "layers", i, "sublayer"))

    def check_parent_cycles(self) -> None:
        """No actor is its own ancestor (YAML-only datasets; each actor on a cycle is reported)."""
        parent = {a.value.id: a.value.parent for a in self.recs["actors"] if a.value.parent in self.actors}
        for a in self.recs["actors"]:
            seen_ids, cur = set(), a.value.id
            while cur in parent:
                if cur in seen_ids:
                    self.problems.append(a.problem("parent", "parent chain forms a cycle", "parent"))
                    break
                seen_ids.add(cur)
                cur = parent[cur]

    def check_relations(self) -> None:
        """Sources, type and both actors of each relation."""
        for x in self.recs["relations"]:
            v: m.Relation = x.value
            self.r.sources(x, self.sources)
            self.r.ref(x, v.type, self.rtypes, "relation type", "type")
            self.r.ref(x, v.from_, self.actors, "actor", "from")
            self.r.ref(x, v.to, self.actors, "actor", "to")

    def check_indicators(self) -> None:
        """Sources, subject (a place, actor or layer), baseline subject and layer of each indicator."""
        what = "subject (place, actor or layer)"
        for x in self.recs["indicators"]:
            v: m.Indicator = x.value
            self.r.sources(x, self.sources)
            self.r.ref(x, v.subject, self.subjects, what, "subject")
            if v.baseline is not None:
                self.r.ref(x, v.baseline.subject, self.subjects, what, "baseline", "subject")
            self.r.ref(x, v.layer, self.layers, "layer", "layer")

    def check_positions(self) -> None:
        """Sources, layer, bloc and actors of each position."""
        for x in self.recs["positions"]:
            v: m.Position = x.value
            self.r.sources(x, self.sources)
            self.r.ref(x, v.layer, self.layers, "layer", "layer")
            self.r.ref(x, v.bloc, self.blocs, "bloc", "bloc")
            self.r.refs(x, v.actors, self.actors, "actor", "actors")

    def check_synergies(self) -> None:
        """Sources and members (layers, domains, actors, places, relations) of each synergy."""
        for x in self.recs["synergies"]:
            v: m.Synergy = x.value
            self.r.sources(x, self.sources)
            self.r.refs(x, v.layers, self.layers, "layer", "layers")
            self.r.refs(x, v.domains, self.domains, "domain", "domains")
            self.r.refs(x, v.actors, self.actors, "actor", "actors")
            self.r.refs(x, v.places, self.places, "place", "places")
            self.r.refs(x, v.relations, self.relations, "relation", "relations")

    def check_recommendations(self) -> None:
        """Sources, synergies, places and actors of each recommendation."""
        synergies = {x.value.id for x in self.recs["synergies"]}
        for x in self.recs["recommendations"]:
            v: m.Recommendation = x.value
            self.r.sources(x, self.sources)
            self.r.refs(x, v.synergies, synergies, "synergy", "synergies")
            self.r.refs(x, v.places, self.places, "place", "places")
            self.r.refs(x, v.actors, self.actors, "actor", "actors")
            if v.track is not None:
                self.r.refs(x, v.track.relation_types, self.rtypes, "relation type", "track")

    def check_bulk(self, bulk: Bulk) -> None:
        """The CSV rows' pass two, set-wise in DuckDB, told what the YAML records and the taxonomy define;
        YAML actors on a parent cycle through CSV rows are reported here."""
        recs = self.recs
        place_types = {x.value.id: key for key, kind in (("country", "countries"), ("province", "provinces"),
                                                         ("municipality", "municipalities"), ("region", "regions"),
                                                         ("site", "sites")) for x in self.place_recs[kind]}

        def located(rs: list[Rec[Any]]) -> list[tuple[str, str]]:
            return [(str(x.value.id), f"{x.doc.path}:{x.doc.pos(x.loc)[0]}") for x in rs]

        ctx = BulkContext(layers=self.layers, domains=self.domains, kinds=self.kinds, relation_types=self.rtypes,
                          places=place_types, country_codes=set(self.country_codes), sources=set(self.sources),
                          yaml_actors=located(recs["actors"]), yaml_relations=located(recs["relations"]),
                          yaml_indicators=located(recs["indicators"]),
                          yaml_parents=[(a.value.id, a.value.parent) for a in recs["actors"] if a.value.parent])
        in_cycle = bulk.validate(ctx, self.problems)
        for a in recs["actors"]:
            if a.value.id in in_cycle:
                self.problems.append(a.problem("parent", "parent chain forms a cycle", "parent"))


def _dataset(root: Path, meta: m.DatasetMeta, taxonomy: m.Taxonomy, tax_file: Path,
             place_recs: dict[str, list[Rec[Any]]], recs: dict[str, list[Rec[Any]]], bulk: Bulk | None) -> Dataset:
    """The :class:`Dataset` of the checked records, with where each id is defined (``path:line``)."""

    def vals(rs: list[Rec[Any]]) -> list[Any]:
        return [x.value for x in rs]

    files: dict[str, str] = {}
    for group in (*place_recs.values(), *recs.values()):
        for x in group:
            ident = getattr(x.value, "id", None)
            if ident is not None:
                files.setdefault(str(ident), f"{x.doc.path}:{x.doc.pos(x.loc)[0]}")
    return Dataset(
        root=root, meta=meta, taxonomy=taxonomy, taxonomy_file=tax_file,
        countries=vals(place_recs["countries"]), provinces=vals(place_recs["provinces"]),
        municipalities=vals(place_recs["municipalities"]), regions=vals(place_recs["regions"]),
        sites=vals(place_recs["sites"]), sources=vals(recs["sources"]), actors=vals(recs["actors"]),
        relations=vals(recs["relations"]), indicators=vals(recs["indicators"]),
        positions=vals(recs["positions"]), synergies=vals(recs["synergies"]),
        recommendations=vals(recs["recommendations"]), files=files, hash=content_hash(root), bulk=bulk,
    )


def _extend(doc: Located, problems: list[Problem]) -> None:
    """``extends: NAME`` takes every top-level key the taxonomy does not set from a built-in taxonomy."""
    base_name = doc.data.pop("extends")
    base_file = builtin_taxonomy_path(str(base_name))
    if not base_file.is_file():
        problems.append(doc.problem((), "extends", f"unknown built-in taxonomy {base_name!r}"))
        return
    base, probs = load_yaml(base_file)
    problems.extend(probs)
    if base is None or not isinstance(base.data, dict):
        return
    for key, value in base.data.items():
        if key not in doc.data:
            doc.data[key] = value


def _check_taxonomy(t: m.Taxonomy, doc: Located, problems: list[Problem]) -> None:
    """Uniqueness inside the taxonomy and the helix groups of actor kinds."""

    def uniq(items: list[Any], key: str) -> None:
        counts = Counter(x.id for x in items)
        for i, x in enumerate(items):
            if counts[x.id] > 1:
                problems.append(doc.problem((key, i, "id"), f"{key}.{i}.id", f"duplicate id {x.id!r}"))

    uniq(t.layers, "layers")
    for i, layer in enumerate(t.layers):
        counts = Counter(s.id for s in layer.sublayers)
        for j, s in enumerate(layer.sublayers):
            if counts[s.id] > 1:
                problems.append(doc.problem(("layers", i, "sublayers", j, "id"), "sublayers",
                                            f"duplicate sublayer {s.id!r}"))
    for key in ("domains", "helix", "actor_kinds", "relation_types", "blocs"):
        uniq(getattr(t, key), key)
    helix = {h.id for h in t.helix}
    for i, kind in enumerate(t.actor_kinds):
        if helix and kind.helix not in helix:
            problems.append(doc.problem(("actor_kinds", i, "helix"), f"actor_kinds.{i}.helix",
                                        f"unknown helix group {kind.helix!r}"))
    for i, b in enumerate(t.blocs):
        for j, c in enumerate(b.countries):
            if c not in m.ISO_COUNTRIES:
                problems.append(doc.problem(("blocs", i, "countries", j), "blocs",
                                            f"{c!r} is not an ISO 3166-1 alpha-2 country code"))
    if t.crosswalk is not None:
        layer_ids = {x.id for x in t.layers}
        for k in t.crosswalk.map:
            if k not in layer_ids:
                problems.append(doc.problem(("crosswalk", "map", k), "crosswalk.map",
                                            f"unknown layer {k!r} of this taxonomy"))


def iter_citations(ds: Dataset) -> Iterator[tuple[str, str, m.SourceRef]]:
    """Every (subject_type, subject_id, source reference) in the dataset."""
    groups: list[tuple[str, list[Any]]] = [
        ("country", ds.countries), ("province", ds.provinces), ("municipality", ds.municipalities),
        ("region", ds.regions), ("site", ds.sites), ("actor", ds.actors), ("relation", ds.relations),
        ("indicator", ds.indicators), ("position", ds.positions), ("synergy", ds.synergies),
        ("recommendation", ds.recommendations),
    ]
    for kind, items in groups:
        for x in items:
            for s in x.sources:
                yield kind, x.id, s
