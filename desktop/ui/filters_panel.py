"""The filter panel: search, kinds, sources, precision, top hashtags and areas.

It owns no filter logic: it reports what the user chose and shows counts it is given.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.geo import Area

PRECISIONS = ("exact", "place", "inferred", "unknown")


class FiltersPanel(QWidget):
    changed = Signal()
    areasChanged = Signal()  # noqa: N815
    drawRequested = Signal(str)  # noqa: N815
    loadBoundaryRequested = Signal()  # noqa: N815
    saveAreaRequested = Signal(str)  # noqa: N815
    removeAreaRequested = Signal(str)  # noqa: N815
    zoomToAreaRequested = Signal(str)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filtersPanel")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(self.tr("Search text, Hangul included (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self.changed)
        lay.addWidget(self.search)

        show = QGroupBox(self.tr("Show"))
        sl = QVBoxLayout(show)
        self.kind_posts = QCheckBox(self.tr("Public posts"), checked=True)
        self.kind_field = QCheckBox(self.tr("Officer field updates"), checked=True)
        for cb in (self.kind_posts, self.kind_field):
            cb.toggled.connect(self._kind_toggled)
            sl.addWidget(cb)
        prow = QHBoxLayout()
        self.precision_boxes: dict[str, QCheckBox] = {}
        labels = {"exact": self.tr("exact"), "place": self.tr("place-only"), "inferred": self.tr("inferred"),
                  "unknown": self.tr("no position")}
        for p in PRECISIONS:
            cb = QCheckBox(labels[p], checked=True)
            cb.setToolTip(self.tr("Location precision"))
            cb.toggled.connect(self.changed)
            self.precision_boxes[p] = cb
            prow.addWidget(cb)
        sl.addLayout(prow)
        lay.addWidget(show)

        src = QGroupBox(self.tr("Sources"))
        srl = QVBoxLayout(src)
        self.sources = QListWidget()
        self.sources.setMaximumHeight(90)
        self.sources.itemChanged.connect(lambda _i: self.changed.emit())
        srl.addWidget(self.sources)
        lay.addWidget(src)

        tags = QGroupBox(self.tr("Hashtags in the window"))
        tl = QVBoxLayout(tags)
        self.tags = QListWidget()
        self.tags.setObjectName("hashtags")
        self.tags.itemChanged.connect(self._tag_toggled)
        tl.addWidget(self.tags)
        lay.addWidget(tags, 2)

        areas = QGroupBox(self.tr("Areas"))
        al = QVBoxLayout(areas)
        row = QHBoxLayout()
        for mode, text in (("polygon", self.tr("Polygon")), ("rectangle", self.tr("Rectangle")), ("circle", self.tr("Circle"))):
            b = QPushButton(text)
            b.setObjectName(f"draw_{mode}")
            b.setToolTip(self.tr("Draw an area on the map (Esc cancels)"))
            b.clicked.connect(lambda _c=False, m=mode: self.drawRequested.emit(m))
            row.addWidget(b)
        al.addLayout(row)
        self.area_tree = QTreeWidget()
        self.area_tree.setObjectName("areas")
        self.area_tree.setColumnCount(4)
        self.area_tree.setHeaderLabels([self.tr("Area"), self.tr("Items"), self.tr("Exclude"), self.tr("Outline")])
        self.area_tree.setRootIsDecorated(False)
        self.area_tree.itemChanged.connect(self._area_item_changed)
        self.area_tree.itemDoubleClicked.connect(lambda it, _c: self.zoomToAreaRequested.emit(it.data(0, Qt.ItemDataRole.UserRole)))
        al.addWidget(self.area_tree)
        row2 = QHBoxLayout()
        load = QPushButton(self.tr("Districts…"))
        load.setObjectName("load_boundaries")
        load.setToolTip(self.tr("Pick districts from a boundary file (GeoJSON, Shapefile, GeoPackage)"))
        load.clicked.connect(self.loadBoundaryRequested)
        save = QPushButton(self.tr("Save"))
        save.setToolTip(self.tr("Save the selected area in the cache"))
        save.clicked.connect(lambda: self._with_current(self.saveAreaRequested))
        rm = QPushButton(self.tr("Remove"))
        rm.clicked.connect(lambda: self._with_current(self.removeAreaRequested))
        for b in (load, save, rm):
            row2.addWidget(b)
        al.addLayout(row2)
        lay.addWidget(areas, 2)

        self.areas: dict[str, Area] = {}
        self._active_tags: list[str] = []
        self._updating = False

    # sources and tags -------------------------------------------------------------
    def set_sources(self, sources: list[str]) -> None:
        # Remember what the user turned off, not what is on: a source that appears later
        # (a live feed starting) must show up, not be hidden by an old choice.
        off = {self.sources.item(i).text() for i in range(self.sources.count())
               if self.sources.item(i).checkState() != Qt.CheckState.Checked}
        self._updating = True
        self.sources.blockSignals(True)
        self.sources.clear()
        for s in sources:
            it = QListWidgetItem(s)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Unchecked if s in off else Qt.CheckState.Checked)
            self.sources.addItem(it)
        self.sources.blockSignals(False)
        self._updating = False

    def selected_sources(self, all_if_none: bool = True) -> tuple[str, ...]:
        items = [self.sources.item(i) for i in range(self.sources.count())]
        on = tuple(i.text() for i in items if i.checkState() == Qt.CheckState.Checked)
        if all_if_none and len(on) == len(items):
            return ()  # all sources: no restriction (new sources appear without surprises)
        return on

    def set_top_tags(self, tags: list[tuple[str, int]]) -> None:
        """Refresh the list; checked tags stay listed (with their count in the window) on top."""
        counts = dict(tags)
        self.tags.blockSignals(True)
        self.tags.clear()
        ordered = [(t, counts.get(t, 0)) for t in self._active_tags] + [(t, n) for t, n in tags if t not in self._active_tags]
        for t, n in ordered:
            it = QListWidgetItem(f"#{t}  {n}")
            it.setData(Qt.ItemDataRole.UserRole, t)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Checked if t in self._active_tags else Qt.CheckState.Unchecked)
            self.tags.addItem(it)
        self.tags.blockSignals(False)

    def _tag_toggled(self, it: QListWidgetItem) -> None:
        t = it.data(Qt.ItemDataRole.UserRole)
        if it.checkState() == Qt.CheckState.Checked and t not in self._active_tags:
            self._active_tags.append(t)
        elif it.checkState() != Qt.CheckState.Checked and t in self._active_tags:
            self._active_tags.remove(t)
        self.changed.emit()

    def set_active_tags(self, tags: list[str]) -> None:
        self._active_tags = list(tags)

    def active_tags(self) -> tuple[str, ...]:
        return tuple(self._active_tags)

    def _kind_toggled(self, on: bool) -> None:
        # Keep at least one kind on: an empty map with no hint why helps nobody.
        if not on and not (self.kind_posts.isChecked() or self.kind_field.isChecked()):
            self.sender().setChecked(True)
            return
        self.changed.emit()

    def kinds(self) -> tuple[str, ...]:
        k = []
        if self.kind_posts.isChecked():
            k.append("post")
        if self.kind_field.isChecked():
            k.append("field_update")
        return tuple(k) if len(k) == 1 else ()

    def precisions(self) -> tuple[str, ...]:
        on = tuple(p for p, cb in self.precision_boxes.items() if cb.isChecked())
        return () if len(on) == len(PRECISIONS) else on

    # areas --------------------------------------------------------------------------
    def add_area(self, area: Area, active: bool = True, visible: bool = True, saved: bool = False) -> None:
        name = area.name
        if name in self.areas:
            self._remove_item(name)
        self.areas[name] = area
        it = QTreeWidgetItem([name, "", "", ""])
        it.setData(0, Qt.ItemDataRole.UserRole, name)
        it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        it.setCheckState(0, Qt.CheckState.Checked if active else Qt.CheckState.Unchecked)
        it.setCheckState(2, Qt.CheckState.Checked if area.exclude else Qt.CheckState.Unchecked)
        it.setCheckState(3, Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
        it.setToolTip(0, self.tr("Saved in the cache") if saved else self.tr("Not saved"))
        self.area_tree.blockSignals(True)
        self.area_tree.addTopLevelItem(it)
        self.area_tree.blockSignals(False)
        self.areasChanged.emit()

    def _remove_item(self, name: str) -> None:
        for i in range(self.area_tree.topLevelItemCount()):
            if self.area_tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) == name:
                self.area_tree.takeTopLevelItem(i)
                break
        self.areas.pop(name, None)

    def remove_area(self, name: str) -> None:
        self._remove_item(name)
        self.areasChanged.emit()

    def _items(self):
        return [self.area_tree.topLevelItem(i) for i in range(self.area_tree.topLevelItemCount())]

    def _area_item_changed(self, it: QTreeWidgetItem, col: int) -> None:
        name = it.data(0, Qt.ItemDataRole.UserRole)
        if col == 2 and name in self.areas:
            a = self.areas[name]
            self.areas[name] = Area(a.name, a.geometry, it.checkState(2) == Qt.CheckState.Checked, a.properties)
        if col in (0, 2, 3):
            self.areasChanged.emit()

    def active_areas(self) -> tuple[Area, ...]:
        return tuple(self.areas[i.data(0, Qt.ItemDataRole.UserRole)] for i in self._items()
                     if i.checkState(0) == Qt.CheckState.Checked)

    def area_rows(self) -> list[dict]:
        out = []
        for i in self._items():
            name = i.data(0, Qt.ItemDataRole.UserRole)
            out.append({"name": name, "active": i.checkState(0) == Qt.CheckState.Checked,
                        "visible": i.checkState(3) == Qt.CheckState.Checked, "area": self.areas[name]})
        return out

    def set_area_counts(self, counts: dict[str, int]) -> None:
        self.area_tree.blockSignals(True)
        for i in self._items():
            n = counts.get(i.data(0, Qt.ItemDataRole.UserRole))
            i.setText(1, "" if n is None else str(n))
        self.area_tree.blockSignals(False)

    def _with_current(self, signal) -> None:
        it = self.area_tree.currentItem()
        if it is not None:
            signal.emit(it.data(0, Qt.ItemDataRole.UserRole))
