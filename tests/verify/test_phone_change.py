"""A phone change binds a new authenticator: a fresh verification of the new number plus
an existing factor, each spent once; every previous number and email is told."""

from __future__ import annotations

import pyotp
import pytest

from ringfence.verify import read_outbox
from ringfence.verify.accounts import AccountBindings, PhoneChangeRefused, ReauthProof
from ringfence.verify.totp import TotpFactors
from tests.verify.conftest import MOBILE, last_code

NEW = "+33698765432"
ACCOUNT = "acct-42"


@pytest.fixture
def bindings(service) -> AccountBindings:  # type: ignore[no-untyped-def]
    factors = TotpFactors(service.engine, service.keyring, clock=service.clock)
    return AccountBindings(service, factors)


def approved(service, to: str, purpose: str, account: str = ACCOUNT) -> str:  # type: ignore[no-untyped-def]
    verification = service.start(to, purpose=purpose, account_id=account)
    assert service.check(verification.id, last_code(service)).status.value == "approved"
    return verification.id


@pytest.fixture
def account(service, bindings) -> None:  # type: ignore[no-untyped-def]
    bindings.bind_phone(ACCOUNT, approved(service, MOBILE, "signup"))
    bindings.add_email(ACCOUNT, "ada@example.com")


def test_change_with_a_verification_of_the_old_number(service, bindings, account) -> None:
    reauth = approved(service, MOBILE, "step_up")
    new = approved(service, NEW, "phone_change")
    changed = bindings.change_phone(
        ACCOUNT, verification_id=new, reauth=ReauthProof(verification_id=reauth)
    )
    assert changed.phone == "+33 * ** ** 54 32"
    assert (changed.notified_phones, changed.notified_emails) == (1, 1)
    outbox = read_outbox(service.engine, service.keyring, service.settings)
    notices = [m for m in outbox if "was changed" in m.body]
    assert {m.to for m in notices} == {"+33612345678", "ada@example.com"}


def test_proofs_are_spent_once(service, bindings, account) -> None:
    reauth = approved(service, MOBILE, "step_up")
    new = approved(service, NEW, "phone_change")
    bindings.change_phone(ACCOUNT, verification_id=new, reauth=ReauthProof(verification_id=reauth))
    with pytest.raises(PhoneChangeRefused) as refused:
        bindings.change_phone(
            ACCOUNT, verification_id=new, reauth=ReauthProof(verification_id=reauth)
        )
    assert refused.value.reason == "verification_not_usable"


def test_reauthentication_is_required(service, bindings, account) -> None:
    new = approved(service, NEW, "phone_change")
    with pytest.raises(PhoneChangeRefused) as refused:
        bindings.change_phone(ACCOUNT, verification_id=new, reauth=ReauthProof())
    assert refused.value.reason == "reauthentication_required"


def test_reauthentication_with_the_new_number_is_refused(service, bindings, account) -> None:
    """A SIM-swapper holds only the new number: proving it twice is not enough."""
    new = approved(service, NEW, "phone_change")
    fake_reauth = approved(service, NEW, "step_up")
    with pytest.raises(PhoneChangeRefused) as refused:
        bindings.change_phone(
            ACCOUNT, verification_id=new, reauth=ReauthProof(verification_id=fake_reauth)
        )
    assert refused.value.reason == "reauthentication_failed"


def test_new_number_must_be_verified_for_this_account(service, bindings, account) -> None:
    reauth = approved(service, MOBILE, "step_up")
    other = approved(service, NEW, "phone_change", account="someone-else")
    with pytest.raises(PhoneChangeRefused):
        bindings.change_phone(
            ACCOUNT, verification_id=other, reauth=ReauthProof(verification_id=reauth)
        )
    login = approved(service, NEW, "login")
    with pytest.raises(PhoneChangeRefused):  # wrong purpose
        bindings.change_phone(
            ACCOUNT, verification_id=login, reauth=ReauthProof(verification_id=reauth)
        )


def test_stale_approvals_are_refused(service, bindings, account, clock) -> None:
    reauth = approved(service, MOBILE, "step_up")
    new = approved(service, NEW, "phone_change")
    clock.advance(minutes=11)
    with pytest.raises(PhoneChangeRefused):
        bindings.change_phone(
            ACCOUNT, verification_id=new, reauth=ReauthProof(verification_id=reauth)
        )


def test_change_with_the_authenticator_app(service, bindings, account, clock) -> None:
    enrollment = bindings.factors.enroll(ACCOUNT)
    totp = pyotp.TOTP(enrollment.secret)
    bindings.factors.confirm(ACCOUNT, totp.at(clock.now().timestamp()))
    clock.advance(seconds=30)
    new = approved(service, NEW, "phone_change")
    with pytest.raises(PhoneChangeRefused):
        bindings.change_phone(ACCOUNT, verification_id=new, reauth=ReauthProof(totp_code="000000"))
    changed = bindings.change_phone(
        ACCOUNT,
        verification_id=new,
        reauth=ReauthProof(totp_code=totp.at(clock.now().timestamp())),
    )
    assert changed.notified_phones == 1


def test_second_phone_binding_needs_a_change(service, bindings, account) -> None:
    with pytest.raises(PhoneChangeRefused) as refused:
        bindings.bind_phone(ACCOUNT, approved(service, NEW, "signup"))
    assert refused.value.reason == "phone_already_bound"
