"""Puts the live picture into the main window: the Feeds dialog, chat and alert panes,
right-click markers, pushing posts to the field, and the feeds' status line."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel

from desktop.cache import CacheError
from desktop.live.alerts import save_rule
from desktop.ui.live_panel import LiveController
from desktop.ui.live_widgets import AlertsPane, ChatPane, FeedsDialog, RuleDialog, marker_dialog

log = logging.getLogger("sitmap.live")


class LiveWiring:
    """The window's live parts; created once by MainWindow."""

    def __init__(self, win) -> None:
        self.win = win
        self.live = LiveController(win.db_path, win)
        self.chat = ChatPane()
        self.alerts = AlertsPane()
        self.chat_dock = win._dock(self.chat, win.tr("Field chat"), Qt.DockWidgetArea.RightDockWidgetArea, "chatDock")
        self.alerts_dock = win._dock(self.alerts, win.tr("Alerts"), Qt.DockWidgetArea.LeftDockWidgetArea, "alertsDock")
        win.tabifyDockWidget(win.feed_dock, self.chat_dock)
        win.feed_dock.raise_()
        self.status = QLabel()
        self.status.setObjectName("feedStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        win.statusBar().addPermanentWidget(self.status)

        feeds = QAction(win.tr("Feeds…"), win)
        feeds.setShortcut(QKeySequence("Ctrl+L"))
        feeds.triggered.connect(self.open_feeds)
        push = QAction(win.tr("Send post to field"), win)
        push.setShortcut(QKeySequence("Ctrl+Shift+S"))
        push.triggered.connect(self.push_selected)
        for a in (feeds, push):
            win.map_toolbar.addAction(a)

        self._new_max = 0
        self._closed = False
        self._chat_seen = self._max_id()
        self._append_timer = QTimer(win, singleShot=True, interval=250)
        self._append_timer.timeout.connect(self._apply_commits)
        self.live.committed.connect(self._committed)
        self.live.alertFired.connect(self._alert)
        self.live.statusChanged.connect(self._status)
        self.chat.sendRequested.connect(self._send_chat)
        self.chat.messageClicked.connect(lambda i: win.select_item(i))
        self.alerts.alertActivated.connect(self.show_alert)
        self.alerts.rulesRequested.connect(self.new_rule)
        win.bridge.contextRequested.connect(self.place_marker)
        win.resultApplied.connect(lambda res: self.chat.set_units(res.units))

    # feeds ------------------------------------------------------------------------------
    def open_feeds(self) -> FeedsDialog:
        dlg = FeedsDialog(self.live, self.win)
        dlg.open()
        return dlg

    def _status(self, statuses: list) -> None:
        self.status.setText("  |  ".join(s.line() for s in statuses))

    def _committed(self, ids: list, units_changed: bool) -> None:
        if self._closed:
            return
        # Commits come up to twenty times a second in a flood: coalesce the index update
        # and the chat check into one every quarter second, so the GUI thread stays free.
        if ids:
            self._new_max = max(self._new_max, max(ids))
        if not self._append_timer.isActive():
            self._append_timer.start()

    def _apply_commits(self) -> None:
        if self._closed:
            return
        self.win.worker.append()
        if self._new_max <= self._chat_seen:
            return
        # Only chat rows are loaded here (by rowid range: new rows only, no scan).
        rows = self.win.loader.conn.execute(
            "SELECT id FROM items WHERE id > ? AND id <= ? AND kind = 'field_update' AND extra LIKE '%\"chat\":%'",
            (self._chat_seen, self._new_max)).fetchall()
        self._chat_seen = self._new_max
        if rows:
            for item in self.win.loader.load([r[0] for r in rows]).values():
                if (item.get("extra") or {}).get("chat"):
                    self.chat.add_message(item)

    def _max_id(self) -> int:
        row = self.win.loader.conn.execute("SELECT max(id) FROM items").fetchone()
        return int(row[0] or 0)

    # two-way ----------------------------------------------------------------------------
    def place_marker(self, lat: float, lon: float) -> None:
        got = marker_dialog(self.win, lat, lon)
        if got is None:
            return
        text, cot_type = got
        _item, sent = self.live.place_marker(lat, lon, text, cot_type)
        self.win.statusBar().showMessage(
            self.win.tr("Field update stored; sent to {n} TAK connection(s)").format(n=sent), 8000)

    def _send_chat(self, text: str, to_uid: str, to_callsign: str) -> None:
        sent = self.live.send_chat(text, to_uid or None, to_callsign or None)
        self.win.statusBar().showMessage(self.win.tr("Message stored; sent to {n} TAK connection(s)").format(n=sent), 8000)

    def push_selected(self) -> None:
        item = self.win.details.item()
        if not item or item["kind"] != "post" or item.get("lat") is None:
            self.win.statusBar().showMessage(self.win.tr("Select a post with a position first"), 6000)
            return
        sent = self.live.push_post(item)
        self.win.statusBar().showMessage(self.win.tr("Post sent to {n} TAK connection(s)").format(n=sent), 8000)

    # alerts -----------------------------------------------------------------------------
    def _alert(self, alert) -> None:
        self.alerts.add_alert(alert)
        self.alerts_dock.raise_()
        self.live.notify(alert)

    def new_rule(self) -> RuleDialog:
        dlg = RuleDialog(self.win.filters.areas, self.win)

        def save() -> None:
            try:
                save_rule(self.win._writer(), dlg.rule)
            except CacheError as exc:
                self.win.statusBar().showMessage(str(exc), 10000)
                return
            self.live.ensure_writer()
            self.live.engine.reload_rules()
            self.win.statusBar().showMessage(self.win.tr("Alert rule “{name}” is active").format(name=dlg.rule.name), 6000)

        dlg.accepted.connect(save)
        dlg.open()
        return dlg

    def show_alert(self, alert) -> None:
        """Show the alert's time (and area) on the map; leaves live mode."""
        win = self.win
        win.set_live(False)
        start, end = win.timeline.window()
        width = max(end - start, 15 * 60_000)
        win.timeline.set_window(alert.t_ms - width * 3 // 4, alert.t_ms + width // 4)
        rule = next((r for r in (self.live.engine.rules if self.live.engine else []) if r.id == alert.rule_id), None)
        if rule is not None and rule.area:
            from shapely.geometry import shape

            win.bridge.send({"type": "fit", "bounds": list(shape(rule.area).bounds), "maxZoom": 17})
        elif alert.item_ids:
            win.select_item(alert.item_ids[-1])

    def stop(self) -> None:
        self._closed = True
        self._append_timer.stop()
        self.live.stop()
