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
import socket
import statistics
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
    args = ap.parse_args(argv)
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)

    from benchmarks.live_flood import _sender
    from desktop.cache import Cache
    from desktop.demo.generator import write_demo
    from desktop.ui.app import make_app

    tmp = Path(tempfile.mkdtemp())
    os.environ["SITMAP_DATA_DIR"] = str(tmp)
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
    results = mp.Queue()
    sender = mp.get_context("fork").Process(target=_sender, args=("tcp", port, args.rate, args.seconds, False, results))
    applied = [0]
    win.resultApplied.connect(lambda _r: applied.__setitem__(0, applied[0] + 1))
    before = win.live.live.writer.stats().accepted
    t0 = time.perf_counter()
    timer.start()
    sender.start()
    deadline = time.time() + args.seconds + 30
    while sender.is_alive() and time.time() < deadline:
        app.processEvents()
        time.sleep(0.001)
    win.live.live.writer.flush(30)
    elapsed = time.perf_counter() - t0
    timer.stop()
    sent = results.get(timeout=10) if not results.empty() else {"sent": 0}
    accepted = win.live.live.writer.stats().accepted - before
    status = [s.line() for s in (inp.status for inp in win.live.live.inputs.values())]
    lates.sort()
    q = lambda p: lates[min(len(lates) - 1, int(p * len(lates)))] if lates else float("nan")  # noqa: E731
    print(f"flood: {sent['sent']:,} CoT messages offered at {args.rate:,}/s for {args.seconds:.0f} s over TCP")
    print(f"stored: {accepted:,} in {elapsed:.1f} s = {accepted / elapsed:,.0f}/s; window redraws: {applied[0]}")
    print(f"GUI event-loop latency (10 ms timer lateness): p50 {q(0.5):.1f} ms, p95 {q(0.95):.1f} ms, "
          f"p99 {q(0.99):.1f} ms, max {lates[-1] if lates else float('nan'):.1f} ms over {len(lates):,} ticks")
    print("input:", "; ".join(status))
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
