"""Loading feed rows by id, and the Qt-free text the feed and the details pane show.

The feed may list a million items; it never holds them all. It asks :class:`RowLoader`
for the few hundred rows on screen, and the loader reads them by primary key over
its own read-only connection, so a slow import on the writing connection never
blocks scrolling.

Item text comes from the public and is hostile. Nothing here builds markup: the
helpers return plain strings and :func:`source_url` only ever returns an http(s)
address, so a ``javascript:`` or ``file:`` link in a post can never be opened.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timezone
from typing import Sequence
from urllib.parse import quote, urlsplit

from desktop.cache.db import Cache, explain
from desktop.cache.query import ROW_COLUMNS, _decode

#: SQLite allows 32766 host parameters, but short IN lists keep each query cheap
#: and the statement cache small; a screen of rows fits in one query.
MAX_IDS_PER_QUERY = 500

#: How long a feed line may get; the full text is in the tooltip and details pane.
LINE_CHARS = 200

WEB_SCHEMES = ("http", "https")

_SELECT = f"SELECT {', '.join(ROW_COLUMNS)} FROM items WHERE id IN "


class RowLoader:
    """Reads items by id from one cache file over a private read-only connection.

    One loader belongs to one thread (the GUI thread, for the feed).
    """

    def __init__(self, db_path: str | os.PathLike) -> None:
        self._cache = Cache.open_readonly(db_path)
        self.path = self._cache.path

    def load(self, ids: Sequence[int]) -> dict[int, dict]:
        """Items for ``ids`` as decoded dicts keyed by id.

        Ids no longer in the cache (deleted by a later import) are simply absent from
        the result. Runs one ``SELECT … WHERE id IN (…)`` per 500 ids.
        """
        wanted = [int(i) for i in ids]  # numpy integers are not SQLite parameters
        out: dict[int, dict] = {}
        conn = self._cache.conn
        try:
            for start in range(0, len(wanted), MAX_IDS_PER_QUERY):
                chunk = wanted[start:start + MAX_IDS_PER_QUERY]
                sql = _SELECT + "(" + ",".join("?" * len(chunk)) + ")"
                for row in conn.execute(sql, chunk):
                    item = _decode(row)
                    out[item["id"]] = item
            inferred = [i for i, it in out.items() if it.get("precision") == "inferred"]
            for start in range(0, len(inferred), MAX_IDS_PER_QUERY):
                chunk = inferred[start:start + MAX_IDS_PER_QUERY]
                for item_id, conf, radius, evidence in conn.execute(
                        "SELECT item_id, confidence, radius_m, evidence FROM geo_inferences WHERE item_id IN ("
                        + ",".join("?" * len(chunk)) + ")", chunk):
                    out[item_id]["inference"] = {"confidence": conf, "radius_m": radius, "evidence": _evidence(evidence)}
        except sqlite3.Error as exc:
            raise explain(self.path, exc) from None
        return out

    @property
    def conn(self) -> sqlite3.Connection:
        """The loader's read connection (GUI thread only)."""
        return self._cache.conn

    def close(self) -> None:
        self._cache.close()

    def __enter__(self) -> "RowLoader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _evidence(text: str | None) -> dict:
    try:
        ev = json.loads(text) if text else {}
    except ValueError:
        return {}
    return ev if isinstance(ev, dict) else {}


def inference_facts(item: dict) -> dict | None:
    """What the details pane says about an uncertain position, as plain values (the window
    words them): for an inferred item the matched words, radius, confidence, gazetteer
    entry and whether it came from the author's profile; for a place, its name and radius."""
    precision = item.get("precision")
    if precision == "place":
        return {"kind": "place", "name": item.get("place_name") or "", "radius": fmt_radius(item.get("radius_m"))}
    if precision != "inferred":
        return None
    inf = item.get("inference") if isinstance(item.get("inference"), dict) else {}
    ev = inf.get("evidence") if isinstance(inf.get("evidence"), dict) else {}
    matched = [str(w) for w in ev.get("matched") or () if isinstance(w, (str, int, float))]
    entry = ev.get("entry") if isinstance(ev.get("entry"), dict) else {}
    conf = inf.get("confidence")
    return {"kind": "inferred", "matched": matched,
            "radius": fmt_radius(inf.get("radius_m") if inf.get("radius_m") else item.get("radius_m")),
            "confidence": f"{conf:.2f}".rstrip("0").rstrip(".") if isinstance(conf, (int, float)) else "",
            "entry": str(entry.get("name") or ""), "entry_kind": str(entry.get("kind") or ""),
            "entry_origin": str(entry.get("origin") or ""), "method": str(ev.get("method") or ""),
            "profile": bool(ev.get("profile"))}


def is_web_url(url: object) -> bool:
    """True only for an absolute http(s) address with a host and no spaces or control characters.

    Control characters and spaces are refused outright rather than stripped, because
    browsers and URL parsers disagree about them and that disagreement is how
    ``" javascript:…"``-style links slip past checks.
    """
    if not isinstance(url, str) or not url or len(url) > 4096:
        return False
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def source_url(item: dict) -> str | None:
    """Where the item can be read on the web, or None.

    X posts link to the status page (``/i/web/status/`` when the author is unknown);
    anything else uses the first http(s) link found in the item. Never returns a
    non-web address.
    """
    sid = item.get("source_id")
    if item.get("source") == "x" and sid:
        author = item.get("author")
        who = quote(author, safe="") if author else "i/web"
        url = f"https://x.com/{who}/status/{quote(str(sid), safe='')}"
        if is_web_url(url):
            return url
    for link in item.get("links") or ():
        if is_web_url(link):
            return link
    return None


def first_line(text: str | None, limit: int = LINE_CHARS) -> str:
    """The first non-empty line of ``text``, trimmed to ``limit`` characters with an ellipsis."""
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
    return ""


def who(item: dict) -> str:
    """The feed's "who": the author of a post, the callsign of a field update."""
    if item.get("kind") == "field_update":
        return item.get("callsign") or item.get("author") or item.get("unit_uid") or ""
    return item.get("author") or ""


def _local(ms: int, zone) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=zone)


def dual_time(ms: int, local_zone, local_label: str = "KST") -> str:
    """'2026-11-14 16:42:05 KST · 07:42:05 UTC'; the UTC date is added when it differs."""
    here = _local(ms, local_zone)
    utc = _local(ms, timezone.utc)
    right = utc.strftime("%H:%M:%S" if utc.date() == here.date() else "%Y-%m-%d %H:%M:%S")
    return f"{here.strftime('%Y-%m-%d %H:%M:%S')} {local_label} · {right} UTC"


def full_times(ms: int, local_zone, local_label: str = "KST") -> str:
    """Two full lines, local then UTC, for tooltips."""
    return (f"{_local(ms, local_zone).strftime('%Y-%m-%d %H:%M:%S')} {local_label}\n"
            f"{_local(ms, timezone.utc).strftime('%Y-%m-%d %H:%M:%S')} UTC")


def fmt_radius(radius_m: float | None) -> str:
    """'±8 m', '±3.2 km', '±120 km'; empty when the radius is unknown."""
    if radius_m is None or radius_m != radius_m or radius_m < 0:  # None, NaN, nonsense
        return ""
    if radius_m < 1000:
        return f"±{radius_m:.0f} m"
    if radius_m < 100_000:
        return f"±{radius_m / 1000:.1f} km"
    return f"±{radius_m / 1000:.0f} km"


def location_text(precision_word: str, radius_m: float | None) -> str:
    """'place, ±3.2 km' or just 'unknown'; the precision word comes translated from the caller."""
    r = fmt_radius(radius_m)
    return f"{precision_word}, {r}" if r else precision_word


def course_speed(course: object, speed: object) -> str:
    """'245° · 3.2 m/s (11.5 km/h)' from CoT course (degrees) and speed (m/s); parts may be absent."""
    parts = []
    if isinstance(course, (int, float)) and not isinstance(course, bool):
        parts.append(f"{course:.0f}°")
    if isinstance(speed, (int, float)) and not isinstance(speed, bool):
        parts.append(f"{speed:.1f} m/s ({speed * 3.6:.1f} km/h)")
    return " · ".join(parts)
