"""The look-up tables, read once per Atlas."""

from __future__ import annotations

import stackatlas
from stackatlas.atlas import records


def test_lookups_are_built_once_and_outlive_the_connection() -> None:
    atlas = stackatlas.open(data=stackatlas.fixture_path())
    lk = atlas.lookups()
    assert atlas.lookups() is lk
    layers = [r["id"] for r in records(atlas.layers())]
    pair = atlas.compare_pair()
    atlas.close()
    assert lk.layer_ids == layers and list(lk.layer) == layers
    assert lk.compare == pair == ("mra", "brainport")
    assert lk.baseline == "nl" and lk.place_type("mra") == "region"


def test_lookups_agree_with_the_atlas() -> None:
    with stackatlas.open(data=stackatlas.fixture_path()) as atlas:
        lk = atlas.lookups()
        places = records(atlas.places())
        assert set(lk.place) == {p["id"] for p in places}
        assert set(lk.source) == {s["id"] for s in records(atlas.sources())}
        assert list(lk.synergy) == sorted(s["id"] for s in records(atlas.synergies()))
        assert list(lk.domain) == sorted(lk.domain)
        assert all(lk.layer[layer]["id"] == layer for layer, _ in lk.sublayer)
        for region, members in lk.region_members.items():
            assert lk.place_type(region) == "region" and members
            municipalities = {m for m in members if lk.place_type(m) == "municipality"}
            assert municipalities <= lk.members[region]
        for pid in lk.place:
            if lk.place_type(pid) == "municipality":
                assert pid in lk.members[pid]
        inside = {p["id"] for p in records(atlas.places(within="brainport"))}
        assert lk.members["brainport"] <= inside
