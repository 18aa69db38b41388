"""Field guessing and record checks shared by the tabular importers (GeoJSON, CSV,
Ushahidi): which property holds the time, text, author or id, stable ids for rows
that carry none, and wrappers that turn every odd value into a :class:`BadRecord`.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from pathlib import Path
from typing import Callable, Iterable, Mapping

from desktop.importers.base import BadRecord, ImportContext, ImportFailed, check_latlon, parse_time, zone
from desktop.core.model import Precision

# Candidate names, surest first. Matching is case-insensitive (see ``key``).
TIME_NAMES = ("time", "timestamp", "datetime", "created_at", "created", "posted_at", "published_at", "when", "작성시간",
              "작성일시", "등록일시", "발생일시", "접수일시", "신고일시", "게시일시", "일시", "작성시각", "발생시각", "시각",
              "시간", "date", "날짜", "일자")
TEXT_NAMES = ("text", "description", "message", "content", "body", "title", "name", "내용", "제목")
AUTHOR_NAMES = ("author", "user", "username", "screen_name", "작성자", "신고자")
ID_NAMES = ("id", "uid")
TAG_NAMES = ("hashtags", "tags", "해시태그", "태그")
PLACE_NAMES = ("place_name", "place", "location_name", "address", "장소", "주소", "위치")
PRECISION_NAMES = ("precision",)
RADIUS_NAMES = ("radius_m", "radius", "accuracy_m", "accuracy", "반경")

# An error circle wider than this is an area, not a pin.
PLACE_RADIUS_M = 50.0

# Spreadsheets show long numbers in scientific notation and save them that way, losing digits.
_MANGLED_RE = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def key(name: object) -> str:
    """The form a field name is matched in: NFC, no BOM or surrounding space, case-folded."""
    return unicodedata.normalize("NFC", str(name)).replace("\ufeff", "").strip().casefold()


def index_names(names: Iterable[str]) -> dict[str, str]:
    """Map each matching key to the first field name that has it."""
    out: dict[str, str] = {}
    for n in names:
        out.setdefault(key(n), n)
    return out


def pick(names: Mapping[str, str], candidates: Iterable[str]) -> str | None:
    """The first candidate present in ``names`` (as built by :func:`index_names`)."""
    for c in candidates:
        hit = names.get(key(c))
        if hit is not None:
            return hit
    return None


def clean(text: object) -> str:
    """A string safe to store: lone surrogates (legal in JSON escapes, not in UTF-8) become U+FFFD."""
    s = text if isinstance(text, str) else str(text)
    return _SURROGATE_RE.sub("\ufffd", s)


def scalar_text(value: object) -> str | None:
    """A property value as text, or None when it is empty or not a plain value."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    s = clean(value).strip()
    return s or None


def looks_mangled(value: str) -> bool:
    """True for ids a spreadsheet rewrote as ``1.23E+18``: their digits are gone for good."""
    return bool(_MANGLED_RE.fullmatch(value.strip()))


class MangledIds:
    """Ids a spreadsheet rounded: counted per row, reported once at the end of the file."""

    def __init__(self) -> None:
        self.count = 0
        self.example = ""

    def usable(self, value: str | None) -> str | None:
        """The id, or None when it is empty or was rounded to scientific notation."""
        if value and looks_mangled(value):
            self.count += 1
            self.example = self.example or value
            return None
        return value or None

    def report(self, ctx: ImportContext) -> None:
        if self.count:
            ctx.note(f"{self.count} ids were rounded by a spreadsheet (e.g. {self.example!r}) and cannot be used; "
                     "those records got a stable hash as id")


def stable_id(t_ms: int, lat: float | None, lon: float | None, text: str) -> str:
    """An id for a record that has none, the same on every import of the same record."""
    pos = "" if lat is None or lon is None else f"{lat:.7f},{lon:.7f}"
    digest = hashlib.sha1(f"{t_ms}|{pos}|{text}".encode("utf-8", "replace")).hexdigest()
    return f"sha1:{digest[:32]}"


def record_id(sid: str | None, t_ms: int, lat: float | None, lon: float | None, text: str) -> str:
    """The source id of a generic record: its own id plus a short content hash.

    Exports number their rows 1, 2, 3…, so two different files would collide on the bare
    id and the second one's rows would be dropped as duplicates. The hash keeps re-imports
    of the same file a no-op while different records never merge.
    """
    digest = stable_id(t_ms, lat, lon, text)
    return f"{sid}#{digest[5:17]}" if sid else digest


def split_tags(value: object) -> list[str]:
    """Hashtags from a list, or from a string separated by commas or spaces."""
    if isinstance(value, list):
        parts = [scalar_text(v) for v in value]
    elif isinstance(value, str):
        parts = re.split(r"[,\s]+", value)
    else:
        return []
    return [clean(p).strip().lstrip("#＃") for p in parts if p and p.strip().lstrip("#＃")]


def short(value: object, limit: int = 60) -> str:
    """repr() of a value cut to ``limit`` characters, for skip reasons."""
    r = repr(value)
    return r if len(r) <= limit else r[: limit - 1] + "…"


def reason(exc: object, limit: int = 300) -> str:
    """A skip reason from an exception, cut so one odd value cannot flood the report."""
    s = str(exc)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def time_ms(value: object, ctx: ImportContext, *, assume_utc: bool = False) -> int:
    """Parse a time; every failure (overflow, odd types) becomes a BadRecord."""
    try:
        return parse_time(value, ctx, assume_utc=assume_utc)
    except BadRecord:
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        raise BadRecord(f"unusable time {short(value)}: {exc}") from None


def latlon(lat: object, lon: object) -> tuple[float, float]:
    """Range-check a position (never swapped); overflowing numbers become a BadRecord."""
    if isinstance(lat, bool) or isinstance(lon, bool):
        raise BadRecord(f"coordinates are not numbers: lat={short(lat)} lon={short(lon)}")
    try:
        return check_latlon(lat, lon)
    except OverflowError:
        raise BadRecord(f"coordinates are not numbers: lat={short(lat)} lon={short(lon)}") from None


def precision_of(get: Callable[[tuple[str, ...]], object]) -> tuple[Precision, float | None]:
    """Precision and radius from precision/radius fields; a plain point is EXACT.

    ``get(names)`` returns the value of the first of ``names`` present, or None.
    """
    radius: float | None = None
    raw = get(RADIUS_NAMES)
    if raw is not None and not isinstance(raw, bool):
        try:
            r = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            r = math.nan
        if math.isfinite(r) and r > 0:
            radius = r
    stated = scalar_text(get(PRECISION_NAMES))
    if stated and stated.casefold() in ("exact", "place", "inferred"):
        return Precision(stated.casefold()), radius
    if radius is not None and radius > PLACE_RADIUS_M:
        return Precision.PLACE, radius
    return Precision.EXACT, radius


def check_options(path: Path, ctx: ImportContext) -> None:
    """Refuse the file up front when an option cannot work, rather than on every record."""
    if ctx.options.tz:
        try:
            zone(ctx.options.tz)
        except ValueError as exc:
            raise ImportFailed(path, str(exc)) from None


def source_name(ctx: ImportContext, default: str) -> str:
    """The source the user asked for, else the format's own name."""
    s = (ctx.options.source or "").strip()
    return s or default
