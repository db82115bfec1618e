"""``ringfence serve --demo``: a fresh SQLite store filled with synthetic data — contacts
with the quality problems of real CRMs, consent, merges, verifications with their risk
decisions, and a pseudonymized call log — and one dashboard user per role, so that every
page has something to show. Every number is invented (synthetic generators)."""

from __future__ import annotations

import base64
import csv
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from ringfence.compliance.consent import ConsentLedger
from ringfence.compliance.model import Evidence
from ringfence.compliance.roles import OPERATOR, Role
from ringfence.console.users import DashboardUsers
from ringfence.contacts.importer import import_contacts
from ringfence.contacts.merge import merge_contacts
from ringfence.contacts.store import ContactStore
from ringfence.crypto import Keyring, load_keyring
from ringfence.settings import Settings, load_settings
from ringfence.store import make_engine, upgrade
from ringfence.verify import VerificationService, read_outbox
from ringfence.verify.known import contact_numbers

# Contacts a newcomer can look for: the README's examples use them.
SHOWCASE = [
    ("Ada Lovelace", ["+1 650-253-0000"], "US", "ada@example.com"),
    ("Grace Hopper", ["+44 20 7946 0958"], "GB", "grace@example.org"),
    ("Grace M. Hopper", ["020 7946 0958"], "GB", None),  # her duplicate: merged below
    ("Alan Turing", ["+33 6 12 34 56 78"], "FR", "alan@example.net"),
]
CODE = re.compile(r"\b(\d{6})\b")


@dataclass
class Demo:
    folder: Path
    settings: Settings
    passwords: dict[str, str] = field(repr=False)
    environment: dict[str, str] = field(repr=False)


def build_demo(folder: Path, *, contacts: int = 400, seed: int = 7) -> Demo:
    """Create the demo store in ``folder`` (which should be new) and return its settings."""
    folder.mkdir(parents=True, exist_ok=True)
    environment = {
        "RINGFENCE_ENV": "dev",
        "RINGFENCE_DATABASE_URL": f"sqlite:///{folder / 'demo.db'}",
        "RINGFENCE_ROOT_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "RINGFENCE_SMS_CHANNEL": "outbox",
        "RINGFENCE_DEFAULT_REGION": "US",
        "RINGFENCE_ANALYTICS_DATASET": str(folder / "calls.parquet"),
    }
    settings = load_settings(
        env="dev",
        database_url=environment["RINGFENCE_DATABASE_URL"],
        root_key=environment["RINGFENCE_ROOT_KEY"],
        key_provider="env",
        sms_channel="outbox",
        default_region="US",
        analytics_dataset=folder / "calls.parquet",
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    keyring = load_keyring(settings)
    store = ContactStore(engine, keyring)
    try:
        ids = _contacts(store, folder, contacts, seed)
        _consent(ConsentLedger(engine, keyring), store, ids)
        _verifications(settings, keyring, store, ids)
        _call_log(settings, folder, seed)
        passwords = _users(DashboardUsers(engine))
    finally:
        engine.dispose()
    return Demo(folder, settings, passwords, environment)


def _contacts(store: ContactStore, folder: Path, n: int, seed: int) -> list[str]:
    from ringfence.testing import synthetic_contacts

    showcase = [
        store.add_contact(name=name, phones=phones, country=country, emails=[e] if e else [])
        for name, phones, country, e in SHOWCASE
    ]
    merge_contacts(store, showcase[1].id, showcase[2].id, probability=0.97, reasons=["phone"])
    source = folder / "contacts.csv"
    records = synthetic_contacts(n, seed=seed)
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[k for k in records[0] if k != "person_id"])
        writer.writeheader()
        writer.writerows({k: v for k, v in r.items() if k != "person_id"} for r in records)
    try:
        import_contacts(store, source, id_column="record_id")
    finally:
        source.unlink()  # the raw file held numbers in clear
    return [str(c.id) for c in store.list_contacts(limit=60)]


def _consent(ledger: ConsentLedger, store: ContactStore, ids: list[str]) -> None:
    evidence = Evidence(
        method="web_form",
        disclosure_text="Yes, send me offers by text message. Reply STOP to end.",
        disclosure_version="2026-01",
        source="demo signup form",
    )
    for position, contact_id in enumerate(ids[:40]):
        for number in store.get_contact(contact_id).phones[:1]:
            selectors = {"channel": "sms", "purpose": "marketing", "brand": "demo"}
            ledger.grant(number, evidence=evidence, **selectors)
            if position % 9 == 4:
                ledger.revoke(number, evidence=Evidence(method="sms_stop"), **selectors)


def _verifications(
    settings: Settings, keyring: Keyring, store: ContactStore, ids: list[str]
) -> None:
    service = VerificationService.open(settings=settings, keyring=keyring, limiter=None)
    service.known_number = contact_numbers(service.engine, keyring)
    try:
        for position, contact_id in enumerate(ids[:24]):
            phones = store.get_contact(contact_id).phones
            if not phones:
                continue
            purpose = ("login", "signup", "recovery", "step_up")[position % 4]
            started = service.start(phones[0], purpose=purpose, account_id=f"demo-{position}")
            if position % 5 == 3:
                service.check(started.id, "000000")  # a wrong code
                continue
            if position % 3 != 2:
                service.check(started.id, _code_of(service, settings, keyring, started.id))
        service.start("+1 202-555-0148", purpose="recovery")  # no account: simulated
    finally:
        service.close()


def _code_of(service: VerificationService, settings: Settings, keyring: Keyring, vid: str) -> str:
    for message in read_outbox(service.engine, keyring, settings, limit=20):
        if message.verification_id == vid and (found := CODE.search(message.body)):
            return found.group(1)
    raise LookupError("the demo code was not found in the outbox")


def _call_log(settings: Settings, folder: Path, seed: int) -> None:
    import pyarrow.csv as pacsv

    from ringfence.analytics.engines import DuckDBEngine
    from ringfence.analytics.pipeline import pseudonymize
    from ringfence.crypto.pseudonyms import Pseudonymizer
    from ringfence.testing import synthetic_call_log

    raw = folder / "calls-raw.csv"
    pacsv.write_csv(synthetic_call_log(3000, 30_000, seed=seed), str(raw))
    engine = DuckDBEngine()
    try:
        pseudonyms = Pseudonymizer(load_keyring(settings))
        pseudonymize(
            engine,
            raw,
            folder / "calls.parquet",
            phone_columns=["caller", "callee"],
            pseudonyms=pseudonyms,
        )
    finally:
        engine.close()
        raw.unlink()  # only the pseudonymized log stays


def _users(users: DashboardUsers) -> dict[str, str]:
    passwords = {}
    for role in (Role.ADMIN, Role.AGENT, Role.ANALYST):
        password = secrets.token_urlsafe(15)  # 20 characters
        users.create(role.value, password, role, actor=OPERATOR.id)
        passwords[role.value] = password
    return passwords


def apply_environment(demo: Demo) -> None:
    """Point this process's settings (and the server's workers) at the demo store."""
    os.environ.update(demo.environment)
