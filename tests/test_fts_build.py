"""The full-text index of a big write into an empty cache, built by a process of its own
(desktop.cache.fts_build): the cache gets the index it would have built itself (FTS5's own
integrity check against the items, the same search results), on a connection that
searched before, through later deletes; a builder that dies costs only time; the scratch
file never outlives the write; a cache that holds items is indexed by the writer."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from desktop.cache import Cache, fts_build, writer
from desktop.cache.erase import erase_rows
from desktop.cache.query import matching_ids
from desktop.core.filters import Filter
from desktop.core.model import DeleteItem, Item
from desktop.demo import generate, generator, write_demo

SIZE = 6000
WORDS = ("광화문", "집회", "경찰", "세종대로", "police", "march", "busan", "청계")


@pytest.fixture
def beside(monkeypatch):
    """Every size of write counts as big; the builders made are kept for the test to see."""
    made: list[fts_build.SideBuild] = []
    orig = fts_build.SideBuild.__init__

    def init(obj, *a, **kw):
        orig(obj, *a, **kw)
        made.append(obj)

    monkeypatch.setattr(fts_build.SideBuild, "__init__", init)
    monkeypatch.setattr(writer, "BUILD_AT", 0)
    monkeypatch.setattr(generator, "BUILD_AT", 0)
    monkeypatch.setattr(generator, "a_core_is_free", lambda: True)
    return made


def searches(cache: Cache) -> list[list[int]]:
    return [sorted(matching_ids(cache.conn, Filter(text=w))) for w in WORDS]


def check(cache: Cache) -> None:
    """FTS5's integrity check: every row's tokens are in the index and nothing else is (it
    raises otherwise)."""
    cache.conn.execute("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')")


def scratch_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".fts-" in p.name)


def write(cache: Cache, records, **kw):
    return writer.write_records(cache, records, path="test", fmt="demo", purpose="public-order",
                                expected_items=SIZE, **kw)


def test_an_index_built_beside_is_the_one_the_writer_builds(tmp_path, beside):
    here = Cache.open(tmp_path / "here.db")
    write(here, generate(seed=3, size=SIZE))
    assert not beside
    there = Cache.open(tmp_path / "there.db")
    before = searches(there)  # this connection has read the empty index: it must not keep it
    assert before == [[]] * len(WORDS)
    stats = write(there, generate(seed=3, size=SIZE), index_beside=True)
    assert len(beside) == 1 and not beside[0].failed and stats.accepted == SIZE
    check(there)
    found = searches(there)
    assert found == searches(here) and all(found)
    assert there.conn.execute("SELECT count(*) FROM item_tags").fetchone() == \
        here.conn.execute("SELECT count(*) FROM item_tags").fetchone()
    assert scratch_files(tmp_path) == []
    # Later writes and deletes go on from the copied index.
    ids = found[0][:5]
    with there.transaction() as conn:
        erase_rows(conn, ids)
    write(there, generate(seed=4, size=500))
    check(there)
    after = searches(there)
    assert not set(ids) & set(after[0])
    there.close()
    reopened = Cache.open(tmp_path / "there.db")
    check(reopened)
    assert searches(reopened) == after


def test_withdrawals_in_the_same_write_apply_to_the_copied_index(tmp_path, beside):
    items = [r for r in generate(seed=3, size=SIZE)]
    posts = [r for r in items if isinstance(r, Item) and r.source == "x"][:3]
    c = Cache.open(tmp_path / "c.db")
    stats = write(c, items + [DeleteItem(source=p.source, source_id=p.source_id) for p in posts], index_beside=True)
    assert beside and not beside[0].failed
    assert stats.deleted == 3
    check(c)
    assert scratch_files(tmp_path) == []


def test_a_cache_with_items_is_indexed_by_the_writer(tmp_path, beside):
    c = Cache.open(tmp_path / "c.db")
    write(c, generate(seed=3, size=200))
    write(c, generate(seed=4, size=SIZE), index_beside=True)
    assert beside == []  # the index is not empty: copying would replace it
    check(c)


def test_a_builder_that_dies_costs_only_time(tmp_path, beside):
    c = Cache.open(tmp_path / "c.db")
    records = generate(seed=3, size=SIZE)

    def killing():
        for n, rec in enumerate(records):
            if n == SIZE // 2:
                os.kill(beside[0]._proc.pid, signal.SIGKILL)
                beside[0]._proc.join(5)
            yield rec

    stats = write(c, killing(), index_beside=True)
    assert beside[0].failed and "index builder stopped" in beside[0].failed
    assert any("built by the writer after all" in n for n in stats.notes)
    assert stats.accepted == SIZE
    check(c)
    assert all(searches(c)) and scratch_files(tmp_path) == []


def test_a_cancelled_write_leaves_no_builder_and_no_scratch_file(tmp_path, beside):
    c = Cache.open(tmp_path / "c.db")
    only_items = [r for r in generate(seed=3, size=SIZE) if isinstance(r, Item)]  # checked for cancel every CHUNK
    with pytest.raises(writer.Cancelled):
        write(c, only_items, should_cancel=lambda: True, index_beside=True)
    assert beside and not beside[0]._proc.is_alive()
    assert scratch_files(tmp_path) == []
    assert c.conn.execute("SELECT count(*) FROM items").fetchone() == (0,)
    check(c)
    write(c, generate(seed=3, size=SIZE), index_beside=True)  # and the next write builds it again
    check(c)
    assert all(searches(c))


def test_a_big_demo_builds_its_index_beside(tmp_path, beside):
    a = Cache.open(tmp_path / "a.db")
    write_demo(a, seed=5, size=SIZE, geoparse=False)
    assert len(beside) == 1 and not beside[0].failed
    check(a)
    b = Cache.open(tmp_path / "b.db")
    generator.BUILD_AT = 2**62  # (restored by the fixture) the writer indexes this one
    write_demo(b, seed=5, size=SIZE, geoparse=False)
    assert len(beside) == 1
    assert searches(a) == searches(b) and all(searches(a))
    assert scratch_files(tmp_path) == []


def test_the_scratch_file_is_beside_the_cache(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    side = fts_build.SideBuild.start(c.conn, tmp_path / "c.db")
    try:
        assert side.scratch.parent == tmp_path and side.scratch.name.startswith(".c.db.fts-")
    finally:
        side.close()
    assert not side.scratch.exists()
    assert fts_build.SideBuild.start(c.conn, None) is None


def test_an_import_on_enough_cores_builds_its_index_beside(tmp_path, beside, monkeypatch):
    """An X capture read by two processes, on a machine with a core for each reader, the
    writer and the builder: the same searches as a one-process import."""
    from desktop.importers import import_file, pipeline
    from desktop.importers.base import ImportOptions
    from tests.importers.test_pipeline import capture

    f = capture(tmp_path / "c.jsonl", 4000, deletes_every=997)
    opts = ImportOptions(geoparse=False)
    one = Cache.open(tmp_path / "one.db")
    import_file(one, f, fmt="x-v1", purpose="public-order", parallel=False, options=opts)
    assert beside == []
    monkeypatch.setattr(pipeline, "PIECE_BYTES", 256 * 1024)
    for cores, builders in ((3, 0), (4, 1)):
        monkeypatch.setattr(pipeline.os, "cpu_count", lambda: cores)
        c = Cache.open(tmp_path / f"{cores}.db")
        res = import_file(c, f, fmt="x-v1", purpose="public-order", parallel=True, options=opts)
        assert len(beside) == builders and res.stats.deleted > 0
        check(c)
        assert searches(c) == searches(one) and any(searches(c))
    assert not beside[0].failed and scratch_files(tmp_path) == []
