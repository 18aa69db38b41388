"""Facebook Graph API JSON: a Page's ``/{page-id}/feed`` and a post's ``/{post-id}/comments``
responses (``{"data": [...], "paging": {...}}``, one page, an array of pages or JSON lines
of pages), a Page object with a ``feed`` edge, or one post with its ``comments`` edge.

Posts and comments are items of their own (kind post, source ``facebook``). A comment's
``reply_to`` is the post it answers (a reply to a comment: that comment) and
``extra["thread"]`` the post that opened the conversation, so the window can show the
thread. Graph writes ``created_time`` as ``2026-12-06T10:00:00+0000`` (UTC, no colon).
Since 2021 ``from`` comes back only when the app can moderate the Page: a comment without
it is kept with no author. Comments carry no location; a post's ``place.location`` is a
place's point (``place`` precision: about 100 m for a street address, 5 km for a place
named only by its city), and everything without one is left to the geoparser.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from desktop.importers import jsonfile
from desktop.importers.base import BadRecord, ImportContext, check_latlon, hashtags_in, links_in, parse_time
from desktop.core.engagement import from_facebook
from desktop.core.model import Item, Kind, Precision

NAME = "facebook-graph"
SOURCE = "facebook"

_ID_RE = re.compile(r"\d{1,24}(?:_\d{1,24}){0,2}")
_COMMENTS_URL_RE = re.compile(r"/(\d{1,24}(?:_\d{1,24})?)/comments(?:[/?]|$)")
_HINT_RE = re.compile(r'"created_time"\s*:\s*"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}"')
_MAX_DEPTH = 4  # comments on comments on comments: Graph nests two levels; more is not real data
STREET_RADIUS_M = 100.0
CITY_RADIUS_M = 5000.0
# Fields only a comment has (a post has permalink_url, story, status_type, place, shares).
_COMMENT_KEYS = ("parent", "like_count", "comment_count", "is_hidden", "can_reply_privately")


def sniff(head: bytes, path: Path) -> int:
    """How sure we are that the file is Graph API feed or comments JSON (0 = not)."""
    s = jsonfile.head_text(head)
    if not s or s[0] not in "{[" or not _HINT_RE.search(s):
        return 0
    if '"data"' in s or '"feed"' in s or '"comments"' in s:
        return 85
    return 40


def read(path: Path, ctx: ImportContext) -> Iterator[Item]:
    tally = _Tally()
    for where, obj, raw in jsonfile.records(path, ctx):
        try:
            yield from _record(obj, raw, where, ctx, tally)
        except jsonfile.RECORD_ERRORS as exc:
            ctx.skip(where, jsonfile.reason(exc))
    tally.report(ctx)


def _record(obj: Any, raw: str, where: str, ctx: ImportContext, tally: "_Tally") -> Iterator[Item]:
    if isinstance(obj, list):  # a JSON-lines record holding several pages
        for i, page in enumerate(obj, 1):
            yield from _record(page, jsonfile.raw_json(page), f"{where}, page {i}", ctx, tally)
        return
    if not isinstance(obj, dict):
        ctx.skip(where, "not a JSON object")
        return
    if isinstance(obj.get("feed"), dict):  # /{page-id}?fields=feed{...}
        obj = obj["feed"]
    if "data" not in obj:
        if "id" in obj and "created_time" in obj:  # one post (with its comments edge)
            yield from _entries([obj], None, where, ctx, tally, single=True)
        elif "error" in obj and isinstance(obj["error"], dict):
            ctx.skip(where, f"an API error response: {str(obj['error'].get('message') or '')[:200]}")
        else:
            ctx.skip(where, "no data: not a Graph API feed or comments response")
        return
    data = obj["data"]
    if not isinstance(data, list):
        raise BadRecord(f"data is a {type(data).__name__}, not a list")
    yield from _entries(data, _post_of_paging(obj.get("paging")), where, ctx, tally)


def comment_page_items(page: Any, post_id: str, where: str, ctx: ImportContext) -> Iterator[Item]:
    """The comments of one ``/{post-id}/comments`` page whose post is known (collecting an
    appeal's answers); the same conversion and skips as a file."""
    tally = _Tally()
    try:
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise BadRecord("not a Graph comments page")
        yield from _entries(page["data"], post_id, where, ctx, tally)
    except jsonfile.RECORD_ERRORS as exc:
        ctx.skip(where, jsonfile.reason(exc))
    tally.report(ctx)


def _post_of_paging(paging: Any) -> str | None:
    """The post a comments response belongs to, read from its paging URLs (None for a feed)."""
    if not isinstance(paging, dict):
        return None
    for key in ("next", "previous"):
        url = paging.get(key)
        if isinstance(url, str):
            m = _COMMENTS_URL_RE.search(url)
            if m:
                return m.group(1)
    return None


def _entries(data: list, comments_of: str | None, where: str, ctx: ImportContext, tally: "_Tally",
             *, single: bool = False) -> Iterator[Item]:
    keep_raw = ctx.options.keep_raw
    for i, entry in enumerate(data, 1):
        w = where if single else f"{where}, entry {i}"
        try:
            if not isinstance(entry, dict):
                raise BadRecord("not a JSON object")
            is_comment = comments_of is not None or any(k in entry for k in _COMMENT_KEYS)
            if is_comment:
                parent = _parent_of(entry, comments_of)
                yield from _comment(entry, parent, comments_of or parent, w, ctx, tally, 0)
            else:
                post = convert_post(entry, raw=jsonfile.raw_json(_without_edges(entry)) if keep_raw else None)
                tally.posts += 1
                yield jsonfile.clean_surrogates(post)
                yield from _comments_edge(entry, post.source_id, post.source_id, w, ctx, tally, 0)
        except jsonfile.RECORD_ERRORS as exc:
            ctx.skip(w, jsonfile.reason(exc))


def _parent_of(entry: dict, comments_of: str | None) -> str | None:
    parent = entry.get("parent")
    if isinstance(parent, dict) and _gid(parent.get("id")):
        return parent["id"]
    if comments_of:
        return comments_of
    cid = _gid(entry.get("id"))
    # A comment's id is "{post object id}_{comment id}": without paging the post is its object id.
    return cid.split("_")[0] if cid and "_" in cid else None


def _comments_edge(entry: dict, parent: str, thread: str, where: str, ctx: ImportContext, tally: "_Tally",
                   depth: int) -> Iterator[Item]:
    edge = entry.get("comments")
    if edge is None:
        return
    if not isinstance(edge, dict) or not isinstance(edge.get("data"), list):
        ctx.skip(f"{where}, comments", "comments is not a Graph edge ({\"data\": [...]})")
        return
    for j, c in enumerate(edge["data"], 1):
        w = f"{where}, comment {j}"
        try:
            if not isinstance(c, dict):
                raise BadRecord("not a JSON object")
            yield from _comment(c, parent, thread, w, ctx, tally, depth + 1)
        except jsonfile.RECORD_ERRORS as exc:
            ctx.skip(w, jsonfile.reason(exc))


def _comment(c: dict, parent: str | None, thread: str | None, where: str, ctx: ImportContext, tally: "_Tally",
             depth: int) -> Iterator[Item]:
    if depth > _MAX_DEPTH:
        raise BadRecord("comments nested too deeply")
    item = convert_comment(c, parent, thread,
                           raw=jsonfile.raw_json(_without_edges(c)) if ctx.options.keep_raw else None)
    tally.comments += 1
    if item.author is None and item.author_id is None:
        tally.no_author += 1
    yield jsonfile.clean_surrogates(item)
    yield from _comments_edge(c, item.source_id, thread or item.source_id, where, ctx, tally, depth)


def _without_edges(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k != "comments"}


def _gid(value: Any) -> str | None:
    """A Graph id: digits, maybe joined by '_' ("{page}_{post}", "{post}_{comment}"); never a number."""
    if isinstance(value, str) and value.isascii() and _ID_RE.fullmatch(value):
        return value
    return None


def _text(entry: dict, *keys: str) -> str:
    for k in keys:
        v = entry.get(k)
        if v is None:
            continue
        if not isinstance(v, str):
            raise BadRecord(f"{k} is not a string: {type(v).__name__}")
        if v:
            return v
    return ""


def _author(entry: dict) -> tuple[str | None, str | None]:
    who = entry.get("from")
    if not isinstance(who, dict):
        return None, None
    name = who.get("name")
    return (name if isinstance(name, str) and name.strip() else None), _gid(who.get("id"))


def _position(place: Any) -> tuple[float | None, float | None, Precision, float | None, str | None]:
    if not isinstance(place, dict):
        return None, None, Precision.UNKNOWN, None, None
    name = place.get("name")
    name = name if isinstance(name, str) and name.strip() else None
    loc = place.get("location")
    if not isinstance(loc, dict) or loc.get("latitude") is None or loc.get("longitude") is None:
        return None, None, Precision.UNKNOWN, None, name
    lat, lon = check_latlon(loc["latitude"], loc["longitude"])
    radius = STREET_RADIUS_M if loc.get("street") or loc.get("zip") else CITY_RADIUS_M
    return lat, lon, Precision.PLACE, radius, name


def _links(entry: dict, text: str) -> tuple[str, ...]:
    links = []
    url = entry.get("permalink_url")
    if isinstance(url, str) and url.startswith("https://"):
        links.append(url)
    for u in links_in(text):
        if u not in links:
            links.append(u)
    return tuple(links[:50])


def convert_post(entry: dict, *, raw: str | None = None) -> Item:
    """One feed entry (a Page's post or a visitor's post on the Page) as an Item."""
    pid = _gid(entry.get("id"))
    if pid is None:
        raise BadRecord(f"no usable post id ({str(entry.get('id'))[:40]!r})")
    text = _text(entry, "message", "story")
    author, author_id = _author(entry)
    lat, lon, precision, radius, place_name = _position(entry.get("place"))
    extra: dict = {"thread": pid}
    url = entry.get("permalink_url")
    if isinstance(url, str):
        extra["permalink_url"] = url[:500]
    metrics = from_facebook(entry, now_ms())
    if metrics:
        extra["metrics"] = metrics
    return Item(
        kind=Kind.POST, source=SOURCE, source_id=pid, t_ms=parse_time(entry.get("created_time"), None, assume_utc=True),
        text=text, lat=lat, lon=lon, precision=precision, radius_m=radius, author=author, author_id=author_id,
        place_name=place_name, hashtags=tuple(hashtags_in(text)), links=_links(entry, text), extra=extra, raw=raw,
    )


def convert_comment(c: dict, parent: str | None, thread: str | None, *, raw: str | None = None) -> Item:
    """One comment as an Item answering ``parent`` (a post, or the comment it replies to)."""
    cid = _gid(c.get("id"))
    if cid is None:
        raise BadRecord(f"no usable comment id ({str(c.get('id'))[:40]!r})")
    text = _text(c, "message")
    author, author_id = _author(c)
    extra: dict = {"comment": True}
    if thread:
        extra["thread"] = thread
    url = c.get("permalink_url")
    if isinstance(url, str):
        extra["permalink_url"] = url[:500]
    metrics = from_facebook(c, now_ms())
    if metrics:
        extra["metrics"] = metrics
    return Item(
        kind=Kind.POST, source=SOURCE, source_id=cid, t_ms=parse_time(c.get("created_time"), None, assume_utc=True),
        text=text, author=author, author_id=author_id, hashtags=tuple(hashtags_in(text)), links=_links(c, text),
        reply_to=parent if parent != cid else None, extra=extra, raw=raw,
    )


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class _Tally:
    posts: int = 0
    comments: int = 0
    no_author: int = 0

    def report(self, ctx: ImportContext) -> None:
        if self.no_author:
            ctx.note(f"{self.no_author} comment(s) without an author: Graph names comment authors only to an "
                     "app that can moderate the Page")
