"""``sitmap report --out sitrep.pdf [filter] [--lang ko|en] [--operator NAME] [--purpose TEXT]``:
the situation report of a period as a PDF, with the map rendered offscreen by the real page."""

from __future__ import annotations

import os
import sys

from desktop.cli.common import (EXIT_OK, add_audit_args, add_db, add_filter_args, audit, audit_head, db_path, err,
                                filter_from_args, item_ranges)


def run(args) -> int:
    import tempfile
    from pathlib import Path

    from desktop.cache import Cache
    from desktop.report import build_report

    out = Path(args.out)
    if not out.parent.is_dir():
        raise ValueError(f"--out: the folder {out.parent} does not exist")
    operator = args.operator if args.operator is not None else os.environ.get("SITMAP_OPERATOR", "")
    db = db_path(args)
    with Cache.open_readonly(db) as cache:
        flt = filter_from_args(args, cache)
    with tempfile.TemporaryDirectory(prefix="sitmap-report-") as tmp:
        png = None
        if not args.no_map:
            if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
                os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
            from desktop.ui.snapshot import SnapshotFailed, run_snapshot

            png = Path(tmp) / "map.png"
            try:
                run_snapshot(db, flt, png, (1400, 1000), "items")
            except SnapshotFailed as exc:
                err(f"note: the map could not be rendered ({exc}); the report has no map")
                png = None
        with Cache.open_readonly(db) as cache:
            data = build_report(cache.conn, flt, out, lang=args.lang, operator=operator, purpose=args.purpose,
                                map_png=png, audit_head=audit_head(args))
            items = item_ranges(cache.conn, flt)
    entry = audit(args, "disclose", objects={"filter": flt.describe(), "items": items},
                  detail={"format": "report", "file": str(out), "count": data.total, "lang": args.lang})
    print(f"{out}: {flt.describe()} — {data.total} items, {len(data.incidents)} incidents, "
          f"{len(data.alerts)} alerts")
    print(f"audit head {entry.seq}:{entry.hash} (this report's entry; the PDF has the head before it)")
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("report", help="write the situation report of a period as a PDF")
    add_db(p)
    add_filter_args(p)
    p.add_argument("--out", required=True, metavar="PDF", help="the PDF to write (replaced when complete)")
    p.add_argument("--lang", choices=["ko", "en"], default="ko", help="the report's language (default ko)")
    p.add_argument("--operator", metavar="NAME", default=None,
                   help="who makes the report (default: $SITMAP_OPERATOR)")
    p.add_argument("--purpose", metavar="TEXT", default="", help="what the report is for")
    p.add_argument("--no-map", action="store_true", help="leave the map out (no offscreen page)")
    add_audit_args(p)
    p.set_defaults(func=run)
