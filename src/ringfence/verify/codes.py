"""One-time codes, drawn from ``secrets`` (their hashing lives in ``ringfence.crypto.otp``)."""

from __future__ import annotations

import secrets


def new_code(length: int = 6) -> str:
    """A uniformly random code of ``length`` decimal digits."""
    return f"{secrets.randbelow(10**length):0{length}d}"


def new_verification_id() -> str:
    """``VE`` and 32 random hex digits (the shape Twilio Verify users know)."""
    return "VE" + secrets.token_hex(16)
