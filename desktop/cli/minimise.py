"""``sitmap minimise [--show | --set KEY=VALUE… | --dry-run]``: keep less about people as time
passes (see :mod:`desktop.cache.minimise`): raw payloads or not, authors replaced by a keyed
pseudonym after N days, exact positions snapped to a grid after N days. The settings are kept
in the cache; a run (also made by ``sitmap purge``) is recorded as one ``alter`` entry with
counts, never content, and rewrites the cache file so the old values are not left in it."""

from __future__ import annotations

import json
import sys

from desktop.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, add_audit_args, add_db, db_path, drain, err, staged


def apply(args, cache, *, now_ms: int | None = None, dry_run: bool = False):
    """Run minimisation on an open cache, delete the index snapshot when anything changed, and
    move the run's audit entry into the trail; returns the stats (used by sitmap purge too)."""
    from desktop.cache import minimise
    from desktop.engine.snapshot import discard
    from desktop.engine.source import cache_state

    stats = minimise.run(cache, now_ms=now_ms, dry_run=dry_run, audit=staged(args, "alter"))
    if not dry_run:
        if any(stats.counts().values()):
            state = cache_state(cache.conn)
            if state is not None:
                discard(state)
        drain(args, cache)
    return stats


def run(args) -> int:
    from desktop.cache import Cache, minimise

    with Cache.open(db_path(args), create=False) as cache:
        if args.set:
            values = {}
            for kv in args.set:
                key, sep, value = kv.partition("=")
                if not sep:
                    err(f"--set {kv!r}: expected KEY=VALUE (keys: {', '.join(minimise.DEFAULTS)})")
                    return EXIT_USAGE
                values[key.strip()] = value
            minimise.set_settings(cache, values, audit=staged(args, "alter"))
            drain(args, cache)
        if args.show or args.set:
            s = minimise.settings(cache.conn)
            if args.json:
                json.dump({**s, "secret": "made" if minimise.has_secret(cache.conn) else "not made yet"}, sys.stdout)
                sys.stdout.write("\n")
            else:
                for k, v in s.items():
                    print(f"{k} = {v}")
                print(f"pseudonym secret: {'made (kept in the cache)' if minimise.has_secret(cache.conn) else 'not made yet'}")
            return EXIT_OK
        stats = apply(args, cache, dry_run=args.dry_run)
    print(stats.summary() + ("; nothing was changed (--dry-run)" if args.dry_run else ""))
    if not stats.compacted:
        err("minimised, but another program has the cache open, so its files could not be rewritten yet and may "
            "still hold the old values: close it (the Sitmap window, a live feed) and run this command again")
        return EXIT_ERROR
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("minimise", help="pseudonymise old authors, coarsen old positions, drop raw payloads",
                       description="Settings (in the cache): keep_raw=yes|no, pseudonymise_after_days=N|off, "
                                   "coarsen_after_days=N|off, coarsen_grid_m=M (default 500). Posts linked to an "
                                   "incident or on hold are left as they are.")
    add_db(p)
    p.add_argument("--show", action="store_true", help="print the settings")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="change a setting (repeatable)")
    p.add_argument("--json", action="store_true", help="with --show: the settings as JSON")
    p.add_argument("--dry-run", action="store_true", help="count what a run would change; change nothing")
    add_audit_args(p)
    p.set_defaults(func=run)
