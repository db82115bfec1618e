"""Where root keys come from: key providers, registered by name.

Built-ins, registered through the same :func:`register_key_provider` a plugin uses:

* ``env`` — ``RINGFENCE_ROOT_KEY``: one base64 key (version 1), or ``1:<b64>,2:<b64>``;
* ``file`` — a JSON key file (``RINGFENCE_KEY_FILE``, default ``.ringfence/root.key``), mode
  0600, written by ``ringfence keys init`` and extended by ``ringfence keys rotate``.

A KMS or Vault transit provider implements :class:`KeyProvider` and registers itself; set
``RINGFENCE_KEY_PROVIDER`` to its name.

In development, with no key configured at all, a *development* key file is created with a
loud warning. Settings with ``RINGFENCE_ENV=production`` refuse it.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ringfence.crypto.keyring import MAX_KEY_VERSION, ROOT_KEY_BYTES, Keyring
from ringfence.errors import ConfigurationError

if TYPE_CHECKING:
    from ringfence.settings import Settings

log = logging.getLogger(__name__)
KEY_FILE_FORMAT = "ringfence-keyring/1"


class KeyProvider(Protocol):
    """A source of versioned root keys."""

    name: str

    def load(self) -> dict[int, bytes]:
        """Every live root-key version."""
        ...

    def add_version(self) -> int:
        """Create a new root-key version and return its number."""
        ...

    @property
    def is_development_key(self) -> bool:
        """True for the throw-away key that dev mode makes by itself."""
        ...


ProviderFactory = Callable[["Settings"], KeyProvider]
_PROVIDERS: dict[str, ProviderFactory] = {}


def register_key_provider(name: str, factory: ProviderFactory) -> None:
    """Make a key provider available under ``name`` (``RINGFENCE_KEY_PROVIDER``)."""
    _PROVIDERS[name] = factory


def _decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"{where}: not valid base64", reason="bad_root_key") from None
    if len(key) != ROOT_KEY_BYTES:
        raise ConfigurationError(
            f"{where}: a root key is {ROOT_KEY_BYTES} bytes (base64 of 32 random bytes)",
            reason="bad_root_key",
        )
    return key


class EnvKeyProvider:
    """Root keys from ``RINGFENCE_ROOT_KEY``; rotation happens where the variable is set."""

    name = "env"
    is_development_key = False

    def __init__(self, value: str) -> None:
        self._value = value

    @classmethod
    def from_settings(cls, settings: Settings) -> EnvKeyProvider:
        if settings.root_key is None:
            raise ConfigurationError("RINGFENCE_ROOT_KEY is not set", reason="no_root_key")
        return cls(settings.root_key.get_secret_value())

    def load(self) -> dict[int, bytes]:
        if ":" not in self._value:
            return {1: _decode_key(self._value, "RINGFENCE_ROOT_KEY")}
        versions: dict[int, bytes] = {}
        for part in self._value.split(","):
            number, _, key = part.partition(":")
            if not number.strip().isdigit():
                raise ConfigurationError(
                    "RINGFENCE_ROOT_KEY: expected VERSION:BASE64,...", reason="bad_root_key"
                )
            versions[int(number)] = _decode_key(key, f"RINGFENCE_ROOT_KEY version {number}")
        return versions

    def add_version(self) -> int:
        raise ConfigurationError(
            "keys from RINGFENCE_ROOT_KEY are rotated where the variable is set: append "
            "',N:<base64 of 32 random bytes>' to it",
            reason="rotation_unsupported",
        )


class FileKeyProvider:
    """Root keys in a JSON key file readable by its owner only."""

    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def from_settings(cls, settings: Settings) -> FileKeyProvider:
        return cls(settings.key_file)

    def _read(self) -> dict[str, object]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            raise ConfigurationError(
                f"no key file at {self.path}: run `ringfence keys init`", reason="no_root_key"
            ) from None
        except (OSError, ValueError):
            raise ConfigurationError(
                f"{self.path}: not a ringfence key file", reason="bad_key_file"
            ) from None
        if not isinstance(data, dict) or data.get("format") != KEY_FILE_FORMAT:
            raise ConfigurationError(
                f"{self.path}: not a ringfence key file", reason="bad_key_file"
            )
        return data

    @property
    def is_development_key(self) -> bool:
        return bool(self._read().get("development"))

    def load(self) -> dict[int, bytes]:
        keys = self._read().get("keys")
        if not isinstance(keys, dict) or not keys:
            raise ConfigurationError(
                f"{self.path}: the key file has no keys", reason="bad_key_file"
            )
        try:
            return {
                int(v): _decode_key(str(k), f"{self.path} version {v}") for v, k in keys.items()
            }
        except ValueError:
            raise ConfigurationError(
                f"{self.path}: bad key version", reason="bad_key_file"
            ) from None

    def create(self, *, development: bool = False) -> None:
        """Write a new key file with one fresh key; refuse to overwrite one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = _payload({1: secrets.token_bytes(ROOT_KEY_BYTES)}, development)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise ConfigurationError(
                f"{self.path} exists already: it holds keys that data may need",
                reason="key_file_exists",
            ) from None
        with os.fdopen(fd, "w") as handle:
            handle.write(payload)

    def add_version(self) -> int:
        data = self._read()
        versions = self.load()
        new = max(versions) + 1
        if new > MAX_KEY_VERSION:
            raise ConfigurationError("no key versions left", reason="bad_key_version")
        versions[new] = secrets.token_bytes(ROOT_KEY_BYTES)
        temporary = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(_payload(versions, bool(data.get("development"))))
        os.replace(temporary, self.path)  # atomic: the old file stays whole until then
        return new


def _payload(versions: dict[int, bytes], development: bool) -> str:
    return json.dumps(
        {
            "format": KEY_FILE_FORMAT,
            "development": development,
            "keys": {str(v): base64.b64encode(k).decode() for v, k in sorted(versions.items())},
        },
        indent=1,
    )


register_key_provider("env", EnvKeyProvider.from_settings)
register_key_provider("file", FileKeyProvider.from_settings)


def get_key_provider(settings: Settings) -> KeyProvider:
    """The provider the settings name; ``auto`` is ``env`` when a key is set, else ``file``."""
    name = settings.key_provider
    if name == "auto":
        name = "env" if settings.root_key is not None else "file"
    try:
        factory = _PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(_PROVIDERS))
        raise ConfigurationError(
            f"unknown key provider {name!r} (known: {known})", reason="unknown_key_provider"
        ) from None
    return factory(settings)


def load_keyring(settings: Settings) -> Keyring:
    """Load the root keys for these settings.

    In development, with no key anywhere, a development key file is created (with a
    warning). In production a development key is refused.
    """
    provider = get_key_provider(settings)
    if (
        isinstance(provider, FileKeyProvider)
        and not provider.path.exists()
        and not settings.is_production
        and settings.key_provider == "auto"
    ):
        provider.create(development=True)
        log.warning(
            "DEVELOPMENT KEY created at %s: data sealed with it is only as safe as that file. "
            "Run `ringfence keys init` (or set RINGFENCE_ROOT_KEY) for real data.",
            provider.path,
        )
    if settings.is_production and provider.is_development_key:
        raise ConfigurationError(
            "a development key cannot be used with RINGFENCE_ENV=production",
            reason="development_key_in_production",
        )
    return Keyring(provider.load())
