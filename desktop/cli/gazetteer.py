"""``sitmap gazetteer import FILE.csv | list [--builtin] [--json] | remove NAME``: the
agency's own places (squares, stations, police boxes, rally points) beside the built-in
districts. A landmark matched in a post beats a district; after a change, ``sitmap
geoparse`` places the cache's posts again."""

from __future__ import annotations

import json
import sys

from desktop.cli.common import EXIT_OK, add_audit_args, add_db, audit, audit_fields, db_path


def _import(args) -> int:
    from desktop.cache import Cache
    from desktop.geoparse import gazetteer

    rows = gazetteer.read_csv(args.file)  # the whole file is checked before the cache is opened
    with Cache.open(db_path(args)) as cache:
        added, updated = gazetteer.import_rows(cache.conn, rows, by=audit_fields(args)[0])
    audit(args, "alter", objects={"gazetteer": str(args.file)},
          detail={"entries": len(rows), "added": added, "updated": updated})
    print(f"{args.file}: {len(rows)} entries, {added} new, {updated} updated, {len(rows) - added - updated} already there")
    if added or updated:
        print("  note: run 'sitmap geoparse' to place the cache's posts with them")
    return EXIT_OK


def _list(args) -> int:
    from desktop.cache import Cache
    from desktop.geoparse import gazetteer

    with Cache.open(db_path(args), create=False) as cache:
        if args.builtin:
            gazetteer.ensure_builtin(cache.conn)
        rows = gazetteer.entries(cache.conn, None if args.builtin else "user")
    rows.sort(key=lambda e: (e.origin != "user", e.kind, e.name))
    if args.json:
        for e in rows:
            sys.stdout.write(json.dumps(e.as_json(), ensure_ascii=False) + "\n")
        return EXIT_OK
    if not rows:
        print("the agency's gazetteer is empty (sitmap gazetteer import FILE.csv adds places; --builtin lists the districts)")
        return EXIT_OK
    for e in rows:
        where = f"{e.lat:.5f},{e.lon:.5f} ±{e.radius_m:,.0f} m"
        aliases = f"  ({' | '.join(e.aliases)})" if e.aliases else ""
        parent = f"  in {e.parent}" if e.parent else ""
        print(f"{e.origin:7}  {e.kind:10}  {e.name}{aliases}  {where}{parent}")
    return EXIT_OK


def _remove(args) -> int:
    from desktop.cache import Cache
    from desktop.geoparse import gazetteer

    with Cache.open(db_path(args), create=False) as cache:
        n = gazetteer.remove(cache.conn, args.name)
    audit(args, "alter", objects={"gazetteer": args.name}, detail={"removed": n})
    print(f"removed {n} entr{'y' if n == 1 else 'ies'} named {args.name} (run 'sitmap geoparse' to place posts again)")
    return EXIT_OK


def register(sub) -> None:
    g = sub.add_parser("gazetteer", help="the agency's own places for the geoparser (import, list, remove)")
    gs = g.add_subparsers(dest="gazetteer_command", metavar="ACTION", required=True)
    g.set_defaults(func=lambda args: g.print_help() or EXIT_OK)  # never reached: an action is required
    p = gs.add_parser("import", help="add places from a CSV (name,aliases,lat,lon,radius_m; aliases split by |)")
    add_db(p)
    p.add_argument("file", metavar="FILE.csv")
    add_audit_args(p)
    p.set_defaults(func=_import)
    p = gs.add_parser("list", help="list the agency's places (--builtin: the districts too)")
    add_db(p)
    p.add_argument("--builtin", action="store_true", help="also the built-in districts (시도, 시군구, 읍면동)")
    p.add_argument("--json", action="store_true", help="one JSON object a line")
    add_audit_args(p)
    p.set_defaults(func=_list)
    p = gs.add_parser("remove", help="remove the agency's places of that name")
    add_db(p)
    p.add_argument("name", metavar="NAME")
    add_audit_args(p)
    p.set_defaults(func=_remove)
