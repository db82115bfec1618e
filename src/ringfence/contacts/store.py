"""ContactStore: customer profiles whose phone numbers are encrypted at rest and still
findable in any format a person types them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Engine, Select, Table, func, insert, or_, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ringfence.clock import Clock, system_clock
from ringfence.contacts.errors import ConcurrentUpdate, ContactNotFound
from ringfence.contacts.model import PHONE_LABELS, Contact, PhonePoint
from ringfence.contacts.sealing import PhoneSealer
from ringfence.crypto import Keyring, load_keyring
from ringfence.phone import PhoneNumber, normalize
from ringfence.settings import Settings, load_settings
from ringfence.store import make_engine, upgrade
from ringfence.store.models import ContactRow, PhoneRow

PhoneInput = str | PhoneNumber
CONTACTS = cast(Table, ContactRow.__table__)
PHONES = cast(Table, PhoneRow.__table__)


class ContactStore:
    """The CRM store. Open it with :meth:`open`; every method is one transaction."""

    def __init__(self, engine: Engine, keyring: Keyring, *, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.sealer = PhoneSealer(keyring)
        self.clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        settings: Settings | None = None,
        keyring: Keyring | None = None,
        migrate: bool = True,
        clock: Clock = system_clock,
    ) -> ContactStore:
        """Open (and by default migrate) the store at ``url``.

        Args:
            url: SQLAlchemy URL; default ``RINGFENCE_DATABASE_URL``, else ``sqlite:///ringfence.db``.
            settings: settings to read the URL and keys from (default: the environment).
            keyring: root keys (default: loaded from the settings' key provider).
            migrate: bring the schema to the newest migration first.
        """
        settings = settings or load_settings()
        engine = make_engine(url or settings.database_url)
        if migrate:
            upgrade(engine)
        return cls(engine, keyring or load_keyring(settings), clock=clock)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> ContactStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with self._sessions() as session, session.begin():
                yield session
        except StaleDataError:
            raise ConcurrentUpdate("the contact changed meanwhile: read it again") from None

    # -- contacts -----------------------------------------------------------------------

    def add_contact(
        self,
        *,
        name: str,
        phones: Iterable[PhoneInput] = (),
        emails: Iterable[str] = (),
        country: str | None = None,
        given_name: str | None = None,
        family_name: str | None = None,
        organization: str | None = None,
        addresses: Iterable[dict[str, Any]] = (),
        tags: Iterable[str] = (),
        custom: dict[str, Any] | None = None,
        external_id: str | None = None,
        label: str = "mobile",
        source: str | None = None,
    ) -> Contact:
        """Create a contact. Raw phones are normalized with ``country`` as default region;
        the first becomes primary.

        Raises:
            InvalidPhoneNumber: a phone is not a valid number (nothing is written).
        """
        country = country.strip().upper() if country else None
        raws = list(phones)
        numbers = [_as_number(raw, country) for raw in raws]
        now = self.clock.now()
        row = ContactRow(
            id=uuid.uuid4(),
            external_id=external_id,
            display_name=name.strip(),
            given_name=given_name,
            family_name=family_name,
            organization=organization,
            emails=[e.strip() for e in emails],
            addresses=[dict(a) for a in addresses],
            country=country,
            tags=list(dict.fromkeys(tags)),
            custom=dict(custom or {}),
            status="active",
            created_at=now,
            updated_at=now,
        )
        for position, (raw, number) in enumerate(zip(raws, numbers, strict=True)):
            row.phones.append(
                self._phone_row(
                    number, label, position == 0, source, inferred=country_code_inferred(raw)
                )
            )
        with self._session() as session:
            session.add(row)
            session.flush()
            return self._to_contact(row)

    def add_contacts(self, records: Sequence[dict[str, Any]]) -> list[uuid.UUID]:
        """Bulk insert: each record holds ``add_contact`` keywords with already-normalized
        ``phones`` (PhoneNumber objects). One transaction; returns the new ids."""
        now = self.clock.now()
        contacts: list[dict[str, Any]] = []
        phones: list[dict[str, Any]] = []
        for record in records:
            contact_id = uuid.uuid4()
            contacts.append(
                {
                    "id": contact_id,
                    "display_name": record["name"],
                    "external_id": record.get("external_id"),
                    "emails": list(record.get("emails", ())),
                    "addresses": [],
                    "country": record.get("country"),
                    "tags": [],
                    "custom": {},
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                    "revision": 1,
                }
            )
            for position, number in enumerate(record.get("phones", ())):
                phone_id = uuid.uuid4()
                sealed = self.sealer.seal(number, phone_id)
                phones.append(
                    {
                        "id": phone_id,
                        "contact_id": contact_id,
                        "label": "mobile",
                        "is_primary": position == 0,
                        **sealed._asdict(),
                        **_generalized(number),
                        "status": "active",
                        "valid_from": now,
                        "captured_at": now,
                        "created_at": now,
                    }
                )
        with self._session() as session:
            # Core inserts (no ORM unit of work): this is the bulk path.
            if contacts:
                session.execute(insert(CONTACTS), contacts)
            if phones:
                session.execute(insert(PHONES), phones)
        return [c["id"] for c in contacts]

    def get_contact(self, contact_id: uuid.UUID | str) -> Contact:
        """The contact with this id (raises ``ContactNotFound``)."""
        with self._session() as session:
            return self._to_contact(self._load(session, contact_id))

    def list_contacts(self, *, limit: int = 100, offset: int = 0) -> list[Contact]:
        """Active contacts, oldest first."""
        with self._session() as session:
            rows = session.scalars(
                select(ContactRow)
                .where(ContactRow.status == "active")
                .order_by(ContactRow.created_at, ContactRow.id)
                .limit(limit)
                .offset(offset)
            ).all()
            return [self._to_contact(row) for row in rows]

    def update_contact(
        self,
        contact_id: uuid.UUID | str,
        *,
        name: str | None = None,
        emails: Iterable[str] | None = None,
        country: str | None = None,
        organization: str | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        custom: dict[str, Any] | None = None,
    ) -> Contact:
        """Change fields of a contact under a row lock: concurrent updates never get lost."""
        with self._session() as session:
            row = self._load(session, contact_id, lock=True)
            if name is not None:
                row.display_name = name.strip()
            if emails is not None:
                row.emails = [e.strip() for e in emails]
            if country is not None:
                row.country = country.strip().upper() or None
            if organization is not None:
                row.organization = organization
            tags = [t for t in row.tags if t not in set(remove_tags)]
            row.tags = list(dict.fromkeys([*tags, *add_tags]))
            if custom is not None:
                row.custom = {**row.custom, **custom}
            row.updated_at = self.clock.now()
            session.flush()
            return self._to_contact(row)

    def delete_contact(self, contact_id: uuid.UUID | str) -> None:
        """Delete a contact and its contact points."""
        with self._session() as session:
            session.delete(self._load(session, contact_id, lock=True))

    # -- phones -------------------------------------------------------------------------

    def add_phone(
        self,
        contact_id: uuid.UUID | str,
        phone: PhoneInput,
        *,
        region: str | None = None,
        label: str = "mobile",
        primary: bool = False,
        source: str | None = None,
    ) -> Contact:
        """Add a number to a contact (default region: the contact's country)."""
        with self._session() as session:
            row = self._load(session, contact_id, lock=True)
            number = _as_number(phone, region or row.country)
            make_primary = primary or not row.phones
            if make_primary:
                for existing in row.phones:
                    existing.is_primary = False
            row.phones.append(
                self._phone_row(
                    number, label, make_primary, source, inferred=country_code_inferred(phone)
                )
            )
            row.updated_at = self.clock.now()
            session.flush()
            return self._to_contact(row)

    def remove_phone(
        self, contact_id: uuid.UUID | str, phone: PhoneInput, *, region: str | None = None
    ) -> Contact:
        """Remove every contact point of the contact that holds this number."""
        with self._session() as session:
            row = self._load(session, contact_id, lock=True)
            number = _as_number(phone, region or row.country)
            for point in list(row.phones):
                if self.sealer.open(point).e164 == number.e164:
                    row.phones.remove(point)
            if row.phones and not any(p.is_primary for p in row.phones):
                row.phones[0].is_primary = True
            row.updated_at = self.clock.now()
            session.flush()
            return self._to_contact(row)

    # -- lookups ------------------------------------------------------------------------

    def find_by_phone(self, raw: PhoneInput, region: str | None = None) -> list[Contact]:
        """Contacts holding this number, whatever format ``raw`` uses.

        Raises:
            InvalidPhoneNumber: ``raw`` is not a valid number.
        """
        number = _as_number(raw, region)
        indexes = self.sealer.indexer.exact_all_versions(number.e164)
        matching = select(PHONES.c.contact_id).where(PHONES.c.exact_index.in_(indexes))
        return self._contacts_where(matching, lambda n: n.e164 == number.e164)

    def search_phone_suffix(self, digits: str) -> list[Contact]:
        """Contacts with a number whose national number ends in ``digits`` (4 or more).

        The truncated suffix index narrows the candidates; each is decrypted and checked, so
        the index's deliberate false positives never reach the caller.
        """
        wanted = "".join(ch for ch in digits if ch.isdigit())
        if not 4 <= len(wanted) <= 17 or not wanted.isascii():
            raise ValueError("give between 4 and 17 digits of the end of the number")
        indexer = self.sealer.indexer
        ranges = [indexer.suffix_key_range(wanted, v) for v in self.sealer.keyring.versions]
        matching = select(PHONES.c.contact_id).where(
            or_(*(PHONES.c.suffix_key.between(low, high) for low, high in ranges))
        )
        return self._contacts_where(matching, lambda n: n.national_number.endswith(wanted))

    def search_name(self, text: str, *, limit: int = 50) -> list[Contact]:
        """Active contacts whose display name contains ``text`` (case-insensitive)."""
        # control characters (NUL among them: PostgreSQL refuses it) and lone surrogates go
        printable = "".join(ch for ch in (text or "") if ch.isprintable() or ch.isspace())
        wanted = " ".join(printable.split())
        if not 2 <= len(wanted) <= 100:
            raise ValueError("give 2 to 100 characters of the name")
        escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matching = (
            select(CONTACTS.c.id)
            .where(CONTACTS.c.display_name.ilike(f"%{escaped}%", escape="\\"))
            .order_by(CONTACTS.c.display_name)
            .limit(limit)
        )
        return self._contacts_where(matching, lambda _number: True, with_phoneless=True)

    def _contacts_where(
        self,
        matching: Select[Any],
        keep: Callable[[PhoneNumber], bool],
        *,
        with_phoneless: bool = False,
    ) -> list[Contact]:
        """Active contacts among ``matching`` ids that hold a number for which ``keep`` holds.

        Core queries, no ORM unit of work: lookups are the hot path of the store.
        """
        with self.engine.connect() as conn:
            ids = set(conn.execute(matching).scalars())
            if not ids:
                return []
            contacts = conn.execute(
                select(CONTACTS)
                .where(CONTACTS.c.id.in_(ids), CONTACTS.c.status == "active")
                .order_by(CONTACTS.c.created_at, CONTACTS.c.id)
            ).all()
            phones = conn.execute(select(PHONES).where(PHONES.c.contact_id.in_(ids))).all()
        by_contact: dict[uuid.UUID, list[Any]] = {}
        for phone in phones:
            by_contact.setdefault(phone.contact_id, []).append(phone)
        found = [self._build(row, by_contact.get(row.id, [])) for row in contacts]
        return [c for c in found if any(keep(n) for n in c.phones) or with_phoneless]

    # -- keys ---------------------------------------------------------------------------

    def key_status(self) -> dict[int, int]:
        """How many contact points each root-key version still covers."""
        with self._session() as session:
            counts = session.execute(
                select(PhoneRow.key_version, func.count()).group_by(PhoneRow.key_version)
            ).all()
        return {int(version): int(count) for version, count in counts}

    def reencrypt(
        self, *, batch_size: int = 500, on_progress: Callable[[int], None] | None = None
    ) -> int:
        """Re-seal and re-index every row not under the current version, in batches.

        Each batch is its own transaction, so the job can be killed at any point and run
        again: a row is either wholly old or wholly new, and lookups search every live
        version meanwhile. Returns how many rows were re-sealed.
        """
        current = self.sealer.keyring.current
        done = 0
        while True:
            with self._session() as session:
                rows = session.scalars(
                    select(PhoneRow)
                    .where(PhoneRow.key_version != current)
                    .order_by(PhoneRow.id)
                    .limit(batch_size)
                    .with_for_update(skip_locked=True)
                ).all()
                for row in rows:
                    self.sealer.apply(row, self.sealer.seal(self.sealer.open(row), row.id))
            if not rows:
                return done
            done += len(rows)
            if on_progress:
                on_progress(done)

    # -- helpers ------------------------------------------------------------------------

    def _phone_row(
        self,
        number: PhoneNumber,
        label: str,
        primary: bool,
        source: str | None,
        *,
        inferred: bool = False,
    ) -> PhoneRow:
        if label not in PHONE_LABELS:
            raise ValueError(f"label must be one of {', '.join(PHONE_LABELS)}")
        now = self.clock.now()
        row = PhoneRow(
            id=uuid.uuid4(),
            label=label,
            is_primary=primary,
            status="active",
            valid_from=now,
            source=source,
            country_code_inferred=inferred,
            captured_at=now,
            created_at=now,
            **_generalized(number),
        )
        self.sealer.apply(row, self.sealer.seal(number, row.id))
        return row

    def _load(
        self, session: Session, contact_id: uuid.UUID | str, *, lock: bool = False
    ) -> ContactRow:
        key = _as_uuid(contact_id)
        query = select(ContactRow).where(ContactRow.id == key)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        row = session.scalars(query).first() if key else None
        if row is None or row.status == "erased":
            raise ContactNotFound("no such contact")
        return row

    def _to_contact(self, row: ContactRow) -> Contact:
        return self._build(row, row.phones)

    def _build(self, row: Any, phones: Iterable[Any]) -> Contact:
        """A :class:`Contact` from a contact row and its phone rows (ORM objects or Core
        rows with the same columns)."""
        points = sorted(phones, key=lambda p: (not p.is_primary, p.created_at))
        return Contact(
            id=row.id,
            name=row.display_name,
            given_name=row.given_name,
            family_name=row.family_name,
            organization=row.organization,
            emails=tuple(row.emails or ()),
            addresses=tuple(row.addresses or ()),
            country=row.country,
            tags=tuple(row.tags or ()),
            custom=dict(row.custom or {}),
            external_id=row.external_id,
            status=row.status,
            created_at=row.created_at,
            updated_at=row.updated_at,
            phone_points=tuple(
                PhonePoint(
                    id=p.id,
                    number=self.sealer.open(p),
                    label=p.label,
                    is_primary=p.is_primary,
                    status=p.status,
                    valid_from=p.valid_from,
                    valid_to=p.valid_to,
                    last_verified_at=p.last_verified_at,
                    source=p.source,
                    key_version=p.key_version,
                )
                for p in points
            ),
        )


_EXPLICIT_COUNTRY = re.compile(r"^\s*(?:tel:)?\s*(?:[+\uff0b]|00|011)")


def country_code_inferred(raw: PhoneInput) -> bool:
    """Whether a raw number carried no country code (``+``, ``00`` or ``011``)."""
    return isinstance(raw, str) and not _EXPLICIT_COUNTRY.match(raw)


def _as_number(phone: PhoneInput, region: str | None) -> PhoneNumber:
    if isinstance(phone, PhoneNumber):
        if not phone.is_valid:
            return normalize(phone.e164)  # raises with reason INVALID_NUMBER
        return phone
    return normalize(phone, region)


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _generalized(number: PhoneNumber) -> dict[str, Any]:
    """The attributes kept in clear: nothing that identifies the number."""
    return {
        "country_code": number.country_code,
        "region": number.region,
        "number_type": number.number_type.value,
        "metadata_version": number.metadata_version,
    }
