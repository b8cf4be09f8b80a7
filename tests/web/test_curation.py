"""Team curation in the web atlas: login, CSRF, roles, throttling, escaping, tokens never shown, private
mode, proposals through forms and the API, review and history, the change visible without a restart."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stackatlas.curation import Accounts, init_dataset
from stackatlas.web import create_app

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
NEW_SOURCE = {"source_url": "https://example.org/news/2", "source_title": "A lab opens", "source_publisher": "Ex",
              "source_date": "2025-06-01", "locator": "paragraph 1"}
PASSWORDS = {"eve": "editor-pass-1", "max": "maint-pass-1", "rea": "reader-pass-1"}


@dataclass
class Site:
    client: TestClient
    root: Path
    token: str  # eve's API token
    mtoken: str  # max's


def _make(tmp: Path, *, private: bool = False) -> tuple[Any, Path, str, str]:
    root = init_dataset(target=tmp / "data", origin="fixture")
    acc = Accounts(root)
    for name, role in (("eve", "editor"), ("max", "maintainer"), ("rea", "reader")):
        acc.add(name=name, role=role, password=PASSWORDS[name])
    app = create_app(root, tmp / "data.duckdb", warm_caches=False, private=private)
    return app, root, acc.new_token(name="eve"), acc.new_token(name="max")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    app, root, token, mtoken = _make(tmp_path_factory.mktemp("curation-web"))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Site(client, root, token, mtoken)


def login(client: TestClient, name: str) -> str:
    """Log in as ``name``; the CSRF token of the session."""
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    assert token is not None
    r = client.post("/login", data={"username": name, "password": PASSWORDS[name], "csrftoken": token[1]},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return token[1]


def actor_form(csrf: str, ident: str, name: str = "Lab") -> dict[str, str]:
    return {"csrftoken": csrf, "id": ident, "name": name, "kind": "company", "hq": "amsterdam",
            "layers": "ai | applied-ai | core | models", "comment": "seen in the news", **NEW_SOURCE}


@pytest.mark.slow  # about 4 s or more: `make test` runs it, `make test-fast` does not
def test_session_cookie_flags(site: Site) -> None:
    site.client.cookies.clear()
    csrf = re.search(r'name="csrftoken" value="([^"]+)"', site.client.get("/login").text)[1]  # type: ignore[index]
    r = site.client.post("/login", data={"username": "eve", "password": PASSWORDS["eve"], "csrftoken": csrf},
                         follow_redirects=False)
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("sa_session=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie
    tls = TestClient(site.client.app, base_url="https://testserver")  # no lifespan: the app stays open
    csrf = re.search(r'name="csrftoken" value="([^"]+)"', tls.get("/login").text)[1]  # type: ignore[index]
    r = tls.post("/login", data={"username": "eve", "password": PASSWORDS["eve"], "csrftoken": csrf},
                 follow_redirects=False)
    assert "Secure" in r.headers["set-cookie"]


def test_posts_without_csrf_token_are_refused(site: Site) -> None:
    csrf = login(site.client, "eve")
    r = site.client.post("/propose/actor", data={k: v for k, v in actor_form(csrf, "no-csrf").items()
                                                 if k != "csrftoken"}, follow_redirects=False)
    assert r.status_code == 403
    r = site.client.post("/propose/actor", data={**actor_form(csrf, "no-csrf"), "csrftoken": "forged"})
    assert r.status_code == 403
    r = site.client.post("/api/proposals", json={"kind": "actor", "op": "create", "record": {}, "sources": []})
    assert r.status_code == 403  # a session cookie without the header
    site.client.cookies.clear()
    r = site.client.post("/login", data={"username": "eve", "password": PASSWORDS["eve"]})
    assert r.status_code == 403  # the login form too


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_anonymous_and_readers_cannot_write(site: Site) -> None:
    site.client.cookies.clear()
    assert site.client.post("/propose/actor", data={"id": "x"}).status_code == 401
    r = site.client.post("/api/proposals", json={"kind": "actor", "op": "create", "record": {}, "sources": []})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert site.client.post("/api/proposals/1/approve").status_code == 401
    assert site.client.get("/actors/new", follow_redirects=False).status_code == 303
    csrf = login(site.client, "rea")
    assert site.client.post("/propose/actor", data=actor_form(csrf, "by-reader")).status_code == 403
    r = site.client.post("/api/proposals", headers={"x-csrftoken": csrf},
                         json={"kind": "actor", "op": "create", "record": {}, "sources": []})
    assert r.status_code == 403
    page = site.client.get("/actors/asml").text
    assert "/actors/asml/edit" not in page and "Suggest a change" not in page and "/review" not in page
    assert site.client.get("/review").status_code == 403
    csrf = login(site.client, "eve")
    assert site.client.post("/review/1/approve", data={"csrftoken": csrf}).status_code == 403
    assert "/actors/asml/edit" in site.client.get("/actors/asml").text


@pytest.mark.slow  # about 4 s or more: `make test` runs it, `make test-fast` does not
def test_propose_review_approve_and_see_it(site: Site) -> None:
    csrf = login(site.client, "eve")
    bad = site.client.post("/propose/actor", data={**actor_form(csrf, "web-lab"), "hq": "atlantis"})
    assert bad.status_code == 422 and "atlantis" in bad.text and 'id="err-hq"' in bad.text
    r = site.client.post("/propose/actor", data=actor_form(csrf, "web-lab", XSS), follow_redirects=False)
    assert r.status_code == 303
    ident = int(r.headers["location"].rsplit("/", 1)[1])
    csrf = login(site.client, "max")
    queue = site.client.get("/review").text
    assert f'id="proposal-{ident}"' in queue and "https://example.org/news/2" in queue
    r = site.client.post(f"/review/{ident}/approve", data={"csrftoken": csrf, "comment": "ok"},
                         follow_redirects=False)
    assert r.status_code == 303
    site.client.cookies.clear()
    actor = site.client.get("/actors/web-lab")
    assert actor.status_code == 200
    found = site.client.get("/api/search", params={"q": "onerror"}).json()["items"]
    assert [x["id"] for x in found][:1] == ["web-lab"]
    login(site.client, "max")
    for page in (actor.text, site.client.get(f"/proposals/{ident}").text, site.client.get("/history").text,
                 site.client.get("/actors/web-lab/history").text, site.client.get("/search?q=onerror").text):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page
    history = site.client.get("/api/history", params={"record": "web-lab"}, headers={
        "authorization": f"Bearer {site.mtoken}"}).json()["items"]
    assert history[0]["proposed_by"] == "eve" and history[0]["approved_by"] == "max"


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_api_proposals_and_conflict(site: Site) -> None:
    site.client.cookies.clear()
    auth = {"authorization": f"Bearer {site.token}"}
    record = {"id": "api-lab", "name": "API Lab", "kind": "company", "hq": "amsterdam",
              "layers": [{"layer": "ai", "role": "core"}]}
    body = {"kind": "actor", "op": "create", "record": record,
            "sources": [{"source": "tech-corridor-2026", "locator": "p. 3"}], "comment": "via the API"}
    r = site.client.post("/api/proposals", json=body, headers=auth)
    assert r.status_code == 201, r.text
    first = r.json()["id"]
    second = site.client.post("/api/proposals", json=body, headers=auth).json()["id"]
    opened = site.client.get("/api/proposals", params={"status": "open"}, headers=auth).json()["items"]
    assert {first, second} <= {p["id"] for p in opened}
    assert site.client.post(f"/api/proposals/{first}/approve", headers=auth).status_code == 403
    mauth = {"authorization": f"Bearer {site.mtoken}"}
    assert site.client.post(f"/api/proposals/{first}/approve", headers=mauth, json={"comment": "ok"}).json()[
        "status"] == "approved"
    r = site.client.post(f"/api/proposals/{second}/approve", headers=mauth)
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    r = site.client.post("/api/proposals", json={**body, "sources": []}, headers=auth)
    assert r.status_code == 400 and "source" in r.text
    assert site.client.get("/api/actors/api-lab").status_code == 200


def test_personal_pages_are_not_cached_for_others(site: Site) -> None:
    login(site.client, "max")
    assert "max" in site.client.get("/actors/nxp").text
    site.client.cookies.clear()
    page = site.client.get("/actors/nxp").text
    assert "Logged in as" not in page and "Log out" not in page


@pytest.mark.slow  # about 3 s or more: `make test` runs it, `make test-fast` does not
def test_secrets_never_in_responses_or_logs(site: Site, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bodies = []
    for name in PASSWORDS:
        login(site.client, name)
        for path in ("/", "/actors/asml", "/history", "/review", "/actors/new", "/api/proposals", "/api/history"):
            r = site.client.get(path)
            bodies.append(r.text + str(r.headers))
    site.client.cookies.clear()
    r = site.client.get("/api/proposals", headers={"authorization": f"Bearer {site.token}"})
    bodies.append(r.text + str(r.headers))
    text = "\n".join(bodies) + "\n".join(rec.getMessage() for rec in caplog.records)
    for secret in (*PASSWORDS.values(), site.token.split("_", 2)[2], site.mtoken.split("_", 2)[2], "$argon2"):
        assert secret not in text


@pytest.mark.slow  # about 5 s or more: `make test` runs it, `make test-fast` does not
def test_throttling_answers_429(tmp_path: Path) -> None:
    app, *_ = _make(tmp_path)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.get("/login")
        codes = [client.post("/login", data={"username": "max", "password": f"wrong-{i}",
                                             "csrftoken": client.cookies["csrftoken"]}).status_code for i in range(6)]
        assert codes == [401] * 5 + [429]
        r = client.post("/login", data={"username": "max", "password": PASSWORDS["max"],
                                        "csrftoken": client.cookies["csrftoken"]})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


@pytest.mark.slow  # about 4 s or more: `make test` runs it, `make test-fast` does not
def test_private_mode(tmp_path: Path) -> None:
    app, *_, mtoken = _make(tmp_path, private=True)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/actors/asml", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=/actors/asml"
        assert client.get("/api/actors").status_code == 401
        assert client.get("/static/app.css").status_code == 200 and client.get("/login").status_code == 200
        assert client.get("/api/actors", headers={"authorization": f"Bearer {mtoken}"}).status_code == 200
        login(client, "rea")
        assert client.get("/actors/asml").status_code == 200


def test_a_read_only_atlas_has_no_accounts(fixture_client: TestClient) -> None:
    assert fixture_client.get("/login").status_code == 403
    r = fixture_client.post("/api/proposals", json={"kind": "actor", "op": "create", "record": {}, "sources": []})
    assert r.status_code == 404  # no proposals API at all
    assert "/api/proposals" not in fixture_client.get("/openapi.json").json()["paths"]
    assert "/login" not in fixture_client.get("/actors/asml").text


def test_suggest_a_change_on_a_tie(site: Site) -> None:
    csrf = login(site.client, "eve")
    page = site.client.get("/relations/asml-arcnl-partnership")
    assert "/relations/asml-arcnl-partnership/edit" in page.text
    form = site.client.get("/relations/asml-arcnl-partnership/edit").text
    assert 'name="current" value="asml-arcnl-partnership"' in form and 'value="joint-lab" selected' in form
    data = {"csrftoken": csrf, "current": "asml-arcnl-partnership", "id": "asml-arcnl-partnership",
            "type": "joint-lab", "from": "asml", "to": "arcnl", "date": "2014", "status": "active",
            "role": "founding partner", "description_nl": "ASML is partner van ARCNL.",
            "description_en": "ASML is a partner of ARCNL.", "source_id": "tech-corridor-2026", "locator": "H.5 C"}
    r = site.client.post("/propose/relation", data=data, follow_redirects=False)
    assert r.status_code == 303
    shown = site.client.get(r.headers["location"]).text
    assert "+  status: active" in shown and "+  role: founding partner" in shown and "-  date" not in shown
