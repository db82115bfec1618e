"""What the benchmarks' baselines share: phonenumbers in its fastest configuration."""

from __future__ import annotations

import re
import types
from typing import Any

from ringfence.phone._backend import get_backend


def phonenumbers_with_patterns_kept() -> Any:
    """phonenumbers with every compiled metadata pattern kept.

    From 9.0.42 on, ``enable_pattern_cache`` does it: the seven ``re.compile`` calls on
    metadata patterns in phonenumberutil become lookups in a dict of compiled patterns.
    Earlier releases get the same: phonenumberutil's ``re`` is replaced by a copy of the
    module whose ``compile`` keeps what it compiled (measured on the 1M distinct corpus:
    9.0.41 so equipped and 9.0.43 with its own cache run within noise of each other)."""
    module = get_backend("reference").module  # enables the pattern cache where there is one
    if not hasattr(module, "enable_pattern_cache"):
        import phonenumbers.phonenumberutil as util

        util.re = _re_keeping_patterns()
    return module


def _re_keeping_patterns() -> types.ModuleType:
    compiled: dict[tuple[Any, int], re.Pattern[Any]] = {}

    def compile_kept(pattern: Any, flags: int = 0) -> re.Pattern[Any]:
        found = compiled.get((pattern, flags))
        if found is None:
            found = compiled[(pattern, flags)] = re.compile(pattern, flags)
        return found

    kept = types.ModuleType("re_keeping_patterns")
    kept.__dict__.update(re.__dict__)
    kept.compile = compile_kept  # type: ignore[attr-defined]
    return kept
