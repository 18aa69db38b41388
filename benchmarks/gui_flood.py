"""GUI responsiveness while a flood of CoT arrives: the real window, live mode on, a
TCP input fed by another process at ``--rate`` messages a second.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_flood.py --rate 10000 --seconds 60

A 10 ms QTimer on the GUI thread measures event-loop latency (how late each tick
fires); printed with the ingest the cache kept up with. Loopback only; stops by itself.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import queue
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:  # benchmark process only, never the app
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--switch-interval", type=float, default=None, help="sys.setswitchinterval for the run")
    ap.add_argument("--parsers", choices=["inline", "pool", "both"], default="both",
                    help="parse CoT on the input's thread in the window's process (inline, the earlier design) or "
                         "in worker processes (pool); both: one after the other, each in a fresh process")
    args = ap.parse_args(argv)
    if args.parsers == "both":
        import subprocess

        rest = [a for a in (argv if argv is not None else sys.argv[1:]) if not a.startswith("--parsers")]
        for design in ("inline", "pool"):
            print(f"== parsers: {design}", flush=True)
            subprocess.run([sys.executable, "-m", "benchmarks.gui_flood", *rest, f"--parsers={design}"], cwd=ROOT,
                           check=False)
        return 0
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)

    from benchmarks.live_flood import _sender
    from desktop.cache import Cache
    from desktop.demo.generator import write_demo
    from desktop.ui.app import make_app

    tmp = Path(tempfile.mkdtemp())
    os.environ["SITMAP_DATA_DIR"] = str(tmp)
    os.environ.setdefault("SITMAP_PURPOSE", "public-order")  # no purpose, no collection
    db = tmp / "flood.db"
    with Cache.open(db) as c:
        write_demo(c, seed=7)
    app = make_app()
    from PySide6.QtCore import QTimer

    from desktop.ui.main_window import MainWindow

    win = MainWindow(db, restore=False)
    win.resize(1400, 900)
    win.show()
    end = time.time() + 60
    while time.time() < end and not (win.bridge.is_ready and win.last_result is not None):
        app.processEvents()
        time.sleep(0.01)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    if not win.session.purpose:
        win.session.purpose = os.environ["SITMAP_PURPOSE"]
    win.live.live.parse_in_workers = args.parsers == "pool"
    if args.parsers == "pool":
        from desktop.live.parse_pool import shared_pool

        shared_pool().start()  # the parsers' start-up (about a second) is not the flood's
    win.set_live(True)
    # One trusted peer sends everything: lift the per-peer rate cap for this measurement.
    win.live.live.start_tcp_server("127.0.0.1", port, rate=args.rate * 2, burst=args.rate * 5)
    for _ in range(50):
        app.processEvents()
        time.sleep(0.01)

    lates: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        lates.append(max(0.0, (now - last[0]) * 1000 - 10.0))
        last[0] = now

    timer = QTimer(interval=10)
    timer.timeout.connect(tick)
    ctx = mp.get_context("spawn")  # a fork of a process running Qt threads is not safe
    results, ready = ctx.Queue(), ctx.Event()
    sender = ctx.Process(target=_sender, args=("tcp", port, args.rate, args.seconds, False, results, ready))
    applied = [0]
    win.resultApplied.connect(lambda _r: applied.__setitem__(0, applied[0] + 1))
    writer = win.live.live.writer
    before = writer.stats()
    last_commit = [0.0]

    def on_commit(ids, units, stats):  # writer thread
        if stats.accepted:
            last_commit[0] = time.time()

    writer.add_listener(on_commit)
    sender.start()
    # The sender builds every message before its first send; the clock starts then (a deadline
    # that included the build cut the sender off, and the run reported 0 offered).
    limit = time.time() + 600
    while not ready.is_set() and sender.is_alive() and time.time() < limit:
        app.processEvents()
        time.sleep(0.01)
    last[0] = time.perf_counter()
    timer.start()
    res = None
    limit = time.time() + args.seconds * 3 + 120
    while res is None and time.time() < limit:
        app.processEvents()
        time.sleep(0.001)
        try:
            res = results.get_nowait()
        except queue.Empty:
            if not sender.is_alive() and results.empty():
                break
    sent_wall = time.time()
    sender.join(10)
    if res is None:
        print("gui_flood: the sender did not finish", file=sys.stderr)
        return 1
    # Drain: until nothing moved for 2 s (at most 120 s), the window running meanwhile.
    inputs = lambda: list(win.live.live.inputs.values())  # noqa: E731
    moved, still, limit = None, time.time(), time.time() + 120
    while time.time() - still < 2.0 and time.time() < limit:
        now = (writer.stats().committed, writer.stats().queued, tuple(i.status.messages for i in inputs()))
        if now != moved:
            moved, still = now, time.time()
        app.processEvents()
        time.sleep(0.005)
    timer.stop()
    writer.remove_listener(on_commit)
    after = writer.stats()
    statuses = [i.status for i in inputs()]
    parsed = sum(st.messages for st in statuses)
    input_dropped = sum(st.dropped for st in statuses)
    malformed = sum(st.malformed for st in statuses)
    stored = after.accepted - before.accepted
    writer_dropped = after.dropped - before.dropped
    span = max(last_commit[0], sent_wall) - res["first_wall"]
    lates.sort()
    q = lambda p: lates[min(len(lates) - 1, int(p * len(lates)))] if lates else float("nan")  # noqa: E731
    print(f"flood: {res['sent']:,} CoT messages offered at {args.rate:,}/s over TCP, sent in {res['send_s']:.1f} s"
          + (f" ({res['send_errors']} send errors)" if res.get("send_errors") else ""))
    # The input counts in messages: what the writer refused (it counts records, an item and a
    # unit per message here) is among the input's drops, and those messages were parsed.
    print(f"parsed {parsed:,}; stored {stored:,}; dropped {input_dropped:,} messages (the writer's queue refused "
          f"{writer_dropped:,} records); malformed {malformed:,}; not received {res['sent'] - parsed - malformed:,}; "
          f"parsed but neither stored nor dropped at the end {parsed - stored - input_dropped:,}")
    print(f"stored {stored / span:,.0f}/s from the first send to the last commit ({span:.1f} s, "
          f"of which {max(0.0, last_commit[0] - sent_wall):.1f} s after the last send); window redraws: {applied[0]}")
    print(f"GUI event-loop latency (10 ms timer lateness): p50 {q(0.5):.1f} ms, p95 {q(0.95):.1f} ms, "
          f"p99 {q(0.99):.1f} ms, max {lates[-1] if lates else float('nan'):.1f} ms over {len(lates):,} ticks; "
          f"stalls over 200 ms: {sum(1 for v in lates if v > 200)}")
    print("input:", "; ".join(st.line() for st in statuses))
    print(f"load average {' / '.join(f'{v:.2f}' for v in os.getloadavg())}")
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
