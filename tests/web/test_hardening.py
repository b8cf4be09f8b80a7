"""The HTTP edges of the web atlas, as an attacker probes them (issue 14): the language of a cached page, the
links of an error page, ``Allow``, ``Vary``, the caching of static files, the bounds of the response cache,
of URLs and of the access log, and an OpenAPI document that lists what the API accepts."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from fastapi.testclient import TestClient

import stackatlas
from stackatlas.web import create_app, log_config, server_headers
from stackatlas.web._lang import decide
from stackatlas.web._logging import TruncateURL
from stackatlas.web.api import _common as A
from stackatlas.web.queries import actors, places, relations, sources
from stackatlas.web.state import Memo


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    """A fresh app (an empty response cache) on the fixture dataset."""
    app = create_app(stackatlas.fixture_path(), tmp_path / "fixture.duckdb", warm_caches=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def get(client: TestClient, url: str, **headers: str) -> Any:
    """GET with exactly these headers (no cookie jar between requests)."""
    client.cookies.clear()
    r = client.get(url, headers=headers)
    client.cookies.clear()
    return r


def html_lang(r: Any) -> str:
    return r.text.split('<html lang="', 1)[1].split('"', 1)[0]


# -- one language decision, the cache keyed by it --------------------------------------------------------
@pytest.mark.parametrize("first", [
    {"cookie": 'lang="nl"'}, {"cookie": "lang= nl"}, {"cookie": "lang=NL"}, {"cookie": "a=1; lang=nl"},
    {"accept-language": "nl"}, {"accept-language": "en;q=0.1, nl"},
])
@pytest.mark.slow  # about 5 s or more: `make test` runs it, `make test-fast` does not
def test_first_visitor_does_not_choose_the_language_of_the_next(client: TestClient, first: dict[str, str]) -> None:
    r1 = get(client, "/", **first)
    assert html_lang(r1) == "nl"
    assert html_lang(get(client, "/", cookie="lang=en")) == "en"
    assert html_lang(get(client, "/", **{"accept-language": "en"})) == "en"
    assert html_lang(get(client, "/")) == "en"
    assert html_lang(get(client, "/", **first)) == "nl"  # from the cache, still theirs


@pytest.mark.parametrize(("query", "lang", "cookie"), [
    ("lang=nl&lang=", "nl", "nl"), ("lang=&lang=nl", "nl", "nl"), ("lang=nl&lang=en", "nl", "nl"),
    ("lang=en&lang=nl", "en", "en"), ("lang=%20nl", "nl", "nl"), ("lang=%22nl%22", "nl", "nl"),
    ("lang=xx", "en", None), ("lang=", "en", None),
])
def test_repeated_and_odd_query_forms(client: TestClient, query: str, lang: str, cookie: str | None) -> None:
    for _ in range(2):  # rendered, then from the cache
        r = get(client, f"/actors?{query}")
        assert html_lang(r) == lang
        set_cookie = r.headers.get("set-cookie")
        if cookie is None:
            assert set_cookie is None
        else:
            assert set_cookie is not None and set_cookie.startswith(f"lang={cookie};")
    # a visitor without the query but with their own cookie gets their language on the same page
    assert html_lang(get(client, "/actors", cookie="lang=nl" if lang == "en" else "lang=en")) != lang


def test_query_beats_cookie_beats_accept_language() -> None:
    assert decide(b"lang=en", "lang=nl", "nl") == "en"
    assert decide(b"", "lang=nl", "en") == "nl"
    assert decide(b"", "lang=xx", "nl-BE") == "nl"
    assert decide(b"", None, "de, nl;q=0") == "en"


def test_vary_on_pages_only(client: TestClient) -> None:
    for url in ("/", "/actors", "/no-such-page"):
        vary = get(client, url).headers.get("vary", "")
        assert "Cookie" in vary and "Accept-Language" in vary, url
    assert "vary" not in get(client, "/static/app.css").headers


# -- links, Allow, static files ----------------------------------------------------------------------------
def test_error_page_links_stay_on_the_site(client: TestClient) -> None:
    for path in ("//evil.example/x", "///evil.example/x", "/\\evil.example/x", "//evil.example/x?a=1"):
        r = get(client, path)
        assert r.status_code == 404
        assert "evil.example" not in r.text.split("<main", 1)[0], path  # not in the language links
        assert 'href="/?lang=nl"' in r.text
        assert 'href="//' not in r.text


def test_page_links_come_from_the_route(client: TestClient) -> None:
    r = get(client, "/actors?kind=company")
    assert 'href="/actors?kind=company&amp;lang=nl"' in r.text


def test_405_says_what_is_allowed(client: TestClient) -> None:
    for path in ("/api/actors", "/actors", "/healthz"):
        r = client.post(path)
        assert r.status_code == 405
        assert "GET" in r.headers["allow"], path


def test_static_files(client: TestClient) -> None:
    ok = get(client, "/static/app.css?lang=nl")
    assert ok.status_code == 200 and ok.headers["cache-control"] == "public, max-age=3600"
    assert "set-cookie" not in ok.headers  # a publicly cached response never sets a cookie
    missing = get(client, "/static/nope.css")
    assert missing.status_code == 404 and "public" not in missing.headers["cache-control"]
    assert "set-cookie" not in get(client, "/static/nope.css?lang=nl").headers


# -- bounds --------------------------------------------------------------------------------------------------
def test_memo_byte_budget_evicts_oldest() -> None:
    m = Memo(100, max_bytes=1000, weigh=lambda k, v: len(v))
    for i in range(10):
        m.put(i, b"x" * 300)
    assert len(m) == 3 and m.bytes == 900 and m.peek(9) is not None and m.peek(6) is None
    m.put("big", b"x" * 1001)  # heavier than the budget: not kept, nothing else lost
    assert m.peek("big") is None and len(m) == 3
    assert m.get("c", lambda: b"y" * 500) == b"y" * 500
    assert m.bytes <= 1000 and len(m) == 2


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_response_cache_keeps_to_its_byte_budget(tmp_path: Path) -> None:
    app = create_app(stackatlas.fixture_path(), tmp_path / "f.duckdb", warm_caches=False,
                     response_cache_bytes=200_000)
    with TestClient(app) as c:
        for i in range(60):
            assert c.get("/api/actors", params={"i": i, "pad": "x" * 3000}).status_code == 200
        gen = app.state.store.current()
        assert 0 < gen.responses.bytes <= 200_000
        assert len(gen.responses) < 60


def test_long_urls_are_refused(client: TestClient) -> None:
    r = get(client, "/api/actors?q=" + "x" * 9000)
    assert r.status_code == 414 and r.json()["error"]["code"] == "uri_too_long"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert get(client, "/api/actors?q=" + "x" * 100).status_code == 200


def test_access_log_cuts_urls() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("1.2.3.4:5", "GET", "/api/actors?q=" + "x" * 60_000 + "\r\nforged", "1.1", 200),
                               None)
    assert TruncateURL(100).filter(record)
    line = record.getMessage()
    assert len(line) < 200 and "\r\n" not in line and "[+" in line
    cfg = log_config(max_url=80)
    assert cfg["handlers"]["access"]["filters"] == ["truncate_url"]
    assert cfg["filters"]["truncate_url"]["max_url"] == 80


def test_server_headers_are_not_set_twice(tmp_path: Path) -> None:
    app = create_app(stackatlas.fixture_path(), tmp_path / "f.duckdb", warm_caches=False, server_headers=True)
    with TestClient(app) as c:
        r = c.get("/")
    names = {k for k, _ in server_headers()}
    assert "x-content-type-options" in names
    assert not names & set(r.headers), "the server adds these"
    assert "content-security-policy" in r.headers


# -- the OpenAPI document says what the API accepts ------------------------------------------------------
def _signed(keys: tuple[str, ...]) -> set[str]:
    return set(keys) | {f"-{k}" for k in keys}


def test_sort_and_type_enums_match_the_queries(client: TestClient) -> None:
    assert set(get_args(A.ActorSort)) == _signed(actors.ACTOR_SORTS)
    assert set(get_args(A.RelationSort)) == _signed(relations.RELATION_SORTS)
    assert set(get_args(A.SourceSort)) == _signed(sources.SOURCE_SORTS)
    assert set(get_args(A.PlaceType)) == set(places.PROFILE_LEVELS)
    doc = get(client, "/openapi.json").json()
    for path, name in (("/api/actors", "sort"), ("/api/relations", "sort"), ("/api/sources", "sort"),
                       ("/api/places", "type")):
        params = {p["name"]: p for p in doc["paths"][path]["get"]["parameters"]}
        for value in params[name]["schema"]["enum"]:  # every value the document allows is accepted
            assert get(client, f"{path}?{name}={value}").status_code == 200, (path, value)


def test_csv_answers_are_documented(client: TestClient) -> None:
    doc = get(client, "/openapi.json").json()
    for path, item in doc["paths"].items():
        names = {p["name"] for p in item["get"].get("parameters", [])}
        if "format" in names:
            assert "text/csv" in item["get"]["responses"]["200"]["content"], path


def test_links_keep_only_the_parameters_of_the_route(client: TestClient) -> None:
    r = get(client, "/actors?kind=company&pad=" + "x" * 2000)
    assert "xxxxxxxxxx" not in r.text
    assert 'href="/actors?kind=company&amp;lang=nl"' in r.text
