"""The "Audit trail" dock: who collected, looked at, changed, passed on or erased what, and why.

Entries are listed newest first (time in the session's zone, operator, workstation,
action, purpose, case, objects, detail), filtered by operator, action, a time range and
an item: "Who saw this…" in the details pane (or an id typed here) lists every entry that
names the item, directly or inside the id ranges of an export, a report or an erasure,
through the audit file's item index (:mod:`desktop.audit.lookup`). "Verify chain"
recomputes the hash chain; the head (SEQ:HASH) is shown with a copy button for a
supervisor to note elsewhere. The list follows new entries (the window's own at once,
other programs' within two seconds). Everything shown is plain text.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from PySide6.QtCore import QDateTime, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QDateTimeEdit, QHBoxLayout, QHeaderView,
                               QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from desktop.audit import ACTIONS
from desktop.core.errors import SitmapError
from desktop.ui.panels.base import Area, Dock, MenuEntry, Panel
from desktop.ui.plain import plain_label, plain_tooltip

log = logging.getLogger("sitmap.audit")
LIMIT = 1000  # entries listed at most (newest first)
POLL_MS = 2000
CATCH_UP_MS, CATCH_UP_DELAY_MS, CATCH_UP_BITE = 100, 3000, 2000  # about 30 ms of indexing per bite


def _json(value) -> str:
    """An entry's objects or detail as one readable line: ``key: value; …``, id ranges as
    ``4–6, 12``, strings as they are (the cell is plain text), anything else as JSON."""
    if value in (None, {}, []):
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in sorted(value.items()) if v not in (None, [], {}, ""))
    return _value(value)


def _value(v) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, list) and v and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        return ", ".join(str(x) for x in v)
    if isinstance(v, list) and v and all(isinstance(x, list) and len(x) == 2 for x in v):
        return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in v)
    return json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


class AuditPanel(Panel):
    name = "audit"
    COLUMNS = ("time", "operator", "workstation", "action", "purpose", "case", "objects", "detail")

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        ctx.services["audit_view"] = self
        self.widget = QWidget()
        self.widget.setObjectName("auditPane")
        self.operator = QComboBox()
        self.operator.setObjectName("auditOperator")
        self.operator.addItem(self.tr("All operators"), None)
        self.action = QComboBox()
        self.action.setObjectName("auditAction")
        self.action.addItem(self.tr("All actions"), None)
        names = self.action_names()
        for a in ACTIONS:
            self.action.addItem(names[a], a)
        now = QDateTime.currentDateTime()
        self.use_from, self.t_from = QCheckBox(self.tr("From")), QDateTimeEdit(now.addDays(-1))
        self.use_to, self.t_to = QCheckBox(self.tr("To")), QDateTimeEdit(now)
        for box, edit, name in ((self.use_from, self.t_from, "auditFrom"), (self.use_to, self.t_to, "auditTo")):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setEnabled(False)
            box.toggled.connect(edit.setEnabled)
            box.toggled.connect(lambda _on: self.refresh(force=True))
            edit.dateTimeChanged.connect(lambda _t: self.refresh(force=True))
        self.item = QLineEdit()
        self.item.setObjectName("auditItem")
        self.item.setPlaceholderText(self.tr("item number"))
        self.item.setMaximumWidth(110)
        self.item.editingFinished.connect(lambda: self.refresh(force=True))
        self.clear_button = QPushButton(self.tr("Show all"))
        self.clear_button.setObjectName("auditClear")
        self.clear_button.clicked.connect(self.clear_filters)
        self.operator.currentIndexChanged.connect(lambda _i: self.refresh(force=True))
        self.action.currentIndexChanged.connect(lambda _i: self.refresh(force=True))

        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("auditTable")
        self.table.setHorizontalHeaderLabels([self.tr("Time"), self.tr("Operator"), self.tr("Workstation"),
                                              self.tr("Action"), self.tr("Purpose"), self.tr("Case"),
                                              self.tr("Objects"), self.tr("Detail")])
        hdr = self.table.horizontalHeader()
        hdr.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hdr.setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.setMinimumHeight(150)  # a few rows, whatever the docks beside it need

        self.count = plain_label()
        self.count.setObjectName("auditCount")
        self.verify_button = QPushButton(self.tr("Verify chain"))
        self.verify_button.setObjectName("auditVerify")
        self.verify_button.clicked.connect(self.verify)
        self.verify_label = plain_label()
        self.verify_label.setObjectName("auditVerifyResult")
        self.verify_label.setWordWrap(True)
        self.head_label = plain_label()
        self.head_label.setObjectName("auditHead")
        self.head_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton(self.tr("Copy head"))
        self.copy_button.setObjectName("auditCopyHead")
        self.copy_button.setToolTip(self.tr("Note the head elsewhere (a notebook, a message to a supervisor): "
                                            "'sitmap audit verify --head SEQ:HASH' later proves that nothing up to "
                                            "it was changed"))
        self.copy_button.clicked.connect(self.copy_head)

        lay = QVBoxLayout(self.widget)
        lay.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        for w in (self.operator, self.action, self.use_from, self.t_from, self.use_to, self.t_to, self.item,
                  self.clear_button):
            top.addWidget(w)
        top.addStretch(1)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count)
        bottom.addStretch(1)
        bottom.addWidget(self.verify_button)
        bottom.addWidget(self.verify_label, 1)
        bottom.addWidget(plain_label(self.tr("Head:")))
        bottom.addWidget(self.head_label)
        bottom.addWidget(self.copy_button)
        lay.addLayout(bottom)

        self._head = None  # the head the list was read at
        self._placed = False  # the dock was once put below the time slider
        self._lookup = None
        self.entries: list = []  # what the table shows
        self._soon = QTimer(ctx.window, singleShot=True, interval=100)
        self._soon.timeout.connect(self.refresh)
        # The item index catches up with a long log in small bites, so "Who saw this…" answers at once.
        self._catch_up = QTimer(ctx.window, interval=CATCH_UP_MS)
        self._catch_up.timeout.connect(self._index_bite)
        QTimer.singleShot(CATCH_UP_DELAY_MS, self._catch_up.start)
        self._poll = QTimer(ctx.window, interval=POLL_MS)  # another program writing the same log
        self._poll.timeout.connect(self.refresh)
        self._poll.start()
        audit = ctx.services.get("audit")
        if audit is not None:
            audit.listeners.append(lambda _entry: self._soon.start())
        self.session.events.connect("zone", lambda _z: self.refresh(force=True))
        QTimer.singleShot(0, lambda: self.refresh(force=True))

    def action_names(self) -> dict[str, str]:
        return {"collect": self.tr("collect"), "consult": self.tr("consult"), "alter": self.tr("alter"),
                "disclose": self.tr("disclose"), "erase": self.tr("erase"), "session": self.tr("session")}

    def docks(self) -> list[Dock]:
        return [Dock("auditDock", self.tr("Audit trail"), self.widget, Area.BottomDockWidgetArea, hidden=True)]

    def actions(self) -> list[MenuEntry]:
        show = QAction(self.tr("Audit trail"), self.ctx.window)
        show.setObjectName("auditAction")
        show.setShortcut(QKeySequence("Ctrl+Shift+A"))
        show.triggered.connect(lambda: self.show_dock())
        return [MenuEntry("view", show)]

    def show_dock(self, record: bool = True) -> None:
        """Open the dock; opening it is recorded (reading the trail is a consultation too)."""
        dock = self.widget.parentWidget()
        if record and (dock is None or not dock.isVisible()):
            self.record("audit_viewed", "view")
        if dock is not None:
            if not self._placed:  # the first time ever: below the time slider, across the window
                self._placed = True
                win = self.ctx.window
                time_dock = getattr(win, "docks", {}).get("timeDock")
                if time_dock is not None and not dock.isFloating() \
                        and win.dockWidgetArea(dock) == win.dockWidgetArea(time_dock):
                    win.splitDockWidget(time_dock, dock, Qt.Orientation.Vertical)
                    dock.show()
                    win.resizeDocks([dock], [320], Qt.Orientation.Vertical)
            dock.show()
            dock.raise_()
        self.refresh(force=True)

    def restore(self, settings) -> None:
        self._placed = settings.value("placed", False, type=bool)

    def save(self, settings) -> None:
        settings.setValue("placed", self._placed)

    # reading -------------------------------------------------------------------------------
    def _log(self):
        audit = self.ctx.services.get("audit")
        return audit.log if audit is not None else None

    def lookup(self):
        from desktop.audit.lookup import ItemLookup

        log_ = self._log()
        if self._lookup is None or self._lookup.log is not log_:
            self._lookup = ItemLookup(log_)
        return self._lookup

    def _index_bite(self) -> None:
        try:
            lookup = self.lookup()
            if lookup.update(most=CATCH_UP_BITE) == 0 or lookup.up_to_date():
                self._catch_up.stop()  # up to date: later entries are indexed when asked
        except SitmapError as exc:
            log.warning("audit item index: %s", exc)
            self._catch_up.stop()

    def _ms(self, edit: QDateTimeEdit) -> int:
        from desktop.core.timefmt import zone_for

        d = edit.dateTime()
        dt = datetime(d.date().year(), d.date().month(), d.date().day(), d.time().hour(), d.time().minute(),
                      tzinfo=zone_for(self.session.zone))
        return int(dt.timestamp() * 1000)

    def item_id(self) -> int | None:
        text = self.item.text().strip().lstrip("#")
        return int(text) if text.isdigit() else None

    def query(self) -> list:
        """The entries the filters select, newest first (at most LIMIT)."""
        from desktop.audit.lookup import entries_by_seq

        log_ = self._log()
        if log_ is None:
            return []
        operator, action = self.operator.currentData(), self.action.currentData()
        t_from = self._ms(self.t_from) if self.use_from.isChecked() else None
        t_to = self._ms(self.t_to) + 60_000 if self.use_to.isChecked() else None  # the minute shown, included
        item = self.item_id()
        if item is None:
            return log_.entries(action=action, operator=operator, t_from=t_from, t_to=t_to, limit=LIMIT,
                                newest_first=True)
        out = []
        for e in entries_by_seq(log_, self.lookup().seqs(item)):
            if ((action is None or e.action == action) and (operator is None or e.operator == operator)
                    and (t_from is None or e.t_ms >= t_from) and (t_to is None or e.t_ms < t_to)):
                out.append(e)
        return out[:LIMIT]

    def refresh(self, force: bool = False) -> None:
        """Read the list again when the log's head moved (or ``force``)."""
        log_ = self._log()
        if log_ is None:
            return
        try:
            head = log_.head()
            if head == self._head and not force:
                return
            if not force and not self.widget.isVisible():
                return  # read when shown (the head stays unseen until then)
            self._head = head
            self._fill_operators()
            self.entries = self.query()
        except SitmapError as exc:
            self.count.setText(str(exc))
            return
        self._show()

    def _fill_operators(self) -> None:
        names = [r[0] for r in self._log().conn.execute(
            "SELECT DISTINCT operator FROM entries WHERE operator IS NOT NULL ORDER BY operator")]
        have = [self.operator.itemData(i) for i in range(1, self.operator.count())]
        if names == have:
            return
        current = self.operator.currentData()
        self.operator.blockSignals(True)
        while self.operator.count() > 1:
            self.operator.removeItem(1)
        for n in names:
            self.operator.addItem(n, n)
        i = self.operator.findData(current) if current is not None else 0
        self.operator.setCurrentIndex(max(i, 0))
        self.operator.blockSignals(False)

    def _show(self) -> None:
        from desktop.core.timefmt import fmt, zone_label

        zone = self.session.zone
        self.table.horizontalHeaderItem(0).setText(self.tr("Time ({zone})").format(zone=zone_label(zone)))
        names = self.action_names()
        self.table.setRowCount(len(self.entries))
        for row, e in enumerate(self.entries):
            cells = [fmt(e.t_ms, zone, seconds=True), e.operator or "", e.workstation, names.get(e.action, e.action),
                     e.purpose or "", e.case_ref or "", _json(e.objects), _json(e.detail)]
            for col, text in enumerate(cells):
                it = QTableWidgetItem(text)  # table cells are plain text
                if col >= 6 and len(text) > 40:
                    it.setToolTip(plain_tooltip(text))
                self.table.setItem(row, col, it)
            self.table.item(row, 0).setData(Qt.ItemDataRole.UserRole, e.seq)
        item = self.item_id()
        n = f"{len(self.entries):,}"
        self.count.setText(self.tr("{n} entries naming item {id}").format(n=n, id=item) if item is not None
                           else self.tr("{n} entries").format(n=n))
        self.head_label.setText(f"{self._head[0]}:{self._head[1]}" if self._head else self.tr("(empty)"))

    def rows(self) -> list[list[str]]:
        """The table as text (for tests)."""
        return [[self.table.item(r, c).text() for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())]

    # actions -------------------------------------------------------------------------------
    def for_item(self, item_id: int) -> None:
        """Every entry that names this item: who saw, changed, exported or sent it."""
        self.operator.blockSignals(True)
        self.action.blockSignals(True)
        self.operator.setCurrentIndex(0)
        self.action.setCurrentIndex(0)
        self.operator.blockSignals(False)
        self.action.blockSignals(False)
        self.use_from.setChecked(False)
        self.use_to.setChecked(False)
        self.item.setText(str(int(item_id)))
        self.record("audit_viewed", "who saw", int(item_id))
        self.show_dock(record=False)

    def clear_filters(self) -> None:
        for w in (self.operator, self.action, self.use_from, self.use_to, self.item):
            w.blockSignals(True)
        self.operator.setCurrentIndex(0)
        self.action.setCurrentIndex(0)
        self.use_from.setChecked(False)
        self.use_to.setChecked(False)
        self.t_from.setEnabled(False)
        self.t_to.setEnabled(False)
        self.item.clear()
        for w in (self.operator, self.action, self.use_from, self.use_to, self.item):
            w.blockSignals(False)
        self.refresh(force=True)

    def verify(self) -> str:
        """Recompute the chain: OK or FAILED with the first entry at fault."""
        log_ = self._log()
        try:
            res = log_.verify()
            ok = res.ok
            text = self.tr("OK: {n} entries, the chain holds").format(n=f"{res.entries:,}") if ok else str(res)
        except SitmapError as exc:
            ok, text = False, f"FAILED: {exc}"
        self.verify_label.setText(text)
        self.verify_label.setStyleSheet("QLabel { color: #15803d; }" if ok else
                                        "QLabel { color: #b91c1c; font-weight: bold; }")
        return text

    def copy_head(self) -> str:
        text = self.head_label.text()
        QApplication.clipboard().setText(text)
        self.ctx.status(self.tr("Audit head copied: {head}").format(head=text), 8000)
        return text

    def shutdown(self) -> None:
        self._catch_up.stop()
        self._poll.stop()
        self._soon.stop()


PANEL = AuditPanel
