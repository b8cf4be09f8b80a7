"""The yearly monitor (``stackatlas report --monitor --since DATE``): what changed since ``DATE`` per
chapter of the report, every number footnoted (the dataset; the facts' own sources when few).

- **Positions (H.3)**: organisations per layer in the two regions then and now, location quotients that
  crossed 1 with their 95% intervals, new organisations per layer per year (chart);
- **Integration (H.4)**: ties within and across the corridor then and now, the E-I index, new ties across
  per year by type (chart);
- **Synergies (H.5)**: for each curated synergy the organisations and ties of its evidence that are new
  since ``DATE`` (the corridor as of ``DATE`` against now; :func:`~stackatlas.analysis.synergy.candidate_evidence`);
- **Recommendations (H.6)**: for each recommendation with a ``track`` (docs/dataset-format.md) the
  organisations with its tags in the corridor (then, now, which are new), the ties of its types across
  the corridor (then, now) and the indicator series of its metrics.

"Then" is the dataset as of ``DATE`` (:mod:`stackatlas.timeframe`; undated facts count on both sides and
the colophon says how many). Synergy evidence needs the corridor matrices: above
:data:`~stackatlas.analysis.changes.GRAPH_MAX_ACTORS` actors it is left out (and the section says so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ..analysis.changes import GRAPH_MAX_ACTORS, changes_since
from ..atlas import Atlas, records
from ..present import timecharts
from ..present.texts import MONITOR, translator
from ..timeframe import as_of_date
from .charts import static
from .collect import facts
from .compose import Composer
from .model import Bullets, Chart, Document, Paragraph, Run, Section, Table

__all__ = ["monitor_report"]



def _t(lang: str, key: str, **fmt: Any) -> str:
    return translator(lang, MONITOR, strict=True)(key, **fmt)


def _evidence(atlas: Atlas, a: str, b: str, as_of: str | None) -> dict[str, tuple[set[str], set[str]]]:
    """Per curated synergy: (organisations, ties across) of its evidence."""
    from ..analysis.synergy import candidate_evidence, corridor_inputs, synergy_spec

    eng = atlas.engine(as_of=as_of)
    inp = corridor_inputs(eng, a=a, b=b)
    out = {}
    for sid in [str(x) for x in atlas.synergies()["id"]]:
        spec = synergy_spec(eng, sid)
        ev, _ = candidate_evidence(inp, list(spec.layers), spec.domains[0] if spec.domains else "")
        out[sid] = ({x["id"] for x in ev.get(a, []) + ev.get(b, [])}, {x["id"] for x in ev.get("ties", [])})
    return out


def _tracked(atlas: Atlas, a: str, b: str, since: str) -> list[dict[str, Any]]:
    """Per recommendation: its track and the facts it names, then and now."""
    recs = records(atlas.sql("""
        SELECT r.id, r.number, r.title_nl, r.title_en,
          coalesce(list(m.ref ORDER BY m.position) FILTER (WHERE m.what = 'track_tags'), []) AS tags,
          coalesce(list(m.ref ORDER BY m.position) FILTER (WHERE m.what = 'track_relation_types'), []) AS types,
          coalesce(list(m.ref ORDER BY m.position) FILTER (WHERE m.what = 'track_metrics'), []) AS metrics
        FROM recommendations r LEFT JOIN recommendation_members m ON m.recommendation = r.id
        GROUP BY ALL ORDER BY r.number"""))
    out = []
    for r in recs:
        row: dict[str, Any] = {**r}
        if r["tags"]:
            row["tagged"] = {k: _tagged(atlas, a, b, r["tags"], as_of) for k, as_of in (("old", since), ("new", None))}
        if r["types"]:
            row["ties"] = {k: _typed_ties(atlas, a, b, r["types"], as_of) for k, as_of in (("old", since), ("new", None))}
        if r["metrics"]:
            row["series"] = records(atlas.sql(
                "SELECT id, subject, metric, value, unit, coalesce(date, period_start) AS w FROM indicators "
                "WHERE list_contains($m, metric) ORDER BY metric, subject, w", {"m": r["metrics"]}))
        out.append(row)
    return out


def _tagged(atlas: Atlas, a: str, b: str, tags: list[str], as_of: str | None) -> list[str]:
    eng = atlas.engine(as_of=as_of)
    acts, ap = eng.table("actors"), eng.table("actor_places")
    tagged = atlas.sql("SELECT DISTINCT actor FROM actor_tags WHERE list_contains($t, tag)", {"t": tags})["actor"]
    inside = ap.filter(ap.place.isin([a, b])).select("actor").distinct()
    sel = acts.filter(acts.id.isin(list(tagged)) & acts.id.isin(inside.actor)).select("id")
    return sorted(str(x) for x in eng.execute(sel)["id"])


def _typed_ties(atlas: Atlas, a: str, b: str, types: list[str], as_of: str | None) -> list[str]:
    from ..analysis._locate import actors_in

    eng = atlas.engine(as_of=as_of)
    r = eng.table("relations")
    in_a, in_b = actors_in(eng, a).actor, actors_in(eng, b).actor
    live = r.filter(r.type.isin(types) & (r.status.isnull() | (r.status != "ended")))
    across = live.filter((live.from_actor.isin(in_a) & live.to_actor.isin(in_b))
                         | (live.from_actor.isin(in_b) & live.to_actor.isin(in_a)))
    return sorted(str(x) for x in eng.execute(across.select("id"))["id"])


def collect_monitor(atlas: Atlas, *, since: str, a: str | None = None, b: str | None = None,
                    progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Everything the monitor shows (see the module docstring)."""
    from ..analysis.timeline import timeline

    def note(msg: str) -> None:
        if progress is not None:
            progress(msg)

    pa, pb = atlas.compare_pair(a, b)
    day = as_of_date(since)
    note("headline figures then and now")
    data: dict[str, Any] = {"since": day.isoformat(), "a": pa, "b": pb,
                            "changes": changes_since(atlas, since=since, a=pa, b=pb)}
    note("timeline")
    t = timeline(atlas.engine(), a=pa, b=pb, since=(day + dt.timedelta(days=1)).isoformat())
    data["timeline"] = records(t)
    n = int(atlas.first("SELECT count(*) FROM actors")[0])
    data["graph"] = n <= GRAPH_MAX_ACTORS
    if data["graph"]:
        note("synergy evidence then and now")
        old, new = _evidence(atlas, pa, pb, since), _evidence(atlas, pa, pb, None)
        data["synergies"] = {sid: {"actors": sorted(new[sid][0] - old.get(sid, (set(), set()))[0]),
                                   "ties": sorted(new[sid][1] - old.get(sid, (set(), set()))[1])} for sid in new}
    note("recommendations")
    data["recommendations"] = _tracked(atlas, pa, pb, since)
    data["undated_note"] = atlas.at(since).undated_note()
    return data


def compose_monitor(data: dict[str, Any], c: Composer, lang: str, synergy_names: dict[str, str]) -> Document:
    """The monitor as a :class:`~.model.Document` in ``lang``."""
    since, a, b = data["since"], data["a"], data["b"]
    fig = data["changes"]["figures"]
    ds = c.bib.dataset
    t = lambda key, **f: _t(lang, key, **f)  # noqa: E731
    num = lambda v: f"{v:.3g}" if isinstance(v, float) else str(v)  # noqa: E731
    h3: list[Any] = []
    if fig["counts"]:
        h3.append(Table("mon-counts", [t("place"), t("layer"), t("then"), t("now"), t("change")],
                        [[[Run(c.place(r["place"]))], [Run(c.layer(r["layer"]))], [Run(num(r["old"]), ds)],
                          [Run(num(r["new"]), ds)], [Run(f"{r['change']:+g}", ds)]] for r in fig["counts"]],
                        caption=[Run(t("counts_cap"))], numeric=frozenset({2, 3, 4})))
    else:
        h3.append(Paragraph([Run(t("counts_cap") + ": " + t("no_change"), ds)]))
    if fig["lq_crossed"]:
        h3.append(Table("mon-lq", [t("place"), t("layer"), t("then"), t("now")],
                        [[[Run(c.place(r["place"]))], [Run(c.layer(r["layer"]))],
                          [Run(f"{r['old']:.2f} [{r['old_low']:.2f}, {r['old_high']:.2f}]", ds)],
                          [Run(f"{r['new']:.2f} [{r['new_low']:.2f}, {r['new_high']:.2f}]", ds)]]
                         for r in fig["lq_crossed"]], caption=[Run(t("lq_cap"))], numeric=frozenset({2, 3})))
    else:
        h3.append(Paragraph([Run(t("lq_cap") + ": " + t("no_change"), ds)]))
    orgs = [r for r in data["timeline"] if r["measure"] == "organisations_new"]
    if orgs:
        regions = {a: c.place(a), b: c.place(b)}
        spec = timecharts.new_organisations(orgs, {x: c.layer(x) for x in {r["layer"] for r in orgs}}, regions,
                                            title=t("orgs_chart"), axis=t("count"))
        h3.append(Chart("mon-orgs", t("orgs_chart"), static(spec), caption=[Run(t("orgs_chart"), ds)]))
    ties = fig["ties"]
    h4: list[Any] = [Table("mon-ties", [t("measure"), t("then"), t("now")],
                           [[[Run(t(k))], [Run(num(ties[k]["old"]) if ties[k]["old"] is not None else "–", ds)],
                             [Run(num(ties[k]["new"]) if ties[k]["new"] is not None else "–", ds)]]
                            for k in ("external", "internal", "ei_index")], numeric=frozenset({1, 2}))]
    across = [r for r in data["timeline"] if r["measure"] == "ties_across"]
    if across:
        spec = timecharts.ties_by_type(across, {r["type"]: r["type"] for r in across}, title=t("ties_chart"),
                                       axis=t("count"))
        h4.append(Chart("mon-ties-chart", t("ties_chart"), static(spec), caption=[Run(t("ties_chart"), ds)]))
    h5: list[Any] = []
    if data["graph"]:
        items = []
        for sid, ev in data["synergies"].items():
            name = f"{sid} {synergy_names.get(sid, '')}".strip()
            shown = ", ".join(c.actor(x) for x in ev["actors"][:12]) + (" …" if len(ev["actors"]) > 12 else "")
            items.append([Run(t("syn_new", name=name, n=len(ev["actors"]), t=len(ev["ties"])),
                              (*ds, *c.bib.facts("actor", ev["actors"][:3]), *c.bib.facts("relation", ev["ties"][:3]))),
                          *([Run(f" ({shown})")] if shown else [])])
        h5.append(Bullets(items))
    else:
        h5.append(Paragraph([Run(t("syn_skip", n=f"{GRAPH_MAX_ACTORS:,}"))]))
    h6: list[Any] = []
    for r in data["recommendations"]:
        title = r["title_nl"] if lang == "nl" else (r["title_en"] or r["title_nl"])
        lines: list[list[Run]] = []
        if "tagged" in r:
            old, new = r["tagged"]["old"], r["tagged"]["new"]
            fresh = [x for x in new if x not in old]
            lines.append([Run(t("rec_tags", tags=", ".join(r["tags"]), old=len(old), new=len(new)),
                              (*ds, *c.bib.facts("actor", new[:3])))])
            if fresh:
                lines.append([Run(t("rec_new", names=", ".join(c.actor(x) for x in fresh)), c.bib.facts("actor", fresh[:3]))])
        if "ties" in r:
            lines.append([Run(t("rec_ties", types=", ".join(r["types"]), old=len(r["ties"]["old"]),
                                new=len(r["ties"]["new"])), ds)])
        for metric in r.get("metrics", []):
            pts = [p for p in r.get("series", []) if p["metric"] == metric]
            text = "; ".join(f"{p['subject']} {p['w'] or '–'}: {num(p['value'])} {p['unit']}" for p in pts) or "–"
            lines.append([Run(t("rec_metric", metric=metric, points=text), c.bib.facts("indicator", [p["id"] for p in pts]))])
        if not lines:
            lines.append([Run(t("rec_none"))])
        h6.append(Paragraph([Run(f"{r['number']}. {title}", strong=True)]))
        h6.append(Bullets(lines))
    intro = Paragraph([Run(t("intro", since=since))], kind="lead")
    sections = [Section("h3", t("h3"), [intro, *h3]), Section("h4", t("h4"), h4), Section("h5", t("h5"), h5),
                Section("h6", t("h6"), h6)]
    doc = c.document("monitor", t("title", since=since), sections)
    if data.get("undated_note"):
        doc.colophon.insert(0, [Run(str(data["undated_note"]))])
    return doc


def monitor_report(atlas: Atlas, *, since: str, a: str | None = None, b: str | None = None, lang: str = "nl",
                   progress: Callable[[str], None] | None = None) -> Document:
    """The yearly monitor: what changed since ``since`` per chapter of the report."""
    data = collect_monitor(atlas, since=since, a=a, b=b, progress=progress)
    c = Composer(atlas.lookups(), facts(atlas), lang)
    names = {str(r["id"]): str(r["name_nl"] if lang == "nl" else r["name"]) for r in records(atlas.synergies())}
    return compose_monitor(data, c, lang, names)
