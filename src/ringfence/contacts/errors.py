"""Errors of the contact store (part of the one error tree)."""

from __future__ import annotations

from ringfence.errors import RingfenceError


class ContactNotFound(RingfenceError, LookupError):
    """No contact with that id (or it was erased)."""

    default_reason = "contact_not_found"


class ConcurrentUpdate(RingfenceError, RuntimeError):
    """Someone else changed the contact meanwhile; read it again and retry."""

    default_reason = "concurrent_update"
