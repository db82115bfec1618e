"""``ringfence consent`` and ``ringfence suppression`` on each engine, with bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.cli import app

runner = CliRunner()
DATA = Path(__file__).parents[1] / "data" / "registries"
SELECT = ["--channel", "sms", "--purpose", "marketing", "--brand", "Acme"]


@pytest.fixture
def cli_env(monkeypatch, tmp_path, db_url):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RINGFENCE_KEY_FILE", str(tmp_path / "root.key"))
    monkeypatch.setenv("RINGFENCE_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    return db_url


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def test_consent_grant_status_revoke(cli_env) -> None:  # type: ignore[no-untyped-def]
    phone = ["--phone", "(201) 555-0123", "--region", "US"]
    status = run("consent", "status", *phone, *SELECT, "--json")
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["granted"] is False
    granted = run(
        "consent",
        "grant",
        *phone,
        *SELECT,
        "--evidence",
        "Ticked the SMS offers box",
        "--method",
        "web_form",
        "--source",
        "signup",
        "--json",
    )
    assert granted.exit_code == 0, granted.output
    assert json.loads(granted.stdout)["kind"] == "grant"
    assert json.loads(run("consent", "status", *phone, *SELECT, "--json").stdout)["granted"]
    revoked = run("consent", "revoke", *phone, *SELECT, "--evidence", "replied STOP")
    assert revoked.exit_code == 0 and "to honour by" in revoked.stdout
    assert "not granted" in run("consent", "status", *phone, *SELECT).stdout
    earlier = run("consent", "status", *phone, *SELECT, "--at", "2000-01-01")
    assert "not granted" in earlier.stdout


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--phone", "nonsense", *SELECT, "--evidence", "x"], "not_a_number"),
        (
            [
                "--phone",
                "+33612345678",
                "--channel",
                "fax",
                "--purpose",
                "marketing",
                "--brand",
                "A",
                "--evidence",
                "x",
            ],
            "bad_channel",
        ),
        (
            ["--phone", "+33612345678", *SELECT, "--evidence", "x", "--lawful-basis", "whim"],
            "bad_lawful_basis",
        ),
        (["--phone", "+33612345678", *SELECT, "--evidence", "x" * 5000], "bad_evidence"),
        (
            ["--phone", "+33612345678", *SELECT, "--evidence", "x", "--received-at", "2999-01-01"],
            "received_in_future",
        ),
    ],
)
def test_bad_consent_input_is_a_clear_error(cli_env, args, reason) -> None:  # type: ignore[no-untyped-def]
    result = run("consent", "grant", *args)
    assert result.exit_code == 2, result.output
    assert reason in result.stderr
    assert "Traceback" not in result.output and "612345678" not in result.stderr


def test_suppression_add_check_import(cli_env) -> None:  # type: ignore[no-untyped-def]
    fr = ["--phone", "+33 6 12 34 56 78"]
    added = run("suppression", "add", *fr, "--brand", "all", "--channel", "sms")
    assert added.exit_code == 0 and "suppressed" in added.stdout
    again = run("suppression", "add", *fr, "--brand", "all", "--channel", "sms", "--json")
    assert json.loads(again.stdout) == {"added": False}
    hit = run("suppression", "check", *fr, "--brand", "Acme", "--channel", "sms")
    assert hit.exit_code == 1 and "internal" in hit.stdout
    miss = run("suppression", "check", *fr, "--brand", "Acme", "--channel", "voice")
    assert miss.exit_code == 0 and "not suppressed" in miss.stdout
    us = ["--phone", "+12015550100"]
    stale = run("suppression", "check", *us, "--brand", "Acme", "--channel", "voice")
    assert stale.exit_code == 2 and "registry_stale" in stale.stderr
    imported = run(
        "suppression",
        "import",
        str(DATA / "us_201_full.txt"),
        "--registry",
        "us",
        "--version",
        "full-201",
        "--date",
        "2099-01-01",
        "--json",
    )
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["accepted"] == 4
    listed = run("suppression", "check", *us, "--brand", "Acme", "--channel", "voice", "--json")
    assert listed.exit_code == 1 and json.loads(listed.stdout)[0]["list"] == "US"
    for bad in (
        ["--registry", "FR", "--version", "v", "--date", "2026-01-01"],
        ["--registry", "US", "--version", "v", "--date", "yesterday"],
    ):
        result = run("suppression", "import", str(DATA / "us_201_full.txt"), *bad)
        assert result.exit_code == 2 and "Traceback" not in result.output
    missing = run(
        "suppression",
        "import",
        "nope.txt",
        "--registry",
        "US",
        "--version",
        "v",
        "--date",
        "2026-01-01",
    )
    assert missing.exit_code == 2
