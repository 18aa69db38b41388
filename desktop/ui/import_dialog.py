"""Import files from the window: a file picker, then a progress dialog with Cancel.

The import runs on its own thread through the same code as `sitmap import`; each file
is one transaction, so Cancel leaves finished files in and the current one out.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QWidget

from desktop.cache import Cache, CacheError
from desktop.cache.writer import Cancelled
from desktop.core.errors import SitmapError
from desktop.importers import import_file
from desktop.importers.base import ImportFailed
from desktop.ui.plain import message, plain_progress


class ImportJob(QObject):
    progress = Signal(str, int)
    finished = Signal(list)

    def __init__(self, db: Path, files: list[str], who: tuple = (None, None, None)) -> None:
        super().__init__()
        self.db, self.files = db, files
        self.operator, self.purpose, self.case_ref = who
        self.cancel = threading.Event()
        self.imported: list[tuple] = []  # (ImportResult, batch id) of each file stored

    @Slot()
    def run(self) -> None:
        lines: list[str] = []
        try:
            cache = Cache.open(self.db)
        except CacheError as exc:
            self.finished.emit([str(exc)])
            return
        try:
            for f in self.files:
                if self.cancel.is_set():
                    lines.append(f"{f}: not started (cancelled)")
                    continue
                try:
                    res = import_file(cache, f, progress=lambda n, f=f: self.progress.emit(f, n),
                                      should_cancel=self.cancel.is_set, operator=self.operator,
                                      purpose=self.purpose, case_ref=self.case_ref)
                    batch = cache.conn.execute("SELECT max(id) FROM batches WHERE path = ?",
                                               (res.path,)).fetchone()[0]
                    self.imported.append((res, batch))
                    lines.append(res.summary())
                    lines += [f"  skipped {s}" for s in res.skips[:5]]
                except Cancelled:
                    lines.append(f"{f}: cancelled, nothing from it was stored")
                except (ImportFailed, CacheError, SitmapError) as exc:  # e.g. no purpose: nothing stored
                    lines.append(f"rejected {exc}")
        finally:
            cache.close()
        self.finished.emit(lines)


def run_import_dialog(parent: QWidget, db: Path, files: list[str] | None = None, *,
                      who: tuple = (None, None, None), imported=None) -> bool:
    """Ask for files, import them with progress; True when something may have changed.
    ``who`` = (operator, purpose, case reference) the files are collected for;
    ``imported(result, batch_id)`` runs (on this thread) for each file stored."""
    if files is None:
        files, _ = QFileDialog.getOpenFileNames(
            parent, QCoreApplication.translate("ImportDialog", "Import posts and field updates"), str(Path.home()),
            QCoreApplication.translate("ImportDialog", "Supported (*.json *.jsonl *.js *.geojson *.csv *.kml *.kmz *.xml *.cot);;All files (*)"))
    if not files:
        return False
    dlg = QProgressDialog(QCoreApplication.translate("ImportDialog", "Importing…"), QCoreApplication.translate("ImportDialog", "Cancel"), 0, 0, parent)
    dlg.setWindowTitle(QCoreApplication.translate("ImportDialog", "Import"))
    plain_progress(dlg)  # file names are data
    dlg.setMinimumDuration(300)
    thread = QThread(parent)
    job = ImportJob(db, files, who)
    job.moveToThread(thread)
    result: list[str] = []
    job.progress.connect(lambda f, n: dlg.setLabelText(QCoreApplication.translate("ImportDialog", "{file}: {n} records read").format(file=Path(f).name, n=n)))
    job.finished.connect(lambda lines: (result.extend(lines), thread.quit()))
    dlg.canceled.connect(job.cancel.set)
    thread.started.connect(job.run)
    thread.start()
    while thread.isRunning():
        thread.wait(50)
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()
    dlg.close()
    if imported is not None:
        for res, batch in job.imported:
            imported(res, batch)
    show_result(parent, result)
    return True


def show_result(parent: QWidget | None, lines: list[str], *, modal: bool = True):
    """What each file gave, or why it was rejected (file names and skip reasons are data)."""
    return message(parent, QCoreApplication.translate("ImportDialog", "Import"),
                   "\n".join(lines) or QCoreApplication.translate("ImportDialog", "Nothing imported"),
                   "information", modal=modal)
