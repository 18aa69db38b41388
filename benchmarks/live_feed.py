"""Live items for the benchmarks: demo rows stamped with a running clock, written on a
thread of their own at a set rate, one transaction per batch, through the same bulk
path as ``write_demo`` (multi-row INSERT, then ``derive_batch`` and the generation bump).

A share of the items arrive late (stamped up to half a minute in the past), as field
devices and delayed posts do, so the index has to merge them back into time order.
Every batch row is marked with the format 'bench-live' so the benchmark can remove
them afterwards.
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

from desktop.cache import Cache
from desktop.cache.writer import bump_generation, derive_batch
from desktop.demo import scenario
from desktop.demo.generator import _insert, _rows_per_insert, insert_sql
from desktop.demo.timeline import chunks

FORMAT = "bench-live"


class LiveFeed(threading.Thread):
    """Writes ``rate`` items per second into the cache at ``db`` until :meth:`stop`."""

    def __init__(self, db: Path, t_start_ms: int, rate: int, *, batch_s: float = 0.5, late_share: float = 0.1,
                 late_ms: int = 30_000, seed: int = 99) -> None:
        super().__init__(name="live-feed", daemon=True)
        self.db, self.t_start, self.rate = Path(db), int(t_start_ms), int(rate)
        self.batch_s, self.late_share, self.late_ms, self.seed = batch_s, late_share, late_ms, seed
        self.written = 0
        self.commits = 0
        self.error: str | None = None
        self._halt = threading.Event()
        self._pool: list[tuple] = []

    def stop(self) -> None:
        self._halt.set()
        self.join(30)

    def prepare(self, n: int) -> None:
        """Draw ``n`` demo rows now, so making them does not compete with what is measured."""
        sc = scenario.load()
        self._pool = []
        seed = self.seed
        while len(self._pool) < n:
            for chunk in chunks(seed, min(1_000_000, max(n, 200_000)), sc):
                self._pool.extend(chunk.rows)
                if len(self._pool) >= n:
                    break
            seed += 1

    def run(self) -> None:
        rng = random.Random(self.seed)
        source = iter(self._pool)
        cache = Cache.open(self.db)
        conn = cache.conn
        try:
            k = _rows_per_insert(conn)
            t0 = time.perf_counter()
            while not self._halt.is_set():
                elapsed = time.perf_counter() - t0
                due = int(self.rate * elapsed) - self.written
                if due <= 0:
                    self._halt.wait(0.01)
                    continue
                now = self.t_start + int(elapsed * 1000)
                rows = []
                for _ in range(due):
                    r = next(source, None)
                    if r is None:
                        raise RuntimeError("the prepared rows ran out (prepare more)")
                    t = now - (rng.randrange(self.late_ms) if rng.random() < self.late_share else rng.randrange(1000))
                    rows.append((r[0], r[1], f"live-{self.seed}-{self.written + len(rows)}", t) + r[4:])
                with cache.transaction():
                    bid = conn.execute("INSERT INTO batches (path, format, started_ms) VALUES (?, ?, ?)",
                                       (FORMAT, FORMAT, int(time.time() * 1000))).lastrowid
                    _insert(conn, rows, insert_sql(bid), insert_sql(bid, k), k)
                    derive_batch(conn, bid)
                    bump_generation(conn)
                self.written += len(rows)
                self.commits += 1
                self._halt.wait(max(0.0, self.batch_s - (time.perf_counter() - t0 - elapsed)))
        except Exception as exc:  # reported in the results, never silently lost
            self.error = repr(exc)
        finally:
            cache.close()


def remove(db: Path) -> tuple[int, float]:
    """Delete what live feeds wrote (a rewrite: the next index open rebuilds). Returns (rows, seconds)."""
    t0 = time.perf_counter()
    cache = Cache.open(db)
    try:
        with cache.transaction() as conn:
            ids = [r[0] for r in conn.execute("SELECT id FROM batches WHERE format = ?", (FORMAT,))]
            if not ids:
                return 0, 0.0
            marks = ",".join("?" * len(ids))
            n = conn.execute(f"DELETE FROM items WHERE batch_id IN ({marks})", ids).rowcount
            conn.execute(f"DELETE FROM batches WHERE id IN ({marks})", ids)
            bump_generation(conn, rewrote=True)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return n, time.perf_counter() - t0
    finally:
        cache.close()
