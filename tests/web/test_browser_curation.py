"""Team curation in a real browser (Debian's chromium via Playwright, against a live uvicorn server on an
editable copy of the fixture): an editor proposes a new organisation with a new source, a maintainer
approves it, and it is on its page and in search; a reader sees no edit controls. No request leaves the
machine and no page logs an error (a CSP violation is one)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

from stackatlas.curation import Accounts, init_dataset
from stackatlas.web import create_app

from .conftest import LiveServer, free_port
from .test_browser import ARGS, CHROMIUM, Recorder, _require_browser, shot

pytestmark = pytest.mark.slow

PASSWORDS = {"ed": "editor-pass-1", "mo": "maint-pass-1", "ro": "reader-pass-1"}


@pytest.fixture(scope="module")
def team_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("browser-curation")
    root = init_dataset(target=tmp / "data", origin="fixture")
    acc = Accounts(root)
    for name, role in (("ed", "editor"), ("mo", "maintainer"), ("ro", "reader")):
        acc.add(name=name, role=role, password=PASSWORDS[name])
    srv = LiveServer(create_app(root, tmp / "data.duckdb", warm_caches=False), free_port())
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def context() -> Iterator[Any]:
    sync_playwright = _require_browser()
    with tempfile.TemporaryDirectory(prefix="stackatlas-chromium-") as profile, sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(profile, executable_path=str(CHROMIUM), args=ARGS,
                                                    headless=True, viewport={"width": 1360, "height": 900},
                                                    locale="en-GB")
        try:
            yield ctx
        finally:
            ctx.close()


def _login(page: Any, base: str, name: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORDS[name])
    page.click("form.edit button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator(".account .me strong").inner_text() == name


def test_propose_approve_and_find(context: Any, team_server: LiveServer) -> None:
    base = team_server.url
    page = context.new_page()
    rec = Recorder(page)
    _login(page, base, "ed")
    page.click("text=Add organisation")
    page.fill("#f-id", "quantum-foundry")
    page.fill("#f-name", "Quantum Foundry <b>Amsterdam</b>")
    page.select_option("#f-kind", "company")
    page.select_option("#f-hq", "amsterdam")
    page.fill("#f-layers", "chips | design | core | quantum chips")
    page.fill("#f-source_url", "https://example.org/quantum-foundry")
    page.fill("#f-source_title", "Quantum Foundry opens in Amsterdam")
    page.fill("#f-source_publisher", "Example News")
    page.fill("#f-source_date", "2025-09-01")
    page.fill("#f-locator", "paragraph 1")
    page.click("text=Submit proposal")
    page.wait_for_url(f"{base}/proposals/*")
    assert "open" in page.locator(".status").inner_text()
    shot(page, "curation-proposal")

    _login(page, base, "mo")
    page.click(".account >> text=Review")
    item = page.locator("article.proposal").filter(has_text="quantum-foundry")
    assert "https://example.org/quantum-foundry" in item.inner_text()
    item.locator("input[name=comment]").fill("checked the source")
    shot(page, "curation-review")
    item.locator("button[value=approve]").click()
    page.wait_for_url(f"{base}/proposals/*")
    assert "approved" in page.locator(".status").inner_text()

    page.goto(f"{base}/actors/quantum-foundry")
    assert page.locator("h1").inner_text().startswith("Quantum Foundry <b>Amsterdam</b>")
    page.goto(f"{base}/search?q=quantum+foundry")
    assert page.locator("a[href='/actors/quantum-foundry']").count() >= 1
    page.goto(f"{base}/actors/quantum-foundry/history")
    assert "proposed by ed" in page.locator("article.change").first.inner_text()
    shot(page, "curation-history")
    rec.check(base)


def test_a_reader_sees_no_edit_controls(context: Any, team_server: LiveServer) -> None:
    base = team_server.url
    page = context.new_page()
    rec = Recorder(page)
    _login(page, base, "ro")
    for path in ("/actors/asml", "/relations/asml-invests-mistral-ai", "/"):
        page.goto(base + path)
        assert page.locator("a[href$='/edit'], a[href='/actors/new'], a[href='/review']").count() == 0
        assert page.locator("text=Suggest a change").count() == 0
    rec.check(base)
    response = page.goto(f"{base}/actors/new")  # typed by hand: refused
    assert response.status == 403 and page.locator("form.edit").count() == 0
