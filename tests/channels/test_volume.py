"""A campaign's volume on X beside the cache: the counts request as documented (paged by
next_token), the campaign's query, the bins set beside the cache's X posts of it, the
coverage, the 7-day limit said plainly, and the command with its audit entry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest

from desktop.audit import AuditLog
from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.campaigns import store
from desktop.channels.http import ChannelError
from desktop.channels.volume import query_for, volume
from desktop.channels.x import XClient
from desktop.core.model import Item, Kind
from tests.channels.server import X_TOKEN

H = 3_600_000


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.fixture
def scene(tmp_path, standin):
    """Six hours ago to now: X has 10 posts of the campaign (and one of something else); the
    cache holds 4 of them, one post from another source, and one outside the period."""
    now = int(time.time() * 1000)
    start = (now - 6 * H) // H * H
    for k in range(10):
        standin.state.public.append({"created_at": iso(start + k * 20 * 60_000 + 5_000),
                                     "text": f"#busanpolice 손팻말 {k}" if k % 2 else f"아동학대 예방 {k}"})
    standin.state.public.append({"created_at": iso(start + 3_000), "text": "다른 이야기"})
    items = [Item(kind=Kind.POST, source="x", source_id=f"x{k}", t_ms=start + k * 20 * 60_000 + 5_000,
                  text=f"#busanpolice 손팻말 {k}", hashtags=("busanpolice",)) for k in (1, 3, 5, 7)]
    items.append(Item(kind=Kind.POST, source="facebook", source_id="fb1", t_ms=start + 60_000, text="#busanpolice",
                      hashtags=("busanpolice",)))
    items.append(Item(kind=Kind.POST, source="x", source_id="old", t_ms=start - 30 * H, text="#busanpolice",
                      hashtags=("busanpolice",)))
    db = tmp_path / "c.db"
    with Cache.open(db) as cache:
        write_records(cache, items, path="x.json", fmt="x", operator="kim", purpose="campaign")
        c = store.add(cache, "부산경찰 #busanpolice", hashtags=["busanpolice"], keywords=["아동학대"],
                      from_ms=start, to_ms=now + H, by="kim")
    return db, c, now, start


def test_the_counts_request_as_documented_and_paged(standin):
    standin.state.count_page_bins = 2
    client = XClient(X_TOKEN, base=standin.url, timeout=(2.0, 1.0), backoff=0.01)
    now = int(time.time() * 1000)
    bins, total = client.counts_recent("#busanpolice OR 아동학대", start_time=iso(now - 5 * H)[:19] + "Z",
                                       end_time=iso(now - 60_000)[:19] + "Z")
    first = standin.state.requests[0]
    assert (first.method, first.path) == ("GET", "/2/tweets/counts/recent")
    assert first.params["query"] == "#busanpolice OR 아동학대" and first.params["granularity"] == "hour"
    assert first.headers["authorization"] == f"Bearer {X_TOKEN}"
    assert len(standin.state.requests) == 3 and standin.state.requests[1].params["next_token"] == "2"
    assert len(bins) in (5, 6) and total == 0 and [b["start"] for b in bins] == sorted(b["start"] for b in bins)
    with pytest.raises(ChannelError, match="granularity"):
        client.counts_recent("#a", granularity="week")


def test_volume_sets_x_counts_beside_the_cache(scene, standin):
    db, c, now, start = scene
    assert query_for(c) == "#busanpolice OR 아동학대"
    client = XClient(X_TOKEN, base=standin.url, timeout=(2.0, 1.0), backoff=0.01)
    with Cache.open_readonly(db) as cache:
        v = volume(cache.conn, c, client, now_ms=now)
    assert v.on_x == 10 and v.in_cache == 4 and v.coverage == 0.4
    assert sum(b["on_x"] for b in v.bins) == 10 and sum(b["in_cache"] for b in v.bins) == 4
    assert all(b["in_cache"] <= b["on_x"] for b in v.bins)
    # a campaign that ended more than 7 days ago: said, nothing asked
    with Cache.open(db) as cache:
        old = store.add(cache, "지난 캠페인", hashtags=["busanpolice"], from_ms=now - 20 * 24 * H,
                        to_ms=now - 10 * 24 * H, by="kim")
        asked = len(standin.state.requests)
        with pytest.raises(ChannelError, match="only the last 7 days"):
            volume(cache.conn, old, client, now_ms=now)
    assert len(standin.state.requests) == asked


def test_campaign_volume_command(scene, standin, file_keyring):
    db, c, _now, _start = scene
    env = {**os.environ, "SITMAP_OPERATOR": "kim", "SITMAP_PURPOSE": "campaign"}

    def sitmap(*args, inp=None):
        return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True, input=inp,
                              env=env, timeout=120)

    assert sitmap("appeal", "account", "add", "busan-x", "--channel", "x", "--base-url", standin.url, "--db", str(db),
                  inp=X_TOKEN + "\n").returncode == 0
    r = sitmap("campaign", "volume", c.name, "--account", "busan-x", "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "X counts 10 posts for #busanpolice OR 아동학대" in r.stdout and "the cache holds 4 of them (40%)" in r.stdout
    r = sitmap("campaign", "volume", c.name, "--account", "busan-x", "--db", str(db), "--json")
    assert json.loads(r.stdout)["coverage"] == 0.4
    r = sitmap("campaign", "volume", c.name, "--account", "nobody", "--db", str(db))
    assert r.returncode != 0 and "Traceback" not in r.stderr
    with AuditLog.open(db) as log:
        (e, _) = [e for e in log.entries(action="collect")]
    assert e.objects == {"campaign": c.name, "x_counts": 10} and e.detail["what"] == "X post counts (no posts)"
