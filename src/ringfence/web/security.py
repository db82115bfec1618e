"""The dashboard's defences: security headers on every answer, CSRF tokens, same-origin
checks and rate-limited sign-in."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline script or style anywhere, no plug-ins, no framing, forms post only here.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on form
    # posts, and the same-origin check of every POST needs the real origin
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


class SecurityHeaders:
    """Adds :data:`HEADERS` to every HTTP answer; pages are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if not is_static:
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of two CSRF tokens (``False`` when either is missing)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


def same_origin(headers: Mapping[str, str], base_url: str) -> bool:
    """``Origin`` (or, failing it, ``Referer``) names this site — or is absent, as from
    clients that send neither; the CSRF token still has to match."""
    origin = headers.get("origin") or headers.get("referer")
    if not origin:
        return True
    site = base_url.rstrip("/")
    return origin == site or origin.startswith(site + "/")


class SignInLimiter:
    """Sign-in attempts per username and per client IP (``limits``, moving window), so
    that guessing passwords is slow whoever and wherever it comes from."""

    def __init__(self, storage_uri: str, limits: Mapping[str, str]) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._limits = {scope: parse_many(value) for scope, value in limits.items()}

    def allow(self, username: str, ip: str) -> bool:
        keys = {
            "username": hashlib.sha256(username.casefold().encode("utf-8", "replace")).hexdigest(),
            "ip": ip,
        }
        pairs = [
            (item, scope, keys[scope])
            for scope, items in self._limits.items()
            if scope in keys
            for item in items
        ]
        if not all(self._limiter.test(item, "signin", scope, key) for item, scope, key in pairs):
            return False
        for item, scope, key in pairs:
            self._limiter.hit(item, "signin", scope, key)
        return True
