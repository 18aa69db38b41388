"""``sitmap stats``: what the cache holds, by kind, source, precision and time."""

from __future__ import annotations

from desktop.cli.common import EXIT_OK, add_db, db_path


def run(args) -> int:
    import json

    from desktop.cache import Cache
    from desktop.cache.stats import format_summary, summary

    with Cache.open_readonly(db_path(args)) as cache:
        s = summary(cache.conn)
        path = str(cache.path)
    print(json.dumps(s, ensure_ascii=False, indent=2) if args.json else format_summary(s, path))
    return EXIT_OK


def register(sub) -> None:
    s = sub.add_parser("stats", help="summarise the cache")
    add_db(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=run)
