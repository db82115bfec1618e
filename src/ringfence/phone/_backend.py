"""The backend seam: which phonenumbers-compatible implementation does the work.

``phonenumbers`` (Python port of libphonenumber) is the reference. ``rphonenumbers`` (the
``fast`` extra) exposes the same API on a Rust port and serves bulk work. Both are imported
here only; the rest of the core talks to a :class:`Backend`.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from ringfence.errors import MissingDependency

BackendName = Literal["auto", "reference", "fast"]


@dataclass(frozen=True)
class Backend:
    """A phonenumbers-compatible module, with the metadata version it carries."""

    name: str
    module: ModuleType
    metadata_version: str


@functools.cache
def reference() -> Backend:
    """The ``phonenumbers`` backend, with its pattern cache on where the release has one.

    Without the pattern cache, multi-region data thrashes Python's 512-entry ``re`` cache and
    runs several times slower.
    """
    import phonenumbers

    # Releases before 9.0.42 have no pattern cache (the fast extra holds 9.0.41).
    enable_pattern_cache = getattr(phonenumbers, "enable_pattern_cache", None)
    if enable_pattern_cache is not None:
        enable_pattern_cache()
    return Backend("reference", phonenumbers, phonenumbers.__version__)


@functools.cache
def _fast_or_none() -> Backend | None:
    try:
        module = importlib.import_module("rphonenumbers")
    except ImportError:
        return None
    return Backend("fast", module, str(module.__phonenumbers_version__))


def fast_available() -> bool:
    """Whether the ``fast`` extra (rphonenumbers) is installed."""
    return _fast_or_none() is not None


def get_backend(name: str = "auto") -> Backend:
    """Resolve a backend name: ``auto`` (fast when installed), ``reference`` or ``fast``.

    Raises:
        MissingDependency: ``fast`` was asked for and the extra is not installed.
        ValueError: an unknown name.
    """
    if name == "reference":
        return reference()
    if name in ("fast", "auto"):
        fast = _fast_or_none()
        if fast is not None:
            return fast
        if name == "fast":
            raise MissingDependency.for_extra("fast", "rphonenumbers")
        return reference()
    raise ValueError(f"unknown phone backend {name!r}: expected auto, reference or fast")


def metadata_version(backend: str = "reference") -> str:
    """The libphonenumber metadata version of a backend (the reference by default)."""
    return get_backend(backend).metadata_version
