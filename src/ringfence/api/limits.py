"""A cap on request bodies: the API's bodies are a few hundred bytes, so anything over
64 KiB is refused with 413 before it is read into memory (uvicorn sets no such cap)."""

from __future__ import annotations

import json
from typing import Any

MAX_BODY_BYTES = 64 * 1024
_TOO_LARGE = json.dumps(
    {
        "error": {
            "reason": "too_large",
            "message": f"request bodies are limited to {MAX_BODY_BYTES} bytes",
        }
    }
).encode()

Scope = dict[str, Any]
Receive = Any
Send = Any


class BodySizeLimit:
    """Pure ASGI middleware: refuses by Content-Length, and reads a streamed body only up
    to the cap."""

    def __init__(self, app: Any, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _refuse(send)
            return
        if declared is not None:
            await self.app(scope, receive, send)
            return
        # A streamed body: read it here (at most max_bytes) and hand it on in one piece.
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await _refuse(send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


async def _refuse(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": _TOO_LARGE})
