"""A real Spark cluster: a standalone master and two workers on the loopback address, started from the pyspark
package itself (``bin/spark-class``). The bundled corridor and a small synthetic dataset are written with
``export parquet``, the analysis commands run with ``--engine spark --parquet DIR --spark-master spark://...``
and print what DuckDB prints on the database (docs/scale.md, "The parity guarantee"). Every process of the
cluster is stopped at the end, also when a test fails (the fixture kills each process group)."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import stackatlas
from stackatlas.cli import main

pytestmark = pytest.mark.slow  # a cluster of three JVMs and a Spark driver per command: several minutes

pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None:  # pragma: no cover - the project's set-up installs a JRE
    pytest.skip("Spark needs a Java runtime", allow_module_level=True)

SPARK_HOME = Path(pyspark.__file__).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _master_state(ui_port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=5) as r:
        return dict(json.load(r))


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in reversed(procs):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in reversed(procs):
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """``(spark://127.0.0.1:PORT, web UI port)`` of a master with two workers (1 core, 1 GB each)."""
    tmp = tmp_path_factory.mktemp("spark-cluster")
    env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "SPARK_LOCAL_IP": "127.0.0.1",
           "SPARK_LOG_DIR": str(tmp / "logs"), "PYSPARK_PYTHON": sys.executable,
           "SPARK_DAEMON_MEMORY": "256m"}
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    port, ui = _free_port(), _free_port()
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> None:
        log = (tmp / f"{name}.log").open("wb")
        procs.append(subprocess.Popen([spark_class, *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True))

    try:
        start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
              "--webui-port", str(ui))
        for i in (1, 2):
            start(f"worker{i}", "org.apache.spark.deploy.worker.Worker", f"spark://127.0.0.1:{port}",
                  "--host", "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port", str(_free_port()),
                  "--work-dir", str(tmp / f"work{i}"))
        deadline = time.monotonic() + 180
        while True:
            try:
                if _master_state(ui).get("aliveworkers") == 2:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                logs = "\n".join(f.read_text(errors="replace")[-2000:] for f in sorted(tmp.glob("*.log")))
                pytest.fail(f"the Spark cluster did not start:\n{logs}")
            time.sleep(1)
        yield f"spark://127.0.0.1:{port}", ui
    finally:
        _stop(procs)


def _close(a: Any, b: Any, tol: float, where: str = "") -> None:
    """``a`` equals ``b``, floats to ``tol`` (one unit of the last printed decimal)."""
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, int | float) and isinstance(b, int | float), where
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=tol), f"{where}: {a} != {b}"
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), where
        for k in a:
            _close(a[k], b[k], tol, f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{where}: {len(a)} rows != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, tol, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> Any:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err[-3000:]
    return json.loads(captured.out)


def _export(data: Path, db: Path, out: Path) -> Path:
    assert main(["--data", str(data), "--db", str(db), "export", "parquet", "-o", str(out)]) == 0
    return out


SPARK_CONF = ["--spark-conf", "spark.executor.memory=512m", "--spark-conf", "spark.executor.cores=1",
              "--spark-conf", "spark.cores.max=2", "--spark-conf", "spark.driver.memory=1g"]

# one command of each kind (each starts a driver and two executors: about a minute on an idle 2-core machine);
# every command and option is compared on Spark in local mode by tests/analysis/test_spark_parity.py and on
# the Parquet tables by tests/test_parquet.py
CORRIDOR = [
    (["profile", "--level", "region"], 1e-4),
    (["integration", "--flow"], 1e-4),
    (["sovereignty"], 1e-4),
    (["match", "--synergy", "C"], 1e-4),
]


def test_the_corridor_on_a_cluster_prints_what_duckdb_prints(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                             cluster: tuple[str, int]) -> None:
    master, ui = cluster
    data, db = stackatlas.bundled_path(), tmp_path / "corridor.duckdb"
    tables = _export(data, db, tmp_path / "corridor")
    capsys.readouterr()
    for args, tol in CORRIDOR:
        duck = _json(capsys, ["--data", str(data), "--db", str(db), *args, "-f", "json"])
        spark = _json(capsys, ["--engine", "spark", "--parquet", str(tables), "--spark-master", master, *SPARK_CONF,
                               *args, "-f", "json"])
        assert duck, args
        _close(duck, spark, tol, " ".join(args))
    apps = _master_state(ui)["completedapps"]
    assert len(apps) == len(CORRIDOR) and {a["name"] for a in apps} == {"stackatlas"}
    assert all(a["cores"] == 2 for a in apps)  # one core on each worker: the work ran on the cluster


def test_a_synthetic_dataset_on_a_cluster(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          cluster: tuple[str, int]) -> None:
    from stackatlas.scale.synth import synthesise

    master, _ = cluster
    data = synthesise(tmp_path / "synth", actors=3000, seed=7)
    db = tmp_path / "synth.duckdb"
    tables = _export(data, db, tmp_path / "synth-pq")
    capsys.readouterr()
    for args, tol in [(["profile", "--level", "region", "--fractional"], 1e-4)]:
        duck = _json(capsys, ["--data", str(data), "--db", str(db), *args, "-f", "json"])
        spark = _json(capsys, ["--engine", "spark", "--parquet", str(tables), "--spark-master", master, *SPARK_CONF,
                               *args, "-f", "json"])
        assert duck, args
        _close(duck, spark, tol, " ".join(args))


@pytest.fixture()
def connect_server(cluster: tuple[str, int], tmp_path: Path) -> Iterator[str]:
    """``sc://127.0.0.1:PORT`` of a Spark Connect server (its jar ships with pyspark) whose driver runs its
    work on the cluster, as a platform's Connect endpoint does; stopped at the end."""
    master, _ = cluster
    port = _free_port()
    env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable}
    log = (tmp_path / "connect.log").open("wb")
    proc = subprocess.Popen(
        [str(SPARK_HOME / "bin" / "spark-submit"), "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
         "--name", "stackatlas-connect", "--master", master, "--driver-memory", "1g",
         "--conf", f"spark.connect.grpc.binding.port={port}", "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
         "--conf", "spark.executor.memory=512m", "--conf", "spark.executor.cores=1", "--conf", "spark.cores.max=2",
         "spark-internal"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"the Spark Connect server did not start:\n{(tmp_path / 'connect.log').read_text()[-3000:]}")
            time.sleep(1)
        yield f"sc://127.0.0.1:{port}"
    finally:
        _stop([proc])


def test_spark_connect_prints_what_duckdb_prints(tmp_path: Path, cluster: tuple[str, int],
                                                 connect_server: str) -> None:
    """The CLI as a thin Spark Connect client (its own process, as a user runs it): the server reads the
    Parquet tables and runs the analyses on the cluster's workers."""
    _, ui = cluster
    data, db = stackatlas.bundled_path(), tmp_path / "corridor.duckdb"
    tables = _export(data, db, tmp_path / "corridor")
    cli = [sys.executable, "-m", "stackatlas"]
    for args, tol in [(["profile", "--level", "region"], 1e-4), (["sovereignty"], 1e-4)]:
        duck = subprocess.run([*cli, "--data", str(data), "--db", str(db), *args, "-f", "json"],
                              capture_output=True, text=True, timeout=600)
        spark = subprocess.run([*cli, "--engine", "spark", "--spark-remote", connect_server, "--parquet", str(tables),
                                *args, "-f", "json"], capture_output=True, text=True, timeout=600)
        assert duck.returncode == 0 and spark.returncode == 0, spark.stderr[-3000:]
        _close(json.loads(duck.stdout), json.loads(spark.stdout), tol, " ".join(args))
    active = _master_state(ui)["activeapps"]
    assert [a["name"] for a in active] == ["stackatlas-connect"]  # the server's work ran on the cluster
    assert active[0]["cores"] == 2
