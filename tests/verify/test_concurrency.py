"""Concurrent checks against one verification: never more failures counted than the policy
allows, never more than one approval (PostgreSQL row locks; SQLite serialized writers)."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from ringfence.store.models import VerificationAccountRow, VerificationRow
from ringfence.verify import Status, VerificationNotFound
from tests.conftest import without_hanging
from tests.verify.conftest import MOBILE, last_code


def test_100_wrong_and_10_right_checks_in_parallel(service) -> None:
    verification = service.start(MOBILE, account_id="acct-race")
    code = last_code(service)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    attempts = [wrong] * 100 + [code] * 10
    random.Random(7).shuffle(attempts)
    go = threading.Event()

    def check(guess: str) -> str:
        go.wait(timeout=30)  # all 20 workers start together
        try:
            return service.check(verification.id, guess).status.value
        except VerificationNotFound:
            return "not_found"  # a later right code, after the approval

    def run() -> list[str]:
        with ThreadPoolExecutor(max_workers=20) as pool:
            futures = [pool.submit(check, guess) for guess in attempts]
            go.set()
            return [future.result() for future in futures]

    outcomes = without_hanging(run, limit=240)
    with service.engine.connect() as connection:
        row = connection.execute(
            select(VerificationRow).where(VerificationRow.id == verification.id)
        ).one()
        account = connection.execute(select(VerificationAccountRow)).first()
    assert outcomes.count("approved") <= 1
    assert row.failed_checks <= service.policy.max_checks
    # counted per check that was counted; reset to 0 by the approval
    assert account is None or account.consecutive_failures <= service.policy.max_checks
    if row.status == Status.APPROVED.value:
        assert outcomes.count("approved") == 1
    else:
        assert row.status == Status.MAX_ATTEMPTS_REACHED.value
        assert row.failed_checks == service.policy.max_checks
        assert "approved" not in outcomes
