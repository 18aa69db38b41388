"""``sitmap replay-video --out march.gif|.mp4 --from … --to … --step 1min [--window 30min]``:
the map over time, one frame per step, rendered offscreen by the real page."""

from __future__ import annotations

import os
import re
import sys

from desktop.cli.common import EXIT_OK, add_db, add_filter_args, db_path, err, filter_from_args

_UNITS = {"ms": 1, "s": 1000, "sec": 1000, "m": 60_000, "min": 60_000, "h": 3_600_000, "hr": 3_600_000,
          "d": 86_400_000}


def parse_duration(text: str, option: str) -> int:
    """'1min', '30s', '2h', '90' (seconds) → milliseconds; ValueError naming the option."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", (text or "").lower())
    if not m or m.group(2) not in ("", *_UNITS):
        raise ValueError(f"{option} takes a duration such as 30s, 1min, 15m, 2h or 1d, not {text!r}")
    ms = int(round(float(m.group(1)) * _UNITS.get(m.group(2) or "s")))
    if ms <= 0:
        raise ValueError(f"{option} must be longer than zero")
    return ms


def run(args) -> int:
    from pathlib import Path

    from desktop.cache import Cache
    from desktop.cache.query import time_span
    from desktop.cli.snapshot import parse_size
    from desktop.core.timefmt import fmt

    size = parse_size(args.size)
    step = parse_duration(args.step, "--step")
    window = parse_duration(args.window, "--window") if args.window else None
    if not 0.1 <= args.fps <= 60:
        raise ValueError("--fps must be between 0.1 and 60")
    db = db_path(args)
    with Cache.open_readonly(db) as cache:
        flt = filter_from_args(args, cache)
        span = time_span(cache.conn)
    if span is None:
        raise ValueError(f"{db}: the cache holds no items")
    start = flt.start_ms if flt.start_ms is not None else span[0]
    end = flt.end_ms if flt.end_ms is not None else span[1] + 1
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.ui.video import Frame, frame_windows, write_video

    zone = args.tz or "Asia/Seoul"
    span_text = "since " + fmt(start, zone, date=False).split(" ")[0] if window is None else f"last {args.window}"
    frames = [Frame(a, b, f"{fmt(b, zone)} · {span_text}") for a, b in frame_windows(start, end, step, window)]
    err(f"{len(frames)} frames: {flt.with_(start_ms=start, end_ms=end).describe(zone)}")
    n = write_video(db, flt, frames, Path(args.out), size, args.fps)
    print(f"{args.out}: {n} frames, {size[0]}x{size[1]}, {args.fps:g} frames a second")
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("replay-video", help="render the map over time to a GIF or MP4")
    add_db(p)
    add_filter_args(p)
    p.add_argument("--out", required=True, metavar="FILE.gif|FILE.mp4")
    p.add_argument("--step", default="1min", help="time between frames (30s, 1min, 15m, 1h…; default 1min)")
    p.add_argument("--window", default=None,
                   help="each frame shows the items of this long before its time (default: all since --from)")
    p.add_argument("--size", default="960x600", metavar="WxH")
    p.add_argument("--fps", type=float, default=4.0, help="frames a second in the video (default 4)")
    p.set_defaults(func=run)
