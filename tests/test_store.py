"""The build is atomic and cached by content."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

import stackatlas
from stackatlas import store
from stackatlas.dataset.loader import Dataset, load_dataset
from stackatlas.dataset.model import SITE_CLOSED
from stackatlas.errors import InvalidData


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_writes_every_table(tmp_path: Path) -> None:
    db = store.build(load_dataset(stackatlas.fixture_path()), tmp_path / "a.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert tables == set(store.SCHEMA)
    assert con.execute("SELECT count(*) FROM actors").fetchone() == (17,)
    hq = con.execute("SELECT hq_municipality, hq_country, control_bloc FROM actors WHERE id = 'asml'").fetchone()
    assert hq == ("veldhoven", "nl", "nl")
    # a region contains its municipalities; a country contains the municipalities of its provinces
    mra = {r[0] for r in con.execute("SELECT municipality FROM place_municipalities WHERE place = 'mra'").fetchall()}
    assert mra == {"amsterdam", "haarlemmermeer", "hilversum", "almere"}
    assert con.execute("SELECT count(*) FROM place_municipalities WHERE place = 'nl'").fetchone() == (7,)


def test_invalid_data_leaves_the_previous_database_untouched(fixture_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    db = tmp_path / "db" / "atlas.duckdb"
    store.ensure_db(fixture_dir, db)
    before = digest(db)
    (fixture_dir / "relations.yaml").write_text("- id: broken\n  type: investment\n  from: asml\n  to: nobody\n"
                                                "  sources: [{source: tech-corridor-2026, locator: x}]\n")
    with pytest.raises(InvalidData):
        store.ensure_db(fixture_dir, db)
    assert digest(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["atlas.duckdb"]  # no temp file left behind


def test_crash_during_build_leaves_the_previous_database_untouched(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "atlas.duckdb"
    ds = load_dataset(stackatlas.fixture_path())
    store.build(ds, db)
    before = digest(db)
    calls = {"n": 0}

    def boom(table: str) -> None:
        calls["n"] += 1
        if table == "relations":
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.build(ds, db, progress=boom)
    assert calls["n"] > 1
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atlas.duckdb"]


def test_ensure_db_rebuilds_only_when_content_changes(fixture_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "atlas.duckdb"
    store.ensure_db(fixture_dir, db)
    first = db.stat().st_mtime_ns
    store.ensure_db(fixture_dir, db)
    assert db.stat().st_mtime_ns == first
    path = fixture_dir / "actors" / "brainport.yaml"
    path.write_text(path.read_text().replace("name: ASML\n", "name: ASML Holding\n"))
    store.ensure_db(fixture_dir, db)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT name FROM actors WHERE id = 'asml'").fetchone() == ("ASML Holding",)


def test_readers_keep_their_snapshot_during_a_rebuild(fixture_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "atlas.duckdb"
    store.ensure_db(fixture_dir, db)
    reader = duckdb.connect(str(db), read_only=True)
    path = fixture_dir / "actors" / "brainport.yaml"
    path.write_text(path.read_text().replace("name: ASML\n", "name: ASML Holding\n"))
    store.ensure_db(fixture_dir, db)
    assert reader.execute("SELECT name FROM actors WHERE id = 'asml'").fetchone() == ("ASML",)
    reader.close()  # duckdb shares one instance per file within a process: close it to see the new file
    fresh = duckdb.connect(str(db), read_only=True)
    assert fresh.execute("SELECT name FROM actors WHERE id = 'asml'").fetchone() == ("ASML Holding",)


def test_default_db_path_is_per_dataset(tmp_path: Path) -> None:
    a = store.default_db_path(tmp_path / "one")
    b = store.default_db_path(tmp_path / "two")
    assert a != b and a.suffix == ".duckdb"


def _in_places(ds: Dataset) -> set[tuple[str, str, str]]:
    """The definition of ``actor_places``, in Python from the validated records: (actor, place, via)."""
    province_country = {p.id: p.country for p in ds.provinces}
    muni_country = {x.id: x.country or province_country.get(x.province or "") for x in ds.municipalities}
    site_muni = {s.id: s.municipality for s in ds.sites}
    countries = {c.id for c in ds.countries}

    def municipality(place: str) -> str | None:
        return place if place in muni_country else site_muni.get(place)

    def containing(muni: str | None) -> set[str]:
        """A municipality with its province, country and the regions that list it or its country."""
        if muni is None:
            return set()
        mu = next(x for x in ds.municipalities if x.id == muni)
        country = muni_country[muni]
        regions = {r.id for r in ds.regions if muni in r.municipalities or country in r.countries}
        return {muni, *(x for x in (mu.province, country) if x), *regions}

    def country(place: str) -> str | None:
        if place in countries:
            return place
        mu = municipality(place)
        return muni_country.get(mu) if mu is not None else province_country.get(place)

    out: set[tuple[str, str, str]] = set()
    for a in ds.actors:
        hq = {a.hq, *containing(municipality(a.hq)), *([country(a.hq)] if country(a.hq) else [])}
        out |= {(a.id, p, "hq") for p in hq}
        for s in a.sites:
            if s.status != SITE_CLOSED:
                out |= {(a.id, p, "site") for p in {s.place, *containing(municipality(s.place))}}
    return out


@pytest.mark.parametrize("which", ["fixture", "corridor"])
def test_actor_places_is_every_place_an_actor_is_in(which: str, fixture_dir: Path, tmp_path: Path) -> None:
    if which == "fixture":  # a closed site places nobody; a site may be a whole region or province
        (fixture_dir / "actors" / "extra.yaml").write_text(
            "- id: wanderer\n  name: Wanderer\n  kind: company\n  hq: paris\n  layers: [{layer: ai}]\n"
            "  sites: [{place: eindhoven, status: closed}, {place: mra}, {place: noord-brabant, status: planned}]\n"
            "  sources: [{source: tech-corridor-2026, locator: test}]\n")
    ds = load_dataset(fixture_dir if which == "fixture" else stackatlas.bundled_path())
    want = _in_places(ds)
    db = store.build(ds, tmp_path / "a.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT actor, place, via FROM actor_places").fetchall()
    assert len(rows) == len(set(rows))
    assert set(rows) == want
    assert rows == sorted(rows, key=lambda r: (r[1], r[0], r[2]))  # sorted by place: one place is one range
    if which == "fixture":
        assert {p for a, p, _ in rows if a == "wanderer"} == {"paris", "fr", "mra", "noord-brabant"}
