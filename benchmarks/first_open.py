"""The first open of a cache without an index snapshot (a new cache, or after any delete
or scrub): how soon the map answers on the most recent items, how long until the whole
index is in (and saved), and the peak memory, for today's chunked load and the one-shot
read it replaced, each in its own process so each peak is its own.

    .venv/bin/python -m benchmarks.first_open [--db var/benchmarks/demo-1M.db] [--repeat 2]

Both designs read the same file after one untimed pass that brings it into the page
cache (both then read warm pages; a cold disk adds the same read time to both). "Usable"
is when an index answers a query on the most recent items: the first chunk for the
chunked load (the most recent day, or its newest ``loading.FIRST_ROWS`` rows), the end
for the one-shot read. CPU time is the child's (all its threads): on a busy machine the
wall times follow the load, the CPU time much less. Peak RSS is the child's VmHWM (it counts the snapshot draft's
file-backed pages the loader writes, which the system can drop at will: RssFile).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DB = ROOT / "var" / "benchmarks" / "demo-1M.db"


def _status() -> dict:
    return dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)


def _mb(key: str) -> float:
    return int(_status()[key].split()[0]) / 1024


def child(mode: str, db: str, out: str) -> None:
    """One design in this process (run by the parent, not by hand)."""
    import numpy as np

    from desktop.core.filters import Filter
    from desktop.engine.index import ItemIndex
    from desktop.engine.mapdata import MapData

    import threading

    from benchmarks.procmem import tree

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)  # the demo files may predate the newest schema
    res: dict = {"mode": mode, "rss_start_mb": _mb("VmRSS")}
    # The whole tree's resident memory (the reading processes too), sampled every 50 ms.
    tree_peak, done = [0.0], threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            total = 0
            for pid in tree():
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
                except OSError:
                    pass
            tree_peak[0] = max(tree_peak[0], total / 1024)

    threading.Thread(target=sample, daemon=True).start()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = ru.ru_utime + ru.ru_stime
    t0 = time.perf_counter()

    def usable(idx: ItemIndex) -> dict:
        """Answer what the window asks first: the last hour's items, histogram and tags."""
        t_end = int(idx.t[-1])
        flt = Filter(start_ms=t_end - 3600_000, end_ms=t_end + 1)
        md = MapData(idx, conn)
        sel = idx.select(flt, conn)
        idx.histogram(t_end - 86_400_000, 600_000, 144, None)
        idx.top_tags(sel)
        del md
        return {"s": time.perf_counter() - t0, "rows": len(idx), "last_hour": len(sel),
                "span_ms": int(idx.t[-1] - idx.t[0])}

    if mode == "one-shot":
        idx = ItemIndex()
        idx.reload(conn, chunked=False)  # read every row, build, save the snapshot (the old first open)
        res["full_s"] = time.perf_counter() - t0
        res["usable"] = usable(idx)
    else:
        load = ItemIndex.start_load(conn, processes={"chunked": None, "chunked-threads": False}[mode])
        res["processes"] = load._procs is not None
        res["plan_s"] = time.perf_counter() - t0
        res["chunks"] = len(load.chunks)
        load.step()
        res["usable"] = usable(load.partial())
        res["usable"]["chunk_rows"] = load.total - load.start
        while not load.complete:
            load.step()
        idx = load.index
        res["full_s"] = time.perf_counter() - t0
    res["rows"] = len(idx)
    ru = resource.getrusage(resource.RUSAGE_SELF)
    rc = resource.getrusage(resource.RUSAGE_CHILDREN)  # the reading processes, ended by now
    res["cpu_s"] = ru.ru_utime + ru.ru_stime - cpu0 + rc.ru_utime + rc.ru_stime  # what the load costs
    res["peak_rss_mb"] = _mb("VmHWM")
    done.set()
    res["tree_peak_mb"] = max(tree_peak[0], res["peak_rss_mb"])
    res["rss_anon_mb"], res["rss_file_mb"] = _mb("RssAnon"), _mb("RssFile")
    # The answers must not depend on the design: a digest of the time and id columns.
    res["digest"] = [int(np.bitwise_xor.reduce(idx.id * (np.arange(len(idx)) + 1))), int(idx.t.sum())]
    Path(out).write_text(json.dumps(res))


def run_child(mode: str, db: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="sitmap-first-open-") as d:
        out = Path(d) / "out.json"
        env = dict(os.environ, SITMAP_DATA_DIR=str(Path(d) / "data"))  # no snapshot: a first open
        subprocess.run([sys.executable, "-m", "benchmarks.first_open", "--child", mode, str(db), str(out)],
                       check=True, env=env, cwd=ROOT)
        return json.loads(out.read_text())


def warm(db: Path) -> float:
    t0 = time.perf_counter()
    with open(db, "rb") as f:
        while f.read(16 << 20):
            pass
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--designs", default="chunked,chunked-threads,one-shot",
                    help="chunked (reading processes when the cache is big and a core is free), chunked-threads "
                         "(the reader threads only: the previous design), one-shot (the first design)")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "DB", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return 0
    if not args.db.exists():
        print(f"first_open: {args.db} does not exist (make it with `sitmap demo --db {args.db} --size N`)", file=sys.stderr)
        return 2
    print(f"# first open of {args.db.name} ({args.db.stat().st_size / 2**30:.1f} GB), {platform.machine()}, "
          f"{os.cpu_count()} cores; page cache warmed in {warm(args.db):.1f} s")
    print(f"# load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    rows = []
    for k in range(args.repeat):
        modes = args.designs.split(",")
        for mode in (modes if k % 2 == 0 else modes[::-1]):
            rows.append(run_child(mode, args.db))
    digests = {json.dumps(r["digest"]) for r in rows}
    print("| design | rows | usable after | rows then (span) | full index + snapshot | CPU time | peak RSS | "
          "peak RSS, all processes | RSS anon / file at end |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        u = r["usable"]
        span_min = u["span_ms"] / 60_000
        print(f"| {r['mode']} | {r['rows']:,} | {u['s']:.2f} s | {u['rows']:,} ({span_min:.0f} min) | {r['full_s']:.2f} s "
              f"| {r['cpu_s']:.1f} s | {r['peak_rss_mb']:,.0f} MB | {r['tree_peak_mb']:,.0f} MB "
              f"| {r['rss_anon_mb']:,.0f} / {r['rss_file_mb']:,.0f} MB |")
    print(f"# load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; "
          f"same index in every run: {'yes' if len(digests) == 1 else 'NO'}")
    for r in rows:
        if "processes" in r:
            print(f"# {r['mode']}: reading processes {'used' if r['processes'] else 'not used'}")
    chunked = [r for r in rows if r["mode"].startswith("chunked")]
    if chunked:
        print(f"# chunked: {chunked[0]['chunks']} chunks, plan {chunked[0]['plan_s']:.2f} s, first chunk "
              f"{chunked[0]['usable']['chunk_rows']:,} rows")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
