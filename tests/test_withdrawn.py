"""Withdrawn items at commit time: indexed lookups only, and the same items as the one-query
design they replaced (a join filtered by ``t.batch_id = ? OR i.batch_id = ?``, which scanned
every item on every commit)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cache import Cache
from desktop.cache.writer import WITHDRAWN_BY_BATCH, WITHDRAWN_ON_ARRIVAL, withdrawn, write_records
from desktop.core.model import DeleteItem, Item, Kind, Precision

# The replaced query, kept as the reference the new lookups are compared with.
OLD_QUERY = ("SELECT i.id, i.batch_id = ? FROM items i JOIN tombstones t ON t.source = i.source "
             "AND t.source_id = i.source_id WHERE t.batch_id = ? OR i.batch_id = ?")


def _post(i: int, source: str = "x") -> Item:
    return Item(kind=Kind.POST, source=source, source_id=str(i), t_ms=1_763_000_000_000 + i * 1000,
                text=f"광화문 집회 {i}", lat=37.5 + i * 1e-4, lon=126.9, precision=Precision.EXACT, author="kim",
                author_id="42")


def _plan(conn, sql: str, *params) -> list[str]:
    return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def test_lookups_search_indexes_and_never_scan_items(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    write_records(c, [_post(i) for i in range(3000)], path="a", fmt="test")
    write_records(c, [DeleteItem("x", str(i)) for i in range(0, 3000, 7)] + [_post(5000)], path="b", fmt="test")
    for analysed in (False, True):
        if analysed:
            c.conn.execute("ANALYZE")  # the planner's statistics as a long-lived cache may have them
        by_batch = _plan(c.conn, WITHDRAWN_BY_BATCH, 2)
        on_arrival = _plan(c.conn, WITHDRAWN_ON_ARRIVAL, 2)
        old = _plan(c.conn, OLD_QUERY, 2, 2, 2)
        assert any(step.startswith("SCAN") for step in old), old  # the old design: a whole table per commit
        for plan in (by_batch, on_arrival):
            assert not any(step.startswith("SCAN") for step in plan), plan
        assert by_batch[0].startswith("SEARCH t USING") and "tombstones_batch" in by_batch[0], by_batch
        assert by_batch[1].startswith("SEARCH i USING INDEX sqlite_autoindex_items"), by_batch
        assert on_arrival[0].startswith("SEARCH i USING") and "items_batch" in on_arrival[0], on_arrival
        assert on_arrival[1].startswith("SEARCH t USING PRIMARY KEY"), on_arrival


def test_no_tombstones_means_no_lookup(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    st1 = write_records(c, [_post(i) for i in range(10)], path="a", fmt="live:x")
    traced: list[str] = []
    c.conn.set_trace_callback(traced.append)
    st2 = write_records(c, [_post(i) for i in range(10, 20)], path="a", fmt="live:x")
    c.conn.set_trace_callback(None)
    assert not any("JOIN" in sql and "tombstones" in sql for sql in traced), traced
    # The batch id comes from the insert itself.
    assert (st1.batch_id, st2.batch_id) == tuple(r[0] for r in c.conn.execute("SELECT id FROM batches ORDER BY id"))
    assert c.conn.execute("SELECT count(*) FROM items WHERE batch_id = ?", (st2.batch_id,)).fetchone()[0] == 10


# A batch: (post keys, delete keys), keys drawn from a small range so deletes and posts meet.
_batches = st.lists(st.tuples(st.lists(st.integers(0, 30), max_size=12), st.lists(st.integers(0, 30), max_size=5)),
                    min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(_batches)
def test_same_items_as_the_old_query_on_any_state(tmp_path_factory, batches):
    """Before the erasure runs, on a cache state built row by row: both designs name the same
    items with the same 'came in this batch' flag, for every batch."""
    c = Cache.open(tmp_path_factory.mktemp("w") / "c.db")
    conn = c.conn
    for posts, deletes in batches:
        b = conn.execute("INSERT INTO batches (path, format, started_ms) VALUES ('p', 'test', 0)").lastrowid
        for k in posts:
            conn.execute("INSERT OR IGNORE INTO items (kind, source, source_id, t_ms, precision, batch_id) "
                         "VALUES ('post', 'x', ?, 0, 'unknown', ?)", (str(k), b))
        for k in deletes:
            conn.execute("INSERT OR IGNORE INTO tombstones (source, source_id, batch_id) VALUES ('x', ?, ?)", (str(k), b))
    conn.commit()
    last = conn.execute("SELECT max(id) FROM batches").fetchone()[0]
    for b in range(1, last + 1):
        old = sorted(conn.execute(OLD_QUERY, (b, b, b)).fetchall())
        assert sorted(withdrawn(conn, b)) == old


@settings(max_examples=40, deadline=None)
@given(_batches)
def test_the_writer_keeps_exactly_what_was_not_withdrawn(tmp_path_factory, batches):
    c = Cache.open(tmp_path_factory.mktemp("w") / "c.db")
    tomb: set[int] = set()
    present: set[int] = set()
    for posts, deletes in batches:
        recs = [_post(k) for k in posts] + [DeleteItem("x", str(k)) for k in deletes]
        stats = write_records(c, recs, path="p", fmt="test")
        inserted = set(posts) - present
        tomb |= set(deletes)
        assert stats.accepted == len(inserted - tomb)
        assert stats.deleted == len(inserted & tomb) + len(present & set(deletes))
        present = (present | set(posts)) - tomb
        have = {int(r[0]) for r in c.conn.execute("SELECT source_id FROM items")}
        assert have == present
        c.conn.execute("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)")
