"""Opt-out keywords: a reply such as ``STOP`` withdraws every SMS consent of the number that
sent it, at once (US carriers and the TCPA expect these words to be honoured)."""

from __future__ import annotations

from datetime import datetime

from ringfence.compliance.consent import ConsentLedger
from ringfence.compliance.model import ContactChannel, Evidence, LawfulBasis
from ringfence.phone import PhoneNumber

# The CTIA opt-out words, matched on the whole message, case and spacing aside.
STOP_WORDS = frozenset(
    {
        "STOP",
        "STOPALL",
        "STOP ALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
        "OPT OUT",
        "OPT-OUT",
    }
)


def is_opt_out(text: str) -> bool:
    """Whether a message is an opt-out keyword (the whole message, nothing else)."""
    return " ".join(text.strip().upper().split()) in STOP_WORDS


def honour_opt_out(
    ledger: ConsentLedger,
    sender: PhoneNumber,
    text: str,
    *,
    received_at: datetime | None = None,
    source: str = "sms",
) -> int | None:
    """Revoke the sender's SMS consents if ``text`` is an opt-out keyword; returns how many
    were revoked, or ``None`` when the message is not an opt-out."""
    if not is_opt_out(text):
        return None
    evidence = Evidence(
        method="sms_keyword",
        lawful_basis=LawfulBasis.CONSENT,
        source=source,
        note=" ".join(text.strip().upper().split()),
    )
    return ledger.revoke_everything(
        sender, channel=ContactChannel.SMS, evidence=evidence, received_at=received_at
    )
