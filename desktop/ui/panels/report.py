"""File → Report…: the situation report of the window's filter as a PDF, in Korean or
English, built on a thread of its own with a progress dialog.

The report is :func:`desktop.report.build_report` with ``session.filter()`` (the filter
the map and the feed show) on its own read-only connection; its map is the window's own
map as it is now, grabbed to a temporary PNG. The PDF appears only when it is complete.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QLineEdit,
                               QProgressDialog, QApplication)

from desktop.core.errors import SitmapError
from desktop.ui.panels.base import MenuEntry, Panel
from desktop.ui.plain import message, plain_progress


class ReportJob(QObject):
    """One report on a Python thread; its signals arrive on the GUI thread (queued)."""

    step = Signal(str)
    finished = Signal(object)  # the ReportData, or the exception that stopped the report

    def __init__(self, db: Path, flt, out: Path, lang: str, operator: str, purpose: str, map_png: Path | None,
                 tmp: tempfile.TemporaryDirectory | None) -> None:
        super().__init__()
        self.db, self.flt, self.out, self.lang = db, flt, out, lang
        self.operator, self.purpose, self.map_png, self.tmp = operator, purpose, map_png, tmp
        self.result = None
        self.done = False
        self.ids = None  # the ids of the items the filter selected (for the audit entry)
        self.thread = threading.Thread(target=self._run, name="sitmap-report", daemon=True)

    def start(self) -> "ReportJob":
        self.thread.start()
        return self

    def _run(self) -> None:
        from desktop.cache import Cache
        from desktop.report import build_report

        try:
            with Cache.open_readonly(self.db) as cache:
                res = build_report(cache.conn, self.flt, self.out, lang=self.lang, operator=self.operator,
                                   purpose=self.purpose, map_png=self.map_png, progress=self.step.emit)
                from desktop.cache.query import matching_ids

                self.ids = [int(i) for i in matching_ids(cache.conn, self.flt)]
        except BaseException as exc:  # handed to the GUI thread, which reports it
            res = exc
        finally:
            if self.tmp is not None:
                self.tmp.cleanup()
        self.finished.emit(res)


class ReportOptions(QDialog):
    """The report's language, who makes it and what it is for."""

    def __init__(self, parent, lang: str, operator: str, purpose: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Situation report"))
        self.lang = QComboBox()
        self.lang.addItem("한국어", "ko")
        self.lang.addItem("English", "en")
        self.lang.setCurrentIndex(0 if lang == "ko" else 1)
        self.operator = QLineEdit(operator)
        self.purpose = QLineEdit(purpose)
        self.purpose.setPlaceholderText(self.tr("e.g. shift handover"))
        form = QFormLayout(self)
        form.addRow(self.tr("Language"), self.lang)
        form.addRow(self.tr("Operator"), self.operator)
        form.addRow(self.tr("Purpose"), self.purpose)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, str, str]:
        return self.lang.currentData(), self.operator.text().strip(), self.purpose.text().strip()


class ReportPanel(Panel):
    name = "report"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.report_action = QAction(self.tr("Report…"), ctx.window)
        self.report_action.setObjectName("reportAction")
        self.report_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.report_action.triggered.connect(self.ask_report)
        self.job: ReportJob | None = None
        self.dialog: QProgressDialog | None = None
        self.last_message = None

    def actions(self) -> list[MenuEntry]:
        return [MenuEntry("file", self.report_action)]

    def ui_language(self) -> str:
        return "ko" if getattr(QApplication.instance(), "_sitmap_translators", None) else "en"

    def ask_report(self) -> None:
        from datetime import datetime

        from desktop.core.timefmt import zone_for

        if self.job is not None and not self.job.done:
            return
        opts = ReportOptions(self.ctx.window, self.ui_language(), self.session.operator or "",
                             self.session.purpose or "")
        if opts.exec() != QDialog.DialogCode.Accepted:
            return
        lang, operator, purpose = opts.values()
        stamp = datetime.now(zone_for(self.session.zone)).strftime("%Y%m%d-%H%M")
        path, _ = QFileDialog.getSaveFileName(self.ctx.window, self.tr("Save the situation report"),
                                              str(Path.home() / f"sitrep-{stamp}.pdf"), self.tr("PDF files (*.pdf)"))
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        self.start_report(path, lang, operator, purpose)

    def grab_map(self, tmp: tempfile.TemporaryDirectory) -> Path | None:
        """The window's map as it is now, as a PNG in ``tmp`` (None when it cannot be grabbed)."""
        png = Path(tmp.name) / "map.png"
        return png if self.ctx.window.map.grab().save(str(png), "PNG") else None

    def start_report(self, path, lang: str, operator: str = "", purpose: str = "") -> ReportJob:
        """Build the report of ``session.filter()`` into ``path``; returns the running job."""
        tmp = tempfile.TemporaryDirectory(prefix="sitmap-report-")
        png = self.grab_map(tmp)
        self.job = job = ReportJob(self.ctx.db_path, self.session.filter(), Path(path), lang, operator, purpose,
                                   png, tmp)
        dlg = QProgressDialog(self.tr("Making the report…"), "", 0, 0, self.ctx.window)
        dlg.setWindowTitle(self.tr("Situation report"))
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setCancelButton(None)  # the report takes seconds and leaves no file until complete
        plain_progress(dlg)
        dlg.setLabelText(self.tr("Making the report {file}…").format(file=Path(path).name))
        dlg.setMinimumDuration(300)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        self.dialog = dlg
        job.step.connect(self._step)
        job.finished.connect(self._finished)
        return job.start()

    def step_names(self) -> dict[str, str]:
        return {"data": self.tr("Reading the cache…"), "map": self.tr("Placing the map…"),
                "timeline": self.tr("Drawing the timeline…"), "incidents": self.tr("Listing incidents and alerts…"),
                "items": self.tr("Listing verified posts and field updates…"), "writing": self.tr("Writing the PDF…")}

    def _step(self, step: str) -> None:
        if self.dialog is not None:
            self.dialog.setLabelText(self.step_names().get(step, step))

    def _finished(self, res) -> None:
        job = self.job
        job.done, job.result = True, res
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        if isinstance(res, SitmapError):
            self.last_message = message(self.ctx.window, self.tr("Situation report"),
                                        self.tr("The report failed: {error}").format(error=str(res)), "warning",
                                        modal=False)
        elif isinstance(res, BaseException):
            sys.excepthook(type(res), res, res.__traceback__)  # a defect: logged, reported by the window
        else:
            self.record("disclosed", job.ids or [], {"format": "report", "file": str(job.out), "count": res.total,
                                                     "lang": job.lang}, filter=job.flt.describe())
            self.ctx.status(self.tr("Report written to {path} ({n} items)").format(
                path=str(job.out), n=f"{res.total:,}"), 10000)


PANEL = ReportPanel
