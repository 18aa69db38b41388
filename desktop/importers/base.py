"""What every importer shares: the error type, the context it reports into, and
the checks every record goes through (coordinates, times, text).

An importer is a module with ``NAME``, ``sniff(head: bytes, path) -> int`` (0 = not
mine, higher = surer) and ``read(path, ctx) -> Iterator[Record]``. A record that
cannot be used is reported with ``ctx.skip(where, reason)`` and the reader moves on;
a file that cannot be read at all raises :class:`ImportFailed` and nothing of it is
kept.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from desktop.core.model import to_ms
from desktop.core.errors import SitmapError

DEFAULT_TZ = "Asia/Seoul"
MAX_FILE_BYTES = 4 * 1024**3  # files past this are refused rather than half-read
MAX_XML_BYTES = 256 * 1024**2  # one XML document (KML, a CoT file)
MAX_SKIPS_LISTED = 200  # skip reasons kept for the report; the count goes on


class ImportFailed(SitmapError):
    """The whole file is refused; the message names the file and why."""

    def __init__(self, path: Path | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(slots=True)
class Skip:
    where: str  # "line 12", "record 5", "row 7", "Placemark 3"
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class ImportOptions:
    """What the user told us about a file (CLI flags or the import dialog)."""

    tz: str | None = None  # zone for times that carry none; None = DEFAULT_TZ, announced
    source: str | None = None  # override the source name (GeoJSON/CSV/KML)
    time_field: str | None = None
    text_field: str | None = None
    author_field: str | None = None
    id_field: str | None = None
    lat_field: str | None = None
    lon_field: str | None = None
    keep_raw: bool = False
    encoding: str | None = None
    geoparse: bool = True  # place posts without coordinates from their text (also the cache's setting)


@dataclass
class ImportContext:
    path: Path
    options: ImportOptions = field(default_factory=ImportOptions)
    skips: list[Skip] = field(default_factory=list)
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    _tz_announced: bool = False
    # A jsonfile.Piece: only that byte range of a JSON-lines file is read (pipeline's
    # reading processes); what a format reports once goes into its ``tally``.
    piece: object = None

    def skip(self, where: str, reason: str) -> None:
        self.skipped += 1
        if len(self.skips) < MAX_SKIPS_LISTED:
            self.skips.append(Skip(where, reason))

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def naive_zone(self) -> tzinfo:
        """The zone for times written without one; says so in the report once."""
        name = self.options.tz or DEFAULT_TZ
        if not self._tz_announced:
            self._tz_announced = True
            how = "as given by --tz" if self.options.tz else "by default (use --tz to change)"
            self.note(f"times without a zone were read as {name} {how}")
        return zone(name)


def zone(name: str) -> tzinfo:
    if name.upper() in ("UTC", "Z"):
        return timezone.utc
    m = re.fullmatch(r"(?:UTC)?([+-])(\d{1,2}):?(\d{2})?", name.strip(), re.I)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0)))
    try:
        return ZoneInfo(name)
    except Exception as exc:  # ZoneInfoNotFoundError, ValueError for odd keys
        raise ValueError(f"unknown time zone {name!r}") from exc


class BadRecord(ValueError):
    """Raised inside an importer for one unusable record; the reader turns it into a skip."""


def check_latlon(lat: object, lon: object) -> tuple[float, float]:
    """Validate a position. Out-of-range values are refused, never swapped.

    The message says when the pair looks swapped so the user can fix the source.
    """
    try:
        la = float(lat)  # type: ignore[arg-type]
        lo = float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise BadRecord(f"coordinates are not numbers: lat={lat!r} lon={lon!r}") from None
    if not (math.isfinite(la) and math.isfinite(lo)):
        raise BadRecord(f"coordinates are not finite: lat={la} lon={lo}")
    if not (-90.0 <= la <= 90.0) or not (-180.0 <= lo <= 180.0):
        hint = ""
        if -90.0 <= lo <= 90.0 and -180.0 <= la <= 180.0:
            hint = " (looks like lat and lon are swapped; not swapped automatically)"
        raise BadRecord(f"coordinates out of range: lat={la} lon={lo}{hint}")
    if la == 0.0 and lo == 0.0:
        raise BadRecord("coordinates are 0,0 (null island): no real position")
    return la, lo


_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2})?$",
    re.I,
)


# Local forms spreadsheets and Korean Windows write: '2026-11-14 오후 2:03:00',
# '2026. 11. 14. 오후 2:03', '2026년 11월 14일 (토) 14시 03분', '2026/11/14 2:03 PM'.
_MERIDIEM = r"(오전|오후|AM|PM|A\.M\.|P\.M\.)"
TIME_OF_DAY = (rf"(?:{_MERIDIEM}\s*)?(\d{{1,2}})\s*(?::|시)\s*(\d{{1,2}})"
               rf"(?:\s*(?::|분)\s*(\d{{1,2}})(?:[.,](\d+))?\s*초?|\s*분)?(?:\s*{_MERIDIEM})?")
_LOCAL_DATE = r"(\d{4})\s*(?:[-./]|년)\s*(\d{1,2})\s*(?:[-./]|월)\s*(\d{1,2})\s*(?:\.|일)?"
_LOCAL_RE = re.compile(rf"{_LOCAL_DATE}(?:\s*\(\s*\w{{1,3}}\s*\))?(?:(?:\s+|\s*T\s*){TIME_OF_DAY})?", re.I)


def _local_time(s: str) -> datetime | None:
    """A naive datetime from the local forms above, None when ``s`` is not one of them."""
    if len(s) > 80:  # the longest real one is about 40; a bound keeps hostile cells cheap
        return None
    m = _LOCAL_RE.fullmatch(" ".join(s.split()))
    if not m:
        return None
    y, mo, d, mer1, hh, mi, ss, frac, mer2 = m.groups()
    if mer1 and mer2:
        raise BadRecord(f"invalid time {s!r}: two AM/PM marks")
    hour = int(hh or 0)
    mer = (mer1 or mer2 or "").upper().replace(".", "")
    if mer:
        if not 1 <= hour <= 12:
            raise BadRecord(f"invalid time {s!r}: hour {hour} with {mer1 or mer2}")
        hour = hour % 12 + (12 if mer in ("PM", "오후") else 0)
    try:
        micro = int((frac or "0")[:6].ljust(6, "0"))
        return datetime(int(y), int(mo), int(d), hour, int(mi or 0), int(ss or 0), micro)
    except ValueError as exc:
        raise BadRecord(f"invalid time {s!r}: {exc}") from None


def parse_time(value: object, ctx: ImportContext | None, *, assume_utc: bool = False) -> int:
    """Parse a time into UTC milliseconds.

    Accepts ISO 8601 (any number of fraction digits, ``Z`` or offsets), epoch seconds
    or milliseconds (numbers or digit strings), ``YYYY-MM-DD HH:MM[:SS]`` forms, and the
    local forms spreadsheets write (오전/오후 or AM/PM, ``2026. 11. 14.``, 년 월 일 시 분).
    Naive times take ``ctx.naive_zone()`` (announced) unless ``assume_utc``.
    """
    if value is None or value == "":
        raise BadRecord("no time")
    if isinstance(value, bool):
        raise BadRecord(f"time is not a time: {value!r}")
    if isinstance(value, (int, float)) or (isinstance(value, str) and re.fullmatch(r"\d{9,13}(\.\d+)?", value.strip())):
        try:
            num = float(value)
        except OverflowError:
            raise BadRecord(f"epoch time out of range: {value!r}") from None
        # Ten digits are seconds (until 2286); thirteen are milliseconds.
        ms = num if num >= 1e11 else num * 1000
        if not (0 < ms < 32503680000000):  # before year 3000
            raise BadRecord(f"epoch time out of range: {value!r}")
        return int(round(ms))
    if not isinstance(value, str):
        raise BadRecord(f"time is not a string: {value!r}")
    s = value.strip()
    m = _ISO_RE.match(s)
    if m:
        y, mo, d, hh, mi, ss, frac, tz = m.groups()
        try:
            micro = int((frac or "0")[:6].ljust(6, "0"))
            dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), micro)
        except ValueError as exc:
            raise BadRecord(f"invalid time {value!r}: {exc}") from None
        if tz:
            if tz.upper() == "Z":
                dt = dt.replace(tzinfo=timezone.utc)
            else:
                t = tz.replace(":", "")
                sign = 1 if t[0] == "+" else -1
                hours = int(t[1:3])
                mins = int(t[3:5]) if len(t) > 3 else 0
                try:
                    dt = dt.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=mins)))
                except ValueError:
                    raise BadRecord(f"invalid time zone offset in {value!r}") from None
        elif assume_utc:
            dt = dt.replace(tzinfo=timezone.utc)
        else:
            dt = dt.replace(tzinfo=ctx.naive_zone() if ctx else zone(DEFAULT_TZ))
        return to_ms(dt)
    # Twitter v1.1: "Tue Jul 18 23:25:04 +0000 2017"
    try:
        return to_ms(datetime.strptime(s, "%a %b %d %H:%M:%S %z %Y"))
    except ValueError:
        pass
    # Day-first and slash forms seen in exported CSVs.
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M",
                "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%Y/%m/%d"):
        try:
            dt = datetime.strptime(s, fmt)
        except ValueError:
            continue
        tzi = timezone.utc if assume_utc else (ctx.naive_zone() if ctx else zone(DEFAULT_TZ))
        return to_ms(dt.replace(tzinfo=tzi))
    dt = _local_time(s)
    if dt is not None:
        tzi = timezone.utc if assume_utc else (ctx.naive_zone() if ctx else zone(DEFAULT_TZ))
        return to_ms(dt.replace(tzinfo=tzi))
    raise BadRecord(f"unrecognised time {value!r}")


_HASHTAG_RE = re.compile(r"(?:^|(?<=[^\w&]))[#＃]([\w\u00b7\u200c\u200d]+)", re.UNICODE)
_URL_RE = re.compile(r"https?://[^\s<>\"']+", re.I)


def hashtags_in(text: str) -> list[str]:
    """Hashtags written in text (Hangul included), without '#'. Pure digits are not tags."""
    return [t for t in _HASHTAG_RE.findall(text or "") if not t.isdigit()]


def links_in(text: str) -> list[str]:
    return [u.rstrip(".,);]") for u in _URL_RE.findall(text or "")]


def place_radius_m(west: float, south: float, east: float, north: float) -> float:
    """Radius in metres of the circle around a bounding box's centre that covers it."""
    lat_c = math.radians((south + north) / 2)
    dx = (east - west) * 111_320.0 * math.cos(lat_c)
    dy = (north - south) * 110_574.0
    return round(math.hypot(dx, dy) / 2, 1)


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
    if size > limit:
        raise ImportFailed(path, f"file is {size} bytes, over the {limit}-byte limit")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None


def decode_utf8(path: Path, data: bytes) -> str:
    """Strict UTF-8 (BOM allowed). Other encodings are refused with the byte offset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailed(path, f"not UTF-8 text (invalid byte at line {line}, offset {exc.start})") from None
