"""Tables of the store. Phone numbers appear only sealed, as blind indexes, and as
generalized attributes (country code, region, line type)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ContactRow(Base):
    """A customer profile."""

    __tablename__ = "contacts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    display_name: Mapped[str] = mapped_column(String(300))
    given_name: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200))
    organization: Mapped[str | None] = mapped_column(String(300))
    emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    addresses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    country: Mapped[str | None] = mapped_column(String(2))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    custom: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    merged_into: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Optimistic-lock counter: a concurrent writer that read an older revision fails loudly.
    revision: Mapped[int] = mapped_column(Integer, default=1)

    phones: Mapped[list[PhoneRow]] = relationship(
        back_populates="contact",
        cascade="all, delete-orphan",
        order_by="PhoneRow.created_at",
        lazy="selectin",
    )

    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012


class PhoneRow(Base):
    """A phone contact point: the number sealed, indexed blind, generalized in clear."""

    __tablename__ = "phone_contact_points"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(16), default="mobile")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    # AES-256-GCM of "E.164[;ext=N]", bound to this row; names its key version.
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int] = mapped_column(Integer)
    exact_index: Mapped[bytes] = mapped_column(LargeBinary(16), index=True)
    # Truncated suffix tokens packed as (last-4 token << 17) | last-6 token: one index.
    suffix_key: Mapped[int | None] = mapped_column(Integer, index=True)
    country_code: Mapped[int] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(3))
    number_type: Mapped[str] = mapped_column(String(24))
    metadata_version: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verification_method: Mapped[str | None] = mapped_column(String(32))
    delivery_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_delivery_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reassignment_result: Mapped[str | None] = mapped_column(String(16))
    reassignment_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str | None] = mapped_column(String(64))
    # True when the number was written without a country code and read in a default region.
    country_code_inferred: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    captured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    contact: Mapped[ContactRow] = relationship(back_populates="phones")


class ImportFingerprint(Base):
    """A keyed fingerprint of an imported row, and the contact it went into: importing the
    same row again is a no-op, whether it had created, updated or merged a contact."""

    __tablename__ = "import_fingerprints"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MergeRecord(Base):
    """What a merge moved, so that ``unmerge`` can put it back."""

    __tablename__ = "merge_records"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    survivor_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    merged_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    moved_phone_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    added_emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    previous_primary_id: Mapped[str | None] = mapped_column(String(36))
    probability: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKeyRow(Base):
    """An API key: only its SHA-256 is stored (the key is 256 random bits, shown once)."""

    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the key, kept to tell keys apart in listings.
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class VerificationRow(Base):
    """One verification: the destination sealed and blind-indexed, the code only as a keyed
    hash. Counters change only through conditional UPDATEs (see ringfence.verify.records)."""

    __tablename__ = "verifications"

    id: Mapped[str] = mapped_column(String(34), primary_key=True)
    to_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int] = mapped_column(Integer)
    to_index: Mapped[bytes] = mapped_column(LargeBinary(16), index=True)
    country_code: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    code_key_version: Mapped[int] = mapped_column(Integer)
    failed_checks: Mapped[int] = mapped_column(Integer, default=0)
    sends: Mapped[int] = mapped_column(Integer, default=1)
    # True when nothing was sent: a recovery to a number no account holds (anti-enumeration).
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set when an approval was spent on binding a phone: it cannot be spent twice.
    consumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The traffic counters its sends were counted under (JSON [[scope, key], ...]), so its
    # approval counts as verified under the same keys.
    traffic: Mapped[list[list[str]] | None] = mapped_column(JSON)


class VerificationAccountRow(Base):
    """Failures of an account across all its verifications, and its lock."""

    __tablename__ = "verification_accounts"

    account_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxMessageRow(Base):
    """A message of the development channel; destination and body sealed."""

    __tablename__ = "outbox_messages"

    # The integer orders messages; the random ref binds the sealed columns to the row.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ref: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    verification_id: Mapped[str | None] = mapped_column(String(34), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    to_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class AuditEventRow(Base):
    """Something that changed state: who, what, on which subject, when. Never a number or a
    code in clear: subjects are ids, details are masked."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("lane", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The hash chains: entry n of a lane has a hash covering its content and entry n-1's
    # hash, so a changed, removed or reordered entry breaks every hash after it in its lane
    # (``ringfence audit verify``). Lanes are independent chains, so that concurrent
    # transactions do not all queue on one head row.
    lane: Mapped[int] = mapped_column(SmallInteger, server_default="1")
    seq: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditHeadRow(Base):
    """A lane's head (``id`` is the lane): its last sequence number and hash. Every append
    to the lane updates this row first, which serializes the lane's appends (a fork is
    impossible) and lets verification notice entries cut off the end."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class TotpFactorRow(Base):
    """An account's authenticator app: the TOTP secret sealed, and the last time step
    accepted (a code is never accepted twice)."""

    __tablename__ = "totp_factors"

    account_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int] = mapped_column(Integer)
    last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecoveryCodeRow(Base):
    """A single-use recovery code, stored only as a keyed hash."""

    __tablename__ = "recovery_codes"

    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DeliveryRow(Base):
    """One message handed to a channel, and what the provider later reported about it."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    verification_id: Mapped[str | None] = mapped_column(String(34), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    provider_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(24))
    error_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_deliveries_channel_provider_id", "channel", "provider_id"),)


class WebhookDeliveryRow(Base):
    """One attempt to post an event to the webhook URL (the delivery log)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountContactRow(Base):
    """A phone number or email bound to an account (sealed; phones blind-indexed). Unbinding
    keeps the row with ``unbound_at`` set: previous numbers are notified of changes."""

    __tablename__ = "account_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ref: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    account_id: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int] = mapped_column(Integer)
    exact_index: Mapped[bytes | None] = mapped_column(LargeBinary(16), index=True)
    bound_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    unbound_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TrafficCounterRow(Base):
    """Codes sent, verified and refused per UTC day, per country (region code), destination
    prefix (country code and destination code), number block and client IP (both keyed
    hashes) and client IP x country: the SMS-pumping defence's counters and the conversion
    metrics."""

    __tablename__ = "traffic_counters"

    # Key order (scope, key, day, shard): a lookup reads one counter's days off the primary
    # key. A counter is split over a few shard rows, summed on reading: every send to a
    # country adds to that country's counter, and one row would make all of them wait for
    # each other's row lock until commit.
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default="0")
    sent: Mapped[int] = mapped_column(Integer, default=0)
    verified: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[int] = mapped_column(Integer, default=0)


class ConsentEventRow(Base):
    """One entry of the append-only consent ledger: consent to contact a number (bound to
    the number's blind index, not to a person) by a channel, for a purpose and a brand,
    granted or revoked, with its evidence sealed."""

    __tablename__ = "consent_events"
    __table_args__ = (
        Index("ix_consent_events_selector", "phone_index", "channel", "purpose", "brand"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ref: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    phone_index: Mapped[bytes] = mapped_column(LargeBinary(16))
    key_version: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(16))
    brand: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))
    # When the person gave or withdrew it (the law counts from here), and when we wrote it.
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A revocation must be honoured by then (US TCPA: 10 business days).
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lawful_basis: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(32))
    disclosure_version: Mapped[str | None] = mapped_column(String(64))
    # AES-GCM of the evidence JSON (disclosure text, source form, IP, user agent, note).
    evidence_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    actor: Mapped[str | None] = mapped_column(String(100))


class SuppressionRow(Base):
    """A number not to contact, for a brand and a channel (``*``: all): internal
    do-not-contact lists and national do-not-call registries. Only the number's keyed hash
    is kept, so the entry can outlive the person's erasure."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("phone_index", "list_name", "brand", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone_index: Mapped[bytes] = mapped_column(LargeBinary(16), index=True)
    key_version: Mapped[int] = mapped_column(Integer)
    list_name: Mapped[str] = mapped_column(String(32), index=True)
    brand: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str | None] = mapped_column(String(100))


class RegistryImportRow(Base):
    """One import of a national do-not-call registry file: which registry, its version and
    date (scrubbing refuses a registry older than the law allows), what was read."""

    __tablename__ = "registry_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # (``registry`` is taken: SQLAlchemy's declarative base uses the name.)
    registry_name: Mapped[str] = mapped_column(String(8), index=True)
    version: Mapped[str] = mapped_column(String(64))
    registry_date: Mapped[date] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    area_codes: Mapped[list[str]] = mapped_column(JSON, default=list)


class SubjectRequestRow(Base):
    """A data-subject request (access, erasure, rectification) about a phone number: the
    subject only as a keyed hash, the legal due date, and when it was done."""

    __tablename__ = "subject_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject_index: Mapped[bytes] = mapped_column(LargeBinary(16), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str | None] = mapped_column(String(100))
    # Counts of what was found, exported or erased: never the data itself.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DashboardUserRow(Base):
    """A person who signs in to the dashboard: an argon2id password hash and one role."""

    __tablename__ = "dashboard_users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DashboardSessionRow(Base):
    """A signed-in browser: the cookie's token only as a SHA-256 digest, its CSRF token."""

    __tablename__ = "dashboard_sessions"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dashboard_users.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
