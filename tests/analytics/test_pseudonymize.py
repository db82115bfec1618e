"""Analytics on DuckDB: pseudonyms (known answers, epochs), the synthetic call log, the
pseudonymize step (each phone column replaced, other columns unchanged, no number left in
the output) and the geo report with small-cell suppression; the CLI with bad input."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ringfence.analytics.engines import AnalyticsError, DuckDBEngine
from ringfence.analytics.pipeline import geo, pseudonymize
from ringfence.crypto import Keyring, Purpose
from ringfence.crypto.pseudonyms import Pseudonymizer
from ringfence.errors import ConfigurationError
from ringfence.testing import synthetic_call_log
from tests.analytics.calllog import write_call_log

KEYRING = Keyring({1: bytes(range(32)), 2: bytes(range(1, 33))})


def test_known_answer_and_epochs() -> None:
    first = Pseudonymizer(KEYRING, 1)
    assert first.pid("+33612345678") == "a869ff18c62013077f0f49acd809ce15"
    key = KEYRING.key(Purpose.ANALYTICS, 1)
    expected = hmac.new(key, b"pid:+33612345678", hashlib.sha256).digest()[:16].hex()
    assert first.pid("+33612345678") == expected
    assert Pseudonymizer(KEYRING, 2).pid("+33612345678") == "81ce34a3939e783e014f6f0936b0a703"
    assert Pseudonymizer(KEYRING).epoch == 2  # the current version by default
    assert hashlib.sha256(b"+33612345678").hexdigest()[:32] != first.pid("+33612345678")
    with pytest.raises(ConfigurationError) as unknown:
        Pseudonymizer(KEYRING, 9)
    assert unknown.value.reason == "unknown_epoch"
    assert "key" not in repr(first).lower() or repr(first) == "Pseudonymizer(epoch=1)"


@given(st.from_regex(r"\+[1-9][0-9]{7,13}", fullmatch=True))
def test_pseudonyms_are_stable_and_hide_the_number(e164: str) -> None:
    pseudonyms = Pseudonymizer(KEYRING, 1)
    pid = pseudonyms.pid(e164)
    assert pid == pseudonyms.pid(e164) and len(pid) == 32
    assert e164[1:] not in pid
    assert pid != Pseudonymizer(KEYRING, 2).pid(e164)


@given(
    st.lists(
        st.one_of(st.none(), st.just(""), st.from_regex(r"\+[1-9][0-9]{7,13}", fullmatch=True))
    )
)
def test_bulk_pseudonyms_match_one_by_one(numbers: list[str | None]) -> None:
    """``pids`` (the bulk path) gives what ``pid`` gives, and ``None`` for no number; the
    shared keyed state is copied, never advanced (a second call answers the same)."""
    pseudonyms = Pseudonymizer(KEYRING, 1)
    key = KEYRING.key(Purpose.ANALYTICS, 1)
    expected = [
        hmac.new(key, b"pid:" + n.encode(), hashlib.sha256).digest()[:16].hex() if n else None
        for n in numbers
    ]
    assert pseudonyms.pids(numbers) == expected == pseudonyms.pids(numbers)
    assert [pseudonyms.pid(n) for n in numbers if n] == [p for p in expected if p]


def test_synthetic_call_log_has_structure() -> None:
    log = synthetic_call_log(200, 3000, seed=3)
    assert log.num_rows == 3000
    assert log.column_names == [
        "caller",
        "callee",
        "start_time",
        "duration_s",
        "direction",
        "channel",
        "status",
    ]
    assert synthetic_call_log(200, 3000, seed=3).equals(log)
    rows = log.to_pylist()
    pairs = [(r["caller"], r["callee"]) for r in rows]
    assert len(set(pairs)) < 0.8 * len(pairs)  # people call the same few contacts again
    assert {r["channel"] for r in rows} == {"call", "sms"}
    assert all(r["duration_s"] == 0 for r in rows if r["status"] in ("missed", "delivered"))
    span = max(r["start_time"] for r in rows) - min(r["start_time"] for r in rows)
    assert timedelta(days=6) < span < timedelta(days=8)
    with pytest.raises(ValueError):
        synthetic_call_log(1, 10)


@pytest.fixture
def calls(tmp_path: Path) -> Path:
    path = tmp_path / "calls.csv"
    write_call_log(path, 300, 2000, seed=5, junk=[{"caller": "not a number", "callee": ""}])
    return path


def test_pseudonymize_replaces_every_phone_column(calls: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    engine = DuckDBEngine()
    summary = pseudonymize(
        engine, calls, out, phone_columns=["caller", "callee"], pseudonyms=Pseudonymizer(KEYRING, 1)
    )
    engine.close()
    table = pq.read_table(out)
    assert summary.rows == table.num_rows == 2001
    enriched = ("pid", "country", "type", "area", "tz")
    assert table.column_names == [
        "start_time",
        "duration_s",
        "direction",
        "channel",
        "status",
        *(f"caller_{field}" for field in enriched),
        *(f"callee_{field}" for field in enriched),
    ]
    rows = table.to_pylist()
    assert rows[-1]["caller_pid"] is None and rows[-1]["callee_pid"] is None
    assert {r["caller_country"] for r in rows[:-1]} <= {
        "US",
        "GB",
        "DE",
        "FR",
        "IN",
        "BR",
        "JP",
        "NG",
        "MX",
        "AU",
    }
    with calls.open(encoding="utf-8") as handle:
        source = list(csv.DictReader(handle))
    assert [r["duration_s"] for r in rows] == [r["duration_s"] for r in source]
    raw = out.read_bytes()
    for row in source[:200]:
        digits = "".join(ch for ch in row["caller"] if ch.isdigit())
        assert digits.encode() not in raw
    assert summary.epoch == 1 and summary.columns["caller"]["distinct"] > 100


def test_the_same_number_written_differently_gets_one_pseudonym(tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text(
        "phone,other,n\n+33 6 12 34 56 78,0612,1\n06.12.34.56.78,,2\n0033612345678,,3\n0612,,4\n"
    )
    out = tmp_path / "numbers.parquet"
    summary = pseudonymize(
        DuckDBEngine(),
        path,
        out,
        phone_columns=["phone", "other"],
        pseudonyms=Pseudonymizer(KEYRING, 1),
        region="FR",
    )
    # distinct raw values per column (an empty cell is one), and how many are numbers
    assert summary.columns == {
        "phone": {"distinct": 4, "valid_distinct": 3},
        "other": {"distinct": 2, "valid_distinct": 0},
    }
    rows = pq.read_table(out).to_pylist()
    assert len({r["phone_pid"] for r in rows[:3]}) == 1 and rows[3]["phone_pid"] is None
    assert [r["n"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["phone_type"] == "mobile" and rows[0]["phone_country"] == "FR"
    assert (rows[0]["phone_area"], rows[0]["phone_tz"]) == ("+33 6", "Europe/Paris")


def test_geo_suppresses_small_cells(calls: Path, tmp_path: Path) -> None:
    pseudonyms = Pseudonymizer(KEYRING, 1)
    report = geo(DuckDBEngine(), calls, phone_column="caller", pseudonyms=pseudonyms, k=15)
    assert report["k"] == 15 and report["cells"]
    assert all(cell["people"] >= 15 for cell in report["cells"])
    assert report["suppressed_cells"] >= 1  # the rare countries
    out = tmp_path / "p.parquet"
    pseudonymize(DuckDBEngine(), calls, out, phone_columns=["caller"], pseudonyms=pseudonyms)
    again = geo(DuckDBEngine(), out, phone_column="caller", pseudonyms=pseudonyms, k=15)
    assert again == report  # the same answer from the raw file and the pseudonymized one
    everything = geo(DuckDBEngine(), calls, phone_column="caller", pseudonyms=pseudonyms, k=2)
    total = sum(cell["people"] for cell in everything["cells"])
    assert total <= 300
    with pytest.raises(AnalyticsError):
        geo(DuckDBEngine(), calls, phone_column="caller", pseudonyms=pseudonyms, k=1)


def test_bad_inputs_are_clear_errors(calls: Path, tmp_path: Path) -> None:
    pseudonyms = Pseudonymizer(KEYRING, 1)
    cases = [
        (calls, ["nope"], "missing_column"),
        (calls, ["caller", "caller"], "duplicate_column"),
        (tmp_path / "x.json", ["caller"], "unknown_file_type"),
    ]
    (tmp_path / "x.json").write_text("{}")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not really")
    cases.append((broken, ["caller"], "unreadable_input"))
    for source, columns, reason in cases:
        with pytest.raises(AnalyticsError) as refused:
            pseudonymize(
                DuckDBEngine(),
                source,
                tmp_path / "o.parquet",
                phone_columns=columns,
                pseudonyms=pseudonyms,
            )
        assert refused.value.reason == reason


def test_analyze_cli(calls: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ringfence.cli import app

    monkeypatch.setenv("RINGFENCE_KEY_FILE", str(tmp_path / "root.key"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    out = tmp_path / "p.parquet"
    done = runner.invoke(
        app,
        [
            "analyze",
            "pseudonymize",
            str(calls),
            "-o",
            str(out),
            "--phone-column",
            "caller",
            "--phone-column",
            "callee",
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["rows"] == 2001
    report = tmp_path / "geo.json"
    made = runner.invoke(
        app, ["analyze", "geo", str(out), "--phone-column", "caller", "-o", str(report)]
    )
    assert made.exit_code == 0, made.output
    assert json.loads(report.read_text())["k"] == 15
    for args, reason in (
        (["pseudonymize", str(calls), "-o", str(out), "--phone-column", "x"], "missing_column"),
        (
            [
                "pseudonymize",
                str(calls),
                "-o",
                str(out),
                "--phone-column",
                "caller",
                "--engine",
                "hive",
            ],
            "unknown_engine",
        ),
        (
            [
                "pseudonymize",
                str(calls),
                "-o",
                str(out),
                "--phone-column",
                "caller",
                "--epoch",
                "7",
            ],
            "unknown_epoch",
        ),
    ):
        result = runner.invoke(app, ["analyze", *args])
        assert result.exit_code == 2 and reason in result.stderr, (args, result.output)


def test_profile(calls: Path) -> None:
    from ringfence.analytics.pipeline import profile

    report = profile(DuckDBEngine(), calls, phone_columns=["caller", "callee"], k=15)
    caller = report["columns"]["caller"]
    assert caller["rows"] == 2001 and caller["empty"] == 0
    assert caller["reasons_by_distinct_value"] == {"not_a_number": 1}
    assert report["columns"]["callee"]["empty"] == 1  # the junk row's empty callee
    assert all(cell["numbers"] >= 15 for cell in caller["by_country_and_type"])
    assert caller["suppressed_cells"] >= 1
    assert "+" not in json.dumps(report)  # no number, not even a prefix
    with pytest.raises(AnalyticsError):
        profile(DuckDBEngine(), calls, phone_columns=["caller"], k=1)


def test_pseudonymize_reports_its_stages(calls: Path, tmp_path: Path) -> None:
    stages: list[str] = []
    pseudonymize(
        DuckDBEngine(),
        calls,
        tmp_path / "o.parquet",
        phone_columns=["caller", "callee"],
        pseudonyms=Pseudonymizer(KEYRING, 1),
        on_step=stages.append,
    )
    assert stages == [
        "reading",
        "normalizing and pseudonymizing caller, callee",
        "writing",
    ]


@pytest.mark.parametrize("extra", [None, "file_row_number"])
def test_parquet_input_keeps_its_row_order(tmp_path: Path, extra: str | None) -> None:
    """Many small row groups are read in parallel; the output keeps the input's order (and
    a column named like DuckDB's row-number option is data like any other)."""
    import pyarrow as pa

    rows = 30_000
    people = [f"+1202555{n:04d}" for n in range(0, 10_000, 7)]
    columns = {
        "phone": [people[(n * 31) % len(people)] if n % 97 else "junk" for n in range(rows)],
        "n": list(range(rows)),
    }
    if extra:
        columns[extra] = [rows - n for n in range(rows)]
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table(columns), source, row_group_size=500)
    out = tmp_path / "out.parquet"
    summary = pseudonymize(
        DuckDBEngine(), source, out, phone_columns=["phone"], pseudonyms=Pseudonymizer(KEYRING, 1)
    )
    table = pq.read_table(out)
    assert summary.rows == rows
    assert table.column("n").to_pylist() == columns["n"]
    if extra:
        assert table.column(extra).to_pylist() == columns[extra]
    pids = table.column("phone_pid").to_pylist()
    assert [pid is None for pid in pids] == [n % 97 == 0 for n in range(rows)]
    first = Pseudonymizer(KEYRING, 1).pid(people[0])
    assert all(pids[n] == first for n in range(rows) if n % 97 and (n * 31) % len(people) == 0)


def test_an_input_with_no_rows_gives_an_empty_output(tmp_path: Path) -> None:
    from ringfence.analytics.patterns import patterns

    source = tmp_path / "empty.csv"
    source.write_text("caller,callee,start_time,duration_s,channel,status\n")
    out = tmp_path / "empty.parquet"
    pseudonyms = Pseudonymizer(KEYRING, 1)
    summary = pseudonymize(
        DuckDBEngine(), source, out, phone_columns=["caller", "callee"], pseudonyms=pseudonyms
    )
    assert summary.rows == 0 and pq.read_table(out).num_rows == 0
    assert summary.columns["caller"] == {"distinct": 0, "valid_distinct": 0}
    assert "caller_pid" in pq.read_table(out).column_names
    report = patterns(DuckDBEngine(), out)
    assert (report["events"], report["international_share"], report["reciprocity"]) == (
        0,
        None,
        None,
    )
    assert report["degrees"] == {"cells": [], "suppressed_cells": 0}
