"""The bundled examples (examples/import/*) import through the CLI and validate."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from stackatlas.cli import main
from stackatlas.dataset.loader import load_dataset

from .conftest import EXAMPLES


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow  # about 4 s or more: `make test` runs it, `make test-fast` does not
def test_crunchbase(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = EXAMPLES / "crunchbase"
    into = tmp_path / "cb"
    code, out, _ = cli(capsys, "import", "csv", str(d / "organisations.csv"), str(d / "funding_rounds.csv"),
                       str(d / "acquisitions.csv"), "--mapping", str(d / "mapping.yaml"), "--into", str(into),
                       "--date", "2026-01-15")
    assert code == 0, out
    assert "unmapped categories" in out and "Food and Beverage" in out
    ds = load_dataset(into)   # the bundled dataset's places: Veldhoven, Amsterdam, ... resolve
    ids = {a.id for a in ds.actors}
    assert {"cb-asml", "cb-adyen", "cb-mollie", "cb-prosus", "cb-mistral-ai"} <= ids
    assert next(a for a in ds.actors if a.id == "cb-asml").hq == "veldhoven"
    assert next(a for a in ds.actors if a.id == "cb-tomtom").hq == "amsterdam"      # "AMSTERDAM", "North Holland"
    rels = {(r.type, r.from_, r.to) for r in ds.relations}
    assert ("acquisition", "cb-asml", "cb-hermes-microvision") in rels
    assert ("investment", "cb-blackstone-group", "cb-mollie") in rels
    hmi = next(r for r in ds.relations if r.to == "cb-hermes-microvision")
    assert hmi.amount is not None and (hmi.amount.value, hmi.amount.currency) == (2_750_000_000, "EUR")
    with (into / "import-report.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {r["file"] for r in rows} == {"organisations.csv", "funding_rounds.csv"}
    assert code == 0 and cli(capsys, "validate", str(into))[0] == 0


@pytest.mark.slow  # about 3 s or more: `make test` runs it, `make test-fast` does not
def test_dealroom(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = EXAMPLES / "dealroom"
    into = tmp_path / "dr"
    code, out, _ = cli(capsys, "import", "csv", str(d / "companies.csv"), "--mapping", str(d / "mapping.yaml"),
                       "--into", str(into), "--date", "2026-01-15")
    assert code == 0, out
    ds = load_dataset(into)
    hq = {a.id: a.hq for a in ds.actors}
    assert hq["sample-hague-security-fictional"] == "s-gravenhage"       # "Den Haag"
    assert hq["sample-bosch-robotics-fictional"] == "s-hertogenbosch"     # "'s-Hertogenbosch"
    assert hq["prodrive-technologies"] == "son-en-breugel"                # "Son"
    assert hq["sample-reykjavik-data-fictional"] == "is"                  # Iceland added to the places
    axelera = next(a for a in ds.actors if a.id == "axelera-ai")
    assert axelera.founded == "2021-07" and [x.layer for x in axelera.layers] == ["chips", "ai"]
    bakery = next(a for a in ds.actors if a.id == "sample-unmapped-bakery-fictional")
    assert [(x.layer, x.role) for x in bakery.layers] == [("applications", "secondary")]   # default layer
    assert len(ds.actors) == 18


def test_example_mappings_parse() -> None:
    for m in EXAMPLES.glob("*/mapping.yaml"):
        assert yaml.safe_load(m.read_text())["tables"]
