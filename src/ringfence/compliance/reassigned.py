"""Reassigned numbers: has the number changed hands since the date we believe it belongs to
our contact? A checker answers ``yes``, ``no`` or ``no_data``; ``yes`` marks the contact
point reassigned and revokes, in the consent ledger, every consent given for the number
(the new holder never gave it).

Adapters: Twilio Lookup v2's ``reassigned_number`` field (US numbers). The FCC Reassigned
Numbers Database has a checker slot of the same shape (:class:`ReassignedChecker`).
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select

from ringfence.compliance.consent import ConsentLedger
from ringfence.compliance.model import ComplianceError, ConsentKind, Evidence, LawfulBasis
from ringfence.contacts.errors import ContactNotFound
from ringfence.contacts.freshness import record_reassignment
from ringfence.contacts.model import Contact, PhonePoint
from ringfence.contacts.store import ContactStore
from ringfence.phone import PhoneNumber
from ringfence.store.audit import record_event
from ringfence.store.models import PhoneRow


class Reassigned(StrEnum):
    YES = "yes"
    NO = "no"
    NO_DATA = "no_data"


class ReassignedUnavailable(ComplianceError):
    """The checker could not answer (network, refusal, malformed answer)."""

    default_reason = "reassigned_check_unavailable"


class ReassignedChecker(Protocol):
    """Has ``number`` been disconnected and given to someone else since ``since``?"""

    def check(self, number: PhoneNumber, since: date) -> Reassigned: ...


class TwilioLookupSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RINGFENCE_TWILIO_", extra="ignore", frozen=True)

    account_sid: str | None = None
    auth_token: SecretStr | None = None
    lookup_base_url: str = "https://lookups.twilio.com"
    timeout: float = 10.0


# Twilio's ``is_number_reassigned`` values.
_TWILIO_ANSWERS = {
    "yes": Reassigned.YES,
    "no": Reassigned.NO,
    "no_data_available": Reassigned.NO_DATA,
}
_LOOKUP_PATH = re.compile(r"(/PhoneNumbers/)[^/?\s\"]+(\?[^\s\"]*)?")


class _LookupUrlRedaction(logging.Filter):
    """httpx logs each request's URL; a Lookup URL holds the number: cut it out."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _LOOKUP_PATH.sub(r"\1<redacted>", str(arg)) if "PhoneNumbers" in str(arg) else arg
                for arg in record.args
            )
        return True


def _redact_httpx_logs() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _LookupUrlRedaction) for f in logger.filters):
        logger.addFilter(_LookupUrlRedaction())


class TwilioReassignedChecker:
    """Twilio Lookup v2: ``GET /v2/PhoneNumbers/{number}?Fields=reassigned_number&
    LastVerifiedDate=YYYYMMDD`` with the account SID and auth token (basic auth)."""

    def __init__(
        self,
        settings: TwilioLookupSettings | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        settings = settings or TwilioLookupSettings()
        if not settings.account_sid or settings.auth_token is None:
            raise ComplianceError(
                "Twilio Lookup needs RINGFENCE_TWILIO_ACCOUNT_SID and _AUTH_TOKEN",
                reason="twilio_not_configured",
            )
        _redact_httpx_logs()
        self._client = httpx.Client(
            base_url=settings.lookup_base_url,
            auth=(settings.account_sid, settings.auth_token.get_secret_value()),
            timeout=settings.timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    @staticmethod
    def covers(number: PhoneNumber) -> bool:
        """Lookup's reassigned-number field answers for US numbers only."""
        return number.region == "US"

    def check(self, number: PhoneNumber, since: date) -> Reassigned:
        params = {"Fields": "reassigned_number", "LastVerifiedDate": since.strftime("%Y%m%d")}
        try:
            response = self._client.get(f"/v2/PhoneNumbers/{number.e164}", params=params)
        except httpx.TransportError:
            raise ReassignedUnavailable("Twilio Lookup is unreachable", reason="network") from None
        if response.status_code != 200:
            raise ReassignedUnavailable(
                f"Twilio Lookup answered HTTP {response.status_code}",
                reason=_twilio_code(response),
            )
        try:
            field = response.json().get("reassigned_number") or {}
            answer = _TWILIO_ANSWERS.get(str(field.get("is_number_reassigned")))
        except (ValueError, AttributeError):
            answer = None
        if answer is None:
            code = field.get("error_code") if isinstance(field, dict) else None
            raise ReassignedUnavailable(
                "Twilio Lookup gave no reassigned-number answer",
                reason=f"twilio_{code}" if code else "bad_answer",
            )
        return answer


def _twilio_code(response: httpx.Response) -> str:
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        code = None
    return f"twilio_{code}" if code else f"HTTP_{response.status_code}"


def check_contact_point(
    store: ContactStore,
    checker: ReassignedChecker,
    phone_id: uuid.UUID | str,
    *,
    since: date | None = None,
    actor: str | None = None,
) -> Reassigned:
    """Ask ``checker`` about one contact point, since ``since`` (default: the last time
    the number was verified, else when it was added). ``yes`` marks the point reassigned
    and revokes every consent the number holds."""
    point = _point(store, phone_id)
    since = since or (point.last_verified_at or point.valid_from).date()
    answer = checker.check(point.number, since)
    record_reassignment(store, point.id, answer.value)
    if answer is Reassigned.YES:
        _revoke_all(store, point.number, actor)
    return answer


@dataclass(frozen=True)
class PointAnswer:
    """What a checker said about one contact point (``answer`` None: not covered)."""

    contact_id: uuid.UUID
    phone_id: uuid.UUID
    masked: str
    answer: Reassigned | None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "contact_id": str(self.contact_id),
            "phone_id": str(self.phone_id),
            "number": self.masked,
            "answer": self.answer.value if self.answer else "not_covered",
        }


def check_all_points(
    store: ContactStore,
    checker: ReassignedChecker,
    *,
    since: date | None = None,
    actor: str | None = None,
    batch: int = 1000,
) -> list[PointAnswer]:
    """Every active contact point the checker covers, asked as :func:`check_contact_point`
    would (in batches when the checker has ``check_many``); ``yes`` revokes consent."""
    covers = getattr(checker, "covers", lambda _number: True)
    points = [
        (c.id, p) for c in _all_contacts(store) for p in c.phone_points if p.status == "active"
    ]
    answers = [
        PointAnswer(c, p.id, p.number.masked(), None) for c, p in points if not covers(p.number)
    ]
    wanted = [(c, p) for c, p in points if covers(p.number)]
    for start in range(0, len(wanted), batch):
        chunk = wanted[start : start + batch]
        queries = [
            (p.number, since or (p.last_verified_at or p.valid_from).date()) for _c, p in chunk
        ]
        many = getattr(checker, "check_many", None)
        results = many(queries) if many else [checker.check(n, d) for n, d in queries]
        for (contact_id, point), answer in zip(chunk, results, strict=True):
            record_reassignment(store, point.id, answer.value)
            if answer is Reassigned.YES:
                _revoke_all(store, point.number, actor)
            answers.append(PointAnswer(contact_id, point.id, point.number.masked(), answer))
    return answers


def _all_contacts(store: ContactStore, page: int = 500) -> list[Contact]:
    found: list[Contact] = []
    while batch := store.list_contacts(limit=page, offset=len(found)):
        found.extend(batch)
    return found


def _point(store: ContactStore, phone_id: uuid.UUID | str) -> PhonePoint:
    try:
        key = phone_id if isinstance(phone_id, uuid.UUID) else uuid.UUID(str(phone_id))
    except ValueError:
        raise ContactNotFound("no such phone contact point") from None
    with store.engine.connect() as connection:
        contact_id = connection.execute(
            select(PhoneRow.contact_id).where(PhoneRow.id == key)
        ).scalar()
    if contact_id is None:
        raise ContactNotFound("no such phone contact point")
    return next(p for p in store.get_contact(contact_id).phone_points if p.id == key)


def _revoke_all(store: ContactStore, number: PhoneNumber, actor: str | None) -> None:
    ledger = ConsentLedger(store.engine, store.sealer.keyring, clock=store.clock)
    selectors = {(event.channel, event.purpose, event.brand) for event in ledger.history(number)}
    evidence = Evidence(
        method="reassigned_number", lawful_basis=LawfulBasis.CONSENT, note="number reassigned"
    )
    for channel, purpose, brand in sorted(selectors):
        state = ledger.state(number, channel=channel, purpose=purpose, brand=brand)
        if state.granted:
            ledger.record(
                number,
                ConsentKind.REVOKE,
                channel=channel,
                purpose=purpose,
                brand=brand,
                evidence=evidence,
                actor=actor,
            )
    with store.engine.begin() as connection:
        record_event(
            connection,
            at=store.clock.now(),
            action="contact_point.reassigned",
            subject_type="phone",
            subject_id=store.sealer.indexer.exact(number.e164).hex(),
            actor=actor,
            details={"to": number.masked(), "consents_revoked": len(selectors)},
        )
