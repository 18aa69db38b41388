"""The feed: every item in the current filter as a table, newest first.

The filter may match a million items, so the model holds only their ids (one numpy
array) and fetches rows' contents in pages of 200 when the view first asks for them,
keeping the most recently used 50 pages. Setting a new filter result is therefore
instant whatever its size.

Item text is hostile. Display strings are plain in a QTableView, but tooltips are
not: QToolTip guesses "rich text" from the string, so every tooltip here is escaped
into a plain-text paragraph first.
"""

from __future__ import annotations

import html
import sqlite3
from collections import OrderedDict
from datetime import date, datetime

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QPainter, QPixmap, QPolygonF
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from desktop.engine import feed_rows
from desktop.ui.plain import plain_tooltip
from desktop.engine.feed_rows import RowLoader
from desktop.core.timefmt import zone_for, zone_label

PAGE_ROWS = 200
MAX_PAGES = 50
ROW_CACHE = PAGE_ROWS * MAX_PAGES  # item rows kept across new id lists (live mode: a few new rows on top)

POST_COLOUR = QColor("#3b82f6")  # the timeline's colours, so kinds read the same everywhere
UPDATE_COLOUR = QColor("#f59e0b")
EMERGENCY_COLOUR = QColor("#dc2626")
# Triage: what a state or priority looks like in the feed (and the queue, which is a feed).
STATE_COLOURS = {"review": QColor("#2563eb"), "verified": QColor("#15803d"), "false": QColor("#6b7280"),
                 "duplicate": QColor("#9ca3af"), "actioned": QColor("#7c3aed"), "closed": QColor("#6b7280")}
PRIORITY_COLOURS = {"urgent": QColor("#ea580c"), "critical": QColor("#dc2626")}

ItemIdRole = Qt.ItemDataRole.UserRole + 1  # the row's id, without loading the row
ItemRole = Qt.ItemDataRole.UserRole + 2  # the row's item dict (or None if deleted)


_icons: dict[str, QIcon] = {}


def kind_icon(kind: str) -> QIcon:
    """A blue dot for posts, an orange diamond for field updates (drawn once, then cached)."""
    icon = _icons.get(kind)
    if icon is None:
        size = 12
        pix = QPixmap(size, size)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        if kind == "field_update":
            p.setBrush(UPDATE_COLOUR)
            m = size / 2
            p.drawPolygon(QPolygonF([QPointF(m, 0.5), QPointF(size - 0.5, m), QPointF(m, size - 0.5), QPointF(0.5, m)]))
        else:
            p.setBrush(POST_COLOUR)
            p.drawEllipse(1, 1, size - 2, size - 2)
        p.end()
        icon = _icons[kind] = QIcon(pix)
    return icon


class TriageNames(QObject):
    """The interface names of triage states, priorities and incident states (context
    ``TriageNames`` in the catalogue), shared by the feed, the queue and the incidents."""

    def state(self, state: str) -> str:
        return {"new": self.tr("new"), "review": self.tr("in review"), "verified": self.tr("verified"),
                "false": self.tr("false"), "duplicate": self.tr("duplicate"), "actioned": self.tr("actioned"),
                "closed": self.tr("closed")}.get(state, state)

    def priority(self, priority: str) -> str:
        return {"routine": self.tr("routine"), "urgent": self.tr("urgent"),
                "critical": self.tr("critical")}.get(priority, priority)

    def incident_state(self, state: str) -> str:
        return {"open": self.tr("open"), "monitoring": self.tr("monitoring"),
                "closed": self.tr("closed")}.get(state, state)


_names: TriageNames | None = None


def triage_names() -> TriageNames:
    global _names
    if _names is None:
        _names = TriageNames()
    return _names


def triage_of(conn, ids) -> dict:
    """``{id: (state, priority, officer)}`` for the items that have been triaged (the rest
    are new, routine); ``officer``: the state was confirmed by a unit in the field."""
    from desktop.cache import triage as cache_triage

    return {i: (t.state, t.priority, t.officer) for i, t in cache_triage.get(conn, ids).items()}


class FeedModel(QAbstractTableModel):
    """Items in the caller's order (newest first), loaded lazily page by page."""

    COL_TIME, COL_KIND, COL_WHO, COL_SOURCE, COL_TEXT = range(5)  # text last on screen: it takes the spare width
    COL_STATE, COL_PRIORITY = 5, 6  # shown after the kind (FeedView moves them)
    COLUMNS = 7

    def __init__(self, loader: RowLoader | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._ids = np.zeros(0, dtype=np.int64)
        self._pages: OrderedDict[int, list[dict | None]] = OrderedDict()
        # Item rows by id, kept while the cache has only gained rows ('rewrites' unchanged):
        # a new id list (each live commit) then reads only the rows not seen yet. Triage
        # is read again for every page, since it changes without rewriting items.
        self._rows: OrderedDict[int, dict] = OrderedDict()
        self._rewrites: str | None = None
        self._zone_name = "Asia/Seoul"
        self._zone = zone_for(self._zone_name)
        self._span_end_ms: int | None = None
        self._ref_day = self._reference_day()

    # -- inputs -------------------------------------------------------------------------

    def set_loader(self, loader: RowLoader | None) -> None:
        """Use another cache file's loader; cached rows belonged to the old one."""
        self.beginResetModel()
        self._loader = loader
        self._pages.clear()
        self._rows.clear()
        self.endResetModel()

    def set_ids(self, ids) -> None:
        """Show these item ids, in this order. Nothing is read until the view asks."""
        self.beginResetModel()
        self._ids = np.ascontiguousarray(ids, dtype=np.int64)
        self._pages.clear()  # pages are keyed by row, and rows now mean other ids
        rewrites = self._read_rewrites()
        if rewrites is None or rewrites != self._rewrites:
            self._rows.clear()  # items were changed or deleted since: read them again
        self._rewrites = rewrites
        self.endResetModel()

    def _read_rewrites(self) -> str | None:
        if self._loader is None:
            return None
        try:
            row = self._loader.conn.execute("SELECT value FROM meta WHERE key = 'rewrites'").fetchone()
        except sqlite3.Error:
            return None
        return row[0] if row else "0"

    def set_span(self, start_ms: int | None, end_ms: int | None) -> None:
        """The incident's span: times on its last day show without a date."""
        self._span_end_ms = end_ms
        self._retime()

    def set_display_zone(self, name: str) -> None:
        """"Asia/Seoul" or "UTC"; times in the Time column follow it."""
        if name == self._zone_name:
            return
        self._zone_name = name
        self._zone = zone_for(name)
        self._retime()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, self.COL_TIME, self.COL_TIME)

    def display_zone(self) -> str:
        return self._zone_name

    def invalidate(self) -> None:
        """Forget loaded rows (an import changed or deleted some); visible rows reload."""
        self._pages.clear()
        self._rows.clear()
        if len(self._ids):
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, self.COLUMNS - 1))

    # -- lookups --------------------------------------------------------------------------

    def ids(self) -> np.ndarray:
        return self._ids

    def id_at(self, row: int) -> int | None:
        return int(self._ids[row]) if 0 <= row < len(self._ids) else None

    def row_of(self, item_id: int) -> int | None:
        """The first row showing ``item_id``; one vectorised scan (about a millisecond for 1M rows)."""
        if not len(self._ids):
            return None
        hits = np.flatnonzero(self._ids == item_id)
        return int(hits[0]) if hits.size else None

    def item_at(self, row: int) -> dict | None:
        """The row's item, loading its page if needed; None when out of range or deleted."""
        if not 0 <= row < len(self._ids):
            return None
        return self._page(row // PAGE_ROWS)[row % PAGE_ROWS]

    def loaded_pages(self) -> list[int]:
        """Page numbers currently held, least recently used first."""
        return list(self._pages)

    def _page(self, page: int) -> list[dict | None]:
        rows = self._pages.get(page)
        if rows is not None:
            self._pages.move_to_end(page)
            return rows
        ids = self._ids[page * PAGE_ROWS:(page + 1) * PAGE_ROWS].tolist()
        known = self._rows
        missing = [i for i in ids if i not in known]
        fresh = self._loader.load(missing) if self._loader is not None and missing else {}
        for i, item in fresh.items():
            known[i] = item
        found = {}
        for i in ids:
            item = known.get(i)
            if item is not None:
                known.move_to_end(i)
                found[i] = item
        while len(known) > ROW_CACHE:
            known.popitem(last=False)
        rows = [found.get(i) for i in ids]
        if found:
            tri = triage_of(self._loader.conn, list(found))
            for item in found.values():
                (item["triage_state"], item["triage_priority"],
                 item["triage_officer"]) = tri.get(item["id"], ("new", "routine", False))
        self._pages[page] = rows
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        return rows

    # -- Qt model interface ---------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section == self.COL_TIME:
            return self.tr("Time (%1)").replace("%1", zone_label(self._zone_name))
        if section == self.COL_KIND:
            return self.tr("Kind")
        if section == self.COL_WHO:
            return self.tr("Who")
        if section == self.COL_TEXT:
            return self.tr("Text")
        if section == self.COL_SOURCE:
            return self.tr("Source")
        if section == self.COL_STATE:
            return self.tr("State")
        if section == self.COL_PRIORITY:
            return self.tr("Priority")
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if not 0 <= row < len(self._ids):
            return None
        if role == ItemIdRole:
            return int(self._ids[row])
        triage_col = col in (self.COL_STATE, self.COL_PRIORITY)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.DecorationRole,
                        Qt.ItemDataRole.ForegroundRole, ItemRole) and not (triage_col and role == Qt.ItemDataRole.FontRole):
            return None  # cheap roles (font, alignment, size) must not trigger a page load
        item = self.item_at(row)
        if role == ItemRole:
            return item
        if item is None:
            return self.tr("(removed)") if role == Qt.ItemDataRole.DisplayRole and col == self.COL_TEXT else None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(item, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, col)
        if role == Qt.ItemDataRole.DecorationRole:
            return kind_icon(item["kind"]) if col == self.COL_KIND else None
        if triage_col and role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.FontRole):
            return self._triage_style(item, col, role)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(EMERGENCY_COLOUR) if _emergency(item) else None
        return None

    def _triage_style(self, item: dict, col: int, role: int):
        """Verified green, false grey and struck through, duplicate pale; urgent orange, critical red and bold."""
        state, prio = item.get("triage_state", "new"), item.get("triage_priority", "routine")
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = STATE_COLOURS.get(state) if col == self.COL_STATE else PRIORITY_COLOURS.get(prio)
            return QBrush(colour) if colour is not None else None
        if col == self.COL_STATE and state == "false":
            font = QFont()
            font.setStrikeOut(True)
            return font
        if col == self.COL_PRIORITY and prio == "critical":
            font = QFont()
            font.setBold(True)
            return font
        return None

    # -- cell text ------------------------------------------------------------------------

    def kind_text(self, kind: str) -> str:
        return self.tr("Field update") if kind == "field_update" else self.tr("Post")

    def _display(self, item: dict, col: int) -> str:
        if col == self.COL_TIME:
            return self._time_text(item["t_ms"])
        if col == self.COL_KIND:
            return self.kind_text(item["kind"])
        if col == self.COL_WHO:
            return feed_rows.who(item)
        if col == self.COL_TEXT:
            return feed_rows.first_line(item["text"])
        if col == self.COL_SOURCE:
            return item["source"] or ""
        if col == self.COL_STATE:
            name = triage_names().state(item.get("triage_state", "new"))
            # An officer's confirmation is told apart from the commander's own call.
            return self.tr("{state} (field)").format(state=name) if item.get("triage_officer") else name
        if col == self.COL_PRIORITY:
            return triage_names().priority(item.get("triage_priority", "routine"))
        return ""

    def _tooltip(self, item: dict, col: int) -> str | None:
        if col == self.COL_TIME:
            return plain_tooltip(feed_rows.full_times(item["t_ms"], zone_for("Asia/Seoul")))
        if col == self.COL_TEXT:
            return plain_tooltip(item["text"]) if item["text"] else None
        if col == self.COL_WHO:
            name = feed_rows.who(item)
            return plain_tooltip(name) if name else None
        return None

    def _time_text(self, ms: int) -> str:
        dt = datetime.fromtimestamp(ms / 1000, tz=self._zone)
        return dt.strftime("%H:%M:%S" if dt.date() == self._ref_day else "%Y-%m-%d %H:%M:%S")

    def _reference_day(self) -> date:
        # The span's last day reads as "today"; without a span, the real today does.
        if self._span_end_ms is None:
            return datetime.now(self._zone).date()
        return datetime.fromtimestamp(self._span_end_ms / 1000, tz=self._zone).date()

    def _retime(self) -> None:
        self._ref_day = self._reference_day()
        if len(self._ids):
            self.dataChanged.emit(self.index(0, self.COL_TIME), self.index(len(self._ids) - 1, self.COL_TIME),
                                  [Qt.ItemDataRole.DisplayRole])


def _emergency(item: dict) -> bool:
    extra = item.get("extra")
    return bool(isinstance(extra, dict) and extra.get("emergency"))


class FeedView(QTableView):
    """The feed table. ``itemSelected(id)`` fires when the current row changes by
    keyboard or mouse; :meth:`select_item` moves the selection without firing it."""

    itemSelected = Signal("qlonglong")  # ids are SQLite rowids: 64-bit

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._quiet = False
        self._selected_id: int | None = None
        self._kept_id: int | None = None
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSortingEnabled(False)  # the order is the caller's (newest first)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vh = self.verticalHeader()
        vh.hide()
        # Fixed, uniform rows: with per-row sizing the view would measure a million rows.
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 6)
        hh = self.horizontalHeader()
        hh.setStretchLastSection(True)
        hh.setSectionsMovable(True)
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # never ResizeToContents on 1M rows
        hh.setHighlightSections(False)
        self._anchor = None
        self._make_newer_button()

    def setModel(self, model) -> None:  # noqa: N802 (Qt override)
        old = self.selectionModel()
        if old is not None:
            old.currentRowChanged.disconnect(self._on_current_row)
        if isinstance(self.model(), FeedModel):
            self.model().modelAboutToBeReset.disconnect(self._remember)
            self.model().modelReset.disconnect(self._restore)
        super().setModel(model)
        if self.selectionModel() is not None:
            self.selectionModel().currentRowChanged.connect(self._on_current_row)
        if isinstance(model, FeedModel):
            model.modelAboutToBeReset.connect(self._remember)
            model.modelReset.connect(self._restore)
            fm = self.fontMetrics()
            self.setColumnWidth(FeedModel.COL_TIME, fm.horizontalAdvance("00:00:00") + 20)
            self.setColumnWidth(FeedModel.COL_KIND, fm.horizontalAdvance("Field update") + 30)
            self.setColumnWidth(FeedModel.COL_WHO, fm.horizontalAdvance("M" * 9))
            self.setColumnWidth(FeedModel.COL_SOURCE, fm.horizontalAdvance("ushahidi") + 12)
            self.setColumnWidth(FeedModel.COL_STATE, fm.horizontalAdvance("duplicate") + 14)
            self.setColumnWidth(FeedModel.COL_PRIORITY, fm.horizontalAdvance("critical") + 14)
            hh = self.horizontalHeader()
            if hh.visualIndex(FeedModel.COL_STATE) == FeedModel.COL_STATE:  # state and priority after the kind
                hh.moveSection(FeedModel.COL_STATE, FeedModel.COL_KIND + 1)
                hh.moveSection(FeedModel.COL_PRIORITY, FeedModel.COL_KIND + 2)

    def feed_model(self) -> FeedModel:
        return self.model()

    def selected_id(self) -> int | None:
        return self._selected_id

    def select_item(self, item_id: int | None, scroll: bool = True) -> bool:
        """Select ``item_id``'s row (None clears); False if it is not in the feed. Never emits itemSelected."""
        model = self.model()
        row = model.row_of(item_id) if (model is not None and item_id is not None) else None
        self._quiet = True
        try:
            sel = self.selectionModel()
            if row is None:
                sel.clear()
                self._selected_id = None
                return False
            index = model.index(row, 0)
            auto = self.hasAutoScroll()
            self.setAutoScroll(scroll)  # the view would otherwise scroll to a new current row itself
            try:
                sel.setCurrentIndex(index, sel.SelectionFlag.ClearAndSelect | sel.SelectionFlag.Rows)
            finally:
                self.setAutoScroll(auto)
            self._selected_id = int(item_id)
        finally:
            self._quiet = False
        if scroll:
            self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item_id = current.data(ItemIdRole) if current.isValid() else None
        self._selected_id = item_id
        if item_id is not None and not self._quiet:
            self.itemSelected.emit(item_id)

    def _remember(self) -> None:
        self._kept_id = self._selected_id
        # Scrolled down the list, the rows under the pointer must stay put as new items
        # arrive above them: remember the top row's item and how far it is scrolled in.
        bar = self.verticalScrollBar()
        self._anchor = None
        if bar.value() > 0 and self.model() is not None:
            row = self.rowAt(0)
            item = self.model().id_at(row) if row >= 0 else None
            if item is not None:
                per_pixel = self.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerPixel
                offset = bar.value() - row * self.verticalHeader().defaultSectionSize() if per_pixel else 0
                self._anchor = (item, row, offset)

    def _restore(self) -> None:
        # A new filter result keeps the same item selected when it is still listed.
        kept, self._kept_id = self._kept_id, None
        anchor, self._anchor = getattr(self, "_anchor", None), None
        self._selected_id = None
        model = self.model()
        new_row = model.row_of(anchor[0]) if anchor is not None else None
        if new_row is not None:
            item, old_row, offset = anchor
            per_pixel = self.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerPixel
            h = self.verticalHeader().defaultSectionSize() if per_pixel else 1
            self.updateGeometries()  # the scroll range must know the new row count first
            self.verticalScrollBar().setValue(new_row * h + offset)
            if new_row > old_row:
                self._newer += new_row - old_row
            self._show_newer()
            if kept is not None:
                self.select_item(kept, scroll=False)
            return
        self._newer = 0
        self._show_newer()
        if kept is not None:
            # At the top the newest stay in view; otherwise bring the selection back in view.
            self.select_item(kept, scroll=anchor is None and self.verticalScrollBar().value() > 0)

    # "N new" above the rows being read ------------------------------------------------
    def _make_newer_button(self) -> None:
        from PySide6.QtWidgets import QToolButton

        self.newer_button = QToolButton(self.viewport())
        self.newer_button.setObjectName("newerItems")
        self.newer_button.hide()
        self.newer_button.clicked.connect(self.jump_to_newest)
        self._newer = 0
        self.verticalScrollBar().valueChanged.connect(lambda v: v == 0 and self._clear_newer())

    def newer_count(self) -> int:
        return self._newer

    def _show_newer(self) -> None:
        b = self.newer_button
        if self._newer <= 0:
            b.hide()
            return
        b.setText(self.tr("↑ {n} new").format(n=f"{self._newer:,}"))
        b.adjustSize()
        b.move(max(0, (self.viewport().width() - b.width()) // 2), 4)
        b.show()
        b.raise_()

    def _clear_newer(self) -> None:
        self._newer = 0
        self.newer_button.hide()

    def jump_to_newest(self) -> None:
        self.scrollToTop()
        self._clear_newer()
