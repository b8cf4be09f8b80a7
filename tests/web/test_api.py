"""The JSON API: shapes, filters, bounds, CSV export and the error envelope."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from stackatlas.atlas import ACTOR_COLUMNS, Atlas, records
from stackatlas.dataset.model import RELATION_STATUSES


def envelope(r, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


def test_healthz(fixture_client: TestClient) -> None:
    r = fixture_client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["dataset"] == "corridor-fixture"
    assert len(body["content_hash"]) == 64


def test_actors_filters_match_the_library(fixture_client: TestClient) -> None:
    r = fixture_client.get("/api/actors", params={"layer": "chips", "place": "brainport"})
    assert r.status_code == 200
    body = r.json()
    assert sorted(a["id"] for a in body["items"]) == ["asml", "axelera-ai", "nxp", "tue"]
    assert body["total"] == 4 and body["limit"] == 100 and body["offset"] == 0
    first = body["items"][0]
    assert set(ACTOR_COLUMNS) <= set(first)
    assert first["sources"] and {"source", "locator", "confidence"} <= set(first["sources"][0])


def test_actors_kind_domain_q_and_paging(fixture_client: TestClient) -> None:
    all_ = fixture_client.get("/api/actors").json()
    assert all_["total"] == len(all_["items"]) > 5
    page = fixture_client.get("/api/actors", params={"limit": 2, "offset": 1}).json()
    assert [a["id"] for a in page["items"]] == [a["id"] for a in all_["items"][1:3]]
    uni = fixture_client.get("/api/actors", params={"kind": "university"}).json()["items"]
    assert uni and all(a["kind"] == "university" for a in uni)
    fin = fixture_client.get("/api/actors", params={"domain": "finance"}).json()["items"]
    assert "adyen" in {a["id"] for a in fin}
    uva = fixture_client.get("/api/actors", params={"q": "University of Amsterdam"}).json()["items"]
    assert [a["id"] for a in uva] == ["uva"]
    nl = fixture_client.get("/api/actors", params={"control_country": "us"}).json()["items"]
    assert nl and all(a["control_country"] == "US" for a in nl)


def test_actors_sorting(fixture_client: TestClient) -> None:
    rows = fixture_client.get("/api/actors", params={"sort": "-ties"}).json()["items"]
    ties = [a["ties"] for a in rows]
    assert ties == sorted(ties, reverse=True)
    names = [a["name"].casefold() for a in fixture_client.get("/api/actors", params={"sort": "name"}).json()["items"]]
    assert names == sorted(names)
    envelope(fixture_client.get("/api/actors", params={"sort": "bogus"}), 422, "validation_error")


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "x"},
                                    {"format": "xml"}, {"q": "x" * 201}])
def test_actors_bounds(fixture_client: TestClient, params: dict) -> None:
    err = envelope(fixture_client.get("/api/actors", params=params), 422, "validation_error")
    assert err["details"] and "loc" in err["details"][0]


def test_limit_500_is_allowed(fixture_client: TestClient) -> None:
    assert fixture_client.get("/api/actors", params={"limit": 500}).status_code == 200


def test_unknown_filter_values_are_404(fixture_client: TestClient) -> None:
    err = envelope(fixture_client.get("/api/actors", params={"layer": "nope"}), 404, "not_found")
    assert err["details"] == {"kind": "layer", "id": "nope"}
    envelope(fixture_client.get("/api/actors", params={"place": "atlantis"}), 404, "not_found")
    envelope(fixture_client.get("/api/relations", params={"type": "marriage"}), 404, "not_found")


def test_actor_detail(fixture_client: TestClient) -> None:
    r = fixture_client.get("/api/actors/asml")
    assert r.status_code == 200
    a = r.json()
    assert a["name"] == "ASML" and a["control_country"] == "NL"
    assert a["layers"][0]["layer"] == "chips"
    assert a["relations"] and all(a["id"] in (x["from"], x["to"]) for x in a["relations"])
    assert a["sources"]
    err = envelope(fixture_client.get("/api/actors/nope"), 404, "not_found")
    assert err["details"]["kind"] == "actor"


def test_place_and_profile(fixture_client: TestClient) -> None:
    p = fixture_client.get("/api/places/brainport").json()
    assert p["type"] == "region" and "eindhoven" in p["municipalities"]
    assert p["layer_counts"]["chips"] == 4
    prof = fixture_client.get("/api/profile", params={"place": "brainport"}).json()
    assert prof["baseline"] == "nl"
    rows = {r["layer"]: r for r in prof["items"]}
    assert len(rows) == 7
    chips = rows["chips"]
    assert chips["actors"] == 4 and chips["lq"] > 1
    assert chips["lq_low"] <= chips["lq"] <= chips["lq_high"]
    two = fixture_client.get("/api/profile", params=[("place", "mra"), ("place", "brainport")]).json()
    assert {r["place"] for r in two["items"]} == {"mra", "brainport"}
    envelope(fixture_client.get("/api/profile"), 422, "validation_error")
    envelope(fixture_client.get("/api/profile", params={"place": "nope"}), 404, "not_found")
    envelope(fixture_client.get("/api/places/nope"), 404, "not_found")


def test_profile_csv(fixture_client: TestClient) -> None:
    r = fixture_client.get("/api/profile", params={"place": "mra", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 7 and {"place", "layer", "lq", "lq_low", "lq_high"} <= set(rows[0])


@pytest.mark.slow  # about 4 s or more: `make test` runs it, `make test-fast` does not
def test_synergies(fixture_client: TestClient) -> None:
    body = fixture_client.get("/api/synergies").json()
    assert body["between"] == "mra" and body["and"] == "brainport"
    assert body["curated"] and isinstance(body["discovered"], list) and body["discovered"]
    s = body["curated"][0]
    assert {"id", "layers", "actors", "sides", "sources"} <= set(s)
    assert set(s["sides"]) == {"a", "b", "both", "other"}
    swapped = fixture_client.get("/api/synergies", params={"between": "brainport", "and": "mra"}).json()
    assert swapped["curated"][0]["sides"]["a"] == s["sides"]["b"]
    envelope(fixture_client.get("/api/synergies", params={"between": "mra", "and": "mra"}), 422, "analysis_error")
    envelope(fixture_client.get("/api/synergies", params={"and": "nowhere"}), 404, "not_found")
    one = fixture_client.get(f"/api/synergies/{s['id']}").json()
    assert one["id"] == s["id"] and "ties" in one
    envelope(fixture_client.get("/api/synergies/ZZ"), 404, "not_found")


def test_relations(fixture_client: TestClient) -> None:
    body = fixture_client.get("/api/relations").json()
    assert body["total"] == len(body["items"]) > 0
    inv = fixture_client.get("/api/relations", params={"type": "investment"}).json()["items"]
    assert inv and all(r["type"] == "investment" for r in inv)
    asml = fixture_client.get("/api/relations", params={"actor": "asml"}).json()["items"]
    assert asml and all("asml" in (r["from"], r["to"]) for r in asml)
    fam = fixture_client.get("/api/relations", params={"family": "capital"}).json()["items"]
    assert fam and all(r["family"] == "capital" for r in fam)
    envelope(fixture_client.get("/api/relations", params={"family": "nope"}), 404, "not_found")
    r = fixture_client.get("/api/relations", params={"format": "csv"})
    assert r.status_code == 200 and r.text.startswith("id,type,from,to,date")


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_search_tolerates_typos(fixture_client: TestClient, bundled_client: TestClient) -> None:
    for client in (fixture_client, bundled_client):
        items = client.get("/api/search", params={"q": "Adyn"}).json()["items"]
        assert items[0]["type"] == "actor" and items[0]["id"] == "adyen"
    items = bundled_client.get("/api/search", params={"q": "philps"}).json()["items"]
    assert items[0]["id"] == "philips"
    items = bundled_client.get("/api/search", params={"q": "eindhovn"}).json()["items"]
    assert ("place", "eindhoven") in {(i["type"], i["id"]) for i in items[:3]}
    items = fixture_client.get("/api/search", params={"q": "UvA"}).json()["items"]
    assert items[0]["id"] == "uva"  # an alias
    assert fixture_client.get("/api/search", params={"q": "qqqqzzzz"}).json()["items"] == []
    envelope(fixture_client.get("/api/search"), 422, "validation_error")
    envelope(fixture_client.get("/api/search", params={"q": "a", "limit": 101}), 422, "validation_error")


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_sources_layers_and_analyses(fixture_client: TestClient) -> None:
    src = fixture_client.get("/api/sources").json()
    assert src["items"] and "citations" in src["items"][0]
    one = fixture_client.get(f"/api/sources/{src['items'][0]['id']}").json()
    assert one["cited_by"]
    layers = fixture_client.get("/api/layers").json()["items"]
    assert [x["position"] for x in layers] == list(range(1, 8))
    assert fixture_client.get("/api/sovereignty", params={"place": "mra"}).status_code == 200
    assert fixture_client.get("/api/sovereignty", params={"format": "csv"}).text.startswith("layer,actors")
    assert fixture_client.get("/api/integration").status_code == 200


def test_csv_export_neutralises_formulas(evil_client: TestClient) -> None:
    r = evil_client.get("/api/actors", params={"format": "csv", "q": "evil"})
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    evil = next(row for row in rows if row["id"] == "evil-corp")
    assert evil["name"].startswith("'=")
    assert evil["aliases"].startswith("'+")
    for row in rows:
        for v in row.values():
            assert not v.startswith(("=", "+", "-", "@")), v


def test_openapi_and_docs(fixture_client: TestClient) -> None:
    spec = fixture_client.get("/openapi.json").json()
    for path in ("/api/actors", "/api/actors/{ident}", "/api/places/{ident}", "/api/profile", "/api/synergies",
                 "/api/relations", "/api/search", "/healthz"):
        assert path in spec["paths"], path
    assert "/actors" not in spec["paths"]  # pages are not part of the API
    docs = fixture_client.get("/docs")
    assert docs.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()


@pytest.mark.parametrize("path", ["/api/nope", "/api/actors/%00", "/api/actors/" + "x" * 121])
def test_unknown_routes_and_ids(fixture_client: TestClient, path: str) -> None:
    r = fixture_client.get(path)
    assert r.status_code in (404, 422)
    assert set(r.json()["error"]) == {"code", "message", "details"}


def test_method_not_allowed_is_an_envelope(fixture_client: TestClient) -> None:
    envelope(fixture_client.post("/api/actors"), 405, "method_not_allowed")


def test_place_list_and_synergy_csv(fixture_client: TestClient) -> None:
    regions = fixture_client.get("/api/places").json()["items"]
    assert {"mra", "brainport"} <= {p["id"] for p in regions}
    counts = [p["actors"] for p in regions]
    assert counts == sorted(counts, reverse=True)
    r = fixture_client.get("/api/places", params={"type": "municipality", "format": "csv"})
    assert r.status_code == 200 and r.text.startswith("id,type,name_nl,name_en,actors")
    envelope(fixture_client.get("/api/places", params={"type": "galaxy"}), 422, "validation_error")
    r = fixture_client.get("/api/synergies", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and {"id", "actors_a", "actors_b", "sources"} <= set(rows[0])


def test_head_is_a_get_without_body(fixture_client: TestClient) -> None:
    for path in ("/", "/healthz", "/api/actors?limit=1", "/static/app.css"):
        r = fixture_client.head(path)
        assert r.status_code == 200, path
        assert r.content == b""


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
@pytest.mark.parametrize("q", ["%", "_", "0%", "s_l", "100% chips_lab"])
def test_text_filter_takes_like_wildcards_literally(odd_client: TestClient, q: str) -> None:
    found = odd_client.get("/api/actors", params={"q": q}).json()
    assert found["total"] == 1 and [a["id"] for a in found["items"]] == ["percent-lab"]
    html = odd_client.get("/actors", params={"q": q})
    assert html.status_code == 200 and 'href="/actors/percent-lab"' in html.text
    assert '<strong>1</strong>' in html.text


def test_text_filter_without_wildcards_still_matches_parts(odd_client: TestClient,
                                                          bundled_client: TestClient) -> None:
    for q in ("%", "_", "\\"):  # no name, id or alias of the corridor holds one
        assert bundled_client.get("/api/actors", params={"q": q}).json()["total"] == 0, q
        assert "<strong>0</strong>" in bundled_client.get("/actors", params={"q": q}).text, q
    asm = {a["id"] for a in bundled_client.get("/api/actors", params={"q": "asm", "limit": 500}).json()["items"]}
    assert {"asml", "asm"} <= asm
    assert [a["id"] for a in odd_client.get("/api/actors", params={"q": "Chips_L"}).json()["items"]] == ["percent-lab"]
    uva = odd_client.get("/api/actors", params={"q": "uva"}).json()["items"]  # an id (and an alias)
    assert [a["id"] for a in uva] == ["uva"]


def test_every_relation_status_can_be_chosen(odd_client: TestClient) -> None:
    every = odd_client.get("/api/relations", params={"limit": 500}).json()["items"]
    counts = {s: sum(1 for r in every if r["status"] == s) for s in RELATION_STATUSES}
    assert counts["active"] == 2 and counts["announced"] == 1 and counts["completed"] >= 1
    html = odd_client.get("/relations").text
    offered = re.findall(r'<option value="([a-z]+)"[^>]*>[^<]*\((\d+)\)</option>',
                         html.split('name="status"')[1].split("</select>")[0])
    assert {s for s, _ in offered} == {s for s, n in counts.items() if n}
    for status, n in offered:
        assert counts[status] == int(n), status
        body = odd_client.get("/api/relations", params={"status": status}).json()
        assert body["total"] == int(n) and {r["status"] for r in body["items"]} == {status}
        page = odd_client.get("/relations", params={"status": status})
        assert page.status_code == 200 and f"<strong>{n}</strong>" in page.text, status
    for status in RELATION_STATUSES:  # any status of the model is a filter, also one no tie has
        assert odd_client.get("/api/relations", params={"status": status}).json()["total"] == counts[status]
    envelope(odd_client.get("/api/relations", params={"status": "bogus"}), 404, "not_found")


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_actor_detail_card_agrees_with_the_tables(fixture_client: TestClient, atlas: Atlas) -> None:
    """Every actor's detail (read from the web index's one-row card) equals what the compiled tables say:
    its record as ``Atlas.actors`` gives it, its subsidiaries, tags, site details and all its ties."""
    def grouped(sql: str) -> dict[str, list]:  # type: ignore[type-arg]
        return {k: list(v) for k, v in atlas.sql(sql).itertuples(index=False, name=None)}

    lib = {r["id"]: r for r in records(atlas.actors())}
    children = grouped("SELECT parent, list(id ORDER BY name, id) FROM actors WHERE parent IS NOT NULL GROUP BY parent")
    tags = grouped("SELECT actor, list(tag ORDER BY position) FROM actor_tags GROUP BY actor")
    sites = grouped("SELECT actor, list(place || '/' || coalesce(function, '') ORDER BY position) FROM actor_sites "
                    "GROUP BY actor")
    ties = grouped("SELECT a, list(id ORDER BY id) FROM (SELECT from_actor AS a, id FROM relations "
                   "UNION SELECT to_actor, id FROM relations) GROUP BY a")
    assert len(lib) > 10 and children and sites and ties
    for ident, want in lib.items():
        got = fixture_client.get(f"/api/actors/{ident}").json()
        for key in ("name", "aliases", "kind", "hq", "sites", "layers", "domains", "control_country", "parent",
                    "sources"):
            assert got[key] == want[key], (ident, key)
        assert got["children"] == children.get(ident, []) and got["tags"] == tags.get(ident, []), ident
        assert [f"{s['place']}/{s['function'] or ''}" for s in got["site_details"]] == sites.get(ident, []), ident
        assert got["ties"] == len(ties.get(ident, [])), ident
        assert sorted(r["id"] for r in got["relations"]) == ties.get(ident, []), ident
