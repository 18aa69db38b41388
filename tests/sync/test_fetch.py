"""Joining mid-incident: a workstation pulls the recent past only, and older spans come from
the store when asked for (a wider --since, or the window's slider going there), newest
first, in pages that each commit, with progress and cancel, never twice."""

from __future__ import annotations

import threading

from desktop.cache import Cache
from desktop.core.model import Item, Kind, Precision
from desktop.sync.fetch import fetch_span, have_from
from desktop.sync.link import Link
from desktop.sync.runner import Sync
from tests.sync.helpers import T0, add_items, keys, posts, q

DAY = 86_400_000


def three_days(path) -> None:
    for d in range(3):
        add_items(path, posts(f"d{d}-", 10, t0=T0 + d * DAY), name=f"day{d}.json")


def test_join_with_the_recent_past_then_fetch_older_on_demand(tmp_path, shared_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    three_days(a)
    Sync(a, shared_url).once()
    s = Sync(b, shared_url, since_ms=T0 + 2 * DAY).once()  # the last day only
    assert s.online and s.pulled == 10 and s.have_from == T0 + 2 * DAY
    assert s.store_span == (T0, T0 + 2 * DAY + 9000)
    assert {k[1][:3] for k in keys(b)} == {"d2-"}
    # A wider --since on the next run fetches the day before, and only that.
    s = Sync(b, shared_url, since_ms=T0 + DAY).once()
    assert s.pulled == 10 and s.have_from == T0 + DAY
    assert {k[1][:3] for k in keys(b)} == {"d1-", "d2-"}
    # The window asks for an earlier time (its slider went there).
    sync = Sync(b, shared_url, since_ms=T0 + 2 * DAY)
    sync.request_from(T0)
    s = sync.once()
    assert s.pulled == 10 and s.have_from == T0
    assert len(keys(b)) == 30 and keys(b) == keys(a)
    # Nothing is fetched twice, and new changes still come through the change log.
    assert Sync(b, shared_url, since_ms=T0).once().pulled == 0
    add_items(a, posts("late", 2, t0=T0 + 2 * DAY + 60_000), name="late.json")
    Sync(a, shared_url).once()
    assert Sync(b, shared_url).once().pulled == 2
    # Fetched items are in sync batches: not pushed back as B's own.
    assert Sync(b, shared_url).once().pushed == 0
    assert q(b, "SELECT count(*) FROM items_fts WHERE items_fts MATCH '\"d0-\" AND \"0- \" AND \" po\" AND \"ost\"'")[0][0] == 10


def test_fetch_pages_split_at_equal_times_and_cancel_keeps_what_committed(tmp_path, shared_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    # 25 items in 5 instants of 5 items each: pages of 7 never cut an instant in half.
    items = [Item(kind=Kind.POST, source="x", source_id=f"s{k}", t_ms=T0 + (k // 5) * 1000, text=f"same {k}",
                  lat=37.5, lon=127.0, precision=Precision.EXACT) for k in range(25)]
    add_items(a, items)
    Sync(a, shared_url).once()
    Sync(b, shared_url, since_ms=T0 + 10 * DAY).once()  # joins after all of them
    assert keys(b) == []
    cancel = threading.Event()
    seen = []

    def progress(f):
        seen.append((f.seen, f.total))
        cancel.set()  # stop after the first page

    with Cache.open(b):
        pass
    link = Link.open(b, shared_url, since_ms=T0 + 10 * DAY)
    try:
        got = fetch_span(link, 0, link.since_ms, on_progress=progress, cancel=cancel, page=7)
        assert not got.complete and seen == [(5, 25)]  # 7 asked, the 5 of the newest instant kept
        assert have_from(link) == T0 + 3001  # everything after the instant the page cut is in
        assert len(keys(b)) == 5
        got = fetch_span(link, 0, link.since_ms, page=7)
        assert got.complete and got.items == 20  # the rest, nothing twice
        assert have_from(link) == 0
    finally:
        link.close()
    assert len(keys(b)) == 25 and keys(b) == keys(a)
    # One instant with more items than a page is taken whole.
    c = tmp_path / "c.db"
    Sync(c, shared_url, since_ms=T0 + 10 * DAY).once()
    link = Link.open(c, shared_url)
    try:
        got = fetch_span(link, 0, T0 + 10 * DAY, page=3)
        assert got.complete and got.items == 25
    finally:
        link.close()
    assert keys(c) == keys(a)


def test_an_empty_older_span_is_fetched_once_and_then_held(tmp_path, shared_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add_items(a, posts("p", 3, t0=T0 + 5 * DAY))
    Sync(a, shared_url).once()
    Sync(b, shared_url, since_ms=T0 + 4 * DAY).once()
    assert len(keys(b)) == 3
    sync = Sync(b, shared_url, since_ms=T0 + 4 * DAY)
    sync.request_from(T0)  # nothing there in the store
    s = sync.once()
    assert s.have_from == T0 and s.pulled == 0
    again = Sync(b, shared_url, since_ms=T0 + 4 * DAY)
    again.request_from(T0)
    link = again._ensure()
    try:
        assert have_from(link) == T0
        assert again._older_wanted(link) is None  # asked once, held: the loop does not fetch again
    finally:
        again.close()
