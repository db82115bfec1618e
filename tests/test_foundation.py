"""errors, settings, clock and backend selection."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ringfence import ConfigurationError, InvalidPhoneNumber, MissingDependency, RingfenceError
from ringfence.clock import system_clock
from ringfence.phone import PhoneReason, metadata_version
from ringfence.phone import _backend as backends
from ringfence.settings import Environment, load_settings
from ringfence.testing import FakeClock


def test_errors_carry_reason_codes_and_specialise_builtins():
    err = InvalidPhoneNumber("bad", reason=PhoneReason.TOO_LONG)
    assert isinstance(err, RingfenceError) and isinstance(err, ValueError)
    assert err.reason_code == "too_long"
    assert repr(err) == "InvalidPhoneNumber(reason='too_long', message='bad')"
    missing = MissingDependency.for_extra("fast", "rphonenumbers")
    assert isinstance(missing, ImportError) and "uv sync --extra fast" in str(missing)


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("RINGFENCE_ENV", "production")
    monkeypatch.setenv("RINGFENCE_WORKERS", "3")
    settings = load_settings()
    assert settings.env is Environment.PRODUCTION and settings.is_production
    assert settings.workers == 3


def test_bad_setting_names_the_variable_not_the_value(monkeypatch):
    monkeypatch.setenv("RINGFENCE_WORKERS", "-7")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    assert "RINGFENCE_WORKERS" in str(caught.value) and "-7" not in str(caught.value)


def test_fake_clock_moves_only_forward():
    clock = FakeClock(datetime(2026, 3, 1))
    assert clock.now() == datetime(2026, 3, 1, tzinfo=UTC)
    clock.advance(minutes=10)
    assert clock.now() == datetime(2026, 3, 1, 0, 10, tzinfo=UTC)
    assert clock.monotonic() == 600
    with pytest.raises(ValueError):
        clock.advance(-1)
    assert system_clock.now().tzinfo is UTC


def test_backend_selection(monkeypatch):
    assert backends.get_backend("reference").name == "reference"
    with pytest.raises(ValueError, match="unknown phone backend"):
        backends.get_backend("turbo")
    monkeypatch.setattr(backends, "_fast_or_none", lambda: None)
    assert backends.get_backend("auto").name == "reference"
    with pytest.raises(MissingDependency):
        backends.get_backend("fast")
    import phonenumbers

    assert metadata_version() == phonenumbers.__version__
