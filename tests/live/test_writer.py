"""LiveWriter: batching, commit before callback, backpressure, flush and file imports."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from desktop.cache import Cache
from desktop.live.writer import LiveWriter
from desktop.core.model import DeleteUnit, Item, Kind, Precision, Unit


def _item(k: int, source: str = "tak") -> Item:
    return Item(kind=Kind.FIELD_UPDATE, source=source, source_id=f"U-{k}@{1_777_000_000_000 + k}",
                t_ms=1_777_000_000_000 + k, text=f"보고 {k} #test", lat=37.5, lon=127.0, precision=Precision.EXACT,
                unit_uid=f"U-{k % 7}", hashtags=("test",), extra={"feed": "t"})


def _unit(uid: str) -> Unit:
    return Unit(uid=uid, callsign=uid, cot_type="a-f-G", affiliation="f", t_ms=1_777_000_000_000, stale_ms=None,
                lat=37.5, lon=127.0)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "live.db"
    Cache.open(path).close()
    return path


def test_batches_commit_before_listeners_and_ids_match(db):
    w = LiveWriter(db, batch_s=0.05, batch_max=100, purpose="public-order").start()
    seen: list = []

    def listener(ids, units_changed, stats):
        # Another connection sees the rows already: the commit came first.
        conn = sqlite3.connect(db)
        n = conn.execute(f"SELECT count(*) FROM items WHERE id IN ({','.join(map(str, ids))})").fetchone()[0]
        conn.close()
        seen.append((list(ids), units_changed, stats, n))

    w.add_listener(listener)
    try:
        for k in range(250):
            assert w.put([_item(k)], "udp")
        w.put([_unit("U-1")], "udp")
        assert w.flush()
    finally:
        w.stop()
    all_ids = [i for ids, *_ in seen for i in ids]
    assert len(all_ids) == 250 == len(set(all_ids))
    assert all(len(ids) == n for ids, _, _, n in seen)
    assert len(seen) >= 3  # batch_max=100 forces several batches
    assert any(units for _, units, _, _ in seen)
    last = seen[-1][2]
    assert last.committed_total == 251 and last.dropped_total == 0
    conn = sqlite3.connect(db)
    fmts = {r[0] for r in conn.execute("SELECT format FROM batches")}
    assert fmts == {"live:udp"}
    assert conn.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH '\"tes\" AND \"est\"'").fetchone()[0] == 250
    assert conn.execute("SELECT count(*) FROM item_tags WHERE tag = 'test'").fetchone()[0] == 250


def test_time_bound_batches_and_feeds_kept_apart(db):
    w = LiveWriter(db, batch_s=0.03, batch_max=10_000, purpose="public-order").start()
    stats = []
    w.add_listener(lambda ids, u, s: stats.append(s))
    try:
        w.put([_item(1)], "a")
        w.put([_item(2)], "b")
        t0 = time.monotonic()
        while not stats and time.monotonic() - t0 < 2:
            time.sleep(0.005)
        assert stats and time.monotonic() - t0 < 1.0
        assert set(stats[0].feeds) == {"a", "b"} and stats[0].latency_ms >= 0
    finally:
        w.stop()
    conn = sqlite3.connect(db)
    assert {r[0] for r in conn.execute("SELECT format FROM batches")} == {"live:a", "live:b"}


def test_duplicates_and_unit_deletes(db):
    w = LiveWriter(db, purpose="public-order").start()
    got = []
    w.add_listener(lambda ids, u, s: got.append((ids, u, s)))
    try:
        w.put([_item(1)], "x")
        w.flush()
        w.put([_item(1), DeleteUnit("U-1")], "x")
        w.flush()
    finally:
        w.stop()
    assert got[1][0] == [] and got[1][1] is True and got[1][2].duplicates == 1


def test_backpressure_blocks_briefly_then_drops_and_counts(db):
    w = LiveWriter(db, max_queue=100, put_wait_s=0.05, purpose="public-order")  # not started: nothing drains the queue
    w._thread = object()  # pretend it runs so put() only sees a full queue
    assert w.put([_item(k) for k in range(100)], "f")
    t0 = time.monotonic()
    assert not w.put([_item(200)], "f")
    assert 0.04 <= time.monotonic() - t0 < 1.0
    assert not w.put([_item(k) for k in range(300, 500)], "f")  # larger than the whole queue
    assert w.stats().dropped == 201 and w.stats().queued == 100


def test_flood_from_many_threads_bounded(db):
    w = LiveWriter(db, max_queue=2_000, put_wait_s=0.0, batch_max=500, purpose="public-order").start()
    try:
        def produce(base):
            for k in range(0, 3000, 10):
                w.put([_item(base + k + j) for j in range(10)], "flood")

        threads = [threading.Thread(target=produce, args=(b,)) for b in (0, 100_000, 200_000)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert w.flush()
        s = w.stats()
    finally:
        w.stop()
    assert s.committed + s.dropped == 9000 and s.queued == 0
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == s.committed


def test_listener_failure_does_not_stop_writer(db):
    w = LiveWriter(db, purpose="public-order").start()
    ok = []

    def bad(*a):
        raise RuntimeError("boom")

    w.add_listener(bad)
    w.add_listener(lambda ids, u, s: ok.append(ids))
    try:
        w.put([_item(1)], "x")
        w.flush()
        w.put([_item(2)], "x")
        w.flush()
    finally:
        w.stop()
    assert len(ok) == 2


def test_stop_flushes_and_later_puts_are_refused(db):
    w = LiveWriter(db, batch_s=10, purpose="public-order").start()  # a long window: only stop() ends it
    w.put([_item(k) for k in range(5)], "x")
    w.stop()
    assert sqlite3.connect(db).execute("SELECT count(*) FROM items").fetchone()[0] == 5
    assert not w.put([_item(9)], "x")


def test_import_file_on_writer_thread_tells_listeners(db, tmp_path):
    f = tmp_path / "one.geojson"
    f.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","id":"a",'
                 '"geometry":{"type":"Point","coordinates":[127.0,37.5]},'
                 '"properties":{"time":"2026-05-01T03:00:00Z","text":"드롭 폴더"}}]}', encoding="utf-8")
    w = LiveWriter(db, purpose="public-order").start()
    got = []
    w.add_listener(lambda ids, u, s: got.append(ids))
    try:
        res = w.import_file(f)
    finally:
        w.stop()
    assert res.stats.accepted == 1 and len(got) == 1 and len(got[0]) == 1


def test_unit_reports_coalesced_per_batch():
    from desktop.live.writer import coalesce_units

    def u(uid, t, callsign=None, team=None):
        return Unit(uid=uid, callsign=callsign, cot_type="a-f-G", affiliation="f", t_ms=t, stale_ms=None, team=team)

    recs = [u("A", 1, "알파", "Cyan"), _item(1), u("A", 3), u("A", 2, "옛이름"), u("B", 1), DeleteUnit("B"), u("B", 2)]
    out = coalesce_units(recs)
    units = [r for r in out if isinstance(r, Unit)]
    assert [(x.uid, x.t_ms, x.callsign, x.team) for x in units] == [("A", 3, "옛이름", "Cyan"), ("B", 1, None, None),
                                                                     ("B", 2, None, None)]
    assert out[0] == recs[1] and DeleteUnit("B") in out


def test_items_go_before_unit_reports_without_crossing_a_withdrawal():
    from desktop.core.model import DeleteItem
    from desktop.live.writer import items_first

    wd = DeleteItem(source="tak", source_id="U-1@1777000000001")
    recs = [_item(1), _unit("A"), _item(2), DeleteUnit("A"), _unit("B"), wd, _item(3), _unit("C"), _item(4)]
    out = items_first(recs)
    assert out == [_item(1), _item(2), _unit("A"), DeleteUnit("A"), _unit("B"), wd, _item(3), _item(4), _unit("C")]
    assert sorted(map(repr, out)) == sorted(map(repr, recs))  # nothing lost or doubled


def test_grouped_batches_store_what_one_insert_per_message_stored(tmp_path):
    """The same interleaved CoT-like records through the writer with and without grouping:
    the same items, units and withdrawals in the cache."""
    from desktop.core.model import DeleteItem

    recs = []
    for k in range(300):
        recs += [_item(k), Unit(uid=f"U-{k % 7}", callsign=f"c{k}" if k % 3 else None, cot_type="a-f-G",
                                affiliation="f", t_ms=1_777_000_000_000 + k, stale_ms=None, lat=37.5, lon=127.0)]
        if k == 150:
            recs.append(DeleteItem(source="tak", source_id="U-40@1777000000040"))
        if k == 200:
            recs.append(DeleteUnit("U-3"))
    tables = []
    for grouped in (False, True):
        path = tmp_path / f"g{grouped}.db"
        Cache.open(path).close()
        w = LiveWriter(path, batch_s=0.05, batch_max=5000, purpose="public-order")
        w.group_items = grouped
        w.start()
        try:
            assert w.put(recs, "tak")
            assert w.flush()
        finally:
            w.stop()
        conn = sqlite3.connect(path)
        tables.append((conn.execute("SELECT source, source_id, text, t_ms FROM items ORDER BY source_id").fetchall(),
                       conn.execute("SELECT uid, callsign, t_ms FROM units ORDER BY uid").fetchall(),
                       conn.execute("SELECT source_id FROM tombstones").fetchall()))
        conn.close()
    assert tables[0] == tables[1]
    items, units, tombs = tables[1]
    assert len(items) == 299 and ("tak", "U-40@1777000000040") not in [(s, i) for s, i, *_ in items]
    assert len(units) == 7 and tombs == [("U-40@1777000000040",)]


def test_writer_process_commits_before_listeners_and_survives_being_killed(db):
    """process=True: the statements run in a writer process; ids reach the listeners after
    the commit; a killed writer process is replaced and nothing put is lost or doubled."""
    import os
    import signal

    w = LiveWriter(db, batch_s=0.02, batch_max=200, purpose="public-order", process=True).start()
    seen: list = []

    def listener(ids, units_changed, stats):
        conn = sqlite3.connect(db)
        n = conn.execute(f"SELECT count(*) FROM items WHERE id IN ({','.join(map(str, ids)) or 0})").fetchone()[0]
        conn.close()
        seen.append((list(ids), n))

    w.add_listener(listener)
    try:
        for k in range(300):
            assert w.put([_item(k), _unit(f"U-{k % 7}")], "tcp")
        assert w.flush(30)
        pid = w.process_pid()
        assert pid is not None and pid != os.getpid()
        os.kill(pid, signal.SIGKILL)
        for k in range(300, 600):
            assert w.put([_item(k), _unit(f"U-{k % 7}")], "tcp")
        assert w.flush(60)
        assert w.process_pid() not in (None, pid)
    finally:
        w.stop()
    assert all(len(ids) == n for ids, n in seen)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*), count(DISTINCT source_id) FROM items").fetchone() == (600, 600)
    assert conn.execute("SELECT count(*) FROM units").fetchone()[0] == 7
    conn.close()
    assert w.stats().committed == 1200 and w.stats().dropped == 0
    assert len({i for ids, _ in seen for i in ids}) >= 300  # the batches before the kill were all told
