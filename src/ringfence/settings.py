"""Typed settings, read from ``RINGFENCE_*`` environment variables (and a ``.env`` file).

Settings are validated once, at start-up; a bad value raises
:class:`ringfence.errors.ConfigurationError` naming the setting, never echoing a secret.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ringfence.errors import ConfigurationError


class Environment(StrEnum):
    """Where ringfence runs; production refuses development shortcuts."""

    DEV = "dev"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """All of ringfence's settings.

    Attributes:
        env: ``dev`` (default), ``test`` or ``production``.
        database_url: SQLAlchemy URL of the store.
        phone_backend: ``auto`` uses the compiled backend for bulk work when it is installed.
        workers: process-pool size for bulk work; ``None`` means one per CPU.
        key_provider: ``auto`` (``env`` when ``root_key`` is set, else ``file``), ``env``,
            ``file``, or the name of a registered provider (KMS, Vault transit).
        root_key: base64 root key, or ``1:<b64>,2:<b64>`` for several versions. Redacted in
            ``repr()``.
        key_file: the key file of the ``file`` provider.
        sms_channel: delivery channels for codes, tried in order until one accepts the
            message (``outbox`` in development; e.g. ``twilio,vonage`` in production).
        rate_limit_storage: ``limits`` storage URI: ``memory://`` for one process,
            ``redis://host:6379`` when several workers share the limits.
        rate_limits: overrides of the default limits, per scope, as JSON, e.g.
            ``{"ip": "10/minute;50/day", "global": "500/second"}``.
        otp_domain: the site's domain, for the origin-bound last line of a code message
            (``@example.com #123456``) that WebOTP and Apple autofill read.
        android_app_hash: the 11-character hash of the Android app, for the SMS Retriever API.
        webhook_url: where state changes of verifications are posted (optional).
        webhook_secret: the HMAC-SHA256 key that signs webhook bodies.
        default_region: the region the dashboard reads national-format numbers in (``US``).
        analytics_dataset: a pseudonymized call log (Parquet) whose charts the dashboard's
            analytics page shows.
        signin_limits: ``limits`` strings for dashboard sign-in, per username and per IP.
    """

    model_config = SettingsConfigDict(
        env_prefix="RINGFENCE_", env_file=".env", extra="ignore", frozen=True
    )

    env: Environment = Environment.DEV
    database_url: str = "sqlite:///ringfence.db"
    phone_backend: Literal["auto", "reference", "fast"] = "auto"
    workers: int | None = Field(default=None, ge=1, le=256)
    key_provider: str = "auto"
    root_key: SecretStr | None = None
    key_file: Path = Path(".ringfence/root.key")
    sms_channel: str = "outbox"
    rate_limit_storage: str = "memory://"
    rate_limits: dict[str, str] = Field(default_factory=dict)
    otp_domain: str | None = None
    android_app_hash: str | None = Field(default=None, pattern=r"^[A-Za-z0-9+/]{11}$")
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    default_region: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    analytics_dataset: Path | None = None
    signin_limits: dict[str, str] = Field(
        default_factory=lambda: {"username": "5/minute;20/hour", "ip": "30/minute;200/hour"}
    )

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings; raise ``ConfigurationError`` on a bad value."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        names = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
        raise ConfigurationError(
            f"invalid setting(s): {', '.join('RINGFENCE_' + n.upper() for n in names)}"
        ) from None
