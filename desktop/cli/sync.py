"""``sitmap sync``: keep a cache in step with the command post's shared store.

``sitmap sync --db cache.db --shared postgresql://user@host:port/sitmap`` pushes what this
workstation changed and pulls what the others did, then keeps doing so (woken by the
store's notifications) until Ctrl+C, printing one status line whenever something moved
or the store went offline or came back. ``--once`` pushes and pulls once and exits. ``--since`` (default 24h) says how far back
the cache holds the store's items: a first sync takes only that span, and a later run with
a wider one (``--since 7d``, ``--since all``) fetches what is missing, newest first.
``--area`` (a built-in district, a saved area or a box ``W,S,E,N``) holds only the items
placed there (``--with-unplaced``: and those without a position); ``--area all`` lifts it
and fetches what the area left out.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time

from desktop.cli.common import EXIT_OK, add_db, audit_fields, db_path

_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")


def parse_since(text: str | None) -> int | None:
    """``24h``, ``90m``, ``2d`` → the UTC ms of that long ago; ``all`` (or nothing) → None."""
    if text is None or text.strip().lower() in ("", "all"):
        return None
    m = _SPAN.match(text.lower())
    if not m:
        raise ValueError(f"--since {text!r}: expected a span such as 24h, 90m, 2d, or 'all'")
    seconds = float(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    return int((time.time() - seconds) * 1000)


def run(args) -> int:
    from desktop.sync.runner import Sync

    url = args.shared or os.environ.get("SITMAP_SHARED")
    if not url:
        raise ValueError("say which shared store: --shared postgresql://user@host:port/database (or $SITMAP_SHARED)")
    operator = audit_fields(args)[0]
    from desktop.sync.link import KEEP

    area = KEEP
    if args.area is not None and args.area.strip().lower() in ("all", "everywhere", ""):
        area = None
    elif args.area is not None:
        from desktop.cache import Cache
        from desktop.sync.fetch import resolve_area

        with Cache.open(db_path(args)) as cache:
            area = resolve_area(cache.conn, args.area, unplaced=args.with_unplaced)
    sync = Sync(db_path(args), url, operator=operator, since_ms=parse_since(args.since), interval=args.interval,
                on_status=lambda s: print(s.line(), flush=True), area=area)
    if args.once:
        s = sync.once()
        print(s.line(), flush=True)
        return EXIT_OK
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        sync.run(stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("sync", help="keep this cache in step with the command post's shared store (PostgreSQL)",
                       description="Push this workstation's changes to the shared store and pull the others'. "
                                   "The password comes from the URL, $PGPASSWORD or the system keyring; TLS options "
                                   "(sslmode, sslrootcert, sslcert, sslkey) go in the URL.")
    add_db(p)
    p.add_argument("--shared", metavar="URL", default=None,
                   help="postgresql://user@host:port/database (default: $SITMAP_SHARED)")
    p.add_argument("--once", action="store_true", help="push and pull once, then exit")
    p.add_argument("--since", default="24h", metavar="SPAN",
                   help="hold the store's items no older than this (24h, 90m, 2d, or 'all'; default 24h); "
                        "a wider span than the cache holds fetches the older items, newest first")
    p.add_argument("--area", default=None, metavar="PLACE",
                   help="hold only the store's items placed here: a built-in district (종로구), a saved area or a "
                        "box W,S,E,N; 'all' lifts it (default: what this cache chose before, else everywhere)")
    p.add_argument("--with-unplaced", action="store_true",
                   help="with --area: the items without a position come too")
    p.add_argument("--interval", type=float, default=5.0, metavar="SECONDS",
                   help="pull at least this often even without a notification (default 5)")
    p.set_defaults(func=run)
