"""Import contacts from CSV, Excel, JSON Lines or Parquet files.

Every row ends up created, updated (its external id exists), merged (one of its numbers
belongs to a contact of the same name), unchanged (imported before: same keyed fingerprint)
or rejected with its row number, column and reason code. Rows are written in batches, each
its own transaction: a crash leaves whole batches, and a re-run skips what is in already.
``dry_run`` does all of it in one transaction that is rolled back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ringfence.contacts.columns import ColumnMap, build_map
from ringfence.contacts.readers import Row, Unreadable, open_table
from ringfence.contacts.store import ContactStore, country_code_inferred
from ringfence.crypto import Purpose
from ringfence.errors import InputFileError, InvalidPhoneNumber
from ringfence.phone import PhoneNumber, PhoneReason, normalize
from ringfence.store.models import ContactRow, ImportFingerprint, PhoneRow


@dataclass(frozen=True)
class RejectedRow:
    """A row that was not imported: where and why (never its content)."""

    row: int
    column: str | None
    reason: str


@dataclass
class ImportReport:
    """Counts of what happened to every row; they add up to ``rows``."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    merged: int = 0
    unchanged: int = 0
    rejected: int = 0
    dry_run: bool = False
    rejects: list[RejectedRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "merged": self.merged,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "dry_run": self.dry_run,
        }


@dataclass
class _Prepared:
    name: str
    given_name: str | None
    family_name: str | None
    emails: list[str]
    phones: list[tuple[PhoneNumber, str, bool]]  # number, label, country code inferred
    country: str | None
    organization: str | None
    address: str | None
    external_id: str | None

    def canonical(self) -> bytes:
        return json.dumps(
            [
                self.name,
                sorted(self.emails),
                sorted(p.e164 for p, _, _ in self.phones),
                self.country,
                self.organization,
                self.address,
                self.external_id,
            ],
            ensure_ascii=False,
        ).encode()


def resolve_country(value: str) -> str | None:
    """ISO 3166-1 alpha-2 for a code (alpha-2 or alpha-3) or an English country name."""
    import pycountry

    text = value.strip()
    if len(text) == 2 and text.isalpha():
        return text.upper() if pycountry.countries.get(alpha_2=text.upper()) else None
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return None


def fold_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).casefold().split())


def _prepare(row: Row, columns: ColumnMap, default_region: str | None) -> _Prepared | RejectedRow:
    get = columns.fields.get
    country_column = get("country")
    country = None
    if country_column and row.get(country_column):
        country = resolve_country(row[country_column] or "")
        if country is None:
            return RejectedRow(0, country_column, "unknown_country")
    elif get("address") and row.get(get("address") or ""):
        # "10 Downing Street, London, United Kingdom": the last part may name the country.
        country = resolve_country((row.get(get("address") or "") or "").split(",")[-1])
    region = country or default_region
    phones: list[tuple[PhoneNumber, str, bool]] = []
    for column, label in columns.phones:
        raw = row.get(column)
        if not raw:
            continue
        try:
            phones.append((normalize(raw, region), label, country_code_inferred(raw)))
        except InvalidPhoneNumber as exc:
            reason = exc.reason_code
            if exc.reason is PhoneReason.INVALID_COUNTRY_CODE and region is None:
                reason = "missing_region"
            return RejectedRow(0, column, reason)
    emails = []
    for column in columns.emails:
        value = row.get(column)
        if value:
            if "@" not in value or value.startswith("@") or value.endswith("@"):
                return RejectedRow(0, column, "invalid_email")
            emails.append(value)
    given = row.get(get("given_name") or "")
    family = row.get(get("family_name") or "")
    name = row.get(get("name") or "") or " ".join(filter(None, [given, family]))
    if not (name or phones or emails):
        return RejectedRow(0, None, "empty_row")
    return _Prepared(
        name=name or (emails[0] if emails else "(no name)"),
        given_name=given,
        family_name=family,
        emails=emails,
        phones=phones,
        country=country,
        organization=row.get(get("organization") or ""),
        address=row.get(get("address") or ""),
        external_id=row.get(columns.external_id) if columns.external_id else None,
    )


class _Writer:
    """Applies prepared rows to the store inside one session."""

    def __init__(self, store: ContactStore, session: Session) -> None:
        self.store = store
        self.session = session
        self.keyring = store.sealer.keyring

    def fingerprints(self, item: _Prepared) -> list[str]:
        payload = item.canonical()
        return [
            hmac.new(
                self.keyring.key(Purpose.IMPORT_FINGERPRINT, v), payload, hashlib.sha256
            ).hexdigest()
            for v in self.keyring.versions
        ]

    def apply(self, item: _Prepared) -> str:
        prints = self.fingerprints(item)
        if self.session.scalars(
            select(ImportFingerprint.contact_id).where(ImportFingerprint.fingerprint.in_(prints))
        ).first():
            return "unchanged"
        outcome, contact_id = self._place(item)
        self.session.add(
            ImportFingerprint(
                fingerprint=prints[-1], contact_id=contact_id, created_at=self.store.clock.now()
            )
        )
        self.session.flush()
        return outcome

    def _place(self, item: _Prepared) -> tuple[str, uuid.UUID]:
        if item.external_id:
            existing = self.session.scalars(
                select(ContactRow).where(ContactRow.external_id == item.external_id)
            ).first()
            if existing is not None:
                return ("updated" if self._merge(existing, item) else "unchanged"), existing.id
        same_person = self._same_person(item)
        if same_person is not None:
            self._merge(same_person, item)
            return "merged", same_person.id
        return "created", self._create(item)

    def _same_person(self, item: _Prepared) -> ContactRow | None:
        indexer = self.store.sealer.indexer
        wanted = fold_name(item.name)
        for number, _, _ in item.phones:
            rows = self.session.scalars(
                select(ContactRow)
                .join(PhoneRow, PhoneRow.contact_id == ContactRow.id)
                .where(
                    PhoneRow.exact_index.in_(indexer.exact_all_versions(number.e164)),
                    ContactRow.status == "active",
                )
            ).all()
            for row in rows:
                if fold_name(row.display_name) == wanted:
                    return row
        return None

    def _merge(self, row: ContactRow, item: _Prepared) -> bool:
        changed = False
        held = {self.store.sealer.open(p).e164 for p in row.phones}
        for number, label, inferred in item.phones:
            if number.e164 not in held:
                row.phones.append(
                    self.store._phone_row(
                        number, label, not row.phones, "import", inferred=inferred
                    )
                )
                held.add(number.e164)
                changed = True
        new_emails = [e for e in item.emails if e not in row.emails]
        if new_emails:
            row.emails = [*row.emails, *new_emails]
            changed = True
        for attribute in ("given_name", "family_name", "organization", "country"):
            if getattr(row, attribute) is None and getattr(item, attribute):
                setattr(row, attribute, getattr(item, attribute))
                changed = True
        if changed:
            row.updated_at = self.store.clock.now()
        return changed

    def _create(self, item: _Prepared) -> uuid.UUID:
        now = self.store.clock.now()
        row = ContactRow(
            id=uuid.uuid4(),
            external_id=item.external_id,
            display_name=item.name,
            given_name=item.given_name,
            family_name=item.family_name,
            organization=item.organization,
            emails=item.emails,
            addresses=[{"text": item.address, "country": item.country}] if item.address else [],
            country=item.country,
            tags=[],
            custom={},
            status="active",
            created_at=now,
            updated_at=now,
        )
        for position, (number, label, inferred) in enumerate(item.phones):
            row.phones.append(
                self.store._phone_row(number, label, position == 0, "import", inferred=inferred)
            )
        self.session.add(row)
        self.session.flush()
        return row.id


def import_contacts(
    store: ContactStore,
    path: Path,
    *,
    id_column: str | None = None,
    mapping: dict[str, list[str]] | None = None,
    region: str | None = None,
    dry_run: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    batch_size: int = 500,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import ``path`` into ``store``; see the module docstring for what happens to rows.

    Raises:
        InputFileError: the file cannot be read, or a mapping names a missing column.
    """
    table = open_table(path, encoding=encoding, delimiter=delimiter)
    try:
        columns = build_map(table.headers, mapping or {}, id_column)
    except ValueError as exc:
        raise InputFileError(str(exc), reason="bad_mapping") from None
    default_region = region.strip().upper() if region else None
    report = ImportReport(dry_run=dry_run)
    if dry_run:
        with store._sessions() as session:
            _run(_Writer(store, session), table.rows, columns, default_region, report, on_progress)
            session.rollback()
        return report
    rows = iter(table.rows)
    while True:
        batch = list(_take(rows, batch_size))
        if not batch:
            return report
        with store._session() as session:
            _run(_Writer(store, session), iter(batch), columns, default_region, report, on_progress)


def _take(rows: Iterator[Any], n: int) -> Iterator[Any]:
    for _ in range(n):
        try:
            yield next(rows)
        except StopIteration:
            return


def _run(
    writer: _Writer,
    rows: Iterator[tuple[int, Row | Unreadable]],
    columns: ColumnMap,
    default_region: str | None,
    report: ImportReport,
    on_progress: Callable[[int], None] | None,
) -> None:
    for number, row in rows:
        report.rows += 1
        if isinstance(row, Unreadable):
            outcome: _Prepared | RejectedRow = RejectedRow(number, None, row.reason)
        else:
            outcome = _prepare(row, columns, default_region)
        if isinstance(outcome, RejectedRow):
            report.rejected += 1
            report.rejects.append(RejectedRow(number, outcome.column, outcome.reason))
        else:
            result = writer.apply(outcome)
            setattr(report, result, getattr(report, result) + 1)
        if on_progress and report.rows % 100 == 0:
            on_progress(report.rows)
