"""What a units message costs the window's thread per result, before and after it was
serialised on the query worker and sent only when it changed.

    .venv/bin/python -m benchmarks.units_bridge [--units 500] [--points 301] [--repeat 200]

The units are as ``UnitTracks.window`` gives them (packed tracks of ``--points`` points).
Old: ``Bridge.send`` ran ``json.dumps`` on the window's thread for every result. New: the
worker serialises (``mapdata.page_json``, off the window's thread) and the window compares
the text with the last one sent (``Bridge.send_text``), sending only a change.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from desktop.engine.mapdata import page_json  # noqa: E402
from desktop.engine.unit_tracks import pack_track  # noqa: E402


def make_units(n: int, points: int, shift: int = 0) -> list[dict]:
    rng = np.random.default_rng(7)
    out = []
    for k in range(n):
        lat = 37.55 + np.cumsum(rng.normal(0, 1e-4, points + shift))[shift:]
        lon = 126.97 + np.cumsum(rng.normal(0, 1e-4, points + shift))[shift:]
        out.append({"uid": f"U-{k}", "track": pack_track(lat, lon), "callsign": f"순찰{k}", "t_ms": 1_777_000_000_000 + shift,
                    "lat": float(lat[-1]), "lon": float(lon[-1]), "team": "Cyan", "course": 45.0, "speed": 1.2,
                    "stale_ms": None, "emergency": False, "stale": False})
    return out


def timed(fn, repeat: int) -> float:
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--units", type=int, default=500)
    ap.add_argument("--points", type=int, default=301)
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args(argv)
    units = make_units(args.units, args.points)
    moved = make_units(args.units, args.points, shift=1)
    msg, moved_msg = {"type": "units", "units": units}, {"type": "units", "units": moved}
    text, moved_text = page_json(msg), page_json(moved_msg)
    same = page_json({"type": "units", "units": [dict(u) for u in units]})
    old = timed(lambda: json.dumps(msg, ensure_ascii=False, separators=(",", ":")), args.repeat)
    worker = timed(lambda: page_json(msg), args.repeat)
    unchanged = timed(lambda: same == text, args.repeat)
    changed = timed(lambda: moved_text == text, args.repeat)
    rows = [("old: json.dumps on the window's thread, every result", f"{old:.3f}", "-"),
            ("new: units unchanged (text compared, nothing sent)", f"{unchanged:.3f}", f"{worker:.3f}"),
            ("new: units moved (text compared, sent as is)", f"{changed:.3f}", f"{worker:.3f}")]
    print(f"{args.units} units, tracks of {args.points} points, message {len(text) / 1e6:.2f} MB; "
          f"load average {' / '.join(f'{v:.2f}' for v in os.getloadavg())}\n")
    head = ("design", "window thread ms (median)", "worker thread ms")
    w = [max(len(r[i]) for r in rows + [head]) for i in range(3)]
    print("  ".join(h.ljust(w[i]) if i == 0 else h.rjust(w[i]) for i, h in enumerate(head)))
    print("  ".join("-" * x for x in w))
    for r in rows:
        print("  ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(r)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
