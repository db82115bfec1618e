"""The Spark engine gives the same output as DuckDB for the same input — in local mode and
on a standalone cluster (a master and a worker on 127.0.0.1). Needs Java; in CI
(RINGFENCE_REQUIRE_SERVICES=1) a missing Java fails instead of skipping."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from ringfence.analytics.engines import AnalyticsError, DuckDBEngine
from ringfence.analytics.patterns import patterns
from ringfence.analytics.pipeline import geo, pseudonymize
from ringfence.crypto import Keyring
from ringfence.crypto.pseudonyms import Pseudonymizer
from tests.analytics.calllog import write_call_log
from tests.conftest import services_required
from tests.servers import free_port

PSEUDONYMS = Pseudonymizer(Keyring({1: bytes(range(32))}), 1)


def _java_or_skip() -> None:
    if shutil.which("java") is None:
        if services_required():
            pytest.fail("Java is required for the Spark tests and is not installed")
        pytest.skip("no Java: Spark cannot start")


@pytest.fixture
def spark() -> Iterator[object]:
    # per test: the cluster test replaces the process's one SparkContext
    _java_or_skip()
    from ringfence.analytics.spark import SparkEngine

    engine = SparkEngine("local[2]")
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark") / "calls.csv"
    write_call_log(path, 400, 3000, seed=11, junk=[{"caller": "junk, with a comma", "callee": ""}])
    return path


def _both(engine: Any, calls: Path, out: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Pseudonymized rows, and the geo and pattern reports, from one engine."""
    pseudonymize(engine, calls, out, phone_columns=["caller", "callee"], pseudonyms=PSEUDONYMS)
    report = {
        "geo": geo(engine, calls, phone_column="caller", pseudonyms=PSEUDONYMS, k=15),
        "patterns": patterns(engine, out, k=15),
    }
    return pq.read_table(out).to_pylist(), report


def test_spark_and_duckdb_give_the_same_output(spark, calls: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    duck_rows, duck_geo = _both(DuckDBEngine(), calls, tmp_path / "duck.parquet")
    spark_rows, spark_geo = _both(spark, calls, tmp_path / "spark.parquet")
    assert len(spark_rows) == len(duck_rows) == 3001
    assert spark_rows == duck_rows  # same columns, values and order
    assert spark_geo == duck_geo
    assert spark_rows[-1]["caller_pid"] is None


def test_spark_reports_unreadable_input(spark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "missing.parquet"
    with pytest.raises(AnalyticsError) as refused:
        pseudonymize(
            spark, missing, tmp_path / "o.parquet", phone_columns=["x"], pseudonyms=PSEUDONYMS
        )
    assert refused.value.reason == "unreadable_input"


def _wait_for_port(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise RuntimeError(f"nothing listens on port {port}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A standalone Spark master and one worker on loopback."""
    _java_or_skip()
    import pyspark

    home = Path(pyspark.__file__).parent
    spark_class = str(home / "bin" / "spark-class")
    port, worker_port = free_port(), free_port()
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_WORKER_DIR": str(tmp_path_factory.mktemp("worker")),
    }
    logs = tmp_path_factory.mktemp("logs")

    def start(command: list[str], log: str) -> subprocess.Popen[bytes]:
        with (logs / log).open("wb") as output:  # the child keeps its own descriptor
            return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)

    master = start(
        [
            spark_class,
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--webui-port",
            str(free_port()),
        ],
        "master.log",
    )
    url = f"spark://127.0.0.1:{port}"
    worker = None
    try:
        _wait_for_port(port, time.monotonic() + 90)
        worker = start(
            [
                spark_class,
                "org.apache.spark.deploy.worker.Worker",
                url,
                "--host",
                "127.0.0.1",
                "--port",
                str(worker_port),
                "--webui-port",
                str(free_port()),
                "--cores",
                "2",
                "--memory",
                "1g",
            ],
            "worker.log",
        )
        _wait_for_port(worker_port, time.monotonic() + 90)
        yield url
    finally:
        for process in (worker, master):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)


def test_the_same_output_on_a_standalone_cluster(cluster: str, calls: Path, tmp_path: Path) -> None:
    from ringfence.analytics.spark import SparkEngine

    duck_rows, duck_geo = _both(DuckDBEngine(), calls, tmp_path / "duck.parquet")
    engine = SparkEngine(cluster)
    try:
        assert engine.session.sparkContext.master == cluster
        rows, report = _both(engine, calls, tmp_path / "cluster.parquet")
    finally:
        engine.close()
    assert rows == duck_rows and report == duck_geo


def test_analyze_cli_on_spark(calls: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from ringfence.cli import app

    _java_or_skip()
    monkeypatch.setenv("RINGFENCE_KEY_FILE", str(tmp_path / "root.key"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    args = ["analyze", "pseudonymize", str(calls), "--phone-column", "caller", "--json"]
    on_spark = runner.invoke(
        app, [*args, "-o", "s.parquet", "--engine", "spark", "--spark-master", "local[2]"]
    )
    assert on_spark.exit_code == 0, on_spark.output
    on_duckdb = runner.invoke(app, [*args, "-o", "d.parquet"])
    assert json.loads(on_spark.stdout) == json.loads(on_duckdb.stdout)
    assert pq.read_table(tmp_path / "s.parquet").equals(pq.read_table(tmp_path / "d.parquet"))
