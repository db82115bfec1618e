"""No phone number in clear in the database files, a dump, or the logs."""

from __future__ import annotations

import logging
import random
import re
import subprocess
from pathlib import Path

import pytest

from ringfence.contacts import ContactStore
from ringfence.phone import normalize, normalize_many

N_CONTACTS = 10_000


def _numbers(n: int) -> list[str]:
    """``n`` distinct valid US and UK numbers, all with 10-digit national numbers."""
    rng = random.Random(7)
    found: dict[str, None] = {}
    while len(found) < n:
        raw = [
            rng.choice(["+1 415 ", "+1 650 ", "+1 212 ", "+44 7700 ", "+44 20 "])
            + str(rng.randrange(2 * 10**7, 10**8))[: rng.choice([6, 7, 8])]
            for _ in range(n)
        ]
        result = normalize_many(raw, backend="reference", workers=1)
        for e164 in result.table.column("e164").to_pylist():
            if e164 and len(e164) >= 12 and len(found) < n:
                found[e164] = None
    return list(found)


# Runs of digits, allowing the separators people and formatters put between them.
_DIGIT_RUNS = re.compile(rb"\d(?:[\d \-.()/]*\d)?")


def _scan(blob: bytes, numbers: list[tuple[str, str]]) -> list[str]:
    """Every stored number found in ``blob`` in E.164 or national form, with or without
    separators. Each digit run of the blob is split into all its windows of the forms'
    lengths, so one pass finds a number however it is embedded."""
    forms = {e164[1:] for e164, _ in numbers} | {national for _, national in numbers}
    lengths = {len(f) for f in forms}
    hits: set[str] = set()
    for match in _DIGIT_RUNS.finditer(blob):
        digits = re.sub(rb"\D", b"", match.group()).decode()
        for length in lengths:
            for start in range(len(digits) - length + 1):
                if digits[start : start + length] in forms:
                    hits.add(digits[start : start + length])
    return sorted(hits)


def test_scan_finds_numbers_in_any_form():
    numbers = [("+16502530000", "6502530000")]
    for text in (b"x+16502530000y", b"(650) 253-0000", b"\x00650.253.0000\xff", b"116502530000"):
        assert "6502530000" in _scan(text, numbers), text
    assert _scan(b"650 253 000", numbers) == []


def _populate(store: ContactStore) -> list[tuple[str, str]]:
    numbers = [normalize(e) for e in _numbers(N_CONTACTS)]
    store.add_contacts([{"name": f"person {i}", "phones": [n]} for i, n in enumerate(numbers)])
    return [(n.e164, n.national_number) for n in numbers]


@pytest.mark.slow
def test_no_number_in_clear_anywhere(db_url, store, caplog, tmp_path):
    with caplog.at_level(logging.DEBUG):
        numbers = _populate(store)
        some = numbers[:50]
        for e164, _ in some:
            assert store.find_by_phone(e164)
        store.search_phone_suffix(numbers[0][1][-6:])
    if db_url.startswith("sqlite"):
        path = Path(db_url.removeprefix("sqlite:///"))
        blob = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    else:
        blob = subprocess.run(
            ["pg_dump", "--no-owner", db_url.replace("+psycopg", "")],
            capture_output=True,
            check=True,
        ).stdout
        assert b"phone_contact_points" in blob
    assert len(blob) > N_CONTACTS * 50
    assert _scan(blob, numbers) == []
    log_text = "\n".join(r.getMessage() for r in caplog.records).encode()
    assert _scan(log_text, numbers) == []
