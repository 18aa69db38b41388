"""The first open read in time chunks, most recent first (engine.loading): the same index
as the one-shot read, a partial index that answers like the cache on the part it holds,
cancel and resume, and no half-written snapshot ever adopted."""

from __future__ import annotations

import numpy as np
import pytest

from desktop.cache import Cache
from desktop.cache.query import matching_ids
from desktop.cache.writer import write_records
from desktop.core.filters import Filter
from desktop.core.model import Item, Kind, Precision
from desktop.engine import snapshot as index_snapshot
from desktop.engine.index import ItemIndex
from desktop.engine.loading import Cancelled, plan_chunks
from desktop.engine.mapdata import MapData
from desktop.engine.source import cache_state, snapshot_dir
from tests.test_index import BOX, T0, TAGS, assert_same, make_items


def _ties(n: int, seed: int) -> list[Item]:
    """Items on a handful of timestamps (ties in time across chunk edges), some unplaced,
    some placed by name with a radius."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        t = T0 + 3600_000 * int(rng.integers(0, 6)) + int(rng.integers(0, 3))
        k = rng.random()
        lat, lon, prec, radius = 37.57 + rng.normal(0, 0.01), 126.98 + rng.normal(0, 0.01), Precision.EXACT, None
        if k < 0.1:
            lat = lon = None
            prec = Precision.UNKNOWN
        elif k < 0.25:
            prec, radius, lat, lon = Precision.PLACE, 800.0, 37.57, 126.98
        tags = tuple(rng.choice(TAGS, size=int(rng.integers(0, 3)), replace=False))
        out.append(Item(kind=Kind.POST, source="x", source_id=f"tie{i}", t_ms=t, lat=lat, lon=lon, precision=prec,
                        radius_m=radius, text=f"동시 {i} " + " ".join("#" + x for x in tags), hashtags=tags))
    return out


@pytest.fixture
def cache(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    write_records(c, make_items(3000, 1, "a", t_span=12 * 3600_000), path="a", fmt="test")
    write_records(c, _ties(1500, 2), path="t", fmt="test")
    write_records(c, make_items(500, 3, "b", t_span=30 * 3600_000), path="b", fmt="test")  # ids out of time order
    yield c
    c.close()


FILTERS = [Filter(), Filter(kinds=("post",), hashtags=("집회",)), Filter(areas=(BOX,)),
           Filter(text="현장 1", sources=("x",)), Filter(precisions=("place",)), Filter(kinds=("field_update",))]


def _chunked(cache, **kw) -> IndexLoad:
    return ItemIndex.start_load(cache.conn, first_rows=kw.pop("first_rows", 300), chunk_rows=kw.pop("chunk_rows", 400), **kw)


def _wait_ready(load) -> None:
    import time

    end = time.monotonic() + 60
    while not all(r.ready() for r in load._procs._all) and time.monotonic() < end:
        time.sleep(0.05)
    assert all(r.ready() for r in load._procs._all)


def _answers_equal(a: ItemIndex, b: ItemIndex, conn) -> None:
    for f in FILTERS:
        sa, sb = a.select(f, conn), b.select(f, conn)
        assert np.array_equal(a.id[sa.pos], b.id[sb.pos]), f.describe()
        assert a.top_tags(sa) == b.top_tags(sb)
        assert np.array_equal(np.sort(a.id[sa.pos]), np.sort(matching_ids(conn, f))), f.describe()
        t0 = int(a.t[0])
        for x, y in zip(a.histogram(t0, 600_000, 200, a.static_mask(f, conn)),
                        b.histogram(t0, 600_000, 200, b.static_mask(f, conn))):
            assert np.array_equal(x, y)
    ma, mb = MapData(a, conn), MapData(b, conn)
    assert ma.units(Filter()) == mb.units(Filter()) and ma.units(Filter())


@pytest.fixture
def ordered_cache(tmp_path):
    """Items written in time order (as live feeds and the demo write them: each span's ids
    one dense range, read in id order), with a late batch out of order."""
    c = Cache.open(tmp_path / "o.db")
    items = sorted(make_items(3000, 7, "a", t_span=12 * 3600_000) + _ties(1200, 8), key=lambda i: i.t_ms)
    for k in range(0, len(items), 700):
        write_records(c, items[k:k + 700], path=f"o{k}", fmt="test")
    write_records(c, make_items(300, 9, "late", t_span=12 * 3600_000), path="late", fmt="test")
    yield c
    c.close()


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
@pytest.mark.parametrize("which", ["cache", "ordered_cache"])
def test_chunked_load_equals_the_one_shot_read(which, processes, request):
    cache = request.getfixturevalue(which)
    load = _chunked(cache, snapshot=False, processes=processes)
    assert len(load.chunks) >= 8 and (load._procs is not None) == processes
    if processes:  # the older chunks are read by the processes once they have started
        _wait_ready(load)
    idx = load.run()
    assert (load.chunks_by_process > 0) == processes
    if which == "ordered_cache":  # most rows came in id order, the late batch through the time index
        assert 0.8 * len(idx) < load.rows_by_id < len(idx)
    one = ItemIndex()
    one.reload(cache.conn, snapshot=False, chunked=False)
    assert_same(idx, one)
    assert np.array_equal(idx.conf, one.conf, equal_nan=True)
    _answers_equal(idx, one, cache.conn)


def test_the_plan_cuts_older_rows_at_sampled_quantiles_back_to_the_start():
    t = np.sort(np.random.default_rng(1).integers(0, 1_000_000, 6400))
    chunks = plan_chunks(2_000_000, t, 100_000, chunk_rows=10_000)
    assert chunks[0].lo == 2_000_000 and chunks[0].hi == 2**63 - 1 and chunks[-1].lo == -2**63
    assert all(a.lo == b.hi and a.lo > b.lo for a, b in zip(chunks, chunks[1:]))
    assert len(chunks) == 11
    inner = [c.hi - c.lo for c in chunks[2:-1]]
    assert max(inner) < 2.5 * min(inner)  # about equal counts for a uniform sample
    assert [(c.lo, c.hi) for c in plan_chunks(5, np.zeros(0, np.int64), 0)] == [(5, 2**63 - 1)]


def test_a_partial_index_answers_like_the_cache_on_the_span_it_holds(cache):
    load = _chunked(cache, snapshot=False)
    load.step()
    part = load.partial()
    assert 0 < len(part) < load.total and part.snapshot_state == "partial"
    t_last = cache.conn.execute("SELECT max(t_ms) FROM items").fetchone()[0]
    assert part.span()[1] == t_last and part.loaded_from_ms == part.span()[0]
    for f in FILTERS:
        f = f.with_(start_ms=part.loaded_from_ms)
        got = part.id[part.select(f, cache.conn).pos]
        assert np.array_equal(np.sort(got), np.sort(matching_ids(cache.conn, f))), f.describe()
    for _ in range(3):
        load.step()
    more = load.partial()
    assert len(more) > len(part) and more.epoch == part.epoch  # both replace the same earlier index
    load.close()


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_cancel_keeps_the_part_loaded_then_resume_finishes_and_saves(cache, processes):
    state = cache_state(cache.conn)
    load = _chunked(cache, processes=processes)
    if processes:
        _wait_ready(load)
    load.step()
    load.step()
    load.request_cancel()  # as the window's Cancel does, from another thread
    with pytest.raises(Cancelled):
        load.step()
    part = load.partial()
    assert 0 < len(part) < load.total
    assert index_snapshot.open_valid(state) is None  # nothing adoptable yet
    assert any(p.name.startswith(snapshot_dir(state).name + ".tmp") for p in snapshot_dir(state).parent.iterdir())
    assert load.resume()
    idx = load.run()
    one = ItemIndex()
    one.reload(cache.conn, snapshot=False, chunked=False)
    assert_same(idx, one)
    again = ItemIndex.load(cache.conn)
    assert again.snapshot_state == "snapshot"
    assert_same(again, one)
    _answers_equal(again, one, cache.conn)
    assert not any(".tmp" in p.name for p in snapshot_dir(state).parent.iterdir())


def test_a_reading_process_that_dies_costs_nothing_but_time(cache):
    """A killed reading process: its chunk and the rest are read on the loader's threads."""
    import os
    import signal

    load = _chunked(cache, snapshot=False, processes=True)
    _wait_ready(load)
    load.step()
    load.step()
    for pid in load._procs.pids():
        os.kill(pid, signal.SIGKILL)
    idx = load.run()
    one = ItemIndex()
    one.reload(cache.conn, snapshot=False, chunked=False)
    assert_same(idx, one)


def test_an_unfinished_draft_is_never_adopted(cache):
    state = cache_state(cache.conn)
    load = _chunked(cache)
    load.step()
    load.cancel()  # as if the process died here: the draft folder stays behind
    assert index_snapshot.open_valid(state) is None
    idx = ItemIndex.load(cache.conn)  # a fresh load: rebuilt, and the leftover removed
    assert idx.snapshot_state == "rebuilt" and len(idx) == load.total
    assert ItemIndex.load(cache.conn).snapshot_state == "snapshot"


def test_the_command_line_progress_counts_up_to_the_total(cache, monkeypatch):
    import io

    from desktop.engine import loading

    monkeypatch.setattr(loading, "FIRST_ROWS", 300)
    monkeypatch.setattr(loading, "CHUNK_ROWS", 400)
    out = io.StringIO()
    idx = ItemIndex.load(cache.conn, progress=loading.text_progress(out))
    lines = out.getvalue().splitlines()
    assert idx.snapshot_state == "rebuilt" and len(lines) >= 3
    assert lines[-1].startswith(f"index: {len(idx):,} of {len(idx):,} items (100 %) in ")
    assert "s left" in lines[0]
    assert ItemIndex.load(cache.conn, progress=loading.text_progress(out)).snapshot_state == "snapshot"
    assert out.getvalue().splitlines() == lines  # a snapshot opens without a word


def test_a_draft_discarded_by_an_erasure_is_not_saved(cache):
    state = cache_state(cache.conn)
    load = _chunked(cache)
    load.step()
    assert index_snapshot.discard(state)  # what an erasure does, here while the load runs
    idx = load.run()
    assert len(idx) == load.total  # the load completes in memory
    assert not snapshot_dir(state).exists()  # and leaves nothing that holds the erased items
    assert ItemIndex.load(cache.conn).snapshot_state == "rebuilt"
