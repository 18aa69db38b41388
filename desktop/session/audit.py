"""The window session's audit entries, in one Qt-free place.

:class:`SessionAudit` holds the audit log beside the session's cache and records each
window action once, with the session's operator, purpose and case reference: the
session's start and end and each change of who works and why (``session``), a filter
once it settles and an item's details opened (``consult``), triage and incident changes
(``alter``), exports, reports, tasks and posts sent to the field (``disclose``), imports
(``collect``) and the retention purge (``erase``). The window decides *when* (a filter
settles after the slider stops); this module decides *what* is written. Listeners hear
of every entry (the audit dock refreshes on them).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterable

from desktop.audit import AuditLog, Entry
from desktop.cache.erase import id_ranges
from desktop.core.filters import Filter
from desktop.session.model import Session

log = logging.getLogger("sitmap.audit")

WHO_FIELDS = frozenset({"operator", "purpose", "case_ref"})


class SessionAudit:
    """Records a window session's actions in the audit log of its cache."""

    def __init__(self, session: Session, audit_log: AuditLog | None = None) -> None:
        self.session = session
        self._log = audit_log
        self.listeners: list[Callable[[Entry], None]] = []
        self.started = False
        self._who = self.who()
        self._last_filter: str | None = None
        session.events.connect(None, self._session_changed)

    # the log ------------------------------------------------------------------------------
    @property
    def log(self) -> AuditLog:
        if self._log is None:
            self._log = AuditLog.open(self.session.db_path)
        return self._log

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def who(self) -> tuple[str | None, str | None, str | None]:
        s = self.session
        return s.operator or None, s.purpose or None, s.case_ref or None

    def record(self, action: str, *, objects: Any = None, detail: Any = None) -> Entry:
        operator, purpose, case_ref = self.who()
        entry = self.log.record(action, operator=operator, purpose=purpose, case_ref=case_ref, objects=objects,
                                detail=detail)
        for fn in list(self.listeners):
            try:
                fn(entry)
            except Exception:  # a listener must not undo the entry
                log.exception("audit listener failed")
        return entry

    # the session ----------------------------------------------------------------------------
    def start(self, **detail) -> Entry:
        """The window session starts (who and why as the session holds them now)."""
        self.started = True
        self._who = self.who()
        return self.record("session", objects=None, detail={"event": "start", **detail})

    def end(self) -> Entry | None:
        if not self.started:
            return None
        self.started = False
        return self.record("session", objects=None, detail={"event": "end"})

    def _session_changed(self, names: frozenset) -> None:
        if not self.started or not names & WHO_FIELDS:
            return
        now = self.who()
        if now == self._who:
            return
        before, self._who = self._who, now
        keys = ("operator", "purpose", "case_ref")
        self.record("session", objects=None,
                    detail={"event": "change", "from": dict(zip(keys, before)), "to": dict(zip(keys, now))})

    # consultation ---------------------------------------------------------------------------
    def filter_settled(self, flt: Filter) -> Entry | None:
        """The filter the window shows once it stopped changing: one entry per new description."""
        text = flt.describe()
        if text == self._last_filter:
            return None
        self._last_filter = text
        return self.record("consult", objects={"filter": text})

    def opened(self, item_id: int) -> Entry:
        """An item's details were shown."""
        return self.record("consult", objects={"items": [int(item_id)]})

    def thread_viewed(self, item_ids: Iterable[int], root: str | None) -> Entry:
        """A conversation thread was shown (Thread…): the items it showed, as ranges."""
        return self.record("consult", objects={"thread": root, "items": id_ranges(item_ids)})

    def audit_viewed(self, what: str, item_id: int | None = None) -> Entry:
        """The audit trail itself was read (``what``: "view", "who saw"), as ``sitmap audit show`` is."""
        objects: dict = {"audit": what}
        if item_id is not None:
            objects["items"] = [int(item_id)]
        return self.record("consult", objects=objects)

    # alteration ------------------------------------------------------------------------------
    def altered(self, item_ids: Iterable[int], detail: dict, *, incident: int | None = None) -> Entry:
        objects: dict = {"items": sorted({int(i) for i in item_ids})}
        if incident is not None:
            objects = {"incident": int(incident), **objects}
        return self.record("alter", objects=objects, detail=detail)

    # disclosure ------------------------------------------------------------------------------
    def disclosed(self, item_ids: Iterable[int], detail: dict, **objects) -> Entry:
        """Items that left Sitmap (an export, a report): their ids as ranges [[first, last], …]."""
        return self.record("disclose", objects={**objects, "items": id_ranges(item_ids)}, detail=detail)

    def sent(self, item_id: int | None, unit: str | None, detail: dict, **objects) -> Entry:
        """An item (or an incident) sent to a unit or the field."""
        obj: dict = {"items": [int(item_id)] if item_id is not None else [], "unit": unit, **objects}
        return self.record("disclose", objects=obj, detail=detail)

    # collection and erasure -------------------------------------------------------------------
    def collected(self, file: str, batch: int | None, detail: dict) -> Entry:
        return self.record("collect", objects={"file": str(file), "batch": batch}, detail=detail)

    def erased(self, stats, detail: dict) -> Entry:
        """An erasure or purge (desktop.cache.erase.ErasureStats): counts and id ranges, never text."""
        return self.record("erase", objects={"items": stats.items, "ids": id_ranges(stats.ids)},
                           detail={**detail, "counts": stats.counts(), "compacted": stats.compacted,
                                   "kept_in_open_incidents": stats.kept_in_open_incidents})


__all__ = ["SessionAudit", "WHO_FIELDS"]
