"""The timeline's value types: items (posts and field updates), units, and import actions.

Everything here is plain data with no I/O, so importers, the cache, the in-memory
index and the window can share it.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone


class Kind(str, enum.Enum):
    POST = "post"
    FIELD_UPDATE = "field_update"


class Precision(str, enum.Enum):
    """How well an item's position is known, best first."""

    EXACT = "exact"  # a GPS-style point
    PLACE = "place"  # centre of a named place; radius_m says how big
    INFERRED = "inferred"  # guessed from text or profile; low confidence
    UNKNOWN = "unknown"  # no usable position


KIND_CODES = {Kind.POST: 0, Kind.FIELD_UPDATE: 1}
PRECISION_CODES = {Precision.EXACT: 0, Precision.PLACE: 1, Precision.INFERRED: 2, Precision.UNKNOWN: 3}


def nfc(text: str | None) -> str | None:
    """Normalise to NFC (macOS sends Hangul decomposed) and drop NUL characters."""
    if text is None:
        return None
    return unicodedata.normalize("NFC", text).replace("\x00", "")


def normalise_tag(tag: str) -> str:
    """The form hashtags are stored and matched in: NFC, no leading '#', case-folded."""
    return unicodedata.normalize("NFC", tag).lstrip("#＃").casefold()


def to_ms(dt: datetime) -> int:
    """Milliseconds since the epoch for an aware datetime."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: the zone must be decided by the caller")
    return int(round(dt.timestamp() * 1000))


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


@dataclass(slots=True)
class Item:
    """One post or field update on the timeline.

    ``t_ms`` is UTC milliseconds. ``lat``/``lon`` are WGS84 degrees, or None with
    precision UNKNOWN. ``source_id`` is unique within ``source`` so re-imports are no-ops.
    """

    kind: Kind
    source: str
    source_id: str
    t_ms: int
    text: str = ""
    lat: float | None = None
    lon: float | None = None
    precision: Precision = Precision.UNKNOWN
    radius_m: float | None = None
    author: str | None = None
    author_id: str | None = None
    lang: str | None = None
    place_name: str | None = None
    hashtags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    reply_to: str | None = None
    quote_of: str | None = None
    retweet_of: str | None = None
    unit_uid: str | None = None
    callsign: str | None = None
    extra: dict | None = None
    raw: str | None = None

    def __post_init__(self) -> None:
        self.text = nfc(self.text) or ""
        self.author = nfc(self.author)
        self.place_name = nfc(self.place_name)
        self.callsign = nfc(self.callsign)
        # Keep first-seen order, drop duplicates and empties.
        seen: dict[str, None] = {}
        for tag in self.hashtags:
            t = normalise_tag(tag)
            if t:
                seen.setdefault(t, None)
        self.hashtags = tuple(seen)


@dataclass(slots=True)
class Unit:
    """A field unit's latest known state (from Cursor-on-Target)."""

    uid: str
    callsign: str | None
    cot_type: str
    affiliation: str
    t_ms: int
    stale_ms: int | None
    lat: float | None = None
    lon: float | None = None
    team: str | None = None
    role: str | None = None
    course: float | None = None
    speed: float | None = None


@dataclass(slots=True, frozen=True)
class DeleteItem:
    """The source withdrew an item (a tweet delete, a CoT t-x-d-d)."""

    source: str
    source_id: str


@dataclass(slots=True, frozen=True)
class DeleteUnit:
    uid: str


@dataclass(slots=True, frozen=True)
class ScrubGeo:
    """Strip positions from a user's posts up to and including ``up_to_id``."""

    source: str
    author_id: str
    up_to_id: str


Record = Item | Unit | DeleteItem | DeleteUnit | ScrubGeo


@dataclass(slots=True)
class ImportStats:
    accepted: int = 0
    duplicates: int = 0
    skipped: int = 0
    deleted: int = 0
    units: int = 0
    notes: list[str] = field(default_factory=list)
    batch_id: int | None = None  # the batches row this write made (write_records)
