"""The account-history rule: a recently bound number, a number nobody holds, a number many
accounts share."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ringfence.phone import normalize
from ringfence.risk import RiskAction, RiskContext, RiskGate
from ringfence.testing import FakeClock

NUMBER = normalize("+33612345678")


@pytest.mark.parametrize(
    ("fields", "action", "codes"),
    [
        ({"phone_added_at": timedelta(days=2)}, "recovery", ["recent_phone_change"]),
        ({"phone_added_at": timedelta(days=2)}, "step_up", ["recent_phone_change"]),
        ({"phone_added_at": timedelta(days=2)}, "login", []),
        ({"phone_added_at": timedelta(days=8)}, "recovery", []),
        ({"number_known": False}, "login", ["number_new_to_system"]),
        ({"number_known": True}, "login", []),
        ({"number_known": False}, "signup", []),
        ({"accounts_with_phone": 3}, "login", ["number_shared"]),
        ({"accounts_with_phone": 2}, "login", []),
    ],
)
def test_history_signals(fields, action, codes) -> None:
    clock = FakeClock()
    if "phone_added_at" in fields:
        fields = {**fields, "phone_added_at": clock.now() - fields["phone_added_at"]}
    decision = RiskGate(clock=clock).assess(RiskContext(action=action, phone=NUMBER, **fields))
    assert [r.code for r in decision.reasons] == codes
    assert decision.action is (RiskAction.CHALLENGE if codes else RiskAction.ALLOW)


def test_without_history_the_rule_says_so() -> None:
    decision = RiskGate().assess(RiskContext(action="login", phone=NUMBER))
    entry = next(t for t in decision.trace if t.rule == "history")
    assert entry.outcome == "unavailable"


def test_service_feeds_the_binding_date(service, clock) -> None:
    from ringfence.verify.accounts import AccountBindings
    from ringfence.verify.totp import TotpFactors
    from tests.verify.conftest import last_code

    service.risk = RiskGate(clock=clock)
    bindings = AccountBindings(service, TotpFactors(service.engine, service.keyring, clock=clock))
    signup = service.start(NUMBER, purpose="signup", account_id="acct-h")
    service.check(signup.id, last_code(service))
    bindings.bind_phone("acct-h", signup.id)
    started = service.prepare(NUMBER, purpose="step_up", account_id="acct-h")
    assert started.risk is not None
    assert [r.code for r in started.risk.reasons] == ["recent_phone_change"]
    clock.advance(days=8)
    later = service.prepare(NUMBER, purpose="step_up", account_id="acct-h")
    assert later.risk is not None and later.risk.reasons == []


def test_service_says_whether_the_number_is_new_to_the_system(service, clock) -> None:  # type: ignore[no-untyped-def]
    service.risk = RiskGate(clock=clock)
    contacts: set[str] = set()
    asked: list[str] = []

    def known(number):  # type: ignore[no-untyped-def]
        asked.append(number.e164)
        return number.e164 in contacts

    service.known_number = known
    unknown = service.prepare(NUMBER, purpose="login")
    assert unknown.risk is not None
    assert [r.code for r in unknown.risk.reasons] == ["number_new_to_system"]
    contacts.add(NUMBER.e164)
    clock.advance(minutes=11)
    held = service.prepare(NUMBER, purpose="login")
    assert held.risk is not None and held.risk.reasons == []
    before = len(asked)
    service.prepare("+33798765432", purpose="signup")  # the policy does not ask for signups
    assert len(asked) == before
