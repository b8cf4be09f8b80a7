"""Discovered synergies, introductions and guest lists in the web atlas: API shapes and bounds, the one
error envelope, pages in both languages, discovered ids, escaping, and the per-generation caches."""

from __future__ import annotations

import csv
import io
import itertools
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from stackatlas.web.queries import synergies as syn

DISC_KEYS = {"rank", "id", "label", "label_nl", "layers", "domains", "places", "score", "score_low", "score_high",
             "evidence", "curated_match"}
EVIL_SYNERGY = "chips.applications.devices"  # a candidate of the evil fixture whose evidence holds evil-corp


def envelope(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]  # type: ignore[no-any-return]


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.labels: set[str] = set()
        self.controls: list[str | None] = []
        self.h1 = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag == "script":
            self.scripts.append(a)
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        if tag in ("input", "select") and a.get("type") != "hidden":
            self.controls.append(a.get("id"))
        self.h1 += tag == "h1"


def page_ok(client: TestClient, path: str) -> tuple[str, Page]:
    """GET an HTML page that must be well-formed for the atlas: one h1, unique ids, labelled controls, no
    inline script and no style attribute (CSP), no link that leaves the machine."""
    r = client.get(path)
    assert r.status_code == 200, (path, r.text[:500])
    assert r.headers["content-type"].startswith("text/html")
    p = Page()
    p.feed(r.text)
    assert p.h1 == 1, path
    assert len(p.ids) == len(set(p.ids)), [i for i in p.ids if p.ids.count(i) > 1]
    for ident in p.controls:
        assert ident and ident in p.labels, (path, ident)
    for s in p.scripts:
        assert (s.get("src") or "").startswith("/static/") or s.get("type") == "application/json", s
    assert " style=" not in r.text and "javascript:" not in r.text
    return r.text, p


# -- API ------------------------------------------------------------------------------------------------
@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_api_synergies_has_discovered_candidates(fixture_client: TestClient) -> None:
    body = fixture_client.get("/api/synergies").json()
    assert body["between"] == "mra" and body["and"] == "brainport"
    assert body["curated"] and body["discovered_error"] is None
    assert body["bootstrap"] == syn.BOOTSTRAP_PRECOMPUTED  # the default pair
    disc = body["discovered"]
    assert 0 < len(disc) <= syn.DISCOVER_TOP
    assert [c["rank"] for c in disc] == list(range(1, len(disc) + 1))
    curated = {s["id"] for s in body["curated"]}
    for c in disc:
        assert DISC_KEYS <= set(c), DISC_KEYS - set(c)
        assert 2 <= len(c["layers"]) <= 4 and len(c["domains"]) <= 1
        assert c["score_low"] <= c["score_high"]
        assert c["curated_match"] is None or c["curated_match"] in curated
        assert set(c["evidence"]) == {"mra", "brainport", "ties"}
        assert c["evidence"]["mra"] and c["evidence"]["brainport"]  # both regions contribute
        for actor in c["evidence"]["mra"] + c["evidence"]["brainport"]:
            assert {"id", "name", "municipality", "layers"} <= set(actor)
            assert set(actor["layers"]) <= set(c["layers"])
        for tie in c["evidence"]["ties"]:
            assert {"id", "type", "from", "to"} <= set(tie)
    # domain candidates (e.g. chips.ai--manufacturing) come through the API with their domain
    pool = fixture_client.get("/api/synergies", params={"top": syn.DISCOVER_POOL}).json()["discovered"]
    assert len(pool) > len(disc)
    with_domain = [c for c in pool if c["domains"]]
    assert with_domain and all(c["id"].endswith("--" + c["domains"][0]) for c in with_domain)
    three = fixture_client.get("/api/synergies", params={"top": 3}).json()["discovered"]
    assert [c["id"] for c in three] == [c["id"] for c in disc[:3]]


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_api_synergies_other_pair_is_computed_on_demand(fixture_client: TestClient) -> None:
    body = fixture_client.get("/api/synergies", params={"between": "brainport", "and": "mra", "top": 5}).json()
    assert body["bootstrap"] == syn.BOOTSTRAP_ON_DEMAND
    assert body["between"] == "brainport" and len(body["discovered"]) == 5
    assert set(body["discovered"][0]["evidence"]) == {"brainport", "mra", "ties"}


@pytest.mark.parametrize("params,status,code", [
    ({"top": 0}, 422, "validation_error"), ({"top": syn.DISCOVER_POOL + 1}, 422, "validation_error"),
    ({"top": "x"}, 422, "validation_error"), ({"between": "mra", "and": "mra"}, 422, "analysis_error"),
    ({"and": "nowhere"}, 404, "not_found"), ({"between": "x" * 121}, 422, "validation_error"),
])
def test_api_synergies_bounds(fixture_client: TestClient, params: dict[str, Any], status: int, code: str) -> None:
    envelope(fixture_client.get("/api/synergies", params=params), status, code)


def test_api_synergies_csv_flattens_both_kinds(fixture_client: TestClient) -> None:
    r = fixture_client.get("/api/synergies", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    kinds = {row["kind"] for row in rows}
    assert kinds == {"curated", "discovered"}
    disc = [row for row in rows if row["kind"] == "discovered"]
    assert len(disc) == len(fixture_client.get("/api/synergies").json()["discovered"])
    first = disc[0]
    assert first["rank"] == "1" and first["name"] and first["actors_a"] and first["actors_b"]
    assert float(first["score_low"]) <= float(first["score_high"])
    assert "{" not in first["actors_a"]  # ids, not nested objects


def test_api_discovered_id(fixture_client: TestClient) -> None:
    listed = fixture_client.get("/api/synergies").json()["discovered"]
    for cand in listed[:5]:
        one = fixture_client.get(f"/api/synergies/{cand['id']}").json()
        assert one["kind"] == "discovered" and one["id"] == cand["id"]
        assert one["candidate"]["rank"] == cand["rank"] and one["candidate"]["score"] == cand["score"]
        assert one["evidence"] == cand["evidence"]  # the web layer's evidence is the library's
        assert one["places"] == cand["places"] and one["curated_match"] == cand["curated_match"]
    # any order of the layers names the same candidate
    cand = listed[0]
    swapped = ".".join(reversed(cand["layers"])) + ("--" + cand["domains"][0] if cand["domains"] else "")
    assert fixture_client.get(f"/api/synergies/{swapped}").json()["id"] == cand["id"]
    # a valid layer set that is not among the best candidates still has its evidence
    other = fixture_client.get("/api/synergies/raw-materials.networks.devices").json()
    assert other["kind"] == "discovered" and set(other["evidence"]) == {"mra", "brainport", "ties"}
    curated = fixture_client.get("/api/synergies/C").json()
    assert curated["kind"] == "curated" and "sides" in curated


@pytest.mark.parametrize("ident", ["chips", "chips.chips", "chips.ai--", "chips.ai--nope", "nope.ai",
                                   "raw-materials.chips.networks.cloud.ai", "ZZ", "<script>alert(1)</script>",
                                   "chips.ai--manufacturing--x", "..", "chips..ai"])
def test_api_unknown_synergy_ids(fixture_client: TestClient, ident: str) -> None:
    path = quote(ident, safe="")
    for suffix in ("", "/introductions", "/guests"):
        err = envelope(fixture_client.get(f"/api/synergies/{path}{suffix}"), 404, "not_found")
        if "/" not in ident and ident != "..":  # these match no route at all (also a 404 envelope)
            assert err["details"] == {"kind": "synergy", "id": ident}


def test_api_introductions(fixture_client: TestClient) -> None:
    for sid in ("C", "chips.ai--manufacturing"):
        body = fixture_client.get(f"/api/synergies/{sid}/introductions").json()
        assert body["synergy"] == sid and body["between"] == "mra" and body["and"] == "brainport"
        items = body["items"]
        assert 0 < len(items) <= syn.INTRO_TOP
        scores = [r["score"] for r in items]
        assert scores == sorted(scores, reverse=True)
        for r in items:
            assert {"a", "a_name", "a_place", "b", "b_name", "b_place", "score", "reasons", "facts"} <= set(r)
            assert {"a_layers", "b_layers", "shared_domains", "common_partners"} <= set(r["facts"])
            assert r["reasons"].endswith(".")
        three = fixture_client.get(f"/api/synergies/{sid}/introductions", params={"top": 3}).json()["items"]
        assert three == items[:3]
    ties = {(r["from"], r["to"]) for r in fixture_client.get("/api/relations", params={"limit": 500}).json()["items"]}
    for r in items:  # never a pair that is already tied
        assert (r["a"], r["b"]) not in ties and (r["b"], r["a"]) not in ties
    r = fixture_client.get("/api/synergies/C/introductions", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and {"a", "b", "reasons", "a_layers", "common_partners"} <= set(rows[0])


def test_api_guests(fixture_client: TestClient) -> None:
    body = fixture_client.get("/api/synergies/chips.ai/guests", params={"size": 5}).json()
    assert body["synergy"] == "chips.ai" and body["size"] == 5 and body["kind"] == "discovered"
    items, cov = body["items"], body["coverage"]
    assert 0 < len(items) <= 5 and [g["pick"] for g in items] == list(range(1, len(items) + 1))
    gains = [g["gain"] for g in items]
    assert all(x >= y - 1e-9 for x, y in itertools.pairwise(gains))  # submodular: gains never grow
    assert cov["cells_covered"] == sum(len(g["covers"]) for g in items)
    assert 0 < cov["cells_covered"] <= cov["cells_possible"] <= cov["cells_total"]
    assert cov["guarantee"] == pytest.approx(0.632, abs=1e-3)
    for g in items:
        assert {"actor", "name", "region", "helix", "layers", "gain", "covers", "cells", "reason"} <= set(g)
        assert all(set(c) == {"layer", "place", "helix"} for c in g["cells"])
    default = fixture_client.get("/api/synergies/C/guests").json()
    assert default["size"] == syn.GUESTS_SIZE and len(default["items"]) <= syn.GUESTS_SIZE
    r = fixture_client.get("/api/synergies/C/guests", params={"format": "csv", "size": 4})
    assert r.text.startswith("pick,actor,name,region,helix,layers,gain,covers,reason")


@pytest.mark.parametrize("suffix,params,status,code", [
    ("introductions", {"top": 0}, 422, "validation_error"),
    ("introductions", {"top": syn.MAX_INTRO_TOP + 1}, 422, "validation_error"),
    ("guests", {"size": 0}, 422, "validation_error"),
    ("guests", {"size": syn.MAX_GUESTS + 1}, 422, "validation_error"),
    ("guests", {"size": "many"}, 422, "validation_error"),
    ("guests", {"between": "mra", "and": "mra"}, 422, "analysis_error"),
    ("introductions", {"between": "atlantis"}, 404, "not_found"),
    ("guests", {"format": "xml"}, 422, "validation_error"),
])
def test_api_intro_guest_bounds(fixture_client: TestClient, suffix: str, params: dict[str, Any], status: int,
                                code: str) -> None:
    envelope(fixture_client.get(f"/api/synergies/C/{suffix}", params=params), status, code)


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
@pytest.mark.parametrize("value", ["'; DROP TABLE actors; --", "\x00", "%", "..", "😀" * 40, "{{7*7}}", "a" * 500])
def test_hostile_input_never_500(fixture_client: TestClient, value: str) -> None:
    for path in ("/api/synergies/chips.ai", "/api/synergies/chips.ai/introductions", "/api/synergies/C/guests",
                 "/synergies/chips.ai", "/compare"):
        for key in ("between", "and", "a", "b", "top", "size"):
            r = fixture_client.get(path, params={key: value})
            assert r.status_code < 500, (path, key, r.status_code)
    for suffix in ("", "/introductions", "/guests"):
        r = fixture_client.get("/api/synergies/" + quote(value, safe="") + suffix)
        assert r.status_code in (404, 422), r.status_code
        assert set(r.json()["error"]) == {"code", "message", "details"}


def test_openapi_lists_the_new_endpoints(fixture_client: TestClient) -> None:
    paths = fixture_client.get("/openapi.json").json()["paths"]
    for path in ("/api/synergies", "/api/synergies/{ident}", "/api/synergies/{ident}/introductions",
                 "/api/synergies/{ident}/guests"):
        assert path in paths, path


def test_csv_of_intros_and_guests_is_neutralised(evil_client: TestClient) -> None:
    for suffix, params in (("introductions", {"top": 50}), ("guests", {"size": 40})):
        r = evil_client.get(f"/api/synergies/{EVIL_SYNERGY}/{suffix}", params={**params, "format": "csv"})
        assert r.status_code == 200
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert any("evil-corp" in row.values() for row in rows), suffix
        for row in rows:
            for k, v in row.items():
                if k not in ("score", "gain"):
                    assert not v.startswith(("=", "+", "-", "@")), (k, v)


# -- pages ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang,heading,label_key", [("en", "Discovered candidates", "label"),
                                                     ("nl", "Gevonden kandidaten", "label_nl")])
def test_compare_shows_discovered_candidates(fixture_client: TestClient, lang: str, heading: str,
                                             label_key: str) -> None:
    html, _ = page_ok(fixture_client, f"/compare?lang={lang}")
    section = html[html.index('id="discovered"'):]
    assert heading in section
    assert "placeholder" not in section.split("</section>")[0]  # the reserved section is filled
    assert "data-placeholder" not in html
    disc = fixture_client.get("/api/synergies").json()["discovered"]
    rows = re.findall(r"<tr>\s*<td class=\"num\">(\d+)</td>", section.split("</table>")[0])
    assert [int(x) for x in rows] == [c["rank"] for c in disc]
    first = disc[0]
    assert f'href="/synergies/{first["id"]}"' in section
    label = first[label_key].replace("&", "&amp;")
    assert label in section
    if first["curated_match"]:
        assert f'href="/synergies/{first["curated_match"]}"' in section
    assert 'id="chart-discovered"' in html and 'id="spec-discovered"' in html  # the interval chart
    assert "/api/synergies?between=mra&amp;and=brainport&amp;format=csv" in section
    fixture_client.cookies.clear()


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_compare_other_pair_links_keep_the_pair(fixture_client: TestClient) -> None:
    _, p = page_ok(fixture_client, "/compare?a=amsterdam&b=eindhoven&lang=en")
    links = [x for x in p.links if x.startswith("/synergies/") and "." in x.split("?")[0]]
    assert links and all(x.endswith("?a=amsterdam&b=eindhoven") for x in links)
    html2, _ = page_ok(fixture_client, links[0].replace("&amp;", "&"))
    assert "Amsterdam" in html2 and "Eindhoven" in html2
    fixture_client.cookies.clear()


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("ident", ["chips.ai--manufacturing", "C", "raw-materials.networks.devices"])
def test_synergy_pages_render(fixture_client: TestClient, lang: str, ident: str) -> None:
    html, p = page_ok(fixture_client, f"/synergies/{ident}?lang={lang}")
    assert f'<html lang="{lang}">' in html
    for section in ("sup-h", "ties-h", "intro-h", "guests-h"):
        assert f'id="{section}"' in html
    t = {"en": ("Introductions", "Guest list", "63%", "Supporting organisations"),
         "nl": ("Introducties", "Gastenlijst", "63%", "Betrokken organisaties")}[lang]
    for text in t:
        assert text in html, text
    assert 'id="f-size"' in html and 'max="40"' in html
    actors = {x.split("/")[-1] for x in p.links if x.startswith("/actors/")}
    intros = fixture_client.get(f"/api/synergies/{ident}/introductions").json()["items"]
    for r in intros:  # every introduced organisation is linked
        assert r["a"] in actors and r["b"] in actors
    guests = fixture_client.get(f"/api/synergies/{ident}/guests").json()["items"]
    assert {g["actor"] for g in guests} <= actors
    fixture_client.cookies.clear()


def test_discovered_page_shows_evidence_and_rank(fixture_client: TestClient) -> None:
    cand = fixture_client.get("/api/synergies").json()["discovered"][0]
    html, p = page_ok(fixture_client, f"/synergies/{cand['id']}?lang=en")
    assert "<h1>" + cand["label"].replace("&", "&amp;") + "</h1>" in html
    assert f"{cand['rank']} of " in html
    actors = {x.split("/")[-1] for x in p.links if x.startswith("/actors/")}
    ev = cand["evidence"]
    assert {a["id"] for a in ev["mra"][:60] + ev["brainport"][:60]} <= actors
    assert f"({len(ev['ties'])})" in html  # the existing bridges
    for tie in ev["ties"]:
        assert f'id="rel-{tie["id"]}"' in html


def test_guest_list_size_and_bounds_on_the_page(fixture_client: TestClient) -> None:
    html, _ = page_ok(fixture_client, "/synergies/C?size=3&lang=en")
    table = html[html.index('class="data guests"'):]
    assert len(re.findall(r"<tr>\s*<td class=\"num\">", table.split("</table>")[0])) <= 3
    assert 'value="3"' in html
    for size in ("0", "41", "x"):
        r = fixture_client.get(f"/synergies/C?size={size}")
        assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    fixture_client.cookies.clear()


def test_non_canonical_discovered_id_redirects(fixture_client: TestClient) -> None:
    r = fixture_client.get("/synergies/ai.chips?a=mra&b=brainport&size=4", follow_redirects=False)
    assert r.status_code == 308
    assert r.headers["location"] == "/synergies/chips.ai?a=mra&b=brainport&size=4"


@pytest.mark.parametrize("ident", ["<script>alert(1)</script>", "chips.ai--<b>x</b>", "\"><img src=x onerror=alert(2)>"])
def test_hostile_synergy_id_is_escaped(fixture_client: TestClient, ident: str) -> None:
    r = fixture_client.get("/synergies/" + quote(ident, safe=""))
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "<script>alert" not in r.text and "<img src=x" not in r.text and "<b>x</b>" not in r.text
    if "/" in ident:  # no route matches: nothing of the raw path is reflected, the language links go home
        assert 'href="/?lang=nl"' in r.text and "alert" not in r.text
    else:
        assert "&lt;" in r.text  # the id is shown, escaped
    envelope(fixture_client.get("/api/synergies/" + quote(ident, safe="")), 404, "not_found")


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_hostile_names_are_escaped_on_synergy_pages(evil_client: TestClient) -> None:
    for path in (f"/synergies/{EVIL_SYNERGY}", "/compare", "/synergies"):
        html = evil_client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
    html = evil_client.get(f"/synergies/{EVIL_SYNERGY}").text
    assert "/actors/evil-corp" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_unknown_pair_and_same_place_on_pages(fixture_client: TestClient) -> None:
    assert fixture_client.get("/synergies/chips.ai?a=atlantis").status_code == 404
    assert fixture_client.get("/synergies/chips.ai?a=mra&b=mra").status_code == 422
    html, _ = page_ok(fixture_client, "/compare?a=mra&b=mra&lang=en")
    assert "Choose two different places" in html
    fixture_client.cookies.clear()


# -- caching --------------------------------------------------------------------------------------------
def test_results_are_cached_per_generation_and_pair(fixture_client: TestClient) -> None:
    store = fixture_client.app.state.store  # type: ignore[attr-defined]
    fixture_client.get("/api/synergies")
    gen = store.current()
    keys = {k for k in list(gen.memo._data) if isinstance(k, tuple) and k[0] == "analysis"}
    # the dataset's own pair is discovered in its default scope, the corridor (docs/analysis.md)
    assert ("analysis", ("discovered", "mra", "brainport", syn.BOOTSTRAP_PRECOMPUTED, "corridor")) in keys
    assert ("corridor", "mra", "brainport", None) in gen.inputs._data  # shared by discovery and evidence (None: as stored, no as_of)
    before = gen.memo.misses
    syn.discovered(gen, "mra", "brainport")
    assert gen.memo.misses == before  # a dictionary look-up, no recomputation


def test_default_pair_is_precomputed_in_the_background(bundled_client: TestClient) -> None:
    body = bundled_client.get("/api/synergies").json()
    assert body["bootstrap"] == syn.BOOTSTRAP_PRECOMPUTED and len(body["discovered"]) == syn.DISCOVER_TOP
    assert any(c["curated_match"] for c in body["discovered"])
    html, _ = page_ok(bundled_client, "/synergies/chips.ai--manufacturing?lang=en")
    assert "Introductions" in html


def test_compare_switches_the_scope(fixture_client: TestClient) -> None:
    html, p = page_ok(fixture_client, "/compare?lang=en")
    section = html[html.index('id="discovered"'):].split("</section>")[0]
    assert '<strong aria-current="true">between municipalities across the corridor</strong>' in section
    switch = [x for x in p.links if "scope=between" in x]
    assert switch
    html2, p2 = page_ok(fixture_client, switch[0].replace("&amp;", "&"))
    section2 = html2[html2.index('id="discovered"'):].split("</section>")[0]
    assert '<strong aria-current="true">between the two regions</strong>' in section2
    # the synergy pages keep the chosen scope, and the API answers in it
    assert any(x.startswith("/synergies/") and "scope=between" in x for x in p2.links)
    body = fixture_client.get("/api/synergies", params={"scope": "between"}).json()
    assert body["scope"] == "between"
    assert fixture_client.get("/api/synergies").json()["scope"] == "corridor"
    assert fixture_client.get("/api/synergies", params={"scope": "nowhere"}).status_code == 422
    g = fixture_client.get("/api/synergies/C/guests", params={"scope": "corridor", "size": 4}).json()
    assert g["scope"] == "corridor" and g["coverage"]["places"] >= 2
    # the wording follows the scope: places in between, municipalities of the corridor in corridor
    assert "to which organisations in different municipalities of the corridor contribute" in section
    assert "to which both places contribute" not in section
    assert "to which both places contribute" in section2 and "different municipalities" not in section2
    corridor_page, _ = page_ok(fixture_client, "/synergies/C?lang=en&size=4")
    between_page, _ = page_ok(fixture_client, "/synergies/C?lang=en&size=4&scope=between")
    assert "the municipalities of the corridor and the groups" in corridor_page
    assert "layer × municipality × helix group" in corridor_page and "both places and the groups" not in corridor_page
    assert "both places and the groups" in between_page and "layer × place × helix group: " in between_page
    assert f"× {g['coverage']['places']} ×" in corridor_page
    fixture_client.cookies.clear()
