"""Entity resolution: find actors that are the same organisation, record judgements, merge reversibly.

:func:`propose` compares actors by strong keys (the same Wikidata id, LEI, KvK number or website domain)
and by name: names lose case, accents, punctuation and legal forms (:func:`~.normalise.name_key`) and are
compared with rapidfuzz's ``token_set_ratio`` inside *blocks* (actors sharing a name key, a rare name token
or the first letters of their name), so the work grows with the block sizes, not with all pairs.

Pairs go to ``judgements.yaml`` in the dataset folder, a file meant for review::

    pairs:
      - {a: asml, b: cb-asml, decision: same, score: 100.0, evidence: [same website domain asml.com],
         reason: "same company", date: "2026-01-15"}
    merged: [...]   # written by --apply: what --undo needs

A new pair starts as ``unsure``; a judgement once written is kept when proposals are made again.
:func:`apply` merges every pair judged ``same`` (``a`` is kept, ``b`` merged into it: its id and name
become aliases of ``a``, its missing fields, layers, domains, tags and sources are added, relations and
parents pointing to ``b`` point to ``a``) and records each merge under ``merged`` with everything needed
for :func:`undo` to restore ``b`` and the relations exactly.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from ..dataset.yamlio import load_yaml
from ..errors import StackAtlasError
from .normalise import domain_of, name_key
from .records import RecordFile, dump_yaml, read_kind, write_atomic, write_records
from .target import import_date

__all__ = ["JUDGEMENTS", "METHODS", "Pair", "Proposals", "apply", "candidates", "propose", "splink_candidates",
           "undo"]

#: How candidate pairs are found: Splink's Fellegi–Sunter model (default) or rapidfuzz name similarity.
METHODS = ("splink", "rapidfuzz")

JUDGEMENTS = "judgements.yaml"
DECISIONS = ("same", "not-same", "unsure")
#: Hosts many organisations share: a website there says nothing about identity.
SHARED_HOSTS = frozenset({"linkedin.com", "facebook.com", "twitter.com", "x.com", "instagram.com", "github.com",
                          "youtube.com", "sites.google.com", "google.com", "wikipedia.org", "en.wikipedia.org",
                          "nl.wikipedia.org", "medium.com", "wordpress.com", "blogspot.com", "crunchbase.com",
                          "dealroom.co", "kvk.nl", "example.com", "example"})
MAX_BLOCK = 200


@dataclass
class Pair:
    a: str
    b: str
    score: float
    evidence: list[str]
    decision: str = "unsure"
    reason: str = ""
    date: str = ""

    def key(self) -> tuple[str, str]:
        return (self.a, self.b) if self.a < self.b else (self.b, self.a)


@dataclass
class Proposals:
    pairs: list[Pair]
    new: int
    path: Path


def _keys(rec: dict[str, Any]) -> list[tuple[str, str]]:
    """Strong identity keys: (kind, value)."""
    out = []
    if rec.get("wikidata"):
        out.append(("wikidata id", str(rec["wikidata"])))
    for tag in rec.get("tags") or []:
        if tag.startswith("lei-"):
            out.append(("LEI", tag[4:].upper()))
        elif tag.startswith("kvk-"):
            out.append(("KvK number", tag[4:]))
    dom = domain_of(rec.get("website"))
    if dom and dom not in SHARED_HOSTS and not dom.endswith(".example"):
        out.append(("website domain", dom))
    return out


def _names(rec: dict[str, Any]) -> list[str]:
    keys = [name_key(str(rec.get("name") or ""))]
    keys += [name_key(str(a)) for a in rec.get("aliases") or []]
    return [k for k in dict.fromkeys(keys) if k]


def candidates(left: list[dict[str, Any]], right: list[dict[str, Any]] | None = None, *,
               threshold: float = 90.0) -> list[tuple[int, int, float, list[str]]]:
    """Pairs (i, j, score, evidence) of records that may be the same organisation.

    With ``right``, pairs join ``left[i]`` to ``right[j]``; without it, pairs are within ``left`` (i < j).
    """
    two = right is not None
    recs = left + (right or [])
    n_left = len(left)

    def ok(i: int, j: int) -> bool:
        if i == j:
            return False
        return (i < n_left) != (j < n_left) if two else True

    found: dict[tuple[int, int], tuple[float, list[str]]] = {}

    def add(i: int, j: int, score: float, why: str) -> None:
        if not ok(i, j):
            return
        key = (min(i, j), max(i, j))
        if two:
            key = (i, j) if i < n_left else (j, i)
        s, ev = found.get(key, (0.0, []))
        if why not in ev:
            ev = [*ev, why]
        found[key] = (max(s, score), ev)

    # strong keys
    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(recs):
        for k in _keys(r):
            by_key[k].append(i)
    for (what, value), idx in by_key.items():
        if len(idx) > MAX_BLOCK:
            continue
        for x in range(len(idx)):
            for y in range(x + 1, len(idx)):
                add(idx[x], idx[y], 100.0, f"same {what} {value}")
    # names: exact key (names and aliases), then fuzzy within blocks
    main = [name_key(str(r.get("name") or "")) for r in recs]
    by_name: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(recs):
        for nk in _names(r):
            by_name[nk].append(i)
    for nk, idx in by_name.items():
        if 1 < len(idx) <= MAX_BLOCK:
            for x in range(len(idx)):
                for y in range(x + 1, len(idx)):
                    add(idx[x], idx[y], 100.0, f"same name {nk!r}")
    tokens: dict[str, list[int]] = defaultdict(list)
    for i, mk in enumerate(main):
        toks = {t for t in mk.split() if len(t) >= 3} or ({mk} if mk else set())
        toks.add("^" + mk[:4])
        for t in toks:
            tokens[t].append(i)
    scored: set[tuple[int, int]] = set()
    for idx in tokens.values():
        if len(idx) < 2 or len(idx) > MAX_BLOCK:
            continue
        names = [main[i] for i in idx]
        matrix = process.cdist(names, names, scorer=fuzz.token_set_ratio, score_cutoff=threshold)
        for x in range(len(idx)):
            for y in range(x + 1, len(idx)):
                s = float(matrix[x][y])
                i, j = idx[x], idx[y]
                if s >= threshold and (min(i, j), max(i, j)) not in scored and ok(i, j):
                    scored.add((min(i, j), max(i, j)))
                    add(i, j, round(s, 1), f"name similarity {s:.0f}")
    out = []
    for (i, j), (s, ev) in sorted(found.items()):
        out.append((i, j - n_left if two else j, s, ev))
    return out


_NAME_LEVELS = {5: "same name {a!r}", 4: "the words of {a!r} and {b!r}: one within the other",
                3: "names {a!r} ~ {b!r} (Jaro-Winkler >= 0.95)", 2: "names {a!r} ~ {b!r} (Jaro-Winkler >= 0.88)",
                1: "names {a!r} ~ {b!r} (Jaro-Winkler >= 0.75)"}


def splink_candidates(left: list[dict[str, Any]], right: list[dict[str, Any]] | None = None, *,
                      min_probability: float = 0.5,
                      backend: str = "duckdb") -> list[tuple[int, int, float, list[str]]]:
    """Like :func:`candidates`, with Splink (:mod:`.linkage`): pairs whose Fellegi–Sunter match probability
    is at least ``min_probability``; the score is that probability in percent, the evidence the levels the
    pair reached."""
    from .linkage import link, records_table

    lt = records_table(left)
    rt = records_table(right, offset=len(left)) if right is not None else None
    found = link(lt, rt, min_probability=min_probability, backend=backend).to_pylist()
    recs = left + (right or [])
    cols = {c: (lt.column(c).to_pylist() + (rt.column(c).to_pylist() if rt is not None else []))
            for c in ("name", "domain", "wikidata", "regid", "hq")}
    out = []
    for f in found:
        i, j = int(f["i"]), int(f["j"])
        if right is None and i > j:
            i, j = j, i
        ev = [f"Splink match probability {f['probability']:.3f}"]
        if f["gamma_name"] in _NAME_LEVELS:
            ev.append(_NAME_LEVELS[f["gamma_name"]].format(a=cols["name"][i], b=cols["name"][j]))
        for c, what in (("domain", "website domain"), ("wikidata", "wikidata id"), ("regid", "registry id"),
                        ("hq", "head office")):
            if f[f"gamma_{c}"] == 1:
                ev.append(f"same {what} {cols[c][i]}")
        out.append((i, j - len(left) if right is not None else j, round(100 * float(f["probability"]), 1), ev))
    del recs
    return sorted(out)


# --- the dataset's actors ----------------------------------------------------------------------------------


@dataclass
class _Actors:
    files: list[RecordFile]
    where: dict[str, tuple[RecordFile, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, root: Path) -> _Actors:
        a = cls(read_kind(root, "actors"))
        a.index()
        return a

    def index(self) -> None:
        self.where = {}
        for f in self.files:
            for i, r in enumerate(f.records):
                self.where[r["id"]] = (f, i)

    def get(self, ident: str) -> dict[str, Any] | None:
        w = self.where.get(ident)
        return w[0].records[w[1]] if w else None

    def all(self) -> list[tuple[RecordFile, dict[str, Any]]]:
        return [(f, r) for f in self.files for r in f.records]


def _rank(f: RecordFile, r: dict[str, Any]) -> tuple[Any, ...]:
    """Which of two actors to keep: YAML before CSV, more sources, a shorter id."""
    return (f.fmt != "yaml", -len(r.get("sources") or []), len(r["id"]), r["id"])


def _read_judgements(root: Path) -> dict[str, Any]:
    path = root / JUDGEMENTS
    if not path.is_file():
        return {"pairs": [], "merged": []}
    doc, problems = load_yaml(path)
    if doc is None or not isinstance(doc.data, dict):
        raise StackAtlasError(f"{path}: not a judgements file ({'; '.join(str(p) for p in problems)})")
    data = doc.data
    for i, p in enumerate(data.get("pairs") or []):
        if p.get("decision") not in DECISIONS:
            line, col = doc.pos(("pairs", i, "decision"))
            raise StackAtlasError(f"{path}:{line}:{col}: pairs[{i}].decision: must be same, not-same or unsure, "
                                  f"not {p.get('decision')!r}")
    return {"pairs": list(data.get("pairs") or []), "merged": list(data.get("merged") or [])}


_HEADER = """\
# Judgements of `stackatlas dedupe`: is each pair the same organisation?
# Set decision to same, not-same or unsure and say why in reason; `stackatlas dedupe DIR --apply` merges
# the pairs judged same (b into a: swap them to keep b), `--undo` restores them. `merged` is written by
# --apply for --undo: leave it as it is.
"""


def _write_judgements(root: Path, data: dict[str, Any]) -> None:
    pairs = sorted(data["pairs"], key=lambda p: (p["a"], p["b"]))
    out: dict[str, Any] = {"pairs": pairs}
    if data.get("merged"):
        out["merged"] = data["merged"]
    write_atomic(root / JUDGEMENTS, _HEADER + dump_yaml(out))


def propose(root: Path, *, threshold: float = 90.0, date: str | None = None, method: str = "splink",
            min_probability: float = 0.5) -> Proposals:
    """Find candidate pairs and add the new ones to ``judgements.yaml`` (as ``unsure``).

    ``method``: ``splink`` (:func:`splink_candidates`, pairs with a match probability of at least
    ``min_probability``) or ``rapidfuzz`` (:func:`candidates`, names similar by at least ``threshold``).
    """
    if method not in METHODS:
        raise StackAtlasError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    root = Path(root)
    actors = _Actors.of(root)
    items = actors.all()
    recs = [r for _, r in items]
    data = _read_judgements(root)
    known = {tuple(sorted((p["a"], p["b"]))): p for p in data["pairs"]}
    merged_away = {m["from"] for m in data["merged"]}
    when = import_date(date)
    new = 0
    pairs: list[Pair] = []
    found = (splink_candidates(recs, min_probability=min_probability) if method == "splink" and len(recs) > 1
             else candidates(recs, threshold=threshold))
    for i, j, score, evidence in found:
        (fi, ri), (fj, rj) = items[i], items[j]
        a, b = (ri, rj) if _rank(fi, ri) <= _rank(fj, rj) else (rj, ri)
        key = tuple(sorted((a["id"], b["id"])))
        if key in known:
            continue
        new += 1
        p = {"a": a["id"], "b": b["id"], "decision": "unsure", "score": score, "evidence": evidence, "reason": "",
             "date": when}
        data["pairs"].append(p)
        known[key] = p
    for p in data["pairs"]:
        if p["a"] in merged_away or p["b"] in merged_away:
            continue
        pairs.append(Pair(p["a"], p["b"], float(p.get("score") or 0), list(p.get("evidence") or []),
                          p["decision"], p.get("reason") or "", str(p.get("date") or "")))
    if new or not (root / JUDGEMENTS).is_file():
        _write_judgements(root, data)
    return Proposals(sorted(pairs, key=lambda p: (-p.score, p.a, p.b)), new, root / JUDGEMENTS)


# --- apply and undo ----------------------------------------------------------------------------------------

_SCALARS = ("founded", "website", "wikidata", "control_country", "parent", "description")
_LISTS = ("domains", "tags")


def merge_into(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """``a`` with what ``b`` adds (``a`` wins on every conflict); ``b``'s name and id become aliases."""
    out = copy.deepcopy(a)
    aliases = list(out.get("aliases") or [])
    for x in [b.get("name"), *(b.get("aliases") or []), b.get("id")]:
        if x and x != out.get("name") and x not in aliases:
            aliases.append(x)
    out["aliases"] = aliases
    for k in _SCALARS:
        if out.get(k) in (None, "", {}) and b.get(k) not in (None, "", {}):
            out[k] = copy.deepcopy(b[k])
    have = {(x.get("layer"), x.get("sublayer")) for x in out.get("layers") or []}
    for x in b.get("layers") or []:
        if (x.get("layer"), x.get("sublayer")) not in have:
            out.setdefault("layers", []).append(copy.deepcopy(x))
            have.add((x.get("layer"), x.get("sublayer")))
    for k in _LISTS:
        vals = list(out.get(k) or [])
        vals += [v for v in b.get(k) or [] if v not in vals]
        if vals:
            out[k] = vals
    sites = list(out.get("sites") or [])
    places = {s["place"] if isinstance(s, dict) else s for s in sites}
    for s in b.get("sites") or []:
        p = s["place"] if isinstance(s, dict) else s
        if p not in places and p != out.get("hq"):
            sites.append(copy.deepcopy(s))
            places.add(p)
    if sites:
        out["sites"] = sites
    srcs = list(out.get("sources") or [])
    srcs += [copy.deepcopy(s) for s in b.get("sources") or [] if s not in srcs]
    out["sources"] = srcs
    order = ["id", "name", "aliases", "kind", "hq", "sites", "layers", "domains", "control_country", "parent",
             "founded", "website", "wikidata", "description", "tags", "sources"]
    return {k: out[k] for k in [*order, *[k for k in out if k not in order]] if k in out}


def _references(root: Path, ident: str) -> list[str]:
    """Files other than actors and relations (synergies, positions, ...) that name ``ident``."""
    hits = []
    for name in ("positions", "synergies", "recommendations", "indicators"):
        files = [root / f"{name}.yaml"] if (root / f"{name}.yaml").is_file() else []
        if (root / name).is_dir():
            files += sorted((root / name).glob("*.yaml"))
        for f in files:
            doc, _ = load_yaml(f)
            for rec in (doc.data if doc is not None and isinstance(doc.data, list) else []):
                if not isinstance(rec, dict):
                    continue
                vals = [rec.get("subject"), rec.get("baseline", {}).get("subject") if isinstance(rec.get("baseline"),
                                                                                                dict) else None]
                vals += list(rec.get("actors") or [])
                if ident in vals:
                    hits.append(str(f.relative_to(root)))
                    break
    return hits


def apply(root: Path, *, date: str | None = None) -> list[tuple[str, str]]:
    """Merge every pair judged ``same`` that is not merged yet; return the (kept, merged) ids."""
    root = Path(root)
    data = _read_judgements(root)
    actors = _Actors.of(root)
    rels = read_kind(root, "relations")
    done: list[tuple[str, str]] = []
    merged_ids = {m["from"] for m in data["merged"]}
    alias_of = {m["from"]: m["into"] for m in data["merged"]}
    changed: set[Path] = set()
    for p in data["pairs"]:
        if p["decision"] != "same":
            continue
        a_id, b_id = p["a"], p["b"]
        while a_id in alias_of:
            a_id = alias_of[a_id]
        if b_id in merged_ids or a_id == b_id:
            continue
        a, b = actors.get(a_id), actors.get(b_id)
        if a is None or b is None:
            raise StackAtlasError(f"cannot merge {b_id} into {a_id}: "
                                  f"{'no actor ' + (a_id if a is None else b_id)}")
        refs = _references(root, b_id)
        if refs:
            raise StackAtlasError(f"cannot merge {b_id} into {a_id}: {', '.join(refs)} name {b_id}; swap a and b in "
                                  f"{JUDGEMENTS} to keep {b_id}")
        fa, ia = actors.where[a_id]
        fb, ib = actors.where[b_id]
        after = merge_into(a, b)
        entry: dict[str, Any] = {"into": a_id, "from": b_id, "date": import_date(date),
                                 "file": str(fb.path.relative_to(root)), "position": ib, "record": copy.deepcopy(b),
                                 "before": copy.deepcopy(a), "after": copy.deepcopy(after), "relations": [],
                                 "removed_relations": [], "parents": []}
        fa.records[ia] = after
        del fb.records[ib]
        changed |= {fa.path, fb.path}
        actors.index()
        for f in actors.files:  # parents pointing to b
            for r in f.records:
                if r.get("parent") == b_id:
                    r["parent"] = a_id if r["id"] != a_id else None
                    if r["parent"] is None:
                        del r["parent"]
                    entry["parents"].append(r["id"])
                    changed.add(f.path)
        for f in rels:
            keep = []
            for pos, r in enumerate(f.records):
                ends = {k: r.get(k) for k in ("from", "to") if r.get(k) == b_id}
                if not ends:
                    keep.append(r)
                    continue
                new = {**r, **dict.fromkeys(ends, a_id)}
                changed.add(f.path)
                if new["from"] == new["to"]:
                    entry["removed_relations"].append({"file": str(f.path.relative_to(root)), "position": pos,
                                                       "record": copy.deepcopy(r)})
                    continue
                entry["relations"].append({"id": r["id"], "ends": sorted(ends)})
                keep.append(new)
            f.records = keep
        data["merged"].append(entry)
        merged_ids.add(b_id)
        alias_of[b_id] = a_id
        done.append((a_id, b_id))
    for f in [*actors.files, *rels]:
        if f.path in changed:
            write_records(f)
    if done:
        _write_judgements(root, data)
    return done


def _insert(files: list[RecordFile], root: Path, kind: str, rel: str, position: int, rec: dict[str, Any]) -> None:
    path = root / rel
    for f in files:
        if f.path == path:
            f.records.insert(min(position, len(f.records)), rec)
            return
    f = RecordFile(path, kind, "csv" if path.suffix == ".csv" else "yaml", [rec])
    files.append(f)


def undo(root: Path) -> list[tuple[str, str]]:
    """Restore every actor :func:`apply` merged away (latest first); return the (kept, restored) ids."""
    root = Path(root)
    data = _read_judgements(root)
    if not data["merged"]:
        return []
    actors = _Actors.of(root)
    rels = read_kind(root, "relations")
    done = []
    changed: set[Path] = set()
    for entry in reversed(data["merged"]):
        a_id, b_id = entry["into"], entry["from"]
        if actors.get(b_id) is not None:
            raise StackAtlasError(f"cannot restore {b_id}: an actor with that id exists again")
        cur = actors.get(a_id)
        if cur is None:
            raise StackAtlasError(f"cannot undo the merge of {b_id}: {a_id} is gone")
        f, i = actors.where[a_id]
        f.records[i] = _unmerge(cur, entry)
        changed |= {f.path, root / entry["file"]}
        _insert(actors.files, root, "actors", entry["file"], int(entry["position"]), copy.deepcopy(entry["record"]))
        actors.index()
        for ident in entry.get("parents") or []:
            r = actors.get(ident)
            if r is not None:
                r["parent"] = b_id
                changed.add(actors.where[ident][0].path)
        for f2 in rels:
            for r in f2.records:
                for item in entry.get("relations") or []:
                    if r["id"] == item["id"]:
                        for end in item["ends"]:
                            r[end] = b_id
                        changed.add(f2.path)
        for item in entry.get("removed_relations") or []:
            _insert(rels, root, "relations", item["file"], int(item["position"]), copy.deepcopy(item["record"]))
            changed.add(root / item["file"])
        done.append((a_id, b_id))
    for f in [*actors.files, *rels]:
        if f.path in changed:
            write_records(f)
    data["merged"] = []
    _write_judgements(root, data)
    return done


def _unmerge(cur: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """The kept actor without what the merge added; edits made since the merge are kept."""
    if cur == entry["after"]:
        return copy.deepcopy(entry["before"])
    before, after = entry["before"], entry["after"]
    out = copy.deepcopy(cur)
    for k, v in after.items():
        if k in before:
            if isinstance(v, list) and isinstance(before[k], list) and isinstance(out.get(k), list):
                added = [x for x in v if x not in before[k]]
                out[k] = [x for x in out[k] if x not in added]
            continue
        if out.get(k) == v:
            out.pop(k, None)
    return out
