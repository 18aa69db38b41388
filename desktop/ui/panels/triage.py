"""The "To review" dock: the new and in-review items of the current filter, to triage
with single keys.

The queue is the current answer's items (the feed's, so it follows every filter and the
time window) whose state is new or in review, newest first or most urgent first. Keys
act on the selected rows (several at once with Shift or Ctrl): J/K move, V verified,
F false, D duplicate (of the item selected before, or of an id asked for), R in review,
1/2/3 routine/urgent/critical, N a note, Enter shows the item on the map. Each change is
one transaction through the window's writer (:func:`desktop.cache.triage.apply`, by the
operator), then the in-memory index takes the new codes and the map and feed are drawn
again; an item that is no longer new or in review leaves the queue.
"""

from __future__ import annotations

import logging
import sqlite3

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from desktop.cache import CacheError
from desktop.cache import triage as cache_triage
from desktop.core.triage import PRIORITY_CODE, STATE_CODE, Triage, TriageChange, TriageError
from desktop.ui.feed_model import FeedModel, FeedView, triage_names
from desktop.ui.panels.base import Area, Dock, MenuEntry, Panel
from desktop.ui.plain import plain_label
from desktop.ui.text_dialog import ask_text, with_operator as ask_operator

log = logging.getLogger("sitmap.triage")

QUEUE_STATES = (STATE_CODE["new"], STATE_CODE["review"])
# By state code: whether it is in the queue (a table lookup per item; np.isin sorted the whole
# answer, hundreds of thousands of items under a flood, on the window's thread).
_IN_QUEUE = np.zeros(256, bool)
_IN_QUEUE[list(QUEUE_STATES)] = True


class QueueView(FeedView):
    """The queue's table: several rows may be selected; letter keys go to ``keys``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("triageQueue")
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.keys: dict[int, object] = {}

    def keyPressEvent(self, ev) -> None:  # noqa: N802 (Qt override)
        mods = ev.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        key = ev.key()
        if key in (Qt.Key.Key_J, Qt.Key.Key_K) and mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            self.move(1 if key == Qt.Key.Key_J else -1, extend=mods == Qt.KeyboardModifier.ShiftModifier)
            return
        fn = self.keys.get(key)
        if fn is not None and mods == Qt.KeyboardModifier.NoModifier:
            fn()
            return
        super().keyPressEvent(ev)

    def move(self, step: int, *, extend: bool = False) -> None:
        model = self.model()
        n = model.rowCount()
        if not n:
            return
        cur = self.currentIndex().row()
        row = 0 if cur < 0 else max(0, min(n - 1, cur + step))
        self.select_row(row, extend=extend)

    def select_row(self, row: int, *, extend: bool = False) -> None:
        sel = self.selectionModel()
        flags = (sel.SelectionFlag.Select if extend else sel.SelectionFlag.ClearAndSelect) | sel.SelectionFlag.Rows
        index = self.model().index(row, 0)
        sel.setCurrentIndex(index, flags)
        self.scrollTo(index)

    def selected_ids(self) -> list[int]:
        """The selected rows' ids in row order (the current row when none is selected)."""
        model = self.model()
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        return [i for i in (model.id_at(r) for r in rows) if i is not None]


class TriagePanel(Panel):
    name = "triage"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.model = FeedModel(ctx.loader)
        self.view = QueueView()
        self.view.setModel(self.model)
        self.count = plain_label()
        self.count.setObjectName("triageCount")
        self.urgent_first = QCheckBox(self.tr("Most urgent first"))
        self.urgent_first.setObjectName("triageUrgentFirst")
        self.urgent_first.setToolTip(self.tr("Critical, then urgent, then routine; newest first within each"))
        self.urgent_first.toggled.connect(lambda _on: self._refill())
        self.widget = QWidget()
        lay = QVBoxLayout(self.widget)
        lay.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(self.count, 1)
        top.addWidget(self.urgent_first)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        keys = plain_label(self.tr("J/K move · V verified · F false · D duplicate · R in review · "
                                   "1/2/3 priority · N note · A replied · Enter map"))
        keys.setWordWrap(True)
        keys.setEnabled(False)
        lay.addWidget(keys)
        k = Qt.Key
        self.view.keys = {
            k.Key_V: lambda: self.mark("verified"), k.Key_F: lambda: self.mark("false"),
            k.Key_R: lambda: self.mark("review"), k.Key_D: self.mark_duplicate,
            k.Key_1: lambda: self.set_priority("routine"), k.Key_2: lambda: self.set_priority("urgent"),
            k.Key_3: lambda: self.set_priority("critical"), k.Key_N: self.add_note, k.Key_A: self.mark_replied,
            k.Key_Return: self.open_on_map, k.Key_Enter: self.open_on_map,
        }
        self._feed_ids = np.zeros(0, np.int64)
        self._codes: tuple | None = None  # (stamp, ids, states, priorities) of the triaged items
        self._before: int | None = None  # the item selected before the current selection
        self.dialog = None  # the open note / duplicate / name dialog, if any
        # Another window (or `sitmap triage`) on the same cache: its changes show within a second.
        self._stamp = None
        self._check_others()  # what the cache holds now, so a change made from now on is seen
        self._watch = QTimer(ctx.window, interval=1000)
        self._watch.timeout.connect(self._check_others)
        self._watch.start()
        self.session.events.connect("selected", self._selection_moved)
        self.session.events.connect("span", lambda span: span and self.model.set_span(*span))
        self.session.events.connect("zone", self.model.set_display_zone)
        ctx.services["triage_queue"] = self.view  # its selected rows, for "new incident from selection"
        self._current = self.session.selected
        self._show_count()

    def docks(self) -> list[Dock]:
        return [Dock("triageDock", self.tr("To review"), self.widget, Area.RightDockWidgetArea, tabify_with="feedDock")]

    def actions(self) -> list[MenuEntry]:
        focus = QAction(self.tr("To review"), self.ctx.window)
        focus.setObjectName("triageFocusAction")
        focus.setShortcut(QKeySequence("Ctrl+R"))
        focus.triggered.connect(self.focus_queue)
        return [MenuEntry("view", focus, separator_before=True)]

    def focus_queue(self) -> None:
        dock = self.widget.parentWidget()
        if dock is not None:
            dock.show()
            dock.raise_()
        self.view.setFocus()  # (which makes the first row current, unselected)
        if self.model.rowCount() and not self.view.selectionModel().hasSelection():
            self.view.select_row(max(0, self.view.currentIndex().row()))

    # the queue ---------------------------------------------------------------------------
    def on_result(self, res) -> None:
        self._feed_ids = res.feed_ids
        self._refill()

    def _triaged(self) -> tuple:
        """Ids, state and priority codes of every triaged item, read again only when triage changed."""
        conn = self.ctx.loader.conn
        stamp = cache_triage.stamp(conn)
        if self._codes is None or self._codes[0] != stamp:
            self._codes = (stamp, *cache_triage.codes(conn))
        return self._codes[1:]

    def queue(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, priority codes) of the new and in-review items of the current answer, newest first."""
        ids = np.asarray(self._feed_ids, np.int64)
        t_ids, t_st, t_pr = self._triaged()
        state = np.zeros(ids.shape, np.uint8)
        prio = np.zeros(ids.shape, np.uint8)
        if t_ids.size and ids.size:
            pos = np.minimum(np.searchsorted(t_ids, ids), t_ids.size - 1)
            hit = t_ids[pos] == ids
            state[hit] = t_st[pos[hit]]
            prio[hit] = t_pr[pos[hit]]
        keep = _IN_QUEUE[state]
        return ids[keep], prio[keep]

    def _refill(self, keep_row: int | None = None) -> None:
        try:
            ids, prio = self.queue()
        except (CacheError, sqlite3.Error) as exc:  # e.g. an answer that arrives as the window closes
            log.warning("triage queue: %s", exc)
            return
        if self.urgent_first.isChecked():
            ids = ids[np.argsort(-prio.astype(np.int16), kind="stable")]
        self.model.set_ids(ids)
        if keep_row is not None and len(ids):
            self.view.select_row(min(keep_row, len(ids) - 1))
        self._show_count()

    def _show_count(self) -> None:
        self.count.setText(self.tr("{n} to review").format(n=f"{self.model.rowCount():,}"))

    def ids(self) -> list[int]:
        return [int(i) for i in self.model.ids()]

    # keys ----------------------------------------------------------------------------------
    def mark(self, state: str) -> None:
        ids = self.view.selected_ids()
        if ids:
            self.apply(ids, TriageChange(state=state), self.tr("{n} items marked {state}").format(
                n=len(ids), state=triage_names().state(state)))

    def set_priority(self, priority: str) -> None:
        ids = self.view.selected_ids()
        if ids:
            self.apply(ids, TriageChange(priority=priority), self.tr("{n} items set to priority {priority}").format(
                n=len(ids), priority=triage_names().priority(priority)))

    def mark_duplicate(self) -> None:
        """Duplicates of the item selected before (on the map, in the feed or with Enter
        here); when that is one of them or there is none, ask for the original's id."""
        ids = self.view.selected_ids()
        if not ids:
            return
        original = next((i for i in (self._current, self._before) if i is not None and i not in ids), None)
        if original is not None:
            self._duplicate(ids, original)
            return

        def given(text: str) -> None:
            try:
                self._duplicate(ids, int(text.lstrip("#")))
            except ValueError:
                self.ctx.status(self.tr("Not an item number: {text}").format(text=text), 8000)

        self.dialog = ask_text(self.ctx.window, self.tr("Duplicate"),
                               self.tr("Number of the item these repeat (select it first to skip this):"), given)

    def _duplicate(self, ids: list[int], original: int) -> None:
        self.apply(ids, TriageChange(state="duplicate", duplicate_of=original),
                   self.tr("{n} items marked duplicate of item {id}").format(n=len(ids), id=original))

    def add_note(self) -> None:
        ids = self.view.selected_ids()
        if not ids:
            return
        self.dialog = ask_text(self.ctx.window, self.tr("Note"), self.tr("Note on {n} items:").format(n=len(ids)),
                               lambda text: self.apply(ids, TriageChange(note=text),
                                                       self.tr("Note added to {n} items").format(n=len(ids))))

    def mark_replied(self) -> None:
        """A: the selected complaints were answered; the note says what was replied."""
        ids = self.view.selected_ids()
        if not ids:
            return
        self.dialog = ask_text(self.ctx.window, self.tr("Replied"),
                               self.tr("What was replied to {n} items (where, by whom):").format(n=len(ids)),
                               lambda text: self.reply(ids, text))

    def reply(self, ids: list[int], note: str) -> None:
        """Mark ``ids`` replied to with ``note`` (recorded as a triage change)."""
        def run(by: str) -> None:
            try:
                cache_triage.replied(self.ctx.writer().conn, ids, note, by=by)
            except (TriageError, CacheError) as exc:
                self.ctx.status(str(exc), 10000)
                return
            self.record("altered", ids, {"triage": {"replied": note.strip(), "origin": "window"}})
            refresh = self.ctx.services.get("refresh_details")
            if refresh is not None:
                refresh()
            self.ctx.status(self.tr("{n} items marked replied").format(n=len(ids)), 8000)
            self.view.setFocus()

        self.with_operator(run)

    def open_on_map(self) -> None:
        idx = self.view.currentIndex()
        item_id = self.model.id_at(idx.row()) if idx.isValid() else None
        if item_id is not None:
            self.session.select(item_id, "triage")

    def _selection_moved(self, item_id: int | None) -> None:
        if item_id != self._current:
            self._before, self._current = self._current, item_id

    # writing ---------------------------------------------------------------------------------
    def with_operator(self, fn) -> None:
        """Run ``fn(operator)``; the first time, ask who is triaging (kept for the next runs)."""
        asked = ask_operator(self.ctx.window, self.session, fn)
        if asked is not None:
            self.dialog = asked

    def apply(self, ids: list[int], change: TriageChange, said: str) -> None:
        def run(by: str) -> None:
            rows = [r for r in (self.model.row_of(i) for i in ids) if r is not None]
            row = min(rows) if rows else self.view.currentIndex().row()  # the next item takes the first's place
            try:
                done = cache_triage.apply(self.ctx.writer().conn, ids, change, by=by)
            except (TriageError, CacheError) as exc:
                self.ctx.status(str(exc), 10000)
                return
            self._update_index(done)
            self.record("altered", [t.item_id for t in done], {"triage": _change_detail(change)})
            self._refill(keep_row=row if row >= 0 else 0)
            self.ctx.status(said, 8000)
            self.view.setFocus()

        self.with_operator(run)

    def _check_others(self) -> None:
        """Triage or incidents changed in the cache since last look: draw the picture again
        (the index catches up from the cache on the next request)."""
        from desktop.cache import triage as triage_store

        try:
            stamp = triage_store.stamp(self.ctx.writer().conn)
        except Exception as exc:  # noqa: BLE001 - busy or locked: look again in a second
            log.debug("triage stamp not read: %s", exc)
            return
        if self._stamp is not None and stamp != self._stamp:
            self.ctx.window.schedule()
        self._stamp = stamp

    def _update_index(self, done: list[Triage]) -> None:
        """Give the worker's index the new codes (on its thread), then ask for a new answer."""
        groups: dict[tuple[int, int], list[int]] = {}
        for t in done:
            groups.setdefault((STATE_CODE[t.state], PRIORITY_CODE[t.priority]), []).append(t.item_id)
        worker = self.ctx.worker.worker

        def update() -> None:
            data = worker.data
            if data is None:
                return  # the index is still loading: it reads the triage with everything else
            for (state, prio), ids in groups.items():  # a filter on triage sees the new codes
                data.index.set_triage(np.array(ids, np.int64), state, prio)

        QTimer.singleShot(0, worker, update)  # before the request the window submits next
        self.ctx.window.schedule()

    # state between runs --------------------------------------------------------------------
    def restore(self, settings) -> None:
        self.urgent_first.setChecked(settings.value("urgent_first", False, type=bool))
        name = settings.value("operator", "", type=str)
        if name and not self.session.operator:
            self.session.operator = name

    def save(self, settings) -> None:
        settings.setValue("urgent_first", self.urgent_first.isChecked())
        if self.session.operator:
            settings.setValue("operator", self.session.operator)


def _change_detail(change: TriageChange) -> dict:
    """What a triage change set, as the audit entry keeps it (the same keys as ``sitmap triage``)."""
    out = {"state": change.state, "priority": change.priority, "add_tags": list(change.add_tags),
           "remove_tags": list(change.remove_tags), "duplicate_of": change.duplicate_of, "note": change.note,
           "origin": "window"}
    return {k: v for k, v in out.items() if v not in (None, [], "")}


PANEL = TriagePanel
