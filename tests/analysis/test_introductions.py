from __future__ import annotations

import pytest

from stackatlas.analysis import duckdb_engine
from stackatlas.analysis.introductions import introductions
from stackatlas.analysis.synergy import SynergySpec
from stackatlas.atlas import Atlas
from stackatlas.errors import NotFound


@pytest.fixture(scope="module")
def engine(atlas: Atlas):  # type: ignore[no-untyped-def]
    return duckdb_engine(atlas.con)


def test_pairs_cross_the_corridor_and_are_not_tied(engine, atlas: Atlas) -> None:  # type: ignore[no-untyped-def]
    intro = introductions(engine, synergy="D", a="mra", b="brainport", top=10)
    assert len(intro) > 0
    mra = set(atlas.actors(place="mra")["id"])
    brainport = set(atlas.actors(place="brainport")["id"])
    rel = atlas.relations()
    tied = set(zip(rel["from"], rel["to"], strict=True)) | set(zip(rel["to"], rel["from"], strict=True))
    for r in intro.itertuples():
        assert r.a in mra and r.b in brainport and r.a != r.b
        assert (r.a, r.b) not in tied
        assert r.reasons.endswith(".") and "together cover" in r.reasons
    assert list(intro["score"]) == sorted(intro["score"], reverse=True)


def test_common_partners_raise_the_score(engine) -> None:  # type: ignore[no-untyped-def]
    # UvA and ASML are tied to ARCNL; TU/e is not: UvA–TU/e has no common partner, ARCNL's partners do
    intro = introductions(engine, synergy=SynergySpec("x", ("chips", "ai"), ()), a="mra", b="brainport", top=50)
    facts = {(r.a, r.b): r.facts for r in intro.itertuples()}
    with_common = [k for k, f in facts.items() if f["common_partners"]]
    without = [k for k, f in facts.items() if not f["common_partners"]]
    if with_common and without:
        best_common = intro[intro.apply(lambda r: (r.a, r.b) in set(with_common), axis=1)]["score"].max()
        assert best_common >= intro[intro.apply(lambda r: (r.a, r.b) in set(without), axis=1)]["score"].min()


def test_per_actor_keeps_every_actor(engine) -> None:  # type: ignore[no-untyped-def]
    intro = introductions(engine, synergy="C", a="mra", b="brainport", per_actor=2)
    assert intro.groupby("a").size().max() <= 2
    assert intro["a"].nunique() >= 3


def test_discovered_ids_and_unknown_ids(engine) -> None:  # type: ignore[no-untyped-def]
    assert len(introductions(engine, synergy="chips.ai", a="mra", b="brainport", top=3)) > 0
    with pytest.raises(NotFound):
        introductions(engine, synergy="chips.nonsense", a="mra", b="brainport")


def test_corridor_scope_pairs_municipalities(engine, atlas: Atlas) -> None:  # type: ignore[no-untyped-def]
    from stackatlas.analysis.introductions import IntroConfig

    intro = introductions(engine, synergy="D", a="mra", b="brainport", top=30,
                          config=IntroConfig(scope="corridor"))
    assert len(intro) > 0
    corridor = set(atlas.actors(place="mra")["id"]) | set(atlas.actors(place="brainport")["id"])
    munis = atlas.sql("SELECT actor, place FROM actor_places ap JOIN places p ON p.id = ap.place "
                      "WHERE p.type = 'municipality'").groupby("actor")["place"].agg(set).to_dict()
    rel = atlas.relations()
    tied = set(zip(rel["from"], rel["to"], strict=True)) | set(zip(rel["to"], rel["from"], strict=True))
    seen = set()
    for r in intro.itertuples():
        assert r.a in corridor and r.b in corridor and r.a != r.b and (r.a, r.b) not in tied
        assert not munis.get(r.a, set()) & munis.get(r.b, set())      # two different municipalities
        assert frozenset((r.a, r.b)) not in seen                       # each meeting once
        seen.add(frozenset((r.a, r.b)))
    with pytest.raises(Exception, match="scope"):
        introductions(engine, synergy="D", a="mra", b="brainport", config=IntroConfig(scope="nowhere"))
