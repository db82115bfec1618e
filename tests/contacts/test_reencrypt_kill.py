"""`ringfence keys reencrypt` killed with SIGKILL mid-run loses nothing and resumes."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time

from ringfence.contacts import ContactStore
from ringfence.crypto import Keyring
from ringfence.phone import normalize
from tests.conftest import TEST_ROOT_KEY

NEW_KEY = bytes([42]) * 32
N = 1500


def _env(versions: dict[int, bytes]) -> dict[str, str]:
    value = ",".join(f"{v}:{base64.b64encode(k).decode()}" for v, k in versions.items())
    return {**os.environ, "RINGFENCE_ROOT_KEY": value}


def test_sigkill_during_reencrypt_then_resume(db_url):
    numbers = [normalize(f"+1415555{n:04d}") for n in range(N)]
    with ContactStore.open(db_url, keyring=Keyring({1: TEST_ROOT_KEY})) as store:
        store.add_contacts([{"name": f"c{i}", "phones": [n]} for i, n in enumerate(numbers)])
    both = {1: TEST_ROOT_KEY, 2: NEW_KEY}
    rotated = ContactStore.open(db_url, keyring=Keyring(both))
    try:
        job = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ringfence",
                "keys",
                "reencrypt",
                "--db",
                db_url,
                "--batch-size",
                "1",
            ],
            env=_env(both),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while rotated.key_status().get(2, 0) < 50 and time.monotonic() < deadline:
            time.sleep(0.01)
        job.send_signal(signal.SIGKILL)
        job.wait()
        status = rotated.key_status()
        assert sum(status.values()) == N  # nothing lost, nothing doubled
        assert status.get(2, 0) > 0
        # Lookups work with the rows split between versions.
        for number in numbers[::97]:
            assert len(rotated.find_by_phone(number.e164)) == 1
        # A second run finishes the job.
        rerun = subprocess.run(
            [sys.executable, "-m", "ringfence", "keys", "reencrypt", "--db", db_url],
            env=_env(both),
            capture_output=True,
            text=True,
            check=True,
        )
        assert "re-sealed" in rerun.stdout
        assert rotated.key_status() == {2: N}
        for number in numbers[::97]:
            assert rotated.find_by_phone(number.e164)[0].phones[0].e164 == number.e164
    finally:
        rotated.close()
