"""Fetching a time span from the shared store on demand.

A workstation joining mid-incident pulls only the items of the recent past (``--since``,
24 hours by default in the window): the change log's older item rows are passed over.
The cache remembers from when it holds the store's items (``sync.<store>.have_from``;
absent: everything). Asking for an earlier time (``sitmap sync --since 7d`` again, or the
window's slider going before ``have_from``) streams the missing span from the store with
:func:`fetch_span`: newest first, in pages, each page one cache transaction written as a
pull writes items (a ``sync`` batch, derived rows, the generation counted), with progress
and cancel. ``have_from`` moves back as pages commit, so a stop keeps what was fetched and
a rerun fetches only the rest. The store answers from its B-tree index on ``t_ms``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

from desktop.sync.pull import _ITEM_SELECT, Pulled, _write_items

PAGE = 20_000
HAVE_FROM = "have_from"


@dataclass
class Fetched:
    items: int = 0  # written into the cache (already there: not counted)
    seen: int = 0  # read from the store
    total: int = 0  # in the span, as the store counted it at the start
    complete: bool = True  # False: cancelled before the end


def have_from(link) -> int | None:
    """The earliest time (UTC ms) from which the cache holds the store's items; None: all."""
    v = link.state.get_key(HAVE_FROM)
    return int(v) if v is not None else None


def store_span(link) -> tuple[int, int] | None:
    """The first and last item time in the store (from its index), or None when it is empty."""
    with link.pg.transaction():
        row = link.pg.execute("SELECT min(t_ms), max(t_ms) FROM items").fetchone()
    return (int(row[0]), int(row[1])) if row and row[0] is not None else None


def fetch_span(link, start_ms: int, end_ms: int, *, on_progress: Callable[[Fetched], None] | None = None,
               cancel: threading.Event | None = None, page: int = PAGE) -> Fetched:
    """Bring the store's items with ``start_ms <= t_ms < end_ms`` into the cache, newest
    first; ``have_from`` moves back to the oldest time fetched as each page commits."""
    out = Fetched()
    pg = link.pg
    with pg.transaction():
        out.total = int(pg.execute("SELECT count(*) FROM items WHERE t_ms >= %s AND t_ms < %s",
                                   (start_ms, end_ms)).fetchone()[0])
    upper = end_ms
    while True:
        if cancel is not None and cancel.is_set():
            out.complete = False
            break
        with pg.transaction():
            rows = pg.execute(_ITEM_SELECT + " WHERE t_ms >= %s AND t_ms < %s ORDER BY t_ms DESC, id DESC LIMIT %s",
                              (start_ms, upper, page)).fetchall()
        if not rows:
            break
        oldest = int(rows[-1][4])
        # A page that ends inside a run of equal times stops before that time; the next takes it whole.
        full = len(rows) >= page
        if full:
            keep = [r for r in rows if int(r[4]) > oldest]
            if keep:  # everything from oldest + 1 on is in this page
                rows, oldest = keep, oldest + 1
            else:  # one instant holds more than a page: that instant whole
                with pg.transaction():
                    rows = pg.execute(_ITEM_SELECT + " WHERE t_ms = %s ORDER BY id", (oldest,)).fetchall()
        sink = Pulled()
        with link.cache.transaction():
            _write_items(link, rows, sink)
            mark = oldest if full else start_ms
            now = have_from(link)
            if now is None or mark < now:
                link.state.put_key(HAVE_FROM, mark)
        out.items += sink.counts.get("items", 0)
        out.seen += len(rows)
        if on_progress is not None:
            on_progress(out)
        if not full:
            break
        upper = oldest
    if out.complete:  # the whole span is in (also when the store had nothing in it)
        now = have_from(link)
        if now is None or start_ms < now:
            with link.cache.transaction():
                link.state.put_key(HAVE_FROM, start_ms)
    link.since_ms = have_from(link)
    return out
