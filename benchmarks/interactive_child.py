"""One size of ``benchmarks.interactive``, in its own process (run by it, not by hand).

    python -m benchmarks.interactive_child {build|cold|measure} DB OUT.json [--t0 EPOCH] [options]

``build`` rebuilds the index snapshot from SQLite; ``cold`` starts Qt, the real map
page and the index (as the window does: the index on its own thread while the page
loads) and stops at the first drawn frame; ``measure`` then steps the time slider,
applies a district filter, measures memory, ingests live items while stepping, and
times the peers. Every page measurement waits for the page's own ``drew`` callback.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# The benchmark process, never the app: offscreen Qt, and no sandbox only when running as root.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0 and "--no-sandbox" not in os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", ""):
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "") + " --no-sandbox").strip()

import numpy as np  # noqa: E402

from benchmarks.live_feed import LiveFeed  # noqa: E402
from desktop.cache import Cache  # noqa: E402
from desktop.core.filters import Filter  # noqa: E402
from desktop.engine.index import ItemIndex  # noqa: E402
from desktop.engine.source import cache_state, snapshot_dir  # noqa: E402
from desktop.engine.mapdata import MapData, Request, View  # noqa: E402
from desktop.engine.unit_tracks import unpack_track  # noqa: E402
from desktop.cache.query import count  # noqa: E402
from benchmarks.procmem import tree_memory  # noqa: E402

BOUNDARIES = ROOT.parent / "shared" / "data" / "boundaries" / "skorea_municipalities_geo_simple.json"
DISTRICTS = ("11010", "11020")  # Jongno-gu and Jung-gu: the demo's rallies
WINDOW_MS = 3600_000
STEP_MS = 60_000
APPEND_LIMIT = 2500  # rows merged per call during live ingest (about 25 ms)
LIVE_PACE_S = 0.1  # slider steps during live ingest: ten a second, a brisk drag


def _status() -> dict:
    return dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)


def rss_mb() -> tuple[float, float]:
    """Resident and peak resident memory of this process (MB)."""
    st = _status()
    return int(st["VmRSS"].split()[0]) / 1024, int(st["VmHWM"].split()[0]) / 1024


def rss_parts() -> dict:
    """Resident memory by kind (MB): anonymous (heap, arrays) and file-backed (libraries, the snapshot's pages)."""
    st = _status()
    return {k: int(st[k].split()[0]) / 1024 for k in ("RssAnon", "RssFile", "RssShmem") if k in st}


def pct(xs, q) -> float:
    return float(np.percentile(np.asarray(xs, float), q)) if len(xs) else float("nan")


# --- build ------------------------------------------------------------------------------

def build(db: Path) -> dict:
    cache = Cache.open_readonly(db)
    shutil.rmtree(snapshot_dir(cache_state(cache.conn)), ignore_errors=True)
    t0 = time.perf_counter()
    idx = ItemIndex.load(cache.conn)
    built = time.perf_counter() - t0
    peak = rss_mb()[1]
    t0 = time.perf_counter()
    again = ItemIndex.load(cache.conn)
    opened = time.perf_counter() - t0
    assert again.snapshot_state == "snapshot" and len(again) == len(idx)
    return {"n": len(idx), "build_s": built, "build_peak_mb": peak, "snapshot_open_s": opened,
            "snapshot_mb": sum(f.stat().st_size for f in snapshot_dir(cache_state(cache.conn)).rglob("*") if f.is_file()) / 2**20}


# --- the page ---------------------------------------------------------------------------

class Page:
    """The real map page offscreen, its bridge, and waiting for what it reports."""

    def __init__(self, app) -> None:
        from desktop.ui.map_view import MapView

        self.app = app
        self.view = MapView()
        self.view.resize(1000, 700)
        self.view.show()
        self.bridge = self.view.bridge
        self.views: list[dict] = []
        self.drawn: dict | None = None
        self.bridge.viewChanged.connect(self.views.append)
        self.bridge.rendered.connect(self._rendered)
        self._want = None
        self._loop = None

    def _rendered(self, r: dict) -> None:
        if self._want is not None and r["gen"] == self._want and r["mode"] in ("points", "density", "empty"):
            self.drawn = r
            self._want = None
            if self._loop is not None:
                self._loop.quit()

    def wait(self, pred, timeout_s: float = 60.0) -> bool:
        """Run the event loop until ``pred()`` holds, checking every 10 ms; the loop sleeps
        in between (a busy loop would hold the interpreter lock other threads need)."""
        deadline = time.perf_counter() + timeout_s
        while not pred() and time.perf_counter() < deadline:
            self.idle(0.01)
        return pred()

    def idle(self, seconds: float) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        QTimer.singleShot(max(1, int(seconds * 1000)), loop.quit)
        loop.exec()

    def run_js(self, script: str):
        """Evaluate a constant script on the page and return its result."""
        box: dict = {}
        self.view.page().runJavaScript(script, 0, lambda r: box.setdefault("r", r))
        self.wait(lambda: "r" in box, 10)
        return box.get("r")

    def set_units_design(self, design: str) -> None:
        """``new``: the page updates unit markers and tracks in place (what it does); ``old``:
        it throws them all away and builds them again on every message, as it used to."""
        flag = {"new": "false", "old": "true"}[design]
        assert self.run_js(f"sitmap.debug.unitsFullRebuild = {flag}; sitmap.layers.units.clear(); 1") == 1
        self.units_design = design

    units_design = "new"

    def show(self, res, units: bool = True) -> dict:
        """Send an update (the items; then the units, as the window does, when ``units``)
        and wait until the page reports it drew the items. With the ``old`` units design
        the tracks go as JSON [lat, lon] pairs, as the engine used to send them."""
        from PySide6.QtCore import QEventLoop, QTimer

        self.drawn = None
        self._want = res.gen
        self.bridge.send(res.page)
        if units:
            sent = res.units
            if self.units_design == "old":
                sent = [{**u, "track": unpack_track(u["track"])} for u in sent]
            self.bridge.send({"type": "units", "units": sent})
        if self._want is not None:
            self._loop = QEventLoop()
            QTimer.singleShot(30_000, self._loop.quit)
            self._loop.exec()
            self._loop = None
        if self.drawn is None:
            raise RuntimeError(f"the page did not draw update {res.gen}")
        return self.drawn

    def current_view(self) -> View:
        v = self.views[-1]
        return View(v["bounds"], v["zoom"], v["width"], v["height"])


def start(db: Path, t0: float) -> dict:
    """Cold start as the window does it; returns the pieces the measurements continue with."""
    from desktop.ui.app import make_app

    app = make_app()
    t_qt = time.time() - t0
    cache = Cache.open_readonly(db)
    box: dict = {}

    def load() -> None:
        s = time.perf_counter()
        box["index"] = ItemIndex.load(cache.conn)
        box["load_s"] = time.perf_counter() - s
        box["at"] = time.time() - t0

    th = threading.Thread(target=load, name="index-load")
    th.start()
    page = Page(app)
    page.wait(lambda: page.bridge.is_ready and page.views, 60)
    t_page = time.time() - t0
    th.join()
    idx = box["index"]
    data = MapData(idx, cache.conn)
    span = idx.span()
    s = time.perf_counter()
    res = data.compute(Request(gen=1, flt=Filter(start_ms=span[0], end_ms=span[1] + 1), view=page.current_view()))
    compute_s = time.perf_counter() - s
    drew = page.show(res)
    return {"app": app, "page": page, "cache": cache, "index": idx, "data": data, "cold": {
        "first_frame_s": time.time() - t0, "qt_ready_s": t_qt, "page_ready_s": t_page, "index_ready_s": box["at"],
        "index_load_s": box["load_s"], "snapshot": idx.snapshot_state, "first_compute_s": compute_s,
        "first_mode": drew["mode"], "n": len(idx)}}


# --- measurements -------------------------------------------------------------------------

def shown(drew: dict) -> int:
    return drew["points"] if drew["mode"] == "points" else drew["cell_total"]


def step(ctx: dict, gen: int, flt: Filter, areas=(), units: bool = True) -> dict:
    data, page = ctx["data"], ctx["page"]
    t0 = time.perf_counter()
    res = data.compute(Request(gen=gen, flt=flt, view=page.current_view(), areas=areas))
    t1 = time.perf_counter()
    drew = page.show(res, units)
    t2 = time.perf_counter()
    items = len(json.dumps(res.page, separators=(",", ":")))
    return {"res": res, "drew": drew, "e2e_ms": (t2 - t0) * 1000, "compute_ms": (t1 - t0) * 1000,
            "page_ms": drew["ms"], "cells": drew["cells"], "points": drew["points"], "bytes": items}


def check(ctx: dict, r: dict, ref_conn) -> bool:
    """What the page counted equals the cache's own count for the same filter and view box."""
    res, drew = r["res"], r["drew"]
    flt = res.flt.with_(bbox=tuple(res.page["bbox"]))
    return shown(drew) == drew["total"] == count(ref_conn, flt) and res.total == count(ref_conn, res.flt)


def slider(ctx: dict, steps: int, start_ms: int, gen0: int, ref_conn=None, units: bool = True,
           pace_s: float = 0.0, between=None) -> dict:
    """Move a one-hour window a minute at a time. ``pace_s`` spaces the steps (a hand on the
    slider); ``between(deadline)`` does other work until the next step is due and returns
    how late (s) it finished, which the next step waited for and is counted in."""
    out, ok, late = [], True, 0.0
    for i in range(steps):
        began = time.perf_counter()
        s = start_ms + i * STEP_MS
        r = step(ctx, gen0 + i, Filter(start_ms=s, end_ms=s + WINDOW_MS), units=units)
        r["e2e_ms"] += late * 1000
        if ref_conn is not None and i in (0, steps // 2, steps - 1):
            ok &= check(ctx, r, ref_conn)
        r["total"] = r.pop("res").total  # keep numbers only: results hold the feed's id arrays
        del r["drew"]
        out.append(r)
        if between is not None:
            late = between(began + pace_s)
        elif began + pace_s > time.perf_counter():
            ctx["page"].idle(began + pace_s - time.perf_counter())
    e2e = [r["e2e_ms"] for r in out]
    return {"p50_ms": pct(e2e, 50), "p95_ms": pct(e2e, 95), "max_ms": max(e2e), "e2e": e2e,
            "compute_p50_ms": pct([r["compute_ms"] for r in out], 50),
            "compute_p95_ms": pct([r["compute_ms"] for r in out], 95),
            "page_p50_ms": pct([r["page_ms"] for r in out], 50),
            "max_cells": max(r["cells"] for r in out), "max_points": max(r["points"] for r in out),
            "max_bytes": max(r["bytes"] for r in out), "window_items": int(out[-1]["total"]),
            "correct": bool(ok), "steps": steps}


def slider_designs(ctx: dict, steps: int, start_ms: int, gen0: int, block: int = 20) -> dict:
    """The slider with units and tracks, the page's old design (rebuild everything on each
    units message, tracks as JSON pairs) against its new one (update in place, packed
    tracks), in alternating blocks over the same windows, so both see the same data and
    the same state of the machine. Returns {"old": stats, "new": stats}."""
    page = ctx["page"]
    runs: dict = {"old": [], "new": []}
    gen = gen0
    for b0 in range(0, steps, block):
        n = min(block, steps - b0)
        for design in ("old", "new"):
            page.set_units_design(design)
            slider(ctx, 2, start_ms + (b0 - 2) * STEP_MS, gen)  # the first message after a switch builds everything
            runs[design].append(slider(ctx, n, start_ms + b0 * STEP_MS, gen + 2))
            gen += n + 2
    page.set_units_design("new")
    out = {}
    for design, rs in runs.items():
        e2e = [x for r in rs for x in r["e2e"]]
        out[design] = {"p50_ms": pct(e2e, 50), "p95_ms": pct(e2e, 95), "max_ms": max(e2e), "steps": len(e2e),
                       "compute_p50_ms": float(np.median([r["compute_p50_ms"] for r in rs])),
                       "page_p50_ms": float(np.median([r["page_p50_ms"] for r in rs])), "block": block,
                       "e2e": [round(x, 2) for x in e2e]}
    return out


def districts() -> tuple:
    from desktop.core.geo import areas_from_file

    return tuple(a for code in DISTRICTS for a in areas_from_file(BOUNDARIES, f"code={code}"))


def polygon(ctx: dict, gen: int, areas: tuple, start_ms: int, ref_conn=None) -> dict:
    """Apply the district filter (listed as the window lists them, for per-area counts)."""
    flt = Filter(start_ms=start_ms, end_ms=start_ms + WINDOW_MS, areas=areas)
    r = step(ctx, gen, flt, areas)
    out = {"e2e_ms": r["e2e_ms"], "compute_ms": r["compute_ms"], "total": r["res"].total}
    if ref_conn is not None:
        out["correct"] = check(ctx, r, ref_conn) and all(
            r["res"].area_counts[a.name] == count(ref_conn, flt.with_(areas=(a,))) for a in areas)
    return out


def triage_filter(ctx: dict, db: Path, gen: int, start_ms: int, steps: int = 15) -> dict:
    """A triage filter (verified or false, urgent or critical) over the one-hour window:
    the index's answer end to end against the cache's SQL for the same filter, same run.
    One item in ten gets a triage row first (written once per cache, straight into the
    table as an import of many triage rows would)."""
    from desktop.cache.query import count as sql_count

    with Cache.open(db) as c:
        if c.conn.execute("SELECT count(*) FROM triage").fetchone()[0] == 0:
            with c.conn:
                c.conn.execute(
                    "INSERT INTO triage (item_id, state, priority, updated_ms, updated_by) "
                    "SELECT id, CASE id % 4 WHEN 0 THEN 'verified' WHEN 1 THEN 'false' WHEN 2 THEN 'review' "
                    "ELSE 'duplicate' END, CASE id % 3 WHEN 0 THEN 'urgent' WHEN 1 THEN 'critical' "
                    "ELSE 'routine' END, 0, 'benchmark' FROM items WHERE id % 10 = 0")
                c.conn.execute("INSERT INTO triage_history (item_id, t_ms, by, state) "
                               "VALUES (0, 0, 'benchmark', 'new')")  # moves the stamp: the index catches up
    e2e, sql, ok = [], [], True
    ref = Cache.open_readonly(db).conn
    try:
        for i in range(steps):
            s = start_ms + i * STEP_MS
            flt = Filter(start_ms=s, end_ms=s + WINDOW_MS, states=("verified", "false"),
                         priorities=("urgent", "critical"))
            r = step(ctx, gen + i, flt, units=False)
            e2e.append(r["e2e_ms"])
            t0 = time.perf_counter()
            n = sql_count(ref, flt)
            sql.append((time.perf_counter() - t0) * 1000)
            ok &= r["res"].total == n
    finally:
        ref.close()
    return {"p50_ms": pct(e2e, 50), "p95_ms": pct(e2e, 95), "sql_p50_ms": pct(sql, 50), "correct": bool(ok),
            "total": int(r["res"].total)}


def verify(ctx: dict, ref_conn, areas: tuple, s0: int, gen0: int) -> bool:
    """After the timed runs (the reference queries would otherwise count in the memory
    peak): the page's counts against ``desktop.cache.query.count`` for a few windows and the
    district filter."""
    ok = True
    for i, s in enumerate((s0, s0 + 50 * STEP_MS, s0 + 99 * STEP_MS)):
        ok &= check(ctx, step(ctx, gen0 + i, Filter(start_ms=s, end_ms=s + WINDOW_MS)), ref_conn)
    return ok and polygon(ctx, gen0 + 10, areas, s0, ref_conn)["correct"]


def writer_alone(db: Path, ctx: dict, seconds: float, rate: int) -> float:
    """What the cache writer manages with the map idle (the live feed, nothing else)."""
    feed = LiveFeed(db, ctx["index"].span()[1] + 1000, rate, seed=7)
    feed.prepare(int(rate * (seconds + 5)))
    t0 = time.perf_counter()
    feed.start()
    ctx["page"].idle(seconds)
    written, wall = feed.written, time.perf_counter() - t0
    feed.stop()
    return written / wall


def live(ctx: dict, db: Path, seconds: float, rate: int, start_ms: int, gen0: int, ref_conn) -> dict:
    """Ingest demo rows stamped 'now' at ``rate`` items/s while the slider steps ten times a
    second. Between steps the index merges what was committed, in bites of at most
    APPEND_LIMIT rows, as the query worker does between requests: a step that comes due
    while a bite runs waits for it, and that wait is part of its latency."""
    data, idx, page = ctx["data"], ctx["index"], ctx["page"]
    n0 = len(idx)
    feed = LiveFeed(db, idx.span()[1] + 1000, rate)
    feed.prepare(int(rate * (seconds + 10)))
    appends: list[float] = []
    rows: list[int] = []

    seen = {"commits": 0, "more": False}

    def between(deadline: float) -> float:
        while time.perf_counter() < deadline:
            # The worker hears of each commit (the live writer's listener); it keeps biting
            # while a bite came back full.
            if feed.commits != seen["commits"] or seen["more"]:
                seen["commits"] = feed.commits
                t = time.perf_counter()
                got = data.append_new(APPEND_LIMIT)
                seen["more"] = got == APPEND_LIMIT
                if got:
                    appends.append((time.perf_counter() - t) * 1000)
                    rows.append(got)
            elif deadline > time.perf_counter():
                page.idle(min(0.02, deadline - time.perf_counter()))
        return max(0.0, time.perf_counter() - deadline)

    feed.start()
    t0 = time.perf_counter()
    results = []
    i = 0
    while time.perf_counter() - t0 < seconds:
        results.append(slider(ctx, 20, start_ms + (i % 5) * 20 * STEP_MS, gen0 + i * 20, pace_s=LIVE_PACE_S,
                              between=between))
        i += 1
    written = feed.written
    wall = time.perf_counter() - t0
    behind = feed.written + n0 - len(idx)  # committed but not merged yet when the stepping stopped
    feed.stop()
    while data.append_new(APPEND_LIMIT):
        pass
    final = step(ctx, gen0 + i * 20 + 1, Filter(start_ms=start_ms, end_ms=start_ms + WINDOW_MS))
    in_index = len(idx) - n0
    e2e = [x for r in results for x in r["e2e"]]
    return {"written": written, "seconds": wall, "rate": written / wall, "target_rate": rate,
            "indexed": in_index, "behind_at_end": behind, "append_p50_ms": pct(appends, 50),
            "append_p95_ms": pct(appends, 95), "appends": len(appends), "batches": feed.commits,
            "append_limit": APPEND_LIMIT, "append_rows_per_s": sum(rows) / (sum(appends) / 1000) if appends else 0.0,
            "slider_p50_ms": pct(e2e, 50), "slider_p95_ms": pct(e2e, 95), "slider_steps": len(e2e),
            "error": feed.error, "pace_s": LIVE_PACE_S, "correct": in_index == feed.written and check(ctx, final, ref_conn)}


def window_points(idx: ItemIndex, start_ms: int) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = idx.time_slice(start_ms, start_ms + WINDOW_MS)
    lat, lon = idx.lat64[lo:hi], idx.lon64[lo:hi]
    ok = ~np.isnan(lat)
    return lat[ok], lon[ok]


def measure(db: Path, t0: float, opts: argparse.Namespace) -> dict:
    from benchmarks import interactive_peers as peers

    ctx = start(db, t0)
    out = {"cold": ctx["cold"]}
    idx = ctx["index"]
    ref = Cache.open_readonly(db).conn
    span = idx.span()
    s0 = span[0] + 2 * WINDOW_MS  # the afternoon's busiest hours
    slider(ctx, 5, s0 - 10 * STEP_MS, 10)  # warm up (first passes fault pages in)
    out["slider"] = slider(ctx, opts.steps, s0, 100, units=False)  # filter -> page has drawn the items
    # Plus units and tracks, as the window sends them: the page's design now and before.
    designs = slider_designs(ctx, opts.steps, s0, 400)
    out["slider_units"], out["slider_units_old"] = designs["new"], designs["old"]
    out["slider"].pop("e2e")
    out["unit_update"] = json.loads(ctx["page"].run_js("JSON.stringify(sitmap.state.unitUpdate || null)") or "null")
    areas = districts()
    out["polygon"] = polygon(ctx, 1000, areas, s0)
    out["triage"] = triage_filter(ctx, db, 1200, s0)
    out["rss_mb"], out["peak_rss_mb"] = rss_mb()
    out["rss_parts"] = rss_parts()
    out["tree"] = tree_memory()  # with the QtWebEngine renderer and GPU processes
    out["correct"] = verify(ctx, ref, areas, s0, 1100)
    if opts.live_seconds > 0:
        out["live"] = live(ctx, db, opts.live_seconds, opts.live_rate, s0, 5000, ref)
        out["rss_after_live_mb"] = rss_mb()[0]
        out["tree_after_live"] = tree_memory()
        # The same writer with the map idle, its caches as warm as at the end of the run above.
        out["writer_alone_rate"] = writer_alone(db, ctx, min(10.0, opts.live_seconds), opts.live_rate)
    if opts.peers:
        lat, lon = window_points(idx, s0)
        screen = max(out["slider"]["max_cells"], out["slider"]["max_points"], 1)
        out["folium_screen"] = peers.folium_screenful(ctx["app"], lat[:screen], lon[:screen], Path(opts.tmp))
        out["folium"] = peers.folium_peer(ctx["app"], lat, lon, Path(opts.tmp))
        # The same points Sitmap's district filter decided: the window's placed items.
        out["geopandas"] = peers.geopandas_peer(lat, lon, areas)
    ctx["page"].view.shutdown()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("build", "cold", "measure"))
    ap.add_argument("db", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--t0", type=float, default=None)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--live-seconds", type=float, default=15.0)
    ap.add_argument("--live-rate", type=int, default=20_000)
    ap.add_argument("--peers", action="store_true")
    ap.add_argument("--tmp", default="/tmp")
    a = ap.parse_args()
    t0 = a.t0 or time.time()
    if a.mode == "build":
        res = build(a.db)
    elif a.mode == "cold":
        ctx = start(a.db, t0)
        res = {"cold": ctx["cold"], "rss_mb": rss_mb()[0]}
        ctx["page"].view.shutdown()
    else:
        res = measure(a.db, t0, a)
    a.out.write_text(json.dumps(res, indent=1, default=float))
    os._exit(0)  # skip Qt's teardown: nothing is left to save, and it can take seconds


if __name__ == "__main__":
    main()
