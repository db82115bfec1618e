"""``ringfence contacts`` and ``ringfence keys`` against real databases."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ringfence.cli import app

runner = CliRunner()


@pytest.fixture
def cli_env(monkeypatch, tmp_path, db_url):
    monkeypatch.setenv("RINGFENCE_KEY_FILE", str(tmp_path / "root.key"))
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    return db_url


def run(*args: str) -> object:
    return runner.invoke(app, list(args))


def test_add_find_show_list_export(cli_env, tmp_path):
    db = cli_env
    added = run(
        "contacts",
        "add",
        "--name",
        "Ada",
        "--phone",
        "(650) 253-0000",
        "--phone",
        "+44 20 7946 0018",
        "--email",
        "ada@example.com",
        "--country",
        "US",
        "--db",
        db,
        "--json",
    )
    assert added.exit_code == 0, added.output
    contact = json.loads(added.stdout)
    assert set(contact) >= {"id", "name", "phones"}
    assert contact["phones"] == ["+1 ***-***-0000", "+44 ** **** 0018"]

    for query, region in (
        ("650.253.0000", "US"),
        ("+1 650 253 0000", None),
        ("011 44 20 7946 0018", "US"),
    ):
        args = ["contacts", "find", query, "--db", db, "--json"]
        found = run(*args, *(["--region", region] if region else []))
        assert found.exit_code == 0, found.output
        assert [c["id"] for c in json.loads(found.stdout)] == [contact["id"]]
        assert "6502530000" not in found.stdout

    suffix = run("contacts", "find", "7946 0018", "--suffix", "--db", db, "--json")
    assert [c["id"] for c in json.loads(suffix.stdout)] == [contact["id"]]

    shown = run("contacts", "show", contact["id"], "--db", db)
    assert "Ada" in shown.stdout and "+1 ***-***-0000" in shown.stdout
    revealed = run("contacts", "show", contact["id"], "--db", db, "--reveal", "--json")
    assert json.loads(revealed.stdout)["phones"][0] == "+16502530000"

    listed = run("contacts", "list", "--db", db, "--json")
    assert len(json.loads(listed.stdout)) == 1

    out = tmp_path / "export.csv"
    assert run("contacts", "export", "-o", str(out), "--db", db).exit_code == 0
    text = out.read_text()
    assert "Ada" in text and "6502530000" not in text
    out = tmp_path / "export.jsonl"
    assert run("contacts", "export", "-o", str(out), "--db", db, "--reveal").exit_code == 0
    assert "+16502530000" in out.read_text()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["contacts", "add", "--name", "X", "--phone", "12"], "invalid_country_code"),
        (["contacts", "add", "--name", "X", "--phone", "+1 555 555 5555"], "invalid_number"),
        (["contacts", "find", "hello"], "not_a_number"),
        (["contacts", "show", "not-a-uuid"], "contact_not_found"),
        (["contacts", "find", "tel:1;phone-context=" + "aa." * 25 + "aa!"], "not_a_number"),
    ],
)
def test_bad_input_gives_reason_and_exit_2(cli_env, args, reason):
    result = run(*args, "--db", cli_env)
    assert result.exit_code == 2, result.output
    assert f"[{reason}]" in result.stderr
    assert "Traceback" not in result.output


def test_short_suffix_is_a_usage_error(cli_env):
    result = run("contacts", "find", "12", "--suffix", "--db", cli_env)
    assert result.exit_code == 2
    assert "4 and 17 digits" in result.output


def test_keys_rotate_status_reencrypt(cli_env):
    db = cli_env
    run("contacts", "add", "--name", "A", "--phone", "+16502530000", "--db", db)
    assert run("keys", "init").exit_code == 2  # never overwrites
    assert "version 2" in run("keys", "rotate", "--db", db).stdout
    status = json.loads(run("keys", "status", "--db", db, "--json").stdout)
    assert status["current"] == 2
    assert {v["version"]: v["phones"] for v in status["versions"]} == {1: 1, 2: 0}
    assert "re-sealed 1" in run("keys", "reencrypt", "--db", db).stdout
    status = json.loads(run("keys", "status", "--db", db, "--json").stdout)
    assert {v["version"]: v["phones"] for v in status["versions"]} == {1: 0, 2: 1}
    found = run("contacts", "find", "+16502530000", "--db", db, "--json")
    assert len(json.loads(found.stdout)) == 1
    from ringfence.store import make_engine
    from ringfence.store.audit import list_events

    engine = make_engine(db)
    with engine.connect() as connection:
        actions = [e["action"] for e in list_events(connection, limit=5)]
    engine.dispose()
    assert actions[:2] == ["keys.reencrypted", "keys.rotated"]  # key operations are audited


def test_bad_database_url(cli_env):
    result = run("contacts", "list", "--db", "mysql://x@y/z")
    assert result.exit_code == 2
    assert "[unsupported_database]" in result.stderr


def test_import_cli_summary_rejects_and_dry_run(cli_env, tmp_path):
    from pathlib import Path

    source = Path(__file__).parents[1] / "data" / "contacts_fr_latin1.csv"
    dry = run(
        "contacts",
        "import",
        str(source),
        "--db",
        cli_env,
        "--id-column",
        "ID",
        "--dry-run",
        "--json",
    )
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.stdout)["created"] == 2
    assert json.loads(run("contacts", "list", "--db", cli_env, "--json").stdout) == []
    real = run(
        "contacts",
        "import",
        str(source),
        "--db",
        cli_env,
        "--id-column",
        "ID",
        "--json",
        "--rejects",
        str(tmp_path / "r.csv"),
    )
    summary = json.loads(real.stdout)
    assert {k: summary[k] for k in ("rows", "created", "merged", "rejected")} == {
        "rows": 7,
        "created": 2,
        "merged": 1,
        "rejected": 4,
    }
    rejects = (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()
    assert rejects[0] == "row,column,reason" and len(rejects) == 5
    assert "+33" not in (tmp_path / "r.csv").read_text(encoding="utf-8")  # no content


def test_import_cli_map_and_errors(cli_env, tmp_path):
    source = tmp_path / "m.csv"
    source.write_text("who,digits\nAda,+16502530000\n")
    ok = run(
        "contacts",
        "import",
        str(source),
        "--db",
        cli_env,
        "--map",
        "name=who",
        "--map",
        "phone=digits",
        "--json",
    )
    assert json.loads(ok.stdout)["created"] == 1
    bad = run("contacts", "import", str(source), "--db", cli_env, "--map", "nonsense")
    assert bad.exit_code == 2 and "FIELD=COLUMN" in bad.output
    missing = run("contacts", "import", str(source), "--db", cli_env, "--map", "phone=nope")
    assert missing.exit_code == 2 and "[bad_mapping]" in missing.stderr


def test_stale_cli(cli_env):
    run("contacts", "add", "--name", "A", "--phone", "+16502530000", "--db", cli_env)
    result = run("contacts", "stale", "--older-than", "180d", "--db", cli_env, "--json")
    items = json.loads(result.stdout)
    assert len(items) == 1 and items[0]["number"] == "+1 ***-***-0000"
    assert run("contacts", "stale", "--older-than", "soon", "--db", cli_env).exit_code == 2
