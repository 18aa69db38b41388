"""File → Import…: files into the cache, with progress and cancel; the index reloads after."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from desktop.ui.panels.base import MenuEntry, Panel


class ImportPanel(Panel):
    name = "imports"

    def actions(self) -> list[MenuEntry]:
        imp = QAction(self.tr("Import…"), self.ctx.window)
        imp.setShortcut(QKeySequence("Ctrl+I"))
        imp.triggered.connect(lambda: self.import_files())
        return [MenuEntry("file", imp, toolbar=True)]

    def import_files(self, files: list[str] | None = None) -> bool:
        """Pick files (or take ``files``) and import them for the session's purpose, each
        recorded as a ``collect`` entry; refused, with the reason, in a view-only session."""
        from desktop.ui.import_dialog import run_import_dialog
        from desktop.ui.start_dialog import refuse_without_purpose

        s = self.session
        self.refused = refuse_without_purpose(self.ctx.window, s, self.tr("Importing files"),
                                              self.ctx.services.get("ask_who"))
        if self.refused is not None:
            return False
        if run_import_dialog(self.ctx.window, self.ctx.db_path, files, who=(s.operator, s.purpose, s.case_ref),
                             imported=self._imported):
            self.ctx.worker.reload()
            return True
        return False

    def _imported(self, res, batch) -> None:
        st = res.stats
        self.record("collected", res.path, batch, {"format": res.format, "new": st.accepted,
                                                   "duplicates": st.duplicates, "skipped": st.skipped,
                                                   "withdrawn": st.deleted, "units": st.units})


PANEL = ImportPanel
