"""``sitmap export --format F --out FILE [filter]``: the items a filter selects, as a file
for another tool (GeoJSON, CSV for Excel, GeoPackage, KML or KMZ for Google Earth);
``--tak-package FILE.zip`` a TAK data package (posts as KML, areas and incidents as CoT)."""

from __future__ import annotations

import sys
import time

from desktop.cli.common import (EXIT_OK, add_audit_args, add_db, add_filter_args, audit, audit_head, db_path, err,
                                filter_from_args, item_ranges)


class _Progress:
    """A one-line progress meter on stderr, redrawn at most five times a second."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.2 and done < total:
            return
        self.last = now
        pct = f" ({done * 100 // total}%)" if total else ""
        print(f"\rsitmap: {done:,} of {total:,} items{pct}", end="", file=sys.stderr, flush=True)

    def end(self) -> None:
        if self.last:
            print(file=sys.stderr)


def run_tak_package(args) -> int:
    """``--tak-package FILE.zip``: the posts the filter selects as KML and the saved areas
    and open incidents as CoT shapes (as ``sitmap listen --publish-shapes`` sends them)."""
    from desktop.cache import Cache
    from desktop.exports import check_out
    from desktop.exports.takpackage import export_package
    from desktop.live.shapes import ensure_station, shape_event, shapes_of, station_of

    out = args.tak_package
    check_out(out)
    with Cache.open_readonly(db_path(args)) as cache:
        station = station_of(cache.conn)
    if station is None:  # the first time this cache names its shapes: kept, so the uids stay the same
        with Cache.open(db_path(args), create=False) as cache:
            station = ensure_station(cache.conn)
    progress = _Progress() if args.progress else None
    with Cache.open_readonly(db_path(args)) as cache:
        flt = filter_from_args(args, cache)
        err(flt.describe())
        shapes = [(s.uid, shape_event(s)) for s in shapes_of(cache.conn, station)]
        try:
            res, n_shapes = export_package(cache.conn, flt, out, shapes=shapes, progress=progress)
        finally:
            if progress is not None:
                progress.end()
        items = item_ranges(cache.conn, flt)
    entry = audit(args, "disclose", objects={"filter": flt.describe(), "items": items},
                  detail={"format": "tak-package", "file": str(res.path), "count": res.count, "matched": res.matched,
                          "shapes": n_shapes})
    print(f"{res.summary()}, with {n_shapes} shape{'s' if n_shapes != 1 else ''} (saved areas, open incidents) "
          "as a TAK data package")
    print(f"audit head {entry.seq}:{entry.hash} (this export's entry; note it to check the trail later)")
    return EXIT_OK


def run(args) -> int:
    if args.tak_package:
        if args.out or args.evidence:
            raise ValueError("--tak-package writes its own file: give it without --out or --evidence")
        return run_tak_package(args)
    if not args.out:
        raise ValueError("say where to write: --out FILE (or --tak-package FILE.zip)")
    if args.evidence:  # the evidence package: `sitmap evidence` does it
        from desktop.cli.evidence import run_evidence

        return run_evidence(args)
    from desktop.cache import Cache
    from desktop.exports import check_out, export, format_for

    fmt = format_for(args.out, args.format)
    check_out(args.out)  # before anything is read: a wrong folder is one line
    progress = _Progress() if args.progress else None
    with Cache.open_readonly(db_path(args)) as cache:
        flt = filter_from_args(args, cache)
        err(flt.describe())
        try:
            res = export(cache.conn, flt, fmt, args.out, progress=progress, audit_head=audit_head(args))
        finally:
            if progress is not None:
                progress.end()
        items = item_ranges(cache.conn, flt)
    entry = audit(args, "disclose", objects={"filter": flt.describe(), "items": items},
                  detail={"format": res.format, "file": str(res.path), "count": res.count, "matched": res.matched})
    print(res.summary())
    print(f"audit head {entry.seq}:{entry.hash} (this export's entry; note it to check the trail later)")
    return EXIT_OK


def register(sub) -> None:
    from desktop.cli.evidence import add_package_args
    from desktop.exports import FORMATS

    p = sub.add_parser("export", help="write the items a filter selects to a GeoJSON, CSV, GeoPackage, KML or KMZ file")
    add_db(p)
    add_filter_args(p)
    p.add_argument("--format", choices=list(FORMATS), default=None,
                   help="file format (default: from the file name's ending)")
    p.add_argument("--out", metavar="FILE", default=None,
                   help="the file to write; it appears only when complete")
    p.add_argument("--tak-package", metavar="FILE.zip", default=None,
                   help="write a TAK data package instead: the posts as KML, saved areas and open incidents as CoT "
                        "shapes, with MANIFEST/manifest.xml (ATAK and WinTAK import it)")
    p.add_argument("--progress", action="store_true", help="show progress on standard error")
    p.add_argument("--evidence", action="store_true",
                   help="write an evidence package (a .zip with a manifest of hashes) instead, as sitmap evidence")
    add_package_args(p)
    add_audit_args(p)
    p.set_defaults(func=run)
