"""Webhooks: every state change of a verification, posted as JSON to one URL, signed
(``X-Ringfence-Signature``: HMAC-SHA256 over the timestamp and the body), retried with
exponential backoff (tenacity), each attempt written to the delivery log.

Posting happens on a background thread, after the change is committed, so a slow receiver
never holds a request or a database lock. Events carry ids and masked numbers only.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from typing import Any, cast

import httpx
from sqlalchemy import Engine, Table, insert, select
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from ringfence.clock import Clock, system_clock
from ringfence.crypto.tokens import webhook_signature_header
from ringfence.store.models import WebhookDeliveryRow

log = logging.getLogger("ringfence.webhooks")
DELIVERIES = cast(Table, WebhookDeliveryRow.__table__)
SIGNATURE_HEADER = "X-Ringfence-Signature"


class _Retry(Exception):
    pass


class WebhookSender:
    """Posts events to ``url`` from a queue, in order, on one background thread.

    Args:
        attempts: tries per event (the first and the retries).
        backoff_seconds: the first wait; each retry waits twice as long (capped at 60 s).
    """

    def __init__(
        self,
        engine: Engine,
        url: str,
        secret: bytes,
        *,
        clock: Clock = system_clock,
        attempts: int = 5,
        backoff_seconds: float = 1.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.engine = engine
        self.url = url
        self._secret = secret
        self.clock = clock
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self._client = httpx.Client(timeout=httpx.Timeout(10.0), transport=transport)
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="ringfence-webhooks", daemon=True)
        self._thread.start()

    def __call__(self, event: dict[str, Any]) -> None:
        """Queue an event (a listener of :class:`VerificationService`)."""
        self._queue.put(
            {
                "id": str(uuid.uuid4()),
                "type": event["type"],
                "created_at": event["at"],
                "data": {k: v for k, v in event.items() if k not in ("type", "at")},
            }
        )

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every queued event was delivered or given up (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)
        self._client.close()

    def _run(self) -> None:
        while True:
            payload = self._queue.get()
            try:
                if payload is None:
                    return
                self._deliver(payload)
            except Exception as exc:  # the thread must survive anything
                log.error("webhook delivery crashed: %s", type(exc).__name__)
            finally:
                self._queue.task_done()

    def _deliver(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.backoff_seconds, max=60),
            retry=retry_if_exception_type(_Retry),
            reraise=True,
        )
        try:
            retrying(self._attempt, payload, body)
        except _Retry:
            log.warning("webhook %s given up after %d attempts", payload["type"], self.attempts)

    def _attempt(self, payload: dict[str, Any], body: bytes) -> None:
        attempt = self._attempts_so_far(payload["id"]) + 1
        header = webhook_signature_header(self._secret, body, int(self.clock.now().timestamp()))
        status, error = None, None
        try:
            response = self._client.post(
                self.url,
                content=body,
                headers={"Content-Type": "application/json", SIGNATURE_HEADER: header},
            )
            status = response.status_code
        except httpx.TransportError as exc:
            error = type(exc).__name__
        ok = status is not None and 200 <= status < 300
        with self.engine.begin() as connection:
            connection.execute(
                insert(DELIVERIES).values(
                    event_id=payload["id"],
                    event_type=payload["type"],
                    attempt=attempt,
                    status_code=status,
                    ok=ok,
                    error=error,
                    at=self.clock.now(),
                )
            )
        if not ok:
            raise _Retry

    def _attempts_so_far(self, event_id: str) -> int:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(DELIVERIES.c.id).where(DELIVERIES.c.event_id == event_id)
            ).all()
        return len(rows)


def delivery_log(engine: Engine, *, limit: int = 100) -> list[dict[str, Any]]:
    """The newest webhook attempts first."""
    query = select(DELIVERIES).order_by(DELIVERIES.c.id.desc()).limit(limit)
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]
