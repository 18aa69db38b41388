"""The live writer alone on a big cache: items a second from the first put to the last commit.

    .venv/bin/python -m benchmarks.live_writer [--size 1M] [--records 40000] [--rounds 2]

CoT position reports (parsed before the clock starts, so only the writer is measured) are
put into a :class:`~desktop.live.writer.LiveWriter` on a copy of the demo cache of
``--size`` (var/benchmarks/demo-<size>.db, made once with the demo generator), as fast as
it takes them. Two designs run in the same process on the same copy, alternating for
``--rounds``:

- ``old``: the withdrawn items found by one join filtered by ``t.batch_id = ? OR
  i.batch_id = ?`` (a scan of the whole items table on every commit) and the batch id
  looked up as ``SELECT max(id) FROM batches WHERE format = ?`` after each write;
- ``new``: two indexed lookups, skipped when the batch wrote no tombstones and the cache
  holds none, and the batch id taken from the insert (``lastrowid``).

Printed: items committed, seconds (first put to last commit), items/s, commits, and the
time the withdrawn-items step took per commit (median and p95).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.interactive import ensure_cache, parse_size  # noqa: E402
from desktop.cache import writer as cache_writer  # noqa: E402
from desktop.live import writer as live_writer  # noqa: E402

# The replaced query (desktop/cache/writer.py before the split), kept as the peer.
OLD_WITHDRAWN = ("SELECT i.id, i.batch_id = ? FROM items i JOIN tombstones t ON t.source = i.source "
                 "AND t.source_id = i.source_id WHERE t.batch_id = ? OR i.batch_id = ?")


def messages(n: int, offset: int) -> list:
    """Records of n CoT position reports from 500 units, unique by (uid, time)."""
    from desktop.live.codec import tag_records, xml_records
    from desktop.live.cot_out import marker_event

    t0 = int(time.time() * 1000) - 3_600_000 + offset
    recs = []
    for k in range(n):
        ev = marker_event(f"BENCH-{k % 500}", 37.55 + (k % 997) * 1e-5, 126.97 + (k % 991) * 1e-5,
                          cot_type="a-f-G-U-i-l", callsign=f"순찰{k % 500}", t_ms=t0 + k, how="m-g", ce=10,
                          course=45, speed=1.2)
        recs.append(tag_records(xml_records(ev), "tcp://bench", "unauthenticated"))
    return recs


class Design:
    """Switches the module functions the writer calls between the old and the new design."""

    def __init__(self):
        self._withdrawn = cache_writer.withdrawn
        self._write_records = live_writer.write_records
        self.lookup_ms: list[float] = []

    def use(self, name: str) -> None:
        self.lookup_ms = []
        new_withdrawn, new_write = self._withdrawn, self._write_records

        def timed(fn):
            def run(conn, batch_id, *a):
                t0 = time.perf_counter()
                try:
                    return fn(conn, batch_id, *a)
                finally:
                    self.lookup_ms.append((time.perf_counter() - t0) * 1000)
            return run

        if name == "old":
            def old_withdrawn(conn, batch_id, wrote_tombstones=True):
                return conn.execute(OLD_WITHDRAWN, (batch_id, batch_id, batch_id)).fetchall()

            def old_write(cache, recs, **kw):
                st = new_write(cache, recs, **kw)
                st.batch_id = cache.conn.execute("SELECT max(id) FROM batches WHERE format = ?",
                                                 (kw["fmt"],)).fetchone()[0]
                return st

            cache_writer.withdrawn = timed(old_withdrawn)
            live_writer.write_records = old_write
        else:
            cache_writer.withdrawn = timed(new_withdrawn)
            live_writer.write_records = new_write

    def restore(self) -> None:
        cache_writer.withdrawn, live_writer.write_records = self._withdrawn, self._write_records


def run_once(db: Path, batches: list, design: Design, name: str) -> dict:
    n = sum(len(b) for b in batches)
    design.use(name)
    w = live_writer.LiveWriter(db, purpose="public-order", max_queue=n + 1).start()
    try:
        t0 = time.perf_counter()
        for recs in batches:  # one put per message, as an input hands them over
            if not w.put(recs, "tcp://bench"):
                raise SystemExit("the writer dropped records: the benchmark's queue is too small")
        if not w.flush(timeout=600):
            raise SystemExit("the writer did not finish within 600 s")
        secs = time.perf_counter() - t0
        st = w.stats()
    finally:
        w.stop()
        lookups = list(design.lookup_ms)
        design.restore()
    lk = sorted(lookups)
    return {"design": name, "items": st.accepted, "seconds": secs, "rate": st.accepted / secs, "commits": st.batches,
            "lookup_p50": statistics.median(lk) if lk else 0.0,
            "lookup_p95": lk[int(0.95 * (len(lk) - 1))] if lk else 0.0, "dropped": st.dropped}


def table(rows: list[dict]) -> str:
    head = ("design", "items", "seconds", "items/s", "commits", "withdrawn lookup p50 ms", "p95 ms")
    cells = [head] + [(r["design"], f"{r['items']:,}", f"{r['seconds']:.2f}", f"{r['rate']:,.0f}", str(r["commits"]),
                       f"{r['lookup_p50']:.2f}", f"{r['lookup_p95']:.2f}") for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    out = []
    for k, r in enumerate(cells):
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="1M", help="demo cache size (100k, 1M, 10M; default 1M)")
    ap.add_argument("--records", type=int, default=40_000, help="CoT messages per run (default 40,000)")
    ap.add_argument("--rounds", type=int, default=2, help="old/new pairs (default 2)")
    ap.add_argument("--fresh", action="store_true", help="write into an empty cache instead of the demo copy")
    args = ap.parse_args(argv)
    label, size = parse_size(args.size)
    design = Design()
    with tempfile.TemporaryDirectory(dir=ROOT / "var") as d:
        db = Path(d) / "live.db"
        if not args.fresh:
            src, info = ensure_cache(label, size)
            t0 = time.perf_counter()
            shutil.copyfile(src, db)
            print(f"copied {src.name} ({src.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - t0:.1f} s")
        rows = []
        for r in range(args.rounds):
            for name in ("old", "new"):
                batches = messages(args.records, offset=(2 * r + (name == "new")) * args.records)
                rows.append(run_once(db, batches, design, name))
                print(f"  {name}: {rows[-1]['rate']:,.0f} items/s", flush=True)
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"\nlive writer on {'a fresh cache' if args.fresh else f'a copy of the {label} demo cache'}, "
          f"{args.records:,} CoT messages a run; load average {load}\n")
    print(table(rows))
    for name in ("old", "new"):
        rates = [r["rate"] for r in rows if r["design"] == name]
        print(f"{name}: median {statistics.median(rates):,.0f} items/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
