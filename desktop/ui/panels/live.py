"""The live picture in the window: feeds (Ctrl+L), their status line, markers placed by
right-click, posts pushed to the field, and new items merged into the index as they are
committed. The live controller is shared with the chat and alert panels as the
``live`` service."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QKeySequence

from desktop.ui.live_panel import LiveController
from desktop.ui.live_widgets import FeedsDialog, marker_dialog
from desktop.ui.panels.base import MenuEntry, Panel
from desktop.ui.plain import plain_label

log = logging.getLogger("sitmap.live")
COALESCE_MS = 250
# While commits keep coming (a flood), one index merge and one redraw per FLOOD_MS: the
# picture stays within about a second of the cache, and the window's thread and the query
# worker are not asked to redraw four times a second.
FLOOD_MS = 750
FLOOD_GAP_S = 2.0  # commits closer than this to the last merge are a flood


class LivePanel(Panel):
    name = "live"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.live = LiveController(ctx.db_path, ctx.window)
        ctx.services["live"] = self.live
        s = self.session
        self.live.who = lambda: (s.operator, s.purpose, s.case_ref)
        self.status = plain_label()  # feed names, peers and errors: data
        self.status.setObjectName("feedStatus")
        self._closed = False
        # Commits come up to twenty times a second in a flood: merge them into the index
        # once a quarter second, so the GUI thread stays free.
        self._append_timer = QTimer(ctx.window, singleShot=True, interval=COALESCE_MS)
        self._last_apply = float("-inf")
        self._append_timer.timeout.connect(self._apply_commits)
        self.live.committed.connect(self._committed)
        self.live.statusChanged.connect(self._status)
        ctx.bridge.contextRequested.connect(self.place_marker)

    def actions(self) -> list[MenuEntry]:
        win = self.ctx.window
        feeds = QAction(self.tr("Feeds…"), win)
        feeds.setShortcut(QKeySequence("Ctrl+L"))
        feeds.triggered.connect(self.open_feeds)
        push = QAction(self.tr("Send post to field"), win)
        push.setShortcut(QKeySequence("Ctrl+Shift+S"))
        push.triggered.connect(self.push_selected)
        return [MenuEntry("live", feeds, toolbar=True), MenuEntry("live", push, toolbar=True)]

    def status_widgets(self):
        return [self.status]

    def open_feeds(self):
        """The Feeds dialog; without a purpose, the box that says why feeds stay off."""
        from desktop.ui.start_dialog import refuse_without_purpose

        if self.live.writer is None:
            refused = refuse_without_purpose(self.ctx.window, self.session, self.tr("Live feeds"),
                                             self.ctx.services.get("ask_who"))
            if refused is not None:
                self.refused = refused
                return refused
        self.live.prepare()  # the feeds' process starts while the commander fills in the dialog
        dlg = FeedsDialog(self.live, self.ctx.window)
        dlg.open()
        return dlg

    def _status(self, statuses: list) -> None:
        self.status.setText("  |  ".join(s.line() for s in statuses))

    flood_ms = FLOOD_MS  # COALESCE_MS: every commit after a quarter second (the earlier design)

    def _committed(self, ids: list, units_changed: bool) -> None:
        if not self._closed and not self._append_timer.isActive():
            flood = time.monotonic() - self._last_apply < FLOOD_GAP_S
            self._append_timer.start(self.flood_ms if flood else COALESCE_MS)

    def _apply_commits(self) -> None:
        if not self._closed:
            self._last_apply = time.monotonic()
            self.ctx.worker.append()

    def place_marker(self, lat: float, lon: float) -> None:
        got = marker_dialog(self.ctx.window, lat, lon)
        if got is None:
            return
        text, cot_type = got
        _item, sent = self.live.place_marker(lat, lon, text, cot_type)
        self.ctx.status(self.tr("Field update stored; sent to {n} TAK connection(s)").format(n=sent))

    def push_selected(self) -> None:
        sel = self.session.selected
        item = self.ctx.loader.load([sel]).get(sel) if sel is not None else None
        if not item or item["kind"] != "post" or item.get("lat") is None:
            self.ctx.status(self.tr("Select a post with a position first"), 6000)
            return
        sent = self.live.push_post(item)
        self.record("sent", item["id"], None, {"to": "field", "connections": sent})
        self.ctx.status(self.tr("Post sent to {n} TAK connection(s)").format(n=sent))

    def shutdown(self) -> None:
        self._closed = True
        self._append_timer.stop()
        self.live.stop()


PANEL = LivePanel
