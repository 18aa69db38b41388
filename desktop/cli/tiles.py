"""`sitmap tiles build` and `sitmap tiles info`: make and inspect offline basemap packs."""

from __future__ import annotations

import argparse
import json
import sys
import time

from desktop.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from desktop.cli.common import err as _err


def cmd_tiles_build(args) -> int:
    from desktop.basemap.tilepack import BuildCancelled, build_mbtiles, count_tiles, parse_bbox, parse_zooms
    from desktop.basemap.tiles import TileError

    from desktop.basemap.tilecache import check_bulk_allowed

    bbox, zooms = parse_bbox(args.bbox), parse_zooms(args.zooms)
    if args.source.startswith(("http://", "https://")):
        check_bulk_allowed(args.source)  # before announcing a build that will not happen
    total = count_tiles(bbox, zooms)
    print(f"building {args.out}: {total:,} tiles, zooms {zooms.start}-{zooms.stop - 1}", file=sys.stderr)
    last = [0.0]

    def progress(done: int, of: int) -> None:
        now = time.monotonic()
        if args.progress or now - last[0] > 2 or done == of:
            last[0] = now
            print(f"  {done:,}/{of:,} tiles ({100 * done // max(of, 1)}%)", file=sys.stderr)

    try:
        res = build_mbtiles(args.source, bbox, zooms, args.out, progress=progress,
                            name=args.name, attribution=args.attribution, max_tiles=args.max_tiles,
                            overwrite=args.overwrite)
    except (TileError, BuildCancelled) as exc:
        _err(str(exc))
        return EXIT_ERROR
    print(f"wrote {res.path}: {res.tiles:,} tiles ({res.missing:,} missing in the source)")
    return EXIT_OK


def cmd_tiles_info(args) -> int:
    from desktop.basemap.tiles import MBTilesSource, TileError, open_pack

    try:
        src = open_pack(args.pack)
    except TileError as exc:
        _err(str(exc))
        return EXIT_ERROR
    try:
        m = src.meta
        info = {"file": str(args.pack), "kind": "mbtiles" if isinstance(src, MBTilesSource) else "pmtiles",
                "name": m.name, "format": m.format, "minzoom": m.minzoom, "maxzoom": m.maxzoom,
                "bounds": list(m.bounds), "attribution": m.attribution}
        if isinstance(src, MBTilesSource):
            info["tiles"] = src.count()
    finally:
        src.close()
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
    else:
        for k, v in info.items():
            if k == "attribution" and not v:
                v = "(none: the pack does not say where its data came from; ask its maker before using it)"
            print(f"{k:12} {', '.join(f'{b:g}' for b in v) if k == 'bounds' else v}")
    return EXIT_OK


def _tiles_help(parser: argparse.ArgumentParser):
    def run(_args) -> int:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return run


def register(subparsers) -> argparse.ArgumentParser:
    """Add `tiles build` and `tiles info` to the `sitmap` command's sub-commands."""
    t = subparsers.add_parser("tiles", help="build and inspect offline basemap packs (MBTiles, PMTiles)")
    ts = t.add_subparsers(dest="tiles_command", metavar="ACTION")
    t.set_defaults(func=_tiles_help(t))

    b = ts.add_parser("build", help="copy tiles for a box and zoom range into a new MBTiles pack",
                      description="Sources: an MBTiles/PMTiles pack, or an http(s) XYZ URL of a tile server whose "
                                  "terms allow copying. OpenStreetMap's public tile servers are refused (their usage "
                                  "policy forbids bulk downloads).")
    b.add_argument("--from", dest="source", required=True, metavar="SOURCE", help="pack file or URL with {z}/{x}/{y}")
    b.add_argument("--bbox", required=True, metavar="W,S,E,N", help="box in degrees, e.g. 126.7,37.4,127.2,37.7")
    b.add_argument("--zooms", required=True, metavar="MIN-MAX", help="zoom range, e.g. 10-16")
    b.add_argument("--out", required=True, metavar="PACK", help="the .mbtiles file to write")
    b.add_argument("--name", help="name shown in the map (default: the source's)")
    b.add_argument("--attribution", help="credit line (default: the source's)")
    b.add_argument("--max-tiles", type=int, default=250_000, metavar="N", help="refuse larger builds (default 250000)")
    b.add_argument("--overwrite", action="store_true", help="replace PACK if it exists")
    b.add_argument("--progress", action="store_true", help="print a progress line after every batch")
    b.set_defaults(func=cmd_tiles_build)

    i = ts.add_parser("info", help="show a pack's name, format, zooms and bounds")
    i.add_argument("pack", metavar="PACK")
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_tiles_info)
    return t


def main(argv: list[str] | None = None) -> int:
    """Run the tiles commands on their own (``sitmap tiles …`` without the other commands)."""
    p = argparse.ArgumentParser(prog="sitmap")
    register(p.add_subparsers(dest="command"))
    args = p.parse_args(argv)
    if not hasattr(args, "func"):
        p.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except ValueError as exc:
        _err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("interrupted; no pack was written")
        return 130


if __name__ == "__main__":
    sys.exit(main())
