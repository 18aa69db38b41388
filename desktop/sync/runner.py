"""The sync loop: push, then pull until caught up; woken by NOTIFY from the store and by
local changes; retrying when the store is unreachable while local work goes on.

:class:`Sync` is what the command line and the window use. :meth:`Sync.once` pushes and
pulls once; :meth:`Sync.run` loops until its stop event is set, calling ``on_status``
with a :class:`Status` after every cycle that changed something and whenever the store
goes offline or comes back. A missed notification loses nothing: the loop also pulls
every ``interval`` seconds.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from desktop.cache import CacheError
from desktop.cache.db import explain as cache_explain
from desktop.sync import schema
from desktop.sync.connect import StoreOffline, SyncError, connect, display, explain, is_driver_error
from desktop.sync.link import KEEP, Link
from desktop.sync.pull import PAGE, pull
from desktop.sync.push import push, waiting

LOCAL_POLL_S = 0.25  # how often local changes are looked for
# A pull that keeps finding full pages (a workstation joining mid-incident, or back after
# hours offline) doubles its page up to this: each page is one cache transaction, and at
# 10,000 a page a 1M-item day took 36.7 s to join against 27.0 s at 50,000 (benchmarks/sync.py --initial).
CATCHUP_PAGE = 50_000


def fixed_page() -> int | None:
    """``$SITMAP_SYNC_PAGE``: pull this many changes a transaction, always (a laptop short of
    memory; the tests, to stop a pull half-way). None: from 10,000 doubling to CATCHUP_PAGE."""
    try:
        n = int(os.environ.get("SITMAP_SYNC_PAGE", ""))
    except ValueError:
        return None
    return n if n > 0 else None


@dataclass
class Status:
    online: bool
    store: str
    pushed: int = 0  # in the last cycle
    pulled: int = 0
    pushed_total: int = 0
    pulled_total: int = 0
    waiting: int = 0  # local changes not pushed yet
    offline_since: float | None = None  # time.time() when the store was lost
    cursor: int = 0
    error: str | None = None
    counts: dict = field(default_factory=dict)  # rows pulled in the last cycle, by table ("areas": 2)
    changed_elsewhere: list = field(default_factory=list)  # pull.ChangedElsewhere of the last cycle
    alerts: list = field(default_factory=list)  # sync.alerts.Elsewhere of the last cycle
    area: str | None = None  # the join's area ("종로구"), when the cache holds the store's items there only
    have_from: int | None = None  # the cache holds the store's items from then on (None: all)
    store_span: tuple[int, int] | None = None  # the store's first and last item time
    fetching: tuple[int, int] | None = None  # (read, total) while an older span is fetched

    def line(self) -> str:
        if self.online and self.fetching:
            return f"shared store: fetching older items, {self.fetching[0]} of {self.fetching[1]}"
        if self.online:
            return f"shared store: online, pushed {self.pushed}, pulled {self.pulled}" + (
                f", {self.waiting} changes waiting" if self.waiting else "") + (
                f" (holding {self.area} only)" if self.area else "")
        since = time.strftime("%H:%M", time.localtime(self.offline_since or time.time()))
        return f"shared store: offline since {since}, {self.waiting} changes waiting"


def waiting_offline(cache_path: str | Path) -> int:
    """Local changes waiting for the store this cache last synced with, read without it."""
    from types import SimpleNamespace

    from desktop.cache import Cache
    from desktop.sync import state

    if not Path(cache_path).exists():
        return 0
    with Cache.open_readonly(cache_path) as cache:
        store = state.get(cache.conn, "sync.last_store")
        if not store:
            return 0
        return waiting(SimpleNamespace(cache=cache, state=state.State(cache.conn, store)))


class Sync:
    def __init__(self, cache_path: str | Path, url: str, *, operator: str | None = None, since_ms: int | None = None,
                 interval: float = 5.0, on_status: Callable[[Status], None] | None = None, area: object = KEEP):
        self.cache_path = Path(cache_path)
        self.area = area  # fetch.JoinArea, None (every place) or KEEP (what the cache joined with)
        self.url = url
        self.operator = operator
        self.since_ms = since_ms
        self.interval = interval
        self.on_status = on_status
        self.link: Link | None = None
        self.status = Status(online=False, store=display(url))
        self._lock = threading.Lock()
        self._want: int | None = None  # an earlier time asked for by the window (request_from)
        self._stop: threading.Event | None = None

    def request_from(self, t_ms: int) -> None:
        """Ask for the store's items from ``t_ms`` on (any thread): fetched by the next cycle
        when the cache does not hold them yet."""
        with self._lock:
            self._want = int(t_ms) if self._want is None else min(self._want, int(t_ms))

    def _older_wanted(self, link: Link) -> int | None:
        """The start of the span to fetch now, or None when the cache holds what was asked for."""
        if link.since_ms is None:
            return None
        target = 0 if link.want_from is None else link.want_from
        with self._lock:
            if self._want is not None:
                target = min(target, self._want)
        return target if target < link.since_ms else None

    def _refetch_area(self, link: Link) -> int:
        """The join's area changed: the held span again, under the new one (once; resumed
        after a stop)."""
        from desktop.sync.fetch import AREA_REFETCH, fetch_span

        if not link.state.get_key(AREA_REFETCH):
            return 0
        got = fetch_span(link, link.since_ms or 0, 2**62, on_progress=self._progress, cancel=self._stop)
        self.status.fetching = None
        if got.complete:
            with link.cache.transaction():
                link.cache.conn.execute("DELETE FROM meta WHERE key = ?", (link.state.prefix + AREA_REFETCH,))
        return got.items

    def _progress(self, f) -> None:
        s = self.status
        s.fetching = (f.seen, f.total)
        s.pulled = f.items
        if self.on_status:
            self.on_status(replace(s))

    def _fetch_older(self, link: Link) -> int:
        from desktop.sync.fetch import fetch_span

        start = self._older_wanted(link)
        if start is None:
            return 0
        s = self.status
        try:
            got = fetch_span(link, start, link.since_ms, on_progress=self._progress, cancel=self._stop)
        finally:
            s.fetching = None
        if got.complete:
            link.want_from = start if link.want_from is None or start < link.want_from else link.want_from
            with self._lock:
                if self._want is not None and self._want >= start:
                    self._want = None
        return got.items

    # --- one cycle ------------------------------------------------------------------

    def _ensure(self) -> Link:
        if self.link is None:
            self.link = Link.open(self.cache_path, self.url, operator=self.operator, since_ms=self.since_ms,
                                  area=self.area)
        return self.link

    def cycle(self) -> Status:
        """Push everything waiting, then pull until caught up. Raises SyncError/StoreOffline."""
        link = self._ensure()
        pushed = pulled = 0
        changed: list = []
        fired: list = []
        counts: dict[str, int] = {}
        try:
            while True:
                p = push(link)
                pushed += p.total
                if not p.more:
                    break
            fixed = fixed_page()
            page = fixed or PAGE
            while True:
                r = pull(link, page=page)
                page = fixed or (min(page * 2, CATCHUP_PAGE) if r.more else PAGE)
                pulled += r.total
                for table, n in r.counts.items():
                    counts[table] = counts.get(table, 0) + n
                changed += r.changed_elsewhere
                fired += r.alerts
                if not r.more:
                    break
            pulled += self._refetch_area(link)
            pulled += self._fetch_older(link)
            left = waiting(link)
            span = _store_span(link)
        except SyncError:
            raise
        except Exception as exc:
            if not is_driver_error(exc):
                raise
            err = explain(self.url, exc)
            if isinstance(err, StoreOffline):
                self._drop()
            raise err from None
        s = self.status
        s.online, s.offline_since, s.error = True, None, None
        s.pushed, s.pulled, s.waiting, s.cursor = pushed, pulled, left, link.state.cursor()
        s.changed_elsewhere = changed
        s.alerts = fired
        s.counts = counts
        s.have_from, s.store_span = link.since_ms, span
        s.area = link.area.describe() if link.area is not None else None
        s.pushed_total += pushed
        s.pulled_total += pulled
        return s

    def once(self) -> Status:
        try:
            return self.cycle()
        finally:
            self.close()

    def _drop(self) -> None:
        """Forget the store connection (it is reopened on the next cycle); keep the cache."""
        if self.link is not None:
            try:
                self.link.pg.close()
            except Exception:
                pass

    def close(self) -> None:
        if self.link is not None:
            self.link.close()
            self.link = None

    # --- the loop -------------------------------------------------------------------

    def _offline(self, exc: SyncError) -> None:
        s = self.status
        was_online = s.online or s.offline_since is None
        before = s.waiting
        s.online = False
        s.error = str(exc)
        if s.offline_since is None:
            s.offline_since = time.time()
        s.pushed = s.pulled = 0
        try:
            s.waiting = self._waiting_local()
        except Exception:  # the cache is busy: the count stays as it was
            pass
        if (was_online or s.waiting != before) and self.on_status:
            self.on_status(replace(s))  # a copy: the listener may read it on another thread, later

    def _waiting_local(self) -> int:
        if self.link is not None:
            return waiting(self.link)
        return waiting_offline(self.cache_path)

    def _local_mark(self) -> tuple:
        """Cheap: grows whenever something a push would send was written locally."""
        conn = self.link.cache.conn
        return tuple(conn.execute(f"SELECT max(id) FROM {t}").fetchone()[0] for t in
                     ("items", "triage_history", "incident_log", "areas", "alert_rules", "gazetteer")) + tuple(
            conn.execute("SELECT max(id), max(cleared_ms) FROM alerts").fetchone()) + tuple(
            conn.execute("SELECT max(coalesce(delivered_ms, 0) + coalesce(acknowledged_ms, 0) + coalesce(done_ms, 0) "
                         "+ coalesce(on_scene_ms, 0) + id) FROM tasks").fetchone()) + tuple(
            conn.execute("SELECT (SELECT count(*) FROM campaigns), (SELECT max(coalesce(updated_ms, created_ms)) FROM "
                         "campaigns), (SELECT max(id) FROM sync_erasures), (SELECT count(*) FROM scrubs)").fetchone())

    def run(self, stop: threading.Event) -> None:
        """Sync until ``stop`` is set. Errors that retrying cannot fix (a refused password,
        a newer shared schema) end the loop with SyncError; an unreachable store is retried."""
        self._stop = stop
        listener = None
        last_pull = 0.0
        mark = None
        backoff = 1.0
        try:
            while not stop.is_set():
                try:
                    if self.link is None or self.link.pg.closed:
                        if self.link is not None:
                            self.link.reconnect()
                        _close_quietly(listener)
                        listener = None
                    if listener is None:
                        self._ensure()
                        listener = connect(self.url, autocommit=True)
                        listener.execute(f"LISTEN {schema.CHANNEL}")
                    # The mark is read before the push: a change written while the cycle ran
                    # (after its push read the cache) differs from it and wakes the next cycle.
                    # (Rows the pull writes differ from it too: one more, quiet, cycle.)
                    mark = self._local_mark()
                    s = self.cycle()
                    backoff = 1.0
                    last_pull = time.monotonic()
                    if self.on_status and (s.pushed or s.pulled or not getattr(self, "_reported", False)):
                        self._reported = True
                        self.on_status(replace(s))  # a copy: the next cycle changes this one
                    # Wait for a notification, a local change or the interval.
                    while not stop.is_set():
                        woke = False
                        for _n in listener.notifies(timeout=LOCAL_POLL_S, stop_after=1):
                            woke = True
                        if woke or time.monotonic() - last_pull >= self.interval:
                            break
                        if self._local_mark() != mark:
                            break
                        if self.link is not None and self._older_wanted(self.link) is not None:
                            break
                except (sqlite3.OperationalError, CacheError) as exc:
                    # The cache is busy (an import, the live writer, a new file being set up):
                    # nothing was lost, the cycle runs again in a moment.
                    if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
                        raise cache_explain(self.cache_path, exc) from None
                    stop.wait(0.5)
                except Exception as exc:
                    if isinstance(exc, StoreOffline):
                        err = exc
                    elif is_driver_error(exc):
                        err = explain(self.url, exc)
                        if not isinstance(err, StoreOffline):
                            raise err from None
                    else:
                        raise
                    # The store went away: drop both connections, say so, retry with backoff.
                    _close_quietly(listener)
                    listener = None
                    self._drop()
                    self._reported = False
                    self._offline(err)
                    stop.wait(backoff)
                    backoff = min(backoff * 2, 10.0)
        finally:
            _close_quietly(listener)
            self.close()


def _store_span(link: Link) -> tuple[int, int] | None:
    from desktop.sync.fetch import store_span

    return store_span(link)


def _close_quietly(conn) -> None:
    """Close a connection that may already be broken (the store went away)."""
    if conn is not None:
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - a dead connection cannot be closed cleanly
            pass
