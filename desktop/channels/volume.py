"""A campaign's volume on X against what the cache holds: how much of it Sitmap sees.

X counts the public posts matching a query over the last 7 days (``GET
/2/tweets/counts/recent``, :meth:`desktop.channels.x.XClient.counts_recent`), without
returning them. The campaign's hashtags and keywords become that query (``#busanpolice OR
#byhand OR "아동학대"``); each of X's bins is set beside the campaign's X posts the cache holds
in it, and the total gives the share of the campaign the cache has (its *coverage*). X
counts every place and every post it still has, so a campaign limited to areas is counted
here without them, and a deleted post counts on neither side. Only run when the user asks,
through a configured account: Sitmap makes no request on its own.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from desktop.campaigns.figures import matching_rows
from desktop.campaigns.store import Campaign
from desktop.channels.http import ChannelError

WEEK_MS = 7 * 86_400_000
_SLACK_MS = 60_000  # X refuses a start_time older than 7 days and an end_time closer than 10 s


@dataclass
class Volume:
    campaign: str
    query: str
    granularity: str
    start_ms: int
    end_ms: int
    bins: list[dict] = field(default_factory=list)  # start_ms, end_ms, on_x, in_cache
    on_x: int = 0
    in_cache: int = 0

    @property
    def coverage(self) -> float | None:
        return None if not self.on_x else min(1.0, self.in_cache / self.on_x)

    def to_json(self) -> dict:
        return {"campaign": self.campaign, "query": self.query, "granularity": self.granularity,
                "start_ms": self.start_ms, "end_ms": self.end_ms, "on_x": self.on_x, "in_cache": self.in_cache,
                "coverage": self.coverage, "bins": self.bins}


def query_for(c: Campaign) -> str:
    """The X search query of a campaign: its hashtags and keywords, any of them."""
    terms = [f"#{t}" for t in c.hashtags]
    for k in c.keywords:
        k = k.replace('"', " ").strip()
        if k:
            terms.append(f'"{k}"' if any(ch.isspace() for ch in k) or not k.isalnum() else k)
    if not terms:
        raise ChannelError(f"campaign {c.name!r} has no hashtag or keyword to count on X")
    q = " OR ".join(terms)
    if len(q) > 512:
        raise ChannelError(f"campaign {c.name!r}: its hashtags and keywords make an X query of {len(q)} characters "
                           "(at most 512)")
    return q


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def volume(conn: sqlite3.Connection, c: Campaign, client, *, granularity: str = "hour",
           now_ms: int | None = None) -> Volume:
    """X's counts of the campaign (the part of its period in the last 7 days) beside the
    cache's X posts of it, bin by bin."""
    now = int(time.time() * 1000) if now_ms is None else int(now_ms)
    start, end = max(c.from_ms, now - WEEK_MS + _SLACK_MS), min(c.to_ms, now - _SLACK_MS)
    if start >= end:
        raise ChannelError(f"campaign {c.name!r}: X counts only the last 7 days, and the campaign's period "
                           f"({_iso(c.from_ms)} to {_iso(c.to_ms)}) is not in them")
    q = query_for(c)
    bins, total = client.counts_recent(q, start_time=_iso(start), end_time=_iso(end), granularity=granularity)
    v = Volume(c.name, q, granularity, start, end)
    t = sorted(r[1] for r in matching_rows(conn, c) if r[6] == "x" and start <= r[1] < end)
    import bisect

    for b in bins:
        a, z = _ms(b["start"]), _ms(b["end"])
        held = bisect.bisect_left(t, z) - bisect.bisect_left(t, a)
        v.bins.append({"start_ms": a, "end_ms": z, "on_x": b["tweet_count"], "in_cache": held})
    v.on_x = total or sum(b["on_x"] for b in v.bins)
    v.in_cache = len(t)
    return v
