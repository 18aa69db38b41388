"""CoT parsing in worker processes, so the window's process only frames and writes.

Parsing a CoT XML event costs about 190 µs of interpreter time; in the window's process
that time is taken from the writer, the query worker and the window, which share one
interpreter lock. A :class:`ParsePool` is a pool of spawned processes (one per core by
default) that turn batches of payloads into records; they come back as compact tuples
(about 5 µs a message to rebuild here, against 190 µs to parse).

Each input hands its batches to an :class:`OrderedParser`, which keeps the input's order
(a stream's messages are emitted as sent) and bounds what is in flight: ``submit`` waits
while ``max_batches`` batches are parsing, so a TCP input stops reading (its sender
slows down) and a UDP input's receiver fills its bounded queue and counts drops.
Nothing waits without bound.

A worker process that dies (killed, out of memory) breaks the pool; the pool is made
again and the batches that were in it are parsed again, so nothing received is lost
to it and nothing is emitted twice.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing as mp
import os
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

from desktop.core.pipes import exit_with_parent

log = logging.getLogger(__name__)

UDP, STREAM = "udp", "stream"


# --- in the worker processes ---------------------------------------------------------

def _packers():
    from desktop.core.model import Item, Unit

    return {Item: (0, tuple(f.name for f in dataclasses.fields(Item))),
            Unit: (1, tuple(f.name for f in dataclasses.fields(Unit)))}


_PACK = None


def pack(records) -> list:
    """Records as compact tuples (items and units by their fields; others as they are)."""
    global _PACK
    if _PACK is None:
        _PACK = _packers()
    get = _PACK.get
    out = []
    for r in records:
        how = get(type(r))
        out.append((how[0], tuple(getattr(r, n) for n in how[1])) if how else (-1, r))
    return out


def parse_batch(kind: str, payloads: list, cap: int) -> tuple[list, int, int]:
    """Parse ``payloads`` (datagrams, or ``(bytes, is_proto)`` stream frames) into packed
    records; returns (packed records, messages parsed, malformed)."""
    from desktop.live import codec

    out: list = []
    good = malformed = 0
    for p in payloads:
        try:
            recs = codec.datagram_records(p, cap) if kind == UDP else codec.frame_records(codec.Frame(p[0], p[1]), cap)
        except codec.Malformed:
            malformed += 1
            continue
        good += 1
        out += pack(recs)
    return out, good, malformed


def _warm() -> int:
    from desktop.live import codec  # noqa: F401  (the parsers' imports, before the first batch)

    return os.getpid()


# --- in the window's process ---------------------------------------------------------

def unpack(packed: list) -> list:
    from desktop.core.model import Item, Unit

    types = (Item, Unit)
    return [types[code](*fields) if code >= 0 else fields for code, fields in packed]


class ParsePool:
    """Spawned parser processes shared by every input (``workers`` defaults to the cores)."""

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._ctx = mp.get_context("spawn")
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self.restarts = 0

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # A worker ends with the process that started it: a killed ingest process
                # must not leave its parsers behind (they hold their queue's writing end).
                self._pool = ProcessPoolExecutor(self.workers, mp_context=self._ctx, initializer=exit_with_parent)
            return self._pool

    def start(self) -> "ParsePool":
        """Start the processes now (each imports the parsers once: about half a second)."""
        ex = self._executor()
        for f in [ex.submit(_warm) for _ in range(self.workers)]:
            f.result()
        return self

    def pids(self) -> list[int]:
        pool = self._pool
        return sorted(pool._processes) if pool is not None and pool._processes else []  # noqa: SLF001

    def submit(self, kind: str, payloads: list, cap: int) -> Future:
        try:
            return self._executor().submit(parse_batch, kind, payloads, cap)
        except (BrokenProcessPool, RuntimeError):
            self.renew(self._pool)
            return self._executor().submit(parse_batch, kind, payloads, cap)

    def renew(self, broken) -> None:
        """Replace a broken pool (once, however many batches noticed it)."""
        with self._lock:
            if broken is None or self._pool is not broken:
                return
            self._pool = None
            self.restarts += 1
        log.warning("a parser process ended; starting the parsers again")
        broken.shutdown(wait=False, cancel_futures=True)

    @property
    def current(self):
        return self._pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


_shared: ParsePool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> ParsePool:
    """The process-wide pool the window's inputs share (made on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ParsePool()
        return _shared


class OrderedParser:
    """One input's batches through a :class:`ParsePool`, emitted in order on a thread of
    its own: ``emit(records, messages, malformed)``."""

    def __init__(self, pool: ParsePool, kind: str, cap: int, emit: Callable[[list, int, int], None], *,
                 max_batches: int | None = None, name: str = "sitmap-parse"):
        self.pool, self.kind, self.cap, self.emit = pool, kind, cap, emit
        self.max_batches = max_batches or 2 * pool.workers + 2
        self._room = threading.Semaphore(self.max_batches)
        self._cond = threading.Condition()
        self._pending: deque = deque()  # [payloads, future, pool it was given to]
        self._closing = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, payloads: list, stop: threading.Event | None = None) -> bool:
        """Queue a batch; waits while ``max_batches`` are in flight (backpressure). False
        when ``stop`` was set while waiting (the batch was not taken)."""
        while not self._room.acquire(timeout=0.25):
            if stop is not None and stop.is_set() or self._closing:
                return False
        fut = self.pool.submit(self.kind, payloads, self.cap)
        with self._cond:
            self._pending.append([payloads, fut, self.pool.current])
            self._cond.notify()
        return True

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closing:
                    self._cond.wait()
                if not self._pending:
                    return
                entry = self._pending[0]
            try:
                packed, good, malformed = entry[1].result()
            except BrokenProcessPool:
                # The batch was in a pool whose process died: parse it again in a new one.
                self.pool.renew(entry[2])
                entry[1] = self.pool.submit(self.kind, entry[0], self.cap)
                entry[2] = self.pool.current
                continue
            except Exception:  # a bug in the parser, not the peer: drop the batch, say so, go on
                log.exception("parsing a batch of %d messages failed", len(entry[0]))
                packed, good, malformed = [], 0, len(entry[0])
            with self._cond:
                self._pending.popleft()
            self._room.release()
            try:
                self.emit(unpack(packed), good, malformed)
            except Exception:
                log.exception("emitting parsed records failed")

    def close(self, timeout: float = 5.0) -> None:
        """Emit what is in flight, then end the thread."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout)
