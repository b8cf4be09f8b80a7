"""The HTML pages: every page and link works, values are escaped, headers are strict, languages switch."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

PAGES = ["/", "/actors", "/actors?layer=chips&place=brainport", "/actors/asml", "/relations",
         "/relations?type=investment&sort=-amount", "/places", "/places?type=municipality", "/places/mra",
         "/places/eindhoven", "/places/high-tech-campus-eindhoven", "/places/nl", "/layers/chips",
         "/compare", "/compare?a=amsterdam&b=eindhoven", "/synergies", "/synergies/C", "/synergies/chips.ai",
         "/synergies/chips.ai--manufacturing?a=amsterdam&b=eindhoven&size=40", "/integration",
         "/sovereignty", "/sovereignty?place=brainport", "/sources", "/sources/tech-corridor-2026",
         "/search?q=Adyn", "/docs"]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.ids: list[str] = []
        self.h1 = 0
        self.labels: set[str] = set()
        self.controls: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag == "script":
            self.scripts.append(a)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag == "h1":
            self.h1 += 1
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        if tag in ("input", "select") and a.get("type") != "hidden":
            self.controls.append((tag, a.get("id")))


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


@pytest.mark.slow  # about 3 s or more: `make test` runs it, `make test-fast` does not
@pytest.mark.parametrize("path", PAGES)
def test_pages_render(bundled_client: TestClient, path: str) -> None:
    r = bundled_client.get(path)
    assert r.status_code == 200, (path, r.text[:500])
    assert r.headers["content-type"].startswith("text/html")
    p = parse(r.text)
    # no inline script: only external files and JSON data blocks
    for s in p.scripts:
        assert s.get("src", "").startswith("/static/") or s.get("type") == "application/json", s
    assert not re.search(r"<script(?![^>]*(src=|application/json))[^>]*>", r.text)
    assert "on" + "error=" not in r.text and "javascript:" not in r.text
    # no request may leave the machine: only local scripts and styles
    assert not re.search(r'(src|href)="(https?:)?//[^"]*\.(js|css)', r.text)
    if path != "/docs":
        assert p.h1 == 1, path
        assert len(p.ids) == len(set(p.ids)), [i for i in p.ids if p.ids.count(i) > 1]
        for tag, ident in p.controls:  # every form control has a label
            assert ident and ident in p.labels, (path, tag, ident)


def test_security_headers(bundled_client: TestClient) -> None:
    for path in ("/", "/api/actors", "/static/app.css", "/nope"):
        h = bundled_client.get(path).headers
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"]
    docs = bundled_client.get("/docs").headers["content-security-policy"]
    assert "script-src 'self';" in docs  # swagger gets inline *styles* only


@pytest.mark.slow  # several seconds: `make test` runs it, `make test-fast` does not
def test_crawl_has_no_broken_links(fixture_client: TestClient) -> None:
    """Follow every internal link from the home page (bounded): all answer 200."""
    seen: set[str] = set()
    todo = ["/"]
    broken = []
    while todo and len(seen) < 400:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        r = fixture_client.get(path)
        if r.status_code != 200:
            broken.append((path, r.status_code))
            continue
        if not r.headers["content-type"].startswith("text/html"):
            continue
        for href in parse(r.text).links:
            u = urlsplit(urljoin("http://testserver" + path, href))
            if u.netloc != "testserver" or u.path.startswith("/static/"):
                continue
            target = u.path + ("?" + u.query if u.query else "")
            if target not in seen and "lang=" not in u.query:
                todo.append(target)
    assert not broken, broken
    assert len(seen) > 60


def test_every_count_on_home_links_to_the_actors(bundled_client: TestClient) -> None:
    html = bundled_client.get("/").text
    links = re.findall(r'href="/actors\?layer=([a-z-]+)&amp;place=([a-z-]+)"', html)
    assert len(links) == 14  # seven layers × two regions
    layer, place = links[0]
    n_page = re.search(rf'href="/actors\?layer={layer}&amp;place={place}"[^>]*aria-label="[^"]*: (\d+)', html)
    assert n_page is not None
    total = bundled_client.get("/api/actors", params={"layer": layer, "place": place}).json()["total"]
    assert int(n_page.group(1)) == total


def test_values_are_escaped(evil_client: TestClient) -> None:
    for path in ("/actors/evil-corp", "/actors?q=evil", "/search?q=HYPERLINK", "/sources/tech-corridor-2026",
                 "/search?q=%3Cscript%3Ealert(9)%3C/script%3E", "/actors?q=%22%3E%3Cb%3Ex"):
        html = evil_client.get(path).text
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html and '"><b>x' not in html, path
    html = evil_client.get("/actors/evil-corp").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_language_switch_and_cookie(fixture_client: TestClient) -> None:
    r = fixture_client.get("/actors", params={"lang": "nl"})
    assert '<html lang="nl">' in r.text and "Organisaties" in r.text
    assert "lang=nl" in r.headers["set-cookie"]
    # the cookie keeps the choice
    r2 = fixture_client.get("/relations")
    assert '<html lang="nl">' in r2.text and "Verbanden" in r2.text
    r3 = fixture_client.get("/relations", params={"lang": "en"})
    assert '<html lang="en">' in r3.text and ">Ties<" in r3.text
    fixture_client.cookies.clear()
    r4 = fixture_client.get("/", headers={"accept-language": "nl-NL,nl;q=0.9"})
    assert '<html lang="nl">' in r4.text
    fixture_client.cookies.clear()


def test_facets_sorting_and_export_links(fixture_client: TestClient) -> None:
    html = fixture_client.get("/actors", params={"layer": "chips", "sort": "-ties"}).text
    assert '<option value="chips" selected>' in html
    assert 'href="/api/actors?layer=chips&amp;sort=-ties&amp;limit=500"' in html
    assert 'href="/api/actors?layer=chips&amp;sort=-ties&amp;limit=500&amp;format=csv"' in html
    assert "data-copy-link" in html
    for facet in ("layer", "domain", "kind", "place", "control_country"):
        assert f'name="{facet}"' in html
    n = int(re.search(r"<strong>(\d+)</strong>", html).group(1))  # type: ignore[union-attr]
    assert n == fixture_client.get("/api/actors", params={"layer": "chips"}).json()["total"]


def test_bad_page_input_is_a_4xx_page(fixture_client: TestClient) -> None:
    for path, status in (("/actors/nope", 404), ("/actors?layer=nope", 404), ("/actors?limit=0", 422),
                         ("/actors?sort=evil", 422), ("/places?type=galaxy", 422), ("/compare?a=nope", 404),
                         ("/synergies/ZZ", 404), ("/nope", 404), ("/relations/nope", 404)):
        r = fixture_client.get(path)
        assert r.status_code == status, path
        assert r.headers["content-type"].startswith("text/html")
        assert "<h1>" in r.text


@pytest.mark.parametrize("value", ["'; DROP TABLE actors; --", "\x00", "%", "_", "\\", "😀" * 50, "a" * 5000,
                                   "$1", "?", "{{7*7}}", "../../etc/passwd"])
def test_hostile_input_never_500(fixture_client: TestClient, value: str) -> None:
    for path, key in (("/api/actors", "q"), ("/api/actors", "layer"), ("/api/search", "q"), ("/actors", "q"),
                      ("/search", "q"), ("/api/relations", "actor"), ("/api/profile", "place"),
                      ("/api/synergies", "between"), ("/sovereignty", "place"), ("/compare", "a")):
        r = fixture_client.get(path, params={key: value})
        assert r.status_code < 500, (path, key, r.status_code)
        if r.status_code == 200 and "{{7*7}}" == value:
            assert "49" not in r.text or "{{7*7}}" in r.text
    for path in ("/actors/", "/places/", "/api/actors/", "/synergies/"):
        r = fixture_client.get(path + quote(value, safe=""))
        assert r.status_code < 500, (path, r.status_code)


def test_static_vendor_files(fixture_client: TestClient) -> None:
    for path, kind in (("/static/vendor/vega.min.js", "javascript"), ("/static/vendor/vega-lite.min.js", "javascript"),
                       ("/static/vendor/vega-embed.min.js", "javascript"),
                       ("/static/vendor/vega-interpreter.js", "javascript"), ("/static/app.js", "javascript"),
                       ("/static/app.css", "css"), ("/static/geo/netherlands.geo.json", "json")):
        r = fixture_client.get(path)
        assert r.status_code == 200 and kind in r.headers["content-type"], path
        assert "sourceMappingURL" not in r.text[-300:]
