"""Purposes: why Sitmap collects and looks at public posts, kept as data.

The list ships in ``resources/purposes/purposes.json``; an agency may put its own
``purposes.json`` in the user data folder, which replaces the shipped list. Each purpose
has a code (``public-order``…), labels and a legal basis in Korean and English, and the
retention period of what is collected for it. "No purpose, no collection": imports and
live feeds call :func:`require` before they start.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from desktop.core import paths
from desktop.core.errors import OptionError

FORMAT = "sitmap-purposes/1"
DEFAULT_RETENTION_DAYS = 730  # two years: the PIPC safety standard's tier for sensitive data


class PurposeError(OptionError):
    """No purpose, an unknown one, or a purpose file that cannot be read."""


@dataclass(frozen=True)
class Purpose:
    code: str
    label_en: str
    label_ko: str
    legal_basis_en: str
    legal_basis_ko: str
    retention_days: int = DEFAULT_RETENTION_DAYS
    case_required: bool = False

    def label(self, lang: str = "en") -> str:
        return self.label_ko if lang == "ko" else self.label_en

    def legal_basis(self, lang: str = "en") -> str:
        return self.legal_basis_ko if lang == "ko" else self.legal_basis_en


def shipped_path() -> Path:
    return paths.resources_dir() / "purposes" / "purposes.json"


def user_path() -> Path:
    return paths.data_dir() / "purposes.json"


def source_path() -> Path:
    """The file the list comes from: ``$SITMAP_PURPOSES``, else the user's, else the shipped one."""
    env = os.environ.get("SITMAP_PURPOSES")
    if env:
        return Path(env)
    user = user_path()
    return user if user.exists() else shipped_path()


def parse(text: str, where: str) -> tuple[Purpose, ...]:
    """The purposes of a purposes.json text; PurposeError names the file and the entry."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise PurposeError(f"{where}: not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("purposes"), list):
        raise PurposeError(f"{where}: not a purpose list (expected \"format\": \"{FORMAT}\" and a \"purposes\" list)")
    out: list[Purpose] = []
    for i, p in enumerate(doc["purposes"], 1):
        if not isinstance(p, dict):
            raise PurposeError(f"{where}: purpose {i} is not an object")
        code = p.get("code")
        if not isinstance(code, str) or not code or not all(c.isalnum() or c in "-_" for c in code):
            raise PurposeError(f"{where}: purpose {i}: a code of letters, digits and '-' is required")
        missing = [k for k in ("label_en", "label_ko", "legal_basis_en", "legal_basis_ko")
                   if not isinstance(p.get(k), str) or not p[k].strip()]
        if missing:
            raise PurposeError(f"{where}: purpose {code!r}: {', '.join(missing)} missing")
        days = p.get("retention_days", DEFAULT_RETENTION_DAYS)
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise PurposeError(f"{where}: purpose {code!r}: retention_days must be a whole number of days ≥ 1")
        if any(q.code == code for q in out):
            raise PurposeError(f"{where}: purpose {code!r} is listed twice")
        out.append(Purpose(code, p["label_en"], p["label_ko"], p["legal_basis_en"], p["legal_basis_ko"], days,
                           bool(p.get("case_required", False))))
    if not out:
        raise PurposeError(f"{where}: the purpose list is empty")
    return tuple(out)


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> tuple[Purpose, ...]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PurposeError(f"{path}: the purpose list cannot be read ({exc.strerror or exc})") from None
    return parse(text, path)


def load() -> tuple[Purpose, ...]:
    """The purposes in force (re-read when the file changes)."""
    p = source_path()
    try:
        mtime = p.stat().st_mtime
    except OSError:
        mtime = 0.0
    return _load(str(p), mtime)


def codes() -> tuple[str, ...]:
    return tuple(p.code for p in load())


def get(code: str) -> Purpose:
    """The purpose with this code; PurposeError lists the known codes."""
    for p in load():
        if p.code == code:
            return p
    raise PurposeError(f"unknown purpose {code!r}: use one of {', '.join(codes())} (see `sitmap purposes`)")


def require(code: str | None, what: str, case_ref: str | None = None) -> Purpose:
    """The purpose for collecting ``what`` ("importing tweets.jsonl", "the live feeds");
    PurposeError when none is given (no purpose, no collection), it is unknown, or it needs
    a case reference that is missing."""
    code = (code or "").strip()
    if not code:
        raise PurposeError(f"{what}: no purpose given, so nothing is collected. Say why with --purpose CODE "
                           f"(or $SITMAP_PURPOSE), one of {', '.join(codes())}")
    purpose = get(code)
    if purpose.case_required and not (case_ref or "").strip():
        raise PurposeError(f"{what}: purpose {code!r} needs a case reference: add --case REF (or $SITMAP_CASE)")
    return purpose


def retention_days(code: str | None) -> int:
    """The retention period of a purpose code; the default for none or a code no longer listed."""
    if code:
        for p in load():
            if p.code == code:
                return p.retention_days
    return DEFAULT_RETENTION_DAYS
