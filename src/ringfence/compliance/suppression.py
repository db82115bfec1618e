"""Suppression: numbers not to contact. Internal do-not-contact lists per brand and channel,
and national do-not-call registries imported from their files (the US registry's area-code
files, UK TPS-style lists) with the registry's version and date. Only the number's keyed
hash is stored, so an entry survives the person's erasure; a registry older than the law
allows (US 31 days, UK 28) is refused when scrubbing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, delete, insert, select

from ringfence.clock import Clock, system_clock
from ringfence.compliance.consent import check_brand
from ringfence.compliance.model import ComplianceError, ContactChannel
from ringfence.crypto import BlindIndexer, Keyring
from ringfence.errors import InvalidPhoneNumber
from ringfence.phone import PhoneNumber, find_numbers, normalize
from ringfence.store.audit import record_event
from ringfence.store.models import RegistryImportRow, SuppressionRow

SUPPRESSIONS = cast(Table, SuppressionRow.__table__)
IMPORTS = cast(Table, RegistryImportRow.__table__)
S = SUPPRESSIONS.c
ANY = "*"
INTERNAL = "internal"
# Registry -> (default region of its file's numbers, days a download stays usable).
REGISTRIES = {"US": ("US", 31), "UK": ("GB", 28)}
# The regions whose numbers a registry covers (the US registry: the states and territories).
COVERS = {"US": frozenset({"US", "PR", "VI", "GU", "AS", "MP"}), "UK": frozenset({"GB"})}
BATCH = 5000


class RegistryStale(ComplianceError):
    """The newest import of a registry is older than the law allows, or there is none."""

    default_reason = "registry_stale"


@dataclass(frozen=True)
class Suppression:
    list_name: str
    brand: str
    channel: str
    reason: str | None
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list_name,
            "brand": self.brand,
            "channel": self.channel,
            "reason": self.reason,
            "created_at": self.created_at.isoformat(),
        }


@dataclass
class RegistryImport:
    """What an import read: accepted entries and rejected lines (line number, reason code)."""

    registry: str
    version: str
    registry_date: date
    accepted: int = 0
    rejects: list[tuple[int, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "registry": self.registry,
            "version": self.version,
            "registry_date": self.registry_date.isoformat(),
            "accepted": self.accepted,
            "rejected": len(self.rejects),
            "rejects": [{"line": line, "reason": reason} for line, reason in self.rejects[:1000]],
        }


class Suppressions:
    """The suppression lists of one store."""

    def __init__(self, engine: Engine, keyring: Keyring, *, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.clock = clock
        self._indexer = BlindIndexer(keyring)
        self._keyring = keyring

    def add(
        self,
        phone: PhoneNumber | str,
        *,
        brand: str = ANY,
        channel: ContactChannel | str = ANY,
        reason: str | None = None,
        region: str | None = None,
        actor: str | None = None,
        list_name: str = INTERNAL,
    ) -> bool:
        """Suppress a number for ``brand`` and ``channel`` (``*``: all); ``False`` if it
        already was. ``reason`` is free text without any phone number in it."""
        number = phone if isinstance(phone, PhoneNumber) else normalize(phone, region)
        now, phone_index = self.clock.now(), self._indexer.exact(number.e164)
        values: dict[str, Any] = {
            "phone_index": phone_index,
            "key_version": self._keyring.current,
            "list_name": list_name,
            "brand": ANY if brand == ANY else check_brand(brand),
            "channel": _channel(channel),
            "reason": _reason(reason),
            "created_at": now,
            "actor": actor,
        }
        if self._entries(number, values["brand"], values["channel"], exact=True, lists=[list_name]):
            return False
        with self.engine.begin() as connection:
            connection.execute(insert(SUPPRESSIONS).values(**values))
            record_event(
                connection,
                at=now,
                action="suppression.added",
                subject_type="phone",
                subject_id=phone_index.hex(),
                actor=actor,
                details={
                    "list": list_name,
                    "brand": values["brand"],
                    "channel": values["channel"],
                    "to": number.masked(),
                },
            )
        return True

    def check(
        self,
        phone: PhoneNumber | str,
        *,
        brand: str,
        channel: ContactChannel | str,
        region: str | None = None,
        registries: bool = True,
    ) -> list[Suppression]:
        """The entries that forbid contacting the number by ``channel`` for ``brand``
        (empty: none). With ``registries``, a national registry covering the number must be
        fresh, else :class:`RegistryStale`."""
        number = phone if isinstance(phone, PhoneNumber) else normalize(phone, region)
        lists = [INTERNAL, "erasure"]
        if registries:
            lists += self.registries_for(number)
        return self._entries(number, check_brand(brand), _channel(channel), lists=lists)

    def entries_for(self, number: PhoneNumber) -> list[Suppression]:
        """Every entry of the number, on any list, for any brand and channel."""
        query = select(S.list_name, S.brand, S.channel, S.reason, S.created_at).where(
            S.phone_index.in_(self._indexer.exact_all_versions(number.e164))
        )
        with self.engine.connect() as connection:
            return [Suppression(*row) for row in connection.execute(query)]

    def registries_for(self, number: PhoneNumber) -> list[str]:
        """The registries that cover the number, each checked to be fresh."""
        names = [name for name, regions in COVERS.items() if number.region in regions]
        for name in names:
            self.require_fresh(name)
        return names

    def require_fresh(self, registry: str) -> date:
        """The date of the registry's newest import, if the law still allows using it."""
        _region, days = REGISTRIES[registry]
        with self.engine.connect() as connection:
            newest = connection.execute(
                select(IMPORTS.c.registry_date)
                .where(IMPORTS.c.registry_name == registry)
                .order_by(IMPORTS.c.registry_date.desc())
                .limit(1)
            ).scalar()
        today = self.clock.now().date()
        if newest is None:
            raise RegistryStale(f"the {registry} do-not-call registry was never imported")
        if (today - newest).days > days:
            raise RegistryStale(
                f"the {registry} do-not-call registry is {(today - newest).days} days old "
                f"(at most {days})"
            )
        return cast(date, newest)

    def import_registry(
        self,
        lines: Iterable[str],
        *,
        registry: str,
        version: str,
        registry_date: date,
        actor: str | None = None,
    ) -> RegistryImport:
        """Replace a registry's entries with a full-list file: US lines ``AAA,NNNNNNN`` or
        ten digits; UK lines a national number. Bad lines are rejected with their line
        number and a reason code; nothing is written when no line is good."""
        if registry not in REGISTRIES:
            raise ComplianceError("registry is US or UK", reason="bad_registry")
        if not 1 <= len(version) <= 64:
            raise ComplianceError("a registry version is 1 to 64 characters", reason="bad_version")
        report = RegistryImport(registry, version, registry_date)
        now = self.clock.now()
        indexes, area_codes = self._read(lines, registry, report)
        if not indexes:
            raise ComplianceError("no number in the registry file", reason="empty_registry")
        with self.engine.begin() as connection:
            connection.execute(delete(SUPPRESSIONS).where(S.list_name == registry))
            for batch in _batches(sorted(indexes), BATCH):
                connection.execute(
                    insert(SUPPRESSIONS),
                    [
                        {
                            "phone_index": index,
                            "key_version": self._keyring.current,
                            "list_name": registry,
                            "brand": ANY,
                            "channel": ANY,
                            "reason": None,
                            "created_at": now,
                            "actor": actor,
                        }
                        for index in batch
                    ],
                )
            connection.execute(
                insert(IMPORTS).values(
                    registry_name=registry,
                    version=version,
                    registry_date=registry_date,
                    imported_at=now,
                    accepted=report.accepted,
                    rejected=len(report.rejects),
                    area_codes=sorted(area_codes),
                )
            )
            record_event(
                connection,
                at=now,
                action="registry.imported",
                subject_type="registry",
                subject_id=registry,
                actor=actor,
                details={**report.to_dict(), "rejects": len(report.rejects)},
            )
        return report

    def _read(
        self, lines: Iterable[str], registry: str, report: RegistryImport
    ) -> tuple[set[bytes], set[str]]:
        region = REGISTRIES[registry][0]
        indexes: set[bytes] = set()
        area_codes: set[str] = set()
        for line_number, line in enumerate(lines, start=1):
            text = "".join(line.split()).replace(",", "").replace("-", "")
            if not text:
                continue
            if len(text) > 32 or not text.isascii() or not text.isdigit():
                report.rejects.append((line_number, "not_a_number"))
                continue
            try:
                number = normalize(text, region)
            except InvalidPhoneNumber as exc:
                report.rejects.append((line_number, exc.reason_code))
                continue
            if number.region not in COVERS[registry]:
                report.rejects.append((line_number, "wrong_region"))
                continue
            indexes.add(self._indexer.exact(number.e164))
            area_codes.add(number.national_number[:3] if region == "US" else region)
            report.accepted += 1
        return indexes, area_codes

    def _entries(
        self,
        number: PhoneNumber,
        brand: str,
        channel: str,
        *,
        lists: list[str],
        exact: bool = False,
    ) -> list[Suppression]:
        brands = [brand] if exact else list({brand, ANY})
        channels = [channel] if exact else list({channel, ANY})
        query = select(S.list_name, S.brand, S.channel, S.reason, S.created_at).where(
            S.phone_index.in_(self._indexer.exact_all_versions(number.e164)),
            S.list_name.in_(lists),
            S.brand.in_(brands),
            S.channel.in_(channels),
        )
        with self.engine.connect() as connection:
            return [Suppression(*row) for row in connection.execute(query)]


def _channel(value: ContactChannel | str) -> str:
    if value == ANY:
        return ANY
    try:
        return ContactChannel(value).value
    except ValueError:
        raise ComplianceError(
            "channel is sms, voice, whatsapp or *", reason="bad_channel"
        ) from None


def _reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    text = reason.strip()
    if len(text) > 200 or not text.isprintable():
        raise ComplianceError("a reason is at most 200 printable characters", reason="bad_reason")
    if list(find_numbers(text, "US")) or list(find_numbers(text, "GB")):
        raise ComplianceError("a reason must not hold a phone number", reason="number_in_reason")
    return text or None


def _batches(items: list[bytes], size: int) -> Iterator[list[bytes]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def read_registry_file(path: Path) -> Iterator[str]:
    """The lines of a registry file (UTF-8 or Latin-1), streamed."""
    with path.open("rb") as handle:
        for raw in handle:
            yield raw.decode("utf-8", errors="replace")
