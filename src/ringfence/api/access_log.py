"""The access log never shows a query string (it could carry a number) nor the secret
token of a provider callback path."""

from __future__ import annotations

import logging
import re

_SECRET_PATHS = re.compile(r"^(/v1/delivery-receipts/vonage/)[^/?]+")


class AccessLogRedaction(logging.Filter):
    """Rewrites uvicorn's access-log records: ``(client, method, path, version, status)``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = _SECRET_PATHS.sub(r"\1<redacted>", args[2].split("?", 1)[0])
            record.args = (*args[:2], path, *args[3:])
        return True


def install() -> None:
    """Attach the filter to uvicorn's access logger (once)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogRedaction) for f in logger.filters):
        logger.addFilter(AccessLogRedaction())
