"""Verification policy: documented defaults from NIST SP 800-63B-4 and OWASP ASVS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class VerificationPolicy:
    """The rules every verification follows.

    Attributes:
        code_length: digits per code (NIST: at least 6), drawn with ``secrets``.
        lifetime: how long a verification accepts its code (NIST: at most 10 minutes).
            A resend sends a new code but does not extend the lifetime.
        max_checks: wrong checks per verification; a resend does not reset the count.
        max_sends: codes sent per verification (the first and its resends).
        max_account_failures: consecutive wrong checks per account across all its
            verifications (NIST: at most 100) before the account is locked.
        account_lock: how long a locked account stays locked.
        resend_cooldown: wait before the first resend; each further resend waits
            ``resend_backoff`` times longer.
        segment_budget: SMS segments a code message may use.
    """

    code_length: int = 6
    lifetime: timedelta = timedelta(minutes=10)
    max_checks: int = 5
    max_sends: int = 5
    max_account_failures: int = 100
    account_lock: timedelta = timedelta(hours=1)
    resend_cooldown: timedelta = timedelta(seconds=30)
    resend_backoff: float = 2.0
    segment_budget: int = 3

    def __post_init__(self) -> None:
        if self.code_length < 6:
            raise ValueError("codes must have at least 6 digits (NIST SP 800-63B)")
        if self.lifetime > timedelta(minutes=10):
            raise ValueError("a code may live at most 10 minutes (NIST SP 800-63B)")
        if not 1 <= self.max_checks <= 10 or not 1 <= self.max_account_failures <= 100:
            raise ValueError("check limits must be between 1 and 10, account limits 1 to 100")

    def cooldown_after(self, sends: int) -> timedelta:
        """The wait before the next send, after ``sends`` codes were sent."""
        return self.resend_cooldown * (self.resend_backoff ** max(0, sends - 1))


DEFAULT_POLICY = VerificationPolicy()
