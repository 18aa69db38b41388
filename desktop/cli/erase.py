"""``sitmap erase [filter] --reason TEXT`` and ``sitmap purge [--older-than DAYS]``: items
removed so that nothing of them is left in the cache, its WAL or the saved index snapshot.

Both print counts, never what was erased, and record one "erase" entry in the audit trail
(counts, id ranges, the reason; a text search is named as given, not recorded). See
:mod:`desktop.cache.erase` for what goes.
"""

from __future__ import annotations

import sys
import time

from desktop.cli.common import (EXIT_ERROR, EXIT_OK, EXIT_USAGE, add_audit_args, add_db, add_filter_args, db_path,
                                drain, err, filter_from_args, staged)


def _recorded_filter(flt) -> str:
    """The filter as the audit trail keeps it: a text search may itself be personal data."""
    if not flt.text:
        return flt.describe()
    return f"{flt.with_(text='').describe()}, a text search (not recorded)"


def _finish(args, cache, stats) -> int:
    """Delete the index snapshot, move the erasure's audit entry (committed with it) into the
    trail, print counts; warn when not compacted."""
    from desktop.engine.snapshot import discard
    from desktop.engine.source import cache_state

    if stats.dry_run:
        print(stats.summary() + "; nothing was changed (--dry-run)")
        return EXIT_OK
    state = cache_state(cache.conn)
    snapshot = discard(state) if state is not None else False
    drain(args, cache)
    print(stats.summary())
    print("index snapshot deleted" if snapshot else "no index snapshot to delete")
    if not stats.compacted:
        err("the items are erased, but another program has the cache open, so its files could not be rewritten yet "
            "and may still hold the erased text: close it (the Sitmap window, a live feed) and run this command again")
        return EXIT_ERROR
    print("cache file compacted (WAL checkpointed and truncated, VACUUM)")
    return EXIT_OK


def run_erase(args) -> int:
    from desktop.cache import Cache
    from desktop.cache.erase import erase
    from desktop.cache.query import matching_ids
    from desktop.core.filters import Filter

    reason = (args.reason or "").strip()
    if not reason:
        err("say why: --reason TEXT (kept in the audit trail, never in the cache)")
        return EXIT_USAGE
    with Cache.open(db_path(args), create=False) as cache:
        flt = filter_from_args(args, cache)
        if flt == Filter() and not args.all:
            err("no filter given: that would erase every item. Give a filter, or --all to erase everything")
            return EXIT_USAGE
        ids = [int(i) for i in matching_ids(cache.conn, flt)]
        if ids and not args.dry_run and not args.yes:
            if not sys.stdin.isatty():
                err(f"{len(ids)} items match; add --yes to erase them without being asked")
                return EXIT_USAGE
            answer = input(f"erase {len(ids)} items for good? This cannot be undone. [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                err("nothing was erased")
                return EXIT_ERROR
        stats = erase(cache, ids, reason=reason, dry_run=args.dry_run,
                      audit=staged(args, "erase", objects={"filter": _recorded_filter(flt)}))
        return _finish(args, cache, stats)


def run_purge(args) -> int:
    from desktop.cache import Cache
    from desktop.cache.erase import NO_PURPOSE, purge
    from desktop.core import purposes
    from desktop.core.timefmt import iso_utc

    now = int(time.time() * 1000)
    with Cache.open(db_path(args), create=False) as cache:
        if args.older_than is not None:
            cutoff = now - int(args.older_than * 86_400_000)
            days = int(args.older_than) if float(args.older_than).is_integer() else str(args.older_than)  # no floats
            objects, detail = {"older_than_days": days}, {"before": iso_utc(cutoff)}
        else:  # each item by its batch's purpose
            objects, detail = {"retention": "by purpose"}, {"at": iso_utc(now)}
        stats = purge(cache, older_than_days=args.older_than, now_ms=now, dry_run=args.dry_run,
                      audit=staged(args, "erase", objects=objects, detail=detail))
        for code, n in sorted(stats.by_purpose.items()):
            days = args.older_than if args.older_than is not None else purposes.retention_days(
                None if code == NO_PURPOSE else code)
            print(f"{code}: {n} items {'would be ' if stats.dry_run else ''}expired (kept {days:g} days)")
        if stats.kept_in_open_incidents:
            print(f"{stats.kept_in_open_incidents} older items kept: they are in an incident that is not closed")
        if stats.kept_on_hold:
            print(f"{stats.kept_on_hold} older items kept: they are on hold as evidence (sitmap hold list)")
        # Then minimisation (sitmap minimise): what is kept, kept with less about people.
        from desktop.cache.minimise import active, settings
        from desktop.cli.minimise import apply

        if active(settings(cache.conn)):
            mini = apply(args, cache, now_ms=now, dry_run=args.dry_run)
            print("minimisation: " + mini.summary())
            stats.compacted = stats.compacted and mini.compacted
        return _finish(args, cache, stats)


def register(sub) -> None:
    from desktop.cache.erase import DEFAULT_RETENTION_DAYS

    e = sub.add_parser("erase", help="erase items for good (cache, WAL and index snapshot), counted in the audit trail",
                       description="Erase the items a filter selects: rows, raw payloads, hashtags, full-text "
                                   "entries, triage and its history, incident links; the cache file is rewritten "
                                   "so the text is not left in it. Erased items are not tombstoned: importing "
                                   "the same file again brings them back.")
    add_db(e)
    add_filter_args(e)
    e.add_argument("--all", action="store_true", help="allow an empty filter (erase every item)")
    e.add_argument("--reason", required=True, metavar="TEXT", help="why (kept in the audit trail)")
    e.add_argument("--dry-run", action="store_true", help="count what would go; change nothing")
    e.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_audit_args(e)
    e.set_defaults(func=run_erase)

    p = sub.add_parser("purge", help="erase items past their purpose's retention period, except those of open "
                                     "incidents and those on hold")
    add_db(p)
    p.add_argument("--older-than", type=float, default=None, metavar="DAYS",
                   help="one retention period in days for every item, by the item's time (default: each item "
                        f"by its batch's purpose, see sitmap purposes; {DEFAULT_RETENTION_DAYS} without one)")
    p.add_argument("--dry-run", action="store_true", help="count what would go; change nothing")
    add_audit_args(p)
    p.set_defaults(func=run_purge)
