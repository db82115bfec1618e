"""Synthetic, labelled contact data with realistic corruption (for tests and benchmarks)."""

from __future__ import annotations

import random
from typing import Any

FIRST_NAMES = [
    ("Robert", ["Bob", "Rob", "Bobby"]),
    ("William", ["Bill", "Will", "Liam"]),
    ("Elizabeth", ["Liz", "Beth", "Betty"]),
    ("Margaret", ["Maggie", "Peggy", "Meg"]),
    ("Katherine", ["Kate", "Katie", "Kathy"]),
    ("James", ["Jim", "Jimmy"]),
    ("Michael", ["Mike", "Mick"]),
    ("Jennifer", ["Jen", "Jenny"]),
    ("Richard", ["Rick", "Dick"]),
    ("Alexander", ["Alex", "Sasha"]),
    ("José", []),
    ("François", []),
    ("Zoë", []),
    ("Björn", []),
    ("Łukasz", []),
    ("Anne", ["Annie"]),
    ("Thomas", ["Tom", "Tommy"]),
    ("Daniel", ["Dan", "Danny"]),
    ("Christopher", ["Chris"]),
    ("Patricia", ["Pat", "Trish"]),
    ("Joseph", ["Joe"]),
    ("Susan", ["Sue"]),
    ("Charles", ["Charlie", "Chuck"]),
    ("Deborah", ["Debbie", "Deb"]),
    ("Ana", []),
    ("Mohammed", ["Mohamed", "Muhammad"]),
    ("Wei", []),
    ("Aisha", []),
    ("Sofía", []),
    ("Matthias", []),
    ("Chloé", []),
    ("Nikolai", ["Kolya"]),
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Müller",
    "García",
    "Martin",
    "Dubois",
    "Novák",
    "Kowalski",
    "Rossi",
    "Jensen",
    "O'Brien",
    "Nguyen",
    "Schäfer",
    "Søndergaard",
    "Côté",
    "Fernández",
    "Brown",
    "Taylor",
    "Wilson",
    "Johnson",
    "Lefèvre",
    "Weiß",
    "Andersson",
    "Kim",
    "Patel",
    "Singh",
]
COUNTRIES = {  # region -> (mobile prefixes, national trunk prefix present in national format)
    "US": ["+1 415", "+1 650", "+1 212", "+1 917"],
    "GB": ["+44 7400", "+44 7911", "+44 20 7946"],
    "DE": ["+49 151", "+49 160", "+49 30"],
    "FR": ["+33 6", "+33 7", "+33 1"],
    "ES": ["+34 612", "+34 91"],
}
DOMAINS = ["example.com", "mail.example.org", "example.net"]
STREETS = [
    "High Street",
    "Station Road",
    "Main Street",
    "Church Lane",
    "Park Avenue",
    "Hauptstrasse",
    "Rue de la Paix",
    "Calle Mayor",
    "Bahnhofstrasse",
    "Mill Road",
]
CITIES = {"US": "Springfield", "GB": "Bristol", "DE": "Berlin", "FR": "Lyon", "ES": "Madrid"}


_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "sa",
    "tor",
    "vi",
    "bel",
    "dan",
    "ez",
    "fur",
    "gi",
    "hal",
    "jo",
    "kor",
    "lin",
    "mar",
    "nor",
    "pe",
    "quin",
    "ro",
    "sten",
    "tu",
    "vok",
    "wen",
    "ya",
    "zel",
    "ar",
    "bo",
    "ce",
    "dri",
    "el",
    "fa",
    "gor",
    "hu",
    "is",
]


def _invented_name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()


def _fold_accents(text: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).replace("ł", "l")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _number(rng: random.Random, region: str) -> str:
    prefix = rng.choice(COUNTRIES[region])
    length = {"US": 12, "GB": 13, "DE": 13, "FR": 12, "ES": 12}[region]  # with the "+"
    digits = prefix.replace(" ", "")
    return digits + _digits(rng, length - len(digits))


def _national(e164: str, region: str) -> str:
    code = {"US": "+1", "GB": "+44", "DE": "+49", "FR": "+33", "ES": "+34"}[region]
    rest = e164[len(code) :]
    return rest if region in ("US", "ES") else "0" + rest


def _styled(rng: random.Random, e164: str, region: str) -> str:
    national = _national(e164, region)
    style = rng.random()
    if style < 0.3:
        return e164
    if style < 0.5:
        return f"{e164[:3]} {e164[3:6]} {e164[6:9]} {e164[9:]}"
    if style < 0.7:
        return ".".join([national[:3], national[3:6], national[6:]])
    if style < 0.85:
        return f"({national[:3]}) {national[3:6]}-{national[6:]}"
    return "00" + e164[1:]


def _corrupt_digits(rng: random.Random, text: str) -> str:
    positions = [i for i, ch in enumerate(text) if ch.isdigit()][-8:]
    chars = list(text)
    if rng.random() < 0.5 and len(positions) >= 2:  # two adjacent digits swapped
        i = rng.randrange(len(positions) - 1)
        a, b = positions[i], positions[i + 1]
        chars[a], chars[b] = chars[b], chars[a]
    else:  # one wrong digit
        i = rng.choice(positions)
        chars[i] = str((int(chars[i]) + rng.randrange(1, 10)) % 10)
    return "".join(chars)


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def synthetic_contacts(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` contact records of labelled people (``person_id``), some of them duplicates.

    Corruption as in real CRMs: number formats, missing country codes (national format and
    no country), one wrong digit or two swapped, extensions, nicknames, dropped accents,
    typos, missing emails; and the hard negatives: households and companies sharing one
    number, and reassigned numbers (a former owner's number held by someone else now).
    """
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    records: list[dict[str, Any]] = []
    switchboards = {r: [_number(rng, r) for _ in range(5)] for r in COUNTRIES}
    person = 0
    households: list[list[Any]] = []  # [number, last name, region, members left, address]
    while len(records) < n:
        person += 1
        region = rng.choice(list(COUNTRIES))
        if rng.random() < 0.5:
            first, nicknames = rng.choice(FIRST_NAMES)
        else:
            first, nicknames = _invented_name(rng, rng.choice([2, 3])), []
        last = rng.choice(LAST_NAMES) if rng.random() < 0.2 else _invented_name(rng, 3)
        roll = rng.random()
        address = f"{rng.randint(1, 250)} {rng.choice(STREETS)}, {CITIES[region]}"
        if roll < 0.08 and households:  # household: shares a number with a relative
            household = rng.choice(households)
            e164, last, region, address = household[0], household[1], household[2], household[4]
            household[3] -= 1
            if household[3] == 0:
                households.remove(household)
        elif roll < 0.12:  # works at a company: only the switchboard number is known
            e164 = rng.choice(switchboards[region])
        elif roll < 0.14 and records:  # reassigned: someone else's old number
            e164 = rng.choice(records)["_e164"]
        else:
            e164 = _number(rng, region)
            if rng.random() < 0.1:
                households.append([e164, last, region, rng.randint(1, 3), address])
        user = f"{_fold_accents(first).lower()}.{_fold_accents(last).lower()}{person}"
        email = f"{user}@{rng.choice(DOMAINS)}"
        copies = 1 + (rng.random() < 0.35) + (rng.random() < 0.1)
        for copy in range(copies):
            if len(records) >= n:
                break
            phone = _styled(rng, e164, region)
            record_region: str | None = region
            first_shown, last_shown = first, last
            email_shown: str | None = email
            address_shown: str | None = address if rng.random() < 0.6 else None
            if copy:
                if rng.random() < 0.15:
                    record_region = None  # national format without a country: missing CC
                    phone = _national(e164, region)
                if rng.random() < 0.12:
                    phone = _corrupt_digits(rng, phone)
                if rng.random() < 0.05:
                    phone += f" ext. {rng.randrange(10, 999)}"
                if nicknames and rng.random() < 0.3:
                    first_shown = rng.choice(nicknames)
                if rng.random() < 0.3:
                    first_shown, last_shown = _fold_accents(first_shown), _fold_accents(last_shown)
                if rng.random() < 0.1:
                    last_shown = _typo(rng, last_shown)
                if rng.random() < 0.35:
                    email_shown = None
                if rng.random() < 0.3:
                    address_shown = (address or "").replace("Street", "St").replace("Road", "Rd")
            records.append(
                {
                    "record_id": f"r{len(records)}",
                    "person_id": person,
                    "first_name": first_shown,
                    "last_name": last_shown,
                    "name": f"{first_shown} {last_shown}",
                    "email": email_shown,
                    "address": address_shown,
                    "phone": phone,
                    "country": record_region,
                    "_e164": e164,
                }
            )
    for record in records:
        del record["_e164"]
    return records
