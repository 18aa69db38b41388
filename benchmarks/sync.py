"""Two (or more) workstations syncing through one shared store: convergence latency and
the initial fetch rate.

    .venv/bin/python benchmarks/sync.py                      # starts a throwaway PostgreSQL
    .venv/bin/python benchmarks/sync.py --shared postgresql://user:pw@host/db --seconds 20

Each workstation is a process with its own cache and a running sync (the same
``desktop.sync.runner.Sync`` the command and the window use). For ``--seconds`` it adds
``--rate`` items a second (in 100 ms batches through the cache's writer, each item's time
being the moment it was written) and ``--triage`` triage changes a second on its own items.
Every workstation watches its cache for what the others wrote and records now minus that
time: the convergence latency (p50/p95/max; polled every 20 ms, so up to 20 ms of it is
the watching). Then a fresh cache pulls the whole store once: the initial fetch rate.
Without ``--shared`` a PostgreSQL with PostGIS is started in a temporary folder (as the
tests do) and removed at the end.
"""

from __future__ import annotations

import argparse
import os
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _now_ms() -> int:
    return int(time.time() * 1000)


def workstation(k: int, url: str, folder: str, seconds: float, rate: int, triage_rate: int, start_at: float,
                results) -> None:
    from desktop.cache import Cache
    from desktop.cache import triage
    from desktop.cache.writer import write_records
    from desktop.core.model import Item, Kind, Precision
    from desktop.core.triage import TriageChange
    from desktop.sync.runner import Sync

    path = Path(folder) / f"ws{k}.db"
    Cache.open(path).close()
    stop = threading.Event()
    sync = Sync(path, url, operator=f"analyst{k}", interval=5.0)
    t = threading.Thread(target=sync.run, args=(stop,), daemon=True)
    t.start()
    item_lat: list[float] = []
    triage_lat: list[float] = []
    me = f"analyst{k}"

    def watch() -> None:
        with Cache.open_readonly(path) as c:
            last_item = last_tri = 0
            while not stop.is_set():
                now = _now_ms()
                rows = c.conn.execute("SELECT i.id, i.t_ms FROM items i JOIN batches b ON b.id = i.batch_id "
                                      "WHERE i.id > ? AND b.format = 'sync'", (last_item,)).fetchall()
                for rid, t_ms in rows:
                    item_lat.append(now - t_ms)
                    last_item = max(last_item, rid)
                rows = c.conn.execute("SELECT id, t_ms FROM triage_history WHERE id > ? AND by != ?",
                                      (last_tri, me)).fetchall()
                for rid, t_ms in rows:
                    triage_lat.append(now - t_ms)
                    last_tri = max(last_tri, rid)
                time.sleep(0.02)

    w = threading.Thread(target=watch, daemon=True)
    w.start()
    while time.time() < start_at:
        time.sleep(0.01)
    cache = Cache.open(path)
    n = 0
    own: list[int] = []
    tick = 0.1
    end = time.monotonic() + seconds
    next_t = time.monotonic()
    rnd = random.Random(k)
    triage_budget = 0.0
    while time.monotonic() < end:
        t_ms = _now_ms()
        batch = [Item(kind=Kind.POST, source="bench", source_id=f"w{k}-{n + j}", t_ms=t_ms, text=f"ws{k} post {n + j}",
                      lat=37.5 + rnd.random() * 0.1, lon=126.9 + rnd.random() * 0.1, precision=Precision.EXACT)
                 for j in range(max(1, int(rate * tick)))]
        write_records(cache, batch, path="bench", fmt="bench", operator=me, purpose="public-order")
        n += len(batch)
        own = [r[0] for r in cache.conn.execute(
            "SELECT i.id FROM items i JOIN batches b ON b.id = i.batch_id WHERE b.format = 'bench' "
            "ORDER BY i.id DESC LIMIT 500")]
        triage_budget += triage_rate * tick
        while triage_budget >= 1 and own:
            triage_budget -= 1
            triage.apply(cache.conn, [rnd.choice(own)], TriageChange(state=rnd.choice(["review", "verified", "false"])),
                         by=me, t_ms=_now_ms())
        next_t += tick
        time.sleep(max(0.0, next_t - time.monotonic()))
    changes = cache.conn.execute("SELECT count(*) FROM triage_history WHERE by = ?", (me,)).fetchone()[0]
    cache.close()
    time.sleep(3.0)  # let the last changes arrive
    stop.set()
    t.join(timeout=30)
    w.join(timeout=5)
    results.put((k, n, item_lat, triage_lat, changes))


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def throwaway_store():
    """A PostgreSQL with PostGIS in a temporary folder, as the tests start it (the caller
    cleans it up), or None after saying why it cannot run here."""
    from tests.sync import pg

    why = pg.missing()
    if why:
        print(f"cannot start PostgreSQL: {why}", file=sys.stderr)
        return None
    server = pg.Server()
    server.init()
    server.start()
    server.make_template()
    return server


def store_url(args):
    """(the store's URL, the throwaway server to clean up or None); (None, None) when none can run."""
    if args.shared:
        return args.shared, None
    server = throwaway_store()
    return (server.new_database(), server) if server is not None else (None, None)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", help="an existing store (default: a throwaway PostgreSQL)")
    ap.add_argument("--workstations", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--rate", type=int, default=1000, help="items a second per workstation")
    ap.add_argument("--triage", type=int, default=10, help="triage changes a second per workstation")
    ap.add_argument("--initial", type=Path, metavar="CACHE",
                    help="instead: push a copy of CACHE (e.g. var/benchmarks/demo-1M.db) into the store, then time "
                         "a new workstation joining with its last day")
    args = ap.parse_args()
    if args.initial:
        return initial(args)

    url, server = store_url(args)
    if url is None:
        return 1
    try:
        with tempfile.TemporaryDirectory(prefix="sitmap-sync-bench-") as folder:
            ctx = mp.get_context("spawn")
            results = ctx.Queue()
            start_at = time.time() + 4.0  # every process imported and connected
            procs = [ctx.Process(target=workstation, args=(k, url, folder, args.seconds, args.rate, args.triage,
                                                           start_at, results)) for k in range(args.workstations)]
            for p in procs:
                p.start()
            got = [results.get(timeout=args.seconds + 120) for _ in procs]
            for p in procs:
                p.join(timeout=30)
            items = [x for r in got for x in r[2]]
            tri = [x for r in got for x in r[3]]
            written = sum(r[1] for r in got)
            expected = written * (args.workstations - 1)
            tri_expected = sum(r[4] for r in got) * (args.workstations - 1)
            print(f"{args.workstations} workstations, {args.seconds:.0f} s, {args.rate} items/s and "
                  f"{args.triage} triage changes/s each; {written} items written")
            print("| what | seen on the others | p50 | p95 | max |")
            print("|---|---|---|---|---|")
            print(f"| items | {len(items)} of {expected} | {pct(items, 50):.0f} ms | {pct(items, 95):.0f} ms | "
                  f"{max(items, default=float('nan')):.0f} ms |")
            print(f"| triage changes | {len(tri)} of {tri_expected} | {pct(tri, 50):.0f} ms | {pct(tri, 95):.0f} ms | "
                  f"{max(tri, default=float('nan')):.0f} ms |")

            from desktop.sync.runner import Sync

            fresh = Path(folder) / "fresh.db"
            t0 = time.perf_counter()
            s = Sync(fresh, url).once()
            dt = time.perf_counter() - t0
            print(f"initial fetch: {s.pulled} changes (items and triage) into a new cache in {dt:.1f} s "
                  f"({s.pulled / dt:,.0f}/s)")
    finally:
        if server is not None:
            server.cleanup()
    return 0


def initial(args) -> int:
    """A workstation joining mid-incident: the store holds a whole cache (pushed first, timed
    too); a new cache joins with the last day before the newest item, as `sitmap sync
    --since 24h` does during the incident, and its join is timed."""
    import shutil
    import sqlite3

    from desktop.sync.runner import Sync

    url, server = store_url(args)
    if url is None:
        return 1
    try:
        with tempfile.TemporaryDirectory(prefix="sitmap-sync-bench-") as folder:
            src = Path(folder) / "source.db"
            shutil.copyfile(args.initial, src)
            with sqlite3.connect(src) as c:
                n, newest = c.execute("SELECT count(*), max(t_ms) FROM items").fetchone()
            print(f"load average before {' / '.join(f'{x:.2f}' for x in os.getloadavg())}; {n:,} items in "
                  f"{args.initial.name}", flush=True)
            t0 = time.perf_counter()
            pushed = Sync(src, url, operator="bench-source").once()
            push_s = time.perf_counter() - t0
            print(f"pushed {pushed.pushed:,} changes in {push_s:.1f} s ({pushed.pushed / push_s:,.0f}/s)", flush=True)
            since = int(newest) - 86_400_000
            fresh = Path(folder) / "fresh.db"
            t0 = time.perf_counter()
            got = Sync(fresh, url, operator="bench-join", since_ms=since).once()
            join_s = time.perf_counter() - t0
            with sqlite3.connect(fresh) as c:
                have = c.execute("SELECT count(*) FROM items").fetchone()[0]
            print(f"joined with the last day: {have:,} items ({got.pulled:,} changes) into a new cache in {join_s:.1f} s "
                  f"({have / join_s:,.0f} items/s); target for a 1M-item day: 30 s")
            print(f"load average after {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if server is not None:
            server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
