"""Canonical JSON: the one byte form of a value that the audit trail hashes.

Python's ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)``
over values without floats (their text form differs between tools). Both the audit log
(desktop.audit) and the cache's audit outbox (desktop.cache.outbox) use it, so an entry
staged in the cache hashes the same once it reaches the log. docs/AUDIT.md has the rules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from desktop.core.errors import SitmapError


class CanonicalError(SitmapError, TypeError):
    """A value that the audit trail cannot record (a float, a set, an object)."""


def canonical(obj: Any) -> bytes:
    """The bytes that are hashed: JSON with sorted keys, no spaces, ASCII only (``\\uXXXX``)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")


def plain(value: Any, where: str) -> Any:
    """``value`` as JSON values without floats (tuples become lists, paths strings)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v, where) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    raise CanonicalError(f"audit {where}: {type(value).__name__} values cannot be recorded (strings, integers, "
                         f"lists, objects)")
