"""The first open of a cache without a usable snapshot: the index read in time chunks,
most recent first, so the map answers on the latest items within seconds while the rest
comes in behind them.

The plan reads no table rows: the total (SQLite counts a b-tree by its pages), the first
chunk's start from the time index (the most recent day, or its newest ``FIRST_ROWS``
rows), and the older chunks' time edges from a sample of rows spread over the id range
(about ``CHUNK_ROWS`` each). Chunks are placed newest first from the end of the
time-sorted columns, so each one's place is known when it arrives; the columns are
allocated once at their full length, as the memory-mapped
files of a snapshot draft (``snapshot.Draft``), and every chunk is written straight to
its final rows: the loaded part is always the suffix ``[start, n)``, and a partial
index is views of it (nothing copied). Chunks are read on their own connections by
``READERS`` threads (SQLite lets other threads run while it steps through rows, so the
two cores both work), each inside one read transaction that saw the same cache state
as the plan; the loader places them in order. Only the last chunk lets the draft be
committed, so a cancelled or crashed load never leaves a snapshot that could be
adopted; a cancelled load can go on (:meth:`IndexLoad.resume`) while the cache is
unchanged.

What holds memory (10M items, measured by benchmarks.first_open: peak 1.15-1.18 GB
against 2.06 GB for the one-shot read): the columns, 56 bytes per item (file-backed
dirty pages of the draft, which the system writes back and may drop), two triage bytes
per item, the hashtag entries (12 bytes each, filled from the end like the columns; a
published partial index copies their positions, 8 bytes each), the id map of a published
index (4 bytes per id), per reader the chunk being read (Python tuples of seven numbers,
``source.SPAN_BATCH`` rows at a time, then the chunk's typed columns, about 60 bytes
per row, up to ``READERS`` + 1 chunks waiting), and the Python heap those tuples leave
behind. The one-shot read held every row as ten float64 first, then the typed columns,
then their sorted copies, then the snapshot's.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from desktop.cache import triage as triage_store
from desktop.engine import snapshot as index_snapshot
from desktop.engine.areagrid import mercator
from desktop.engine.cellindex import CellIndex
from desktop.engine.columns import Columns
from desktop.engine.readers import CacheChanged, ReaderGone, ReadProcesses
from desktop.engine.source import CacheState, SpanReader, cache_state, read_tx, tables
from desktop.engine.unit_tracks import UnitTracks

log = logging.getLogger("sitmap.index")

# A big cache's older chunks are read in processes of their own (``READ_PROCESSES``; each
# reader thread hands its chunk to one and waits with the interpreter lock released): the
# rows' Python objects, most of a read's time, are then made on both cores at once instead
# of taking turns under one lock (and less CPU in all: the threads' turns cost a third more).
# With two cores or more and at least ``PROCESS_MIN_ROWS`` rows (a spawned reader takes about
# a second to start); the first chunk is always read here.
READ_PROCESSES = 2
PROCESS_MIN_ROWS = 2_000_000
FIRST_SPAN_MS = 86_400_000  # the first chunk: the most recent day ...
FIRST_ROWS = 150_000  # ... or its most recent part when the day holds more rows than this
CHUNK_ROWS = 250_000
READERS = 2


class Cancelled(Exception):
    """The load was cancelled (:meth:`IndexLoad.cancel`)."""


@dataclass(frozen=True)
class Progress:
    done: int  # rows placed
    total: int
    seconds: float  # since the load started
    eta_s: float | None  # estimated seconds left (None until a chunk was timed)
    span: tuple[int, int] | None  # time span of the loaded rows (first, last t_ms)
    complete: bool
    first_ms: int | None = None  # start of the loaded span, for "older items not loaded"


@dataclass
class _Chunk:
    lo: int
    hi: int  # t_ms in [lo, hi); its rows' positions are known once the newer chunks are placed


def plan_chunks(first_lo: int, older_t: np.ndarray, n_older: int, chunk_rows: int = CHUNK_ROWS) -> list[_Chunk]:
    """Time spans, most recent first: ``[first_lo, +inf)``, then spans of about
    ``chunk_rows`` of the ``n_older`` rows before it, cut at quantiles of ``older_t`` (a
    sorted sample of their times), the last reaching back to -inf."""
    out = [_Chunk(first_lo, 2**63 - 1)]
    k = -(-n_older // chunk_rows) if n_older else 0
    cuts: list[int] = []
    if k > 1 and older_t.size:
        q = np.quantile(older_t, np.arange(k - 1, 0, -1) / k, method="lower").astype(np.int64)
        cuts = sorted({int(x) for x in q if x < first_lo}, reverse=True)
    hi = first_lo
    for c in cuts:
        if c < hi:
            out.append(_Chunk(c, hi))
            hi = c
    if n_older:
        out.append(_Chunk(-2**63, hi))
    return out


def _plan(conn: sqlite3.Connection, total: int, max_id: int, first_rows: int, chunk_rows: int) -> list[_Chunk]:
    """The chunks, from the time index and a sample of rows by id (no scan: the first chunk
    is a walk of ``first_rows`` index entries, the sample one seek per point)."""
    if not total:
        return []
    t_max = conn.execute("SELECT max(t_ms) FROM items").fetchone()[0]
    cut = conn.execute("SELECT t_ms FROM items INDEXED BY items_t ORDER BY t_ms DESC LIMIT 1 OFFSET ?",
                       (first_rows - 1,)).fetchone()
    first_lo = t_max - FIRST_SPAN_MS if cut is None else max(int(cut[0]), t_max - FIRST_SPAN_MS)
    if cut is not None and int(cut[0]) == first_lo:
        first_lo += 1  # the cut time itself goes with the older rows (the first chunk stays within first_rows)
    first_lo = min(first_lo, t_max)
    n_first = conn.execute("SELECT count(*) FROM items INDEXED BY items_t WHERE t_ms >= ?", (first_lo,)).fetchone()[0]
    n_older = total - n_first
    min_id = conn.execute("SELECT min(id) FROM items").fetchone()[0]
    points = min(max_id - min_id + 1, 64 * (n_older // chunk_rows + 1))
    step = max(1.0, (max_id - min_id + 1) / max(points, 1))
    sample = conn.execute(
        "WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k + 1 < :n) "
        "SELECT (SELECT t_ms FROM items WHERE id >= :lo + CAST(k * :step AS INTEGER) ORDER BY id LIMIT 1) FROM s",
        {"n": points, "lo": min_id, "step": step}).fetchall()
    t = np.sort(np.array([r[0] for r in sample if r[0] is not None and r[0] < first_lo], np.int64))
    return plan_chunks(first_lo, t, n_older, chunk_rows)


class IndexLoad:
    """One chunked load of the index of the cache behind ``conn`` (see the module text).

    Run it with :meth:`step` (one chunk placed per call; the caller answers the map in
    between, on the same thread) or :meth:`run`. ``partial()`` is an index of the rows in so
    far; ``index`` the complete one once :attr:`complete`."""

    def __init__(self, conn: sqlite3.Connection, make: Callable[[], Any], base: dict, triage: dict, *,
                 snapshot: bool = True, readers: int | None = None, first_rows: int | None = None,
                 chunk_rows: int | None = None, like=None, processes: bool | None = None) -> None:
        # ``make`` builds an empty index (``ItemIndex``: it starts loads, see ItemIndex.start_load);
        # ``base``/``triage`` its column types (saved in the snapshot / read from the triage table).
        self.make, self.triage_names = make, list(triage)
        BASE, TRIAGE = base, triage
        self.conn = conn
        self.like = like  # the index this one replaces (its version counters continue)
        self.t_start = time.perf_counter()
        with read_tx(conn):
            state = cache_state(conn)
            if state is None:
                raise ValueError("a chunked load needs a cache file")
            self.state: CacheState = state
            self.sources, self.units_names, self.tags = tables(conn)
            self.total = conn.execute("SELECT count(*) FROM items").fetchone()[0]  # all ids are <= max_id here
            self.chunks = _plan(conn, self.total, state.max_id, first_rows or FIRST_ROWS, chunk_rows or CHUNK_ROWS)
            self.tri, self.tri_stamp = triage_store.codes(conn), triage_store.stamp(conn)
            n_tags = conn.execute("SELECT count(*) FROM item_tags").fetchone()[0]
        self.path = state.path
        self.readers = max(1, readers or READERS)
        if processes is None:  # even on busy cores: two reader threads spent half as much CPU again (10M: 48 s, 31 s)
            processes = self.total >= PROCESS_MIN_ROWS and (os.cpu_count() or 1) >= 2
        self._procs = ReadProcesses(self.path, self.state.rewrites, self.sources, self.units_names, self.tags,
                                     min(self.readers, READ_PROCESSES)) if processes and len(self.chunks) > 1 else None
        self._snapshot = snapshot
        self.draft = None
        if snapshot and self.total:
            try:
                self.draft = index_snapshot.Draft(state, self.total, BASE)
            except OSError as exc:  # a read-only or full disk: the load works, the next start reads again
                log.warning("index snapshot not written: %s", exc)
        if self.draft is not None:
            self.bufs = self.draft.bufs
        else:
            self.bufs = {name: np.zeros(self.total, dt) for name, dt in BASE.items()}
        self.triage_cols = {name: np.zeros(self.total, dt) for name, dt in TRIAGE.items()}
        self.cells = CellIndex()
        self.placed = 0  # chunks placed (in order)
        self.start = self.total  # the loaded rows are [start, total)
        # Hashtag entries, sorted by item position, filled from the end like the columns.
        self.tag_pos, self.tag_code = np.zeros(n_tags, np.int64), np.zeros(n_tags, np.int32)
        self.tag_start = n_tags
        self._unit_rows: list[tuple] = []
        self._results: dict[int, object] = {}
        self._cond = threading.Condition()
        self._next = 0  # next chunk a reader takes
        self._stop = False
        self._threads: list[threading.Thread] = []
        self._conns: list[sqlite3.Connection] = []
        self.rows_by_id = 0  # rows the readers read in id order (see SpanReader.read)
        self.chunks_by_process = 0  # chunks read in the reading processes
        self.index = None
        self._published = None
        self._done_at_start = 0
        if not self.chunks:
            self._finish()
        else:
            self._start_readers()

    # readers -----------------------------------------------------------------------
    def _start_readers(self) -> None:
        self._stop = False
        self._next = self.placed
        for k in range(min(self.readers, max(1, len(self.chunks) - self.placed))):
            c = sqlite3.connect(f"file:{Path(self.path).as_uri()[7:]}?mode=ro", uri=True, check_same_thread=False)
            self._conns.append(c)
            th = threading.Thread(target=self._read_loop, args=(c,), name=f"sitmap-index-read{k}", daemon=True)
            self._threads.append(th)
            th.start()

    def _read_loop(self, conn: sqlite3.Connection) -> None:
        try:
            conn.execute("BEGIN")
            got = conn.execute("SELECT value FROM meta WHERE key = 'rewrites'").fetchone()
            if int(got[0] if got and got[0] is not None else 0) != self.state.rewrites:
                raise CacheChanged()
            reader = SpanReader(conn, self.sources, self.units_names, self.tags)
        except Exception as exc:  # noqa: BLE001 - handed to the loader's thread
            with self._cond:
                self._results[-1] = exc
                self._cond.notify_all()
            return
        while True:
            with self._cond:
                # At most one chunk waiting per reader beyond the one being placed (memory).
                while not self._stop and self._next - self.placed > self.readers:
                    self._cond.wait()
                if self._stop or self._next >= len(self.chunks):
                    break
                k = self._next
                self._next += 1
            ch = self.chunks[k]
            t0 = time.perf_counter()
            procs = self._procs
            try:
                got = None
                if procs is not None and k > 0 and procs.ready():
                    try:
                        got = procs.read(ch.lo, ch.hi, self.state.max_id)
                    except ReaderGone:
                        if self._stop:  # cancelled: the processes were stopped
                            raise sqlite3.OperationalError("interrupted") from None
                        log.warning("an index reading process ended; reading its chunk here")
                if got is not None:
                    cols, tag_ids, tag_codes, by_id = got
                    with self._cond:
                        self.rows_by_id += by_id
                        self.chunks_by_process += 1
                else:
                    cols, tag_ids, tag_codes = reader.read(ch.lo, ch.hi, self.state.max_id)
                    cols["mx"], cols["my"] = mercator(cols["lat64"], cols["lon64"])
                out: object = (cols, tag_ids, tag_codes, time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001 - an interrupt (cancel) or a broken file
                out = exc
            with self._cond:
                self._results[k] = out
                self._cond.notify_all()
            if isinstance(out, Exception):
                break
        with self._cond:
            self.rows_by_id += reader.rows_by_id
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def _stop_readers(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        for c in self._conns:
            c.interrupt()
        if self._procs is not None:
            self._procs.interrupt()  # a chunk being read in a process ends with Cancelled
        for th in self._threads:
            th.join()
        for c in self._conns:
            c.close()
        self._threads, self._conns = [], []
        self._results = {}

    # placing ------------------------------------------------------------------------
    @property
    def complete(self) -> bool:
        return self.placed >= len(self.chunks)

    def step(self) -> bool:
        """Wait for the next chunk (most recent first) and put it in place; True when
        everything is in (the complete index is then :attr:`index`)."""
        if self.complete:
            return True
        k = self.placed
        if self._stop or not self._threads:  # cancel requested, or cancelled and not resumed
            self._stop_readers()
            raise Cancelled()
        with self._cond:
            while k not in self._results and -1 not in self._results and not self._stop:
                self._cond.wait()
            got = self._results.pop(k, None) or self._results.get(-1)
        if got is None:  # cancelled while waiting
            self._stop_readers()
            raise Cancelled()
        if isinstance(got, Exception):
            self._stop_readers()
            if isinstance(got, sqlite3.OperationalError) and "interrupt" in str(got):
                raise Cancelled() from got
            raise got
        cols, tag_ids, tag_codes, _secs = got
        n = cols["id"].shape[0]
        start, end = self.start - n, self.start
        last = k == len(self.chunks) - 1
        if start < 0 or (last and start != 0):  # the readers saw the plan's rows: never, unless the file broke
            self._stop_readers()
            raise CacheChanged()
        cols["cell"] = self.cells.assign(cols["mx"], cols["my"])
        for name, buf in self.bufs.items():
            buf[start:end] = cols[name]
        # Hashtag entries at their items' positions (this chunk's ids, sorted, to positions).
        by_id = np.argsort(cols["id"])
        sid = cols["id"][by_id]
        j = np.searchsorted(sid, tag_ids)
        pos = start + by_id[np.minimum(j, max(n - 1, 0))]
        order = np.argsort(pos, kind="stable")
        m = order.size
        if m > self.tag_start:
            self._stop_readers()
            raise CacheChanged()
        self.tag_pos[self.tag_start - m: self.tag_start] = pos[order]
        self.tag_code[self.tag_start - m: self.tag_start] = tag_codes[order]
        self.tag_start -= m
        u = cols["unit"] >= 0
        if u.any():
            self._unit_rows.append(tuple(cols[c][u] for c in ("unit", "t", "id", "lat64", "lon64")))
        with self._cond:
            self.placed += 1
            self.start = start
            self._cond.notify_all()
        if self.complete:
            self._finish()
        return self.complete

    def run(self, progress: Callable[[Progress], None] | None = None, cancelled: Callable[[], bool] | None = None):
        """Step to the end (``progress`` after every chunk); the complete index."""
        while not self.complete:
            if cancelled is not None and cancelled():
                self.cancel()
                raise Cancelled()
            self.step()
            if progress is not None:
                progress(self.progress())
        return self.index

    def progress(self) -> Progress:
        done = self.total - self.start
        el = time.perf_counter() - self.t_start
        eta = None
        if done > self._done_at_start:
            rate = (done - self._done_at_start) / max(el, 1e-6)
            eta = (self.total - done) / rate if not self.complete else 0.0
        span = None
        if self.complete:
            span = self.index.span() if self.index is not None else None
        elif done:
            span = (int(self.bufs["t"][self.start]), int(self.bufs["t"][self.total - 1]))
        return Progress(done, self.total, el, eta, span, self.complete, span[0] if span else None)

    def request_cancel(self) -> None:
        """From any thread: make the running or next :meth:`step` raise :class:`Cancelled` soon
        (chunks being read are interrupted)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        for c in list(self._conns):
            try:
                c.interrupt()
            except sqlite3.Error:
                pass
        if self._procs is not None:
            self._procs.interrupt()

    def cancel(self) -> None:
        """Stop reading (chunks being read are interrupted); what is placed stays usable and
        :meth:`resume` can go on while the cache is unchanged. The draft is kept for that."""
        self._stop_readers()

    def resume(self) -> bool:
        """Go on after :meth:`cancel`; False if the cache changed meanwhile (plan again)."""
        with read_tx(self.conn):
            now = cache_state(self.conn)
        if now is None or now.rewrites != self.state.rewrites or not now.same_file(
                {"path": self.state.path, "device": self.state.device, "inode": self.state.inode}):
            return False
        self.t_start = time.perf_counter()
        self._done_at_start = self.total - self.start
        if self._procs is not None:
            self._procs.resume()
        self._start_readers()
        return True

    def close(self) -> None:
        """Stop and drop an incomplete draft (the window closes, or a new load replaces this one)."""
        self._stop_readers()
        if self._procs is not None:
            self._procs.close()
            self._procs = None
        if not self.complete and self.draft is not None:
            self.draft.abandon()
            self.draft = None

    # indexes ---------------------------------------------------------------------------
    def partial(self):
        """An index of the rows placed so far (views of the columns; nothing copied)."""
        if self._published is not None and self._published[0] == self.placed:
            return self._published[1]
        idx = self._index_of(self.start)
        self._published = (self.placed, idx)
        return idx

    def _index_of(self, start: int):
        idx = self.make()
        n = self.total - start
        like = self.like
        if like is not None:
            idx.version, idx.epoch, idx.triage_version = like.version + 1, like.epoch + 1, like.triage_version + 1
        cols = Columns(n)
        for name, buf in self.bufs.items():
            cols.adopt(name, buf[start: self.total])
        for name, buf in self.triage_cols.items():
            cols.adopt(name, buf[start: self.total])
        idx.cols = cols
        idx.ids = index_snapshot.IdMap.build(idx.id)
        pos, codes = self.tag_pos[self.tag_start:], self.tag_code[self.tag_start:]
        idx.tagc = Columns(int(pos.size))
        idx.tagc.adopt("tag_item", pos - start if start else pos)  # a partial index: its own positions
        idx.tagc.adopt("tag_of", codes)
        idx.units = UnitTracks()
        if self._unit_rows:
            idx.units.add(self.units_names, *(np.concatenate(x) for x in zip(*self._unit_rows)))
        else:
            idx.units.names = list(self.units_names)
        idx.cells = self.cells
        idx.sources = list(self.sources)
        idx._set_tags(self.tags)
        idx.max_id = self.state.max_id
        idx.generation, idx.rewrites = self.state.generation, self.state.rewrites
        idx._apply_codes(*self.tri)
        idx._triage_stamp = self.tri_stamp
        idx.snapshot_state = "partial" if start > 0 else "rebuilt"
        idx.loaded_from_ms = int(idx.t[0]) if n and start > 0 else None
        return idx

    def _finish(self) -> None:
        self._stop_readers()
        if self._procs is not None:
            self._procs.close()
            self._procs = None
        idx = self._index_of(0)
        if self.draft is not None:
            try:
                snap = self.draft.commit(idx)
            except OSError as exc:  # a read-only or full disk only costs the next start its speed
                log.warning("index snapshot not saved: %s", exc)
                self.draft.abandon()
            else:
                idx.cols, idx.tagc, idx.ids = snap.cols, snap.tagc, snap.ids  # same data, file-backed copy-on-write
                for name in self.triage_names:
                    idx.cols.add(name, self.triage_cols[name], spare=max(0, idx.cols.capacity() - len(idx)))
            self.draft = None
        self.bufs = {}
        self.index = idx
        self._published = None
        self._unit_rows = []
        self.tag_pos = self.tag_code = np.zeros(0)


def text_progress(stream) -> Callable[[Progress], None]:
    """A ``progress`` callback for the command line: one line on ``stream`` (rewritten in
    place on a terminal, a line per ten percent otherwise)."""
    tty = hasattr(stream, "isatty") and stream.isatty()
    shown = [-1]

    def show(p: Progress) -> None:
        pct = 100 * p.done // max(p.total, 1)
        if not tty and not p.complete and pct // 10 == shown[0]:
            return
        shown[0] = pct // 10
        left = "" if p.eta_s is None or p.complete else f", about {p.eta_s:.0f} s left"
        line = f"index: {p.done:,} of {p.total:,} items ({pct} %){left}"
        if p.complete:
            line += f" in {p.seconds:.1f} s"
        stream.write(("\r" + line + ("\n" if p.complete else "")) if tty else line + "\n")
        stream.flush()

    return show
