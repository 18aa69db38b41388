"""Does syncing with the shared store slow the time slider? The same slider steps on the
real page offscreen, over a copy of the 100k demo cache, in alternating blocks with this
workstation's sync running (on a thread of this process, as the window runs it, or as a
child process, the design it was measured against) and stopped, while another workstation
(a process with its own cache and sync) adds 1,000 items/s and 10 triage changes/s to the
store the whole time.

    .venv/bin/python -m benchmarks.sync_slider [--blocks 12] [--block 20]

While the sync runs, the index takes in what each pull wrote between steps, as the window's
query worker does; a step that comes due meanwhile waits, and that wait is counted. Prints
the p50/p95 of a step for both modes, how many items the pulls brought, and the load
average. A PostgreSQL with PostGIS is started in a temporary folder, as the tests do.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "var" / "benchmarks" / "demo-100k.db"))
    ap.add_argument("--blocks", type=int, default=12)
    ap.add_argument("--block", type=int, default=20)
    ap.add_argument("--rate", type=int, default=1000)
    args = ap.parse_args()
    if not Path(args.db).exists():
        raise SystemExit(f"{args.db}: write it first with .venv/bin/python -m benchmarks.interactive --sizes 100k")

    from benchmarks import interactive_child as ch
    from benchmarks.sync import throwaway_store, workstation
    from desktop.sync.runner import Sync

    server = throwaway_store()
    if server is None:
        return 1
    url = server.new_database()
    folder = tempfile.mkdtemp(prefix="sitmap-sync-slider-")
    try:
        db = Path(folder) / "mine.db"
        shutil.copy(args.db, db)
        Sync(db, url).once()  # this cache's 100k go up first, outside the measurement
        ctx = ch.start(db, time.time())
        page, data = ctx["page"], ctx["data"]
        page.idle(1.0)
        # The other workstation: writing and syncing for the whole run.
        seconds = args.blocks * args.block * 0.1 + 30
        mpx = mp.get_context("spawn")
        results = mpx.Queue()
        other = mpx.Process(target=workstation, args=(1, url, folder, seconds, args.rate, 10, time.time() + 4.0,
                                                      results), daemon=True)
        other.start()
        time.sleep(6.0)
        span = ctx["index"].span()
        s0 = span[0] + 2 * ch.WINDOW_MS
        ch.slider(ctx, 5, s0 - 10 * ch.STEP_MS, 10, units=False)  # warm up
        pulled = {"n": 0, "commits": 0}

        def on_status(s) -> None:
            if s.pulled:
                pulled["n"] += s.pulled
                pulled["commits"] += 1

        seen = {"commits": 0, "more": False}
        appends: list[float] = []

        def between(deadline: float) -> float:
            while time.perf_counter() < deadline:
                if pulled["commits"] != seen["commits"] or seen["more"]:
                    seen["commits"] = pulled["commits"]
                    t = time.perf_counter()
                    got = data.append_new(ch.APPEND_LIMIT)
                    seen["more"] = got == ch.APPEND_LIMIT
                    if got:
                        appends.append((time.perf_counter() - t) * 1000)
                else:
                    page.idle(min(0.02, max(0.0, deadline - time.perf_counter())))
            return max(0.0, time.perf_counter() - deadline)

        modes = ("sync thread", "not syncing", "sync process", "not syncing")
        runs: dict[str, list[float]] = {m: [] for m in modes}
        gen = 100
        for b in range(args.blocks):
            mode = modes[b % len(modes)]
            stop = threading.Event()
            th = None
            child = None
            if mode == "sync process":
                import subprocess

                child = subprocess.Popen([sys.executable, "-m", "desktop", "sync", "--db", str(db), "--shared", url,
                                          "--since", "all", "--operator", "bench", "--purpose", "public-order"],
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

                def lines(proc=child) -> None:
                    for line in proc.stdout:
                        if "pulled" in line and ", pulled 0" not in line:
                            pulled["commits"] += 1
                            try:
                                pulled["n"] += int(line.split("pulled ")[1].split(",")[0])
                            except (IndexError, ValueError):
                                pass

                threading.Thread(target=lines, daemon=True).start()
                page.idle(1.5)
            elif mode == "sync thread":
                sync = Sync(db, url, operator="bench", on_status=on_status)
                th = threading.Thread(target=sync.run, args=(stop,), daemon=True)
                th.start()
                page.idle(0.5)
            r = ch.slider(ctx, args.block, s0 + b * args.block * ch.STEP_MS, gen, units=False, pace_s=0.1,
                          between=between)
            runs[mode] += r["e2e"]
            gen += args.block + 1
            if th is not None:
                stop.set()
                th.join(timeout=30)
            if child is not None:
                child.terminate()
                child.wait(timeout=30)
        other.terminate()
        out = {mode: {"steps": len(e), "p50_ms": round(ch.pct(e, 50), 1), "p95_ms": round(ch.pct(e, 95), 1),
                      "max_ms": round(max(e), 1)} for mode, e in runs.items()}
        out["pulled_items"] = pulled["n"]
        out["index_appends"] = len(appends)
        out["append_p95_ms"] = round(ch.pct(appends, 95), 1) if appends else None
        out["load_average"] = [round(x, 2) for x in os.getloadavg()]
        print(json.dumps(out, ensure_ascii=False, indent=1))
        page.view.shutdown()
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
