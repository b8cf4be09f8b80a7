"""Merge one dataset (an import) into another (a curated one) without losing or overwriting anything.

Actors of the source are matched to actors of the target by the same Wikidata id, LEI, KvK number or
website domain, or by a name (or alias) that is the same after removing case, accents and legal forms or
as similar as ``threshold`` (rapidfuzz token-set ratio, blocked as in :mod:`.dedupe`).

* A matched actor keeps every value of the target (**curated wins**); a value the target lacks is added,
  a different one is reported as a *conflict*; the source's name becomes an alias, lists (aliases,
  layers, domains, tags) gain what is new, and the source's citations are added to the target's (**both
  sources kept**).
* An unmatched actor is *added* (to ``actors/merged-SRC.yaml``, or ``.csv`` for large sources), under its
  own id or, when that id is taken by another organisation, ``ID-SRC``.
* Relations follow their actors; one the target already has (same type, ends and date) is *corroborated*
  (sources added, conflicts reported), otherwise added. Indicators likewise, by id.
* The sources the added facts cite come along (``sources/merged-SRC.yaml``), and so do the countries the
  source added to its places. Place ids the target does not have make an actor *skipped*.

Every change is listed in the returned :class:`MergeReport` and in ``DIR/merge-report.csv``. The target is
validated after writing; if it does not validate, every file is put back as it was. Merging again adds
nothing (idempotent).
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dataset.loader import load_dataset
from ..dataset.yamlio import load_yaml
from ..errors import InvalidData
from ..present.output import to_csv
from .dedupe import candidates, merge_into
from .normalise import slugify
from .places import read_places
from .records import RecordFile, dump_yaml, read_kind, write_atomic, write_records
from .target import read_sources

__all__ = ["MergeReport", "MergeRow", "merge_datasets"]

_FIELDS = ("name", "kind", "hq", "control_country", "parent", "founded", "website", "wikidata")


@dataclass
class MergeRow:
    what: str    # added | corroborated | conflict | skipped
    kind: str    # actor | relation | indicator | source | place
    ident: str
    field: str = ""
    detail: str = ""


@dataclass
class MergeReport:
    src: Path
    into: Path
    rows: list[MergeRow] = field(default_factory=list)
    report_path: Path | None = None
    dry_run: bool = False

    def add(self, what: str, kind: str, ident: str, fieldname: str = "", detail: str = "") -> None:
        self.rows.append(MergeRow(what, kind, ident, fieldname, detail))

    def count(self, what: str, kind: str | None = None) -> int:
        return sum(1 for r in self.rows if r.what == what and (kind is None or r.kind == kind))

    def title(self) -> str:
        parts = [f"{self.count(w)} {w}" for w in ("added", "corroborated", "conflict", "skipped")]
        return f"merge {self.src} into {self.into}: " + ", ".join(parts) + (" (dry run)" if self.dry_run else "")


def _dataset_id(root: Path) -> str:
    doc, _ = load_yaml(root / "dataset.yaml")
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    return slugify(str(data.get("id") or root.name)) or "src"


def _yaml_list(root: Path, name: str) -> list[tuple[Path, list[dict[str, Any]]]]:
    files = [root / f"{name}.yaml"] if (root / f"{name}.yaml").is_file() else []
    if (root / name).is_dir():
        files += sorted((root / name).glob("*.yaml"))
    out = []
    for f in files:
        doc, _ = load_yaml(f)
        data = doc.data if doc is not None else None
        out.append((f, [x for x in data if isinstance(x, dict)] if isinstance(data, list) else []))
    return out


def _show(v: Any) -> str:
    return v if isinstance(v, str) else repr(v)
def _places_of(rec: dict[str, Any]) -> list[Any]:
    """The head office and site places of an actor record (None when it has no head office)."""
    return [rec.get("hq"), *[x["place"] if isinstance(x, dict) else x for x in rec.get("sites") or []]]


class _Backup:
    """Copies of the target's files a merge overwrites (in a hidden folder of the target), to put back."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = Path(tempfile.mkdtemp(prefix=".merge-", dir=root))
        self.touched: list[Path] = []

    def save(self, path: Path) -> None:
        """Keep a copy of ``path`` (if it exists and was not saved yet) before it is written."""
        if path.exists() and path not in self.touched:
            dest = self.dir / path.relative_to(self.root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
        self.touched.append(path)

    def restore(self) -> None:
        """Put every written file back as it was; remove the ones that did not exist."""
        for path in self.touched:
            saved = self.dir / path.relative_to(self.root)
            if saved.is_file():
                shutil.copy2(saved, path)
            else:
                path.unlink(missing_ok=True)

    def remove(self) -> None:
        """Delete the copies."""
        shutil.rmtree(self.dir, ignore_errors=True)


class _Merge:
    """One merge of ``src`` into ``into``: the steps of :func:`merge_datasets` and the state they share."""

    def __init__(self, src: Path, into: Path, *, dry_run: bool) -> None:
        self.src, self.into = src, into
        self.rep = MergeReport(src, into, dry_run=dry_run)
        self.tag = _dataset_id(src)
        self.s_actors = [r for f in read_kind(src, "actors") for r in f.records]
        self.d_actor_files = read_kind(into, "actors")
        self.d_actors = [r for f in self.d_actor_files for r in f.records]
        self.d_where = {r["id"]: (f, i) for f in self.d_actor_files for i, r in enumerate(f.records)}
        self.target_places = {x["id"] for g in read_places(into).values() for x in g}
        # countries of the source the target lacks may come along (only those the merged facts need)
        target_codes = {x["code"] for x in read_places(into)["countries"]}
        self.spare = {c["id"]: c for c in read_places(src)["countries"]
                      if c["id"] not in self.target_places and c["code"] not in target_codes}
        self.target_places |= set(self.spare)
        self.used = {r["id"] for r in self.d_actors} | self.target_places   # ids an added actor cannot take
        self.id_map: dict[str, str] = {}          # source actor id -> target actor id
        self.cited: set[str] = set()              # sources the added facts cite
        self.changed: set[Path] = set()           # target files with changed records
        self.new_actors: list[dict[str, Any]] = []
        self.added_countries: list[dict[str, Any]] = []
        self.d_rel_files: list[RecordFile] = []
        self.d_rel_key: dict[tuple[Any, ...], tuple[RecordFile, int]] = {}
        self.rel_ids: set[str] = set()
        self.new_rels: list[dict[str, Any]] = []
        self.new_inds: list[dict[str, Any]] = []
        self.new_srcs: list[dict[str, Any]] = []

    # ---- actors -------------------------------------------------------------------------------------------

    def matches(self, threshold: float) -> dict[int, tuple[float, int, list[str]]]:
        """For each matched source actor (by index): the best-scoring target actor, its score and evidence."""
        best: dict[int, tuple[float, int, list[str]]] = {}
        for i, j, score, evidence in candidates(self.s_actors, self.d_actors, threshold=threshold):
            if i not in best or score > best[i][0]:
                best[i] = (score, j, evidence)
        return best

    def actors(self, best: dict[int, tuple[float, int, list[str]]]) -> None:
        """Merge each matched source actor into its target actor, add the others."""
        for i, s in enumerate(self.s_actors):
            if i in best:
                _, j, evidence = best[i]
                self.merge_actor(s, j, evidence)
            else:
                self.add_actor(s)

    def merge_actor(self, s: dict[str, Any], j: int, evidence: list[str]) -> None:
        """Add what the source actor ``s`` knows to target actor ``j`` (curated wins; conflicts reported)."""
        d = self.d_actors[j]
        self.id_map[s["id"]] = d["id"]
        before = copy.deepcopy(d)
        merged = merge_into(d, s)
        self.actor_conflicts(s, d)
        merged["parent"] = d.get("parent")  # parents are linked below, by mapped id
        if merged["parent"] is None:
            del merged["parent"]
        merged["aliases"] = [a for a in merged.get("aliases") or [] if a != s["id"]]  # an id is not a name
        if not merged["aliases"]:
            del merged["aliases"]
        if merged != before:
            for k in merged:
                if merged.get(k) != before.get(k) and k != "sources":
                    self.rep.add("added", "actor", d["id"], k, f"from {s['id']}")
            self.cited |= {x["source"] for x in s.get("sources") or []}
            f, pos = self.d_where[d["id"]]
            f.records[pos] = merged
            self.d_actors[j] = merged
            self.changed.add(f.path)
        self.rep.add("corroborated", "actor", d["id"], "", f"same as {s['id']} ({'; '.join(evidence)})")

    def actor_conflicts(self, s: dict[str, Any], d: dict[str, Any]) -> None:
        """Report the fields where source actor ``s`` says something else than target actor ``d``."""
        for k in _FIELDS:
            if k in ("name", "parent"):
                continue
            if s.get(k) not in (None, "") and d.get(k) not in (None, "") and s[k] != d[k]:
                if k == "website" and s[k].rstrip("/").lower() == d[k].rstrip("/").lower():
                    continue
                self.rep.add("conflict", "actor", d["id"], k, f"kept {_show(d[k])}; {s['id']} in {self.tag} says "
                                                             f"{_show(s[k])}")
        if s.get("parent") and s["parent"] in self.id_map and d.get("parent") not in (None, self.id_map[s["parent"]]):
            self.rep.add("conflict", "actor", d["id"], "parent",
                         f"kept {d['parent']}; {self.tag} says {self.id_map[s['parent']]}")

    def add_actor(self, s: dict[str, Any]) -> None:
        """Add the unmatched source actor ``s`` under a free id, unless one of its places is not the target's."""
        rec = copy.deepcopy(s)
        missing = [p for p in _places_of(rec) if p and p not in self.target_places]
        if missing:
            self.rep.add("skipped", "actor", s["id"], "hq", f"place {missing[0]!r} is not in the target's places")
            return
        ident = self.free_id(s["id"])
        self.id_map[s["id"]] = ident
        rec["id"] = ident
        self.new_actors.append(rec)
        self.cited |= {x["source"] for x in rec.get("sources") or []}
        self.rep.add("added", "actor", ident, "", f"from {s['id']}" if ident != s["id"] else "")

    def free_id(self, sid: str) -> str:
        """``sid`` if free, else ``sid-TAG``, ``sid-TAG-2``, ... (at most 120 characters); marked used."""
        ident = sid
        if ident in self.used:
            ident = f"{ident}-{self.tag}"[:120]
            n = 2
            while ident in self.used:
                ident = f"{sid}-{self.tag}-{n}"[:120]
                n += 1
        self.used.add(ident)
        return ident

    def parents(self) -> None:
        """Point the parents of added actors at the mapped ids (dropping unmerged ones), and give matched
        target actors without a parent the source's."""
        for rec in self.new_actors:
            if rec.get("parent"):
                if rec["parent"] in self.id_map:
                    rec["parent"] = self.id_map[rec["parent"]]
                else:
                    self.rep.add("skipped", "actor", rec["id"], "parent", f"parent {rec['parent']!r} was not merged")
                    del rec["parent"]
        for s in self.s_actors:  # parents of matched actors the target lacks
            d_id = self.id_map.get(s["id"])
            if d_id and d_id in self.d_where and s.get("parent") in self.id_map:
                f, pos = self.d_where[d_id]
                d = f.records[pos]
                if not d.get("parent") and self.id_map[s["parent"]] != d_id:
                    d["parent"] = self.id_map[s["parent"]]
                    self.changed.add(f.path)
                    self.rep.add("added", "actor", d_id, "parent", f"from {s['id']}")

    def countries(self) -> None:
        """The spare countries that added or merged actors need (as head office, site or control country)."""
        need: set[str] = set()
        for rec in [*self.new_actors, *self.d_actors]:
            need |= {p for p in _places_of(rec) if p in self.spare}
            need |= {c["id"] for c in self.spare.values() if c["code"] == rec.get("control_country")}
        self.added_countries = [self.spare[c] for c in sorted(need)]
        for c in self.added_countries:
            self.rep.add("added", "place", c["id"], "", f"country {c['code']}")

    # ---- relations, indicators, sources -------------------------------------------------------------------

    def relations(self) -> None:
        """Corroborate or add each relation of the source whose actors were merged."""
        self.d_rel_files = read_kind(self.into, "relations")
        self.d_rel_key = {(r.get("type"), r.get("from"), r.get("to"), str(r.get("date") or "")): (f, i)
                          for f in self.d_rel_files for i, r in enumerate(f.records)}
        self.rel_ids = {r["id"] for f in self.d_rel_files for r in f.records}
        for f in read_kind(self.src, "relations"):
            for r in f.records:
                self.relation(r)

    def relation(self, r: dict[str, Any]) -> None:
        """Skip relation ``r`` if an end was not merged, corroborate the target's same relation (type, mapped
        ends, date), or add it (as ``ID-TAG`` when its id is taken)."""
        a, b = self.id_map.get(r["from"]), self.id_map.get(r["to"])
        if a is None or b is None or a == b:
            why = "its actors are the same after merging" if a == b and a else \
                f"actor {r['from'] if a is None else r['to']!r} was not merged"
            self.rep.add("skipped", "relation", r["id"], "", why)
            return
        key = (r.get("type"), a, b, str(r.get("date") or ""))
        if key in self.d_rel_key:
            self.corroborate(r, *self.d_rel_key[key])
            return
        rec = {**copy.deepcopy(r), "from": a, "to": b}
        ident = rec["id"]
        if ident in self.rel_ids:
            ident = f"{ident}-{self.tag}"[:120]
        self.rel_ids.add(ident)
        rec["id"] = ident
        self.d_rel_key[key] = (RecordFile(Path(), "relations", "yaml", [rec]), 0)
        self.new_rels.append(rec)
        self.cited |= {x["source"] for x in rec.get("sources") or []}
        self.rep.add("added", "relation", ident)

    def corroborate(self, r: dict[str, Any], df: RecordFile, pos: int) -> None:
        """Add to relation ``pos`` of ``df`` the values it lacks and the sources of ``r``; report conflicts."""
        d = df.records[pos]
        upd = copy.deepcopy(d)
        for k in ("status", "amount", "stake_pct", "stake_min", "stake_max", "role"):
            if r.get(k) is not None and d.get(k) is not None and r[k] != d[k]:
                self.rep.add("conflict", "relation", d["id"], k, f"kept {_show(d[k])}; {self.tag} says {_show(r[k])}")
            elif r.get(k) is not None and d.get(k) is None:
                upd[k] = copy.deepcopy(r[k])
                self.rep.add("added", "relation", d["id"], k, f"from {r['id']}")
        upd["sources"] = [*d.get("sources", []), *[x for x in r.get("sources", []) if x not in d.get("sources", [])]]
        if upd != d:
            self.cited |= {x["source"] for x in r.get("sources") or []}
            df.records[pos] = upd
            self.changed.add(df.path)
        self.rep.add("corroborated", "relation", d["id"], "", f"same as {r['id']}")

    def indicators(self) -> None:
        """Add the source's indicators (YAML) the target lacks, by id; a different value is a conflict."""
        d_ind = {x["id"]: x for _, recs in _yaml_list(self.into, "indicators") for x in recs}
        s_ids = {a["id"] for a in self.s_actors}
        for _, recs in _yaml_list(self.src, "indicators"):
            for x in recs:
                subj = self.id_map.get(str(x.get("subject")), x.get("subject"))
                if x.get("subject") in s_ids and x["subject"] not in self.id_map:
                    self.rep.add("skipped", "indicator", x["id"], "", "its actor was not merged")
                    continue
                if x["id"] in d_ind:
                    if d_ind[x["id"]].get("value") != x.get("value"):
                        self.rep.add("conflict", "indicator", x["id"], "value",
                                     f"kept {d_ind[x['id']].get('value')}; {self.tag} says {x.get('value')}")
                    continue
                self.new_inds.append({**copy.deepcopy(x), "subject": subj})
                self.cited |= {s["source"] for s in x.get("sources") or []}
                self.rep.add("added", "indicator", x["id"])

    def sources(self) -> None:
        """The source records the added facts and countries cite, unless the target has them (a different
        record of the same id is a conflict)."""
        d_src = {s["id"]: s for s in read_sources(self.into)}
        s_src = {s["id"]: s for s in read_sources(self.src)}
        for c in self.added_countries:
            self.cited |= {s["source"] for s in c.get("sources") or []}
        for sid in sorted(self.cited):
            if sid in d_src:
                if s_src.get(sid) and {k: v for k, v in s_src[sid].items() if k != "date"} != \
                        {k: v for k, v in d_src[sid].items() if k != "date"}:
                    self.rep.add("conflict", "source", sid, "", "the target's source record is kept")
                continue
            if sid in s_src:
                self.new_srcs.append(s_src[sid])
                self.rep.add("added", "source", sid)

    # ---- writing --------------------------------------------------------------------------------------------

    def write(self) -> None:
        """Write every change and the report, validate the target, and put everything back if it fails."""
        backup = _Backup(self.into)
        try:
            self.write_changed(backup)
            self.write_added(backup)
            self.write_countries(backup)
            self.write_report()
            try:
                load_dataset(self.into).close()
            except InvalidData:
                backup.restore()
                raise
        finally:
            backup.remove()

    def write_changed(self, backup: _Backup) -> None:
        """Rewrite the target's actor and relation files whose records changed."""
        for f in [*self.d_actor_files, *self.d_rel_files]:
            if f.path in self.changed:
                backup.save(f.path)
                write_records(f)

    def write_added(self, backup: _Backup) -> None:
        """Append the added records to ``KIND/merged-TAG.*`` (actors and relations as CSV for more than 2000
        added actors, else YAML; indicators and sources YAML)."""
        big = len(self.new_actors) > 2000
        header = f"# Added by `stackatlas merge {self.src.name}`.\n"
        for kind, recs in (("actors", self.new_actors), ("relations", self.new_rels)):
            if not recs:
                continue
            path = self.into / kind / f"merged-{self.tag}.{'csv' if big else 'yaml'}"
            backup.save(path)
            prev = next((f for f in read_kind(self.into, kind) if f.path == path), None)
            write_records(RecordFile(path, kind, "csv" if big else "yaml", [*(prev.records if prev else []), *recs],
                                     header=prev.header if prev else header))
        for name, recs in (("indicators", self.new_inds), ("sources", self.new_srcs)):
            if recs:
                path = self.into / name / f"merged-{self.tag}.yaml"
                backup.save(path)
                prev_recs = [x for f, xs in _yaml_list(self.into, name) if f == path for x in xs]
                write_atomic(path, header + dump_yaml([*prev_recs, *recs]))

    def write_countries(self, backup: _Backup) -> None:
        """Append the countries that came along to ``places/merged-TAG.yaml``."""
        if not self.added_countries:
            return
        path = self.into / "places" / f"merged-{self.tag}.yaml"
        backup.save(path)
        prev_c: list[dict[str, Any]] = []
        if path.is_file():
            doc, _ = load_yaml(path)
            prev_c = (doc.data or {}).get("countries", []) if doc is not None else []
        write_atomic(path, f"# Added by `stackatlas merge {self.src.name}`.\n"
                     + dump_yaml({"countries": [*prev_c, *self.added_countries]}))

    def write_report(self) -> None:
        """Write the report rows to ``merge-report.csv`` in the target."""
        rows = [{"what": r.what, "kind": r.kind, "id": r.ident, "field": r.field, "detail": r.detail}
                for r in self.rep.rows]
        self.rep.report_path = self.into / "merge-report.csv"
        write_atomic(self.rep.report_path, to_csv(rows, ["what", "kind", "id", "field", "detail"]))


def merge_datasets(src: Path, into: Path, *, threshold: float = 95.0, dry_run: bool = False) -> MergeReport:
    """Add the dataset ``src`` to the dataset ``into`` (see the module's description)."""
    src, into = Path(src).resolve(), Path(into).resolve()
    load_dataset(src).close()   # both must be valid to start with
    load_dataset(into).close()
    merge = _Merge(src, into, dry_run=dry_run)
    merge.actors(merge.matches(threshold))
    merge.parents()
    merge.countries()
    merge.relations()
    merge.indicators()
    merge.sources()
    if not dry_run:
        merge.write()
    return merge.rep
