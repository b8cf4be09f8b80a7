from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

import stackatlas

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "import"


@pytest.fixture
def base() -> Path:
    """The small fixture dataset, whose places resolve locations in these tests."""
    return stackatlas.fixture_path()


class FakeWikidata:
    """An httpx transport answering like the Wikidata query service and API, from the JSON fixtures."""

    def __init__(self, fail_first: int = 0, status: int = 429, retry_after: str | None = "3") -> None:
        self.calls: list[httpx.Request] = []
        self.fail_first = fail_first
        self.status = status
        self.retry_after = retry_after
        self.root = FIXTURES / "wikidata"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if len(self.calls) <= self.fail_first:
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return httpx.Response(self.status, headers=headers, text="slow down")
        params = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        if request.url.path.endswith("/sparql"):
            name = "sparql-municipality.json" if "P382" in params["query"] else "sparql-organisations.json"
            return httpx.Response(200, json=json.loads((self.root / name).read_text()))
        assert params.get("action") == "wbgetentities"
        entities = {}
        for q in params["ids"].split("|"):
            f = self.root / "entities" / f"{q}.json"
            entities[q] = json.loads(f.read_text()) if f.is_file() else {"id": q, "missing": ""}
        return httpx.Response(200, json={"entities": entities, "success": 1})

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


@pytest.fixture
def fake_wikidata() -> Callable[..., FakeWikidata]:
    return FakeWikidata
