"""Brute-force a verification over HTTP, as an attacker with an API key and a victim's
number would: start verifications, guess codes, ask for resends, and count how many guesses
the server actually evaluated.

    uv run python scripts/bruteforce.py --url http://127.0.0.1:8000 --key rf_... \\
        --to +33612345678 --requests 2000

Prints a JSON summary: verifications obtained, guesses evaluated, approvals (there should be
none), and how the server refused the rest.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

import httpx


def attack(
    url: str, key: str, to: str, *, requests: int, account_id: str | None = None
) -> dict[str, Any]:
    """Spend up to ``requests`` HTTP requests trying to approve a verification of ``to``.

    A guess counts as evaluated when the verification's ``attempts_left`` went down."""
    refusals: Counter[str] = Counter()
    attempts: dict[str, list[int]] = {}  # verification -> [attempts at start, attempts now]
    approved: list[dict[str, str]] = []
    guess = 0
    current: str | None = None
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
        for _ in range(requests):
            if current is None:
                body = {"to": to, "purpose": "login", "account_id": account_id}
                response = http.post("/v1/verifications", json={k: v for k, v in body.items() if v})
                if response.status_code == 201:
                    current = response.json()["id"]
                    left = response.json()["attempts_left"]
                    attempts.setdefault(current, [left, left])
                else:
                    refusals[response.json()["error"]["reason"]] += 1
                continue
            code = f"{guess:06d}"
            guess += 1
            response = http.post(f"/v1/verifications/{current}/check", json={"code": code})
            if response.status_code != 200:
                refusals[response.json()["error"]["reason"]] += 1
                current = None
                continue
            result = response.json()
            attempts[current][1] = result["attempts_left"]
            if result["status"] == "approved":
                approved.append({"verification": current, "code": code})
            if result["status"] != "pending":
                refusals[result["status"]] += 1
                current = None
    return {
        "requests": requests,
        "verifications": sorted(attempts),
        "guesses_evaluated": sum(first - now for first, now in attempts.values()),
        "approved": approved,
        "refusals": dict(refusals),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--to", required=True)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--account-id")
    args = parser.parse_args()
    result = attack(args.url, args.key, args.to, requests=args.requests, account_id=args.account_id)
    result["verifications"] = len(result["verifications"])
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
