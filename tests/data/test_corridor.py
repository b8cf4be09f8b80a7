"""Invariants of the bundled Tech Corridor dataset, and the key facts of each chapter of the report."""

from __future__ import annotations

from pathlib import Path

import pytest

import stackatlas
from stackatlas.atlas import Atlas, records


@pytest.fixture(scope="module")
def corridor(tmp_path_factory: pytest.TempPathFactory) -> Atlas:
    return stackatlas.open(db=tmp_path_factory.mktemp("corridor") / "corridor.duckdb")


def one(atlas: Atlas, sql: str, params: dict | None = None) -> object:
    row = atlas.con.execute(sql, params or {}).fetchone()
    assert row is not None
    return row[0]


@pytest.mark.slow  # about a second: `make test` runs it, `make test-fast` does not
def test_size_and_sources(corridor: Atlas) -> None:
    s = corridor.stats()
    assert s["actors"] >= 230 and s["relations"] > 100 and s["indicators"] > 60  # 230 since Galan Groep left (issue 15)
    assert s["synergies"] == 9
    assert s["facts_without_source"] == 0


def test_every_actor_has_a_layer_and_a_located_hq(corridor: Atlas) -> None:
    assert one(corridor, "SELECT count(*) FROM actors WHERE id NOT IN (SELECT actor FROM actor_layers)") == 0
    assert one(corridor, "SELECT count(*) FROM actors WHERE hq_country IS NULL") == 0


def test_corridor_municipalities_have_coordinates(corridor: Atlas) -> None:
    rows = corridor.sql("""SELECT pm.place, p.id, p.lat, p.lon FROM place_municipalities pm
                           JOIN places p ON p.id = pm.municipality WHERE pm.place IN ('mra', 'brainport')""")
    assert set(rows["place"]) == {"mra", "brainport"}
    assert rows["lat"].between(50.7, 53.6).all() and rows["lon"].between(3.3, 7.3).all()
    mra = set(rows[rows.place == "mra"]["id"])
    assert {"amsterdam", "almere", "haarlemmermeer", "hilversum"} <= mra
    brainport = set(rows[rows.place == "brainport"]["id"])
    assert len(brainport) == 21 and {"eindhoven", "veldhoven", "helmond"} <= brainport


def test_cbs_codes_are_unique_and_well_formed(corridor: Atlas) -> None:
    codes = corridor.sql("SELECT code FROM places WHERE type = 'municipality' AND country = 'nl'")["code"]
    assert codes.notna().all() and codes.is_unique and codes.str.fullmatch(r"GM\d{4}").all()
    assert one(corridor, "SELECT code FROM places WHERE id = 'amsterdam'") == "GM0363"
    assert one(corridor, "SELECT code FROM places WHERE id = 'eindhoven'") == "GM0772"


OVERZICHTSTABEL = {  # synergy: (layers, places) exactly as the report's overview table gives them
    # "Alle gemeenten en algemeen": the municipalities, and the country for "algemeen" (issue 15)
    "A": ({"ai", "applications"}, {"amsterdam", "almere", "haarlemmermeer", "hilversum", "brainport", "nl"}),
    "B": ({"ai", "applications", "devices"}, {"amsterdam", "brainport", "haarlemmermeer", "almere"}),
    "C": ({"chips", "networks", "ai", "applications"}, {"brainport", "amsterdam"}),
    "D": ({"chips", "ai"}, {"brainport", "amsterdam"}),
    "E": ({"raw-materials", "chips", "ai"}, {"amsterdam", "almere", "brainport"}),
    "F": ({"ai", "applications", "devices"}, {"brainport", "almere", "amsterdam"}),
    "G": ({"networks", "cloud", "ai"}, {"haarlemmermeer", "amsterdam"}),
    "H": ({"ai", "applications", "devices"}, {"hilversum", "amsterdam", "brainport"}),
    "I": ({"ai", "devices"}, {"amsterdam", "brainport"}),
}


def test_curated_synergies_match_the_overview_table(corridor: Atlas) -> None:
    syn = {r["id"]: r for r in records(corridor.synergies())}
    assert sorted(syn) == sorted(OVERZICHTSTABEL)
    for sid, (layers, places) in OVERZICHTSTABEL.items():
        assert set(syn[sid]["layers"]) == layers, sid
        assert set(syn[sid]["places"]) == places, sid
        assert syn[sid]["actors"], sid


def test_synergy_examples_name_the_table_examples(corridor: Atlas) -> None:
    syn = {r["id"]: set(r["actors"]) for r in records(corridor.synergies())}
    assert {"adyen", "booking-com", "ahold-delhaize", "netflix"} <= syn["A"]
    assert "philips" in syn["B"]
    assert {"asml", "mistral-ai", "ai-for-htsm", "arcnl"} <= syn["C"]
    assert {"euclid", "axelera-ai", "fortaegis"} <= syn["D"]
    assert {"asm", "iamm", "cuspai", "cradle"} <= syn["E"]
    assert {"nlr"} <= syn["F"] and syn["F"] & {"vdl-groep", "vdl-etg"}
    assert {"ams-ix", "nebius"} <= syn["G"]
    assert "beeld-en-geluid" in syn["H"]
    assert {"medal", "general-intuition"} <= syn["I"]


def test_seven_recommendations(corridor: Atlas) -> None:
    recs = records(corridor.recommendations())
    assert [r["number"] for r in recs] == [1, 2, 3, 4, 5, 6, 7]
    assert set(recs[0]["synergies"]) == set(OVERZICHTSTABEL)


def test_amounts_have_currencies(corridor: Atlas) -> None:
    assert one(corridor, """SELECT count(*) FROM relations
                            WHERE amount_value IS NOT NULL AND amount_currency IS NULL""") == 0


# --- key facts, chapter by chapter --------------------------------------------------------------------

def test_h2_global_position_covers_every_layer(corridor: Atlas) -> None:
    layers = set(corridor.sql("SELECT DISTINCT layer FROM positions")["layer"])
    assert layers == set(corridor.layers()["id"])
    assert one(corridor, "SELECT standing FROM positions WHERE layer = 'raw-materials' AND bloc = 'cn'") == "leader"
    asml = records(corridor.actors(ids=["asml"]))[0]
    assert any(lay["layer"] == "chips" and lay["sublayer"] == "equipment-and-materials" for lay in asml["layers"])


@pytest.mark.parametrize("subject,metric_part,value", [
    ("eindhoven", "semiconductors", 13.0),
    ("eindhoven", "mobility-logistics", 29.4),
    ("eindhoven", "energy", 22.0),
    ("eindhoven", "fintech", 4.3),
    ("noord-holland", "tech-companies", 3473),
    ("ams-ix", "connected-parties", 1227),
    ("icai", "labs", 59),
    ("amsterdam-ai", "students", 6307),
    ("iamm", "investment", 450_000_000),
    ("media-park-hilversum", "professionals", 6000),
    ("haarlemmermeer", "capacity", 500),
    ("nl", "ict-value-added-growth", 3.2),
])
def test_h1_h3_figures(corridor: Atlas, subject: str, metric_part: str, value: float) -> None:
    df = corridor.indicators(subject=subject)
    hit = df[df.metric.str.contains(metric_part) & (df.value == value)]
    assert len(hit) >= 1, f"{subject} {metric_part} = {value} missing"
    assert all(len(s) > 0 for s in hit["sources"])


def test_eindhoven_vc_shares_carry_their_national_baseline(corridor: Atlas) -> None:
    df = corridor.indicators(subject="eindhoven")
    semis = df[df.metric.str.contains("semiconductors")].iloc[0]
    assert semis["baseline_value"] == 0.4 and semis["baseline_subject"] == "nl"


def test_h3_places_actors(corridor: Atlas) -> None:
    def hq(ident: str) -> str:
        return str(one(corridor, "SELECT hq FROM actors WHERE id = $id", {"id": ident}))
    assert hq("asml") == "veldhoven" and hq("asm") == "almere" and hq("adyen") == "amsterdam"
    assert hq("philips") == "amsterdam"
    assert "eindhoven" in records(corridor.actors(ids=["philips"]))[0]["sites"]
    assert one(corridor, "SELECT parent FROM actors WHERE id = 'booking-com'") == "booking-holdings"
    assert one(corridor, "SELECT control_country FROM actors WHERE id = 'booking-com'") == "US"


def test_h4_foundries_and_cross_stack_investments(corridor: Atlas) -> None:
    for company in ("google", "microsoft", "amazon", "meta", "nvidia", "tencent", "baidu", "alibaba", "huawei"):
        layers = {lay["layer"] for lay in records(corridor.actors(ids=[company]))[0]["layers"]}
        assert {"ai", "applications"} <= layers, company
    rel = corridor.relations(type="investment")
    pairs = set(zip(rel["from"], rel["to"], strict=True))
    assert {("microsoft", "openai"), ("amazon", "anthropic"), ("nvidia", "nokia"), ("asml", "mistral-ai")} <= pairs
    nokia = rel[(rel["from"] == "nvidia") & (rel["to"] == "nokia")].iloc[0]
    assert nokia["stake_pct"] == 2.9


def test_h5_spin_offs_and_partnerships(corridor: Atlas) -> None:
    rel = corridor.relations()
    pairs = {(a, b, t) for a, b, t in zip(rel["from"], rel["to"], rel["type"], strict=True)}
    assert ("imec", "axelera-ai", "spin-off") in pairs
    assert ("medal", "general-intuition", "spin-off") in pairs
    assert ("yandex", "nebius", "spin-off") in pairs
    drones = {(a, b) for a, b, t in pairs if t == "partnership"}
    assert drones & {("vdl-groep", "deltaquad"), ("deltaquad", "vdl-groep")}


def test_bundled_path_is_inside_the_package() -> None:
    assert Path(stackatlas.bundled_path(), "dataset.yaml").is_file()
