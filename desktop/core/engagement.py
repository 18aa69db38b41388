"""Engagement counts a source gives with a post, as Sitmap keeps them in ``items.extra["metrics"]``.

One shape for every source, so campaign figures rank posts the same way whatever they came from::

    {"likes": 12, "reposts": 3, "replies": 1, "quotes": 0, "bookmarks": 0, "impressions": 830,
     "captured_ms": 1790000000000, "from": "x-v2"}

Only the counts the source gave are present. ``captured_ms`` is when Sitmap read them (the
import or the live line): counts grow after a post is written, so a count is a count *at
that time*. ``impressions`` is the source's own estimate and is never added to engagement.

Sources and their fields:

- X API v2 ``public_metrics``: ``like_count``, ``retweet_count``, ``reply_count``,
  ``quote_count``, ``bookmark_count``, ``impression_count``.
- X API v1.1: ``favorite_count``, ``retweet_count``, ``reply_count`` and ``quote_count``
  (the last two only from the premium and enterprise products).
- Facebook Graph API: ``reactions.summary.total_count`` (or ``likes.summary.total_count``),
  ``comments.summary.total_count``, ``shares.count`` -> ``reactions``, ``comments``, ``shares``.

A repost carries the counts of the post it reposts, so :func:`from_x_v2` and
:func:`from_x_v1` are not called for reposts (the original post is counted once).

The author's follower count when the post was read goes apart, in
``items.extra["author_followers"]`` (``{"n": 5120, "captured_ms": …}``), for every post a
repost included: the estimated audience of a campaign is built from it (X v1.1
``user.followers_count``; X v2 ``includes.users[].public_metrics.followers_count`` when the
request asked for ``user.fields=public_metrics``). Estimates, in the sense the media-monitoring
trade uses them: *potential impressions* sum the followers of each post's author, post by
post; *reach* sums the followers of the distinct authors once each. Neither is what people
saw.
"""

from __future__ import annotations

from typing import Any

_MAX_COUNT = 10**15
ENGAGEMENT_KEYS = ("likes", "reposts", "replies", "quotes", "bookmarks", "reactions", "comments", "shares")
ALL_KEYS = ENGAGEMENT_KEYS + ("impressions",)

_X_V2 = {"like_count": "likes", "retweet_count": "reposts", "reply_count": "replies", "quote_count": "quotes",
         "bookmark_count": "bookmarks", "impression_count": "impressions"}
_X_V1 = {"favorite_count": "likes", "retweet_count": "reposts", "reply_count": "replies", "quote_count": "quotes"}


def _count(v: Any) -> int | None:
    """A non-negative whole count, or None for anything else (bool, text, negative, fraction)."""
    if v.__class__ is int:  # the usual case, decided at once (a bool's class is bool)
        return v if 0 <= v <= _MAX_COUNT else None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    if v != v or v < 0 or v != int(v) or v > _MAX_COUNT:
        return None
    return int(v)


def _pick(obj: Any, names: dict[str, str], captured_ms: int, origin: str) -> dict | None:
    if not isinstance(obj, dict):
        return None
    out: dict[str, Any] = {}
    for field, key in names.items():
        c = _count(obj.get(field))
        if c is not None:
            out[key] = c
    if not out:
        return None
    out["captured_ms"] = int(captured_ms)
    out["from"] = origin
    return out


def from_x_v2(public_metrics: Any, captured_ms: int) -> dict | None:
    """A v2 post's ``public_metrics`` as Sitmap's metrics (None when there are none)."""
    return _pick(public_metrics, _X_V2, captured_ms, "x-v2")


def from_x_v1(tweet: Any, captured_ms: int) -> dict | None:
    """A v1.1 Tweet object's counts as Sitmap's metrics (None when there are none)."""
    return _pick(tweet, _X_V1, captured_ms, "x-v1.1")


def _summary_total(obj: Any) -> int | None:
    if isinstance(obj, dict):
        s = obj.get("summary")
        if isinstance(s, dict):
            return _count(s.get("total_count"))
    return None


def from_facebook(post: Any, captured_ms: int) -> dict | None:
    """A Graph API post or comment's ``reactions``/``likes``, ``comments`` and ``shares``
    (or a comment's ``like_count`` and ``comment_count``) as Sitmap's metrics."""
    if not isinstance(post, dict):
        return None
    out: dict[str, Any] = {}
    r = _summary_total(post.get("reactions"))
    if r is None:
        r = _summary_total(post.get("likes"))
    if r is None:
        r = _count(post.get("like_count"))
    if r is not None:
        out["reactions"] = r
    c = _summary_total(post.get("comments"))
    if c is None:
        c = _count(post.get("comment_count"))
    if c is not None:
        out["comments"] = c
    sh = post.get("shares")
    s = _count(sh.get("count")) if isinstance(sh, dict) else None
    if s is not None:
        out["shares"] = s
    if not out:
        return None
    out["captured_ms"] = int(captured_ms)
    out["from"] = "facebook"
    return out


def followers(count: Any, captured_ms: int) -> dict | None:
    """The author's follower count as kept in ``extra["author_followers"]`` (None if unusable)."""
    n = _count(count)
    return None if n is None else {"n": n, "captured_ms": int(captured_ms)}


def with_followers(extra: dict | None, count: Any, captured_ms: int) -> dict | None:
    """``extra`` with the author's follower count added (a new dict; unchanged when unknown)."""
    f = followers(count, captured_ms)
    if f is None:
        return extra
    out = dict(extra or {})
    out["author_followers"] = f
    return out


def with_metrics(extra: dict | None, metrics: dict | None) -> dict | None:
    """``extra`` with ``metrics`` added under "metrics" (a new dict; None stays None)."""
    if not metrics:
        return extra
    out = dict(extra or {})
    out["metrics"] = metrics
    return out


def score(metrics: Any) -> int | None:
    """Engagement: the sum of the interaction counts (likes, reposts, replies, quotes,
    bookmarks, reactions, comments, shares; never impressions). None when not known."""
    if not isinstance(metrics, dict):
        return None
    vals = [_count(metrics.get(k)) for k in ENGAGEMENT_KEYS]
    vals = [v for v in vals if v is not None]
    return sum(vals) if vals else None


__all__ = ["ALL_KEYS", "ENGAGEMENT_KEYS", "followers", "from_facebook", "from_x_v1", "from_x_v2", "score",
           "with_followers", "with_metrics"]
