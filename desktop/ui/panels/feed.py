"""The Feed dock: the items of the current filter, newest first, and the details of the
selected one. Selecting a row selects the item in the session; a selection made
elsewhere (the map, the chat, an alert) selects and scrolls to its row."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QSplitter

from desktop.ui.details_pane import DetailsPane
from desktop.ui.feed_model import FeedModel, FeedView
from desktop.ui.panels.base import Area, Dock, Panel


class FeedPanel(Panel):
    name = "feed"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.model = FeedModel(ctx.loader)
        self.view = FeedView()
        self.view.setModel(self.model)
        self.details = DetailsPane()
        self.widget = QSplitter(Qt.Orientation.Vertical)
        self.widget.addWidget(self.view)
        self.widget.addWidget(self.details)
        self.widget.setSizes([560, 340])
        self.view.itemSelected.connect(lambda i: self.session.select(int(i), "feed"))
        self.details.whoSaw.connect(self.who_saw)
        self.details.threadRequested.connect(self.show_thread)
        ctx.services["refresh_details"] = self.refresh_details
        s = self.session
        s.events.connect("selected", self._selected)
        s.events.connect("span", lambda span: span and self.model.set_span(*span))
        s.events.connect("zone", self.model.set_display_zone)

    def _load(self, item_id: int | None) -> dict | None:
        item = self.ctx.loader.load([item_id]).get(item_id) if item_id is not None else None
        note = self.ctx.services.get("changed_elsewhere")
        if item is not None and note is not None:
            item = {**item, "changed_elsewhere": note(item_id)}
        if item is not None:
            from desktop.cache.triage import replies

            reply = replies(self.ctx.writer().conn, [item_id]).get(item_id)
            if reply is not None:
                item = {**item, "replied": reply}
        return item

    def refresh_details(self) -> None:
        """Show the selected item again (its triage changed), without counting a new look."""
        self.details.show_item(self._load(self.session.selected))

    def who_saw(self, item_id: int) -> None:
        """The audit trail of this item (the audit panel, when the window has it)."""
        view = self.ctx.services.get("audit_view")
        if view is not None:
            view.for_item(item_id)

    def show_thread(self, item_id: int) -> None:
        """The conversation this item is in (Thread…): read, recorded as consulted, shown."""
        from desktop.cache.threads import thread
        from desktop.ui.thread_dialog import ThreadDialog

        data = thread(self.ctx.writer().conn, item_id)
        self.thread_dialog = ThreadDialog(data, item_id, self.ctx.window,
                                          select=lambda i: self.session.select(int(i), "thread"))
        self.record("thread_viewed", [int(d["id"]) for d in data["items"]], data["root"])
        self.thread_dialog.open()

    def docks(self) -> list[Dock]:
        return [Dock("feedDock", self.tr("Feed"), self.widget, Area.RightDockWidgetArea, width=520)]

    def _selected(self, item_id: int | None) -> None:
        item = self._load(item_id)
        self.details.show_item(item)
        if item is not None:
            self.record("opened", item_id)  # its details are read: a consultation
        if item_id is not None and self.session.selection_origin != "feed":
            self.view.select_item(item_id, scroll=True)

    def on_result(self, res) -> None:
        self.model.set_ids(res.feed_ids)
        sel = self.session.selected
        if sel is not None:
            listed = self.view.select_item(sel, scroll=False)
            self.details.set_outside(not listed)

    def restore(self, settings) -> None:
        hdr = settings.value("header")
        if isinstance(hdr, QByteArray):
            self.view.horizontalHeader().restoreState(hdr)

    def save(self, settings) -> None:
        settings.setValue("header", self.view.horizontalHeader().saveState())


PANEL = FeedPanel
