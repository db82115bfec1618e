"""Authenticator apps and recovery codes, with a fake clock, on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from ringfence.store import make_engine, upgrade
from ringfence.testing import FakeClock
from ringfence.verify import AccountLocked, VerificationPolicy
from ringfence.verify.totp import FactorExists, TotpFactors


@pytest.fixture
def factors(db_url, keyring, clock) -> Iterator[TotpFactors]:  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    upgrade(engine)
    yield TotpFactors(engine, keyring, clock=clock, issuer="Acme")
    engine.dispose()


def app_code(secret: str, clock: FakeClock, offset: int = 0) -> str:
    """What the person's authenticator app shows."""
    return pyotp.TOTP(secret).at(clock.now().timestamp(), counter_offset=offset)


def test_enrolment_gives_uri_qr_and_recovery_codes(factors: TotpFactors) -> None:
    enrollment = factors.enroll("acct-1", label="ada@example.com")
    uri = urlparse(enrollment.uri)
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [enrollment.secret]
    assert parse_qs(uri.query)["issuer"] == ["Acme"]
    assert enrollment.qr_svg.startswith("<svg") and "</svg>" in enrollment.qr_svg
    assert len(set(enrollment.recovery_codes)) == 10
    assert enrollment.secret not in repr(enrollment)


def test_factor_works_only_after_confirmation(factors: TotpFactors, clock: FakeClock) -> None:
    secret = factors.enroll("acct-1").secret
    assert not factors.verify("acct-1", app_code(secret, clock))
    assert factors.confirm("acct-1", app_code(secret, clock))
    clock.advance(seconds=30)
    assert factors.verify("acct-1", app_code(secret, clock))


def test_a_code_is_accepted_once(factors: TotpFactors, clock: FakeClock) -> None:
    secret = factors.enroll("acct-1").secret
    factors.confirm("acct-1", app_code(secret, clock))
    clock.advance(seconds=30)
    code = app_code(secret, clock)
    assert factors.verify("acct-1", code)
    assert not factors.verify("acct-1", code)  # replay
    clock.advance(seconds=20)
    assert not factors.verify("acct-1", code)  # still refused within the window


def test_an_older_step_is_refused_after_a_newer_one(factors: TotpFactors, clock: FakeClock) -> None:
    secret = factors.enroll("acct-1").secret
    factors.confirm("acct-1", app_code(secret, clock))
    clock.advance(seconds=90)
    newer, older = app_code(secret, clock), app_code(secret, clock, offset=-1)
    assert factors.verify("acct-1", newer)
    assert not factors.verify("acct-1", older)


def test_clock_drift_of_one_step_is_tolerated(factors: TotpFactors, clock: FakeClock) -> None:
    secret = factors.enroll("acct-1").secret
    factors.confirm("acct-1", app_code(secret, clock))
    clock.advance(seconds=120)
    assert factors.verify("acct-1", app_code(secret, clock, offset=1))
    clock.advance(seconds=120)
    assert not factors.verify("acct-1", app_code(secret, clock, offset=2))


def test_concurrent_replays_accept_exactly_once(factors: TotpFactors, clock: FakeClock) -> None:
    secret = factors.enroll("acct-1").secret
    factors.confirm("acct-1", app_code(secret, clock))
    clock.advance(seconds=30)
    code = app_code(secret, clock)
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: factors.verify("acct-1", code), range(20)))
    assert results.count(True) == 1


def test_recovery_codes_are_single_use(factors: TotpFactors) -> None:
    codes = factors.enroll("acct-1").recovery_codes
    assert factors.use_recovery_code("acct-1", codes[0].upper().replace("-", " "))
    assert not factors.use_recovery_code("acct-1", codes[0])
    assert not factors.use_recovery_code("acct-2", codes[1])  # bound to its account
    assert factors.remaining_recovery_codes("acct-1") == 9


def test_wrong_codes_lock_the_account(db_url, keyring, clock) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    upgrade(engine)
    factors = TotpFactors(
        engine, keyring, clock=clock, policy=VerificationPolicy(max_account_failures=3)
    )
    secret = factors.enroll("acct-1").secret
    factors.confirm("acct-1", app_code(secret, clock))
    for _ in range(3):
        factors.verify("acct-1", "000000" if app_code(secret, clock) != "000000" else "111111")
    with pytest.raises(AccountLocked):
        factors.verify("acct-1", app_code(secret, clock))
    engine.dispose()


def test_confirmed_factor_cannot_be_silently_replaced(
    factors: TotpFactors, clock: FakeClock
) -> None:
    secret = factors.enroll("acct-1").secret
    factors.confirm("acct-1", app_code(secret, clock))
    with pytest.raises(FactorExists):
        factors.enroll("acct-1")
    factors.remove("acct-1")
    factors.enroll("acct-1")


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "１２３４５６", "x" * 10_000])
def test_malformed_codes_are_refused(factors: TotpFactors, clock: FakeClock, code: str) -> None:
    secret = factors.enroll("acct-1").secret
    factors.confirm("acct-1", app_code(secret, clock))
    assert not factors.verify("acct-1", code)
