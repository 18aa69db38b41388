"""X API v2 with an OAuth 2.0 user access token (``Authorization: Bearer …``, scopes
``tweet.read tweet.write users.read`` and ``media.write`` for images).

- ``POST /2/tweets`` ``{"text": …, "media": {"media_ids": [...]}, "reply": {"in_reply_to_tweet_id": …}}``
  → ``201 {"data": {"id", "text", "edit_history_tweet_ids"}}``. Media, poll and quote exclude
  each other; only media is used here.
- ``POST /2/media/upload`` (multipart: ``media``, ``media_category=tweet_image``) →
  ``{"data": {"id", "media_key", …}}``. Images only: video goes INIT → APPEND → FINALIZE →
  STATUS, which Sitmap does not do.
- ``GET /2/users/me`` → ``{"data": {"id", "name", "username"}}``.
- ``GET /2/users/{id}/tweets?start_time=…&max_results=100&tweet.fields=created_at,text`` — the
  account's own recent posts, to find an appeal that was published but not recorded.
- ``GET /2/tweets/search/recent?query=conversation_id:{id}&…`` — the replies to an appeal
  (the last 7 days), paged by ``meta.next_token``; its pages are read by the X v2 importer.
- ``GET /2/tweets/counts/recent?query=…&granularity=minute|hour|day&start_time=…&end_time=…`` —
  how many public posts matched a query in the last 7 days, ``{"data": [{"start", "end",
  "tweet_count"}], "meta": {"total_tweet_count", "next_token"}}``: a campaign's volume on X,
  against what the cache holds.

Post text is weighed as X weighs it: 280, where most CJK characters (Hangul among them)
count 2 and a link counts 23, so a Korean appeal holds about 140 characters.
"""

from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path
from typing import Iterator

from desktop.channels.http import ChannelError, Http

DEFAULT_BASE = "https://api.x.com"
MAX_WEIGHT = 280
URL_WEIGHT = 23
MAX_IMAGE_BYTES = 5 * 1024 * 1024
TWEET_FIELDS = "author_id,conversation_id,created_at,entities,geo,lang,public_metrics,referenced_tweets"
_URL = re.compile(r"https?://\S+")
# Code points X weighs 1 (its twitter-text configuration v3); every other counts 2.
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def base_url() -> str:
    return os.environ.get("SITMAP_X_API_BASE") or DEFAULT_BASE


def weighted_length(text: str) -> int:
    n = 0
    rest = _URL.sub("", text)
    n += URL_WEIGHT * len(_URL.findall(text))
    for ch in rest:
        cp = ord(ch)
        n += 1 if any(a <= cp <= b for a, b in _LIGHT) else 2
    return n


def check_text(text: str) -> None:
    if not text.strip():
        raise ChannelError("X: the post has no text")
    w = weighted_length(text)
    if w > MAX_WEIGHT:
        raise ChannelError(f"X: the post weighs {w} of {MAX_WEIGHT} (Hangul counts 2, a link 23): shorten it")


class XClient:
    def __init__(self, token: str, *, base: str | None = None, **http_kw):
        self.http = Http("X", base or base_url(), token=token, **http_kw)

    def close(self) -> None:
        self.http.close()

    def me(self) -> dict:
        r = self.http.request("GET", "/2/users/me", what="who the token belongs to")
        data = r.data.get("data") if isinstance(r.data, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise ChannelError("X: /2/users/me answered without a user id")
        return data

    def upload_image(self, path: str | Path) -> str:
        p = Path(path)
        try:
            size = p.stat().st_size
        except OSError as exc:
            raise ChannelError(f"X: cannot read the image {p}: {exc.strerror or exc}") from None
        if size > MAX_IMAGE_BYTES:
            raise ChannelError(f"X: the image {p} is {size} bytes, over X's {MAX_IMAGE_BYTES}-byte limit")
        mime = mimetypes.guess_type(p.name)[0] or "application/octet-stream"
        if mime not in ("image/jpeg", "image/png", "image/gif", "image/webp"):
            raise ChannelError(f"X: {p} is not a JPEG, PNG, GIF or WebP image")
        with open(p, "rb") as fh:
            r = self.http.request("POST", "/2/media/upload", form={"media_category": "tweet_image"},
                                  files={"media": (p.name, fh, mime)}, what="image upload")
        data = r.data.get("data") if isinstance(r.data, dict) else None
        mid = data.get("id") if isinstance(data, dict) else None
        if not isinstance(mid, str) or not mid.isdigit():
            raise ChannelError("X: the image upload answered without a media id", transient=True)
        return mid

    def post(self, text: str, *, media_ids: tuple[str, ...] = (), reply_to: str | None = None) -> dict:
        """Publish; returns ``{"id", "text"}``. Not retried once it may have reached X."""
        check_text(text)
        body: dict = {"text": text}
        if media_ids:
            body["media"] = {"media_ids": list(media_ids)}
        if reply_to:
            body["reply"] = {"in_reply_to_tweet_id": reply_to}
        r = self.http.request("POST", "/2/tweets", json_body=body, what="publishing a post")
        data = r.data.get("data") if isinstance(r.data, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"].isdigit():
            raise ChannelError("X: publishing answered without the post's id (it may have been published)",
                               transient=True)
        return data

    def own_recent(self, user_id: str, start_time: str) -> list[dict]:
        """The account's own posts since ``start_time`` (ISO 8601 UTC), newest first (one page of 100)."""
        r = self.http.request("GET", f"/2/users/{user_id}/tweets",
                              params={"start_time": start_time, "max_results": 100,
                                      "tweet.fields": "created_at,text"}, what="the account's recent posts")
        data = r.data.get("data") if isinstance(r.data, dict) else None
        return [t for t in data or () if isinstance(t, dict)] if isinstance(data, list) else []

    def counts_recent(self, query: str, *, start_time: str | None = None, end_time: str | None = None,
                      granularity: str = "hour", max_pages: int = 10) -> tuple[list[dict], int]:
        """X's counts of the posts matching ``query`` (the last 7 days at most): the bins
        ``{"start", "end", "tweet_count"}`` in time order and the total."""
        if granularity not in ("minute", "hour", "day"):
            raise ChannelError(f"X: granularity {granularity!r} is minute, hour or day")
        if not query.strip() or len(query) > 512:
            raise ChannelError(f"X: a counts query is 1 to 512 characters ({len(query)} here)")
        params: dict = {"query": query, "granularity": granularity}
        if start_time:
            params["start_time"] = start_time
        if end_time:
            params["end_time"] = end_time
        bins: list[dict] = []
        total = 0
        for _ in range(max_pages):
            r = self.http.request("GET", "/2/tweets/counts/recent", params=params, what="counting posts")
            page = r.data if isinstance(r.data, dict) else {}
            for b in page.get("data") or ():
                n = b.get("tweet_count") if isinstance(b, dict) else None
                if isinstance(n, int) and not isinstance(n, bool) and n >= 0 and isinstance(b.get("start"), str) \
                        and isinstance(b.get("end"), str):
                    bins.append({"start": b["start"], "end": b["end"], "tweet_count": n})
            meta = page.get("meta") if isinstance(page.get("meta"), dict) else {}
            t = meta.get("total_tweet_count")
            total += t if isinstance(t, int) and not isinstance(t, bool) else 0
            token = meta.get("next_token")
            if not isinstance(token, str) or not token:
                break
            params = {**params, "next_token": token}
        bins.sort(key=lambda b: b["start"])
        return bins, total

    def conversation(self, conversation_id: str, *, since_id: str | None = None,
                     max_pages: int = 20) -> Iterator[dict]:
        """The search pages holding the replies to ``conversation_id`` (each a v2 page)."""
        params: dict = {"query": f"conversation_id:{conversation_id}", "max_results": 100,
                        "tweet.fields": TWEET_FIELDS, "expansions": "author_id,geo.place_id",
                        "user.fields": "username", "place.fields": "full_name,geo,country_code"}
        if since_id:
            params["since_id"] = since_id
        for _ in range(max_pages):
            r = self.http.request("GET", "/2/tweets/search/recent", params=params, what="searching the replies")
            page = r.data if isinstance(r.data, dict) else {}
            yield page
            meta = page.get("meta") if isinstance(page.get("meta"), dict) else {}
            token = meta.get("next_token")
            if not isinstance(token, str) or not token:
                return
            params = {**params, "next_token": token}
