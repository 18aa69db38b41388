"""``sitmap hold add ID… --reason TEXT``, ``sitmap hold remove ID…``, ``sitmap hold list [--json]``:
items held as evidence, which retention never expires and minimisation leaves as they are.
Placing and lifting a hold is recorded in the audit trail (an ``alter`` entry, committed with it)."""

from __future__ import annotations

import json
import sys

from desktop.cli.common import EXIT_ERROR, EXIT_OK, add_audit_args, add_db, audit_fields, db_path, drain, err, staged


def run_add(args) -> int:
    from desktop.cache import Cache
    from desktop.cache import holds

    with Cache.open(db_path(args), create=False) as cache:
        n = holds.add(cache, args.ids, reason=args.reason, by=audit_fields(args)[0], audit=staged(args, "alter"))
        drain(args, cache)
    print(f"{n} items put on hold ({len(set(args.ids)) - n} already held or not in the cache)")
    return EXIT_OK


def run_remove(args) -> int:
    from desktop.cache import Cache
    from desktop.cache import holds

    with Cache.open(db_path(args), create=False) as cache:
        n = holds.remove(cache, args.ids, audit=staged(args, "alter"))
        drain(args, cache)
    print(f"hold lifted from {n} items")
    if n < len(set(args.ids)):
        err(f"{len(set(args.ids)) - n} of the ids given were not on hold")
        return EXIT_ERROR
    return EXIT_OK


def run_list(args) -> int:
    from desktop.cache import Cache
    from desktop.cache import holds
    from desktop.core.timefmt import iso_utc

    with Cache.open_readonly(db_path(args)) as cache:
        rows = holds.listing(cache.conn)
    if args.json:
        json.dump([{**r, "time": iso_utc(r["t_ms"])} for r in rows], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    for r in rows:
        gone = "" if r["present"] else " (item no longer in the cache)"
        print(f"{r['item']}\t{iso_utc(r['t_ms'])}\t{r['by'] or '-'}\t{r['reason']}{gone}")
    print(f"{len(rows)} items on hold")
    return EXIT_OK


def register(sub) -> None:
    h = sub.add_parser("hold", help="hold items as evidence: retention keeps them (add, remove, list)")
    h.set_defaults(func=run_list)
    hs = h.add_subparsers(dest="hold_command", metavar="ACTION", required=True)
    a = hs.add_parser("add", help="put items on hold")
    add_db(a)
    a.add_argument("ids", nargs="+", type=int, metavar="ID")
    a.add_argument("--reason", required=True, metavar="TEXT", help="why (a case reference, the evidence package)")
    add_audit_args(a)
    a.set_defaults(func=run_add)
    r = hs.add_parser("remove", help="lift the hold on items (retention applies to them again)")
    add_db(r)
    r.add_argument("ids", nargs="+", type=int, metavar="ID")
    add_audit_args(r)
    r.set_defaults(func=run_remove)
    ls = hs.add_parser("list", help="the items on hold, with reason, time and who")
    add_db(ls)
    ls.add_argument("--json", action="store_true", help="print the holds as JSON")
    add_audit_args(ls)
    ls.set_defaults(func=run_list)
