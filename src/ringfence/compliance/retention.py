"""Retention: delete what is kept longer than its policy allows, every deletion audited.

Policies live in a TOML file (``RINGFENCE_RETENTION_POLICY`` or ``--policy``); each rule
names how long its records live (``90d``, ``6w``, ``13mo``, ``1y``), and a rule left out of
the file keeps its default::

    [unverified_numbers]     # phone contact points never verified, added this long ago
    after = "90d"
    [verifications]          # verifications, with their deliveries and development messages
    after = "30d"
    [interactions]           # the delivery log of messages sent to people
    after = "13mo"
    [webhook_deliveries]
    after = "30d"
    [traffic_counters]       # the SMS-pumping defence needs 14 days of them
    after = "400d"
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, Engine, delete, select

from ringfence.compliance.dsar import add_months
from ringfence.compliance.model import ComplianceError
from ringfence.store.audit import record_event
from ringfence.store.models import (
    DeliveryRow,
    OutboxMessageRow,
    PhoneRow,
    TrafficCounterRow,
    VerificationRow,
    WebhookDeliveryRow,
)

DEFAULTS = {
    "unverified_numbers": "90d",
    "verifications": "30d",
    "interactions": "13mo",
    "webhook_deliveries": "30d",
    "traffic_counters": "400d",
}
_AGE = re.compile(r"^\s*(\d{1,5})\s*(d|w|mo|y)\s*$")
AUDIT_IDS_PER_EVENT = 500


class RetentionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RINGFENCE_", extra="ignore", frozen=True)

    retention_policy: Path | None = None


@dataclass(frozen=True)
class Age:
    """A duration in days, weeks, months or years."""

    amount: int
    unit: str

    @classmethod
    def parse(cls, text: str) -> Age:
        match = _AGE.match(str(text))
        if not match or int(match.group(1)) == 0:
            raise ComplianceError(
                f"{text!r} is not a retention period like 90d, 6w, 13mo or 1y",
                reason="bad_retention_period",
            )
        return cls(int(match.group(1)), match.group(2))

    def before(self, now: datetime) -> datetime:
        """The cut-off: records older than this are due."""
        if self.unit == "d":
            return now - timedelta(days=self.amount)
        if self.unit == "w":
            return now - timedelta(weeks=self.amount)
        return add_months(now, -(self.amount if self.unit == "mo" else 12 * self.amount))

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@dataclass(frozen=True)
class RetentionPolicy:
    rules: dict[str, Age] = field(
        default_factory=lambda: {name: Age.parse(age) for name, age in DEFAULTS.items()}
    )

    @classmethod
    def load(cls, path: Path | None = None) -> RetentionPolicy:
        """The defaults, with what the TOML file at ``path`` (or the setting) changes."""
        path = path or RetentionSettings().retention_policy
        if path is None:
            return cls()
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ComplianceError(
                f"cannot read the retention policy ({type(exc).__name__})",
                reason="bad_retention_policy",
            ) from None
        unknown = set(data) - set(DEFAULTS)
        if unknown:
            raise ComplianceError(
                f"unknown retention rules {sorted(unknown)}", reason="bad_retention_policy"
            )
        rules = dict(cls().rules)
        for name, section in data.items():
            if not isinstance(section, dict) or set(section) != {"after"}:
                raise ComplianceError(
                    f"[{name}] takes one key, after", reason="bad_retention_policy"
                )
            rules[name] = Age.parse(section["after"])
        return cls(rules)


Finder = Callable[[Connection, datetime], list[Any]]
Deleter = Callable[[Connection, list[Any]], None]


def _unverified(connection: Connection, cutoff: datetime) -> list[Any]:
    query = select(PhoneRow.id).where(
        PhoneRow.last_verified_at.is_(None), PhoneRow.valid_from < cutoff
    )
    return list(connection.execute(query).scalars())


def _verifications(connection: Connection, cutoff: datetime) -> list[Any]:
    query = select(VerificationRow.id).where(VerificationRow.created_at < cutoff)
    return list(connection.execute(query).scalars())


def _delete_verifications(connection: Connection, ids: list[Any]) -> None:
    connection.execute(delete(DeliveryRow).where(DeliveryRow.verification_id.in_(ids)))
    connection.execute(delete(OutboxMessageRow).where(OutboxMessageRow.verification_id.in_(ids)))
    connection.execute(delete(VerificationRow).where(VerificationRow.id.in_(ids)))


def _older(model: Any, column: str) -> Finder:
    def find(connection: Connection, cutoff: datetime) -> list[Any]:
        key = model.__table__.primary_key.columns.values()
        # a Date column (traffic counters' day) compares with the cut-off's date
        bound = cutoff.date() if column == "day" else cutoff
        query = select(*key).where(getattr(model, column) < bound)
        rows = connection.execute(query).all()
        return [tuple(row) if len(key) > 1 else row[0] for row in rows]

    return find


def _delete_by_key(model: Any) -> Deleter:
    def remove(connection: Connection, keys: list[Any]) -> None:
        columns = model.__table__.primary_key.columns.values()
        if len(columns) == 1:
            connection.execute(delete(model).where(columns[0].in_(keys)))
            return
        for key in keys:  # composite keys (traffic counters): few rows a day
            connection.execute(
                delete(model).where(
                    *(column == value for column, value in zip(columns, key, strict=True))
                )
            )

    return remove


RULES: dict[str, tuple[Finder, Deleter]] = {
    "unverified_numbers": (_unverified, _delete_by_key(PhoneRow)),
    "verifications": (_verifications, _delete_verifications),
    "interactions": (_older(DeliveryRow, "created_at"), _delete_by_key(DeliveryRow)),
    "webhook_deliveries": (_older(WebhookDeliveryRow, "at"), _delete_by_key(WebhookDeliveryRow)),
    "traffic_counters": (
        _traffic_older := _older(TrafficCounterRow, "day"),
        _delete_by_key(TrafficCounterRow),
    ),
}


def run_retention(
    engine: Engine,
    policy: RetentionPolicy,
    *,
    now: datetime,
    dry_run: bool = False,
    actor: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Apply every rule; with ``dry_run``, only count. Returns per rule the period, the
    cut-off and how many records are (or would be) deleted."""
    now = now.astimezone(UTC)
    report: dict[str, dict[str, Any]] = {}
    for name, age in policy.rules.items():
        finder, deleter = RULES[name]
        cutoff = age.before(now)
        with engine.begin() as connection:
            keys = finder(connection, cutoff)
            if keys and not dry_run:
                deleter(connection, keys)
                _audit(connection, name, keys, now, actor)
        report[name] = {"after": str(age), "cutoff": cutoff.isoformat(), "deleted": len(keys)}
    return report


def _audit(
    connection: Connection, rule: str, keys: list[Any], now: datetime, actor: str | None
) -> None:
    for start in range(0, len(keys), AUDIT_IDS_PER_EVENT):
        batch = keys[start : start + AUDIT_IDS_PER_EVENT]
        record_event(
            connection,
            at=now,
            action="retention.deleted",
            subject_type="retention_rule",
            subject_id=rule,
            actor=actor,
            details={"count": len(batch), "records": [_key(key) for key in batch]},
        )


def _key(key: Any) -> Any:
    # traffic counter keys are (scope, keyed hash, day): no number in them
    return [str(part) for part in key] if isinstance(key, tuple) else str(key)
