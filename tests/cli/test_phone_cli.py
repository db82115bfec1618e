"""``ringfence phone`` commands."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from ringfence.cli import app

runner = CliRunner()


def test_parse_prints_fields_as_json():
    result = runner.invoke(app, ["phone", "parse", "020 8366 1177", "--region", "GB", "--json"])
    assert result.exit_code == 0, result.output
    fields = json.loads(result.stdout)
    assert fields["e164"] == "+442083661177"
    assert fields["number_type"] == "fixed_line"
    assert fields["description"] == "London"
    assert fields["metadata_version"]


def test_parse_plain_output():
    result = runner.invoke(app, ["phone", "parse", "+1 650 253 0000"])
    assert result.exit_code == 0
    assert "e164" in result.stdout and "+16502530000" in result.stdout


def test_parse_failure_gives_reason_and_exit_code_2():
    result = runner.invoke(app, ["phone", "parse", "hello"])
    assert result.exit_code == 2
    assert "not_a_number" in result.stderr
    result = runner.invoke(app, ["phone", "parse", "650 253 0000", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["reason"] == "invalid_country_code"


def test_parse_hostile_argument():
    result = runner.invoke(app, ["phone", "parse", "tel:1;phone-context=" + "aa." * 25 + "aa!"])
    assert result.exit_code == 2 and "not_a_number" in result.stderr
    result = runner.invoke(app, ["phone", "parse", "9" * 100_000])
    assert result.exit_code == 2 and "too_long" in result.stderr


def test_find_reads_stdin():
    text = "Ring (650) 253-0000 or +44 20 8366 1177."
    result = runner.invoke(app, ["phone", "find", "--region", "US"], input=text)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["5\t19\t+16502530000", "23\t39\t+442083661177"]
    result = runner.invoke(app, ["phone", "find", "--region", "US", "--json"], input=text)
    assert [m["e164"] for m in json.loads(result.stdout)] == ["+16502530000", "+442083661177"]


def test_find_bad_leniency_is_a_usage_error():
    result = runner.invoke(app, ["phone", "find", "--leniency", "sloppy"], input="x")
    assert result.exit_code == 2 and "leniency" in result.output


def test_redact_keeps_every_other_byte():
    data = "caf\xe9 (650) 253-0000\n".encode() + b"\xff\xfe raw bytes\n"
    result = subprocess.run(
        [sys.executable, "-m", "ringfence", "phone", "redact", "--region", "US"],
        input=data,
        capture_output=True,
        check=True,
    )
    assert result.stdout == "caf\xe9 (***) ***-****\n".encode() + b"\xff\xfe raw bytes\n"


def test_console_script_runs_without_traceback_on_bad_input():
    result = subprocess.run(
        [sys.executable, "-m", "ringfence", "phone", "parse", "\x01\x02 \x1b[0m"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
