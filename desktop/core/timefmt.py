"""Time display: the store is UTC milliseconds; people read Asia/Seoul, with UTC on request."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
ZONE_LABELS = {"Asia/Seoul": "KST", "UTC": "UTC"}


def zone_for(name: str):
    return timezone.utc if name == "UTC" else ZoneInfo(name)


def zone_label(name: str) -> str:
    return ZONE_LABELS.get(name, name)


def iso_utc(ms: int) -> str:
    """ISO 8601 in UTC with a Z; milliseconds only when there are some."""
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    if ms % 1000:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt(ms: int, zone: str = "Asia/Seoul", *, seconds: bool = False, date: bool = True) -> str:
    """'2026-11-14 14:05 KST' (or without the date)."""
    dt = datetime.fromtimestamp(ms / 1000, tz=zone_for(zone))
    pattern = ("%Y-%m-%d " if date else "") + ("%H:%M:%S" if seconds else "%H:%M")
    return f"{dt.strftime(pattern)} {zone_label(zone)}"


def fmt_range(start_ms: int, end_ms: int, zone: str = "Asia/Seoul") -> str:
    """'2026-11-14 14:00–16:00 KST', with the second date only when it differs."""
    a = datetime.fromtimestamp(start_ms / 1000, tz=zone_for(zone))
    b = datetime.fromtimestamp(end_ms / 1000, tz=zone_for(zone))
    right = b.strftime("%H:%M") if a.date() == b.date() else b.strftime("%Y-%m-%d %H:%M")
    return f"{a.strftime('%Y-%m-%d %H:%M')}–{right} {zone_label(zone)}"
