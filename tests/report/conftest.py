"""Fixtures of the report tests: the briefings of the bundled corridor (collected once, composed in both
languages, rendered to HTML and PDF once) and a small synthetic dataset with other names everywhere.

PDFs and their page images are kept under ``$STACKATLAS_ARTIFACTS/report/`` for a human to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

import stackatlas
from stackatlas import report
from stackatlas.atlas import Atlas
from stackatlas.dataset.loader import builtin_taxonomy_path
from stackatlas.report.collect import CorridorData
from stackatlas.report.pdf import html_to_pdf

ARTIFACTS = Path(os.environ["STACKATLAS_ARTIFACTS"]) / "report"  # set by tests/conftest.py
LANGS = ("nl", "en")

# the synthetic dataset: regions, layers, synergies and the dataset itself renamed
NORTH, SOUTH = "noordkant", "zuidkant"
NORTH_NAME = {"nl": "De Noordkant", "en": "The North Side"}
SOUTH_NAME = {"nl": "De Zuidkant", "en": "The South Side"}
SYN = {"C": "QX", "D": "QY"}
SYN_NAME = {"QX": {"nl": "Proefsynergie X", "en": "Test synergy X"},
            "QY": {"nl": "Proefsynergie Y", "en": "Test synergy Y"}}


def layer_name(k: int, lang: str) -> str:
    return f"{'Laag' if lang == 'nl' else 'Stratum'} {chr(ord('A') + k)}"


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def page_images(pdf: Path, prefix: str) -> list[Path]:
    """``pdftoppm -png -r 50``: one PNG per page, next to the PDF in $STACKATLAS_ARTIFACTS/report/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{prefix}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(ARTIFACTS / prefix)], check=True)
    return sorted(ARTIFACTS.glob(f"{prefix}-*.png"))


# -- the bundled corridor ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def corridor_atlas(tmp_path_factory: pytest.TempPathFactory) -> Atlas:
    return stackatlas.open(db=tmp_path_factory.mktemp("corridor") / "corridor.duckdb")


@pytest.fixture(scope="session")
def corridor_data(corridor_atlas: Atlas) -> CorridorData:
    meta = corridor_atlas.meta()
    return report.collect_corridor(corridor_atlas, meta["compare_a"], meta["compare_b"])


@pytest.fixture(scope="session")
def corridor_docs(corridor_data: CorridorData) -> dict[str, report.Document]:
    return {lang: report.compose_corridor(corridor_data, lang) for lang in LANGS}


@pytest.fixture(scope="session")
def corridor_html(corridor_docs: dict[str, report.Document]) -> dict[str, str]:
    out = {}
    for lang, doc in corridor_docs.items():
        out[lang] = report.to_html(doc)
        artifact(f"corridor-{lang}.html").write_text(out[lang], encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def corridor_md(corridor_docs: dict[str, report.Document]) -> dict[str, str]:
    out = {}
    for lang, doc in corridor_docs.items():
        out[lang] = report.to_markdown(doc)
        artifact(f"corridor-{lang}.md").write_text(out[lang], encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def corridor_pdf(corridor_html: dict[str, str]) -> dict[str, Path]:
    out = {}
    for lang, html in corridor_html.items():
        path = artifact(f"corridor-{lang}.pdf")
        html_to_pdf(html, path)
        out[lang] = path
    return out


# -- a synthetic dataset: the fixture with every name changed -------------------------------------------------
def _load(path: Path) -> object:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: object) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def make_synthetic(dst: Path) -> Path:
    """Copy the fixture and rename its regions (with other members), layers, synergies and the dataset."""
    shutil.copytree(stackatlas.fixture_path(), dst)
    meta = _load(dst / "dataset.yaml")
    assert isinstance(meta, dict)
    meta.update({"id": "proefcorridor", "version": "0.9", "compare": [NORTH, SOUTH],
                 "title": {"nl": "Proefcorridor", "en": "Test corridor"}, "taxonomy": "taxonomy.yaml"})
    _dump(dst / "dataset.yaml", meta)
    places = _load(dst / "places.yaml")
    assert isinstance(places, dict)
    for r in places["regions"]:
        if r["id"] == "mra":
            r.update({"id": NORTH, "name": NORTH_NAME, "municipalities": ["amsterdam", "haarlemmermeer"]})
        elif r["id"] == "brainport":
            r.update({"id": SOUTH, "name": SOUTH_NAME,
                      "municipalities": ["eindhoven", "veldhoven", "helmond", "hilversum", "almere"]})
    _dump(dst / "places.yaml", places)
    syn = _load(dst / "synergies.yaml")
    assert isinstance(syn, list)
    for s in syn:
        s["id"] = SYN[s["id"]]
        s["name"] = SYN_NAME[s["id"]]
        s["places"] = [SOUTH if p == "brainport" else NORTH if p == "mra" else p for p in s.get("places", [])]
    _dump(dst / "synergies.yaml", syn)
    recs = _load(dst / "recommendations.yaml")
    assert isinstance(recs, list)
    for r in recs:
        r["synergies"] = [SYN.get(x, x) for x in r.get("synergies", [])]
    _dump(dst / "recommendations.yaml", recs)
    tax = _load(builtin_taxonomy_path("digital-stack"))
    assert isinstance(tax, dict)
    tax["id"] = "proefstapel"
    for k, layer in enumerate(tax["layers"]):
        layer["name"] = {"nl": layer_name(k, "nl"), "en": layer_name(k, "en")}
    _dump(dst / "taxonomy.yaml", tax)
    return dst


@pytest.fixture(scope="session")
def synthetic_atlas(tmp_path_factory: pytest.TempPathFactory) -> Atlas:
    root = make_synthetic(tmp_path_factory.mktemp("synthetic") / "data")
    return stackatlas.open(data=root, db=root.parent / "synthetic.duckdb")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests on the bundled corridor's briefing are slow (collecting and composing it takes about 20 s
    per process): `make test` runs them, `make test-fast` does not (it keeps the synthetic dataset's)."""
    for item in items:
        if "corridor_data" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
