"""The `sitmap` command: open the window, import files, write the demo, query the cache."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from desktop import __version__
from desktop.core import paths

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _err(msg: str) -> None:
    print(f"sitmap: {msg}", file=sys.stderr)


def _add_db(p: argparse.ArgumentParser, top: bool = False) -> None:
    # Accepted before or after the command; a sub-command's default must not hide the top-level one.
    p.add_argument("--db", metavar="PATH", default=None if top else argparse.SUPPRESS,
                   help="cache file (default: $SITMAP_DB or the user data folder)")


def add_filter_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("filter")
    g.add_argument("--from", dest="start", metavar="TIME", help="start, ISO 8601 (no zone: --tz)")
    g.add_argument("--to", dest="end", metavar="TIME", help="end (exclusive), ISO 8601")
    g.add_argument("--tz", default=None, help="zone for times written without one (default Asia/Seoul)")
    g.add_argument("--bbox", metavar="W,S,E,N", help="bounding box in degrees")
    g.add_argument("--area", action="append", default=[], metavar="FILE[:PROP=VALUE]",
                   help="boundary file (GeoJSON, Shapefile, GeoPackage…); optionally one feature, e.g. districts.json:code=11110")
    g.add_argument("--exclude-area", action="append", default=[], metavar="FILE[:PROP=VALUE]", help="leave out items in this area")
    g.add_argument("--saved-area", action="append", default=[], metavar="NAME", help="an area saved in the cache")
    g.add_argument("--hashtag", action="append", default=[], metavar="TAG", help="any of these hashtags (without #)")
    g.add_argument("--kind", action="append", default=[], choices=["post", "field_update"])
    g.add_argument("--source", action="append", default=[], metavar="NAME", help="x, tak, geojson, csv, kml, ushahidi, sitmap…")
    g.add_argument("--text", default="", help="words the text must contain (Hangul works; substring match)")
    g.add_argument("--precision", action="append", default=[], choices=["exact", "place", "inferred", "unknown"])


def _split_area(spec: str) -> tuple[str, str | None]:
    head, sep, tail = spec.rpartition(":")
    if sep and "=" in tail and head:
        return head, tail
    return spec, None


def build_filter(args, cache=None):
    """A Filter from the command line's filter options."""
    from desktop.core.filters import Filter
    from desktop.core.geo import areas_from_file, area_from_geojson
    from desktop.importers.base import BadRecord, ImportContext, ImportOptions, parse_time

    ctx = ImportContext(path=Path("--from/--to"), options=ImportOptions(tz=args.tz))

    def t(v):
        if v is None:
            return None
        try:
            return parse_time(v, ctx)
        except BadRecord as exc:
            raise ValueError(f"time {v!r}: {exc}") from None

    start, end = t(args.start), t(args.end)
    for n in ctx.notes:
        _err(f"note: {n}")
    areas = []
    for spec in args.area:
        path, pick = _split_area(spec)
        areas += areas_from_file(path, pick)
    for spec in args.exclude_area:
        path, pick = _split_area(spec)
        areas += areas_from_file(path, pick, exclude=True)
    for name in args.saved_area:
        if cache is None:
            raise ValueError("--saved-area needs a cache")
        row = cache.conn.execute("SELECT geometry, exclude FROM areas WHERE name = ?", (name,)).fetchone()
        if not row:
            raise ValueError(f"no saved area named {name!r}")
        areas.append(area_from_geojson(name, row[0], bool(row[1])))
    bbox = None
    if args.bbox:
        try:
            bbox = tuple(float(v) for v in args.bbox.split(","))
            assert len(bbox) == 4
        except (ValueError, AssertionError):
            raise ValueError("--bbox takes four numbers: west,south,east,north") from None
    return Filter(start_ms=start, end_ms=end, bbox=bbox, areas=tuple(areas), hashtags=tuple(args.hashtag),
                  kinds=tuple(args.kind), sources=tuple(args.source), text=args.text or "",
                  precisions=tuple(args.precision))


def _db_path(args) -> Path:
    return Path(args.db) if getattr(args, "db", None) else paths.default_db()


def cmd_import(args) -> int:
    from desktop.cache import Cache
    from desktop.importers import import_file
    from desktop.importers.base import ImportFailed, ImportOptions

    opts = ImportOptions(tz=args.tz, source=args.source, time_field=args.time_field, text_field=args.text_field,
                         author_field=args.author_field, id_field=args.id_field, lat_field=args.lat_field,
                         lon_field=args.lon_field, keep_raw=args.keep_raw, encoding=args.encoding)
    cache = Cache.open(_db_path(args))
    failed = 0
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
            res = import_file(cache, f, fmt=args.format, options=opts, progress=progress)
        except ImportFailed as exc:
            failed += 1
            _err(f"rejected {exc} (nothing from this file was stored)")
            continue
        dt = time.perf_counter() - t0
        print(f"{res.summary()} in {dt:.2f} s")
        for note in res.stats.notes:
            print(f"  note: {note}")
        for sk in res.skips[: args.show_skips]:
            print(f"  skipped {sk}")
        if res.stats.skipped > args.show_skips:
            print(f"  … {res.stats.skipped - args.show_skips} more skipped (--show-skips N lists more)")
    cache.close()
    return EXIT_ERROR if failed else EXIT_OK


def cmd_demo(args) -> int:
    from desktop.cache import Cache
    from desktop.demo.generator import write_demo

    path = _db_path(args)
    cache = Cache.open(path)
    t0 = time.perf_counter()
    stats = write_demo(cache, seed=args.seed, size=args.size)
    dt = time.perf_counter() - t0
    print(f"demo incident (seed {args.seed}) written to {path}: {stats.accepted} new items, "
          f"{stats.duplicates} already there, in {dt:.2f} s")
    cache.close()
    if args.open:
        return _open_window(path)
    return EXIT_OK


def cmd_stats(args) -> int:
    import json

    from desktop.cache import Cache
    from desktop.cache.stats import format_summary, summary

    cache = Cache.open_readonly(_db_path(args))
    s = summary(cache.conn)
    print(json.dumps(s, ensure_ascii=False, indent=2) if args.json else format_summary(s, str(cache.path)))
    return EXIT_OK


def cmd_query(args) -> int:
    from desktop.cache import Cache
    from desktop.cli.output import WRITERS
    from desktop.cache.query import iter_items

    cache = Cache.open_readonly(_db_path(args))
    flt = build_filter(args, cache)
    _err(f"{flt.describe()}")
    rows = iter_items(cache.conn, flt, limit=args.limit)
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout
    try:
        writer = WRITERS[args.format]
        n = writer(rows, out, flt.describe()) if args.format == "geojson" else writer(rows, out)
    finally:
        if args.out:
            out.close()
    _err(f"{n} items")
    return EXIT_OK


def cmd_snapshot(args) -> int:
    from desktop.ui.snapshot import run_snapshot

    return run_snapshot(args)


def _open_window(db: Path) -> int:
    from desktop.ui.app import run_app

    return run_app(db)


def cmd_open(args) -> int:
    return _open_window(_db_path(args))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sitmap", description="Situation map: public posts and officer field updates on one timeline.")
    p.add_argument("--version", action="version", version=f"sitmap {__version__}")
    p.add_argument("--smoke-test", action="store_true",
                   help="check that this installation works (offline, offscreen) and exit 0 or 1")
    _add_db(p, top=True)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    o = sub.add_parser("open", help="open the map window (the default)")
    _add_db(o)
    o.set_defaults(func=cmd_open)

    i = sub.add_parser("import", help="import files into the cache")
    _add_db(i)
    i.add_argument("files", nargs="+", metavar="FILE")
    i.add_argument("--format", choices=None, help="force a format instead of detecting it")
    i.add_argument("--tz", help="zone for times written without one (default Asia/Seoul, announced)")
    i.add_argument("--source", help="source name for GeoJSON/CSV/KML items")
    for fld in ("time", "text", "author", "id", "lat", "lon"):
        i.add_argument(f"--{fld}-field", metavar="NAME", help=f"property/column holding the {fld}")
    i.add_argument("--encoding", help="text encoding for CSV (default: UTF-8, else CP949)")
    i.add_argument("--keep-raw", action="store_true", help="also store each record's original payload (off: keep less)")
    i.add_argument("--progress", action="store_true", help="print progress lines")
    i.add_argument("--show-skips", type=int, default=20, metavar="N", help="list up to N skipped records")
    i.set_defaults(func=cmd_import)

    d = sub.add_parser("demo", help="write the demo incident into the cache")
    _add_db(d)
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--size", type=int, default=None, help="number of items (default: the demo's natural size)")
    d.add_argument("--open", action="store_true", help="open the window on it afterwards")
    d.set_defaults(func=cmd_demo)

    s = sub.add_parser("stats", help="summarise the cache")
    _add_db(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_stats)

    q = sub.add_parser("query", help="print items matching a filter")
    _add_db(q)
    add_filter_args(q)
    q.add_argument("--format", choices=["geojson", "csv", "jsonl"], default="geojson")
    q.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    q.add_argument("--limit", type=int)
    q.set_defaults(func=cmd_query)

    sn = sub.add_parser("snapshot", help="render the map offscreen to a PNG")
    _add_db(sn)
    add_filter_args(sn)
    sn.add_argument("--out", required=True, metavar="PNG")
    sn.add_argument("--size", default="1600x1000", metavar="WxH")
    sn.add_argument("--zoom-to", choices=["items", "areas", "all"], default="items")
    sn.set_defaults(func=cmd_snapshot)

    from desktop.cli.tiles import add_tiles_commands

    add_tiles_commands(sub)
    from desktop.cli.live import add_live_commands

    add_live_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    from desktop.cache import CacheError
    from desktop.core.geo import GeoError
    from desktop.importers.base import ImportFailed

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.smoke_test:
        from desktop.ui.smoke import run_smoke_test

        return run_smoke_test()
    if args.command is None:
        args.func = cmd_open
    if args.command == "import" and args.format:
        from desktop.importers import FORMATS

        if args.format not in FORMATS:
            parser.error(f"--format must be one of: {', '.join(FORMATS)}")
    try:
        return args.func(args)
    except (CacheError, GeoError, ImportFailed, ValueError) as exc:
        _err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("interrupted; files not finished were not stored")
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
