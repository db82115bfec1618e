"""Random bearer tokens (API keys) and HMAC signatures of outgoing bodies (webhooks)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping

API_KEY_PREFIX = "rf_"


def new_api_key() -> str:
    """A new API key: ``rf_`` and 256 random bits, URL-safe."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def api_key_digest(key: str) -> bytes:
    """What is stored of an API key. A plain SHA-256 suffices: the key has 256 bits of
    entropy, so nothing can be enumerated (unlike a phone number)."""
    return hashlib.sha256(key.encode()).digest()


def sign(secret: bytes, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``body``: the webhook signature header's value."""
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def signature_matches(secret: bytes, body: bytes, signature: str) -> bool:
    """Constant-time check of a signature made by :func:`sign`."""
    return hmac.compare_digest(sign(secret, body), signature)


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's request signature: base64 HMAC-SHA1 of the URL followed by each POST
    parameter's name and value, sorted by name (the ``X-Twilio-Signature`` header)."""
    data = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_signature_matches(
    auth_token: str, url: str, params: Mapping[str, str], signature: str
) -> bool:
    return hmac.compare_digest(twilio_signature(auth_token, url, params), signature)


def webhook_signature_header(secret: bytes, body: bytes, timestamp: int) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``: the timestamp is signed too,
    so a receiver can refuse replays of old deliveries."""
    return f"t={timestamp},v1={sign(secret, str(timestamp).encode() + b'.' + body)}"


def webhook_signature_matches(
    secret: bytes, body: bytes, header: str, *, now: int, tolerance: int = 300
) -> bool:
    """Check a ``X-Ringfence-Signature`` header (and that it is at most ``tolerance``
    seconds old)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, str(timestamp).encode() + b"." + body)
    return hmac.compare_digest(expected, fields.get("v1", ""))
