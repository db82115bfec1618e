"""Releases with small-cell suppression and differential privacy (OpenDP), the
re-identification risk meter, and an export refused below k."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.analytics.engines import AnalyticsError, DuckDBEngine
from ringfence.analytics.pipeline import geo, pseudonymize
from ringfence.analytics.release import export, release, risk
from ringfence.crypto import Keyring
from ringfence.crypto.pseudonyms import Pseudonymizer
from tests.analytics.calllog import write_call_log

PSEUDONYMS = Pseudonymizer(Keyring({1: bytes(range(32))}), 1)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("release")
    source = folder / "calls.csv"
    write_call_log(source, 800, 4000, seed=9)
    out = folder / "calls.parquet"
    pseudonymize(
        DuckDBEngine(), source, out, phone_columns=["caller", "callee"], pseudonyms=PSEUDONYMS
    )
    return out


def test_a_release_without_noise_equals_the_geo_report(data: Path) -> None:
    plain = release(DuckDBEngine(), data, phone_column="caller", k=15)
    reference = geo(DuckDBEngine(), data, phone_column="caller", pseudonyms=PSEUDONYMS, k=15)
    assert plain["cells"] == reference["cells"] and plain["differential_privacy"] is None


def test_a_private_release(data: Path) -> None:
    exact = {
        (c["country"], c["type"]): c["people"]
        for c in release(DuckDBEngine(), data, phone_column="caller", k=2)["cells"]
    }
    noisy = release(DuckDBEngine(), data, phone_column="caller", k=15, epsilon=1.0)
    assert noisy["differential_privacy"]["epsilon"] == 1.0
    assert noisy["differential_privacy"]["scale"] == 1.0
    for cell in noisy["cells"]:
        assert cell["people"] >= 15
        truth = exact.get((cell["country"], cell["type"]), 0)
        assert abs(cell["people"] - truth) < 25  # scale 1: noise this large is ~1e-11 likely
    # noise is random: two releases differ somewhere (each cell with probability ~0.76)
    again = release(DuckDBEngine(), data, phone_column="caller", k=15, epsilon=1.0)
    assert again["cells"] != noisy["cells"] or len(noisy["cells"]) < 3
    loose = release(DuckDBEngine(), data, phone_column="caller", k=15, epsilon=0.01, bound=2)
    assert loose["differential_privacy"]["scale"] == 200.0
    for bad in ({"k": 1}, {"bound": 0}, {"epsilon": 0.0}, {"epsilon": 50.0}):
        with pytest.raises(AnalyticsError):
            release(DuckDBEngine(), data, phone_column="caller", **bad)  # type: ignore[arg-type]


def test_risk_meter_and_export(data: Path, tmp_path: Path) -> None:
    coarse = risk(DuckDBEngine(), data, pid_column="caller_pid", quasi=["caller_country"])
    fine = risk(
        DuckDBEngine(),
        data,
        pid_column="caller_pid",
        quasi=["caller_country", "caller_area", "caller_type"],
    )
    assert coarse["people"] == fine["people"] > 0
    assert fine["unique_share"] >= coarse["unique_share"]
    assert fine["smallest_class"] <= coarse["smallest_class"]
    with pytest.raises(AnalyticsError) as refused:
        export(
            DuckDBEngine(),
            data,
            tmp_path / "x.parquet",
            pid_column="caller_pid",
            quasi=["caller_area"],
            k=1000,
        )
    assert refused.value.reason == "reidentification_risk"
    assert not (tmp_path / "x.parquet").exists()
    smallest = coarse["smallest_class"]
    done = export(
        DuckDBEngine(),
        data,
        tmp_path / "ok.parquet",
        pid_column="caller_pid",
        quasi=["caller_country"],
        k=smallest,
    )
    assert done["rows"] == 4000 and (tmp_path / "ok.parquet").exists()


def test_release_and_risk_cli(data: Path, tmp_path: Path) -> None:
    from ringfence.cli import app

    runner = CliRunner()
    out = tmp_path / "release.json"
    made = runner.invoke(
        app,
        [
            "analyze",
            "release",
            str(data),
            "--phone-column",
            "caller",
            "-o",
            str(out),
            "--epsilon",
            "0.5",
        ],
    )
    assert made.exit_code == 0, made.output
    assert json.loads(out.read_text())["differential_privacy"]["epsilon"] == 0.5
    meter = runner.invoke(
        app,
        [
            "analyze",
            "risk",
            str(data),
            "--pid-column",
            "caller_pid",
            "--quasi-identifier",
            "caller_country",
        ],
    )
    assert meter.exit_code == 0 and "unique_share" in json.loads(meter.stdout)
    refused = runner.invoke(
        app,
        [
            "analyze",
            "risk",
            str(data),
            "--pid-column",
            "caller_pid",
            "--quasi-identifier",
            "caller_area",
            "--export",
            str(tmp_path / "e.parquet"),
            "--k",
            "5000",
        ],
    )
    assert refused.exit_code == 2 and "reidentification_risk" in refused.stderr


@pytest.mark.parametrize(("epsilon", "bound"), [(1.0, 1), (0.5, 2)])
def test_the_noise_has_the_configured_scale(epsilon: float, bound: int) -> None:
    """Discrete Laplace with scale b = bound / epsilon has variance
    2 e^(-1/b) / (1 - e^(-1/b))^2; 40,000 draws estimate it within 5 % (a miss
    would be a 4-sigma event: the sample variance's relative error is about 1.1 %), and
    the draws centre on the true value."""
    import math
    import statistics

    from ringfence.analytics.release import _noise

    measure = _noise(epsilon, bound)
    draws = [measure(100) - 100 for _ in range(40_000)]
    scale = bound / epsilon
    q = math.exp(-1 / scale)
    expected = 2 * q / (1 - q) ** 2
    assert abs(statistics.pvariance(draws) / expected - 1) < 0.05
    assert abs(statistics.fmean(draws)) < 0.1 * scale
