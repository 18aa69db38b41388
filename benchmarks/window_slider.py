"""The time slider in the real main window, from the user's action to the frame that shows
it: what a commander feels, where ``benchmarks.interactive`` times the map view alone.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.window_slider [--db var/benchmarks/demo-1M.db]

The window opens on the cache (its index from the snapshot once one is saved) with every
panel, as ``sitmap`` starts it. Then, one action at a time, each after the last one's
frame and a short pause:

- warm steps: the Right key on the time slider, which moves a one-hour window by its step
  (a minute), over the afternoon's busiest part;
- random jumps: the one-hour window put anywhere on the timeline, as a drag released
  there does (``TimelineWidget._user_set``, the path of the mouse).

For each action: the window's answer applied (the worker's result on the GUI thread, with
the feed, histogram, tags and units panels updated), the page's ``drew`` for it, and the
frame after that (the page's second animation frame after ``drew``, through
``sitmap.debug.framesAfterDrew``: the frame that shows the change is done). Also: the
memory of the whole process tree (the window's process and the QtWebEngine processes it
started), RSS and PSS, after the runs.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.procmem import tree_memory  # noqa: E402

DEFAULT_DB = ROOT / "var" / "benchmarks" / "demo-1M.db"
HOUR = 3_600_000
MINUTE = 60_000


def _pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p * (len(s) - 1))))]


def ensure(db: Path, size: int) -> None:
    """The demo cache, written by ``sitmap demo`` in a process of its own (so what the
    drawing and the geoparser hold is not counted in this one's memory)."""
    if db.exists():
        return
    import subprocess

    db.parent.mkdir(parents=True, exist_ok=True)
    print(f"writing a {size:,}-item demo cache to {db} …", flush=True)
    subprocess.run([sys.executable, "-m", "desktop.cli", "demo", "--db", str(db), "--size", str(size)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--size", type=int, default=1_000_000, help="items of the demo cache made when --db is missing")
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--jumps", type=int, default=40)
    ap.add_argument("--pause", type=float, default=0.15, help="seconds between one action's frame and the next action")
    args = ap.parse_args(argv)
    os.environ.setdefault("SITMAP_DATA_DIR", str(ROOT / "var" / "benchmarks" / "data"))
    os.environ.setdefault("SITMAP_OPERATOR", "benchmark")
    os.environ.setdefault("SITMAP_PURPOSE", "public-order")
    os.environ.setdefault("SITMAP_DAILY_PURGE", "0")
    ensure(args.db, args.size)
    print(f"load average before {' / '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    from desktop.ui.app import make_app
    from desktop.ui.main_window import MainWindow

    app = make_app()
    t_open = time.perf_counter()
    win = MainWindow(args.db, restore=False)
    win.resize(1400, 900)
    win.show()

    # Not desktop.ui.events.wait_until: its 10 ms naps would hold back the signals whose
    # arrival times are the measurement.
    def wait(pred, timeout: float = 120.0) -> bool:
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            app.processEvents()
            if pred():
                return True
            time.sleep(0.002)
        return False

    def loaded() -> bool:
        data = win.worker.worker.data
        return (win.bridge.is_ready and win.last_result is not None and data is not None
                and len(data.index) > 0 and data.index.loaded_from_ms is None)

    if not wait(loaded, 600):
        print("the window did not become ready", file=sys.stderr)
        return 1
    print(f"window ready in {time.perf_counter() - t_open:.1f} s; {len(win.worker.worker.data.index):,} items",
          flush=True)
    timeline = win.panels["timeline"].timeline
    # The slider's span follows the index (after a first open, a moment after its last chunk).
    wait(lambda: timeline.span()[0] <= win.worker.worker.data.index.span()[0], 60)
    idle_end = time.perf_counter() + 1.0
    while time.perf_counter() < idle_end:
        app.processEvents()
        time.sleep(0.005)
    win.map.page().runJavaScript("sitmap.debug.framesAfterDrew = true;")
    timeline.set_step_ms(MINUTE)

    events: dict[str, dict[int, float]] = {"applied": {}, "drew": {}, "frame": {}}
    compute: dict[int, float] = {}
    win.resultApplied.connect(lambda res: (events["applied"].setdefault(res.gen, time.perf_counter()),
                                           compute.setdefault(res.gen, res.compute_ms)))
    win.bridge.rendered.connect(lambda r: events["drew"].setdefault(int(r["gen"]), time.perf_counter()))
    win.bridge.framed.connect(lambda g: events["frame"].setdefault(int(g), time.perf_counter()))

    def act(fn) -> dict | None:
        """Do one action; the times of the first result, drew and frame of a later gen."""
        g0 = win.gen
        t0 = time.perf_counter()
        fn()

        def first(kind: str):
            later = [t for g, t in events[kind].items() if g > g0]
            return min(later) if later else None

        if not wait(lambda: first("frame") is not None, 30):
            print(f"  no frame within 30 s (gen {g0} -> {win.gen}; applied {sorted(events['applied'])[-3:]}, "
                  f"drew {sorted(events['drew'])[-3:]}, frames {sorted(events['frame'])[-3:]}; slider window "
                  f"{timeline.window()} of {timeline.span()})", flush=True)
            return None
        out = {k: (first(k) - t0) * 1000 for k in ("applied", "drew", "frame")}
        gens = [g for g in events["applied"] if g > g0]
        out["compute"] = compute.get(min(gens), float("nan")) if gens else float("nan")
        end = time.perf_counter() + args.pause
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.002)
        return out

    t_span0, t_span1 = timeline.span()
    s0 = t_span0 + 2 * HOUR  # the afternoon's busiest part of the demo
    act(lambda: timeline._user_set(s0, s0 + HOUR))
    timeline.setFocus()
    right = lambda: QApplication.sendEvent(timeline, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Right,  # noqa: E731
                                                                 Qt.KeyboardModifier.NoModifier))
    for _ in range(5):  # warm-up
        act(right)
    steps = [r for r in (act(right) for _ in range(args.steps)) if r is not None]
    rng = random.Random(7)
    jumps = []
    for _ in range(args.jumps):
        start = rng.randrange(t_span0, max(t_span0 + 1, t_span1 - HOUR))
        r = act(lambda start=start: timeline._user_set(start, start + HOUR))
        if r is not None:
            jumps.append(r)
    mem = tree_memory()
    print(f"\nreal window, {args.db.name}, {len(win.worker.worker.data.index):,} items; "
          f"load average after {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| action | n | result applied p50 / p95 | page drew p50 / p95 | frame shown p50 / p95 / max | "
          "worker compute p50 |")
    print("|---|---|---|---|---|---|")
    for name, rs in (("warm step (Right key, 1-minute step)", steps), ("random jump (window dropped anywhere)", jumps)):
        col = {k: [r[k] for r in rs] for k in ("applied", "drew", "frame", "compute")}
        print(f"| {name} | {len(rs)} | {_pct(col['applied'], .5):.1f} / {_pct(col['applied'], .95):.1f} ms | "
              f"{_pct(col['drew'], .5):.1f} / {_pct(col['drew'], .95):.1f} ms | "
              f"{_pct(col['frame'], .5):.1f} / {_pct(col['frame'], .95):.1f} / {max(col['frame'], default=0):.1f} ms | "
              f"{_pct(col['compute'], .5):.1f} ms |")
    if mem:
        print(f"\nmemory of the process tree ({mem['processes']} processes): RSS {mem['rss_mb']:,.0f} MB, "
              f"PSS {mem['pss_mb']:,.0f} MB; the window's process alone RSS {mem['self_rss_mb']:,.0f} MB")
        print("PSS by process: " + ", ".join(f"{k} {v:,.0f} MB" for k, v in mem["by_name"].items()))
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
