"""The atlas in a real browser (Debian's chromium driven by Playwright) against a live uvicorn server.

A user's path: home → region → synergy → organisation, and home → compare → a discovered synergy (its
introductions and guest list, by keyboard) → organisation; a facet, the language switch, a CSV export, the
copy-link button. Every request the browser makes must stay on 127.0.0.1, and the page must log no error
(a Content-Security-Policy violation is logged as one). Screenshots go to $STACKATLAS_ARTIFACTS/screenshots/.

Locally these tests are skipped when /usr/bin/chromium is missing (``make system-deps`` installs it);
in CI (``CI`` set) they fail instead.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow  # drives chromium: `make test` runs it, `make test-fast` does not

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ["STACKATLAS_ARTIFACTS"]) / "screenshots"  # set by tests/conftest.py
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _require_browser() -> Any:
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the environment
        reason = "the playwright package is not installed (pip install -e '.[test]')"
        sync_playwright = None
    if reason is None and not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)"
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    return sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = _require_browser()
    with tempfile.TemporaryDirectory(prefix="stackatlas-chromium-") as profile, sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=ARGS, headless=True,
            viewport={"width": 1360, "height": 900}, accept_downloads=True, locale="en-GB",
        )
        try:
            yield ctx
        finally:
            ctx.close()


class Recorder:
    def __init__(self, page: Any) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def check(self, base: str) -> None:
        outside = [u for u in self.requests if not (u.startswith(base + "/") or u == base)
                   and not u.startswith(("data:", "blob:"))]
        assert not outside, outside
        assert not self.errors, self.errors


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[tuple[Any, Recorder]]:
    p = browser.new_page()
    rec = Recorder(p)
    yield p, rec
    p.close()
    rec.check(live_server.url)


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def charts_rendered(page: Any) -> None:
    page.wait_for_function(
        "() => { const c = document.querySelectorAll('div.vega'); "
        "return [...c].every(e => e.classList.contains('rendered') || e.classList.contains('failed')); }",
        timeout=20000)
    assert page.locator("div.vega.failed").count() == 0
    for el in page.locator("div.vega.rendered").all():
        assert el.locator("svg").count() >= 1


def test_user_path_home_region_synergy_actor(page: tuple[Any, Recorder], live_server: Any) -> None:
    p, _ = page
    base = live_server.url
    p.goto(base + "/?lang=en")
    assert p.locator("h1").inner_text() == "The Tech Corridor"
    charts_rendered(p)
    assert p.locator("ol.stack > li").count() == 7
    assert "Raw materials" in p.locator("ol.stack > li").last.inner_text()  # bottom of the stack
    shot(p, "home")

    p.locator(".legend a", has_text="Amsterdam").first.click()
    p.wait_for_url(re.compile(r"/places/mra$"))
    charts_rendered(p)
    assert p.locator("#profile-h").is_visible()
    assert p.locator("table.profile tbody tr").count() == 7
    shot(p, "place-mra")

    p.goto(base + "/")
    p.locator("table.synergies a", has_text="AI for chips").click()
    p.wait_for_url(re.compile(r"/synergies/C$"))
    assert p.locator("h1").inner_text().startswith("C")
    assert p.locator("#side-a").is_visible() and p.locator("#side-b").is_visible()
    shot(p, "synergy-C")

    p.locator("section.card a", has_text="ASML").first.click()
    p.wait_for_url(re.compile(r"/actors/asml$"))
    charts_rendered(p)
    assert p.locator("h1").inner_text().startswith("ASML")
    assert p.locator("#ties-h").is_visible()
    assert p.locator("#sources ul.sources li").count() >= 1
    shot(p, "actor-asml")


def test_user_path_compare_discovered_synergy_actor(page: tuple[Any, Recorder], live_server: Any) -> None:
    p, _ = page
    base = live_server.url
    p.goto(base + "/?lang=en")
    p.locator("nav.main a", has_text="Compare").click()
    p.wait_for_url(re.compile(r"/compare$"))
    charts_rendered(p)  # the profile chart and the interval chart of the discovered candidates
    assert p.locator("#chart-discovered svg").count() >= 1
    rows = p.locator("#discovered table.discovered tbody tr")
    assert rows.count() == 15
    assert p.locator("#discovered .placeholder").count() == 0
    assert "Chips" in rows.first.inner_text()
    p.locator("#discovered").scroll_into_view_if_needed()
    shot(p, "compare-discovered")

    link = p.locator("#discovered table.discovered tbody th a").first
    href = link.get_attribute("href")
    assert href and href.startswith("/synergies/")
    link.focus()
    p.keyboard.press("Enter")  # keyboard navigation
    p.wait_for_url(re.compile(re.escape(href) + "$"))
    assert p.locator("h1").count() == 1
    assert p.locator("#intro-h").is_visible() and p.locator("#guests-h").is_visible()
    assert p.locator("table.intros tbody tr").count() == 10
    assert p.locator("table.guests tbody tr").count() == 12
    assert "63%" in p.locator("p.guarantee").inner_text()
    shot(p, "synergy-discovered")

    p.locator("#f-size").focus()
    p.keyboard.press("Control+A")
    p.keyboard.type("5")
    p.keyboard.press("Enter")  # submits the guest-list form
    p.wait_for_url(re.compile(r"size=5"))
    assert p.locator("table.guests tbody tr").count() == 5

    p.goto(base + href + "?lang=nl")
    assert p.locator("html").get_attribute("lang") == "nl"
    assert p.locator("#intro-h").inner_text() == "Introducties"
    shot(p, "synergy-discovered-nl")
    p.goto(base + href + "?lang=en")

    p.locator("table.intros tbody a[href^='/actors/']").first.click()
    p.wait_for_url(re.compile(r"/actors/[a-z0-9-]+$"))
    charts_rendered(p)
    assert p.locator("h1").count() == 1 and p.locator("#ties-h").is_visible()


def test_facet_sort_copy_link_and_csv(page: tuple[Any, Recorder], live_server: Any) -> None:
    p, _ = page
    base = live_server.url
    p.goto(base + "/actors?lang=en")
    total = int(p.locator("p.count strong").inner_text())
    p.select_option("#f-layer", "chips")  # auto-submits
    p.wait_for_url(re.compile(r"layer=chips"))
    assert "place=" not in p.url  # empty facets stay out of the URL
    chips = int(p.locator("p.count strong").inner_text())
    assert 0 < chips < total
    p.select_option("#f-sort", "-ties")
    p.wait_for_url(re.compile(r"sort=-ties"))
    assert "layer=chips" in p.url
    shot(p, "actors-chips")

    p.locator("button[data-copy-link]").first.click()
    p.wait_for_function("() => document.querySelector('[data-copied]') !== null")
    assert p.locator("[data-copied]").get_attribute("data-copied") == p.url

    with p.expect_download() as dl:
        p.locator(".toolbar a", has_text="CSV").click()
    path = dl.value.path()
    text = Path(path).read_text(encoding="utf-8")
    lines = text.strip().splitlines()
    assert lines[0].startswith("id,name,aliases,kind")
    assert len(lines) == chips + 1


def test_language_switch_is_kept(page: tuple[Any, Recorder], live_server: Any) -> None:
    p, _ = page
    base = live_server.url
    p.goto(base + "/compare?lang=en")
    assert p.locator("nav.main").inner_text().count("Organisations") == 1
    p.locator("nav.lang a", has_text="NL").click()
    p.wait_for_url(re.compile(r"lang=nl"))
    assert p.locator("html").get_attribute("lang") == "nl"
    assert "Organisaties" in p.locator("nav.main").inner_text()
    charts_rendered(p)
    shot(p, "compare-nl")
    p.locator("nav.main a", has_text="Verbanden").click()  # the cookie keeps Dutch
    p.wait_for_url(re.compile(r"/relations$"))
    assert p.locator("html").get_attribute("lang") == "nl"
    assert p.locator("h1").inner_text() == "Verbanden"
    p.goto(base + "/?lang=en")


def test_keyboard_and_search(page: tuple[Any, Recorder], live_server: Any) -> None:
    p, _ = page
    base = live_server.url
    p.goto(base + "/?lang=en")
    p.keyboard.press("Tab")
    assert p.evaluate("document.activeElement.className") == "skip"
    p.keyboard.press("Enter")
    assert p.evaluate("document.activeElement.id") == "main"
    p.fill("#home-q", "Adyn")
    p.keyboard.press("Enter")
    p.wait_for_url(re.compile(r"/search\?q=Adyn"))
    first = p.locator("ol.results li a").first
    assert first.inner_text() == "Adyen"
    shot(p, "search-typo")


@pytest.mark.parametrize("path,name", [("/layers/chips", "layer-chips"), ("/relations?type=investment", "relations"),
                                       ("/integration", "integration"), ("/sovereignty?place=mra", "sovereignty"),
                                       ("/sources", "sources"), ("/places/eindhoven", "place-eindhoven")])
def test_other_pages_render_without_errors(page: tuple[Any, Recorder], live_server: Any, path: str,
                                           name: str) -> None:
    p, _ = page
    p.goto(live_server.url + path + ("&" if "?" in path else "?") + "lang=en")
    charts_rendered(p)
    assert p.locator("h1").count() == 1
    shot(p, name)


def test_api_docs_are_local(page: tuple[Any, Recorder], live_server: Any) -> None:
    p, _ = page
    p.goto(live_server.url + "/docs")
    p.wait_for_selector(".swagger-ui .opblock", timeout=20000)
    assert p.locator(".opblock").count() >= 8
    shot(p, "docs")
