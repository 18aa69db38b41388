"""The retention purge while the window is open: at start (once the index is ready) and
every 24 hours, on a thread of its own.

It is :func:`desktop.cache.erase.purge` (each item kept for its purpose's retention period,
never the items of an incident that is not closed), with its ``erase`` audit entry committed
in the same transaction (the cache's outbox) and moved into the audit log right after, as
``sitmap purge`` does. When something was erased the index snapshot is deleted and the
window reads the cache again, as after ``sitmap erase``. Nothing expired: nothing is
rewritten and nothing recorded. The setting ``retention/daily_purge`` (or
$SITMAP_DAILY_PURGE=0) turns it off.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger("sitmap.purge")
DAY_MS = 24 * 3600 * 1000
SETTING = "retention/daily_purge"


def enabled(settings) -> bool:
    env = os.environ.get("SITMAP_DAILY_PURGE")
    if env is not None and env.strip() != "":
        return env.strip().lower() not in ("0", "no", "off", "false")
    return settings.value(SETTING, True, type=bool)


class PurgeJob(QObject):
    """One purge on a Python thread; ``finished`` (queued to the GUI thread) carries
    (stats or None when nothing expired, the entries recorded) or the exception."""

    finished = Signal(object)

    def __init__(self, db: Path, who: tuple) -> None:
        super().__init__()
        self.db, self.who = Path(db), who
        self.done = False
        self.minimised = None  # MinimiseStats when the run pseudonymised or coarsened anything
        self.thread = threading.Thread(target=self._run, name="sitmap-purge", daemon=True)

    def start(self) -> "PurgeJob":
        self.thread.start()
        return self

    def _run(self) -> None:
        from desktop.audit import AuditLog
        from desktop.cache import Cache
        from desktop.cache.erase import purge
        from desktop.cache.outbox import Staged, Who

        from desktop.cache import minimise
        from desktop.cache.erase import compact
        from desktop.cache.generation import compact_due

        try:
            with Cache.open(self.db) as cache:
                stats, entries, rewrote = None, [], False
                if purge(cache, dry_run=True).items:
                    staged = Staged("erase", Who(*self.who), objects={"purge": "daily"},
                                    detail={"by": "the window's daily retention purge"})
                    stats = purge(cache, audit=staged)
                    rewrote = True
                # Then minimisation (pseudonyms, coarsening), when the cache's settings ask for it.
                self.minimised = None
                if minimise.active(minimise.settings(cache.conn)) and \
                        any(minimise.run(cache, dry_run=True).counts().values()):
                    self.minimised = minimise.run(cache, audit=Staged(
                        "alter", Who(*self.who), detail={"by": "the window's daily minimisation"}))
                    rewrote = True
                if not rewrote and compact_due(cache.conn):  # a live feed's withdrawals, not yet rewritten
                    compact(cache)
                if rewrote:
                    with AuditLog.open(self.db) as audit_log:
                        entries = audit_log.drain(cache.conn)
                    from desktop.engine.snapshot import discard
                    from desktop.engine.source import cache_state

                    state = cache_state(cache.conn)
                    if state is not None:
                        discard(state)
                res = (stats, entries)
        except BaseException as exc:  # handed to the GUI thread, which reports it
            res = exc
        self.finished.emit(res)


class DailyPurge(QObject):
    """Runs :class:`PurgeJob` for a window; ``purged`` carries the stats after each erasure."""

    purged = Signal(object)

    def __init__(self, window, settings) -> None:
        super().__init__(window)
        self.window = window
        self.on = enabled(settings)
        self.job: PurgeJob | None = None
        self.last = None  # the last run's result (stats, entries), None, or the exception
        self.timer = QTimer(self, interval=DAY_MS)
        self.timer.timeout.connect(self.run)

    def index_ready(self) -> None:
        """The first index is ready: purge now, then every day."""
        if self.on and not self.timer.isActive():
            self.timer.start()
            QTimer.singleShot(0, self.run)

    def run(self) -> PurgeJob | None:
        if self.job is not None and not self.job.done:
            return None
        s = self.window.session
        self.job = job = PurgeJob(s.db_path, (s.operator, s.purpose, s.case_ref))
        job.finished.connect(self._finished)
        return job.start()

    def _finished(self, res) -> None:
        import sys

        from desktop.core.errors import SitmapError

        self.job.done = True
        self.last = res
        if isinstance(res, SitmapError):
            log.warning("daily purge: %s", res)
            self.window.statusBar().showMessage(self.tr("The retention purge failed: {error}").format(error=str(res)),
                                                15000)
            return
        if isinstance(res, BaseException):
            sys.excepthook(type(res), res, res.__traceback__)
            return
        stats, entries = res
        if not entries:
            return
        self.window.worker.reload()  # the cache was rewritten: read it again
        audit = getattr(self.window, "audit", None)
        if audit is not None:
            for e in entries:
                for fn in list(audit.listeners):
                    fn(e)
        minimised = getattr(self.job, "minimised", None)
        if minimised is not None:
            log.info("daily minimisation: %s", minimised.summary())
        if stats is None:
            return
        log.info("daily purge: %s", stats.summary())
        self.window.statusBar().showMessage(self.tr("Retention purge: {n} items past their retention period "
                                                    "erased").format(n=f"{stats.items:,}"), 15000)
        self.purged.emit(stats)

    def stop(self) -> None:
        self.timer.stop()
        if self.job is not None and not self.job.done:
            self.job.thread.join(60)
