"""Pick districts from a boundary file (GeoJSON, Shapefile, GeoPackage…) by name."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.geo import Area, GeoError, clean_geometry, name_field, read_boundaries
from desktop.core.provinces import province_names, qualified


class DistrictDialog(QDialog):
    """Lists a boundary file's features; the chosen ones become areas."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Districts — {name}").format(name=Path(path).name))
        self.resize(480, 560)
        self.path = Path(path)
        self.gdf = read_boundaries(path)  # GeoError goes to the caller, which shows it
        self.name_col = name_field(self.gdf)
        lay = QVBoxLayout(self)
        self.filter = QLineEdit(placeholderText=self.tr("Filter by name or code (e.g. 종로, Jongno, 11)"))
        self.filter.textChanged.connect(self._apply_filter)
        lay.addWidget(self.filter)
        cols = [c for c in ("name", "name_eng", "code") if c in self.gdf.columns] or [self.name_col or self.gdf.columns[0]]
        self.cols = cols
        # The province of each district, by containment (중구 is in six cities).
        self.provinces = dict(zip(self.gdf.index, province_names(list(self.gdf.geometry))))
        self.tree = QTreeWidget()
        self.tree.setObjectName("districts")
        self.tree.setHeaderLabels(cols + [self.tr("Province")])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        for idx, row in self.gdf.iterrows():
            it = QTreeWidgetItem([str(row.get(c, "")) for c in cols] + [self.provinces.get(idx) or ""])
            it.setData(0, Qt.ItemDataRole.UserRole, idx)
            self.tree.addTopLevelItem(it)
        self.tree.setSortingEnabled(True)
        self.tree.sortByColumn(len(cols) - 1, Qt.SortOrder.AscendingOrder)
        lay.addWidget(self.tree)
        self.exclude = QCheckBox(self.tr("Exclude these areas instead"))
        lay.addWidget(self.exclude)
        lay.addWidget(QLabel(self.tr("Names repeat across cities (중구, 강서구): the province tells them apart.")))
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)

    def _apply_filter(self, text: str) -> None:
        t = text.strip().casefold()
        for i in range(self.tree.topLevelItemCount()):
            it = self.tree.topLevelItem(i)
            hay = " ".join(it.text(c) for c in range(len(self.cols) + 1)).casefold()
            it.setHidden(bool(t) and t not in hay)

    def select_codes(self, codes: list[str]) -> None:
        """Select rows by code (used by tests and by 'pick by property')."""
        col = self.cols.index("code") if "code" in self.cols else 0
        for i in range(self.tree.topLevelItemCount()):
            it = self.tree.topLevelItem(i)
            it.setSelected(it.text(col) in codes)

    def chosen_areas(self) -> list[Area]:
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
