"""The Incidents dock: open and monitored incidents, made from the items being looked at.

The list shows each incident's name, state, priority, how many items it holds and its
newest item's time. Choosing one shows only its items on the map and in the feed
(``session.incident``); "Show all" goes back. "New incident from selection" (Ctrl+Shift+N)
asks for a name and takes the rows selected in the review queue when that was used last,
or else the item selected on the map or in the feed; "Add selected" adds them to the
chosen incident. Its state (open, monitoring, closed) changes with a note, and its log
is listed below. Names, notes and the log are data and show as plain text.
"""

from __future__ import annotations

import logging
import sqlite3

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.cache import CacheError
from desktop.cache import incidents as cache_incidents
from desktop.core.timefmt import fmt
from desktop.core.triage import INCIDENT_STATES, TriageError
from desktop.ui.feed_model import PRIORITY_COLOURS, triage_names
from desktop.ui.panels.base import Area, Dock, MenuEntry, Panel
from desktop.ui.text_dialog import ask_text, with_operator as ask_operator

log = logging.getLogger("sitmap.incidents")

IdRole = Qt.ItemDataRole.UserRole


class IncidentsPanel(Panel):
    name = "incidents"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        ctx.services["incidents"] = self  # the alerts dock makes incidents from alerts
        self.list = QTreeWidget()
        self.list.setObjectName("incidentList")
        self.list.setColumnCount(5)
        self.list.setHeaderLabels([self.tr("Incident"), self.tr("State"), self.tr("Priority"), self.tr("Items"),
                                   self.tr("Latest")])
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        hdr = self.list.header()
        hdr.setStretchLastSection(False)
        hdr.setSectionResizeMode(0, hdr.ResizeMode.Stretch)
        for c in range(1, 5):
            hdr.setSectionResizeMode(c, hdr.ResizeMode.ResizeToContents)
        self.list.currentItemChanged.connect(self._chosen)
        self.new_button = self._button("incidentNew", self.tr("New from selection"), self.new_from_selection)
        self.add_button = self._button("incidentAdd", self.tr("Add selected"), self.add_selected)
        self.state_button = self._button("incidentState", self.tr("State…"), self.change_state)
        self.note_button = self._button("incidentNote", self.tr("Note…"), self.add_note)
        self.all_button = self._button("incidentShowAll", self.tr("Show all"), self.show_all)
        self.log_view = QPlainTextEdit()
        self.log_view.setObjectName("incidentLog")
        self.log_view.setReadOnly(True)
        self.log_view.setPlaceholderText(self.tr("Choose an incident to read its log"))
        self.widget = QWidget()
        lay = QVBoxLayout(self.widget)
        lay.setContentsMargins(4, 4, 4, 4)
        row = QHBoxLayout()
        for b in (self.new_button, self.add_button, self.state_button, self.note_button, self.all_button):
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.list)
        split.addWidget(self.log_view)
        split.setSizes([300, 200])
        lay.addWidget(split, 1)
        self.dialog = None  # the open name / state / note dialog, if any
        self._from_queue = False  # whether the review queue was the last list used
        QApplication.instance().focusChanged.connect(self._focus_moved)
        self.session.events.connect("incident", lambda _i: self._show_chosen())
        self._update_buttons()

    def _button(self, name: str, text: str, fn) -> QPushButton:
        b = QPushButton(text)
        b.setObjectName(name)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the rows chosen in the queue or feed stay chosen
        b.clicked.connect(fn)
        return b

    def docks(self) -> list[Dock]:
        return [Dock("incidentsDock", self.tr("Incidents"), self.widget, Area.RightDockWidgetArea,
                     tabify_with="feedDock")]

    def actions(self) -> list[MenuEntry]:
        new = QAction(self.tr("New incident from selection…"), self.ctx.window)
        new.setObjectName("incidentNewAction")
        new.setShortcut(QKeySequence("Ctrl+Shift+N"))
        new.triggered.connect(self.new_from_selection)
        from_area = QAction(self.tr("New incident from the checked areas…"), self.ctx.window)
        from_area.setObjectName("incidentFromAreaAction")
        from_area.triggered.connect(self.new_from_areas)
        return [MenuEntry("tools", new, separator_before=True), MenuEntry("tools", from_area)]

    def shutdown(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.focusChanged.disconnect(self._focus_moved)

    # the list ------------------------------------------------------------------------------
    def on_index(self, info: dict) -> None:
        self.refresh()

    def on_result(self, res) -> None:
        self.refresh()

    def refresh(self) -> None:
        """List the open and monitored incidents again, keeping the chosen one."""
        try:
            rows = cache_incidents.list_incidents(self.ctx.loader.conn)
        except (CacheError, TriageError, sqlite3.Error) as exc:
            log.warning("incident list: %s", exc)
            return
        names = triage_names()
        chosen = self.session.incident
        self.list.blockSignals(True)
        self.list.clear()
        for r in rows:
            latest = fmt(r["latest_ms"], self.session.zone) if r["latest_ms"] is not None else ""
            it = QTreeWidgetItem([r["name"], names.incident_state(r["state"]), names.priority(r["priority"]),
                                  f"{r['items']:,}", latest])
            it.setData(0, IdRole, r["id"])
            colour = PRIORITY_COLOURS.get(r["priority"])
            if colour is not None:
                it.setForeground(2, colour)
            self.list.addTopLevelItem(it)
            if r["id"] == chosen:
                self.list.setCurrentItem(it)
        self.list.blockSignals(False)
        self._show_log()
        self._update_buttons()

    def incident_ids(self) -> list[int]:
        return [self.list.topLevelItem(i).data(0, IdRole) for i in range(self.list.topLevelItemCount())]

    def current_id(self) -> int | None:
        it = self.list.currentItem()
        return it.data(0, IdRole) if it is not None else None

    def _chosen(self, current, _previous) -> None:
        """Choosing an incident shows only its items; choosing none shows everything again."""
        if current is None:
            self.show_all()
            return
        self.session.update(incident=current.data(0, IdRole), incident_name=current.text(0))
        self._show_log()
        self._update_buttons()

    def _show_chosen(self) -> None:
        iid = self.session.incident
        if iid == self.current_id():
            return
        self.list.blockSignals(True)
        match = [self.list.topLevelItem(i) for i in range(self.list.topLevelItemCount())
                 if self.list.topLevelItem(i).data(0, IdRole) == iid]
        self.list.setCurrentItem(match[0] if match else None)
        if not match:
            self.list.clearSelection()
        self.list.blockSignals(False)
        self._show_log()
        self._update_buttons()

    def show_all(self) -> None:
        self.session.update(incident=None, incident_name=None)

    def _show_log(self) -> None:
        iid = self.current_id()
        if iid is None:
            self.log_view.setPlainText("")
            return
        try:
            entries = cache_incidents.log_of(self.ctx.loader.conn, iid)
        except (CacheError, TriageError, sqlite3.Error) as exc:
            self.log_view.setPlainText(str(exc))
            return
        lines = [f"{fmt(e['t_ms'], self.session.zone, date=False)}  {e['by']}  {e['text']}" for e in entries]
        self.log_view.setPlainText("\n".join(lines))  # plain text: names and notes are data
        self.log_view.verticalScrollBar().setValue(self.log_view.verticalScrollBar().maximum())

    def log_lines(self) -> list[str]:
        return self.log_view.toPlainText().splitlines()

    def _update_buttons(self) -> None:
        chosen = self.current_id() is not None
        for b in (self.add_button, self.state_button, self.note_button):
            b.setEnabled(chosen)
        self.all_button.setEnabled(self.session.incident is not None)

    # what is selected ------------------------------------------------------------------------
    def _focus_moved(self, _old, new) -> None:
        queue = self.ctx.services.get("triage_queue")
        if new is None or new is self.list or new is self.log_view or isinstance(new, QPushButton):
            return
        if queue is not None and new is queue:
            self._from_queue = True
        elif isinstance(new, QAbstractItemView) or new is self.ctx.map or self.ctx.map.isAncestorOf(new):
            self._from_queue = False

    def selection(self) -> list[int]:
        """The review queue's selected rows when it was used last, else the selected item."""
        queue = self.ctx.services.get("triage_queue")
        if queue is not None and self._from_queue:
            ids = queue.selected_ids()
            if ids:
                return ids
        return [self.session.selected] if self.session.selected is not None else []

    # changes -----------------------------------------------------------------------------------
    def new_from_selection(self) -> None:
        ids = self.selection()

        def named(name: str) -> None:
            self._write(lambda conn, by: cache_incidents.create(conn, name, by=by, item_ids=ids),
                        self.tr("Incident “{name}” opened with {n} items").format(name=name, n=len(ids)),
                        choose=True, audit=({"change": "create", "name": name}, ids, None))

        self.dialog = ask_text(self.ctx.window, self.tr("New incident"),
                               self.tr("Name of the new incident ({n} items):").format(n=len(ids)), named)

    def new_from(self, ids: list[int], *, name: str = "", area: dict | None = None,
                 lat: float | None = None, lon: float | None = None) -> None:
        """An incident from an alert or an area: its items, and its place when there is one."""
        ids = [int(i) for i in ids]

        def named(text: str) -> None:
            self._write(lambda conn, by: cache_incidents.create(conn, text, by=by, item_ids=ids, area=area,
                                                                lat=lat, lon=lon),
                        self.tr("Incident “{name}” opened with {n} items").format(name=text, n=len(ids)),
                        choose=True, audit=({"change": "create", "name": text,
                                             "place": "point" if lat is not None else "area" if area else None},
                                            ids, None))

        self.dialog = ask_text(self.ctx.window, self.tr("New incident"),
                               self.tr("Name of the new incident ({n} items):").format(n=len(ids)), named,
                               text=name[:80])

    def new_from_alert(self, alert) -> None:
        """The alert's items, in the alert's area when it has one."""
        area = next((e.area for e in self.session.areas if e.area.name == alert.area_name), None)
        self.new_from(list(alert.item_ids), name=f"{alert.rule_name}: {alert.message}"[:80],
                      area=area.to_geojson() if area is not None else None)

    def new_from_areas(self) -> None:
        """The checked areas as the incident's place, with the items the map shows in them now."""
        areas = [a for a in self.session.active_areas() if not a.exclude]
        if not areas:
            self.ctx.status(self.tr("Check an area in the Areas list (or draw one) first"), 8000)
            return
        from shapely.geometry import mapping
        from shapely.ops import unary_union

        geom = mapping(unary_union([a.geometry for a in areas]))
        res = self.ctx.last_result()
        ids = [int(i) for i in (res.feed_ids[:5000] if res is not None else [])]
        self.new_from(ids, name=", ".join(a.name for a in areas)[:80], area=geom)

    def add_selected(self) -> None:
        iid, ids = self.current_id(), self.selection()
        if iid is None or not ids:
            self.ctx.status(self.tr("Select items in the review queue, the feed or on the map first"), 8000)
            return
        self._write(lambda conn, by: cache_incidents.add_items(conn, iid, ids, by=by),
                    self.tr("{n} items added to the incident").format(n=len(ids)),
                    audit=({"change": "add"}, None, iid))

    def change_state(self) -> None:
        iid = self.current_id()
        if iid is None:
            return
        names = triage_names()

        def chosen(state: str | None, note: str) -> None:
            if state is None:
                return
            self._write(lambda conn, by: cache_incidents.set_state(conn, iid, state, by=by, note=note or None),
                        self.tr("Incident is now {state}").format(state=names.incident_state(state)),
                        audit=({"change": "close" if state == "closed" else "state", "state": state,
                                "note": note or None}, [], iid))
            if state == "closed" and self.session.incident == iid:
                self.show_all()

        self.dialog = ask_text(self.ctx.window, self.tr("Incident state"),
                               self.tr("New state, and a note for the log (may be empty):"), None,
                               choices=[(s, names.incident_state(s)) for s in INCIDENT_STATES], chosen=chosen,
                               required=False)

    def add_note(self) -> None:
        iid = self.current_id()
        if iid is None:
            return
        self.dialog = ask_text(self.ctx.window, self.tr("Note"), self.tr("Note for the incident's log:"),
                               lambda text: self._write(lambda conn, by: cache_incidents.log(conn, iid, text, by=by),
                                                        self.tr("Note added to the incident"),
                                                        audit=({"change": "note", "note": text}, [], iid)))

    def with_operator(self, fn) -> None:
        """Run ``fn(operator)``; the first time, ask who is working (kept for the next runs)."""
        asked = ask_operator(self.ctx.window, self.session, fn)
        if asked is not None:
            self.dialog = asked

    def _write(self, change, said: str, *, choose: bool = False, audit: tuple | None = None) -> None:
        """Make ``change(conn, by)``; ``audit`` = (detail, item ids, incident id) for its
        ``alter`` entry (ids None: what the change returned; incident None: the new incident)."""
        def run(by: str) -> None:
            try:
                out = change(self.ctx.writer().conn, by)
            except (TriageError, CacheError) as exc:
                self.ctx.status(str(exc), 10000)
                return
            if audit is not None:
                detail, ids, iid = audit
                ids = out if ids is None and isinstance(out, list) else ids or []
                iid = out if iid is None else iid
                self.record("altered", ids, {k: v for k, v in detail.items() if v is not None}, incident=iid)
            self.refresh()
            if choose and isinstance(out, int):
                name = next((self.list.topLevelItem(i).text(0) for i in range(self.list.topLevelItemCount())
                             if self.list.topLevelItem(i).data(0, IdRole) == out), None)
                self.session.update(incident=out, incident_name=name)
            self._index_changed()
            self.ctx.status(said, 8000)

        self.with_operator(run)

    def _index_changed(self) -> None:
        """The index forgets what it derived from incidents (on its thread); then a new answer."""
        worker = self.ctx.worker.worker

        def update() -> None:
            if worker.data is not None:
                worker.data.index.sync_triage(worker.data.conn)

        QTimer.singleShot(0, worker, update)
        self.ctx.window.schedule()

    # state between runs --------------------------------------------------------------------
    def restore(self, settings) -> None:
        name = settings.value("operator", "", type=str)
        if name and not self.session.operator:
            self.session.operator = name

    def save(self, settings) -> None:
        if self.session.operator:
            settings.setValue("operator", self.session.operator)


PANEL = IncidentsPanel
