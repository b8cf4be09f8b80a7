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


def merge_datasets(src: Path, into: Path, *, threshold: float = 95.0, dry_run: bool = False) -> MergeReport:
    """Add the dataset ``src`` to the dataset ``into`` (see the module's description)."""
    src, into = Path(src).resolve(), Path(into).resolve()
    load_dataset(src).close()   # both must be valid to start with
    load_dataset(into).close()
    rep = MergeReport(src, into, dry_run=dry_run)
    tag = _dataset_id(src)
    s_actor_files = read_kind(src, "actors")
    d_actor_files = read_kind(into, "actors")
    s_actors = [r for f in s_actor_files for r in f.records]
    d_actors = [r for f in d_actor_files for r in f.records]
    d_where = {r["id"]: (f, i) for f in d_actor_files for i, r in enumerate(f.records)}
    target_places = {x["id"] for g in read_places(into).values() for x in g}
    src_places = read_places(src)

    # countries of the source the target lacks may come along (only those the merged facts need)
    target_codes = {x["code"] for x in read_places(into)["countries"]}
    spare = {c["id"]: c for c in src_places["countries"] if c["id"] not in target_places and c["code"] not in target_codes}
    target_places |= set(spare)

    # match actors: the best-scoring target for each source actor
    best: dict[int, tuple[float, int, list[str]]] = {}
    for i, j, score, evidence in candidates(s_actors, d_actors, threshold=threshold):
        if i not in best or score > best[i][0]:
            best[i] = (score, j, evidence)
    id_map: dict[str, str] = {}
    used = {r["id"] for r in d_actors} | target_places
    new_actors: list[dict[str, Any]] = []
    cited: set[str] = set()
    changed: set[Path] = set()
    for i, s in enumerate(s_actors):
        if i in best:
            _, j, evidence = best[i]
            d = d_actors[j]
            id_map[s["id"]] = d["id"]
            before = copy.deepcopy(d)
            merged = merge_into(d, s)
            for k in _FIELDS:
                if k in ("name", "parent"):
                    continue
                if s.get(k) not in (None, "") and d.get(k) not in (None, "") and s[k] != d[k]:
                    if k == "website" and s[k].rstrip("/").lower() == d[k].rstrip("/").lower():
                        continue
                    rep.add("conflict", "actor", d["id"], k, f"kept {_show(d[k])}; {s['id']} in {tag} says "
                                                          f"{_show(s[k])}")
            if s.get("parent") and s["parent"] in id_map and d.get("parent") not in (None, id_map[s["parent"]]):
                rep.add("conflict", "actor", d["id"], "parent", f"kept {d['parent']}; {tag} says {id_map[s['parent']]}")
            merged["parent"] = d.get("parent")  # parents are linked below, by mapped id
            if merged["parent"] is None:
                del merged["parent"]
            merged["aliases"] = [a for a in merged.get("aliases") or [] if a != s["id"]]  # an id is not a name
            if not merged["aliases"]:
                del merged["aliases"]
            if merged != before:
                for k in merged:
                    if merged.get(k) != before.get(k) and k != "sources":
                        rep.add("added", "actor", d["id"], k, f"from {s['id']}")
                cited |= {x["source"] for x in s.get("sources") or []}
                f, pos = d_where[d["id"]]
                f.records[pos] = merged
                d_actors[j] = merged
                changed.add(f.path)
            rep.add("corroborated", "actor", d["id"], "", f"same as {s['id']} ({'; '.join(evidence)})")
            continue
        rec = copy.deepcopy(s)
        missing = [p for p in [rec.get("hq"), *[x["place"] if isinstance(x, dict) else x
                                                   for x in rec.get("sites") or []]] if p and p not in target_places]
        if missing:
            rep.add("skipped", "actor", s["id"], "hq", f"place {missing[0]!r} is not in the target's places")
            continue
        ident = s["id"]
        if ident in used:
            ident = f"{ident}-{tag}"[:120]
            n = 2
            while ident in used:
                ident = f"{s['id']}-{tag}-{n}"[:120]
                n += 1
        used.add(ident)
        id_map[s["id"]] = ident
        rec["id"] = ident
        new_actors.append(rec)
        cited |= {x["source"] for x in rec.get("sources") or []}
        rep.add("added", "actor", ident, "", f"from {s['id']}" if ident != s["id"] else "")
    for rec in new_actors:
        if rec.get("parent"):
            if rec["parent"] in id_map:
                rec["parent"] = id_map[rec["parent"]]
            else:
                rep.add("skipped", "actor", rec["id"], "parent", f"parent {rec['parent']!r} was not merged")
                del rec["parent"]
    for s in s_actors:  # parents of matched actors the target lacks
        d_id = id_map.get(s["id"])
        if d_id and d_id in d_where and s.get("parent") in id_map:
            f, pos = d_where[d_id]
            d = f.records[pos]
            if not d.get("parent") and id_map[s["parent"]] != d_id:
                d["parent"] = id_map[s["parent"]]
                changed.add(f.path)
                rep.add("added", "actor", d_id, "parent", f"from {s['id']}")

    # the spare countries that added or merged actors need (as head office, site or control country)
    need: set[str] = set()
    for rec in [*new_actors, *d_actors]:
        need |= {p for p in [rec.get("hq"), *[x["place"] if isinstance(x, dict) else x for x in rec.get("sites") or []]]
                 if p in spare}
        need |= {c["id"] for c in spare.values() if c["code"] == rec.get("control_country")}
    added_countries = [spare[c] for c in sorted(need)]
    for c in added_countries:
        rep.add("added", "place", c["id"], "", f"country {c['code']}")

    # relations
    d_rel_files = read_kind(into, "relations")
    d_rel_key = {(r.get("type"), r.get("from"), r.get("to"), str(r.get("date") or "")): (f, i)
                 for f in d_rel_files for i, r in enumerate(f.records)}
    rel_ids = {r["id"] for f in d_rel_files for r in f.records}
    new_rels: list[dict[str, Any]] = []
    for f in read_kind(src, "relations"):
        for r in f.records:
            a, b = id_map.get(r["from"]), id_map.get(r["to"])
            if a is None or b is None or a == b:
                why = "its actors are the same after merging" if a == b and a else \
                    f"actor {r['from'] if a is None else r['to']!r} was not merged"
                rep.add("skipped", "relation", r["id"], "", why)
                continue
            key = (r.get("type"), a, b, str(r.get("date") or ""))
            if key in d_rel_key:
                df, pos = d_rel_key[key]
                d = df.records[pos]
                upd = copy.deepcopy(d)
                for k in ("status", "amount", "stake_pct", "stake_min", "stake_max", "role"):
                    if r.get(k) is not None and d.get(k) is not None and r[k] != d[k]:
                        rep.add("conflict", "relation", d["id"], k, f"kept {_show(d[k])}; {tag} says {_show(r[k])}")
                    elif r.get(k) is not None and d.get(k) is None:
                        upd[k] = copy.deepcopy(r[k])
                        rep.add("added", "relation", d["id"], k, f"from {r['id']}")
                upd["sources"] = [*d.get("sources", []), *[x for x in r.get("sources", []) if x not in d.get("sources", [])]]
                if upd != d:
                    cited |= {x["source"] for x in r.get("sources") or []}
                    df.records[pos] = upd
                    changed.add(df.path)
                rep.add("corroborated", "relation", d["id"], "", f"same as {r['id']}")
                continue
            rec = {**copy.deepcopy(r), "from": a, "to": b}
            ident = rec["id"]
            if ident in rel_ids:
                ident = f"{ident}-{tag}"[:120]
            rel_ids.add(ident)
            rec["id"] = ident
            d_rel_key[key] = (RecordFile(Path(), "relations", "yaml", [rec]), 0)
            new_rels.append(rec)
            cited |= {x["source"] for x in rec.get("sources") or []}
            rep.add("added", "relation", ident)

    # indicators (YAML)
    d_ind = {x["id"]: x for _, recs in _yaml_list(into, "indicators") for x in recs}
    new_inds: list[dict[str, Any]] = []
    for _, recs in _yaml_list(src, "indicators"):
        for x in recs:
            subj = id_map.get(str(x.get("subject")), x.get("subject"))
            if x.get("subject") in {a["id"] for a in s_actors} and x["subject"] not in id_map:
                rep.add("skipped", "indicator", x["id"], "", "its actor was not merged")
                continue
            if x["id"] in d_ind:
                if d_ind[x["id"]].get("value") != x.get("value"):
                    rep.add("conflict", "indicator", x["id"], "value", f"kept {d_ind[x['id']].get('value')}; {tag} says "
                                                                      f"{x.get('value')}")
                continue
            new_inds.append({**copy.deepcopy(x), "subject": subj})
            cited |= {s["source"] for s in x.get("sources") or []}
            rep.add("added", "indicator", x["id"])

    # sources the added facts cite
    d_src = {s["id"]: s for s in read_sources(into)}
    s_src = {s["id"]: s for s in read_sources(src)}
    for c in added_countries:
        cited |= {s["source"] for s in c.get("sources") or []}
    new_srcs = []
    for sid in sorted(cited):
        if sid in d_src:
            if s_src.get(sid) and {k: v for k, v in s_src[sid].items() if k != "date"} != \
                    {k: v for k, v in d_src[sid].items() if k != "date"}:
                rep.add("conflict", "source", sid, "", "the target's source record is kept")
            continue
        if sid in s_src:
            new_srcs.append(s_src[sid])
            rep.add("added", "source", sid)

    if dry_run:
        return rep

    # write, validate, or put everything back
    backup = Path(tempfile.mkdtemp(prefix=".merge-", dir=into))
    touched: list[Path] = []

    def save(path: Path) -> None:
        if path.exists() and path not in touched:
            dest = backup / path.relative_to(into)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
        touched.append(path)

    try:
        for f in [*d_actor_files, *d_rel_files]:
            if f.path in changed:
                save(f.path)
                write_records(f)
        big = len(new_actors) > 2000
        for kind, recs in (("actors", new_actors), ("relations", new_rels)):
            if not recs:
                continue
            path = into / kind / f"merged-{tag}.{'csv' if big else 'yaml'}"
            save(path)
            existing = read_kind(into, kind)
            prev = next((f for f in existing if f.path == path), None)
            out = RecordFile(path, kind, "csv" if big else "yaml",
                             [*(prev.records if prev else []), *recs],
                             header=prev.header if prev else f"# Added by `stackatlas merge {src.name}`.\n")
            write_records(out)
        for name, recs in (("indicators", new_inds), ("sources", new_srcs)):
            if recs:
                path = into / name / f"merged-{tag}.yaml"
                save(path)
                prev_recs = [x for f, xs in _yaml_list(into, name) if f == path for x in xs]
                write_atomic(path, f"# Added by `stackatlas merge {src.name}`.\n" + dump_yaml([*prev_recs, *recs]))
        if added_countries:
            path = into / "places" / f"merged-{tag}.yaml"
            save(path)
            prev_c: list[dict[str, Any]] = []
            if path.is_file():
                doc, _ = load_yaml(path)
                prev_c = (doc.data or {}).get("countries", []) if doc is not None else []
            write_atomic(path, f"# Added by `stackatlas merge {src.name}`.\n"
                         + dump_yaml({"countries": [*prev_c, *added_countries]}))
        rows = [{"what": r.what, "kind": r.kind, "id": r.ident, "field": r.field, "detail": r.detail}
                for r in rep.rows]
        rep.report_path = into / "merge-report.csv"
        write_atomic(rep.report_path, to_csv(rows, ["what", "kind", "id", "field", "detail"]))
        try:
            load_dataset(into).close()
        except InvalidData:
            for path in touched:
                saved = backup / path.relative_to(into)
                if saved.is_file():
                    shutil.copy2(saved, path)
                else:
                    path.unlink(missing_ok=True)
            raise
    finally:
        shutil.rmtree(backup, ignore_errors=True)
    return rep
