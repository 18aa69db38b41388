"""The shared store in the window: File → Shared store… (or ``sitmap open --shared URL``)
connects this cache to the command post's PostgreSQL; the sync (:mod:`desktop.sync`) runs
on its own thread, never on the GUI thread, and the status bar says "Shared store:
online" or "offline since 16:42, 312 changes waiting". After a pull the index takes the
new rows in, as after a live commit; triage and incidents pulled are picked up by their
panels' own checks. The URL is kept in the settings without its password (the password
goes to the system keyring where there is one, else it must come from $PGPASSWORD). The
dialog also says where the cache holds the store's items: everywhere, or only in an area
(a district, a saved area or a box, as ``sitmap sync --area``), kept by the cache."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QRadioButton,
                               QVBoxLayout)

from desktop.cache import CacheError
from desktop.sync.link import KEEP
from desktop.ui.panels.base import MenuEntry, Panel
from desktop.ui.plain import plain_label

log = logging.getLogger("sitmap.sync")


class _Relay(QObject):
    status = Signal(object)  # a desktop.sync.runner.Status, from the sync thread
    stopped = Signal(str)  # why the sync ended (a message), from the sync thread


class SharedStoreDialog(QDialog):
    """The store's URL and where this cache holds its items; OK checks the area first."""

    def __init__(self, panel: "SharedStorePanel") -> None:
        super().__init__(panel.ctx.window)
        self.panel = panel
        self.setObjectName("sharedStoreDialog")
        self.setWindowTitle(self.tr("Shared store"))
        self.resize(560, 0)
        col = QVBoxLayout(self)
        intro = plain_label(self.tr("The command post's shared store, postgresql://user@host:port/database "
                                    "(TLS options such as sslmode in the URL). Empty: work on this cache only."))
        intro.setWordWrap(True)
        col.addWidget(intro)
        self.url = QLineEdit(panel._shown_url())
        self.url.setObjectName("sharedStoreUrl")
        col.addWidget(self.url)
        form = QFormLayout()
        self.everywhere = QRadioButton(self.tr("Everywhere"))
        self.in_area = QRadioButton(self.tr("Only in an area:"))
        self.area = QLineEdit()
        self.area.setObjectName("sharedStoreArea")
        self.area.setPlaceholderText(self.tr("a district (종로구), a saved area or a box W,S,E,N"))
        self.unplaced = QCheckBox(self.tr("and the posts without a position"))
        form.addRow(self.tr("Hold the store's items"), self.everywhere)
        form.addRow(self.in_area, self.area)
        form.addRow("", self.unplaced)
        col.addLayout(form)
        now = panel.last_status.area if panel.last_status is not None else None
        (self.in_area if now else self.everywhere).setChecked(True)
        self.error = plain_label()
        self.error.setObjectName("sharedStoreError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b91c1c;")
        col.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        col.addWidget(buttons)
        self.area.textEdited.connect(lambda _t: self.in_area.setChecked(True))
        self.unplaced.setEnabled(self.in_area.isChecked())
        self.in_area.toggled.connect(self.unplaced.setEnabled)

    def choice(self):
        """The area asked for: a fetch.JoinArea, None (everywhere), or KEEP (unchanged: the
        area field left empty while the cache holds an area). ValueError when not understood."""
        if self.everywhere.isChecked():
            return None
        text = self.area.text().strip()
        if not text:
            return KEEP
        from desktop.sync.fetch import resolve_area

        return resolve_area(self.panel.ctx.writer().conn, text, unplaced=self.unplaced.isChecked())

    def _ok(self) -> None:
        try:
            area = self.choice()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.accept()
        self.panel.connect_to(self.url.text().strip() or None, area=area)


class SharedStorePanel(Panel):
    name = "shared_store"
    JOIN_SPAN_MS = 24 * 3600 * 1000  # what a workstation joining the store takes at first

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.label = plain_label()  # the store's address and the driver's messages: data
        self.label.setObjectName("sharedStoreStatus")
        self.label.hide()
        self.relay = _Relay()
        self.relay.status.connect(self._on_status)
        self.relay.stopped.connect(self._on_stopped)
        self.url: str | None = None
        self.last_status = None
        self._widening = False  # the span is growing to the store's: not the user moving the window
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._password: str | None = None  # given this session (saved only to the keyring)
        self._area = KEEP  # where the cache holds the store's items (sync.fetch.JoinArea, None: everywhere)
        # Items whose triage another workstation changed this session: item id -> ChangedElsewhere.
        self.changed: dict[int, object] = {}
        ctx.services["changed_elsewhere"] = self.changed_text
        self._sync = None
        self.session.events.connect("window", self._window_moved)

    def actions(self) -> list[MenuEntry]:
        act = QAction(self.tr("Shared store…"), self.ctx.window)
        act.setObjectName("sharedStoreAction")
        act.triggered.connect(self.ask_url)
        return [MenuEntry("file", act, separator_before=True)]

    def status_widgets(self):
        return [self.label]

    def restore(self, settings) -> None:
        url = os.environ.get("SITMAP_SHARED") or settings.value("url", "", type=str)
        if url:
            self.connect_to(url, save=False)

    def save(self, settings) -> None:
        from desktop.sync.connect import without_password

        settings.setValue("url", without_password(self.url)[0] if self.url else "")

    # connecting ----------------------------------------------------------------------------
    def ask_url(self) -> SharedStoreDialog:
        dlg = SharedStoreDialog(self)
        dlg.open()
        self.dialog = dlg
        return dlg

    def _shown_url(self) -> str:
        from desktop.sync.connect import without_password

        return without_password(self.url)[0] if self.url else ""

    def connect_to(self, url: str | None, *, save: bool = True, area=KEEP) -> None:
        """Start syncing with ``url`` (None: stop). A password in the URL goes to the keyring
        (where there is one) and is used as given for this session; it is never written to
        the settings. ``area``: a fetch.JoinArea, None for every place; by default what the
        cache joined with."""
        from desktop.sync.connect import save_password, without_password

        self.stop()
        self.url = url
        self._area = area
        if not url:
            self.label.hide()
            return
        bare, password = without_password(url)
        if password:  # kept for next time in the keyring, where there is one
            save_password(bare, password)
        # This session uses the password as given, never read back from the keyring (a file
        # keyring read while another window rewrites it can come back empty); a URL without
        # one leaves it to the keyring or $PGPASSWORD.
        self._password = password
        self.label.setText(self.tr("Shared store: connecting…"))
        self.label.show()
        self._start(bare)

    def _start(self, bare_url: str) -> None:
        from desktop.sync.connect import without_password
        from desktop.sync.runner import Sync

        url = bare_url
        if self._password:
            from urllib.parse import quote, urlsplit, urlunsplit

            parts = urlsplit(bare_url)
            user, _, host = parts.netloc.rpartition("@")
            url = urlunsplit((parts.scheme, f"{user}:{quote(self._password, safe='')}@{host}", parts.path,
                              parts.query, parts.fragment))
        self._stop = threading.Event()
        # Joining: the last day; older spans are fetched when the slider goes there (_window_moved).
        since = int(time.time() * 1000) - self.JOIN_SPAN_MS
        sync = Sync(self.ctx.db_path, url, operator=self.session.operator, since_ms=since,
                    on_status=self.relay.status.emit, area=self._area)
        self._sync = sync
        stop = self._stop

        def run() -> None:
            try:
                sync.run(stop)
            except Exception as exc:  # noqa: BLE001 - said in the status bar, never a traceback
                from desktop.core.errors import SitmapError

                if not isinstance(exc, SitmapError):
                    log.exception("the shared store sync stopped")
                self.relay.stopped.emit(str(exc))

        self._thread = threading.Thread(target=run, name="sitmap-sync", daemon=True)
        self._thread.start()
        log.info("syncing with %s", without_password(bare_url)[0])

    def stop(self) -> None:
        self._sync = None
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    # what the sync says ------------------------------------------------------------------
    def _on_status(self, s) -> None:
        self.last_status = s
        if s.online and s.fetching:
            text = self.tr("Shared store: fetching older posts, {done} of {total}").format(
                done=f"{s.fetching[0]:,}", total=f"{s.fetching[1]:,}")
        elif s.online:
            text = self.tr("Shared store: online")
            if s.waiting:
                text += self.tr(", {n} changes waiting").format(n=s.waiting)
            if s.area:  # joined for an area only (sitmap sync --area)
                text += self.tr(" (holding {area} only)").format(area=s.area)
        else:
            since = time.strftime("%H:%M", time.localtime(s.offline_since or time.time()))
            text = self.tr("Shared store: offline since {time}, {n} changes waiting").format(time=since, n=s.waiting)
        self.label.setText(text)
        self.label.setToolTip(s.error or s.store)
        if s.online and s.store_span:  # the slider reaches back to the store's first item
            self._widen_to_store(s)
        if s.pulled:
            self.ctx.worker.append()  # the new rows go into the index, as after a live commit
        if s.changed_elsewhere:
            self._changed(s.changed_elsewhere)
        if s.counts.get("areas"):
            self._areas_pulled()
        if s.alerts:
            self._alerts(s.alerts)

    def _widen_to_store(self, s) -> None:
        """The slider reaches back to the store's first item, but widening the span moves no
        window's start back (that is not the user going there, and following it would fetch the
        whole store on joining); a first view starts at what the cache holds. What the window
        then shows is fetched as when the user moves it."""
        before = self.session.window
        self._widening = True
        try:
            self.session.widen_span(s.store_span[0], s.store_span[1] + 1)
        finally:
            self._widening = False
        w = self.session.window
        if w is None or None in w:
            return
        start = w[0]
        if before is not None and None not in before:
            start = max(start, int(before[0]))
        elif s.have_from is not None and w[0] < s.have_from < w[1]:
            start = int(s.have_from)
        if start != w[0]:
            self.session.window = (start, int(w[1]))
        self._window_moved(self.session.window)

    def _window_moved(self, window) -> None:
        """The slider went before what the cache holds of the store: fetch that span."""
        s, sync = self.last_status, self._sync
        if window is None or sync is None or s is None or not s.online or s.have_from is None:
            return
        if self._widening:
            return
        if window[0] < s.have_from:
            sync.request_from(int(window[0]))

    def _areas_pulled(self) -> None:
        """Areas saved or changed on another workstation join this session's saved areas
        (new ones outlined, not filtering; a changed one keeps whether it filters)."""
        from desktop.session import saved_areas

        try:
            areas = saved_areas.read(self.ctx.loader.conn)
        except (CacheError, sqlite3.Error) as exc:
            log.warning("areas from the shared store not shown: %s", exc)
            return
        names = saved_areas.merge(self.session, areas)
        if names:
            self.ctx.status(self.tr("Area(s) from the shared store: {names}").format(names=", ".join(names)), 8000)

    # alerts fired elsewhere ------------------------------------------------------------------
    def _alerts(self, elsewhere: list) -> None:
        """An alert another workstation (or the ingest node) fired or cleared is told here as
        this window's own are: in the Alerts dock, rung and notified, naming where it fired."""
        from desktop.live.alerts import Alert

        live = self.ctx.services.get("live")
        if live is None:
            return
        for e in elsewhere:
            where = self.tr("{rule} (on {workstation})").format(rule=e.rule_name or e.kind,
                                                                 workstation=e.operator or e.workstation)
            alert = Alert(e.local_id, 0, where, e.kind, e.t_ms, e.area_name, e.message, e.item_ids, e.episode,
                          e.cleared_ms)
            (live.alertFired if e.new and e.cleared_ms is None else live.alertCleared).emit(alert)

    # someone else changed it -----------------------------------------------------------------
    CHANGED_KEPT = 5000

    def _changed(self, changes: list) -> None:
        """Say that another workstation changed posts' triage, first those whose triage was this
        operator's; the details of such a post say it too."""
        from desktop.ui.feed_model import triage_names

        for ch in changes:
            self.changed.pop(ch.item_id, None)
            self.changed[ch.item_id] = ch
        while len(self.changed) > self.CHANGED_KEPT:
            self.changed.pop(next(iter(self.changed)))
        names = triage_names()
        mine = [c for c in changes if c.superseded]
        if mine:
            last = mine[-1]
            text = self.tr("{by} changed your triage of {n} post(s) on another workstation: now {state}").format(
                by=last.by, n=len(mine), state=names.state(last.state))
        else:
            who = sorted({c.by for c in changes})
            text = self.tr("{n} post(s) triaged on another workstation ({who})").format(
                n=len(changes), who=", ".join(who[:3]) + ("…" if len(who) > 3 else ""))
        self.ctx.status(text, 15000)
        sel = self.session.selected
        refresh = self.ctx.services.get("refresh_details")
        if sel is not None and sel in {c.item_id for c in changes} and refresh is not None:
            refresh()

    def changed_text(self, item_id: int | None) -> str:
        """The details' line for an item another workstation changed this session ("" if none)."""
        from desktop.core.timefmt import fmt
        from desktop.ui.feed_model import triage_names

        ch = self.changed.get(item_id) if item_id is not None else None
        if ch is None:
            return ""
        names = triage_names()
        text = self.tr("{by}, {time}: {state}, {priority}").format(
            by=ch.by, time=fmt(ch.t_ms, self.session.zone), state=names.state(ch.state),
            priority=names.priority(ch.priority))
        if ch.superseded:
            text += " " + self.tr("(replaced your triage)")
        return text

    def _on_stopped(self, message: str) -> None:
        self.label.setText(self.tr("Shared store: stopped ({error})").format(error=message))
        self.label.setToolTip(message)

    def shutdown(self) -> None:
        self.stop()


PANEL = SharedStorePanel
