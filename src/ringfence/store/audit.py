"""The audit log: one row per state change, written in the transaction that made it, and
hash-chained.

Entry ``n`` stores ``hash = SHA-256(prev_hash || canonical JSON of (seq, at, action,
subject_type, subject_id, actor, details))`` with ``prev_hash`` the hash of entry ``n-1``
(32 zero bytes before the first). An append first bumps the one-row ``audit_head`` (a write
that serializes appends on SQLite and PostgreSQL alike), so sequence numbers have no gaps and
the chain no forks. :func:`verify_chain` recomputes it: a modified entry, a deleted one
(a gap), a reordered one, or entries cut off the end (the head disagrees) are reported with
the first bad sequence number. Anchor the head hash elsewhere (``ringfence audit verify``
prints it) to detect a chain rewritten from scratch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Integer, Row, Table, bindparam, insert, select, update

from ringfence.store.models import AuditEventRow, AuditHeadRow

AUDIT = cast(Table, AuditEventRow.__table__)
HEAD = cast(Table, AuditHeadRow.__table__)
GENESIS = bytes(32)


def record_event(
    connection: Connection,
    *,
    at: datetime,
    action: str,
    subject_type: str,
    subject_id: str,
    actor: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append an event. ``details`` must hold no number or code in clear (masked only)."""
    record_events(
        connection,
        [
            {
                "at": at,
                "action": action,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "actor": actor,
                "details": details,
            }
        ],
    )


# Built once: statements reused with parameters skip SQLAlchemy's construction and
# cache-key work, which costs more than the round trip on a busy server.
_BUMP_HEAD = (
    update(HEAD)
    .where(HEAD.c.id == 1)
    .values(seq=HEAD.c.seq + bindparam("count", type_=Integer))
    .returning(HEAD.c.seq, HEAD.c.hash)
)
_SET_HEAD_HASH = update(HEAD).where(HEAD.c.id == 1).values(hash=bindparam("digest"))
_INSERT = insert(AUDIT)


def record_events(connection: Connection, events: Sequence[Mapping[str, Any]]) -> None:
    """Append several events (each with ``at``, ``action``, ``subject_type``,
    ``subject_id`` and optionally ``actor`` and ``details``), in order, with one update of
    the head: the head's row lock is what serializes appends, so a transaction appends its
    events together, last, just before it commits."""
    if not events:
        return
    head = connection.execute(_BUMP_HEAD, {"count": len(events)}).one()
    seq, digest = head.seq - len(events), bytes(head.hash)
    rows = []
    for event in events:
        seq += 1
        values = {
            "seq": seq,
            "at": _utc(event["at"]),
            "action": event["action"],
            "subject_type": event["subject_type"],
            "subject_id": event["subject_id"],
            "actor": event.get("actor"),
            "details": event.get("details") or {},
        }
        previous, digest = digest, entry_hash(digest, values)
        rows.append({**values, "prev_hash": previous, "hash": digest})
    connection.execute(_INSERT, rows[0] if len(rows) == 1 else rows)
    connection.execute(_SET_HEAD_HASH, {"digest": digest})


def entry_hash(prev_hash: bytes, values: Mapping[str, Any]) -> bytes:
    """The chain hash of one entry."""
    content = [
        values["seq"],
        _utc(values["at"]).isoformat(),
        values["action"],
        values["subject_type"],
        values["subject_id"],
        values["actor"],
        values["details"],
    ]
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(bytes(prev_hash) + canonical.encode()).digest()


def _utc(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes: they were stored in UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class ChainReport:
    """The outcome of :func:`verify_chain`: ``ok``, the entries checked, the head, and the
    first bad entry (its sequence number, its row id and why)."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    bad_seq: int | None = None
    bad_id: int | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "first_bad": None
            if self.ok
            else {"seq": self.bad_seq, "id": self.bad_id, "problem": self.problem},
        }


def verify_chain(connection: Connection) -> ChainReport:
    """Recompute the whole chain, in sequence order."""
    head = connection.execute(select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == 1)).one()
    head_seq, head_hash = int(head.seq), bytes(head.hash).hex()
    previous, expected_seq, count = GENESIS, 1, 0
    query = select(AUDIT).order_by(AUDIT.c.seq)
    with connection.execution_options(stream_results=True, yield_per=1000).execute(query) as rows:
        for row in rows:
            problem = _problem(row, expected_seq, previous)
            if problem is not None:
                return ChainReport(False, count, head_seq, head_hash, expected_seq, row.id, problem)
            previous, expected_seq, count = bytes(row.hash), expected_seq + 1, count + 1
    if head_seq != count or head_hash != previous.hex():
        problem = "entries from here on are missing (the head is further on)"
        return ChainReport(False, count, head_seq, head_hash, count + 1, None, problem)
    return ChainReport(True, count, head_seq, head_hash)


def _problem(row: Row[Any], expected_seq: int, previous: bytes) -> str | None:
    if row.seq != expected_seq:
        return f"sequence {row.seq} where {expected_seq} was due: an entry was removed"
    if bytes(row.prev_hash) != previous:
        return "its link to the previous entry is broken: an entry was removed or reordered"
    if bytes(row.hash) != entry_hash(previous, dict(row._mapping)):
        return "its content does not match its hash: the entry was modified"
    return None


def list_events(
    connection: Connection, *, subject_id: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The newest events first, optionally of one subject."""
    query = select(AUDIT).order_by(AUDIT.c.seq.desc()).limit(limit)
    if subject_id is not None:
        query = query.where(AUDIT.c.subject_id == subject_id)
    return [dict(row._mapping) for row in connection.execute(query)]
