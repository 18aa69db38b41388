"""``sitmap query [filter]``: the items a filter selects, as GeoJSON, CSV or JSON lines."""

from __future__ import annotations

from desktop.cli.common import EXIT_OK, add_audit_args, add_db, add_filter_args, audit, db_path, err, filter_from_args


def run(args) -> int:
    from desktop.cache import Cache
    from desktop.cache.query import iter_items
    from desktop.cli.output import WRITERS, open_output

    with Cache.open_readonly(db_path(args)) as cache:
        flt = filter_from_args(args, cache)
        err(flt.describe())
        rows = iter_items(cache.conn, flt, limit=args.limit)
        with open_output(args.out, args.format, bom=not args.no_bom) as out:
            writer = WRITERS[args.format]
            n = writer(rows, out, flt.describe()) if args.format == "geojson" else writer(rows, out)
    audit(args, "consult", objects={"filter": flt.describe()},
          detail={"format": args.format, "file": args.out, "count": n})
    err(f"{n} items")
    return EXIT_OK


def register(sub) -> None:
    q = sub.add_parser("query", help="print items matching a filter")
    add_db(q)
    add_filter_args(q)
    q.add_argument("--format", choices=["geojson", "csv", "jsonl"], default="geojson")
    q.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    q.add_argument("--limit", type=int)
    q.add_argument("--no-bom", action="store_true",
                   help="CSV only: leave out the UTF-8 byte-order mark (written by default so Excel shows Hangul)")
    add_audit_args(q)
    q.set_defaults(func=run)
