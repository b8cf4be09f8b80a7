"""The web layer at scale: lists, facets and search run as bounded SQL on the web index and give what the
library gives (checked against :meth:`Atlas.actors` / :meth:`Atlas.relations` sorted in Python), caps keep
pages bounded, and a synthetic dataset is served with typo-tolerant search.

No timings are asserted here: ``benchmarks/load.py`` measures them.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import stackatlas
from stackatlas.atlas import records
from stackatlas.scale.synth import synthesise
from stackatlas.web import create_app
from stackatlas.web import queries as Q
from stackatlas.web.queries import actors as qa
from stackatlas.web.queries import network as qn
from stackatlas.web.queries import places as qp
from stackatlas.web.queries import relations as qr
from stackatlas.web.queries import search as qsearch
from stackatlas.web.queries import sources as qsrc
from stackatlas.web.queries import synergies as qsyn


def _gen(client: TestClient) -> Any:
    return client.app.state.store.current()  # type: ignore[attr-defined]


def _atlas(client: TestClient) -> stackatlas.Atlas:
    gen = _gen(client)
    return stackatlas.Atlas(gen.data, gen.link)


def _python_sorted(rows: list[dict[str, Any]], key: str, desc: bool) -> list[str]:
    """The order the web had when it sorted every row in Python (missing values last, stable ties)."""
    def k(r: dict[str, Any]) -> tuple[int, Any]:
        v = r.get(key)
        v = len(v) if isinstance(v, list) else v
        v = v.casefold() if isinstance(v, str) else v
        return (v is None, v if v is not None else 0)

    out = sorted(rows, key=k, reverse=desc)
    if desc:
        out = [r for r in out if r.get(key) is not None] + [r for r in out if r.get(key) is None]
    return [r["id"] for r in out]


@pytest.mark.parametrize("sort", ["name", "-name", "kind", "-kind", "hq", "-hq", "control_country",
                                  "-control_country", "layers", "-layers", "ties", "-ties"])
def test_actor_sorting_in_sql_matches_sorting_every_row(bundled_client: TestClient, sort: str) -> None:
    with _atlas(bundled_client) as atlas:
        every = records(atlas.actors())
        degree: Counter[str] = Counter()
        for r in records(atlas.sql("SELECT from_actor, to_actor FROM relations")):
            degree[r["from_actor"]] += 1
            degree[r["to_actor"]] += 1
    for r in every:
        r["ties"] = degree[r["id"]]
    expected = _python_sorted(every, sort.lstrip("-"), sort.startswith("-"))
    body = bundled_client.get("/api/actors", params={"sort": sort, "limit": 500}).json()
    assert body["total"] == len(every)
    assert [a["id"] for a in body["items"]] == expected
    # paging is a window of the same order
    page = bundled_client.get("/api/actors", params={"sort": sort, "limit": 7, "offset": 11}).json()
    assert [a["id"] for a in page["items"]] == expected[11:18]


@pytest.mark.parametrize("filters", [{"layer": "chips"}, {"place": "brainport"}, {"place": "mra", "layer": "ai"},
                                     {"kind": "university"}, {"domain": "finance"}, {"control_country": "us"},
                                     {"q": "as"}])
def test_actor_filters_and_facets_match_the_library(bundled_client: TestClient, filters: dict[str, str]) -> None:
    with _atlas(bundled_client) as atlas:
        expected = records(atlas.actors(**filters))
        ids = {r["id"] for r in expected}
    assert expected, filters  # each filter keeps some actors of the corridor
    body = bundled_client.get("/api/actors", params={**filters, "limit": 500}).json()
    assert body["total"] == len(expected)
    assert {a["id"] for a in body["items"]} == ids
    facets = qa.actor_facets(_gen(bundled_client), {**filters, "layer": None} if "layer" in filters else filters)
    layers: Counter[str] = Counter()
    for r in records(atlas.actors(**{k: v for k, v in filters.items() if k != "layer"})):
        layers.update({x["layer"] for x in r["layers"] or []})
    assert dict(facets["layer"]) == dict(layers)
    others = {k: v for k, v in filters.items() if k != "kind"}  # a facet counts given the *other* filters
    kinds = Counter(r["kind"] for r in records(atlas.actors(**others)) if r["kind"])
    assert kinds and dict(qa.actor_facets(_gen(bundled_client), others)["kind"]) == dict(kinds)


def test_place_facet_counts_every_actor_located_there(bundled_client: TestClient) -> None:
    facets = dict(qa.actor_facets(_gen(bundled_client), {})["place"])
    with _atlas(bundled_client) as atlas:
        for place in ("mra", "brainport", "eindhoven", "amsterdam", "noord-holland"):
            n = len(atlas.actors(place=place))
            assert n and facets.get(place, 0) == n, place
            assert qp.place_actor_count(_gen(bundled_client), place) == n


@pytest.mark.parametrize("sort", ["date", "-date", "amount", "-amount", "type", "-type", "from", "-to"])
def test_relation_sorting_in_sql_matches_sorting_every_row(bundled_client: TestClient, sort: str) -> None:
    with _atlas(bundled_client) as atlas:
        every = records(atlas.relations())
    for r in every:
        r["amount"] = (r["amount"] or {}).get("value")
    expected = _python_sorted(every, sort.lstrip("-"), sort.startswith("-"))
    body = bundled_client.get("/api/relations", params={"sort": sort, "limit": 500}).json()
    assert body["total"] == len(every)
    assert [r["id"] for r in body["items"]] == expected[:500]


def test_relation_filters_match_python_filters(bundled_client: TestClient) -> None:
    with _atlas(bundled_client) as atlas:
        every = records(atlas.relations())
        chips = {r["id"] for r in records(atlas.actors(layer="chips"))}
        mra = {r["id"] for r in records(atlas.actors(place="mra"))}
    assert every and chips and mra
    body = bundled_client.get("/api/relations", params={"layer": "chips", "limit": 500}).json()
    assert {r["id"] for r in body["items"]} == {r["id"] for r in every if r["from"] in chips or r["to"] in chips}
    body = bundled_client.get("/api/relations", params={"place": "mra", "limit": 500}).json()
    assert {r["id"] for r in body["items"]} == {r["id"] for r in every if r["from"] in mra or r["to"] in mra}
    asml = bundled_client.get("/api/relations", params={"actor": "asml", "limit": 500}).json()
    assert asml["items"]
    assert [r["id"] for r in asml["items"]] == [r["id"] for r in every if "asml" in (r["from"], r["to"])]
    facets = qr.relation_facets(_gen(bundled_client), {"actor": "asml"})
    assert dict(facets["type"]) == dict(Counter(r["type"] for r in asml["items"]))


def test_actor_names_are_a_bounded_cache(fixture_client: TestClient) -> None:
    names = Q.ActorNames(_gen(fixture_client), count=10, size=2)
    assert names.get("asml")["name"] == "ASML"
    assert "nxp" in names and "no-such-actor" not in names
    names.prefetch(["asml", "nxp", "tue", "adyen"])
    assert len(names._data) == 2 and len(names) == 10
    assert names.get("no-such-actor", "x") == "x"


def test_actor_page_caps_its_ties(fixture_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    full = fixture_client.get("/api/actors/asml").json()
    assert full["ties"] == len(full["relations"]) >= 2
    monkeypatch.setattr(qa, "ACTOR_RELATIONS", 1)
    _gen(fixture_client).memo._data.clear()
    _gen(fixture_client).responses._data.clear()
    capped = fixture_client.get("/api/actors/asml").json()
    assert capped["ties"] == full["ties"] and capped["relations"] == full["relations"][:1]
    html = fixture_client.get("/actors/asml").text
    assert f"1 / {full['ties']}" in html and 'href="/relations?actor=asml"' in html
    _gen(fixture_client).memo._data.clear()
    _gen(fixture_client).responses._data.clear()


def test_source_citations_are_paged(fixture_client: TestClient) -> None:
    src = fixture_client.get("/api/sources/tech-corridor-2026").json()
    assert src["cited_total"] == len(src["cited_by"]) > 3
    page = fixture_client.get("/api/sources/tech-corridor-2026", params={"limit": 2, "offset": 1}).json()
    assert page["cited_by"] == src["cited_by"][1:3] and page["cited_total"] == src["cited_total"]
    r = fixture_client.get("/api/sources/tech-corridor-2026", params={"limit": qsrc.MAX_CITED + 1})
    assert r.status_code == 422


def test_healthz_names_the_compare_pair(fixture_client: TestClient) -> None:
    assert fixture_client.get("/healthz").json()["compare"] == ["mra", "brainport"]


# -- a synthetic dataset ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def synth_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("web-synth")
    data = root / "synth"
    synthesise(data, actors=3000, relations=9000, seed=3)
    app = create_app(data, root / "synth.duckdb", warm_caches=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_synthetic_search_finds_names_with_typos(synth_client: TestClient) -> None:
    names = [a["name"] for a in synth_client.get("/api/actors", params={"limit": 500, "offset": 1000}).json()["items"]]
    long_first = [n for n in names if len(n.split()[0]) >= 5]  # a typo in a shorter word may find another
    assert len(long_first) >= 8
    rng = random.Random(1)
    for name in rng.sample(long_first, 8):
        first = name.split()[0]
        typo = first[:2] + first[3:]  # a letter dropped
        items = synth_client.get("/api/search", params={"q": typo, "limit": 100}).json()["items"]
        assert any(i["type"] == "actor" and i["label"].split()[0] == first for i in items), (typo, name)
        exact = synth_client.get("/api/search", params={"q": name}).json()["items"]
        assert exact[0]["type"] == "actor" and exact[0]["label"] == name and exact[0]["score"] == 1.0


def test_synthetic_search_ranks_like_scoring_every_name(synth_client: TestClient) -> None:
    """The candidates (names with a word near the query's first word) lose nothing a full scan would find."""
    gen = _gen(synth_client)
    full = f"""SELECT 'actor' AS type, a.id, max({qsearch.score_sql("a.name")}) AS score FROM actors a GROUP BY a.id
               HAVING max({qsearch.score_sql("a.name")}) >= $threshold ORDER BY score DESC, a.id"""
    whole = 0
    for q in ("quanora", "veron data", "analytcs", "solara ai group", "grop"):
        threshold = 0.86 if len(q) >= 4 else 0.93
        expected = {(r["id"], round(r["score"], 4)) for r in Q.rows(gen, full, {"q": q, "threshold": threshold})}
        got = qsearch.search(gen, q, limit=100)
        got_actors = {(r["id"], r["score"]) for r in got if r["type"] == "actor"}
        assert got_actors and got_actors <= expected, q
        if len(expected) < 100:
            assert {i for i, _ in got_actors} == {i for i, _ in expected}, q
            whole += 1
    assert whole  # some queries have fewer than 100 hits: compared whole


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_synthetic_pages_respond(synth_client: TestClient) -> None:
    actor = synth_client.get("/api/actors", params={"sort": "-ties", "limit": 1}).json()["items"][0]
    for path in ("/", "/actors", "/actors?sort=-ties&layer=ai", f"/actors/{actor['id']}", "/relations",
                 f"/relations?actor={actor['id']}&sort=-amount", "/places/mra", "/layers/chips", "/sources",
                 "/sources/stackatlas-synthetic", "/search?q=data", "/api/profile?place=mra"):
        r = synth_client.get(path)
        assert r.status_code == 200, path


def test_synthetic_relation_statuses_can_be_chosen(synth_client: TestClient) -> None:
    """Every status the relation facet offers (the synthetic ties have ``active`` ones) filters the list."""
    statuses = dict(qr.relation_facets(_gen(synth_client), {})["status"])
    assert statuses.get("active")
    for status, n in statuses.items():
        body = synth_client.get("/api/relations", params={"status": status, "limit": 500}).json()
        assert body["total"] == n and {r["status"] for r in body["items"]} == {status}, status
        assert synth_client.get("/relations", params={"status": status}).status_code == 200, status


@pytest.mark.slow  # about 3 s or more: `make test` runs it, `make test-fast` does not
def test_whole_graph_analyses_are_skipped_on_large_datasets(synth_client: TestClient,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # above the limit only the dataset's own pair gets bridges (in a child process, see
    # test_bridges_of_a_large_dataset_run_in_a_child_process); other pairs say why they have none
    gen = _gen(synth_client)
    assert qn.graph_too_large(gen) is None
    monkeypatch.setattr(qn, "GRAPH_MAX_ACTORS", 100)
    assert qn.graph_too_large(gen) == {"actors": 3000, "max": 100}
    assert qn.bridges(gen, "mra", "amsterdam") is None
    html = synth_client.get("/compare", params={"a": "mra", "b": "amsterdam", "lang": "en"}).text
    assert "too heavy for 3,000 organisations" in html


# -- the load script's search terms ---------------------------------------------------------------------
def _load_module() -> Any:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "load.py"
    spec = importlib.util.spec_from_file_location("stackatlas_load_bench", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_load_script_makes_search_terms_from_the_data() -> None:
    load = _load_module()
    rng = random.Random(0)
    assert load.typo("ab", rng) == "ab"
    for _ in range(20):
        t = load.typo("quanora", rng)
        assert t != "quanora" and abs(len(t) - 7) <= 1
    terms = load.data_searches(["Quanora AI Group", "Veron Data Centers", "Solara Analytics"], n=12)
    assert terms == load.data_searches(["Quanora AI Group", "Veron Data Centers", "Solara Analytics"], n=12)
    assert 0 < len(terms) <= 12 and len(set(terms)) == len(terms)
    assert all(t == t.lower() for t in terms)


def test_foundries_are_paged(bundled_client: TestClient) -> None:
    full = bundled_client.get("/api/integration").json()
    assert full["foundries_total"] == len(full["foundries"]) >= 2
    page = bundled_client.get("/api/integration", params={"limit": 1, "offset": 1}).json()
    assert page["foundries"] == full["foundries"][1:2] and page["flow"] == full["flow"]
    assert bundled_client.get("/api/integration", params={"limit": 501}).status_code == 422


def test_ego_network_ties_with_hubs_match_every_tie(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ties among an ego network's nodes (from look-ups of the nodes that are no hubs and the table of ties
    among hubs) are exactly the ties whose two ends are nodes."""
    from stackatlas.web import index as web_index

    monkeypatch.setattr(web_index, "HUB_TIES", 1)  # every actor with two ties or more is a hub
    app = create_app(stackatlas.fixture_path(), tmp_path / "f.duckdb", warm_caches=False)
    with TestClient(app) as client:
        gen = _gen(client)
        with _atlas(client) as atlas:
            every = records(atlas.sql("SELECT id, from_actor, to_actor FROM relations "
                                      "ORDER BY date_start NULLS LAST, id"))
        assert Q.scalar(gen, "SELECT count(*) FROM web.hub_edges") > 0
        edges = 0
        for ident in ("asml", "nxp", "tue", "adyen"):
            ego = qa.ego_network(gen, ident, limit=5)
            nodes = set(ego["nodes"])
            assert ego["nodes"][0] == ident and len(nodes) == len(ego["nodes"]) <= 6
            assert [e["id"] for e in ego["edges"]] == [r["id"] for r in every
                                                       if r["from_actor"] in nodes and r["to_actor"] in nodes]
            edges += len(ego["edges"])
        assert edges  # the ego networks have ties among their nodes


def test_ego_partners_from_the_index_follow_the_rule(bundled_client: TestClient) -> None:
    """Every actor's ego network (its partners precomputed in ``web.ego``) is what the rule gives, worked out
    here from all ties: partners ranked by their number of ties, then by the first tie with them in date
    order (date, then id), the first ``limit``; each node with its first layer."""
    gen = _gen(bundled_client)
    with _atlas(bundled_client) as atlas:
        rels = records(atlas.sql("SELECT id, from_actor, to_actor FROM relations ORDER BY date_start NULLS LAST, id"))
        first_layer = dict(atlas.sql("SELECT actor, arg_min(layer, position) FROM actor_layers GROUP BY actor")
                           .itertuples(index=False, name=None))
        ids = [r["id"] for r in records(atlas.sql("SELECT id FROM actors ORDER BY id"))]
    ties = Counter(x for r in rels for x in (r["from_actor"], r["to_actor"]))
    checked = 0
    for ident in ids:
        met: dict[str, int] = {}
        for i, r in enumerate(rels):
            if ident in (r["from_actor"], r["to_actor"]) and r["from_actor"] != r["to_actor"]:
                other = r["to_actor"] if r["from_actor"] == ident else r["from_actor"]
                met.setdefault(other, i)
        want = sorted(met, key=lambda o: (-ties[o], met[o]))[:5]
        ego = qa.ego_network(gen, ident, limit=5)
        assert ego["nodes"] == [ident, *want], ident
        assert ego["layers"] == {n: first_layer[n] for n in ego["nodes"] if n in first_layer}, ident
        checked += len(met) > 5
    assert checked  # some actors have more partners than the limit
    with pytest.raises(ValueError):
        qa.ego_network(gen, ids[0], limit=qa.EGO_LIMIT + 1)


def test_synergy_page_caps_its_ties(bundled_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    found = bundled_client.get("/api/synergies").json()["discovered"]
    cand = next(c for c in found if len((c.get("evidence") or {}).get("ties", [])) >= 2)
    monkeypatch.setattr(qsyn, "TIES_SHOWN", 1)
    html = bundled_client.get(f"/synergies/{cand['id']}", params={"size": 11, "lang": "en"}).text
    n = len(qsyn.discovered_detail(_gen(bundled_client), cand["id"])["evidence"]["ties"])
    assert f"({n})" in html and f"and {n - 1} more:" in html


@pytest.mark.slow  # several seconds: `make test` runs it, `make test-fast` does not
def test_bridges_of_a_large_dataset_run_in_a_child_process(fixture_client: TestClient,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    gen = _gen(fixture_client)
    a, b = Q.lookups(gen).compare
    here = qn.bridges(gen, a, b)
    monkeypatch.setattr(qn, "GRAPH_MAX_ACTORS", 3)       # the fixture now counts as "too large"
    assert qn.graph_too_large(gen)
    child = qn.bridges(gen, a, b)
    assert child is not None and here is not None
    assert child == here                                  # same numbers, computed in another process
    assert qn.bridges(gen, b, a) is None                   # other pairs are not computed at this size
    html = fixture_client.get(f"/compare?a={b}&b={a}").text
    assert 'class="placeholder"' in html
