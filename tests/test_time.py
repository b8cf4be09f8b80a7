"""Time: the dated fields, ``--as-of`` (one filter for every analysis), ``timeline`` and ``diff``."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

import stackatlas
from stackatlas.analysis import integration, profile
from stackatlas.analysis.changes import corridor_ties, diff_databases, diff_versions
from stackatlas.analysis.timeline import across_label, timeline
from stackatlas.cli import main
from stackatlas.dataset.loader import load_dataset
from stackatlas.errors import AnalysisError, InvalidData
from stackatlas.store import build


def _edit(path: Path, change: Any) -> None:
    recs = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(recs)
    path.write_text(yaml.safe_dump(recs, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _by_id(recs: list[dict[str, Any]], ident: str) -> dict[str, Any]:
    return next(r for r in recs if r["id"] == ident)


@pytest.fixture(scope="module")
def dated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture with dated facts: a tie that ended in 2020, an actor dissolved in 2019, a site opened in
    2021, an organisation founded in 2023 with a tie of 2023."""
    root = tmp_path_factory.mktemp("dated") / "ds"
    shutil.copytree(stackatlas.fixture_path(), root)

    def rels(recs: list[dict[str, Any]]) -> None:
        _by_id(recs, "uva-arcnl-partnership")["ended"] = "2020"
        recs.append({"id": "newco-partners-asml", "type": "partnership", "from": "newco", "to": "asml",
                     "date": "2023-05", "sources": [{"source": "tech-corridor-2026", "locator": "test"}]})

    def mra(recs: list[dict[str, Any]]) -> None:
        _by_id(recs, "rtl-nederland")["dissolved"] = "2019"
        ec = _by_id(recs, "edgeconnex")
        ec["sites"] = [{**s, "since": "2021"} for s in ec["sites"]]

    def brainport(recs: list[dict[str, Any]]) -> None:
        recs.append({"id": "newco", "name": "Newco", "kind": "startup", "hq": "eindhoven",
                     "layers": [{"layer": "ai"}], "founded": "2023-03",
                     "sources": [{"source": "tech-corridor-2026", "locator": "test"}]})

    _edit(root / "relations.yaml", rels)
    _edit(root / "actors" / "mra.yaml", mra)
    _edit(root / "actors" / "brainport.yaml", brainport)
    return root


@pytest.fixture(scope="module")
def atlas(dated: Path, tmp_path_factory: pytest.TempPathFactory) -> stackatlas.Atlas:
    return stackatlas.open(data=dated, db=tmp_path_factory.mktemp("db") / "dated.duckdb")


def _ids(eng: Any, table: str, col: str = "id") -> set[str]:
    return set(eng.execute(eng.table(table))[col])


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_as_of_leaves_out_later_and_ended_facts(atlas: stackatlas.Atlas) -> None:
    now, then = atlas.engine(), atlas.engine(as_of="2018")
    assert {"newco", "rtl-nederland"} <= _ids(now, "actors")
    assert "newco" not in _ids(then, "actors") and "rtl-nederland" in _ids(then, "actors")
    assert "rtl-nederland" not in _ids(atlas.engine(as_of="2019"), "actors")  # dissolved on 2019-01-01
    assert "newco-partners-asml" not in _ids(then, "relations")
    assert "asml-invests-mistral-ai" not in _ids(then, "relations")  # 2025
    assert "newco-partners-asml" not in _ids(atlas.engine(as_of="2023-04"), "relations")
    assert "newco-partners-asml" in _ids(atlas.engine(as_of="2023-05"), "relations")
    rel = then.execute(then.table("relations")).set_index("id")
    assert rel.loc["uva-arcnl-partnership", "status"] == "active"  # ended in 2020: live in 2018
    rel21 = atlas.engine(as_of="2021").execute(atlas.engine(as_of="2021").table("relations")).set_index("id")
    assert rel21.loc["uva-arcnl-partnership", "status"] == "ended"
    assert now.execute(now.table("relations")).set_index("id").loc["uva-arcnl-partnership", "status"] == "ended"


@pytest.mark.slow  # about 4 s or more: `make test` runs it, `make test-fast` does not
def test_as_of_reaches_every_analysis(atlas: stackatlas.Atlas) -> None:
    # integration counts live ties only: the ended partnership counts in 2018, not in 2021
    def via_ties(as_of: str) -> set[str]:
        t = integration(atlas.engine(as_of=as_of)).set_index("actor")
        return {a for a, v in t["via_ties"].items() if len(v)}

    assert "uva" in via_ties("2018") and "uva" not in via_ties("2021")
    # profile counts recounted by hand: brainport's AI layer with and without newco
    def ai(as_of: str | None) -> float:
        p = profile(atlas.engine(as_of=as_of), level="region", places=["brainport"])
        return float(p.set_index("layer").loc["ai", "count"])

    assert ai(None) == ai("2023") == ai("2022") + 1


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_site_dates_place_actors(atlas: stackatlas.Atlas) -> None:
    def places(as_of: str | None) -> set[str]:
        eng = atlas.engine(as_of=as_of)
        ap = eng.execute(eng.table("actor_places"))
        return set(ap[ap["actor"] == "edgeconnex"]["place"])

    assert "haarlemmermeer" in places(None) and "haarlemmermeer" in places("2021")
    assert "haarlemmermeer" not in places("2020")
    assert places("2020") < places("2021")
    # the recomputed rows equal the stored ones once the site is open
    assert places("2021") == places(None)


def test_undated_facts_are_counted_and_said(atlas: stackatlas.Atlas) -> None:
    eng = atlas.engine(as_of="2018")
    und = eng.undated()
    acts = eng.execute(eng.table("actors"))
    assert und["actors"] == int(acts["founded_date"].isna().sum()) > 0
    note = atlas.at("2018").undated_note()
    assert note is not None and "2018-12-31" in note and f"{und['actors']} organisations" in note
    with pytest.raises(AnalysisError):
        atlas.at("2018-13")


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_cli_as_of_says_how_undated_facts_count(dated: Path, atlas: stackatlas.Atlas,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data", str(dated), "--db", str(atlas.db), "profile", "--level", "region", "--as-of", "2018",
                 "--format", "json"])
    out = capsys.readouterr()
    assert code == 0 and "counted as present throughout" in out.err
    assert main(["--data", str(dated), "--db", str(atlas.db), "profile", "--as-of", "x"]) == 1


def test_bad_dates_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "bad"
    shutil.copytree(stackatlas.fixture_path(), root)
    _edit(root / "relations.yaml", lambda recs: _by_id(recs, "asml-arcnl-partnership").update(ended="2010"))
    with pytest.raises(InvalidData) as exc:
        load_dataset(root)
    assert any("ended (2010) lies before date (2014)" in p.message and p.path.endswith("relations.yaml")
               for p in exc.value.errors)


def _recount(ds: Any, ap: dict[str, set[str]], a: str, b: str) -> Counter[tuple[str, str, str, str]]:
    """The timeline by year recounted from the records: (period, measure, region, layer or type) -> n."""
    out: Counter[tuple[str, str, str, str]] = Counter()
    family = {t.id: t.family for t in ds.taxonomy.relation_types}
    for r in ds.relations:
        for when, measure in ((r.date, "new"), (r.ended, "ties_ended")):
            if when is None:
                continue
            fa, ta = ap.get(r.from_, set()), ap.get(r.to, set())
            year = when[:4]
            regions = [p for p in (a, b) if p in fa and p in ta]
            across = (a in fa and b in ta) or (b in fa and a in ta)
            if measure == "new":
                for p in regions:
                    out[(year, "ties_within", p, r.type)] += 1
                if across:
                    out[(year, "ties_across", across_label(a, b), r.type)] += 1
                    out[(year, "ties_across_family", across_label(a, b), family[r.type])] += 1
            else:
                for p in regions + ([across_label(a, b)] if across else []):
                    out[(year, "ties_ended", p, r.type)] += 1
    for act in ds.actors:
        if act.founded is None:
            continue
        for p in (a, b):
            if p in ap.get(act.id, set()):
                for layer in {x.layer for x in act.layers}:
                    out[(act.founded[:4], "organisations_new", p, layer)] += 1
    return out


def test_timeline_equals_a_recount(dated: Path, atlas: stackatlas.Atlas) -> None:
    t = timeline(atlas.engine(), a="mra", b="brainport")
    got = Counter({(r.period, r.measure, r.region, r.layer if r.measure == "organisations_new" else r.type):
                   int(r.count) for r in t.itertuples()})
    ap: dict[str, set[str]] = {}
    for actor, place in atlas.con.execute("SELECT actor, place FROM actor_places").fetchall():
        ap.setdefault(actor, set()).add(place)
    ds = load_dataset(dated)
    try:
        want = _recount(ds, ap, "mra", "brainport")
    finally:
        ds.close()
    assert got == want
    assert got[("2023", "organisations_new", "brainport", "ai")] == 1
    assert got[("2020", "ties_ended", "mra", "joint-lab")] == 1
    assert t.attrs["undated"]["relations"] >= 1
    q = timeline(atlas.engine(), a="mra", b="brainport", by="quarter", since="2023", until="2023")
    assert set(q["period"]) == {"2023-Q1", "2023-Q2"}
    with pytest.raises(AnalysisError):
        timeline(atlas.engine(), a="mra", b="brainport", by="month")


def test_corridor_ties_agree_with_bridges() -> None:
    from stackatlas.analysis import bridges

    eng = stackatlas.open(data=stackatlas.fixture_path()).engine()
    br = bridges(eng, a="mra", b="brainport")
    mine = corridor_ties(eng, a="mra", b="brainport")
    assert (mine["external"], mine["internal"]) == (br["external"], br["internal"])
    assert mine["ei_index"] == pytest.approx(br["ei_index"])


# --- diff -------------------------------------------------------------------------------------------------


def _referenced(root: Path) -> set[str]:
    """Every id some record refers to (a removable actor is none of these)."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.yaml") if "actors" not in p.parts)
    refs = set()
    for p in (root / "actors").glob("*.yaml"):
        for a in yaml.safe_load(p.read_text(encoding="utf-8")):
            if a.get("parent"):
                refs.add(a["parent"])
    return refs | {w.strip(" -:[],{}'\"") for w in text.split()}


@pytest.fixture(scope="module")
def corridor_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """The bundled dataset and a copy with one relation added, one actor renamed and one removed."""
    base = tmp_path_factory.mktemp("diff")
    old, new = base / "old", base / "new"
    shutil.copytree(stackatlas.bundled_path(), old)
    shutil.copytree(old, new)
    refs = _referenced(new)
    files = sorted((new / "actors").glob("*.yaml"))
    gone = next((f, a["id"]) for f in files for a in yaml.safe_load(f.read_text(encoding="utf-8"))
                if a["id"] not in refs)
    _edit(gone[0], lambda recs: recs.remove(_by_id(recs, gone[1])))
    _edit(new / "actors" / "almere.yaml", lambda recs: recs[0].update(name="ASM (renamed)"))
    rel = new / "relations" / "global.yaml"
    _edit(rel, lambda recs: recs.append({"id": "asml-partners-adyen-test", "type": "partnership", "from": "asml",
                                         "to": "adyen", "date": "2026-01",
                                         "sources": [{"source": "tech-corridor-2026", "locator": "test"}]}))
    return old, new, {"removed": gone[1], "renamed": "asm"}


@pytest.mark.slow  # about 4 s or more: `make test` runs it, `make test-fast` does not
def test_diff_reports_exactly_the_changes(corridor_pair: tuple[Path, Path, dict[str, str]], tmp_path: Path) -> None:
    old, new, what = corridor_pair
    dbs = []
    for name, root in (("o", old), ("n", new)):
        ds = load_dataset(root)
        try:
            dbs.append(build(ds, tmp_path / f"{name}.duckdb"))
        finally:
            ds.close()
    rec = diff_databases(dbs[0], dbs[1])
    rows = {(r["kind"], r["id"], r["change"], r["field"]) for r in rec["rows"]}
    assert rows == {("actors", what["removed"], "removed", None), ("actors", "asm", "changed", "name"),
                    ("relations", "asml-partners-adyen-test", "added", None)}
    named = next(r for r in rec["rows"] if r["field"] == "name")
    assert (named["old"], named["new"]) == ("ASM", "ASM (renamed)")


@pytest.mark.slow  # about 19 s or more: `make test` runs it, `make test-fast` does not
def test_diff_figures(corridor_pair: tuple[Path, Path, dict[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    old, new, what = corridor_pair
    res = diff_versions(str(old), str(new), data=new)
    fig = res["figures"]
    # asml (brainport) and adyen (mra) were not adjacent: one more pair across
    assert fig["ties"]["external"]["new"] == fig["ties"]["external"]["old"] + 1
    assert fig["ties"]["internal"]["new"] == fig["ties"]["internal"]["old"]
    # the removed actor's layers lose one organisation in each of the regions it was in; nothing else
    at = stackatlas.open(data=old)
    places = {p for (p,) in at.con.execute("SELECT place FROM actor_places WHERE actor = ? AND place IN ('mra', "
                                          "'brainport')", [what["removed"]]).fetchall()}
    layers = {x for (x,) in at.con.execute("SELECT DISTINCT layer FROM actor_layers WHERE actor = ?",
                                           [what["removed"]]).fetchall()}
    assert {(c["place"], c["layer"], c["change"]) for c in fig["counts"]} == {(p, x, -1) for p in places for x in layers}
    assert main(["--data", str(new), "diff", str(old), "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert "ASM (renamed)" in md and "| relations | asml-partners-adyen-test | added |" in md


@pytest.mark.slow  # about 9 s or more: `make test` runs it, `make test-fast` does not
def test_diff_against_a_git_revision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dulwich import porcelain

    repo = tmp_path / "repo"
    data = repo / "data"
    shutil.copytree(stackatlas.fixture_path(), data)
    porcelain.init(str(repo))
    porcelain.add(str(repo), paths=[str(p) for p in data.rglob("*") if p.is_file()])
    porcelain.commit(str(repo), message=b"fixture", author=b"t <t@example.org>", committer=b"t <t@example.org>")
    _edit(data / "actors" / "mra.yaml", lambda recs: _by_id(recs, "adyen").update(name="Adyen N.V."))
    code = main(["--data", str(data), "diff", "--since", "HEAD", "--format", "json"])
    import json

    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [(r["id"], r["field"], r["old"], r["new"]) for r in out["records"]["rows"]] == [
        ("adyen", "name", "Adyen", "Adyen N.V.")]
    assert main(["--data", str(data), "diff", "--since", "no-such-rev"]) == 1


# --- the monitor and the web ------------------------------------------------------------------------------


@pytest.mark.slow  # about 23 s or more: `make test` runs it, `make test-fast` does not
def test_monitor_shows_what_changed_since(atlas: stackatlas.Atlas) -> None:
    from stackatlas.report import to_markdown
    from stackatlas.report.monitor import collect_monitor, monitor_report

    data = collect_monitor(atlas, since="2022")
    counts = {(r["place"], r["layer"]): r["change"] for r in data["changes"]["figures"]["counts"]}
    assert counts[("brainport", "ai")] == 1  # newco, founded 2023
    md = to_markdown(monitor_report(atlas, since="2022", lang="en"))
    assert "# Monitor of the corridor since 2022-12-31" in md and "## 4 Recommendations (H.6)" in md
    assert "undated and so counted as present throughout" in md and "[^1]" in md


@pytest.mark.slow  # about 6 s or more: `make test` runs it, `make test-fast` does not
def test_web_timeline_changes_and_as_of(dated: Path, atlas: stackatlas.Atlas) -> None:
    from fastapi.testclient import TestClient

    from stackatlas.web import create_app

    client = TestClient(create_app(data=dated, db=atlas.db, warm_caches=False))
    body = client.get("/api/timeline").json()
    assert {"period": "2023", "measure": "organisations_new", "region": "brainport", "layer": "ai", "type": None,
            "count": 1} in body["rows"]
    assert client.get("/timeline").status_code == 200
    ch = client.get("/api/changes", params={"since": "2022"}).json()
    assert ch["since"] == "2022-12-31" and ch["figures"]["counts"]
    r = client.get("/integration", params={"as_of": "2018"})
    assert r.status_code == 200 and "2018-12-31" in r.headers["x-undated"] and "as-of" in r.text
    assert client.get("/integration", params={"as_of": "2018-99"}).status_code == 422
    # the OpenAPI document lists only real days for `since`, and the server keeps to it
    for since, status in (("2024", 200), ("2024-02", 200), ("2023-12-31", 200), ("2023-04-31", 422),
                          ("2024-13", 422), ("Atlas", 422)):
        assert client.get("/api/changes", params={"since": since}).status_code == status, since
