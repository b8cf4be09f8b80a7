"""The commands through the CLI entry point: import parquet, import wikidata, dedupe, merge, errors."""

from __future__ import annotations

import functools
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
import yaml

from stackatlas.cli import main
from stackatlas.importers import wikidata

from .conftest import EXAMPLES


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow  # about 3 s or more: `make test` runs it, `make test-fast` does not
def test_import_parquet_dedupe_and_merge(tmp_path: Path, base: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = EXAMPLES / "dealroom"
    pq.write_table(pcsv.read_csv(d / "companies.csv"), tmp_path / "companies.parquet")
    into = tmp_path / "dr"
    code, out, _ = cli(capsys, "import", "parquet", str(tmp_path / "companies.parquet"), "--mapping",
                       str(d / "mapping.yaml"), "--into", str(into), "--places", str(base), "--format", "csv")
    assert code == 0 and "18 actors written" in out
    assert (into / "actors" / "companies.csv").is_file()
    # the same data again under other names: dedupe finds the pairs
    cb = EXAMPLES / "crunchbase"
    code, out, _ = cli(capsys, "import", "csv", str(cb / "organisations.csv"), "--mapping", str(cb / "mapping.yaml"),
                       "--into", str(into), "--places", str(base))
    assert code == 0
    code, out, err = cli(capsys, "dedupe", str(into), "--format", "json")
    assert code == 0 and '"adyen"' in out and '"cb-adyen"' in out and "judgements.yaml" in err
    j = yaml.safe_load((into / "judgements.yaml").read_text())
    for p in j["pairs"]:
        p["decision"] = "same"
    (into / "judgements.yaml").write_text(yaml.safe_dump(j, sort_keys=False))
    code, out, _ = cli(capsys, "dedupe", str(into), "--apply")
    assert code == 0 and ("adyen <- cb-adyen" in out or "cb-adyen <- adyen" in out)
    assert cli(capsys, "validate", str(into))[0] == 0
    code, out, _ = cli(capsys, "dedupe", str(into), "--undo")
    assert code == 0 and "restored 1 actor" in out
    # merge into a curated copy
    curated = tmp_path / "curated"
    import shutil

    shutil.copytree(base, curated)
    code, out, err = cli(capsys, "merge", str(into), "--into", str(curated), "--format", "csv")
    assert code == 0 and "corroborated,actor,adyen,,same as" in out and "report:" in err
    assert cli(capsys, "validate", str(curated))[0] == 0


def test_import_wikidata_command(tmp_path: Path, base: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch, fake_wikidata) -> None:  # type: ignore[no-untyped-def]
    fake = fake_wikidata()
    monkeypatch.setattr(wikidata, "import_wikidata",
                        functools.partial(wikidata.import_wikidata, transport=fake.transport, sleep=lambda s: None))
    code, out, _ = cli(capsys, "import", "wikidata", "--place", "eindhoven", "--into", str(tmp_path / "wd"),
                       "--places", str(base), "--cache", str(tmp_path / "c"), "--kind", "company")
    assert code == 0 and "5 actors" in out
    actors = yaml.safe_load((tmp_path / "wd" / "actors" / "wikidata-eindhoven.yaml").read_text())
    assert {a["kind"] for a in actors} == {"company"}          # --kind overrides the classes
    code, _, err = cli(capsys, "import", "wikidata", "--place", "nowhere", "--into", str(tmp_path / "wd"),
                       "--places", str(base))
    assert code == 1 and "not a municipality" in err


def test_errors_are_reported_not_raised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.yaml").write_text("tables: {x: {records: actors, name: n, bogus: 1}}\n")
    (tmp_path / "x.csv").write_text("n\nA\n")
    code, _, err = cli(capsys, "import", "csv", str(tmp_path / "x.csv"), "--mapping", str(tmp_path / "m.yaml"),
                       "--into", str(tmp_path / "out"))
    assert code == 1 and "m.yaml:1:" in err and "bogus: unknown key" in err


def test_a_bad_date_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = EXAMPLES / "dealroom"
    code, _, err = cli(capsys, "import", "csv", str(d / "companies.csv"), "--mapping", str(d / "mapping.yaml"),
                       "--into", str(tmp_path / "out"), "--date", "2026-13")
    assert code == 1 and "not a valid date" in err and not (tmp_path / "out").exists()
