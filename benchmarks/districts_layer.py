"""Does the built-in district layer slow the time slider? The same slider steps with the
layer shown and hidden, in alternating blocks (so the machine's load hits both alike),
on the real page offscreen over the 100k demo cache that benchmarks.interactive writes.

    .venv/bin/python -m benchmarks.districts_layer [--steps 120] [--zoom 12]

Prints the median and 95th percentile of a step (filter -> page drew the items) and the
page's own drawing time for each, and how often the district canvas was redrawn during
the steps (it must be 0: it redraws on zoom and pan only). Well under a minute.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> int:
    import os
    import time

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from benchmarks import interactive_child as ch

    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "var" / "benchmarks" / "demo-100k.db"))
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--block", type=int, default=20)
    ap.add_argument("--zoom", type=int, default=12)
    args = ap.parse_args()
    if not Path(args.db).exists():
        raise SystemExit(f"{args.db}: write it first with .venv/bin/python -m benchmarks.interactive --sizes 100k")
    ctx = ch.start(Path(args.db), time.time())
    page = ctx["page"]
    page.bridge.send({"type": "view", "center": [37.5663, 126.9779], "zoom": args.zoom})
    page.wait(lambda: page.views and page.views[-1]["zoom"] == args.zoom, 20)
    page.wait(lambda: page.run_js("sitmap.state.basemap.districts.labelCount") or 0, 20)
    page.idle(1.0)
    span = ctx["index"].span()
    s0 = span[0] + 2 * ch.WINDOW_MS
    ch.slider(ctx, 5, s0 - 10 * ch.STEP_MS, 10, units=False)  # warm up
    runs = {"shown": [], "hidden": []}
    redraws = {"shown": 0, "hidden": 0}
    gen = 100
    for b in range(args.steps // args.block):
        mode = "shown" if b % 2 == 0 else "hidden"
        page.bridge.send({"type": "builtinDistricts", "show": mode == "shown"})
        page.idle(0.3)
        r0 = page.run_js("sitmap.state.basemap.districts.redraws")
        r = ch.slider(ctx, args.block, s0 + b * args.block * ch.STEP_MS, gen, units=False)
        redraws[mode] += page.run_js("sitmap.state.basemap.districts.redraws") - r0
        gen += args.block + 1
        runs[mode].append(r)
    out = {}
    for mode, rs in runs.items():
        e2e = [x for r in rs for x in r["e2e"]]
        out[mode] = {"steps": len(e2e), "p50_ms": round(ch.pct(e2e, 50), 1), "p95_ms": round(ch.pct(e2e, 95), 1),
                     "page_p50_ms": round(sum(r["page_p50_ms"] for r in rs) / len(rs), 1),
                     "district_redraws_during_steps": int(redraws[mode])}
    out["zoom"] = args.zoom
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, ensure_ascii=False, indent=1))
    page.view.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
