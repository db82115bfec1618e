"""Data-quality report of the phone numbers in a contact store.

Each check counts affected contact points and keeps a few masked examples:

* ``invalid_now`` / ``possible_but_invalid`` / ``type_changed``: re-validation of every
  stored number with today's metadata (numbers were valid when stored; ranges change);
* ``region_mismatch``: the number's region is not the contact's country;
* ``missing_country_code``: written without one, read in a default region (a guess);
* ``fixed_line_in_mobile_field``: a fixed line under the label "mobile";
* ``premium_rate``, ``toll_free``, ``shared_cost``: costly or unreachable by SMS;
* ``shared_number``: one number on many contacts (switchboards, households);
* ``possible_duplicates``: one number on exactly two contacts;
* ``not_verified``: never verified, or not for ``not_verified_days``.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import select

from ringfence.contacts.store import ContactStore
from ringfence.errors import InvalidPhoneNumber
from ringfence.phone import metadata_version, parse
from ringfence.store.models import ContactRow, PhoneRow

SHARED_THRESHOLD = 3
EXAMPLES = 3
COSTLY_TYPES = {"premium_rate", "toll_free", "shared_cost"}


@dataclass
class Check:
    """One quality check: how many contact points it flags, and masked examples."""

    count: int = 0
    examples: list[dict[str, str]] = field(default_factory=list)

    def flag(self, contact_id: Any, masked: str) -> None:
        self.count += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append({"contact_id": str(contact_id), "number": masked})


@dataclass
class QualityReport:
    """Counts per check over ``phones`` active contact points of ``contacts`` contacts."""

    contacts: int
    phones: int
    metadata_version: str
    checks: dict[str, Check]

    def to_dict(self) -> dict[str, Any]:
        return {
            "contacts": self.contacts,
            "phones": self.phones,
            "metadata_version": self.metadata_version,
            "checks": {
                name: {"count": c.count, "examples": c.examples} for name, c in self.checks.items()
            },
        }


CHECKS = (
    "invalid_now",
    "possible_but_invalid",
    "type_changed",
    "region_mismatch",
    "missing_country_code",
    "fixed_line_in_mobile_field",
    "premium_rate",
    "toll_free",
    "shared_cost",
    "shared_number",
    "possible_duplicates",
    "not_verified",
)


def quality_report(store: ContactStore, *, not_verified_days: int = 365) -> QualityReport:
    """Run every check over the active contact points of active contacts."""
    checks = {name: Check() for name in CHECKS}
    cutoff = store.clock.now() - timedelta(days=not_verified_days)
    by_number: dict[bytes, set[Any]] = defaultdict(set)
    masked_by_number: dict[bytes, str] = {}
    contacts: set[Any] = set()
    phones = 0
    with store._session() as session:
        rows = session.execute(
            select(PhoneRow, ContactRow.country)
            .join(ContactRow, ContactRow.id == PhoneRow.contact_id)
            .where(ContactRow.status == "active", PhoneRow.status == "active")
        ).all()
        for phone, country in rows:
            phones += 1
            contacts.add(phone.contact_id)
            number = store.sealer.open(phone)
            masked = number.masked()
            key = store.sealer.indexer.exact(number.e164)
            by_number[key].add(phone.contact_id)
            masked_by_number[key] = masked
            _revalidate(checks, phone, number.e164, masked)
            if phone.country_code_inferred:
                checks["missing_country_code"].flag(phone.contact_id, masked)
            if country and number.region and number.region != country:
                checks["region_mismatch"].flag(phone.contact_id, masked)
            if phone.label == "mobile" and phone.number_type == "fixed_line":
                checks["fixed_line_in_mobile_field"].flag(phone.contact_id, masked)
            if phone.number_type in COSTLY_TYPES:
                checks[phone.number_type].flag(phone.contact_id, masked)
            verified = phone.last_verified_at
            if verified is not None and verified.tzinfo is None:
                verified = verified.replace(tzinfo=UTC)
            if verified is None or verified < cutoff:
                checks["not_verified"].flag(phone.contact_id, masked)
    for key, holders in by_number.items():
        if len(holders) >= SHARED_THRESHOLD:
            for holder in holders:
                checks["shared_number"].flag(holder, masked_by_number[key])
        elif len(holders) == 2:
            for holder in holders:
                checks["possible_duplicates"].flag(holder, masked_by_number[key])
    return QualityReport(len(contacts), phones, metadata_version(), checks)


def _revalidate(checks: dict[str, Check], phone: PhoneRow, e164: str, masked: str) -> None:
    try:
        today = parse(e164)
    except InvalidPhoneNumber:
        checks["invalid_now"].flag(phone.contact_id, masked)
        return
    if not today.is_valid:
        checks["invalid_now"].flag(phone.contact_id, masked)
        if today.is_possible:
            checks["possible_but_invalid"].flag(phone.contact_id, masked)
    elif today.number_type.value != phone.number_type:
        checks["type_changed"].flag(phone.contact_id, masked)


def _bars(values: dict[str, int]) -> str:
    """A horizontal bar chart as inline SVG: no script, nothing loaded from anywhere."""
    top = max(values.values(), default=0) or 1
    height = 22 * len(values) + 10
    bars = []
    for i, (label, value) in enumerate(values.items()):
        width = 420 * value / top
        y = 5 + 22 * i
        bars.append(
            f'<text x="0" y="{y + 14}" font-size="12">{html.escape(label)}</text>'
            f'<rect x="220" y="{y}" width="{width:.1f}" height="16" fill="#3b6ea5"/>'
            f'<text x="{225 + width:.1f}" y="{y + 13}" font-size="12">{value}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="720" height="{height}" '
        f'role="img" aria-label="counts per check">{"".join(bars)}</svg>'
    )


def report_html(report: QualityReport) -> str:
    """A self-contained HTML page of the report (numbers masked)."""
    data = report.to_dict()
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{check['count']}</td><td>"
        + ", ".join(html.escape(e["number"]) for e in check["examples"])
        + "</td></tr>"
        for name, check in data["checks"].items()
    )
    share = Counter({n: c["count"] for n, c in data["checks"].items()})
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>ringfence data quality</title>"
        "<style>body{font:14px system-ui,sans-serif;margin:2em}td,th{padding:4px 10px;"
        "border-bottom:1px solid #ddd;text-align:left}</style>"
        f"<h1>Phone data quality</h1><p>{data['contacts']} contacts, {data['phones']} "
        f"numbers, libphonenumber metadata {html.escape(data['metadata_version'])}.</p>"
        f"{_bars(dict(share))}"
        "<table><tr><th>check</th><th>numbers</th><th>examples (masked)</th></tr>"
        f"{rows}</table></html>"
    )
