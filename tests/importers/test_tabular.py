"""`stackatlas import csv|parquet`: every mapping feature, rejections, the report, idempotence, streaming."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
import yaml

from stackatlas.dataset.loader import load_dataset
from stackatlas.errors import InvalidData
from stackatlas.importers import tabular
from stackatlas.importers.places import PlaceIndex
from stackatlas.importers.tabular import import_table

ORGS = """\
key,name,legal,aka,type,city,region,country,cats,subcats,founded,web,wd,kvk,lei,owner_country,desc
a1,Adyen,Adyen N.V.,Adyen Payments; Adyen BV,Company,AMSTERDAM,,Netherlands,FinTech,payments,2006,www.adyen.com,https://www.wikidata.org/wiki/Q1000001,3424 9587,724500QHKL6MVSQQ1Z06,NL,Payments
a2,ASML,ASML Holding N.V.,,company,Veldhóven,Noord-Brabant,NLD,Semiconductors,,1984-04,https://www.asml.com,Q297879,17014545,,the Netherlands,Chips
a3,Sample Data Co,,,startup,Berlin,,Germany,"AI, Pets",,05/03/2019,not a url,Q-bad,12,BADLEI,Mars,Data
a4,Nameless,,,company,Eindhoven,,NL,Cooking,,2001,,,,,,
a5,,,,company,Eindhoven,,NL,FinTech,,2001,,,,,,
a6,Ghost Co,,,ghost,Eindhoven,,NL,FinTech,,2001,,,,,,
a7,Nowhere Co,,,company,Atlantis,,,FinTech,,2001,,,,,,
a1,Adyen again,,,company,Amsterdam,,NL,FinTech,,2006,,,,,,
a9,Hoofddorp Co,,,company,Hoofddorp,,NL,"FinTech, Ignored",,2015,http://hoofddorp.example,,,,,
a10,Oslo Co,,,company,Oslo,,Norway,FinTech,,2015,,,,,,
a11,Formula Co,,,company,=1+2,,,FinTech,,2015,,,,,,
"""

MAPPING = """\
version: 1
source: {id: test, title: Test export, publisher: Tests}
dataset: {id: test-import, title: {en: Test import}}
place_aliases: {Hoofddorp: haarlemmermeer}
categories:
  split: ","
  map:
    FinTech: {layers: [applications/fintech], domains: [finance], tags: [fintech]}
    payments: {layers: [applications/fintech], domains: [finance]}
    Semiconductors: chips/manufacturing
    AI: ai/applied-ai
    Ignored: ignore
tables:
  orgs:
    match: "orgs*.*"
    records: actors
    id: {column: key, prefix: t-}
    name: name
    aliases: {columns: [legal, aka], split: ";"}
    kind: {column: type, map: {company: company, startup: startup}}
    city: city
    region: region
    country: country
    categories: [cats, {column: subcats, split: ";"}]
    founded: founded
    website: web
    wikidata: wd
    kvk: kvk
    lei: lei
    control_country: owner_country
    description_en: desc
    confidence: low
    location_fallback: country
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def imp(tmp_path: Path, base: Path, data: str = ORGS, mapping: str = MAPPING, name: str = "orgs.csv",
        into: Path | None = None, **kw: Any) -> tuple[tabular.ImportResult, Path]:
    f = write(tmp_path / "in" / name, data)
    m = write(tmp_path / "in" / "mapping.yaml", mapping)
    into = into or tmp_path / "out"
    kw.setdefault("date", "2026-01-15")
    return import_table(f, m, into, places=base, **kw), into


def actors(into: Path, table: str = "orgs") -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in yaml.safe_load((into / "actors" / f"{table}.yaml").read_text())}


def report(into: Path) -> list[dict[str, str]]:
    with (into / "import-report.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_actor_fields(tmp_path: Path, base: Path) -> None:
    res, into = imp(tmp_path, base)
    ds = load_dataset(into)
    assert res.rows == 11 and res.written == 5 and res.rejected == 6
    assert len(ds.actors) == 5
    a = actors(into)
    ady = a["t-a1"]
    assert ady["name"] == "Adyen" and ady["aliases"] == ["Adyen N.V.", "Adyen Payments", "Adyen BV"]
    assert ady["kind"] == "company" and ady["hq"] == "amsterdam"          # case-insensitive city
    assert ady["layers"] == [{"layer": "applications", "sublayer": "fintech"}]   # two categories, one layer
    assert ady["domains"] == ["finance"] and "fintech" in ady["tags"]
    assert ady["founded"] == "2006" and ady["website"] == "https://www.adyen.com"
    assert ady["wikidata"] == "Q1000001"                                  # from a Wikidata URL
    assert "kvk-34249587" in ady["tags"] and "lei-724500qhkl6mvsqq1z06" in ady["tags"]
    assert ady["control_country"] == "NL" and ady["description"] == {"en": "Payments"}
    assert ady["sources"] == [{"source": "test-orgs", "locator": "row 1", "confidence": "low"}]
    asml = a["t-a2"]
    assert asml["hq"] == "veldhoven" and asml["founded"] == "1984-04"     # accents do not matter
    assert asml["tags"] == ["kvk-17014545"] and asml["control_country"] == "NL"
    data = a["t-a3"]
    assert data["hq"] == "de" and data["founded"] == "2019-03-05"        # a city not found: the country
    assert data["layers"] == [{"layer": "ai", "sublayer": "applied-ai"}]
    assert {"website", "wikidata", "control_country", "tags"}.isdisjoint(data)   # unreadable: dropped
    assert a["t-a9"]["hq"] == "haarlemmermeer" and a["t-a9"]["website"] == "http://hoofddorp.example"
    assert a["t-a10"]["hq"] == "no"                                     # a country the base lacks is added
    assert [c.code for c in ds.countries if c.id == "no"] == ["NO"]
    assert res.added_countries == ["NO"]
    assert dict(res.unmapped) == {"Cooking": 1, "Pets": 1}
    assert dict(res.unresolved) == {"Berlin, Germany": 1, "Oslo, Norway": 1}


def test_rejected_rows_and_warnings_are_reported(tmp_path: Path, base: Path) -> None:
    _, into = imp(tmp_path, base)
    rows = report(into)
    rejected = {r["row"]: (r["field"], r["reason"]) for r in rows if r["kind"] == "rejected"}
    assert rejected == {
        "4": ("categories", "no layer: none of the categories maps to a layer"),
        "5": ("name", "name is missing"),
        "6": ("kind", "actor kind 'ghost' is not in the mapping's map"),
        "7": ("location", "city 'Atlantis' not found"),
        "8": ("id", "duplicate id t-a1"),
        "11": ("location", "city '=1+2' not found"),
    }
    warnings = {(r["row"], r["field"]) for r in rows if r["kind"] == "warning"}
    assert warnings == {("3", "website"), ("3", "wikidata"), ("3", "kvk"), ("3", "lei"), ("3", "control_country")}
    assert any(r["kind"] == "unmapped-category" and r["value"] == "Cooking" and r["count"] == "1" for r in rows)
    # the report is safe to open in a spreadsheet
    assert [r["value"] for r in rows if r["row"] == "11"] == ["'=1+2"]
    assert all(not (r["value"] or "").startswith("=") for r in rows)


def test_place_index_regions_ambiguity_and_fallback() -> None:
    places = {"countries": [{"id": "nl", "code": "NL", "name": {"en": "Netherlands"}}],
              "provinces": [{"id": "noord-holland", "country": "nl", "name": {"nl": "Noord-Holland"}},
                            {"id": "limburg", "country": "nl", "name": {"nl": "Limburg"}}],
              "municipalities": [{"id": "bergen-nh", "province": "noord-holland", "name": {"nl": "Bergen (NH.)"}},
                                 {"id": "bergen-l", "province": "limburg", "name": {"nl": "Bergen (L.)"}},
                                 {"id": "bergen-x", "province": "limburg", "name": {"nl": "Bergen"}},
                                 {"id": "bergen-y", "province": "noord-holland", "name": {"nl": "Bergen"}}],
              "regions": [], "sites": []}
    idx = PlaceIndex.build(places)
    assert idx.resolve("Bergen", "Limburg", "NL") == ("bergen-x", None)
    assert idx.resolve("bergen nh", None, None) == ("bergen-nh", None)
    pid, note = idx.resolve("Bergen", None, "Nederland")
    assert pid == "nl" and "ambiguous" in (note or "")
    with pytest.raises(ValueError, match="ambiguous"):
        idx.resolve("Bergen", None, "NL", fallback="reject")
    with pytest.raises(ValueError, match="no location"):
        idx.resolve(None, None, None)
    assert idx.resolve(None, None, "Belgium") == ("be", None) and idx.added == {"BE": "be"}


def test_names_give_ids_and_duplicates_get_suffixes(tmp_path: Path, base: Path) -> None:
    mapping = MAPPING.replace("    id: {column: key, prefix: t-}\n", "")
    data = "key,name,type,city,country,cats\n" + "\n".join([
        "1,Acme B.V.,company,Amsterdam,NL,FinTech", "2,Acme B.V.,company,Almere,NL,FinTech",
        "3,acme-b-v-2,company,Almere,NL,FinTech", "4,Amsterdam,company,Amsterdam,NL,FinTech",
        "5,株式会社,company,Amsterdam,NL,FinTech"]) + "\n"
    mapping = "\n".join(line for line in mapping.splitlines()
                        if not any(k in line for k in ("legal", "founded", "web", "wd", "kvk", "lei", "owner",
                                                       "desc", "region", "subcats")))
    mapping = mapping.replace("    categories: [cats, {column: subcats, split: \";\"}]", "    categories: cats")
    mapping = mapping.replace("    aliases: {columns: [legal, aka], split: \";\"}\n", "")
    _, into = imp(tmp_path, base, data, mapping + "\n    categories: cats\n")
    ids = list(actors(into))
    assert ids == ["acme-b-v", "acme-b-v-3", "acme-b-v-2", "amsterdam-org", "orgs-row-5"]  # row 3 owns -2
    load_dataset(into)


RELS = """\
investor,company,round,date,amount,currency,stake,status
Acme Ventures B.V.,t-a1,series_a,2021-06,$5M,,12%,done
"Acme Ventures, ASML Holding",t-a1,series_b,2022,10000000,EUR,,done
ASML,t-a2,self,2022,,,,done
Nobody,t-a1,seed,2020,1.5 mln,GBP,,done
ASML,t-zz,seed,2020,,,,done
ASML,t-a1,,2023,"EUR 2,5 mln",,,unknown-state
Acme Ventures,t-a1,seed,2019,12 apples,,150%,done
"""

REL_MAPPING = MAPPING + """\
  more:
    match: "more*.csv"
    records: actors
    id: {column: key, prefix: t-}
    name: name
    kind: type
    city: city
    country: country
    categories: cats
  rounds:
    match: "rounds*.csv"
    records: relations
    type: {value: investment}
    from: {column: investor, split: ",", lookup: name}
    to: {column: company, lookup: id}
    date: date
    amount: {column: amount, currency_column: currency}
    stake: stake
    status: {column: status, map: {done: completed}}
    role: round
"""

MORE_ORGS = "key,name,type,city,country,cats\na20,Acme Ventures,company,Amsterdam,NL,FinTech\n"


def test_relations(tmp_path: Path, base: Path) -> None:
    _, into = imp(tmp_path, base, mapping=REL_MAPPING)
    imp(tmp_path, base, MORE_ORGS, REL_MAPPING, name="more.csv", into=into)
    res, into = imp(tmp_path, base, RELS, REL_MAPPING, name="rounds.csv", into=into)
    ds = load_dataset(into)
    rels = {r["id"]: r for r in yaml.safe_load((into / "relations" / "rounds.yaml").read_text())}
    assert len(ds.relations) == len(rels) == 5
    first = rels["t-a20-investment-t-a1-2021-06"]     # "Acme Ventures B.V." found by name without its legal form
    assert first["amount"] == {"value": 5000000, "currency": "USD"} and first["stake_pct"] == 12
    assert first["status"] == "completed" and first["role"] == "series_a"
    shared = rels["t-a20-investment-t-a1-2022"]         # one relation per investor of the cell ...
    assert "amount" not in shared                          # ... and the round's amount is not theirs
    assert rels["t-a2-investment-t-a1-2022"]["from"] == "t-a2"   # "ASML Holding" is an alias of t-a2
    odd = rels["t-a2-investment-t-a1-2023"]
    assert odd["amount"] == {"value": 2500000, "currency": "EUR"} and "status" not in odd and "role" not in odd
    rows = [r for r in report(into) if r["file"] == "rounds.csv"]
    rejected = {(r["row"], r["field"]): r["reason"] for r in rows if r["kind"] == "rejected"}
    assert rejected[("3", "to")] == "a relation needs two different actors"
    assert rejected[("4", "from")] == "no actor named 'Nobody'"
    assert rejected[("5", "to")] == "no actor with id 't-zz'"
    warned = {(r["row"], r["field"]) for r in rows if r["kind"] == "warning"}
    assert {("2", "amount"), ("6", "status"), ("7", "amount"), ("7", "stake")} <= warned
    assert res.rejected == 3


def test_shared_amount_can_be_kept(tmp_path: Path, base: Path) -> None:
    _, into = imp(tmp_path, base, mapping=REL_MAPPING)
    res, into = imp(tmp_path, base, RELS.splitlines()[0] + "\n" + RELS.splitlines()[2] + "\n",
                    REL_MAPPING.replace("    role: round\n", "    role: round\n    shared_amount: keep\n"),
                    name="rounds.csv", into=into)
    rels = yaml.safe_load((into / "relations" / "rounds.yaml").read_text())
    assert [r["amount"]["value"] for r in rels] == [10000000]    # Acme Ventures is unknown here: one left
    assert res.written == 1


def test_reimport_is_idempotent(tmp_path: Path, base: Path) -> None:
    _, into = imp(tmp_path, base)
    first = {p.relative_to(into): p.read_bytes() for p in into.rglob("*") if p.is_file()}
    imp(tmp_path, base, date=None)   # no date: the date of the first import of this content is kept
    again = {p.relative_to(into): p.read_bytes() for p in into.rglob("*") if p.is_file()}
    assert again == first
    _, other = imp(tmp_path, base, into=tmp_path / "other")
    assert {p.relative_to(other): p.read_bytes() for p in other.rglob("*") if p.is_file()} == first


def test_batches_do_not_change_the_result(tmp_path: Path, base: Path) -> None:
    _, a = imp(tmp_path, base, into=tmp_path / "a")
    _, b = imp(tmp_path, base, into=tmp_path / "b", batch_rows=2)
    files_a = {p.relative_to(a): p.read_bytes() for p in a.rglob("*") if p.is_file()}
    assert {p.relative_to(b): p.read_bytes() for p in b.rglob("*") if p.is_file()} == files_a


def test_parquet_gives_the_same_records(tmp_path: Path, base: Path) -> None:
    _, a = imp(tmp_path, base, into=tmp_path / "a")
    table = pcsv.read_csv(tmp_path / "in" / "orgs.csv",
                          convert_options=pcsv.ConvertOptions(column_types={"founded": pa.string(),
                                                                            "kvk": pa.string()}))
    pq.write_table(table, tmp_path / "in" / "orgs.parquet", row_group_size=3)
    seen: list[tuple[int, int]] = []
    res = import_table(tmp_path / "in" / "orgs.parquet", tmp_path / "in" / "mapping.yaml", tmp_path / "b",
                       places=base, date="2026-01-15", progress=lambda d, t: seen.append((d, t)))
    assert res.written == 5 and seen[-1] == (11, 11)
    strip = [{k: v for k, v in r.items() if k != "sources"} for r in actors(a).values()]
    assert [{k: v for k, v in r.items() if k != "sources"} for r in actors(tmp_path / "b").values()] == strip


def test_csv_tables_for_large_imports_and_yaml_chunks(tmp_path: Path, base: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    res, into = imp(tmp_path, base, out_format="csv")
    assert res.outputs == [into / "actors" / "orgs.csv"]
    assert load_dataset(into).count("actors") == 5
    header = (into / "actors" / "orgs.csv").read_text().splitlines()[0].split(",")
    assert "parent" not in header and {"id", "name", "layers", "sources", "confidence"} <= set(header)
    monkeypatch.setattr(tabular, "YAML_CHUNK", 2)
    res, into = imp(tmp_path, base, out_format="yaml")    # the CSV output of the same table is replaced
    assert [p.name for p in res.outputs] == ["orgs-0001.yaml", "orgs-0002.yaml", "orgs-0003.yaml"]
    assert not (into / "actors" / "orgs.csv").exists()
    assert load_dataset(into).count("actors") == 5


def test_mapping_problems_are_located(tmp_path: Path, base: Path) -> None:
    bad = MAPPING.replace("    name: name\n", "    name: name\n    nmae: name\n").replace(
        "AI: ai/applied-ai", "AI: ai/quantum")
    with pytest.raises(InvalidData) as exc:
        imp(tmp_path, base, mapping=bad)
    msgs = [str(p) for p in exc.value.errors]
    assert any("mapping.yaml:" in m and "tables.orgs.nmae: unknown key" in m for m in msgs)
    bad = MAPPING.replace("AI: ai/applied-ai", "AI: ai/quantum").replace("startup: startup", "startup: unicorn")
    with pytest.raises(InvalidData) as exc:
        imp(tmp_path, base, mapping=bad)
    msgs = [str(p) for p in exc.value.errors]
    assert any(":11:" in m and "unknown sublayer 'quantum' of layer 'ai'" in m for m in msgs)
    assert any("unknown actor kind 'unicorn'" in m for m in msgs)
    with pytest.raises(InvalidData, match="does not have"):
        imp(tmp_path, base, data=ORGS.replace("owner_country", "owner"))
    with pytest.raises(InvalidData, match="no table matches"):
        imp(tmp_path, base, name="people.csv")
