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


def busan_posts(prefix: str, n: int, t0: int) -> list[Item]:
    return [Item(kind=Kind.POST, source="x", source_id=f"{prefix}{k}", t_ms=t0 + k * 1000, text=f"{prefix} 남포동 {k}",
                 lat=35.098 + k * 1e-4, lon=129.03 + k * 1e-4, precision=Precision.EXACT, author=f"b{k}")
            for k in range(n)]


def unplaced(prefix: str, n: int, t0: int) -> list[Item]:
    return [Item(kind=Kind.POST, source="x", source_id=f"{prefix}{k}", t_ms=t0 + k * 1000, text=f"{prefix} where? {k}",
                 author=f"u{k}") for k in range(n)]


def test_a_join_limited_to_an_area_holds_only_what_is_placed_there_until_lifted(tmp_path, shared_url):
    from desktop.cache import triage
    from desktop.core.triage import TriageChange
    from desktop.sync.fetch import resolve_area
    from tests.sync.helpers import local_id

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add_items(a, posts("seoul", 6, t0=T0), name="seoul.json")  # 광화문, in 종로구
    add_items(a, busan_posts("busan", 4, T0), name="busan.json")
    add_items(a, unplaced("nowhere", 3, T0), name="unplaced.json")
    Sync(a, shared_url).once()
    with Cache.open(b) as c:
        jongno = resolve_area(c.conn, "종로구")
    assert jongno.name == "서울특별시 종로구"
    s = Sync(b, shared_url, area=jongno).once()
    assert s.area == "서울특별시 종로구" and "(holding 서울특별시 종로구 only)" in s.line()
    assert {k[1] for k in keys(b)} == {f"seoul{k}" for k in range(6)}
    # New items come the same way; one placed elsewhere that a triage names comes with it.
    add_items(a, posts("seoul-late", 2, t0=T0 + DAY) + busan_posts("busan-late", 2, T0 + DAY), name="late.json")
    with Cache.open(a) as c:
        triage.apply(c.conn, [local_id(a, "busan1")], TriageChange(state="verified"), by="analyst-a")
    Sync(a, shared_url).once()
    Sync(b, shared_url).once()  # no area given: the one it joined with
    assert {k[1] for k in keys(b)} == {f"seoul{k}" for k in range(6)} | {"seoul-late0", "seoul-late1", "busan1"}
    # A box, with the items without a position, on another cache.
    c2 = tmp_path / "c.db"
    with Cache.open(c2) as c:
        box = resolve_area(c.conn, "129.0,35.0,129.1,35.2", unplaced=True)
    Sync(c2, shared_url, area=box).once()
    assert {k[1] for k in keys(c2)} == ({f"busan{k}" for k in range(4)} | {"busan-late0", "busan-late1"}
                                        | {f"nowhere{k}" for k in range(3)})
    # Lifted: what the area left out is fetched, nothing twice.
    s = Sync(b, shared_url, area=None).once()
    assert s.area is None and keys(b) == keys(a) and s.pulled == len(keys(a)) - 9
    assert Sync(b, shared_url).once().pulled == 0
    with Cache.open(b) as c:
        assert c.conn.execute("SELECT count(*) FROM meta WHERE key LIKE 'sync.%.area%'").fetchone()[0] == 0


def test_an_area_that_is_not_understood_is_said(tmp_path):
    import pytest

    from desktop.sync.fetch import resolve_area

    with Cache.open(tmp_path / "x.db") as c:
        for bad, says in (("129.1,35.0,129.0,35.2", "west below east"), ("어디구", "not a box W,S,E,N, a saved area")):
            with pytest.raises(ValueError, match=says):
                resolve_area(c.conn, bad)
