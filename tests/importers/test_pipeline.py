"""A file read in a worker process (desktop.importers.pipeline) lands in the cache exactly
as a one-process import puts it there: same rows, counts, skips and notes; a refused,
cancelled or broken read leaves the cache unchanged. Real files, real caches, a real
spawned process."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from desktop.cache import Cache
from desktop.cache.writer import Cancelled
from desktop.core import textsearch
from desktop.importers import ImportFailed, import_file, pipeline
from desktop.importers.base import ImportOptions

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "x" / "stream_v1.jsonl"
COLUMNS = ("kind, source, source_id, t_ms, lat, lon, precision, radius_m, text, author, author_id, lang, place_name, "
           "hashtags, links, reply_to, quote_of, retweet_of, unit_uid, callsign, extra, raw")


def capture(path: Path, n: int, *, deletes_every: int = 0, bad_every: int = 0) -> Path:
    """``n`` posts cycled from the fixture with fresh ids, with delete notices and broken lines among them."""
    posts = []
    for line in FIXTURE.read_bytes().splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if "id_str" in obj and "user" in obj:
            posts.append(obj)
    first = 1550707825439739904
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            post = dict(posts[i % len(posts)], id=first + i * 4096, id_str=str(first + i * 4096))
            fh.write(json.dumps(post, ensure_ascii=False) + "\n")
            if deletes_every and i % deletes_every == deletes_every - 1:
                sid = str(first + (i - 3) * 4096)
                fh.write(json.dumps({"delete": {"status": {"id": int(sid), "id_str": sid, "user_id": 1,
                                                           "user_id_str": "1"}, "timestamp_ms": "1658480000000"}}) + "\n")
            if bad_every and i % bad_every == 0:
                fh.write('{"created_at": "Fri Jul 22 10:00:00 +0000 2022", "id_str": \n')
    return path


@pytest.fixture(params=[1, 2], ids=["one-reader", "pieces"], autouse=True)
def readers(request, monkeypatch):
    """Every test with one reading process and with two reading small pieces (many of them)."""
    monkeypatch.setattr(pipeline, "READERS", request.param)
    monkeypatch.setattr(pipeline, "PIECE_BYTES", 256 * 1024)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    return request.param


class Spy:
    """The reading side's objects made during a test (either design)."""

    def __init__(self, monkeypatch):
        self.made: list = []
        for cls in (pipeline.Reader, pipeline.PieceReader):
            orig = cls.__init__

            def init(obj, *a, _orig=orig, **kw):
                _orig(obj, *a, **kw)
                self.made.append(obj)

            monkeypatch.setattr(cls, "__init__", init)

    def pids(self) -> list[int]:
        r = self.made[0]
        return r.pids if isinstance(r, pipeline.PieceReader) else [r.pid]

    def alive(self) -> bool:
        r = self.made[0]
        procs = r._procs if isinstance(r, pipeline.PieceReader) else [r._proc]
        return any(p.is_alive() for p in procs)


def rows(cache: Cache) -> list[tuple]:
    out = []
    for r in cache.conn.execute(f"SELECT {COLUMNS} FROM items ORDER BY id"):
        r = list(r)
        if r[20]:  # when metrics and follower counts were captured is the import's own clock
            extra = json.loads(r[20])
            for v in extra.values():
                if isinstance(v, dict):
                    v.pop("captured_ms", None)
            r[20] = extra
        out.append(tuple(r))
    return out


def derived(cache: Cache) -> tuple:
    q = cache.conn.execute
    # What a search finds: a word of every 500th post's text and author (the full text is
    # derived as the workers' rows arrive, or once at the end in one process).
    terms = ["광화문"] + [w for (t,) in q("SELECT text || ' ' || coalesce(author, '') FROM items WHERE id % 500 = 0")
                         for w in t.split() if len(w) >= 3][::7]
    found = [q("SELECT rowid FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid",
               (textsearch.match_expression([w]),)).fetchall() for w in terms]
    assert len(terms) > 10 and sum(map(len, found)) > 100
    return (q("SELECT tag, item_id FROM item_tags ORDER BY tag, item_id").fetchall(),
            q("SELECT source, source_id FROM tombstones ORDER BY 1, 2").fetchall(),
            terms, found,
            sorted(r[0] for r in q("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items'")))


def run(tmp_path: Path, name: str, f: Path, parallel: bool, **kw):
    c = Cache.open(tmp_path / f"{name}.db")
    seen: list[int] = []
    res = import_file(c, f, fmt="x-v1", purpose="public-order", parallel=parallel, progress=seen.append,
                      options=ImportOptions(geoparse=False, keep_raw=True), **kw)
    return c, res, seen


@pytest.mark.parametrize("defer", [False, True])
def test_worker_read_gives_the_same_cache(tmp_path, monkeypatch, defer, readers):
    from desktop.cache import writer

    spy = Spy(monkeypatch)
    if defer:  # the items indexes dropped during the insert and made again after it
        monkeypatch.setattr(writer, "DEFER_INDEXES_AT", 1)
    f = capture(tmp_path / "c.jsonl", 12_000, deletes_every=997, bad_every=1501)
    a, ra, seen_a = run(tmp_path, "serial", f, False)
    b, rb, seen_b = run(tmp_path, "parallel", f, True)
    try:
        assert ra.stats.accepted > 10_000 and ra.stats.deleted > 0 and ra.stats.skipped > 0
        made = spy.made[0]
        assert isinstance(made, pipeline.PieceReader) == (readers > 1)
        if readers > 1:
            assert len(made.ranges) > 20 and len(made.pids) == 2
        assert (ra.stats.accepted, ra.stats.skipped, ra.stats.deleted, ra.stats.notes) == \
               (rb.stats.accepted, rb.stats.skipped, rb.stats.deleted, rb.stats.notes)
        # One reader passes over every nested original it read before; with two, an original
        # repeated in both readers' pieces is written once and counted once more as a duplicate.
        assert ra.stats.duplicates == 0
        assert rb.stats.duplicates == 0 if readers == 1 else rb.stats.duplicates < ra.stats.accepted / 20
        assert [str(s) for s in ra.skips] == [str(s) for s in rb.skips]  # the same line numbers
        assert rows(a) == rows(b) and derived(a) == derived(b)
        # Progress as the file goes, to the same count (and the repeated originals).
        assert seen_a[-1] + rb.stats.duplicates == seen_b[-1] and len(seen_b) > 2
        a.conn.execute("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)")
        b.conn.execute("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)")
        # Importing it again through the worker adds nothing.
        again = import_file(b, f, fmt="x-v1", purpose="public-order", parallel=True,
                            options=ImportOptions(geoparse=False, keep_raw=True))
        assert again.stats.accepted == 0 and again.stats.duplicates == rb.stats.accepted + rb.stats.duplicates
    finally:
        a.close()
        b.close()


def _state(c: Cache) -> tuple:
    q = c.conn.execute
    return (q("SELECT count(*) FROM items").fetchone()[0], q("SELECT count(*) FROM batches").fetchone()[0],
            q("SELECT count(*) FROM item_tags").fetchone()[0],
            sorted(r[0] for r in q("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items'")))


def test_a_file_refused_late_leaves_the_cache_unchanged(tmp_path):
    f = capture(tmp_path / "c.jsonl", 6000)
    with open(f, "ab") as fh:  # then more lines in another encoding than it had good ones
        fh.write(("{\"text\": \"caf\xe9\"}\n".encode("latin-1")) * 7000)
    c = Cache.open(tmp_path / "c.db")
    try:
        import_file(c, capture(tmp_path / "first.jsonl", 10), fmt="x-v1", purpose="public-order", parallel=False)
        before = _state(c)
        with pytest.raises(ImportFailed) as err:
            import_file(c, f, fmt="x-v1", purpose="public-order", parallel=True)
        assert str(err.value).startswith(f"{f}: not UTF-8 text (invalid byte at line 6001")
        assert _state(c) == before
    finally:
        c.close()


def test_cancel_stops_the_worker_and_keeps_nothing(tmp_path, monkeypatch):
    f = capture(tmp_path / "c.jsonl", 30_000)
    c = Cache.open(tmp_path / "c.db")
    spy = Spy(monkeypatch)
    try:
        before = _state(c)
        with pytest.raises(Cancelled):
            import_file(c, f, fmt="x-v1", purpose="public-order", parallel=True, should_cancel=lambda: True)
        assert _state(c) == before
        assert spy.made and not spy.alive()
    finally:
        c.close()


def test_a_killed_reader_fails_the_file_cleanly(tmp_path, monkeypatch):
    f = capture(tmp_path / "c.jsonl", 30_000)
    c = Cache.open(tmp_path / "c.db")
    spy = Spy(monkeypatch)
    try:
        before = _state(c)
        killed = []

        def progress(n: int) -> None:
            if not killed:
                killed.append(n)
                os.kill(spy.pids()[-1], signal.SIGKILL)

        with pytest.raises(ImportFailed, match="reading process stopped unexpectedly"):
            import_file(c, f, fmt="x-v1", purpose="public-order", parallel=True, progress=progress)
        assert killed and _state(c) == before
        # The cache is fine for the next import.
        assert import_file(c, f, fmt="x-v1", purpose="public-order", parallel=True).stats.accepted > 20_000
    finally:
        c.close()


def test_only_big_files_on_a_free_core_use_a_worker(tmp_path, monkeypatch):
    small = capture(tmp_path / "s.jsonl", 10)
    assert not pipeline.worthwhile(small)
    monkeypatch.setattr(pipeline, "MIN_BYTES", 1)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(pipeline.os, "getloadavg", lambda: (0.4, 0.5, 0.5))
    assert pipeline.worthwhile(small)
    monkeypatch.setattr(pipeline.os, "getloadavg", lambda: (1.6, 0.5, 0.5))  # both cores busy
    assert not pipeline.worthwhile(small)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 1)
    monkeypatch.setattr(pipeline.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert not pipeline.worthwhile(small)


def test_a_line_that_is_not_utf8_in_a_piece_reads_the_file_whole_with_the_same_result(tmp_path):
    """Whether such a file is refused depends on every line before it: it is read again in one process."""
    f = capture(tmp_path / "c.jsonl", 3000)
    with open(f, "ab") as fh:  # a few lines in another encoding, then good ones again: kept, with skips
        fh.write(("{\"text\": \"caf\xe9\"}\n".encode("latin-1")) * 3)
    capture(tmp_path / "more.jsonl", 3000)
    with open(f, "ab") as fh:
        fh.write((tmp_path / "more.jsonl").read_bytes())
    a, ra, _ = run(tmp_path, "serial", f, False)
    b, rb, _ = run(tmp_path, "parallel", f, True)
    try:
        assert ra.stats.skipped == rb.stats.skipped >= 3
        assert [str(s) for s in ra.skips] == [str(s) for s in rb.skips]
        assert rows(a) == rows(b)
    finally:
        a.close()
        b.close()


def test_pieces_start_at_lines_and_cover_the_file(tmp_path):
    from desktop.importers.jsonfile import pieces

    f = capture(tmp_path / "c.jsonl", 2000)
    data = f.read_bytes()
    got = pieces(f, 10_000)
    assert got[0][0] == 0 and got[-1][1] == len(data) and all(a[1] == b[0] for a, b in zip(got, got[1:]))
    assert all(data[s - 1:s] == b"\n" for s, _ in got[1:])
    assert len(got) > 50


def test_a_v2_stream_read_in_pieces_gives_the_same_cache(tmp_path, readers):
    """X API v2 stream lines (posts with their includes) through the readers as through one process."""
    lines = []
    for line in (FIXTURE.parent / "stream_v2.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            lines.append(line)  # a broken line stays broken
            continue
        lines.append(obj)
    f = tmp_path / "v2.jsonl"
    with open(f, "w", encoding="utf-8") as fh:
        for i in range(4000):
            obj = lines[i % len(lines)]
            if isinstance(obj, dict) and isinstance(obj.get("data"), dict):
                obj = json.loads(json.dumps(obj))
                obj["data"]["id"] = str(1550737495946223616 + i * 4096)
            fh.write((obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)) + "\n")
    results = []
    for name, parallel in (("serial", False), ("parallel", True)):
        c = Cache.open(tmp_path / f"{name}.db")
        res = import_file(c, f, fmt="x-v2", purpose="public-order", parallel=parallel,
                          options=ImportOptions(geoparse=False, keep_raw=True))
        results.append((res, rows(c)))
        c.close()
    (ra, a), (rb, b) = results
    assert ra.stats.accepted > 1000 and ra.stats.skipped > 0 and ra.stats.notes
    assert (ra.stats.accepted, ra.stats.skipped, ra.stats.notes) == (rb.stats.accepted, rb.stats.skipped, rb.stats.notes)
    assert [str(s) for s in ra.skips] == [str(s) for s in rb.skips]
    assert a == b
