"""``sitmap import FILE…``: read files into the cache, one transaction per file."""

from __future__ import annotations

import sys
import time

from desktop.cli.common import EXIT_ERROR, EXIT_OK, add_audit_args, add_db, audit, audit_fields, db_path, err


def run(args) -> int:
    from desktop.cache import Cache
    from desktop.core import purposes
    from desktop.importers import FORMATS, import_file
    from desktop.importers.base import ImportFailed, ImportOptions

    if args.format and args.format not in FORMATS:
        raise ValueError(f"--format must be one of: {', '.join(FORMATS)}")
    opts = ImportOptions(tz=args.tz, source=args.source, time_field=args.time_field, text_field=args.text_field,
                         author_field=args.author_field, id_field=args.id_field, lat_field=args.lat_field,
                         lon_field=args.lon_field, keep_raw=args.keep_raw, encoding=args.encoding,
                         geoparse=not args.no_geoparse)
    operator, purpose, case_ref = audit_fields(args)
    # No purpose, no collection: refused before the cache is opened, so nothing changes.
    purposes.require(purpose, f"importing {', '.join(args.files)}", case_ref)
    cache = Cache.open(db_path(args))
    failed = 0
    try:
        for f in args.files:
            t0 = time.perf_counter()
            last = [0.0]

            def progress(n: int, f=f) -> None:
                now = time.perf_counter()
                if args.progress or (sys.stderr.isatty() and now - last[0] > 0.5):
                    last[0] = now
                    end = "\n" if args.progress else "\r"
                    print(f"{f}: {n} records read…", end=end, file=sys.stderr, flush=True)

            try:
                res = import_file(cache, f, fmt=args.format, options=opts, progress=progress, operator=operator,
                                  purpose=purpose, case_ref=case_ref)
            except ImportFailed as exc:
                failed += 1
                err(f"rejected {exc} (nothing from this file was stored)")
                continue
            dt = time.perf_counter() - t0
            batch = cache.conn.execute("SELECT max(id) FROM batches WHERE path = ?", (res.path,)).fetchone()[0]
            s = res.stats
            audit(args, "collect", objects={"file": res.path, "batch": batch},
                  detail={"format": res.format, "new": s.accepted, "duplicates": s.duplicates, "skipped": s.skipped,
                          "withdrawn": s.deleted, "units": s.units})
            print(f"{res.summary()} in {dt:.2f} s")
            for note in res.stats.notes:
                print(f"  note: {note}")
            for sk in res.skips[: args.show_skips]:
                print(f"  skipped {sk}")
            if res.stats.skipped > args.show_skips:
                print(f"  … {res.stats.skipped - args.show_skips} more skipped (--show-skips N lists more)")
    finally:
        cache.close()
    return EXIT_ERROR if failed else EXIT_OK


def register(sub) -> None:
    i = sub.add_parser("import", help="import files into the cache")
    add_db(i)
    i.add_argument("files", nargs="+", metavar="FILE")
    i.add_argument("--format", help="force a format instead of detecting it")
    i.add_argument("--tz", help="zone for times written without one (default Asia/Seoul, announced)")
    i.add_argument("--source", help="source name for GeoJSON/CSV/KML items")
    for fld in ("time", "text", "author", "id", "lat", "lon"):
        i.add_argument(f"--{fld}-field", metavar="NAME", help=f"property/column holding the {fld}")
    i.add_argument("--encoding", help="text encoding for CSV (default: UTF-8, else CP949)")
    i.add_argument("--keep-raw", action="store_true", help="also store each record's original payload (off: keep less)")
    i.add_argument("--progress", action="store_true", help="print progress lines")
    i.add_argument("--no-geoparse", action="store_true",
                   help="do not place posts without coordinates from their text (see sitmap geoparse)")
    i.add_argument("--show-skips", type=int, default=20, metavar="N", help="list up to N skipped records")
    add_audit_args(i)
    i.set_defaults(func=run)
