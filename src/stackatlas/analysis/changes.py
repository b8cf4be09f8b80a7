"""What changed between two versions of a dataset (``stackatlas diff``, the "What changed" page).

Each side is a dataset folder or a git revision of one (:mod:`stackatlas.dataset.revisions`), compiled into
DuckDB as usual. Two parts:

- **records**: actors, relations, indicators and sources added, removed and changed, field by field, in one
  SQL pass per kind over both databases attached side by side (lists such as layers, sites and citations
  compared as their ``;``-joined text). Every change is counted; at most ``limit`` rows per kind and change
  are listed.
- **figures**: the headline figures of each side and their change: organisations per layer in each of the
  two regions, location quotients that crossed 1 (with their 95% intervals), ties across the corridor and
  within its regions with the E-I index (the definitions of :mod:`~stackatlas.analysis.bridges`), the
  brokers in or out of the top 10, and the curated synergies whose evidence (supporting organisations and
  ties across) grew or shrank. Brokers and synergy evidence need the whole tie graph and the corridor
  matrices; above :data:`GRAPH_MAX_ACTORS` actors they are left out (and the result says so).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import ibis

from .._sql import literal
from ..atlas import Atlas, records
from ..dataset.loader import load_dataset
from ..dataset.revisions import checkout, is_folder
from ..engine import Engine
from ..errors import AnalysisError
from ..store import build, ensure_db

__all__ = ["GRAPH_MAX_ACTORS", "KINDS", "changes_since", "corridor_ties", "diff_databases", "diff_versions", "figures",
           "to_markdown", "to_rows"]

#: Above this many actors the figures that need the whole tie graph (brokers, synergy evidence) are skipped.
GRAPH_MAX_ACTORS = 100_000
KINDS = ("actors", "relations", "indicators", "sources")

_LISTS: dict[str, list[tuple[str, str, str, str]]] = {
    # kind -> (field, table, key column, item expression)
    "actors": [("aliases", "actor_aliases", "actor", "alias"),
               ("sites", "actor_sites", "actor",
                "place || coalesce(' ' || status, '') || coalesce(' since ' || since, '') "
                "|| coalesce(' until ' || until, '') || coalesce(' (' || function || ')', '')"),
               ("layers", "actor_layers", "actor",
                "layer || coalesce('/' || sublayer, '') || ':' || coalesce(role, 'core') "
                "|| coalesce(' (' || offering || ')', '')"),
               ("domains", "actor_domains", "actor", "domain"),
               ("tags", "actor_tags", "actor", "tag")],
}
_SCALARS: dict[str, list[str]] = {
    "actors": ["name", "kind", "hq", "control_country", "parent", "founded", "dissolved", "website", "wikidata",
               "description_nl", "description_en"],
    "relations": ["type", "from_actor", "to_actor", "date", "ended", "status", "amount_value", "amount_currency",
                  "stake_pct", "stake_min", "stake_max", "role", "description_nl", "description_en"],
    "indicators": ["subject", "metric", "label_nl", "label_en", "value", "value_min", "value_max", "unit", "date",
                   "period_start", "period_end", "baseline_subject", "baseline_value", "baseline_label_nl",
                   "baseline_label_en", "layer", "note_nl", "note_en"],
    "sources": ["title", "author", "publisher", "date", "url", "type", "licence", "note"],
}
_SINGULAR = {"actors": "actor", "relations": "relation", "indicators": "indicator"}


def _flat(kind: str, db: str) -> str:
    """SQL: one row per record of ``kind`` in database ``db`` with every field as text."""
    cols = [f"CAST(t.{c} AS VARCHAR) AS {c}" for c in _SCALARS[kind]]
    joins = []
    for i, (field, table, key, item) in enumerate(_LISTS.get(kind, [])):
        joins.append(f"LEFT JOIN (SELECT {key} AS k, string_agg({item}, '; ' ORDER BY position) AS v "
                     f"FROM {db}.{table} GROUP BY {key}) l{i} ON l{i}.k = t.id")
        cols.append(f"l{i}.v AS {field}")
    if kind in _SINGULAR:
        joins.append(f"LEFT JOIN (SELECT subject AS k, string_agg(source || '@' || coalesce(locator, ''), '; ' "
                     f"ORDER BY position) AS v FROM {db}.citations WHERE subject_type = '{_SINGULAR[kind]}' "
                     f"GROUP BY subject) lc ON lc.k = t.id")
        cols.append("lc.v AS sources")
    return f"SELECT t.id, {', '.join(cols)} FROM {db}.{kind} t {' '.join(joins)}"


def _fields(kind: str) -> list[str]:
    return [*_SCALARS[kind], *(f for f, *_ in _LISTS.get(kind, [])), *(["sources"] if kind in _SINGULAR else [])]


def diff_databases(old_db: Path, new_db: Path, *, limit: int = 200) -> dict[str, Any]:
    """The record changes from ``old_db`` to ``new_db``: ``counts`` (per kind: added, removed, changed
    records and changed fields) and ``rows`` (``kind, id, change, field, old, new``; at most ``limit`` per
    kind and change, by id), ``truncated`` when some were left out."""
    con = duckdb.connect()
    try:
        for alias, path in (("o", old_db), ("n", new_db)):
            con.execute(f"ATTACH {literal(str(path))} AS {alias} (READ_ONLY)")
        counts: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        truncated = False
        for kind in KINDS:
            con.execute(f"CREATE TEMP TABLE fo AS {_flat(kind, 'o')}")
            con.execute(f"CREATE TEMP TABLE fn AS {_flat(kind, 'n')}")
            pairs = ", ".join(f"{{'field': '{f}', 'old': fo.{f}, 'new': fn.{f}}}" for f in _fields(kind))
            con.execute(f"""CREATE TEMP TABLE ch AS
                SELECT id, x.field, x.old, x.new FROM (
                  SELECT fo.id, unnest(list_filter([{pairs}], lambda x: x.old IS DISTINCT FROM x.new)) AS x
                  FROM fo JOIN fn ON fo.id = fn.id)""")
            added = con.execute("SELECT count(*) FROM fn ANTI JOIN fo ON fo.id = fn.id").fetchall()[0][0]
            removed = con.execute("SELECT count(*) FROM fo ANTI JOIN fn ON fo.id = fn.id").fetchall()[0][0]
            changed, fields = con.execute("SELECT count(DISTINCT id), count(*) FROM ch").fetchall()[0]
            counts.append({"kind": kind, "added": int(added), "removed": int(removed), "changed": int(changed),
                           "fields_changed": int(fields)})
            truncated |= max(added, removed, fields) > limit
            q = f"""
                (SELECT 'added' AS change, id, NULL AS field, NULL AS old, NULL AS new
                   FROM fn ANTI JOIN fo ON fo.id = fn.id ORDER BY id LIMIT {int(limit)})
                UNION ALL (SELECT 'removed', id, NULL, NULL, NULL FROM fo ANTI JOIN fn ON fo.id = fn.id
                           ORDER BY id LIMIT {int(limit)})
                UNION ALL (SELECT 'changed', id, field, old, new FROM ch ORDER BY id, field LIMIT {int(limit)})"""
            for change, ident, field, old, new in con.execute(q).fetchall():
                rows.append({"kind": kind, "id": ident, "change": change, "field": field, "old": old, "new": new})
            con.execute("DROP TABLE fo; DROP TABLE fn; DROP TABLE ch")
        order = {"added": 0, "removed": 1, "changed": 2}
        rows.sort(key=lambda r: (KINDS.index(r["kind"]), order[r["change"]], r["id"], r["field"] or ""))
        return {"counts": counts, "rows": rows, "truncated": truncated, "limit": limit}
    finally:
        con.close()


def corridor_ties(engine: Engine, *, a: str, b: str) -> dict[str, Any]:
    """Ties across and within the corridor by the definitions of :func:`~stackatlas.analysis.bridges`
    (actors of one region only; adjacent pairs of the undirected simple graph of ties that have not
    ended), computed set-wise without building the graph: ``external``, ``internal``, ``ei_index``."""
    from ._locate import actors_in
    from .bridges import ei_index

    in_a, in_b = actors_in(engine, a), actors_in(engine, b)
    only_a = in_a.filter(~in_a.actor.isin(in_b.actor)).mutate(side=ibis.literal("a"))
    only_b = in_b.filter(~in_b.actor.isin(in_a.actor)).mutate(side=ibis.literal("b"))
    side = only_a.union(only_b)
    r = engine.table("relations")
    r = r.filter((r.status.isnull() | (r.status != "ended")) & (r.from_actor != r.to_actor))
    lo = ibis.least(r.from_actor, r.to_actor)
    hi = ibis.greatest(r.from_actor, r.to_actor)
    pairs = r.select(u=lo, v=hi).distinct()
    su = side.select(u=side.actor, su=side.side)
    sv = side.select(v=side.actor, sv=side.side)
    j = pairs.join(su, "u").join(sv, "v")
    df = engine.execute(j.group_by(kind=(j.su == j.sv)).aggregate(n=j.count()))
    internal = int(df.loc[df["kind"], "n"].sum()) if not df.empty else 0
    external = int(df.loc[~df["kind"].astype(bool), "n"].sum()) if not df.empty else 0
    return {"external": external, "internal": internal, "ei_index": ei_index(external, internal)}


def figures(engine: Engine, *, a: str, b: str, level: str | None, synergies: list[str]) -> dict[str, Any]:
    """The headline figures of one version (see the module docstring): ``level`` is the place type of
    both ``a`` and ``b`` (None when they differ: no profile), ``synergies`` the curated ids."""
    from .profile import profile

    prof = profile(engine, level=level, places=[a, b]) if level is not None else None
    n_actors = int(engine.table("actors").count().to_pyarrow().as_py())
    out: dict[str, Any] = {"actors": n_actors, "level": level, "ties": corridor_ties(engine, a=a, b=b)}
    out["profile"] = [] if prof is None else records(prof[["place", "layer", "count", "lq", "lq_low", "lq_high"]])
    out["graph"] = n_actors <= GRAPH_MAX_ACTORS
    if out["graph"]:
        from .bridges import bridges
        from .synergy import candidate_evidence, corridor_inputs, synergy_spec

        br = bridges(engine, a=a, b=b)
        out["brokers"] = [str(x) for x in br["brokers"]["actor"].head(10)]
        inp = corridor_inputs(engine, a=a, b=b)
        evid: dict[str, dict[str, int]] = {}
        for sid in synergies:
            spec = synergy_spec(engine, sid)
            ev, _ = candidate_evidence(inp, list(spec.layers), spec.domains[0] if spec.domains else "")
            evid[sid] = {"a": len(ev.get(a, [])), "b": len(ev.get(b, [])), "ties": len(ev.get("ties", []))}
        out["synergies"] = evid
    return out


def _figures(atlas: Atlas, a: str, b: str, *, as_of: str | None = None) -> dict[str, Any]:
    lk = atlas.lookups()
    level = lk.place_type(a) if lk.place_type(a) == lk.place_type(b) else None
    return figures(atlas.engine(as_of=as_of), a=a, b=b, level=level,
                   synergies=[str(x) for x in atlas.synergies()["id"]])


def changes_since(atlas: Atlas, *, since: str, a: str | None = None, b: str | None = None) -> dict[str, Any]:
    """What changed in the dataset's own dates since ``since``: the headline figures as of ``since``
    against the dataset as it is (``figures``), and the dated facts since then (new ties within and across,
    new organisations, ended ties: the :func:`~stackatlas.analysis.timeline.timeline` from the day after
    ``since``, summed). Undated facts count on both sides (they cannot have changed by date); ``undated``
    says how many."""
    import datetime as dt

    from ..timeframe import as_of_date
    from .timeline import timeline

    pa, pb = atlas.compare_pair(a, b)
    day = as_of_date(since)
    old = _figures(atlas, pa, pb, as_of=since)
    new = _figures(atlas, pa, pb)
    t = timeline(atlas.engine(), a=pa, b=pb, since=(day + dt.timedelta(days=1)).isoformat())
    totals = (t.fillna({"layer": "", "type": ""}).groupby(["measure", "region", "layer", "type"], as_index=False)
              ["count"].sum())
    return {"since": day.isoformat(), "pair": [pa, pb], "figures": _compare(old, new),
            "facts": records(totals.sort_values(["measure", "region", "count"], ascending=[True, True, False])),
            "undated": atlas.engine(as_of=since).undated()}


def _compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The change of each figure from ``old`` to ``new``."""
    key = lambda r: (r["place"], r["layer"])  # noqa: E731
    po, pn = {key(r): r for r in old["profile"]}, {key(r): r for r in new["profile"]}
    counts, crossed = [], []
    for k in sorted(set(po) | set(pn)):
        ro, rn = po.get(k, {}), pn.get(k, {})
        co, cn = ro.get("count") or 0, rn.get("count") or 0
        if co != cn:
            counts.append({"place": k[0], "layer": k[1], "old": co, "new": cn, "change": cn - co})
        lo, ln = ro.get("lq"), rn.get("lq")
        if lo is not None and ln is not None and (lo >= 1) != (ln >= 1):
            crossed.append({"place": k[0], "layer": k[1], "old": lo, "old_low": ro.get("lq_low"),
                            "old_high": ro.get("lq_high"), "new": ln, "new_low": rn.get("lq_low"),
                            "new_high": rn.get("lq_high"), "direction": "up" if ln >= 1 else "down"})
    ties = {k: {"old": old["ties"][k], "new": new["ties"][k]} for k in ("external", "internal", "ei_index")}
    out: dict[str, Any] = {"counts": counts, "lq_crossed": crossed, "ties": ties, "graph": old["graph"] and new["graph"]}
    if out["graph"]:
        bo, bn = old["brokers"], new["brokers"]
        out["brokers"] = {"in": [x for x in bn if x not in bo], "out": [x for x in bo if x not in bn]}
        syn = []
        for sid in sorted(set(old["synergies"]) | set(new["synergies"])):
            eo = old["synergies"].get(sid, {"a": 0, "b": 0, "ties": 0})
            en = new["synergies"].get(sid, {"a": 0, "b": 0, "ties": 0})
            so, sn = sum(eo.values()), sum(en.values())
            if so != sn:
                syn.append({"synergy": sid, "old": eo, "new": en, "direction": "grew" if sn > so else "shrank"})
        out["synergies"] = syn
    return out


@contextlib.contextmanager
def _side(spec: str | None, data: Path, work: Path, name: str) -> Iterator[tuple[Path, Path, str]]:
    """(dataset folder, database, label) of one side: the ``data`` folder itself (None), another folder,
    or a git revision of ``data`` written out under ``work``."""
    if spec is None or (is_folder(spec) and Path(spec).resolve() == data.resolve()):
        folder, label = data.resolve(), f"{data.name} (working tree)" if spec is None else str(spec)
        yield folder, ensure_db(folder), label
        return
    if is_folder(spec):
        folder = Path(spec).resolve()
        yield folder, ensure_db(folder), str(spec)
        return
    folder = checkout(data, spec, work / name)
    ds = load_dataset(folder)
    try:
        db = build(ds, work / f"{name}.duckdb")
    finally:
        ds.close()
    yield folder, db, f"{spec} ({data.name})"


def diff_versions(old: str, new: str | None = None, *, data: Path, a: str | None = None, b: str | None = None,
                  limit: int = 200, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The changes from ``old`` to ``new`` (each a dataset folder or a git revision of ``data``; ``new``
    None: ``data`` as it is), for the pair ``a``/``b`` (default: the new dataset's own)."""
    def note(msg: str) -> None:
        if progress is not None:
            progress(msg)

    work = Path(tempfile.mkdtemp(prefix="stackatlas-diff-"))
    try:
        note(f"compiling {old}")
        with _side(old, data, work, "old") as (fo, dbo, lo), _side(new, data, work, "new") as (fn, dbn, ln):
            note("comparing records")
            result: dict[str, Any] = {"old": {"label": lo, "data": str(fo)}, "new": {"label": ln, "data": str(fn)}}
            result["records"] = diff_databases(dbo, dbn, limit=limit)
            with Atlas(fo, dbo) as ao, Atlas(fn, dbn) as an:
                pa, pb = an.compare_pair(a, b)
                for at in (ao, an):
                    if not at.first("SELECT 1 FROM places WHERE id = ?", [pa]) or \
                            not at.first("SELECT 1 FROM places WHERE id = ?", [pb]):
                        raise AnalysisError(f"{pa} or {pb} is not a place of {at.data}")
                note("headline figures (old)")
                fig_o = _figures(ao, pa, pb)
                note("headline figures (new)")
                fig_n = _figures(an, pa, pb)
                result["old"]["stats"], result["new"]["stats"] = ao.stats(), an.stats()
            result["pair"] = [pa, pb]
            result["figures"] = _compare(fig_o, fig_n)
            return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, dict):
        return ", ".join(f"{k} {_fmt(x)}" for k, x in v.items())
    return str(v)


def to_rows(result: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The records and the figures of a :func:`diff_versions` result as rows for a table."""
    recs = [{k: r[k] for k in ("kind", "id", "change", "field", "old", "new")} for r in result["records"]["rows"]]
    fig = result["figures"]
    rows: list[dict[str, Any]] = []
    for c in result["records"]["counts"]:
        rows.append({"figure": f"{c['kind']}", "key": "added / removed / changed", "old": "",
                     "new": "", "change": f"+{c['added']} / -{c['removed']} / ~{c['changed']}"})
    for r in fig["counts"]:
        rows.append({"figure": "organisations", "key": f"{r['place']} {r['layer']}", "old": _fmt(r["old"]),
                     "new": _fmt(r["new"]), "change": f"{r['change']:+g}"})
    for r in fig["lq_crossed"]:
        rows.append({"figure": "LQ crossed 1", "key": f"{r['place']} {r['layer']}",
                     "old": f"{r['old']:.2f} [{r['old_low']:.2f}, {r['old_high']:.2f}]",
                     "new": f"{r['new']:.2f} [{r['new_low']:.2f}, {r['new_high']:.2f}]", "change": r["direction"]})
    for k, v in fig["ties"].items():
        rows.append({"figure": "ties", "key": k, "old": _fmt(v["old"]), "new": _fmt(v["new"]), "change": ""})
    if fig["graph"]:
        rows.append({"figure": "brokers (top 10)", "key": "in", "old": "", "new": ", ".join(fig["brokers"]["in"]),
                     "change": ""})
        rows.append({"figure": "brokers (top 10)", "key": "out", "old": ", ".join(fig["brokers"]["out"]), "new": "",
                     "change": ""})
        for s in fig["synergies"]:
            rows.append({"figure": "synergy evidence", "key": s["synergy"], "old": _fmt(s["old"]),
                         "new": _fmt(s["new"]), "change": s["direction"]})
    else:
        rows.append({"figure": "brokers, synergy evidence", "key": "", "old": "", "new": "",
                     "change": f"not computed (more than {GRAPH_MAX_ACTORS:,} actors)"})
    return recs, rows


def to_markdown(result: dict[str, Any]) -> str:
    """A :func:`diff_versions` result as Markdown (cells escaped)."""
    def cell(v: Any) -> str:
        return _fmt(v).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    recs, figs = to_rows(result)
    out = [f"# What changed: {cell(result['old']['label'])} → {cell(result['new']['label'])}", "",
           f"Corridor: {cell(result['pair'][0])} and {cell(result['pair'][1])}.", "", "## Headline figures", "",
           "| figure | key | old | new | change |", "|---|---|---|---|---|"]
    out += [f"| {' | '.join(cell(r[k]) for k in ('figure', 'key', 'old', 'new', 'change'))} |" for r in figs]
    out += ["", "## Records", "", "| kind | id | change | field | old | new |", "|---|---|---|---|---|---|"]
    out += [f"| {' | '.join(cell(r[k]) for k in ('kind', 'id', 'change', 'field', 'old', 'new'))} |" for r in recs]
    if result["records"]["truncated"]:
        out += ["", f"(at most {result['records']['limit']} rows per kind and change are listed)"]
    return "\n".join(out) + "\n"
