"""File → Import…: files into the cache, with progress and cancel; the index reloads after."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from desktop.ui.panels.base import MenuEntry, Panel


class ImportPanel(Panel):
    name = "imports"

    def actions(self) -> list[MenuEntry]:
        imp = QAction(self.tr("Import…"), self.ctx.window)
        imp.setShortcut(QKeySequence("Ctrl+I"))
        imp.triggered.connect(self.import_files)
        return [MenuEntry("file", imp, toolbar=True)]

    def import_files(self) -> None:
        from desktop.ui.import_dialog import run_import_dialog

        if run_import_dialog(self.ctx.window, self.ctx.db_path):
            self.ctx.worker.reload()


PANEL = ImportPanel
