"""The verification state machine, with a fake clock, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ringfence.errors import InvalidPhoneNumber
from ringfence.verify import (
    AccountLocked,
    Status,
    TooManyRequests,
    VerificationNotFound,
    VerificationPolicy,
    read_outbox,
)
from tests.verify.conftest import MOBILE, MOBILE_E164, last_code, open_service


def test_start_sends_a_six_digit_code_and_shows_the_number_masked(service) -> None:
    verification = service.start(MOBILE, purpose="login")
    assert verification.status is Status.PENDING
    assert verification.id.startswith("VE") and len(verification.id) == 34
    assert verification.to == "+33 * ** ** 56 78"
    assert MOBILE_E164 not in repr(verification) and "12 34 56" not in verification.to
    assert verification.attempts_left == 5
    assert verification.expires_at - verification.created_at == timedelta(minutes=10)
    [message] = read_outbox(service.engine, service.keyring, service.settings)
    assert message.to == MOBILE_E164 and message.verification_id == verification.id
    assert len(last_code(service)) == 6


def test_right_code_approves_once_and_never_again(service) -> None:
    verification = service.start(MOBILE)
    code = last_code(service)
    assert service.check(verification.id, code).status is Status.APPROVED
    with pytest.raises(VerificationNotFound):
        service.check(verification.id, code)
    assert service.get(verification.id).status is Status.APPROVED


def test_wrong_codes_count_down_then_max_attempts_reached(service) -> None:
    verification = service.start(MOBILE)
    code = last_code(service)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        result = service.check(verification.id, wrong)
        assert (result.status, result.attempts_left) == (Status.PENDING, left)
    assert service.check(verification.id, wrong).status is Status.MAX_ATTEMPTS_REACHED
    # the right code is refused once the attempts are spent
    assert service.check(verification.id, code).status is Status.MAX_ATTEMPTS_REACHED


def test_code_expires_after_ten_minutes(service, clock) -> None:
    verification = service.start(MOBILE)
    code = last_code(service)
    clock.advance(minutes=10)
    assert service.get(verification.id).status is Status.EXPIRED
    assert service.check(verification.id, code).status is Status.EXPIRED


def test_code_still_works_just_before_expiry(service, clock) -> None:
    verification = service.start(MOBILE)
    code = last_code(service)
    clock.advance(minutes=9, seconds=59)
    assert service.check(verification.id, code).status is Status.APPROVED


def test_resend_has_a_growing_cooldown_and_keeps_the_failure_count(service, clock) -> None:
    first = service.start(MOBILE)
    old_code = last_code(service)
    wrong = f"{(int(old_code) + 1) % 10**6:06d}"
    service.check(first.id, wrong)
    with pytest.raises(TooManyRequests) as refused:
        service.start(MOBILE)
    assert refused.value.reason == "resend_cooldown" and refused.value.retry_after == 30
    clock.advance(seconds=30)
    again = service.start(MOBILE)
    assert again.id == first.id and again.sends == 2
    assert again.attempts_left == 4  # the resend did not reset the failures
    assert again.expires_at == first.expires_at  # nor the lifetime
    clock.advance(seconds=59)
    with pytest.raises(TooManyRequests) as refused:
        service.start(MOBILE)
    assert refused.value.retry_after == 1  # second cooldown: 60 s
    clock.advance(seconds=1)
    service.start(MOBILE)
    new_code = last_code(service)
    if new_code != old_code:  # the old code died with the resend
        assert service.check(first.id, old_code).status is Status.PENDING
    assert service.check(first.id, new_code).status is Status.APPROVED


def test_sends_per_verification_are_capped(db_url, keyring, settings, clock) -> None:
    policy = VerificationPolicy(max_sends=2, resend_cooldown=timedelta(seconds=1))
    service = open_service(db_url, keyring, settings, clock, policy=policy)
    service.start(MOBILE)
    clock.advance(seconds=1)
    service.start(MOBILE)
    clock.advance(seconds=5)
    with pytest.raises(TooManyRequests) as refused:
        service.start(MOBILE)
    assert refused.value.reason == "max_sends"
    service.close()


def test_other_purpose_is_a_separate_verification(service) -> None:
    login = service.start(MOBILE, purpose="login")
    step_up = service.start(MOBILE, purpose="step_up")
    assert login.id != step_up.id


def test_cancel_is_final(service) -> None:
    verification = service.start(MOBILE)
    code = last_code(service)
    assert service.cancel(verification.id).status is Status.CANCELED
    assert service.check(verification.id, code).status is Status.CANCELED
    assert service.cancel(verification.id).status is Status.CANCELED


def test_account_locks_after_consecutive_failures_across_verifications(
    db_url, keyring, settings, clock
) -> None:
    policy = VerificationPolicy(max_checks=2, max_account_failures=5)
    service = open_service(db_url, keyring, settings, clock, policy=policy)
    failures = 0
    while failures < 5:
        verification = service.start(MOBILE, account_id="acct-1", purpose="login")
        for _ in range(2):
            if failures == 5:
                break
            code = last_code(service)
            service.check(verification.id, f"{(int(code) + 1) % 10**6:06d}")
            failures += 1
        clock.advance(minutes=11)
    with pytest.raises(AccountLocked) as locked:
        service.start(MOBILE, account_id="acct-1")
    assert locked.value.locked_until == clock.now() + timedelta(hours=1) - timedelta(minutes=11)
    assert locked.value.reason == "account_locked"
    # another account is not affected
    service.start(MOBILE, account_id="acct-2")
    clock.advance(hours=1)
    verification = service.start(MOBILE, account_id="acct-1")
    assert service.check(verification.id, last_code(service)).status is Status.APPROVED
    service.close()


def test_a_right_code_resets_the_account_count(db_url, keyring, settings, clock) -> None:
    policy = VerificationPolicy(max_checks=3, max_account_failures=3)
    service = open_service(db_url, keyring, settings, clock, policy=policy)
    for _ in range(3):
        verification = service.start(MOBILE, account_id="a")
        code = last_code(service)
        service.check(verification.id, f"{(int(code) + 1) % 10**6:06d}")
        service.check(verification.id, f"{(int(code) + 2) % 10**6:06d}")
        assert service.check(verification.id, code).status is Status.APPROVED
    service.close()


def test_check_by_number(service) -> None:
    verification = service.start(MOBILE)
    result = service.check_latest("06 12 34 56 78", last_code(service), region="FR")
    assert result.id == verification.id and result.status is Status.APPROVED
    with pytest.raises(VerificationNotFound):
        service.check_latest(MOBILE, "000000")


@pytest.mark.parametrize("bad", ["", "not a number", "+1 555", "1" * 300])
def test_bad_destination_is_a_clear_error(service, bad) -> None:
    with pytest.raises(InvalidPhoneNumber):
        service.start(bad)


@pytest.mark.parametrize("bad_id", ["", "VE" + "0" * 32, "x" * 10_000, "' OR 1=1 --"])
def test_unknown_or_hostile_ids_are_not_found(service, bad_id) -> None:
    with pytest.raises(VerificationNotFound):
        service.check(bad_id, "123456")


@pytest.mark.parametrize("code", ["", "abc", "1" * 10_000, "12345", "\x00" * 6])
def test_malformed_codes_are_wrong_codes(service, code) -> None:
    verification = service.start(MOBILE)
    assert service.check(verification.id, code).attempts_left == 4


def test_recovery_to_an_unknown_number_is_simulated(db_url, keyring, settings, clock) -> None:
    service = open_service(
        db_url, keyring, settings, clock, known_number=lambda n: n.e164 == MOBILE_E164
    )
    known = service.start(MOBILE, purpose="recovery")
    unknown = service.start("+33 6 98 76 54 32", purpose="recovery")
    assert [m.verification_id for m in read_outbox(service.engine, service.keyring, settings)] == [
        known.id
    ]
    fields = set(known.to_dict()) - {"id", "to", "created_at", "expires_at", "resend_at"}
    assert {f: known.to_dict()[f] for f in fields} == {f: unknown.to_dict()[f] for f in fields}
    service.close()


def test_audit_events_record_every_state_change(service) -> None:
    from ringfence.store.audit import list_events

    verification = service.start(MOBILE)
    service.check(verification.id, "000000" if last_code(service) != "000000" else "111111")
    service.check(verification.id, last_code(service))
    with service.engine.connect() as connection:
        actions = [e["action"] for e in list_events(connection, subject_id=verification.id)]
    assert actions == [
        "verification.approved",
        "verification.check_failed",
        "verification.sent",
        "verification.created",
    ]


def test_voice_verification_sends_the_spoken_text(service) -> None:
    verification = service.start(MOBILE, channel="voice", locale="de")
    [message] = read_outbox(service.engine, service.keyring, service.settings)
    assert message.channel == "voice" and "Noch einmal" in message.body
    code = message.body.split(": ")[1].split(".")[0].replace(", ", "")
    assert service.check(verification.id, code).status is Status.APPROVED
