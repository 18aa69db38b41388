"""Twitter v1.1 Tweet JSON: one Tweet object, a JSON array of Tweets (REST), or a
streaming capture (JSON lines with keep-alive blank lines and control messages).

The per-tweet conversion here (:func:`tweet_items`, :func:`convert`) is shared by the
archive importer, whose tweets are the same objects without ``user``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from desktop.importers import jsonfile
from desktop.importers.base import (
    BadRecord, ImportContext, check_latlon, hashtags_in, links_in, parse_time, place_radius_m,
)
from desktop.core.engagement import from_x_v1, with_followers, with_metrics
from desktop.core.model import DeleteItem, Item, Kind, Precision, Record, ScrubGeo, to_ms

NAME = "x-v1"
# v1.1 and v2 share one id space: the same post read from either is stored once.
SOURCE = "x"

_CONTROL_RE = re.compile(
    r'^\s*\{\s*"(delete|scrub_geo|limit|status_withheld|user_withheld|disconnect|warning)"\s*:', re.M)
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                       "Nov", "Dec"), 1)}
# Nested posts worth keeping on their own: the original of a retweet and a quoted post.
_NESTED = (("retweeted_status", "retweeted post"), ("quoted_status", "quoted post"))
_MAX_NESTING = 2  # a retweet of a quote is as deep as the API nests
_SEEN_MAX = 500_000
_INT64_MAX = str(2**63 - 1)
_MS_RANGE = (1_000_000_000_000, 32_503_680_000_000)  # 2001 to 3000: timestamp_ms of a real post


def sniff(head: bytes, path: Path) -> int:
    """How sure we are that the file is v1.1 Tweet JSON (0 = not)."""
    s = jsonfile.head_text(head)
    if not s or s[0] not in "{[":
        return 0
    if '"id_str"' in s and '"created_at"' in s:
        # Without "user" it may be an archive list saved without its window.YTD header.
        return 80 if '"user"' in s else 40
    if _CONTROL_RE.search(s):
        return 60  # a stream capture that starts with deletes or limit notices
    return 0


def read(path: Path, ctx: ImportContext) -> Iterator[Record]:
    """Posts, deletes and scrub_geo records from a v1.1 file, in file order."""
    stream = _StreamTally()
    # Nested originals already read: a retweet storm repeats one post (a reader of pieces
    # keeps one set over all its pieces).
    seen: set[str] = ctx.piece.seen if ctx.piece is not None and ctx.piece.seen is not None else set()
    for where, obj, raw in jsonfile.records(path, ctx):
        if obj.__class__ is dict and ("id_str" in obj or "created_at" in obj) and not (
                "retweeted_status" in obj or "quoted_status" in obj):
            # Most posts carry no nested post: convert inline, without a generator per post.
            try:
                item = convert(obj, raw=raw)
            except jsonfile.RECORD_ERRORS as exc:
                ctx.skip(where, jsonfile.reason(exc))
            else:
                yield jsonfile.clean_surrogates(item) if jsonfile.may_hold_surrogates(raw) else item
            continue
        yield from record_items(obj, raw, where, ctx, seen=seen, stream=stream)
    if ctx.piece is not None:
        ctx.piece.tally = stream  # merged with the other pieces' and reported once
    else:
        stream.report(ctx)


def record_items(obj: Any, raw: str | None, where: str, ctx: ImportContext, *, seen: set[str] | None = None,
                 stream: "_StreamTally | None" = None) -> Iterator[Record]:
    """The records of one decoded record (a post, a stream control message or a saved
    search response); also used by the live JSON-lines tailer. ``stream`` counts the
    control messages a file reports once at its end."""
    if obj.__class__ is not dict:
        ctx.skip(where, "not a JSON object")
    elif "id_str" in obj or "created_at" in obj:
        yield from tweet_items(obj, ctx, where, raw, seen=seen)
    elif not obj.keys().isdisjoint(_StreamTally.KINDS):
        rec = (stream if stream is not None else _StreamTally()).message(obj, ctx, where)
        if rec is not None:
            yield rec
    elif isinstance(obj.get("statuses"), list):  # a saved search/tweets response
        for i, tw in enumerate(obj["statuses"], 1):
            w = f"{where}, post {i}"
            if isinstance(tw, dict):
                yield from tweet_items(tw, ctx, w, jsonfile.raw_json(tw) if ctx.options.keep_raw else None,
                                       seen=seen)
            else:
                ctx.skip(w, "not a JSON object")
    else:
        keys = ", ".join(list(obj)[:5])
        ctx.skip(where, f"neither a post nor a stream message (keys: {keys})")


def tweet_items(tw: dict, ctx: ImportContext, where: str, raw: str | None, *, author: str | None = None,
                author_id: str | None = None, seen: set[str] | None = None, _depth: int = 0) -> Iterator[Item]:
    """The post, then the complete posts it carries (a retweet's original, a quoted post).

    An unusable post is skipped with its reason; the posts nested in it still count.
    ``author``/``author_id`` stand in when the object has no ``user`` (archives).
    Nested posts whose id is in ``seen`` are passed over, and new ones added to it.
    """
    try:
        yield jsonfile.clean_surrogates(convert(tw, raw=raw, author=author, author_id=author_id))
    except jsonfile.RECORD_ERRORS as exc:
        ctx.skip(where, jsonfile.reason(exc))
    if _depth < _MAX_NESTING and ("retweeted_status" in tw or "quoted_status" in tw):
        for key, label in _NESTED:
            sub = tw.get(key)
            # The original keeps its own place; only whole objects are worth a row.
            if not (isinstance(sub, dict) and sub.get("created_at") and isinstance(sub.get("user"), dict)):
                continue
            sid = sub.get("id_str")
            if sid.__class__ is not str or seen is not None and sid in seen:
                continue
            if seen is not None:
                if len(seen) >= _SEEN_MAX:
                    seen.clear()  # bounded memory on multi-gigabyte captures; repeats are only duplicates
                seen.add(sid)
            sub_raw = jsonfile.raw_json(sub) if ctx.options.keep_raw else None
            yield from tweet_items(sub, ctx, f"{where} ({label})", sub_raw, seen=seen, _depth=_depth + 1)


def text_tags_links(text: str, ents: object, tag_key: str) -> tuple[str, list, list]:
    """Unescaped text, hashtags and links from a post's entities (v1.1 and v2 alike),
    falling back to scanning the text when the entities are missing."""
    if "&" in text:  # the APIs escape exactly these three
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    if isinstance(ents, dict) and "hashtags" in ents:
        tags = [h[tag_key] for h in ents["hashtags"] or ()]
    else:
        tags = hashtags_in(text)
    if isinstance(ents, dict) and "urls" in ents:
        links = [u.get("expanded_url") or u.get("url") for u in ents["urls"] or ()]
    else:
        links = links_in(text)
    return text, tags, links


def convert(tw: dict, *, raw: str | None = None, author: str | None = None, author_id: str | None = None) -> Item:
    """One v1.1 Tweet object as an Item (nested posts are not included).

    Raises BadRecord, or KeyError/TypeError and the like for a malformed object.
    """
    tid = id_of(tw, "id")
    if tid is None:
        raise BadRecord("no usable id_str")
    user = tw.get("user")
    if user is not None:
        author, author_id = _str(user.get("screen_name")), id_of(user, "id")
    text, ents = _text_and_entities(tw)
    rt = tw.get("retweeted_status")
    if isinstance(rt, dict):
        # The outer text is a truncated "RT @x: ..."; the original holds the whole text.
        rt_user = rt.get("user")
        rt_name = rt_user.get("screen_name") if isinstance(rt_user, dict) else None
        rt_text, rt_ents = _text_and_entities(rt)
        if rt_text and isinstance(rt_name, str):
            text, ents = f"RT @{rt_name}: {rt_text}", rt_ents
    text, tags, links = text_tags_links(text, ents, "text")
    lat, lon, precision, radius, place_name = _position(tw)
    lang = tw.get("lang")
    quote_of = id_of(tw, "quoted_status_id")
    if quote_of is None and isinstance(tw.get("quoted_status"), dict):
        quote_of = id_of(tw["quoted_status"], "id")
    return Item(
        kind=Kind.POST, source=SOURCE, source_id=tid, t_ms=_time_ms(tw), text=text,
        lat=lat, lon=lon, precision=precision, radius_m=radius,
        author=_str(author), author_id=author_id, lang=lang if isinstance(lang, str) and lang != "und" else None,
        place_name=place_name, hashtags=tuple(tags),
        links=tuple(u for u in links if isinstance(u, str)) if links else (),
        reply_to=id_of(tw, "in_reply_to_status_id"), quote_of=quote_of,
        retweet_of=id_of(rt, "id") if isinstance(rt, dict) else None, raw=raw,
        # A retweet's counts are its original's: kept on the original only. Its author's
        # followers are the retweeter's own.
        extra=_extra(tw, rt, user),
    )


def _extra(tw: dict, rt: Any, user: Any) -> dict | None:
    now = int(time.time() * 1000)
    extra = None if isinstance(rt, dict) else with_metrics(None, from_x_v1(tw, now))
    return with_followers(extra, user.get("followers_count"), now) if isinstance(user, dict) else extra


def id_of(obj: dict, key: str) -> str | None:
    """``<key>_str`` (or an exact integer ``<key>``) as a decimal string; None if absent or mangled.

    Mangled ids such as "1.01456537218219622E18" (a float that lost digits) are refused.
    """
    v = obj.get(key + "_str")
    if v.__class__ is not str or not (v.isascii() and v.isdigit()):
        v = obj.get(key)
        if v is None:
            return None
        if v.__class__ is int and v >= 0:
            v = str(v)
        elif not (v.__class__ is str and v.isascii() and v.isdigit()):
            return None
    # Stored ids are compared as SQLite integers (scrub_geo), which stop at 2**63 - 1;
    # equal-length digit strings compare like the numbers.
    n = len(v)
    return v if n < 19 or (n == 19 and v <= _INT64_MAX) else None


def box_position(west: Any, south: Any, east: Any, north: Any) -> tuple[float, float, float]:
    """(lat, lon, radius_m) of a place's bounding box: its centre and a radius covering it.

    Corners are range-checked (never swapped); a box across the antimeridian keeps its
    true centre instead of landing on the other side of the world.
    """
    s, w = check_latlon(south, west)
    n, e = check_latlon(north, east)
    if n < s:
        raise BadRecord(f"place box has north {n} below south {s}")
    if w > e:  # across the antimeridian
        e += 360.0
    lon = (w + e) / 2
    if lon > 180.0:
        lon -= 360.0
    return (s + n) / 2, lon, place_radius_m(w, s, e, n)


def _position(tw: dict) -> tuple[float | None, float | None, Precision, float | None, str | None]:
    # Only this object's own fields: a retweet must not inherit its original's place.
    coords = tw.get("coordinates")
    if coords:
        pt = coords["coordinates"]  # GeoJSON order: [lon, lat]
        lat, lon = check_latlon(pt[1], pt[0])
        return lat, lon, Precision.EXACT, None, _place_name(tw.get("place"))
    geo = tw.get("geo")
    if geo:
        pt = geo["coordinates"]  # deprecated field, [lat, lon]
        lat, lon = check_latlon(pt[0], pt[1])
        return lat, lon, Precision.EXACT, None, _place_name(tw.get("place"))
    place = tw.get("place")
    if place:
        box = place.get("bounding_box")
        ring = box.get("coordinates") if box else None
        if ring:
            # Four corners, ring not closed: take the extent, not the first corner.
            corners = ring[0]
            if not corners:
                raise BadRecord("place bounding box has no corners")
            lons = [float(p[0]) for p in corners]
            lats = [float(p[1]) for p in corners]
            west, east = min(lons), max(lons)
            if east - west > 180.0:  # corners either side of the antimeridian
                west, east = min(x for x in lons if x >= 0), max(x for x in lons if x < 0)
            lat, lon, radius = box_position(west, min(lats), east, max(lats))
            return lat, lon, Precision.PLACE, radius, _place_name(place)
        return None, None, Precision.UNKNOWN, None, _place_name(place)
    return None, None, Precision.UNKNOWN, None, None


def _place_name(place: Any) -> str | None:
    if not isinstance(place, dict):
        return None
    return _str(place.get("full_name")) or _str(place.get("name"))


def _text_and_entities(tw: dict) -> tuple[str, Any]:
    # Compatibility mode puts the whole text and its entities in extended_tweet;
    # extended mode and archives use full_text.
    ext = tw.get("extended_tweet")
    if isinstance(ext, dict) and isinstance(ext.get("full_text"), str):
        return ext["full_text"], ext.get("entities")
    text = tw.get("full_text")
    if not isinstance(text, str):
        text = tw.get("text")
        if text is None:
            text = ""
        elif not isinstance(text, str):
            raise BadRecord(f"text is not a string: {type(text).__name__}")
    return text, tw.get("entities")


def _time_ms(tw: dict) -> int:
    ts = tw.get("timestamp_ms")  # streaming only; milliseconds, so preferred
    if ts.__class__ is str and len(ts) == 13 and ts.isascii() and ts.isdigit() or ts.__class__ is int:
        ms = int(ts)
        if _MS_RANGE[0] <= ms < _MS_RANGE[1]:
            return ms
    value = tw.get("created_at")
    if value is None:
        raise BadRecord("no created_at")
    return _created_ms(value)


def _created_ms(value: Any) -> int:
    # "Tue Jul 18 23:25:04 +0000 2017", split by hand: the general parser's strptime
    # would dominate the time spent on each post of a large capture.
    if isinstance(value, str):
        p = value.split(" ")
        if len(p) == 6 and p[4] == "+0000" and p[1] in _MONTHS and len(p[3]) == 8:
            try:
                dt = datetime(int(p[5]), _MONTHS[p[1]], int(p[2]), int(p[3][0:2]), int(p[3][3:5]), int(p[3][6:8]),
                              tzinfo=timezone.utc)
            except ValueError:
                pass
            else:
                return to_ms(dt)
    return parse_time(value, None, assume_utc=True)


def plural(n: int, noun: str) -> str:
    """``"1 post"``, ``"3 posts"``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


@dataclass
class _StreamTally:
    """Stream control messages: deletes and scrub_geo become records, the rest is counted."""

    KINDS = frozenset(("delete", "scrub_geo", "limit", "status_withheld", "user_withheld", "disconnect", "warning"))

    limits: int = 0
    undelivered: int = 0
    withheld: int = 0
    warnings: int = 0
    first_warning: str = ""
    other_deletes: int = 0

    def message(self, obj: dict, ctx: ImportContext, where: str) -> Record | None:
        """The record for one control message, or None once it is counted or skipped."""
        try:
            return self._message(obj, ctx, where)
        except jsonfile.RECORD_ERRORS as exc:
            ctx.skip(where, f"unusable stream message: {jsonfile.reason(exc)}")
            return None

    def _message(self, obj: dict, ctx: ImportContext, where: str) -> Record | None:
        if "delete" in obj:
            status = obj["delete"].get("status")
            if status is None:  # a direct-message delete: nothing of ours to withdraw
                self.other_deletes += 1
                return None
            sid = id_of(status, "id")
            if sid is None:
                raise BadRecord("delete without a usable status id")
            return DeleteItem(SOURCE, sid)
        if "scrub_geo" in obj:
            body = obj["scrub_geo"]
            uid, up_to = id_of(body, "user_id"), id_of(body, "up_to_status_id")
            if uid is None or up_to is None:
                raise BadRecord("scrub_geo without a usable user_id_str and up_to_status_id_str")
            return ScrubGeo(SOURCE, uid, up_to)
        if "limit" in obj:
            self.limits += 1
            track = obj["limit"].get("track")
            # "track" counts undelivered posts since the connection opened.
            if isinstance(track, int) and not isinstance(track, bool):
                self.undelivered = max(self.undelivered, track)
        elif "status_withheld" in obj or "user_withheld" in obj:
            self.withheld += 1
        elif "warning" in obj:
            self.warnings += 1
            if not self.first_warning:
                w = obj["warning"]
                self.first_warning = f"{w.get('code', '')}: {w.get('message', '')}".strip(": ")
        elif "disconnect" in obj:
            d = obj["disconnect"]
            ctx.note(f"the stream was disconnected at {where}: {d.get('reason') or 'no reason given'} "
                     f"(code {d.get('code')}); posts sent while it was down are missing")
        return None

    def report(self, ctx: ImportContext) -> None:
        """Put what was counted into the import's notes."""
        if self.limits:
            ctx.note(f"the stream sent {plural(self.limits, 'rate-limit notice')}; matching posts it did not "
                     f"deliver: at least {self.undelivered}")
        if self.withheld:
            ctx.note(f"{plural(self.withheld, 'withheld-content notice')} "
                     "(a post or account hidden in some countries)")
        if self.warnings:
            ctx.note(f"the stream sent {plural(self.warnings, 'warning')} "
                     f"(first: {self.first_warning or 'no message'})")
        if self.other_deletes:
            ctx.note(f"{plural(self.other_deletes, 'delete notice')} not about posts ignored")
