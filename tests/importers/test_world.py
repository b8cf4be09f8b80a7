"""Any corridor in the world: foreign cities from the gazetteer, rows without a location, ambiguous names,
a drawn cross-border region, and the baseline a profile picks."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

import stackatlas
from stackatlas.analysis import profile
from stackatlas.analysis._locate import WHOLE_DATASET, unplaced
from stackatlas.analysis.synergy import SynergyConfig, discover
from stackatlas.dataset.loader import load_dataset
from stackatlas.errors import InvalidData
from stackatlas.importers.gazetteer import Ambiguous, gazetteer
from stackatlas.importers.places import PlaceIndex, read_places
from stackatlas.importers.regions import add_region
from stackatlas.importers.tabular import import_table

# hand-written sample rows: real cities, fictional organisations
ORGS = """\
name,city,state,country,categories
Hudson AI,New York,NY,United States,AI
Gotham Chips,New York,New York,USA,Semiconductors
Maple Chips,Toronto,Ontario,Canada,Semiconductors
Isar Cloud,München,,Germany,Cloud
Rose City Robotics,Portland,Oregon,US,AI
Two Portlands,Portland,,US,AI
Springfield Labs,Springfield,,,AI
Nowhere AI,,,,AI
Leuven Photonics,Leuven,,Belgium,Semiconductors
Brabant Litho,Veldhoven,,Netherlands,Semiconductors
Hoogvliet Data,Hoogvliet,,NL,Cloud
Amsterdam Apps,Amsterdam,,NL,AI
"""

MAPPING = """\
version: 2
source: {id: world, title: World sample, publisher: Tests}
dataset: {id: world-sample, title: {en: World sample}}
categories:
  split: ","
  map:
    AI: ai/applied-ai
    Semiconductors: chips/manufacturing
    Cloud: cloud
tables:
  orgs:
    match: "orgs*"
    records: actors
    name: name
    city: city
    region: state
    country: country
    categories: [categories]
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    tmp = tmp_path_factory.mktemp("world")
    (tmp / "orgs.csv").write_text(ORGS, encoding="utf-8")
    (tmp / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    into = tmp / "out"
    res = import_table(tmp / "orgs.csv", tmp / "mapping.yaml", into, places=stackatlas.fixture_path(),
                       date="2026-01-15")
    return into, res


def _hq(into: Path) -> dict[str, str | None]:
    return {a["name"]: a.get("hq") for a in yaml.safe_load((into / "actors" / "orgs.yaml").read_text())}


@pytest.mark.slow  # about 4 s or more: `make test` runs it, `make test-fast` does not
def test_foreign_cities_become_city_places(world: tuple[Path, object]) -> None:
    into, res = world
    hq = _hq(into)
    assert hq["Hudson AI"] == hq["Gotham Chips"] == "new-york-city-us"   # alternate name, one place
    assert hq["Maple Chips"] == "toronto-ca" and hq["Isar Cloud"] == "munich-de"
    assert hq["Rose City Robotics"] == "portland-us"                      # the state settles it
    assert hq["Leuven Photonics"] == "leuven-be"
    assert hq["Brabant Litho"] == "veldhoven" and hq["Amsterdam Apps"] == "amsterdam"  # CBS places stay
    cities = yaml.safe_load((into / "places" / "imported-cities.yaml").read_text())
    ny = next(c for c in cities["municipalities"] if c["id"] == "new-york-city-us")
    assert ny["country"] == "us" and ny["province"] == "us-new-york"
    assert abs(ny["lat"] - 40.71) < 0.05 and abs(ny["lon"] + 74.0) < 0.05
    assert ny["sources"] == [{"source": "geonames-cities", "locator": "geonameid 5128581", "confidence": "high"}]
    states = {p["id"]: p for p in cities["provinces"]}
    assert states["us-oregon"]["code"] == "US-OR" and states["us-new-york"]["country"] == "us"
    assert "be" in {c["id"] for c in yaml.safe_load((into / "places" / "imported-countries.yaml").read_text())[
        "countries"]}
    assert res.added_cities == ["leuven-be", "munich-de", "new-york-city-us", "portland-us", "toronto-ca"]


def test_ambiguous_and_missing_locations_are_reported_and_kept(world: tuple[Path, object]) -> None:
    into, res = world
    hq = _hq(into)
    assert hq["Two Portlands"] == "us"              # three US Portlands, no state: the country, not a guess
    assert hq["Springfield Labs"] is None           # ambiguous world-wide and no country: no head office
    assert hq["Nowhere AI"] is None                 # no location at all: kept
    assert hq["Hoogvliet Data"] == "nl"             # a Dutch district is not guessed into a municipality
    assert res.rejected == 0 and res.written == 12 and res.no_location == 2
    with (into / "import-report.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    amb = {r["value"]: r for r in rows if r["kind"] == "ambiguous-place"}
    assert set(amb) == {"Portland, US", "Springfield"}
    assert "Portland (US, Oregon)" in amb["Portland, US"]["reason"] and "Maine" in amb["Portland, US"]["reason"]
    nol = [r for r in rows if r["kind"] == "no-location"]
    assert len(nol) == 1 and nol[0]["count"] == "2"
    hoog = next(r for r in rows if r["kind"] == "unresolved-place")
    assert "place_aliases" in hoog["reason"]
    load_dataset(into)  # the result validates


def test_reimport_reuses_city_places(world: tuple[Path, object]) -> None:
    into, _ = world
    pidx = PlaceIndex.build(read_places(into), world=True)
    assert pidx.resolve("New York", None, "US")[0] == "new-york-city-us" and not pidx.new_cities
    assert pidx.resolve("Portland", None, "US")[1].startswith("ambiguous")   # the earlier place is no hint


def test_version_1_mapping_keeps_the_old_defaults(tmp_path: Path) -> None:
    (tmp_path / "orgs.csv").write_text(ORGS, encoding="utf-8")
    (tmp_path / "mapping.yaml").write_text(MAPPING.replace("version: 2", "version: 1"), encoding="utf-8")
    res = import_table(tmp_path / "orgs.csv", tmp_path / "mapping.yaml", tmp_path / "out",
                       places=stackatlas.fixture_path(), date="2026-01-15")
    assert res.rejected == 2 and not res.added_cities   # Springfield and Nowhere rejected; countries only


def test_gazetteer_needs_the_state_for_shared_names() -> None:
    g = gazetteer()
    with pytest.raises(Ambiguous) as exc:
        g.find("Springfield", country="US")
    assert len(exc.value.cities) > 3
    hit = g.find("Springfield", country="US", region="Illinois")
    assert hit is not None and hit.admin1 == "IL"
    assert g.find("Zürich") is not None and g.find("Qwxzyville") is None


@pytest.mark.slow  # about 2 s or more: `make test` runs it, `make test-fast` does not
def test_drawn_cross_border_region_profile_and_synergies(world: tuple[Path, object]) -> None:
    into, _ = world
    rec = add_region(into, "eindhoven-85km", around="eindhoven", radius_km=85, date="2026-01-15")
    add_region(into, "amsterdam-30km", around="amsterdam", radius_km=30, date="2026-01-15")
    assert rec["around"] == "eindhoven"
    atlas = stackatlas.open(data=into, db=into / "atlas.duckdb")
    members = atlas.lookups().members["eindhoven-85km"]
    assert {"eindhoven", "veldhoven", "helmond", "leuven-be"} <= members     # Leuven is 83 km away
    assert "hilversum" not in members and "amsterdam" not in members          # 89 km and more
    names = set(atlas.actors(place="eindhoven-85km")["name"])
    assert names == {"Brabant Litho", "Leuven Photonics"}
    eng = atlas.engine()
    assert unplaced(eng) == 2
    # countries: the whole dataset, never NL with LQs of exactly 1
    t = profile(eng, level="country")
    assert t.attrs["baseline"] == WHOLE_DATASET and t.attrs["left_out"] == 2
    assert not (t[(t.place == "nl") & (t["count"] > 0)]["lq"] == 1.0).all()
    # a Dutch region: the dataset's own baseline, which contains it
    assert profile(eng, level="region", places=["brainport"]).attrs["baseline"] == "nl"
    # US places only: the inherited baseline nl holds none of them
    assert profile(eng, level="municipality", places=["new-york-city-us", "toronto-ca"]).attrs[
        "baseline"] == WHOLE_DATASET
    found = discover(eng, a="eindhoven-85km", b="amsterdam-30km", top=5, config=SynergyConfig(bootstrap=10))
    assert len(found) >= 1
    # everything that is not place-based includes the actors without a location
    assert {"Nowhere AI", "Springfield Labs"} <= set(atlas.actors()["name"])


def test_drawn_region_errors_leave_the_dataset_as_it_was(world: tuple[Path, object]) -> None:
    into, _ = world
    add_region(into, "helmond-5km", around="helmond", radius_km=5, date="2026-01-15")
    drawn = into / "places" / "drawn-regions.yaml"
    before = drawn.read_bytes()
    with pytest.raises(InvalidData, match="atlantis"):
        add_region(into, "nowhere-10km", around="atlantis", radius_km=10)
    assert drawn.read_bytes() == before
    with pytest.raises(InvalidData, match="read-only"):
        add_region(stackatlas.bundled_path(), "x-10km", around="eindhoven", radius_km=10)
