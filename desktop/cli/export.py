"""``sitmap export --format F --out FILE [filter]``: the items a filter selects, as a file
for another tool (GeoJSON, CSV for Excel, GeoPackage, KML or KMZ for Google Earth)."""

from __future__ import annotations

import sys
import time

from desktop.cli.common import EXIT_OK, add_audit_args, add_db, add_filter_args, audit, db_path, err, filter_from_args


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


def run(args) -> int:
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
            res = export(cache.conn, flt, fmt, args.out, progress=progress)
        finally:
            if progress is not None:
                progress.end()
    audit(args, "disclose", objects={"filter": flt.describe()},
          detail={"format": res.format, "file": str(res.path), "count": res.count, "matched": res.matched})
    print(res.summary())
    return EXIT_OK


def register(sub) -> None:
    from desktop.cli.evidence import add_package_args
    from desktop.exports import FORMATS

    p = sub.add_parser("export", help="write the items a filter selects to a GeoJSON, CSV, GeoPackage, KML or KMZ file")
    add_db(p)
    add_filter_args(p)
    p.add_argument("--format", choices=list(FORMATS), default=None,
                   help="file format (default: from the file name's ending)")
    p.add_argument("--out", metavar="FILE", required=True,
                   help="the file to write; it appears only when complete")
    p.add_argument("--progress", action="store_true", help="show progress on standard error")
    p.add_argument("--evidence", action="store_true",
                   help="write an evidence package (a .zip with a manifest of hashes) instead, as sitmap evidence")
    add_package_args(p)
    add_audit_args(p)
    p.set_defaults(func=run)
