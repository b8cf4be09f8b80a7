"""`stackatlas import wikidata`, offline against hand-written responses (tests/importers/fixtures/wikidata)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from stackatlas.dataset.loader import load_dataset
from stackatlas.errors import StackAtlasError
from stackatlas.importers.wikidata import USER_AGENT, WikidataClient, _retry_after, _time, import_wikidata


def _actors(into: Path) -> dict[str, dict]:
    return {a["id"]: a for a in yaml.safe_load((into / "actors" / "wikidata-eindhoven.yaml").read_text())}


def run(tmp_path: Path, base: Path, fake, **kw):  # type: ignore[no-untyped-def]
    sleeps: list[float] = []
    res = import_wikidata("eindhoven", tmp_path / "wd", places=base, cache=tmp_path / "cache", date="2026-01-15",
                          transport=fake.transport, sleep=sleeps.append, **kw)
    return res, sleeps


def test_import_validates_and_reads_statements(tmp_path: Path, base: Path, fake_wikidata) -> None:  # type: ignore[no-untyped-def]
    fake = fake_wikidata()
    res, _ = run(tmp_path, base, fake)
    into = tmp_path / "wd"
    ds = load_dataset(into)  # the result is a valid dataset
    assert res.qid == "Q9832" and res.items == 6
    assert res.actors == 5 and len(ds.actors) == 5          # Q990014 has no English or Dutch label: skipped
    a = _actors(into)
    philips, asml, nxp = a["philips"], a["asml-holding"], a["nxp-semiconductors"]
    assert philips["hq"] == "amsterdam" and philips["sites"] == [{"place": "eindhoven"}]  # P159 beats P131
    assert philips["website"] == "https://www.philips.com"     # the preferred statement hides the normal one
    assert philips["founded"] == "1891-05-15" and philips["kind"] == "company"
    assert philips["layers"] == [{"layer": "devices", "sublayer": "consumer-electronics"}]
    assert "Koninklijke Philips N.V." in philips["aliases"]
    assert asml["founded"] == "1984-04"                        # the deprecated 1985 is skipped; month precision
    assert asml["hq"] == "veldhoven" and asml["control_country"] == "NL"
    assert asml["tags"][0].startswith("lei-") and asml["wikidata"] == "Q297879"
    assert a["eindhoven-university-of-technology"]["kind"] == "university"
    assert a["eindhoven-university-of-technology"]["hq"] == "eindhoven"   # from P625: the nearest municipality
    spin = a["fixture-spin-off-labs"]
    assert spin["control_country"] == "US" and spin["layers"] == [{"layer": "applications", "role": "secondary"}]
    assert spin["founded"] == "2019"
    # relations: ended ownerships (P582), a start date (P580), a subsidiary (P355); the deprecated P749 is skipped
    rels = {r["id"]: r for r in yaml.safe_load((into / "relations" / "wikidata-eindhoven.yaml").read_text())}
    assert rels["philips-owns-asml-holding"]["status"] == "ended"
    assert rels["philips-owns-asml-holding"]["date"] == "1984-04"
    assert rels["philips-owns-nxp-semiconductors"]["status"] == "ended"
    assert "asml-holding-owns-nxp-semiconductors" not in rels
    assert rels["eindhoven-university-of-technology-owns-fixture-spin-off-labs"].get("status") is None
    assert "parent" not in nxp                                  # the parent link ended
    # employees with their point in time
    ind = yaml.safe_load((into / "indicators" / "wikidata-eindhoven.yaml").read_text())
    assert ind[0]["subject"] == "philips" and ind[0]["value"] == 69656 and ind[0]["date"] == "2023"
    # references become sources: stated in (P248, named by its label) and reference URL (P854)
    sources = {s.id: s for s in ds.sources}
    assert sources["wikidata-ref-q990100"].title == "Annual report 2023 (fixture)"
    assert any(s.url == "https://www.example.org/fixture/annual-report-2023" for s in sources.values())
    assert {"source": "wikidata-ref-q990100", "locator": "Q170416 P571", "confidence": "medium"} in philips["sources"]
    assert sources["wikidata"].licence == "CC0-1.0"
    # a descriptive User-Agent on every request
    assert all(c.headers["User-Agent"] == USER_AGENT for c in fake.calls)
    assert "stackatlas" in USER_AGENT


def test_cache_makes_a_rerun_offline_and_identical(tmp_path: Path, base: Path, fake_wikidata) -> None:  # type: ignore[no-untyped-def]
    fake = fake_wikidata()
    run(tmp_path, base, fake)
    first = {p: p.read_bytes() for p in (tmp_path / "wd").rglob("*") if p.is_file()}
    calls = len(fake.calls)
    res, _ = run(tmp_path, base, fake)
    assert len(fake.calls) == calls and res.cached == res.requests   # everything from the cache
    assert {p: p.read_bytes() for p in (tmp_path / "wd").rglob("*") if p.is_file()} == first


def test_429_waits_retry_after(tmp_path: Path, base: Path, fake_wikidata) -> None:  # type: ignore[no-untyped-def]
    fake = fake_wikidata(fail_first=2, status=429, retry_after="3")
    res, sleeps = run(tmp_path, base, fake)
    assert sleeps == [3.0, 3.0] and res.actors == 5


def test_server_errors_back_off_then_give_up(tmp_path: Path, fake_wikidata) -> None:  # type: ignore[no-untyped-def]
    fake = fake_wikidata(fail_first=100, status=503, retry_after=None)
    sleeps: list[float] = []
    client = WikidataClient(transport=fake.transport, cache=tmp_path / "c", sleep=sleeps.append, max_retries=3,
                            backoff=0.5)
    with pytest.raises(StackAtlasError, match="503"):
        client.sparql("SELECT ?item WHERE {}")
    assert sleeps == [0.5, 1.0, 2.0]          # exponential backoff without Retry-After
    assert not list((tmp_path / "c").rglob("*.json"))   # errors are not cached


def test_existing_actor_with_the_same_wikidata_id_is_linked_not_duplicated(tmp_path: Path, base: Path,
                                                                           fake_wikidata) -> None:  # type: ignore[no-untyped-def]
    import shutil

    into = tmp_path / "wd"
    shutil.copytree(base, into)   # the fixture dataset has ASML and Philips; give ASML its Wikidata id
    f = into / "actors" / "brainport.yaml"
    f.write_text(f.read_text().replace("- id: asml\n  name: ASML\n", "- id: asml\n  name: ASML\n  wikidata: Q297879\n"))
    res = import_wikidata("eindhoven", into, cache=tmp_path / "cache", date="2026-01-15",
                          transport=fake_wikidata().transport, sleep=lambda s: None)
    ds = load_dataset(into)
    ids = {a.id for a in ds.actors}
    assert "asml-holding" not in ids and res.skipped >= 1
    rels = yaml.safe_load((into / "relations" / "wikidata-eindhoven.yaml").read_text())
    assert any(r["to"] == "asml" for r in rels)           # relations reach the curated actor
    assert "philips-2" in ids                               # no Wikidata id on the curated Philips: a new id


def test_helpers() -> None:
    assert _retry_after("7", 1.0) == 7.0 and _retry_after(None, 1.5) == 1.5
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 2.0) == 0.0      # a date in the past: no wait
    assert _time({"time": "+2019-00-00T00:00:00Z", "precision": 9}) == "2019"
    assert _time({"time": "+1891-05-15T00:00:00Z", "precision": 11}) == "1891-05-15"
    assert _time({"time": "-0500-00-00T00:00:00Z", "precision": 9}) is None
    assert json.dumps(_time({"time": "+2001-02-03T00:00:00Z", "precision": 10})) == '"2001-02"'
