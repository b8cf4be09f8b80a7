"""The same Ibis analyses give the same numbers on DuckDB and on PySpark (local mode)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from stackatlas.analysis import duckdb_engine, profile, relatedness, spark_engine
from stackatlas.atlas import Atlas

pytestmark = pytest.mark.slow  # starts a local Spark session (about a minute): `make test` runs it, `make test-fast` does not

pytest.importorskip("pyspark")
if shutil.which("java") is None:  # pragma: no cover - the project's set-up installs a JRE
    pytest.skip("PySpark needs a Java runtime", allow_module_level=True)


@pytest.fixture(scope="module")
def engines(atlas: Atlas):  # type: ignore[no-untyped-def]
    spark = spark_engine(atlas.con)
    yield duckdb_engine(atlas.con), spark
    spark.backend._session.stop()


@pytest.mark.parametrize("kwargs", [{"level": "region"}, {"level": "municipality", "fractional": True},
                                    {"level": "region", "by": "domain"}])
def test_profile_parity(engines, kwargs: dict) -> None:  # type: ignore[no-untyped-def]
    duck, spark = engines
    pd.testing.assert_frame_equal(profile(duck, **kwargs), profile(spark, **kwargs), check_dtype=False)


@pytest.mark.parametrize("kwargs", [{"method": "association"}, {"method": "cosine", "with_relations": True}])
def test_relatedness_parity(engines, kwargs: dict) -> None:  # type: ignore[no-untyped-def]
    duck, spark = engines
    pd.testing.assert_frame_equal(relatedness(duck, **kwargs), relatedness(spark, **kwargs), check_dtype=False)


def test_integration_parity(engines) -> None:  # type: ignore[no-untyped-def]
    from stackatlas.analysis import foundries, integration, layer_flow

    duck, spark = engines
    pd.testing.assert_frame_equal(integration(duck), integration(spark), check_dtype=False)
    pd.testing.assert_frame_equal(foundries(duck, min_coverage=2), foundries(spark, min_coverage=2),
                                  check_dtype=False)
    pd.testing.assert_frame_equal(layer_flow(duck), layer_flow(spark), check_dtype=False)


@pytest.mark.parametrize("synergy", ["C", "chips.ai"])
def test_introductions_and_guests_parity(engines, synergy: str) -> None:  # type: ignore[no-untyped-def]
    from stackatlas.analysis.guests import guest_list
    from stackatlas.analysis.introductions import introductions

    duck, spark = engines
    for fn, kw in ((introductions, {"top": 10}), (guest_list, {"size": 6})):
        x = fn(duck, synergy=synergy, a="mra", b="brainport", **kw)
        y = fn(spark, synergy=synergy, a="mra", b="brainport", **kw)
        assert len(x) and x.to_dict("records") == y.to_dict("records")


def test_discovery_parity(engines) -> None:  # type: ignore[no-untyped-def]
    from stackatlas.analysis.synergy import SynergyConfig, discover

    duck, spark = engines
    cfg = SynergyConfig(bootstrap=20)
    x = discover(duck, a="mra", b="brainport", top=15, config=cfg)
    y = discover(spark, a="mra", b="brainport", top=15, config=cfg)
    assert len(x)
    pd.testing.assert_frame_equal(x, y)
