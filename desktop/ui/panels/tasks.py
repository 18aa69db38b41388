"""Tasks: assign the selected post or the chosen incident to a unit over TAK, and follow
what comes back (delivered, acknowledged, on scene) in the Tasks dock.

"Assign to unit…" (Ctrl+T, Feeds menu) stores the task and sends the unit a marker at
the place and a GeoChat naming the task code (:func:`desktop.live.tasking.send_tasking`,
sent through the live feeds' TAK connections). The live writer's task tracker moves
tasks on as receipts, replies and positions arrive; the dock reads the tasks table
again after each commit, so a second window on the same cache sees the same.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QHeaderView,
                               QPlainTextEdit, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from desktop.ui.panels.base import Area, Dock, MenuEntry, Panel
from desktop.ui.plain import message, plain_label, plain_tooltip

log = logging.getLogger("sitmap.tasks")

STATE_COLOURS = {"sent": "#6b7280", "delivered": "#2563eb", "acknowledged": "#b45309", "on_scene": "#15803d",
                 "done": "#15803d", "cancelled": "#9ca3af"}


def clock(ms: int, zone: str) -> str:
    """HH:MM:SS in the display zone (the dock's header names the zone)."""
    from datetime import datetime, timezone

    from desktop.core.timefmt import zone_for

    return datetime.fromtimestamp(ms / 1000, timezone.utc).astimezone(zone_for(zone)).strftime("%H:%M:%S")


def duration(ms: int | None) -> str:
    if ms is None:
        return ""
    s = max(0, int(ms // 1000))
    return f"{s // 60}m {s % 60:02d}s" if s >= 60 else f"{s}s"


class AssignDialog(QDialog):
    """Which unit, what to do, how near counts as on scene. Units come from the map."""

    def __init__(self, units: list[dict], text: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Assign to unit"))
        self.setObjectName("assignDialog")
        self.unit = QComboBox()
        self.unit.setObjectName("assignUnit")
        for u in sorted(units, key=lambda u: str(u.get("callsign") or u.get("uid"))):
            label = str(u.get("callsign") or u["uid"])
            if u.get("stale"):
                label += " " + self.tr("(not reporting)")
            self.unit.addItem(label, u)
        self.text = QPlainTextEdit(text)
        self.text.setObjectName("assignText")
        self.text.setTabChangesFocus(True)
        self.radius = QDoubleSpinBox()
        self.radius.setObjectName("assignRadius")
        self.radius.setRange(10, 5000)
        self.radius.setValue(100)
        self.radius.setSuffix(" m")
        form = QFormLayout()
        form.addRow(self.tr("Unit"), self.unit)
        form.addRow(self.tr("Task"), self.text)
        form.addRow(self.tr("On scene within"), self.radius)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(buttons)

    def values(self) -> tuple[dict | None, str, float]:
        return self.unit.currentData(), self.text.toPlainText().strip(), float(self.radius.value())


class _Relay(QObject):
    """Carries the tracker's news from the writer's thread to the window's (queued)."""

    changed = Signal(object)


class TasksPanel(Panel):
    name = "tasks"
    COLUMNS = ("code", "unit", "state", "sent", "delivered", "acknowledged", "on scene", "reply")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.live = ctx.services["live"]
        self.widget = QWidget()
        self.widget.setObjectName("tasksPane")
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("tasksTable")
        self.table.setHorizontalHeaderLabels([self.tr("Task"), self.tr("Unit"), self.tr("State"), self.tr("Sent"),
                                              self.tr("Delivered"), self.tr("Acknowledged"), self.tr("On scene"),
                                              self.tr("Reply")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.empty = plain_label(self.tr("No tasks yet: select a post or an incident and press Ctrl+T."))
        lay = QVBoxLayout(self.widget)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.empty)
        lay.addWidget(self.table)
        self.tracker = None
        self._seen = None  # what the tasks table held when the dock last read it
        self._relay = _Relay()
        self._relay.changed.connect(self._task_changed)
        # Tasks change on the writer's thread: read them again soon after each commit.
        self._refresh_timer = QTimer(ctx.window, singleShot=True, interval=200)
        self._refresh_timer.timeout.connect(self.refresh)
        self.live.committed.connect(lambda *_: self._refresh_timer.start())
        # Tasks sent in an earlier run are followed as soon as the feeds run again.
        self.live.statusChanged.connect(self._feeds_changed)
        self._poll = QTimer(ctx.window, interval=2000)  # another window on the same cache
        self._poll.timeout.connect(self.refresh)
        self._poll.start()
        QTimer.singleShot(0, self.refresh)

    def docks(self) -> list[Dock]:
        return [Dock("tasksDock", self.tr("Tasks"), self.widget, Area.RightDockWidgetArea, tabify_with="feedDock")]

    def actions(self) -> list[MenuEntry]:
        assign = QAction(self.tr("Assign to unit…"), self.ctx.window)
        assign.setObjectName("assignAction")
        assign.setShortcut(QKeySequence("Ctrl+T"))
        assign.triggered.connect(self.assign_selected)
        return [MenuEntry("live", assign, separator_before=True)]

    # the tracker on the live writer --------------------------------------------------
    def ensure_tracker(self):
        """The live writer's task tracker (started with the writer when first needed)."""
        if self.tracker is None:
            from desktop.live.tasking import TaskTracker

            writer = self.live.ensure_writer()
            self.tracker = TaskTracker(on_change=self._relay.changed.emit)  # called on the writer's thread
            writer.add_record_listener(self.tracker.on_records)
        return self.tracker

    def _task_changed(self, change) -> None:
        """A task moved on (on the window's thread): say so and show it."""
        t = change.task
        names = {"delivered": self.tr("delivered"), "acknowledged": self.tr("acknowledged"),
                 "on_scene": self.tr("on scene"), "done": self.tr("done"), "cancelled": self.tr("cancelled")}
        self.ctx.status(self.tr("Task {code}: {unit} {state}").format(
            code=t["code"], unit=t.get("callsign") or t["unit_uid"], state=names.get(t["state"], t["state"])), 10000)
        self.refresh()

    def _feeds_changed(self, _statuses) -> None:
        if self.tracker is None and self.live.writer is not None:
            self.ensure_tracker()

    # assigning ------------------------------------------------------------------------
    def _target(self) -> dict | None:
        """What the task is about: the chosen incident, else the selected item."""
        conn = self.ctx.writer().conn
        if self.session.incident is not None:
            from desktop.cache import incidents

            inc = incidents.get(conn, self.session.incident)
            if inc:
                lat, lon = inc.get("lat"), inc.get("lon")
                if lat is None and inc.get("area"):
                    from shapely.geometry import shape

                    c = shape(inc["area"]).representative_point()
                    lat, lon = c.y, c.x
                if lat is None:  # the newest of its items that has a place
                    row = conn.execute("SELECT i.lat, i.lon FROM incident_items x JOIN items i ON i.id = x.item_id "
                                       "WHERE x.incident_id = ? AND i.lat IS NOT NULL ORDER BY i.t_ms DESC LIMIT 1",
                                       (inc["id"],)).fetchone()
                    lat, lon = row if row else (None, None)
                return {"incident_id": inc["id"], "item_id": None, "text": inc["name"], "lat": lat, "lon": lon}
        if self.session.selected is not None:
            item = self.ctx.loader.load([self.session.selected]).get(self.session.selected)
            if item:
                text = (item.get("text") or "").strip().replace("\n", " ")
                return {"incident_id": None, "item_id": item["id"], "text": text[:200], "lat": item.get("lat"),
                        "lon": item.get("lon")}
        return None

    def assign_selected(self) -> dict | None:
        target = self._target()
        if target is None:
            message(self.ctx.window, self.tr("Assign to unit"),
                    self.tr("Select a post on the map or in the feed, or choose an incident, first."), modal=False)
            return None
        res = self.ctx.last_result()
        units = list(res.units) if res is not None and res.units else []
        if not units:
            message(self.ctx.window, self.tr("Assign to unit"),
                    self.tr("No unit is on the map in this time window."), modal=False)
            return None
        dlg = AssignDialog(units, target["text"], self.ctx.window)
        self.dialog = dlg
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        unit, text, radius = dlg.values()
        return self.assign(target, unit, text, radius)

    def assign(self, target: dict, unit: dict, text: str, radius_m: float = 100.0) -> dict | None:
        """Store the task, send it, and say so; returns the task."""
        from desktop.core.errors import SitmapError
        from desktop.live.tasking import send_tasking

        if not text:
            message(self.ctx.window, self.tr("Assign to unit"), self.tr("Say what the unit should do."), modal=False)
            return None
        by = self.session.operator or "commander"  # (the window's start names the operator)
        self.ensure_tracker()
        lat = target.get("lat") if target.get("lat") is not None else unit.get("lat")
        lon = target.get("lon") if target.get("lon") is not None else unit.get("lon")

        def store(cache):
            return send_tasking(cache.conn, unit_uid=str(unit["uid"]), callsign=unit.get("callsign"), text=text,
                                lat=lat, lon=lon, by=by, sender_uid=self.live.uid,
                                sender_callsign=self.live.callsign, incident_id=target.get("incident_id"),
                                item_id=target.get("item_id"), radius_m=radius_m)

        try:
            # On the live writer's thread: one writer for the cache, even in a flood.
            task, events = self.live.ensure_writer().run_on_writer(store).result(timeout=15)
        except SitmapError as exc:
            message(self.ctx.window, self.tr("Assign to unit"), str(exc), modal=False)
            return None
        sent = sum(self.live._send(ev) for ev in events)
        who = task.get("callsign") or task["unit_uid"]
        more = {"incident": target["incident_id"]} if target.get("incident_id") is not None else {}
        self.record("sent", target.get("item_id"), str(unit["uid"]),
                    {"task": task["code"], "callsign": task.get("callsign"), "sent": sent}, **more)
        if sent:
            self.ctx.status(self.tr("Task {code} sent to {unit}").format(code=task["code"], unit=who), 10000)
        else:
            message(self.ctx.window, self.tr("Assign to unit"),
                    self.tr("Task {code} is stored but no TAK connection is open to send it: connect one in "
                            "Feeds… (Ctrl+L).").format(code=task["code"]), modal=False)
        self.refresh()
        return task

    # the dock -------------------------------------------------------------------------
    def refresh(self) -> None:
        from desktop.cache import tasks as task_store

        conn = self.ctx.writer().conn
        try:
            # One cheap look first: live commits come many times a second, tasks rarely change.
            seen = conn.execute("SELECT count(*), max(id), total(coalesce(delivered_ms, 0) + coalesce(acknowledged_ms, 0)"
                                " + coalesce(on_scene_ms, 0) + coalesce(done_ms, 0)), group_concat(state) "
                                "FROM tasks").fetchone() + (self.session.zone,)
            if seen == self._seen:
                return
            ids = [r[0] for r in conn.execute("SELECT id FROM tasks ORDER BY id DESC LIMIT 200")]
            tasks = [task_store.get(conn, i) | task_store.timeline(conn, i) for i in ids]
        except Exception as exc:  # noqa: BLE001 - a cache busy with another writer: read again next time
            log.warning("tasks not read: %s", exc)
            return
        self._seen = seen
        from desktop.core.timefmt import zone_label

        self.table.horizontalHeaderItem(3).setText(self.tr("Sent ({zone})").format(zone=zone_label(self.session.zone)))
        self.empty.setVisible(not tasks)
        self.table.setRowCount(len(tasks))
        zone = self.session.zone
        names = {"sent": self.tr("sent"), "delivered": self.tr("delivered"), "acknowledged": self.tr("acknowledged"),
                 "on_scene": self.tr("on scene"), "done": self.tr("done"), "cancelled": self.tr("cancelled")}
        for row, t in enumerate(tasks):
            after = {s["state"]: s for s in t["steps"]}

            def when(state: str) -> str:
                s = after.get(state)
                if not s or s["t_ms"] is None:
                    return ""
                return f"{clock(s['t_ms'], zone)} (+{duration(s['since_sent_ms'])})"

            cells = [t["code"], t.get("callsign") or t["unit_uid"], names.get(t["state"], t["state"]),
                     clock(t["sent_ms"], zone), when("delivered"), when("acknowledged"),
                     when("on_scene"), t.get("reply") or ""]
            for col, text in enumerate(cells):
                it = QTableWidgetItem(str(text))  # table cells are plain text
                it.setToolTip(plain_tooltip(str(text)))
                if col == 2:
                    it.setForeground(QColor(STATE_COLOURS.get(t["state"], "#111827")))
                self.table.setItem(row, col, it)
            self.table.item(row, 0).setData(Qt.ItemDataRole.UserRole, t["id"])

    def shutdown(self) -> None:
        self._poll.stop()


PANEL = TasksPanel
