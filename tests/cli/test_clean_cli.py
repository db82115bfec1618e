"""``ringfence clean``: every input row in the output or the rejects, never a traceback."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from ringfence.clean import clean_file
from ringfence.cli import app
from ringfence.errors import InputFileError

runner = CliRunner()
EXAMPLE = Path(__file__).parents[2] / "examples" / "contacts.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_readme_example(tmp_path):
    out = tmp_path / "clean.csv"
    result = runner.invoke(
        app, ["clean", str(EXAMPLE), "--column", "phone", "--region", "US", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    good, bad = _rows(out), _rows(tmp_path / "clean.rejects.csv")
    assert len(good) + len(bad) == len(_rows(EXAMPLE))
    assert all(row["e164"].startswith("+") and row["valid"] == "true" for row in good)
    assert {row["reason"] for row in bad} <= {"invalid_number", "not_a_number"}
    assert "read" in result.stderr and "rejected" in result.stderr


def test_region_column(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("phone,cc\n020 8366 1177,GB\n(650) 253-0000,US\n020 8366 1177,US\n")
    summary = clean_file(source, tmp_path / "out.csv", column="phone", region_column="cc")
    assert (summary.rows_read, summary.rows_written, summary.rows_rejected) == (3, 2, 1)
    assert [r["row"] for r in _rows(tmp_path / "out.rejects.csv")] == ["3"]


def test_malformed_and_undecodable_rows_are_rejected_with_row_numbers(tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(
        b"id,phone\n"
        b"1,+16502530000\n"
        b"2\n"  # too few fields
        b"3,+442083661177,extra\n"  # too many
        b"4,+1650\xff2530001\n"  # not UTF-8
        b'5,"+1 650 253 0002"\n'
        b"6,+1650\x00253\n"
    )
    summary = clean_file(source, tmp_path / "out.parquet", column="phone")
    assert summary.rows_read == 6
    assert summary.rows_read == summary.rows_written + summary.rows_rejected
    rejects = {r["row"]: r["reason"] for r in _rows(tmp_path / "out.rejects.csv")}
    assert rejects == {
        "2": "malformed_row",
        "3": "malformed_row",
        "4": "invalid_utf8",
        "6": "not_a_number",
    }
    written = pq.read_table(tmp_path / "out.parquet")
    assert written.column("id").to_pylist() == ["1", "5"]


def test_huge_cell_and_hostile_values(tmp_path):
    source = tmp_path / "in.csv"
    evil = "tel:1;phone-context=" + "aa." * 25 + "aa!"
    source.write_text(f"phone\n{'9' * 10_000_000}\n{evil}\n=cmd|' /C calc'!A0\n+16502530000\n")
    summary = clean_file(source, tmp_path / "out.csv", column="phone", region="US")
    assert (summary.rows_read, summary.rows_written, summary.rows_rejected) == (4, 1, 3)
    assert summary.reasons == {"too_long": 1, "not_a_number": 2}


def test_parquet_in_and_out_keeps_leading_zeros_and_integer_columns(tmp_path):
    source = tmp_path / "in.parquet"
    pq.write_table(
        pa.table({"phone": ["020 8366 1177", None], "n": pa.array([6502530000, 1], pa.int64())}),
        source,
    )
    summary = clean_file(source, tmp_path / "out.parquet", column="phone", region="GB")
    assert (summary.rows_written, summary.rows_rejected) == (1, 1)
    out = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert out[0]["e164"] == "+442083661177" and out[0]["phone"] == "020 8366 1177"
    summary = clean_file(source, tmp_path / "n.csv", column="n", region="US")
    assert summary.rows_written == 1


def test_input_column_clash_gets_suffix(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("phone,e164\n+16502530000,old\n")
    clean_file(source, tmp_path / "out.csv", column="phone")
    row = _rows(tmp_path / "out.csv")[0]
    assert row["e164"] == "old" and row["e164_clean"] == "+16502530000"


@pytest.mark.parametrize(
    ("content", "name", "args", "reason"),
    [
        (None, "missing.csv", [], "file_not_found"),
        ("", "empty.csv", [], "empty_file"),
        ("a,b\n1,2\n", "in.csv", [], "missing_column"),
        ("phone\n1\n", "in.xlsx", [], "unknown_format"),
        ("phone,phone\n1,2\n", "in.csv", [], "bad_header"),
        ("not parquet", "in.parquet", [], "unreadable_file"),
        ("phone\n1\n", "in.csv", ["--region-column", "cc"], "missing_column"),
    ],
)
def test_unreadable_inputs_give_a_reason_and_exit_2(tmp_path, content, name, args, reason):
    source = tmp_path / name
    if content is not None:
        source.write_text(content)
    result = runner.invoke(
        app, ["clean", str(source), "--column", "phone", "-o", str(tmp_path / "o.csv"), *args]
    )
    assert result.exit_code == 2, result.output
    assert f"[{reason}]" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_unknown_output_format_is_refused_before_work(tmp_path):
    with pytest.raises(InputFileError) as caught:
        clean_file(EXAMPLE, tmp_path / "out.json", column="phone", region="US")
    assert caught.value.reason == "unknown_format"


def test_progress_bar_on_a_terminal_only():
    import io

    from rich.console import Console

    from ringfence.cli.clean import _ProgressBar

    quiet = _ProgressBar(Console(file=io.StringIO(), force_terminal=False))
    with quiet as on_progress:
        assert on_progress is None
    screen = io.StringIO()
    bar = _ProgressBar(Console(file=screen, force_terminal=True, width=80))
    with bar as on_progress:
        assert on_progress is not None
        on_progress(5, 10)
        on_progress(10, 10)
    assert "10/10" in screen.getvalue()
