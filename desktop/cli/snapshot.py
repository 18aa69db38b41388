"""``sitmap snapshot --out PNG [filter]``: the map rendered offscreen by the real page."""

from __future__ import annotations

import os
import sys

from desktop.cli.common import EXIT_ERROR, EXIT_OK, add_db, add_filter_args, db_path, err, filter_from_args


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError("--size takes WIDTHxHEIGHT, e.g. 1600x1000") from None
    if not (64 <= w <= 8192 and 64 <= h <= 8192):
        raise ValueError("--size: each side must be between 64 and 8192 pixels")
    return w, h


def run(args) -> int:
    from pathlib import Path

    from desktop.cache import Cache

    size = parse_size(args.size)
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    db = db_path(args)
    with Cache.open_readonly(db) as cache:
        flt = filter_from_args(args, cache)
    from desktop.ui.snapshot import SnapshotFailed, run_snapshot

    try:
        info = run_snapshot(db, flt, Path(args.out), size, args.zoom_to)
    except SnapshotFailed as exc:
        err(f"snapshot failed: {exc}")
        return EXIT_ERROR
    print(f"{args.out}: {flt.describe()} — {info['total']} items, {info['in_view']} in view")
    return EXIT_OK


def register(sub) -> None:
    sn = sub.add_parser("snapshot", help="render the map offscreen to a PNG")
    add_db(sn)
    add_filter_args(sn)
    sn.add_argument("--out", required=True, metavar="PNG")
    sn.add_argument("--size", default="1600x1000", metavar="WxH")
    sn.add_argument("--zoom-to", choices=["items", "areas", "all"], default="items")
    sn.set_defaults(func=run)
