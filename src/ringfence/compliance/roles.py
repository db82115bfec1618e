"""Roles and what each may do, enforced by :func:`authorize` — the one check every shell
(API, dashboard, library callers) goes through.

* ``admin``: everything, including keys, API keys, roles, retention, the audit log and
  the development outbox.
* ``agent``: contacts with masked numbers; a number revealed only with a stated reason,
  audited; consent and suppression.
* ``analyst``: pseudonymized data and aggregates only.
* ``service``: the verification API only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ringfence.errors import RingfenceError


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    ANALYST = "analyst"
    SERVICE = "service"


class Permission(StrEnum):
    VERIFY = "verify"
    CONTACTS_READ = "contacts.read"
    CONTACTS_REVEAL = "contacts.reveal"
    CONTACTS_WRITE = "contacts.write"
    CONSENT_WRITE = "consent.write"
    ANALYTICS = "analytics"
    SUBJECT_REQUESTS = "subject_requests"
    RETENTION = "retention"
    AUDIT_READ = "audit.read"
    KEYS = "keys"
    OUTBOX = "outbox"  # the development channel's messages, codes included


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.AGENT: frozenset(
        {
            Permission.CONTACTS_READ,
            Permission.CONTACTS_REVEAL,
            Permission.CONTACTS_WRITE,
            Permission.CONSENT_WRITE,
        }
    ),
    Role.ANALYST: frozenset({Permission.ANALYTICS}),
    Role.SERVICE: frozenset({Permission.VERIFY}),
}

# The API key scopes of earlier versions, and the role each now means.
LEGACY_SCOPES = {
    "verify": Role.SERVICE,
    "contacts": Role.AGENT,
    "analytics": Role.ANALYST,
}


class PermissionDenied(RingfenceError, PermissionError):
    """The principal's roles do not allow this; ``reason`` names the missing permission."""

    default_reason = "permission_denied"


@dataclass(frozen=True)
class Principal:
    """Who acts: an API key, a dashboard user, or the operator at the command line."""

    id: str
    roles: frozenset[Role]

    @classmethod
    def of(cls, actor: str, *roles: Role | str) -> Principal:
        return cls(actor, frozenset(role_of(role) for role in roles))

    def can(self, permission: Permission) -> bool:
        return any(permission in PERMISSIONS[role] for role in self.roles)


# Whoever runs the command line holds the database and the root key: an administrator.
OPERATOR = Principal("operator", frozenset({Role.ADMIN}))


def role_of(name: Role | str) -> Role:
    """A role by name (earlier scope names accepted)."""
    if isinstance(name, Role):
        return name
    if name in LEGACY_SCOPES:
        return LEGACY_SCOPES[name]
    try:
        return Role(name)
    except ValueError:
        known = ", ".join(role.value for role in Role)
        raise PermissionDenied(f"unknown role; known: {known}", reason="unknown_role") from None


def authorize(principal: Principal, permission: Permission) -> Principal:
    """Return ``principal`` if it may do ``permission``, else raise :class:`PermissionDenied`."""
    if not principal.can(permission):
        raise PermissionDenied(
            f"this requires the '{permission.value}' permission", reason="permission_denied"
        )
    return principal
