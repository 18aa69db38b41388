"""The Field chat dock: messages from and to officers over TAK, next to the feed.

New chat rows are read by id range as they are committed (no scan); a clicked message
selects its item."""

from __future__ import annotations

from PySide6.QtCore import QTimer

from desktop.ui.live_widgets import ChatPane
from desktop.ui.panels.base import Area, Dock, Panel

COALESCE_MS = 250


class ChatPanel(Panel):
    name = "chat"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.live = ctx.services["live"]
        self.widget = ChatPane()
        self._new_max = 0
        self._seen = self._max_id()
        self._closed = False
        self._timer = QTimer(ctx.window, singleShot=True, interval=COALESCE_MS)
        self._timer.timeout.connect(self._check)
        self.live.committed.connect(self._committed)
        self.widget.sendRequested.connect(self._send)
        self.widget.messageClicked.connect(lambda i: self.session.select(int(i), "chat"))

    def docks(self) -> list[Dock]:
        return [Dock("chatDock", self.tr("Field chat"), self.widget, Area.RightDockWidgetArea, tabify_with="feedDock")]

    def on_result(self, res) -> None:
        self.widget.set_units(res.units)

    def _max_id(self) -> int:
        row = self.ctx.loader.conn.execute("SELECT max(id) FROM items").fetchone()
        return int(row[0] or 0)

    def _committed(self, ids: list, _units_changed: bool) -> None:
        if self._closed:
            return
        if ids:
            self._new_max = max(self._new_max, max(ids))
        if not self._timer.isActive():
            self._timer.start()

    def _check(self) -> None:
        if self._closed or self._new_max <= self._seen:
            return
        loader = self.ctx.loader
        rows = loader.conn.execute(
            "SELECT id FROM items WHERE id > ? AND id <= ? AND kind = 'field_update' AND extra LIKE '%\"chat\":%'",
            (self._seen, self._new_max)).fetchall()
        self._seen = self._new_max
        if rows:
            for item in loader.load([r[0] for r in rows]).values():
                if (item.get("extra") or {}).get("chat"):
                    self.widget.add_message(item)

    def _send(self, text: str, to_uid: str, to_callsign: str) -> None:
        sent = self.live.send_chat(text, to_uid or None, to_callsign or None)
        self.ctx.status(self.tr("Message stored; sent to {n} TAK connection(s)").format(n=sent))

    def shutdown(self) -> None:
        self._closed = True
        self._timer.stop()


PANEL = ChatPanel
