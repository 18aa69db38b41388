"""Pick districts by name: the built-in Korean districts (KOSTAT 2018 시도, 시군구, 읍면동,
shipped with Sitmap, nothing to find) or the features of a boundary file (GeoJSON,
Shapefile, GeoPackage…)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QVBoxLayout,
    QWidget,
)

from desktop.core import kostat
from desktop.core.geo import Area, GeoError, clean_geometry, name_field, read_boundaries
from desktop.core.provinces import province_names, qualified
from desktop.ui.plain import message

BUILTIN, FILE = 0, 1
SEARCH_LIMIT = 300  # rows a search shows (the best first)


class DistrictDialog(QDialog):
    """The built-in districts (``path`` None) or a boundary file's features; the chosen
    ones become areas. The source can be switched in the dialog ("From a file…")."""

    fileLoaded = Signal(object)  # noqa: N815 (Qt naming): the GeoDataFrame of a file just opened

    def __init__(self, path: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.resize(560, 600)
        self.path: Path | None = None
        self.gdf = None
        self.name_col = None
        self.cols: list[str] = []
        self.provinces: dict = {}
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.source = QComboBox()
        self.source.setObjectName("districtSource")
        self.source.addItem(self.tr("Built-in: 시도 / 시군구 / 읍면동 (KOSTAT 2018)"))
        self.source.addItem(self.tr("From a file…"))
        top.addWidget(self.source, 1)
        lay.addLayout(top)
        self.filter = QLineEdit(placeholderText=self.tr("Filter by name or code (e.g. 종로, Jongno, 11)"))
        self.filter.textChanged.connect(self._apply_filter)
        lay.addWidget(self.filter)
        self.tree = QTreeWidget()
        self.tree.setObjectName("districts")
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        lay.addWidget(self.tree)
        self.exclude = QCheckBox(self.tr("Exclude these areas instead"))
        lay.addWidget(self.exclude)
        lay.addWidget(QLabel(self.tr("Names repeat across cities (중구, 강서구): the province tells them apart.")))
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)
        if path is None:
            self.show_builtin()
        else:
            self.load_file(Path(path))  # GeoError goes to the caller, which shows it
        self.source.activated.connect(self._source_chosen)

    # the built-in districts ---------------------------------------------------------------
    def is_builtin(self) -> bool:
        return self.path is None

    def show_builtin(self) -> None:
        """The KOSTAT 2018 districts as a tree, 시도 > 시군구 > 읍면동; a search lists matches."""
        self.path, self.gdf, self.name_col, self.provinces = None, None, "name", {}
        self.cols = ["name", "name_eng", "code"]
        self.source.setCurrentIndex(BUILTIN)
        self.setWindowTitle(self.tr("Districts — built-in (KOSTAT 2018)"))
        self.filter.setPlaceholderText(self.tr("Search by name, in Korean or English (명동, Myeong, 종로구)"))
        self._fill_builtin(self.filter.text())

    def _level_name(self, level: str) -> str:
        return {kostat.SIDO: self.tr("province"), kostat.SIGUNGU: self.tr("district"),
                kostat.EMD: self.tr("neighbourhood")}[level]

    def _builtin_item(self, u: dict, flat: bool) -> QTreeWidgetItem:
        name = u["qualified"] if flat else u["name"]
        it = QTreeWidgetItem([name, u["name_eng"], u["code"], self._level_name(u["level"])])
        it.setData(0, Qt.ItemDataRole.UserRole, u["code"])
        return it

    def _fill_builtin(self, text: str) -> None:
        tree = self.tree
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # the first use reads the three levels (~1 s)
        tree.setUpdatesEnabled(False)
        tree.clear()
        tree.setSortingEnabled(False)
        tree.setHeaderLabels([self.tr("Name"), self.tr("English"), self.tr("Code"), self.tr("Level")])
        try:
            if text.strip():
                tree.setRootIsDecorated(False)
                for u in kostat.find(text, SEARCH_LIMIT):
                    tree.addTopLevelItem(self._builtin_item(u, flat=True))
            else:
                tree.setRootIsDecorated(True)
                parents: dict[str, QTreeWidgetItem] = {}
                for level in kostat.LEVELS:
                    for u in kostat.units(level):
                        it = self._builtin_item(u, flat=False)
                        up = parents.get(u["parent_codes"][-1]) if u["parent_codes"] else None
                        if up is None:
                            tree.addTopLevelItem(it)
                        else:
                            up.addChild(it)
                        parents[u["code"]] = it
        except GeoError as exc:  # a damaged install: say so, the file choice still works
            message(self, self.tr("Districts"), str(exc))
        finally:
            tree.setUpdatesEnabled(True)
            QApplication.restoreOverrideCursor()
        tree.resizeColumnToContents(0)

    # a boundary file ------------------------------------------------------------------------
    def _source_chosen(self, index: int) -> None:
        if index == BUILTIN:
            if not self.is_builtin():
                self.show_builtin()
            return
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Boundary file"), str(Path.home()),
                                              self.tr("Boundaries (*.geojson *.json *.shp *.gpkg *.kml);;All files (*)"))
        if not path:
            self.source.setCurrentIndex(BUILTIN if self.is_builtin() else FILE)
            return
        try:
            self.load_file(Path(path))
        except GeoError as exc:
            message(self, self.tr("Boundary file"), str(exc))
            self.source.setCurrentIndex(BUILTIN if self.is_builtin() else FILE)

    def load_file(self, path: Path) -> None:
        """The features of a boundary file, named with their province (중구 is in six cities)."""
        gdf = read_boundaries(path)
        self.path = Path(path)
        self.gdf = gdf
        self.name_col = name_field(self.gdf)
        self.source.setCurrentIndex(FILE)
        self.source.setItemText(FILE, self.tr("From a file: {name}").format(name=self.path.name))
        self.setWindowTitle(self.tr("Districts — {name}").format(name=self.path.name))
        self.filter.setPlaceholderText(self.tr("Filter by name or code (e.g. 종로, Jongno, 11)"))
        self.tree.clear()
        cols = [c for c in ("name", "name_eng", "code") if c in self.gdf.columns] or [self.name_col or self.gdf.columns[0]]
        self.cols = cols
        # The province of each district, by containment (중구 is in six cities).
        self.provinces = dict(zip(self.gdf.index, province_names(list(self.gdf.geometry))))
        self.tree.setHeaderLabels(cols + [self.tr("Province")])
        self.tree.setRootIsDecorated(False)
        for idx, row in self.gdf.iterrows():
            it = QTreeWidgetItem([str(row.get(c, "")) for c in cols] + [self.provinces.get(idx) or ""])
            it.setData(0, Qt.ItemDataRole.UserRole, idx)
            self.tree.addTopLevelItem(it)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(len(cols) - 1, Qt.SortOrder.AscendingOrder)
        self._apply_filter(self.filter.text())
        self.fileLoaded.emit(self.gdf)

    def _apply_filter(self, text: str) -> None:
        if self.is_builtin():
            self._fill_builtin(text)
            return
        t = text.strip().casefold()
        for i in range(self.tree.topLevelItemCount()):
            it = self.tree.topLevelItem(i)
            hay = " ".join(it.text(c) for c in range(len(self.cols) + 1)).casefold()
            it.setHidden(bool(t) and t not in hay)

    def select_codes(self, codes: list[str]) -> None:
        """Select rows by code (used by tests and by 'pick by property')."""
        col = self.cols.index("code") if "code" in self.cols else 0
        it_ = QTreeWidgetItemIterator(self.tree)
        while it_.value() is not None:
            it = it_.value()
            it.setSelected(it.text(col) in codes)
            if it.isSelected() and it.parent() is not None:  # show a picked 동 inside its 구
                it.parent().setExpanded(True)
                if it.parent().parent() is not None:
                    it.parent().parent().setExpanded(True)
            it_ += 1

    def chosen_areas(self) -> list[Area]:
        if self.is_builtin():
            codes = [it.data(0, Qt.ItemDataRole.UserRole) for it in self.tree.selectedItems()]
            return [kostat.area(kostat.resolve(c), self.exclude.isChecked()) for c in dict.fromkeys(codes)]
        out = []
        chosen = [it.data(0, Qt.ItemDataRole.UserRole) for it in self.tree.selectedItems()]
        labels = [qualified(str(self.gdf.loc[i][self.name_col]) if self.name_col else self.path.stem, self.provinces.get(i))
                  for i in chosen]
        for idx, label in zip(chosen, labels):
            row = self.gdf.loc[idx]
            if labels.count(label) > 1 and "code" in self.gdf.columns:
                label = f"{label} ({row['code']})"  # still ambiguous: the code tells them apart
            try:
                geom = clean_geometry(label, row.geometry)
            except GeoError:
                continue
            out.append(Area(label, geom, self.exclude.isChecked(), {k: str(v) for k, v in row.items() if k != "geometry"}))
        return out
