"""``ringfence apikeys``, ``ringfence outbox`` (``serve`` runs in tests/api/test_bruteforce.py)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ringfence.cli import app
from ringfence.crypto import load_keyring
from ringfence.settings import load_settings
from ringfence.store import make_engine
from ringfence.store.apikeys import authenticate
from ringfence.verify import VerificationService

runner = CliRunner()


@pytest.fixture
def cli_env(monkeypatch, tmp_path, db_url):
    monkeypatch.setenv("RINGFENCE_KEY_FILE", str(tmp_path / "root.key"))
    monkeypatch.setenv("RINGFENCE_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    return db_url


def test_apikeys_create_prints_the_key_once_and_stores_a_digest(cli_env):
    result = runner.invoke(app, ["apikeys", "create", "--scope", "verify", "--json"])
    assert result.exit_code == 0, result.output
    key = json.loads(result.stdout)["key"]
    engine = make_engine(cli_env)
    info = authenticate(engine, key)
    engine.dispose()
    assert info is not None and info.scopes == ("verify",)


def test_apikeys_refuse_unknown_scopes(cli_env):
    result = runner.invoke(app, ["apikeys", "create", "--scope", "everything"])
    assert result.exit_code == 2
    assert "invalid_scope" in result.stderr


def test_outbox_lists_messages_newest_first(cli_env):
    settings = load_settings()
    service = VerificationService.open(settings=settings, keyring=load_keyring(settings))
    service.start("+33 6 12 34 56 78")
    service.start("+44 7911 123456", locale="de")
    service.close()
    result = runner.invoke(app, ["outbox", "--json"])
    assert result.exit_code == 0, result.output
    messages = json.loads(result.stdout)
    assert [m["to"] for m in messages] == ["+447911123456", "+33612345678"]
    assert "Code" in messages[0]["body"] and "code" in messages[1]["body"]


def test_outbox_refuses_in_production(cli_env, monkeypatch):
    monkeypatch.setenv("RINGFENCE_ENV", "production")
    monkeypatch.setenv("RINGFENCE_ROOT_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    result = runner.invoke(app, ["outbox", "--json"])
    assert result.exit_code == 2
    assert "outbox_in_production" in result.stderr
