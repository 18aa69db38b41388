"""GUI responsiveness while a flood of CoT arrives: the real window, live mode on, a
TCP input fed by another process at ``--rate`` messages a second.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.gui_flood --rate 10000 --seconds 10
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.gui_flood --design new --profile

``--design both`` (the default) runs the earlier design and the current one one after the
other, each in a fresh process, on the same messages: ``old`` is the tree at ``--old-ref``
(a commit, default the one before the live window's flood work), extracted with
``git archive`` into a temporary directory and imported instead of this tree; ``new`` is
this tree. The measuring code is this file in both.

Printed per design: messages offered, parsed, stored and dropped (counted from the first
send to the last commit, the drain included); the lateness of a 10 ms QTimer on the GUI
thread (p50/p95/p99/max and stalls over 200 ms); how far the window's picture was behind
the cache (from a commit to the next result drawn with those rows in the index); and a
slider step every ``--step-every`` seconds during the flood (the time window's start
dragged by 10 minutes, the end left at now so live mode stays on), from the step to the
next result drawn. ``--profile`` samples the GUI thread every 5 ms and prints where it
was while the event loop was more than 50 ms late. Loopback only; stops by itself.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing as mp
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
OLD_REF = "14105d6"  # before the window's flood work (issue 17, the live window)


def _root() -> Path:
    """The tree whose ``desktop`` package is measured (``--root``), else this one."""
    for i, a in enumerate(sys.argv):
        if a.startswith("--root="):
            return Path(a.split("=", 1)[1])
        if a == "--root" and i + 1 < len(sys.argv):
            return Path(sys.argv[i + 1])
    return HERE


ROOT = _root()
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:  # benchmark process only, never the app
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox")


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(p * len(v)))]


def _old_tree(ref: str) -> Path:
    """The tree at ``ref``, extracted (not checked out: the working tree is left alone)."""
    out = Path(tempfile.mkdtemp(prefix="sitmap-old-"))
    archive = subprocess.run(["git", "-C", str(HERE), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out


class GuiSampler:
    """Samples the GUI thread's stack every ``every_s``; the samples taken while the event
    loop was late are aggregated by :meth:`late`."""

    def __init__(self, every_s: float = 0.005) -> None:
        self.every_s = every_s
        self.gui = threading.get_ident()
        self.samples: collections.deque = collections.deque(maxlen=200_000)
        self.late_stacks: collections.Counter = collections.Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)

    def start(self) -> "GuiSampler":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            frame = sys._current_frames().get(self.gui)  # noqa: SLF001
            stack = []
            while frame is not None and len(stack) < 60:
                co = frame.f_code
                stack.append(f"{Path(co.co_filename).name}:{co.co_name}")
                frame = frame.f_back
            self.samples.append((time.perf_counter(), tuple(reversed(stack))))

    def late(self, since: float, until: float) -> None:
        """The event loop was late between ``since`` and ``until``: count where it was."""
        for t, stack in list(self.samples):
            if since <= t <= until:
                inner = [s for s in stack if not s.startswith(("gui_flood.py", "threading.py"))]
                self.late_stacks[" > ".join(inner[-6:]) or "(event loop)"] += 1

    def report(self, n: int = 15) -> None:
        total = sum(self.late_stacks.values())
        print(f"GUI thread while the event loop was > 50 ms late: {total} samples of {self.every_s * 1000:.0f} ms")
        for stack, k in self.late_stacks.most_common(n):
            print(f"  {k:6d}  {stack}")


class WorkerSampler(GuiSampler):
    """Samples every thread every ``every_s`` and keeps the query worker's stacks (a thread
    inside ``worker.py``): where its time went over the whole flood, merges and answers."""

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            for frame in sys._current_frames().values():  # noqa: SLF001
                stack = []
                while frame is not None and len(stack) < 60:
                    co = frame.f_code
                    stack.append(f"{Path(co.co_filename).name}:{co.co_name}")
                    frame = frame.f_back
                if any(s.startswith("worker.py:") for s in stack):
                    inner = [s for s in reversed(stack) if not s.startswith("threading.py")]
                    self.late_stacks[" > ".join(inner[-5:])] += 1

    def report(self, n: int = 20) -> None:
        total = sum(self.late_stacks.values())
        print(f"query worker, busy samples of {self.every_s * 1000:.0f} ms: {total}")
        for stack, k in self.late_stacks.most_common(n):
            print(f"  {k:6d}  {stack}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--design", choices=["old", "new", "both"], default="both",
                    help="old: the tree at --old-ref; new: this tree; both: old then new, each in a fresh process")
    ap.add_argument("--old-ref", default=OLD_REF, help="the commit measured as the old design")
    ap.add_argument("--root", default=None, help=argparse.SUPPRESS)  # set by --design for its child
    ap.add_argument("--parsers", choices=["inline", "pool"], default="pool",
                    help="parse CoT on the input's thread in the window's process (inline) or in worker "
                         "processes (pool, the window's default)")
    ap.add_argument("--step-every", type=float, default=1.0, help="seconds between slider steps (0: none)")
    ap.add_argument("--ingest", choices=("process", "window"), default="process",
                    help="the network inputs and their writer in an ingest process of their own (the window's "
                         "default) or on threads of the window's process (the earlier design)")
    ap.add_argument("--profile", action="store_true", help="sample the GUI thread where the event loop is late")
    ap.add_argument("--switch-interval", type=float, default=None, help="sys.setswitchinterval for the run")
    args = ap.parse_args(argv)
    if args.root is None:
        rest = [f"--rate={args.rate}", f"--seconds={args.seconds}", f"--parsers={args.parsers}",
                f"--step-every={args.step_every}"] + (["--profile"] if args.profile else []) \
            + ([f"--switch-interval={args.switch_interval}"] if args.switch_interval else [])
        designs = ["old", "new"] if args.design == "both" else [args.design]
        print(f"load average before {' / '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
        for design in designs:
            root = _old_tree(args.old_ref) if design == "old" else HERE
            label = f"old (the tree at {args.old_ref})" if design == "old" else "new (this tree)"
            print(f"== design: {label}", flush=True)
            own = [f"--ingest={args.ingest}"] if design == "new" else []  # the old tree has no such option
            subprocess.run([sys.executable, str(Path(__file__).resolve()), *rest, *own, f"--root={root}"], cwd=root,
                           check=False)
        return 0
    return run(args)


def run(args) -> int:

    import desktop
    from benchmarks.live_flood import _sender
    from desktop.cache import Cache

    print(f"measuring {Path(desktop.__file__).parent}", flush=True)
    from desktop.demo.generator import write_demo
    from desktop.ui.app import make_app

    tmp = Path(tempfile.mkdtemp())
    os.environ["SITMAP_DATA_DIR"] = str(tmp)
    os.environ.setdefault("SITMAP_PURPOSE", "public-order")  # no purpose, no collection
    db = tmp / "flood.db"
    with Cache.open(db) as c:
        write_demo(c, seed=7)
    app = make_app()
    if args.switch_interval:  # after the app, which sets its own
        sys.setswitchinterval(args.switch_interval)
    print(f"interpreter switch interval {sys.getswitchinterval() * 1000:.2f} ms", flush=True)
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
    win.live.live.ingest_in_process = args.ingest == "process"
    if args.parsers == "pool" and args.ingest == "window":
        from desktop.live.parse_pool import shared_pool

        shared_pool().start()  # the parsers' start-up (about a second) is not the flood's
    win.set_live(True)
    # One trusted peer sends everything: lift the per-peer rate cap for this measurement.
    win.live.live.start_tcp_server("127.0.0.1", port, rate=args.rate * 2, burst=args.rate * 5)
    for _ in range(50):
        app.processEvents()
        time.sleep(0.01)

    sampler = GuiSampler().start() if args.profile else None
    import gc

    gc_runs: list[tuple[int, float]] = []  # (generation, ms) of each collection in the window's process
    gc_began = [0.0]

    def on_gc(phase, info) -> None:
        if phase == "start":
            gc_began[0] = time.perf_counter()
        else:
            gc_runs.append((info["generation"], (time.perf_counter() - gc_began[0]) * 1000))

    gc.callbacks.append(on_gc)
    worker_sampler = WorkerSampler().start() if args.profile else None
    lates: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        late = max(0.0, (now - last[0]) * 1000 - 10.0)
        lates.append(late)
        if sampler is not None and late > 50:
            sampler.late(last[0] + 0.01, now)
        last[0] = now

    timer = QTimer(interval=10)
    timer.timeout.connect(tick)
    ctx = mp.get_context("spawn")  # a fork of a process running Qt threads is not safe
    results, ready = ctx.Queue(), ctx.Event()
    sender = ctx.Process(target=_sender, args=("tcp", port, args.rate, args.seconds, False, results, ready))
    writer = win.live.live.writer
    before = writer.stats()
    commits: list[tuple[float, int]] = []  # (monotonic time, new items so far), writer thread
    last_commit = [0.0]

    def on_commit(ids, units, stats):  # writer thread
        if stats.accepted:
            last_commit[0] = time.time()
            commits.append((time.monotonic(), stats.accepted))

    # What the window drew: (monotonic time, rows in the index then), and the slider steps.
    index0 = len(win.worker.worker.data.index)
    drawn: list[tuple[float, int]] = []
    steps: list[float] = []
    computes: list[float] = []  # the query worker's time for each result drawn
    step_computes: list[float] = []  # the same, for the results that answered a step
    step_waits: list[float] = []  # how long those requests waited for the query worker
    step_wait: list = []  # [t0, gen before the step] while a step waits for its result

    ready_at: dict[int, float] = {}  # gen -> when the query worker emitted its result (its thread)
    step_after_ready: list[float] = []  # a step's result: from the worker's emit to applied

    def emitted(res) -> None:  # the worker's thread (direct connection)
        ready_at[res.gen] = time.monotonic()

    from PySide6.QtCore import Qt

    win.worker.worker.resultReady.connect(emitted, Qt.DirectConnection)

    def applied(res) -> None:
        now = time.monotonic()
        data = win.worker.worker.data
        drawn.append((now, len(data.index) - index0 if data is not None else 0))
        computes.append(res.compute_ms)
        if step_wait and res.gen > step_wait[0][1]:
            steps.append((now - step_wait[0][0]) * 1000)
            step_computes.append(res.compute_ms)
            step_waits.append(res.waited_ms)
            if res.gen in ready_at:
                step_after_ready.append((now - ready_at[res.gen]) * 1000)
            step_wait.clear()
        ready_at.pop(res.gen, None)

    win.resultApplied.connect(applied)
    timeline = win.panels["timeline"].timeline if "timeline" in win.panels else None
    step_dir = [1]

    def step() -> None:
        if timeline is None or step_wait:
            return
        start, end_ = timeline.window()
        step_dir[0] = -step_dir[0]
        step_wait.append((time.monotonic(), win.gen))
        # The start handle dragged by 10 minutes; the end stays at now (live mode stays on).
        timeline.set_window(int(start + step_dir[0] * 600_000), int(end_))

    stepper = QTimer(interval=max(1, int(args.step_every * 1000)))
    stepper.timeout.connect(step)
    writer.add_listener(on_commit)
    sender.start()
    # The sender builds every message before its first send; the clock starts then (a deadline
    # that included the build cut the sender off, and the run reported 0 offered).
    limit = time.time() + 600
    while not ready.is_set() and sender.is_alive() and time.time() < limit:
        app.processEvents()
        time.sleep(0.01)
    last[0] = time.perf_counter()
    from benchmarks.procmem import thread_cpu, thread_cpu_report

    cpu0, cpu_t0 = thread_cpu(), time.monotonic()
    timer.start()
    if args.step_every > 0:
        stepper.start()
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
    stepper.stop()
    sender.join(10)
    if res is None:
        print("gui_flood: the sender did not finish", file=sys.stderr)
        return 1
    # Drain: until every message offered is accounted for and drawn, or nothing moved for
    # 10 s (a stall of the window's loop must not end the wait), at most 180 s.
    inputs = lambda: list(win.live.live.inputs.values())  # noqa: E731

    def settled() -> bool:
        st = [i.status for i in inputs()]
        got = sum(x.messages + x.malformed for x in st)
        stored_ = writer.stats().accepted - before.accepted
        return (got >= res["sent"] and writer.stats().queued == 0
                and stored_ + sum(x.dropped for x in st) >= sum(x.messages for x in st)
                and bool(drawn) and drawn[-1][1] >= stored_)

    moved, still, limit = None, time.time(), time.time() + 180
    while time.time() - still < 10.0 and time.time() < limit and not settled():
        now = (writer.stats().committed, writer.stats().queued, tuple(i.status.messages for i in inputs()),
               len(drawn))
        if now != moved:
            moved, still = now, time.time()
        app.processEvents()
        time.sleep(0.005)
    for _ in range(20):  # the last redraw's frame
        app.processEvents()
        time.sleep(0.005)
    timer.stop()
    cpu1, cpu_t1 = thread_cpu(), time.monotonic()
    if sampler is not None:
        sampler.stop()
        worker_sampler.stop()
    writer.remove_listener(on_commit)
    after = writer.stats()
    statuses = [i.status for i in inputs()]
    parsed = sum(st.messages for st in statuses)
    input_dropped = sum(st.dropped for st in statuses)
    malformed = sum(st.malformed for st in statuses)
    stored = after.accepted - before.accepted
    writer_dropped = after.dropped - before.dropped
    span = max(last_commit[0], sent_wall) - res["first_wall"]
    # How far behind the cache the picture was: each commit until the first result drawn
    # with at least as many new rows in the index.
    behind: list[float] = []
    total = 0
    j = 0
    for t_c, n in commits:
        total += n
        while j < len(drawn) and (drawn[j][0] < t_c or drawn[j][1] < total):
            j += 1
        behind.append(((drawn[j][0] if j < len(drawn) else float("inf")) - t_c) * 1000)
    never = sum(1 for b in behind if b == float("inf"))
    print(f"flood: {res['sent']:,} CoT messages offered at {args.rate:,}/s over TCP, sent in {res['send_s']:.1f} s"
          + (f" ({res['send_errors']} send errors)" if res.get("send_errors") else "")
          + f"; parsers: {args.parsers}; inputs and writer: {args.ingest}")
    # The input counts in messages: what the writer refused (it counts records, an item and a
    # unit per message here) is among the input's drops, and those messages were parsed.
    print(f"parsed {parsed:,}; stored {stored:,}; dropped {input_dropped:,} messages (the writer's queue refused "
          f"{writer_dropped:,} records); malformed {malformed:,}; not received {res['sent'] - parsed - malformed:,}; "
          f"parsed but neither stored nor dropped at the end {parsed - stored - input_dropped:,}")
    print(f"stored {stored / span:,.0f}/s from the first send to the last commit ({span:.1f} s, "
          f"of which {max(0.0, last_commit[0] - sent_wall):.1f} s after the last send); window redraws: {len(drawn)}")
    print(f"GUI event-loop lateness (10 ms timer): p50 {_pct(lates, .5):.1f} ms, p95 {_pct(lates, .95):.1f} ms, "
          f"p99 {_pct(lates, .99):.1f} ms, max {max(lates, default=float('nan')):.1f} ms over {len(lates):,} ticks; "
          f"stalls over 200 ms: {sum(1 for v in lates if v > 200)}, {sum(v for v in lates if v > 200) / 1000:.1f} s "
          f"in all")
    fin = [b for b in behind if b != float("inf")]
    print(f"picture behind the cache (commit to the next result drawn with its rows): p50 {_pct(fin, .5):.0f} ms, "
          f"p95 {_pct(fin, .95):.0f} ms, max {max(fin, default=float('nan')):.0f} ms over {len(behind)} commits"
          + (f"; {never} commits never drawn" if never else ""))
    if args.step_every > 0:
        print(f"slider step during the flood (to the next result drawn): p50 {_pct(steps, .5):.0f} ms, "
              f"p95 {_pct(steps, .95):.0f} ms, max {max(steps, default=float('nan')):.0f} ms over {len(steps)} steps; "
              f"of which waiting for the query worker p50 {_pct(step_waits, .5):.0f} ms, p95 "
              f"{_pct(step_waits, .95):.0f} ms, its compute p50 {_pct(step_computes, .5):.0f} ms, p95 "
              f"{_pct(step_computes, .95):.0f} ms (every result: p50 {_pct(computes, .5):.0f}, p95 "
              f"{_pct(computes, .95):.0f} ms), from the result to the window having applied it p50 "
              f"{_pct(step_after_ready, .5):.0f} ms, p95 {_pct(step_after_ready, .95):.0f} ms")
    gc.callbacks.remove(on_gc)
    slow_gc = sorted((ms for _, ms in gc_runs), reverse=True)
    print(f"garbage collections in the window's process: {len(gc_runs)} ({sum(1 for g, _ in gc_runs if g == 2)} of "
          f"the oldest generation), {sum(slow_gc):.0f} ms in all, longest {', '.join(f'{v:.0f}' for v in slow_gc[:3])} ms")
    print("input:", "; ".join(st.line() for st in statuses))
    print(f"load average {' / '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    if cpu0 is not None and cpu1 is not None:
        print("\n".join(thread_cpu_report(cpu0, cpu1, cpu_t1 - cpu_t0)))
    if sampler is not None:
        sampler.report()
        worker_sampler.report()
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
