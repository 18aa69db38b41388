"""Help: the keyboard shortcuts of every panel, the user guide's location, and About."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QTableWidget, QTableWidgetItem, QVBoxLayout

from desktop import __version__
from desktop.core.kostat import CREDIT as DISTRICTS_CREDIT
from desktop.ui.panels.base import MenuEntry, Panel
from desktop.ui.plain import message


class HelpPanel(Panel):
    name = "help"

    def actions(self) -> list[MenuEntry]:
        win = self.ctx.window
        keys = QAction(self.tr("Keyboard shortcuts"), win)
        keys.setShortcut(QKeySequence("F1"))
        keys.triggered.connect(self.show_shortcuts)
        about = QAction(self.tr("About Sitmap"), win)
        about.triggered.connect(self.show_about)
        return [MenuEntry("help", keys), MenuEntry("help", about)]

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(keys, what) for every action of the window that has a shortcut, sorted by what."""
        rows = {}
        for a in self.ctx.window.findChildren(QAction):
            seq = a.shortcut()
            if not seq.isEmpty() and a.text():
                rows[(a.text().replace("&", ""), seq.toString(QKeySequence.SequenceFormat.NativeText))] = None
        for seq, _fn, what in self.ctx.services.get("shortcuts", []):
            rows[(what, seq.toString(QKeySequence.SequenceFormat.NativeText))] = None
        return sorted(((k, w) for (w, k) in rows), key=lambda r: r[1].lower())

    def show_shortcuts(self) -> QDialog:
        dlg = QDialog(self.ctx.window)
        dlg.setWindowTitle(self.tr("Keyboard shortcuts"))
        lay = QVBoxLayout(dlg)
        rows = self.shortcut_rows()
        table = QTableWidget(len(rows), 2)
        table.setObjectName("shortcuts")
        table.setHorizontalHeaderLabels([self.tr("Keys"), self.tr("Action")])
        for i, (keys, what) in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(keys))
            table.setItem(i, 1, QTableWidgetItem(what))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        lay.addWidget(table)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(dlg.reject)
        lay.addWidget(box)
        dlg.resize(460, 520)
        dlg.open()
        return dlg

    def about_text(self) -> str:
        return self.tr(
            "Sitmap {version}\nA situation map for incident commanders: public posts and officer field updates "
            "on one timeline, offline first.\n\nCache: {db}").format(version=__version__, db=self.ctx.db_path) \
            + "\n\n" + self.tr("Built with and shipping:") + "\n" + "\n".join(f"• {c}" for c in CREDITS)

    def show_about(self, *, modal: bool = True) -> QMessageBox:
        return message(self.ctx.window, self.tr("About Sitmap"), self.about_text(), "information", modal=modal)


# What Sitmap ships or draws, with its licence and the credit it asks for.
CREDITS = (
    "Leaflet (BSD 2-Clause), Leaflet.markercluster (MIT), folium (MIT)",
    "protomaps-leaflet vector tile renderer (BSD 3-Clause) and the packages it bundles (ISC, BSD, MIT)",
    "Qt for Python / PySide6 and Qt WebEngine (LGPL v3)",
    "NanumGothic font and Noto Emoji font (SIL Open Font License 1.1)",
    "Outline basemap: Natural Earth (public domain)",
    "Place search: GeoNames (CC BY 4.0)",
    "Built-in districts and map outlines (시도, 시군구, 읍면동, KOSTAT 2018): " + DISTRICTS_CREDIT,
    "Online map layer, only when turned on: © OpenStreetMap contributors (ODbL)",
)


PANEL = HelpPanel
