"""Communication patterns on DuckDB over a pseudonymized synthetic log: every table's
cells within range and k-suppressed; the log's structure shows through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.analytics.engines import AnalyticsError, DuckDBEngine
from ringfence.analytics.patterns import patterns
from ringfence.analytics.pipeline import pseudonymize
from ringfence.crypto import Keyring
from ringfence.crypto.pseudonyms import Pseudonymizer
from tests.analytics.calllog import write_call_log

PSEUDONYMS = Pseudonymizer(Keyring({1: bytes(range(32))}), 1)


def write_log(path: Path, people: int, calls: int, seed: int) -> Path:
    write_call_log(path, people, calls, seed)
    return path


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("patterns")
    source = write_log(folder / "calls.csv", 600, 8000, seed=21)
    out = folder / "calls.parquet"
    pseudonymize(
        DuckDBEngine(), source, out, phone_columns=["caller", "callee"], pseudonyms=PSEUDONYMS
    )
    return out


def test_patterns(log: Path) -> None:
    report = patterns(DuckDBEngine(), log, k=15)
    assert report["events"] == 8000
    assert 0.05 < report["international_share"] < 0.5  # circles are mostly national
    assert 0 < report["reciprocity"] <= 1
    hours = report["hour_of_day"]["cells"]
    assert {cell["hour"] for cell in hours} <= set(range(24))
    by_hour = {cell["hour"]: cell["events"] for cell in hours}
    assert by_hour.get(14, 0) > by_hour.get(4, 0)  # afternoons busier than nights
    for table in ("hour_of_day", "origin_destination", "durations", "rates"):
        assert all(cell["people"] >= 15 for cell in report[table]["cells"]), table
    assert all(0 <= cell["rate"] <= 1 for cell in report["rates"]["cells"])
    assert report["origin_destination"]["suppressed_cells"] > 0  # rare country pairs
    assert sum(cell["people"] for cell in report["degrees"]["cells"]) <= 600


def test_k_changes_what_is_shown(log: Path) -> None:
    loose = patterns(DuckDBEngine(), log, k=2)
    strict = patterns(DuckDBEngine(), log, k=200)
    assert len(strict["origin_destination"]["cells"]) < len(loose["origin_destination"]["cells"])
    with pytest.raises(AnalyticsError):
        patterns(DuckDBEngine(), log, k=1)


def test_a_raw_log_is_refused(tmp_path: Path) -> None:
    raw = write_log(tmp_path / "raw.csv", 20, 50, seed=1)
    with pytest.raises(AnalyticsError) as refused:
        patterns(DuckDBEngine(), raw)
    assert refused.value.reason == "missing_column" and "pseudonymize" in str(refused.value)


def test_patterns_cli(log: Path, tmp_path: Path) -> None:
    from ringfence.cli import app

    out = tmp_path / "patterns.json"
    result = CliRunner().invoke(app, ["analyze", "patterns", str(log), "-o", str(out), "--k", "20"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["k"] == 20


def test_people_are_counted_exactly_and_no_table_is_left(log: Path) -> None:
    """Cells count people by a fingerprint of the pseudonym: on this log the counts equal
    the distinct pseudonyms counted in Python, and the working table is dropped."""
    import pyarrow.parquet as pq

    engine = DuckDBEngine()
    report = patterns(engine, log, k=2)
    left = engine.connection.execute("SELECT count(*) FROM duckdb_tables() WHERE NOT internal")
    assert left.fetchall() == [(0,)]
    engine.close()
    rows = pq.read_table(log).to_pylist()
    cells: dict[tuple[str, str], set[str]] = {}
    degree: dict[str, set[str]] = {}
    for row in rows:
        if row["caller_pid"] and row["callee_pid"]:
            key = (row["caller_country"], row["callee_country"])
            cells.setdefault(key, set()).add(row["caller_pid"])
            degree.setdefault(row["caller_pid"], set()).add(row["callee_pid"])
    expected = {key: len(people) for key, people in cells.items() if len(people) >= 2}
    found = report["origin_destination"]["cells"]
    assert {(c["origin"], c["destination"]): c["people"] for c in found} == expected
    degrees: dict[int, int] = {}
    for callees in degree.values():
        degrees[len(callees)] = degrees.get(len(callees), 0) + 1
    shown = {c["degree"]: c["people"] for c in report["degrees"]["cells"]}
    assert shown == {d: n for d, n in degrees.items() if n >= 2}
