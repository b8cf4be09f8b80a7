from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stackatlas.cli import main
from stackatlas.metrics import complexity


@pytest.fixture
def table(tmp_path: Path) -> Path:
    rng = np.random.default_rng(1)
    rows = [(f"c{i}", f"p{j}", float(rng.pareto(1.5) * (i + 1))) for i in range(12) for j in range(9)]
    path = tmp_path / "trade.csv"
    pd.DataFrame(rows, columns=["country", "product", "export"]).to_csv(path, index=False)
    return path


def test_complexity_json_equals_the_library(table: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["metrics", "complexity", "--input", str(table), "--location", "country", "--activity", "product",
                 "--value", "export", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    lib = complexity(pd.read_csv(table), location="country", activity="product", value="export")
    assert len(out) == len(lib)
    assert np.allclose([r["eci"] for r in out], lib["eci"].to_numpy())


def test_relatedness_to_parquet(table: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dst = tmp_path / "density.parquet"
    code = main(["metrics", "relatedness", "-i", str(table), "--location", "country", "--activity", "product",
                 "--value", "export", "-o", str(dst)])
    assert code == 0
    df = pd.read_parquet(dst)
    assert list(df.columns) == ["country", "product", "mcp", "density"]


def test_missing_column_is_a_clear_error(table: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["metrics", "proximity", "-i", str(table), "--location", "nation", "--activity", "product",
                 "--value", "export"])
    assert code == 1
    assert "nation" in capsys.readouterr().err
