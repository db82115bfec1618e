"""The audit log: one row per state change, written in the transaction that made it, and
hash-chained.

The log is :data:`LANES` independent chains (lanes). In a lane, entry ``n`` stores
``hash = SHA-256(prev_hash || canonical JSON of (seq, at, action, subject_type, subject_id,
actor, details))`` with ``prev_hash`` the hash of the lane's entry ``n-1`` (32 zero bytes
before the first). An append first bumps its lane's row of ``audit_head`` (a write that
serializes the lane's appends on SQLite and PostgreSQL alike), so sequence numbers have no
gaps and a chain no forks; a transaction appends all its events to one lane picked at
random, so concurrent transactions rarely wait for each other (one chain made every state
change of every worker queue on one row lock until commit). :func:`verify_chain`
recomputes every lane: a modified entry, a deleted one (a gap), a reordered one, one moved
to another lane, or entries cut off the end (the head disagrees) are reported with the lane
and the first bad sequence number. Anchor the heads' digest elsewhere (``ringfence audit
verify`` prints it) to detect chains rewritten from scratch.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Integer, Row, Table, bindparam, insert, select, update

from ringfence.store.models import AuditEventRow, AuditHeadRow

AUDIT = cast(Table, AuditEventRow.__table__)
HEAD = cast(Table, AuditHeadRow.__table__)
GENESIS = bytes(32)
LANES = 16  # head rows 1..16 (migration 0014)


def record_event(
    connection: Connection,
    *,
    at: datetime,
    action: str,
    subject_type: str,
    subject_id: str,
    actor: str | None = None,
    details: dict[str, Any] | None = None,
    lane: int | None = None,
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
        lane=lane,
    )


# Built once: statements reused with parameters skip SQLAlchemy's construction and
# cache-key work, which costs more than the round trip on a busy server.
_BUMP_HEAD = (
    update(HEAD)
    .where(HEAD.c.id == bindparam("lane_id"))
    .values(seq=HEAD.c.seq + bindparam("count", type_=Integer))
    .returning(HEAD.c.seq, HEAD.c.hash)
)
_SET_HEAD_HASH = (
    update(HEAD).where(HEAD.c.id == bindparam("lane_id")).values(hash=bindparam("digest"))
)
_INSERT = insert(AUDIT)


def record_events(
    connection: Connection, events: Sequence[Mapping[str, Any]], *, lane: int | None = None
) -> None:
    """Append several events (each with ``at``, ``action``, ``subject_type``,
    ``subject_id`` and optionally ``actor`` and ``details``), in order, to one lane picked
    at random, with one update of its head: the head's row lock is what serializes a
    lane's appends, so a transaction appends its events together, last, just before it
    commits. ``lane`` (1 to :data:`LANES`) picks the lane instead."""
    if not events:
        return
    if lane is None:
        lane = random.randint(1, LANES)  # noqa: S311 (spreads lock contention; no secret)
    elif not 1 <= lane <= LANES:
        raise ValueError(f"audit lanes are numbered 1 to {LANES}")
    head = connection.execute(_BUMP_HEAD, {"lane_id": lane, "count": len(events)}).one()
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
        rows.append({**values, "lane": lane, "prev_hash": previous, "hash": digest})
    connection.execute(_INSERT, rows[0] if len(rows) == 1 else rows)
    connection.execute(_SET_HEAD_HASH, {"lane_id": lane, "digest": digest})


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
    """The outcome of :func:`verify_chain`: ``ok``, the entries checked, the heads (their
    total sequence count and :func:`heads_digest`, the value to anchor), and the first bad
    entry (its lane, sequence number, row id and why)."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    bad_seq: int | None = None
    bad_id: int | None = None
    problem: str | None = None
    bad_lane: int | None = None
    lanes: tuple[tuple[int, int, str], ...] = ()  # (lane, seq, hash hex): what to anchor

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "lanes": [{"lane": lane, "seq": seq, "hash": hash_} for lane, seq, hash_ in self.lanes],
            "first_bad": None
            if self.ok
            else {
                "lane": self.bad_lane,
                "seq": self.bad_seq,
                "id": self.bad_id,
                "problem": self.problem,
            },
        }


def heads_digest(heads: Sequence[tuple[int, int, bytes]]) -> str:
    """SHA-256 over every lane's (lane, seq, hash), in lane order: one value that changes
    whenever any lane grows or is rewritten."""
    digest = hashlib.sha256()
    for lane, seq, hash_ in sorted(heads):
        digest.update(f"{lane}:{seq}:".encode() + bytes(hash_))
    return digest.hexdigest()


@dataclass
class _Lane:
    seq: int
    hash: bytes
    previous: bytes = GENESIS
    expected: int = 1


def verify_chain(connection: Connection) -> ChainReport:
    """Recompute every lane's chain, in sequence order."""
    heads = connection.execute(select(HEAD.c.id, HEAD.c.seq, HEAD.c.hash)).all()
    lanes = {int(h.id): _Lane(int(h.seq), bytes(h.hash)) for h in heads}
    intact = ChainReport(
        ok=True,
        entries=0,
        head_seq=sum(lane.seq for lane in lanes.values()),
        head_hash=heads_digest([(int(h.id), int(h.seq), bytes(h.hash)) for h in heads]),
        lanes=tuple(sorted((int(h.id), int(h.seq), bytes(h.hash).hex()) for h in heads)),
    )
    count = 0
    query = select(AUDIT).order_by(AUDIT.c.lane, AUDIT.c.seq)
    with connection.execution_options(stream_results=True, yield_per=1000).execute(query) as rows:
        for row in rows:
            lane = lanes.get(int(row.lane))
            if lane is None:
                unknown = f"lane {row.lane} does not exist: the entry was forged or moved"
                bad = {"bad_lane": int(row.lane), "bad_seq": row.seq, "bad_id": row.id}
                return replace(intact, ok=False, entries=count, problem=unknown, **bad)
            problem = _problem(row, lane.expected, lane.previous)
            if problem is not None:
                bad = {"bad_lane": int(row.lane), "bad_seq": lane.expected, "bad_id": row.id}
                return replace(intact, ok=False, entries=count, problem=problem, **bad)
            lane.previous, lane.expected, count = bytes(row.hash), lane.expected + 1, count + 1
    for number, lane in sorted(lanes.items()):
        if lane.seq != lane.expected - 1 or lane.hash != lane.previous:
            problem = "entries from here on are missing (the head is further on)"
            bad = {"bad_lane": number, "bad_seq": lane.expected}
            return replace(intact, ok=False, entries=count, problem=problem, **bad)
    return replace(intact, entries=count)


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
    query = select(AUDIT).order_by(AUDIT.c.id.desc()).limit(limit)
    if subject_id is not None:
        query = query.where(AUDIT.c.subject_id == subject_id)
    return [dict(row._mapping) for row in connection.execute(query)]
