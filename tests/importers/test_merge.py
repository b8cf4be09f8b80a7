"""`stackatlas merge`: curated wins, new facts come with their sources, both sources kept, idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from stackatlas.dataset.loader import load_dataset
from stackatlas.errors import InvalidData
from stackatlas.importers.merge import merge_datasets
from stackatlas.importers.tabular import import_table

from .conftest import EXAMPLES


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    d = EXAMPLES / "crunchbase"
    into = tmp_path / "cb"
    for f in ("organisations.csv", "funding_rounds.csv", "acquisitions.csv"):
        import_table(d / f, d / "mapping.yaml", into, date="2026-01-15")
    return into


@pytest.fixture
def curated(tmp_path: Path, base: Path) -> Path:
    d = tmp_path / "curated"
    shutil.copytree(base, d)
    return d


def files(d: Path) -> dict[Path, bytes]:
    return {p.relative_to(d): p.read_bytes() for p in d.rglob("*") if p.is_file() and p.name != "merge-report.csv"}


@pytest.mark.slow  # about 4 s or more: `make test` runs it, `make test-fast` does not
def test_merge(imported: Path, curated: Path) -> None:
    asml_before = next(a for a in load_dataset(curated).actors if a.id == "asml")
    rep = merge_datasets(imported, curated)
    ds = load_dataset(curated)
    actors = {a.id: a for a in ds.actors}
    asml = actors["asml"]
    # curated wins: the kept values are the curated ones; what it lacked is added
    assert asml.hq == asml_before.hq and asml.website == asml_before.website
    assert asml.founded == "1984" and "ASML Holding N.V." in asml.aliases
    assert {s.source for s in asml.sources} == {"tech-corridor-2026", "crunchbase-sample-organisations"}
    rows = {(r.what, r.kind, r.ident, r.field) for r in rep.rows}
    assert ("added", "actor", "asml", "founded") in rows
    assert ("corroborated", "actor", "asml", "") in rows
    assert ("conflict", "actor", "mistral-ai", "kind") in rows          # startup (curated) vs company
    assert actors["mistral-ai"].kind == "startup"
    # new actors and their relations are added, with sources
    assert "cb-prosus" in actors and "cb-blackstone-group" in actors
    rel = next(r for r in ds.relations if r.from_ == "cb-blackstone-group")
    assert rel.to == "cb-mollie" and rel.sources[0].source == "crunchbase-sample-funding-rounds"
    assert "crunchbase-sample-organisations" in {s.id for s in ds.sources}
    # actors whose place the target lacks are skipped, and so are their relations
    assert ("skipped", "actor", "cb-just-eat", "hq") in rows
    assert any(r.what == "skipped" and r.kind == "relation" and "cb-just-eat" in r.detail for r in rep.rows)
    assert (curated / "merge-report.csv").is_file()
    # merging again changes nothing
    snap = files(curated)
    again = merge_datasets(imported, curated)
    assert files(curated) == snap and again.count("added") == 0


@pytest.mark.slow  # about 4 s or more: `make test` runs it, `make test-fast` does not
def test_dry_run_changes_nothing(imported: Path, curated: Path) -> None:
    snap = files(curated)
    rep = merge_datasets(imported, curated, dry_run=True)
    assert rep.count("added") > 0 and files(curated) == snap


def test_existing_relation_is_corroborated(tmp_path: Path, curated: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(curated, src)
    rels = yaml.safe_load((src / "relations.yaml").read_text())
    rels[0]["amount"] = {"value": 1, "currency": "EUR"}
    rels[0]["sources"] = [{"source": "tech-corridor-2026", "locator": "another page"}]
    (src / "relations.yaml").write_text(yaml.safe_dump(rels, sort_keys=False))
    rep = merge_datasets(src, curated)
    assert any(r.what == "conflict" and r.kind == "relation" and r.field == "amount" for r in rep.rows)
    ds = load_dataset(curated)
    r0 = next(r for r in ds.relations if r.id == rels[0]["id"])
    assert r0.amount is not None and r0.amount.value != 1                       # curated wins
    assert "another page" in {s.locator for s in r0.sources}                     # both sources kept


def test_an_invalid_source_is_refused(tmp_path: Path, curated: Path) -> None:
    (tmp_path / "bad").mkdir()
    with pytest.raises(InvalidData):
        merge_datasets(tmp_path / "bad", curated)
