"""Meta's "Download your information" export of a Page (JSON): the posts file (a list of
``{"timestamp", "data": [{"post": ...}], "attachments": [...], "title"}``) and the comments
file (``{"comments_v2": [{"timestamp", "data": [{"comment": {"comment", "author", ...}}],
"title"}]}``); a post may carry its own ``comments`` list.

The export writes UTF-8 as ``\\u00XX`` escapes, one per byte, so Hangul decodes to
mojibake (``ë¶\\u0080ì\\u0082°``); every string is repaired by reading its code points as
the bytes they were. ``upload_ip`` (the uploader's address in a photo's metadata) is
dropped before anything is kept, raw payload included. The export has no Graph ids: an
item's id is a hash of its time, author and text (so the same post imported from Graph
and from an export is stored twice), and a comment names its post only when nested in it.
A place attachment's ``coordinate`` is a place's point (``place`` precision, 100 m).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

from desktop.importers import jsonfile
from desktop.importers.base import BadRecord, ImportContext, check_latlon, hashtags_in, links_in, parse_time
from desktop.importers.fields import stable_id
from desktop.core.model import Item, Kind, Precision

NAME = "facebook-export"
SOURCE = "facebook"
PLACE_RADIUS_M = 100.0
DROPPED_KEYS = frozenset({"upload_ip"})
_MOJIBAKE_RE = re.compile(r"[\u00c2-\u00f4][\u0080-\u00bf]")
_HINT_RE = re.compile(r'"(comments_v2|timestamp)"\s*:')
_KEY_RE = re.compile(r'"(post|comment|attachments|title)"\s*:')
_MAX_DEPTH = 40


def sniff(head: bytes, path: Path) -> int:
    """How sure we are that the file is a Page's personal-data export (0 = not)."""
    s = jsonfile.head_text(head)
    if not s or s[0] not in "{[" or not _HINT_RE.search(s):
        return 0
    if '"comments_v2"' in s:
        return 85
    if '"timestamp"' in s and _KEY_RE.search(s) and '"created_time"' not in s and '"id_str"' not in s:
        return 75 if ('"post"' in s or '"comment"' in s) else 30
    return 0


def repair(value: Any, depth: int = 0) -> Any:
    """The export's strings as the text they were, without ``upload_ip``; other values as they are."""
    if depth > _MAX_DEPTH:
        raise BadRecord("nested too deeply")
    if isinstance(value, str):
        return repair_text(value)
    if isinstance(value, list):
        return [repair(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {repair_text(k): repair(v, depth + 1) for k, v in value.items() if k not in DROPPED_KEYS}
    return value


def repair_text(s: str) -> str:
    """UTF-8 bytes written as one code point each, read back as UTF-8; text that is not
    mojibake (a code point past U+00FF, bytes that are not UTF-8) is left as it is."""
    if not _MOJIBAKE_RE.search(s):
        return s
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def read(path: Path, ctx: ImportContext) -> Iterator[Item]:
    for where, obj, _raw in jsonfile.records(path, ctx):
        try:
            yield from _record(obj, where, ctx)
        except jsonfile.RECORD_ERRORS as exc:
            ctx.skip(where, jsonfile.reason(exc))


def _record(obj: Any, where: str, ctx: ImportContext) -> Iterator[Item]:
    if isinstance(obj, dict) and ("timestamp" in obj or "data" in obj):
        yield from _entries([obj], where, ctx, single=True)  # an element of the posts list
    elif isinstance(obj, dict):
        lists = [(k, v) for k, v in obj.items() if isinstance(v, list)]  # {"comments_v2": [...]}
        if not lists:
            ctx.skip(where, "no list of posts or comments: not a personal-data export")
        for key, entries in lists:
            yield from _entries(entries, f"{where}, {key[:40]}", ctx)
    elif isinstance(obj, list):
        yield from _entries(obj, where, ctx)
    else:
        ctx.skip(where, "not a JSON object or list")


def _entries(entries: list, where: str, ctx: ImportContext, *, single: bool = False) -> Iterator[Item]:
    for i, entry in enumerate(entries, 1):
        w = where if single else f"{where}, entry {i}"
        try:
            if not isinstance(entry, dict):
                raise BadRecord("not a JSON object")
            entry = repair(entry)
            item = convert(entry, None, raw=jsonfile.raw_json(entry) if ctx.options.keep_raw else None)
            if item is None:
                ctx.skip(w, "no post or comment text and no time")
                continue
            yield jsonfile.clean_surrogates(item)
            comments = entry.get("comments")
            if comments is None:
                comments = []
            elif not isinstance(comments, list):
                raise BadRecord("comments is not a list")
            for j, c in enumerate(comments, 1):
                try:
                    if not isinstance(c, dict):
                        raise BadRecord("not a JSON object")
                    ci = convert(c, item.source_id, raw=jsonfile.raw_json(c) if ctx.options.keep_raw else None)
                    if ci is not None:
                        yield jsonfile.clean_surrogates(ci)
                except jsonfile.RECORD_ERRORS as exc:
                    ctx.skip(f"{w}, comment {j}", jsonfile.reason(exc))
        except jsonfile.RECORD_ERRORS as exc:
            ctx.skip(w, jsonfile.reason(exc))


def _data_field(entry: dict, key: str) -> Any:
    for d in entry.get("data") or ():
        if isinstance(d, dict) and key in d:
            return d[key]
    return None


def convert(entry: dict, post_id: str | None, *, raw: str | None = None) -> Item | None:
    """One export entry (already repaired) as an Item; None for an entry with nothing to keep."""
    comment = _data_field(entry, "comment")
    if comment is None and isinstance(entry.get("comment"), (dict, str)):
        comment = entry["comment"]
    author = None
    if isinstance(comment, dict):  # {"comment": {"timestamp", "comment": text, "author"}}
        text = comment.get("comment")
        author = comment.get("author")
        ts = comment.get("timestamp", entry.get("timestamp"))
    elif comment is not None:
        text, ts = comment, entry.get("timestamp")
    else:
        text, ts = _data_field(entry, "post"), entry.get("timestamp")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise BadRecord(f"text is not a string: {type(text).__name__}")
    if ts is None and not text:
        return None
    if isinstance(ts, bool) or not isinstance(ts, (int, float, str)):
        raise BadRecord(f"timestamp is not a number: {ts!r}"[:120])
    t_ms = parse_time(ts, None, assume_utc=True)
    if author is not None and not isinstance(author, str):
        raise BadRecord("author is not a string")
    lat, lon, precision, radius, place_name = _place(entry)
    is_comment = comment is not None
    sid = stable_id(t_ms, lat, lon, f"{'comment' if is_comment else 'post'}|{author or ''}|{text}")
    extra: dict = {"export": True}
    if is_comment:
        extra["comment"] = True
        if post_id:
            extra["thread"] = post_id
    else:
        extra["thread"] = sid
    title = entry.get("title")
    if isinstance(title, str) and title:
        extra["title"] = title[:300]
    return Item(
        kind=Kind.POST, source=SOURCE, source_id=sid, t_ms=t_ms, text=text, lat=lat, lon=lon,
        precision=precision, radius_m=radius, author=author or None, place_name=place_name,
        hashtags=tuple(hashtags_in(text)), links=tuple(links_in(text)[:50]), reply_to=post_id if is_comment else None,
        extra=extra, raw=raw,
    )


def _place(entry: dict) -> tuple[float | None, float | None, Precision, float | None, str | None]:
    for att in entry.get("attachments") or ():
        if not isinstance(att, dict):
            continue
        for d in att.get("data") or ():
            place = d.get("place") if isinstance(d, dict) else None
            if not isinstance(place, dict):
                continue
            name = place.get("name") if isinstance(place.get("name"), str) else None
            coord = place.get("coordinate")
            if isinstance(coord, dict) and coord.get("latitude") is not None and coord.get("longitude") is not None:
                lat, lon = check_latlon(coord["latitude"], coord["longitude"])
                return lat, lon, Precision.PLACE, PLACE_RADIUS_M, name
            return None, None, Precision.UNKNOWN, None, name
    return None, None, Precision.UNKNOWN, None, None
