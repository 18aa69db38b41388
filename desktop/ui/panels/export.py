"""File → Export…: the items the window's filter selects, to a GeoJSON, CSV, GeoPackage,
KML or KMZ file, on a thread of its own with progress and Cancel.

The export is :func:`desktop.exports.export_cache` with ``session.filter()``, the same
filter the map and the feed show, on its own read-only connection; the file appears
only when it is complete, so Cancel or an error leaves nothing behind.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from desktop.core.errors import SitmapError
from desktop.exports import FORMATS, SUFFIXES, ExportCancelled, export_cache
from desktop.ui.panels.base import MenuEntry, Panel
from desktop.ui.plain import message, plain_progress


class ExportJob(QObject):
    """One export on a Python thread; its signals arrive on the GUI thread (queued)."""

    progress = Signal(int, int)
    finished = Signal(object)  # an ExportResult, or the exception that stopped the export

    def __init__(self, db: Path, flt, fmt: str, out: Path) -> None:
        super().__init__()
        self.db, self.flt, self.fmt, self.out = db, flt, fmt, out
        self.cancel = threading.Event()
        self.result = None
        self.done = False
        self.ids = None  # the ids of the items the filter selected (for the audit entry)
        self.thread = threading.Thread(target=self._run, name="sitmap-export", daemon=True)

    def start(self) -> "ExportJob":
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            res = export_cache(self.db, self.flt, self.fmt, self.out, progress=self.progress.emit,
                               should_cancel=self.cancel.is_set)
            from desktop.cache import Cache
            from desktop.cache.query import matching_ids

            with Cache.open_readonly(self.db) as cache:  # what left Sitmap, for the audit entry
                self.ids = [int(i) for i in matching_ids(cache.conn, self.flt)]
        except BaseException as exc:  # handed to the GUI thread, which reports it
            res = exc
        self.finished.emit(res)


class ExportPanel(Panel):
    name = "export"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.export_action = QAction(self.tr("Export…"), ctx.window)
        self.export_action.setObjectName("exportAction")
        self.export_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_action.triggered.connect(self.ask_export)
        self.job: ExportJob | None = None
        self.dialog: QProgressDialog | None = None
        self.last_message = None

    def actions(self) -> list[MenuEntry]:
        return [MenuEntry("file", self.export_action)]

    def name_filters(self) -> dict[str, str]:
        """The file dialog's choices, each naming its format."""
        return {self.tr("GeoJSON (*.geojson)"): "geojson", self.tr("CSV for Excel (*.csv)"): "csv",
                self.tr("GeoPackage (*.gpkg)"): "gpkg", self.tr("KML for Google Earth (*.kml)"): "kml",
                self.tr("KMZ for Google Earth (*.kmz)"): "kmz"}

    def ask_export(self) -> None:
        from datetime import datetime

        from desktop.core.timefmt import zone_for

        if self.job is not None and not self.job.done:
            return
        filters = self.name_filters()
        stamp = datetime.now(zone_for(self.session.zone)).strftime("%Y%m%d-%H%M")
        path, chosen = QFileDialog.getSaveFileName(
            self.ctx.window, self.tr("Export the items the filter shows"), str(Path.home() / f"sitmap-{stamp}.geojson"),
            ";;".join(filters))
        if not path:
            return
        fmt = filters.get(chosen) or FORMATS[0]
        if not path.lower().endswith(SUFFIXES[fmt]):
            path += SUFFIXES[fmt]
        self.start_export(path, fmt)

    def start_export(self, path, fmt: str) -> ExportJob:
        """Export ``session.filter()`` to ``path`` in ``fmt``; returns the running job."""
        self.job = job = ExportJob(self.ctx.db_path, self.session.filter(), fmt, Path(path))
        dlg = QProgressDialog(self.tr("Exporting…"), self.tr("Cancel"), 0, 0, self.ctx.window)
        dlg.setWindowTitle(self.tr("Export"))
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        plain_progress(dlg)  # the label names a file: data
        dlg.setLabelText(self.tr("Exporting to {file}…").format(file=Path(path).name))
        dlg.setMinimumDuration(300)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        dlg.canceled.connect(job.cancel.set)
        self.dialog = dlg
        job.progress.connect(self._progress)
        job.finished.connect(self._finished)
        return job.start()

    def _progress(self, done: int, total: int) -> None:
        dlg = self.dialog
        if dlg is None:
            return
        if dlg.maximum() != max(total, 1):
            dlg.setMaximum(max(total, 1))
        dlg.setValue(min(done, max(total, 1)))  # (a modal dialog lets events run: the export may finish here)
        if self.dialog is dlg:
            dlg.setLabelText(self.tr("{done} of {total} items").format(done=f"{done:,}", total=f"{total:,}"))

    def _finished(self, res) -> None:
        job = self.job
        job.done, job.result = True, res
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        if isinstance(res, ExportCancelled):
            self.ctx.status(self.tr("Export cancelled; no file was written."), 8000)
        elif isinstance(res, SitmapError):
            self.last_message = message(self.ctx.window, self.tr("Export"),
                                        self.tr("The export failed: {error}").format(error=str(res)), "warning",
                                        modal=False)
        elif isinstance(res, BaseException):
            sys.excepthook(type(res), res, res.__traceback__)  # a defect: logged, reported by the window
        else:
            self.record("disclosed", job.ids or [], {"format": res.format, "file": str(res.path), "count": res.count,
                                                     "matched": res.matched}, filter=job.flt.describe())
            text = self.tr("{n} items exported to {path}").format(n=f"{res.count:,}", path=str(res.path))
            left = res.matched - res.count
            if left:
                text += " " + self.tr("({n} without a position left out)").format(n=f"{left:,}")
            self.ctx.status(text, 10000)


PANEL = ExportPanel
