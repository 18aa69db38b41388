"""``sitmap demo``: write the bundled demo incident into a cache (idempotent)."""

from __future__ import annotations

import time

from desktop.cli.common import EXIT_OK, add_db, db_path


def run(args) -> int:
    from desktop.cache import Cache
    from desktop.demo.generator import write_demo

    path = db_path(args)
    cache = Cache.open(path)
    try:
        t0 = time.perf_counter()
        stats = write_demo(cache, seed=args.seed, size=args.size)
        dt = time.perf_counter() - t0
    finally:
        cache.close()
    print(f"demo incident (seed {args.seed}) written to {path}: {stats.accepted} new items, "
          f"{stats.duplicates} already there, in {dt:.2f} s")
    if args.open:
        from desktop.cli.window import open_window

        return open_window(path)
    return EXIT_OK


def register(sub) -> None:
    d = sub.add_parser("demo", help="write the demo incident into the cache")
    add_db(d)
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--size", type=int, default=None, help="number of items (default: the demo's natural size)")
    d.add_argument("--open", action="store_true", help="open the window on it afterwards")
    d.set_defaults(func=run)
