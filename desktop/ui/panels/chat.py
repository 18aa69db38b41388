"""The Field chat dock: messages from and to officers over TAK, next to the feed.

The live writer's thread finds the new chat rows among each commit (the window's thread
never scans a flood's rows); they are loaded here at most four times a second. A clicked
message selects its item."""

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
        self._pending: list[int] = []
        self._closed = False
        self._timer = QTimer(ctx.window, singleShot=True, interval=COALESCE_MS)
        self._timer.timeout.connect(self._check)
        self.live.chatCommitted.connect(self._committed)
        self.widget.sendRequested.connect(self._send)
        self.widget.messageClicked.connect(lambda i: self.session.select(int(i), "chat"))

    def docks(self) -> list[Dock]:
        return [Dock("chatDock", self.tr("Field chat"), self.widget, Area.RightDockWidgetArea, tabify_with="feedDock")]

    def on_result(self, res) -> None:
        self.widget.set_units(res.units)

    def _committed(self, ids: list) -> None:
        if self._closed:
            return
        self._pending += ids
        if not self._timer.isActive():
            self._timer.start()

    def _check(self) -> None:
        ids, self._pending = sorted(set(self._pending)), []
        if self._closed or not ids:
            return
        got = self.ctx.loader.load(ids)
        for i in ids:
            item = got.get(i)
            if item and (item.get("extra") or {}).get("chat"):
                self.widget.add_message(item)

    def _send(self, text: str, to_uid: str, to_callsign: str) -> None:
        sent = self.live.send_chat(text, to_uid or None, to_callsign or None)
        self.ctx.status(self.tr("Message stored; sent to {n} TAK connection(s)").format(n=sent))

    def shutdown(self) -> None:
        self._closed = True
        self._timer.stop()


PANEL = ChatPanel
