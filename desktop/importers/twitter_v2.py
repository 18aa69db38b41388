"""X API v2 post JSON: search pages ``{"data": [...], "includes": {...}, "meta": ...,
"errors": [...]}`` (one page, a JSON array of pages, or JSON lines of pages) and
filtered-stream lines ``{"data": {...}, "includes": ..., "matching_rules": [...]}``.

Places, users and referenced posts live in the page's ``includes`` and are joined by
id. Posts share the v1.1 id space (source ``x``), so a post seen by both is stored once.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from desktop.importers import jsonfile
from desktop.importers.base import BadRecord, ImportContext, check_latlon, parse_time
from desktop.importers.twitter_v1 import SOURCE, box_position, id_of, plural, text_tags_links
from desktop.core.engagement import from_x_v2, with_followers, with_metrics
from desktop.core.model import Item, Kind, Precision, Record

NAME = "x-v2"

_DATA_RE = re.compile(r'"data"\s*:')
_HINT_RE = re.compile(r'"(author_id|includes)"\s*:')
_SEEN_MAX = 500_000
_REF_FIELDS = {"retweeted": "retweet_of", "quoted": "quote_of", "replied_to": "reply_to"}


def sniff(head: bytes, path: Path) -> int:
    """How sure we are that the file is X API v2 post JSON (0 = not)."""
    s = jsonfile.head_text(head)
    if not s or s[0] not in "{[" or not _DATA_RE.search(s):
        return 0
    if '"edit_history_tweet_ids"' in s or '"matching_rules"' in s:
        return 90
    if _HINT_RE.search(s) and '"id_str"' not in s:  # v1.1 objects carry id_str, v2 never does
        return 70
    return 0


def read(path: Path, ctx: ImportContext) -> Iterator[Record]:
    """Posts from v2 pages or stream lines (and the complete posts their includes carry)."""
    tally = _Tally()
    for where, obj, raw in jsonfile.records(path, ctx):
        yield from record_items(obj, raw, where, ctx, tally)
    if ctx.piece is not None:
        ctx.piece.tally = tally  # merged with the other pieces' and reported once
    else:
        tally.report(ctx)


def record_items(obj: Any, raw: str, where: str, ctx: ImportContext, tally: "_Tally | None" = None) -> Iterator[Item]:
    """The posts of one decoded record (a page, a stream line or a bare post); also used
    by the live JSON-lines tailer. ``tally`` carries what a file reports once at its end."""
    if isinstance(obj, dict) and "data" not in obj and "id" in obj and "text" in obj:
        obj = {"data": obj}  # a bare post saved on its own
    if not isinstance(obj, dict):
        ctx.skip(where, "not a JSON object")
        return
    try:
        yield from _page(obj, raw, where, ctx, tally if tally is not None else _Tally())
    except jsonfile.RECORD_ERRORS as exc:  # a malformed includes or data container
        ctx.skip(where, jsonfile.reason(exc))


def _page(page: dict, raw: str, where: str, ctx: ImportContext, tally: _Tally) -> Iterator[Item]:
    includes = page.get("includes") or {}
    places = {p["id"]: p for p in includes.get("places") or ()
              if isinstance(p, dict) and isinstance(p.get("id"), str)}
    users = {u["id"]: u.get("username") for u in includes.get("users") or ()
             if isinstance(u, dict) and isinstance(u.get("id"), str)}
    followers = {u["id"]: u["public_metrics"].get("followers_count") for u in includes.get("users") or ()
                 if isinstance(u, dict) and isinstance(u.get("id"), str) and isinstance(u.get("public_metrics"), dict)}
    included = {t["id"]: t for t in includes.get("tweets") or ()
                if isinstance(t, dict) and isinstance(t.get("id"), str)}
    errors = page.get("errors")
    if isinstance(errors, list):
        for e in errors:
            if not isinstance(e, dict):
                continue
            if e.get("title") == "operational-disconnect":
                ctx.note(f"the stream was disconnected at {where} ({e.get('disconnect_type') or 'no reason given'}); "
                         "posts sent while it was down are missing")
                continue
            tally.errors += 1
            if not tally.first_error:
                tally.first_error = str(e.get("detail") or e.get("title") or e.get("message") or "")[:200]
    data = page.get("data")
    if data is None:
        if not errors and "meta" not in page:
            ctx.skip(where, "no data, errors or meta: not an X v2 page")
        return
    single = isinstance(data, dict)
    posts = [data] if single else data
    if not isinstance(posts, list):
        raise BadRecord(f"data is a {type(data).__name__}, not a post or a list of posts")
    keep_raw = ctx.options.keep_raw
    for i, t in enumerate(posts, 1):
        w = where if single else f"{where}, post {i}"
        item_raw = raw if single else (jsonfile.raw_json(t) if keep_raw else None)
        item = _one(t, w, item_raw, ctx, places, users, included, tally, followers)
        if item is not None:
            tally.remember(item.source_id)
            yield item
    # Referenced posts (a retweet's original, a quoted post) come whole in includes;
    # a retweet storm repeats the same original on every line, so each is read once.
    for i, t in enumerate(included.values(), 1):
        if t["id"] in tally.seen or not (t.get("created_at") and isinstance(t.get("text"), str)):
            continue
        tally.remember(t["id"])
        item_raw = jsonfile.raw_json(t) if keep_raw else None
        item = _one(t, f"{where}, included post {i}", item_raw, ctx, places, users, included, tally, followers)
        if item is not None:
            yield item


def _one(t: Any, where: str, raw: str | None, ctx: ImportContext, places: dict, users: dict, included: dict,
         tally: _Tally, followers: dict | None = None) -> Item | None:
    try:
        if not isinstance(t, dict):
            raise BadRecord("not a JSON object")
        item = convert(t, places, users, included, raw=raw, tally=tally, followers=followers)
    except jsonfile.RECORD_ERRORS as exc:
        ctx.skip(where, jsonfile.reason(exc))
        return None
    return jsonfile.clean_surrogates(item)


def convert(t: dict, places: dict, users: dict, included: dict, *, raw: str | None = None,
            tally: _Tally | None = None, followers: dict | None = None) -> Item:
    """One v2 post as an Item, joining its place and author (and the author's follower count,
    ``followers``: user id -> count) from the page's includes.

    Raises BadRecord, or KeyError/TypeError and the like for a malformed object.
    """
    tid = id_of(t, "id")
    if tid is None:
        raise BadRecord("no usable post id")
    if t.get("created_at") is None:
        raise BadRecord("no created_at (the request did not ask for tweet.fields=created_at)")
    author_id = id_of(t, "author_id")
    refs: dict[str, str] = {}
    for ref in t.get("referenced_tweets") or ():
        relation = _REF_FIELDS.get(ref.get("type"))
        rid = id_of(ref, "id")
        if relation and rid:
            refs[relation] = rid
    text, ents = _text_and_entities(t)
    original = included.get(refs.get("retweet_of"))
    if original is not None and isinstance(original.get("text"), str):
        # The retweet's own text is cut short; the original in includes is whole.
        name = users.get(original.get("author_id"))
        if isinstance(name, str):
            text, ents = _text_and_entities(original)
            text = f"RT @{name}: {text}"
    text, tags, links = text_tags_links(text, ents, "tag")
    lat, lon, precision, radius, place_name = _position(t.get("geo"), places, tally)
    lang = t.get("lang")
    author = users.get(author_id) if author_id else None
    conversation = id_of(t, "conversation_id")  # the thread's first post; kept for replies only
    base = {"conversation_id": conversation} if conversation and conversation != tid else None
    return Item(
        kind=Kind.POST, source=SOURCE, source_id=tid, t_ms=parse_time(t["created_at"], None, assume_utc=True),
        text=text, lat=lat, lon=lon, precision=precision, radius_m=radius,
        author=author if isinstance(author, str) and author else None, author_id=author_id,
        lang=lang if isinstance(lang, str) and lang != "und" else None, place_name=place_name,
        hashtags=tuple(tags), links=tuple(u for u in links if isinstance(u, str)), raw=raw,
        # A repost's counts are its original's: kept on the original only; its author's
        # followers are the reposter's own.
        extra=with_followers(base if "retweet_of" in refs else with_metrics(base, from_x_v2(t.get("public_metrics"),
                                                                                           _now_ms())),
                             (followers or {}).get(author_id), _now_ms()),
        **refs,
    )


def _now_ms() -> int:
    return int(time.time() * 1000)


def _text_and_entities(t: dict) -> tuple[str, Any]:
    note = t.get("note_tweet")  # long posts: text is cut at 280 characters, note_tweet is whole
    if isinstance(note, dict) and isinstance(note.get("text"), str):
        return note["text"], note.get("entities")
    text = t.get("text")
    if text is None:
        text = ""
    elif not isinstance(text, str):
        raise BadRecord(f"text is not a string: {type(text).__name__}")
    return text, t.get("entities")


def _position(geo: Any, places: dict, tally: _Tally | None
              ) -> tuple[float | None, float | None, Precision, float | None, str | None]:
    if not geo:
        return None, None, Precision.UNKNOWN, None, None
    place = places.get(geo.get("place_id"))
    place_name = None
    if place is not None:
        place_name = place.get("full_name") or place.get("name")
        place_name = place_name if isinstance(place_name, str) else None
    point = geo.get("coordinates")
    if point:
        lon_lat = point["coordinates"]  # GeoJSON order: [lon, lat]
        lat, lon = check_latlon(lon_lat[1], lon_lat[0])
        return lat, lon, Precision.EXACT, None, place_name
    if place is not None:
        bbox = place["geo"]["bbox"]  # flat [west, south, east, north]
        if len(bbox) != 4:
            raise BadRecord(f"place bbox has {len(bbox)} numbers, not 4")
        lat, lon, radius = box_position(bbox[0], bbox[1], bbox[2], bbox[3])
        return lat, lon, Precision.PLACE, radius, place_name
    if geo.get("place_id") and tally is not None:
        tally.missing_places += 1  # the request lacked expansions=geo.place_id, or the place was dropped
    return None, None, Precision.UNKNOWN, None, None


@dataclass
class _Tally:
    """What a file says besides its posts, reported once at the end."""

    errors: int = 0
    first_error: str = ""
    missing_places: int = 0
    seen: set[str] = field(default_factory=set)  # post ids read so far (bounded)

    def remember(self, post_id: str) -> None:
        if len(self.seen) >= _SEEN_MAX:
            self.seen.clear()  # bounded memory on long captures; a repeat is only a duplicate
        self.seen.add(post_id)

    def report(self, ctx: ImportContext) -> None:
        """Put what was counted into the import's notes."""
        if self.missing_places:
            ctx.note(f"stored without a position: {plural(self.missing_places, 'post')} whose place is missing "
                     "from the file's includes")
        if self.errors:
            ctx.note(f"the file carries {plural(self.errors, 'API error message')} beside its data "
                     f"(first: {self.first_error or 'no detail'})")
