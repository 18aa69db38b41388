"""File → Import places…: the agency's landmarks (a CSV of name, aliases, lat, lon,
radius_m) into the cache's gazetteer, then, if asked, the posts without coordinates placed
again from their text (desktop.geoparse) on a thread of its own, with progress; the index
reloads after. Errors name the file and line, as plain text."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from desktop.ui.panels.base import MenuEntry, Panel
from desktop.ui.plain import ask, message, plain_progress


class _Relay(QObject):
    """Carries the geoparser thread's news to the window's thread."""

    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(str)


class GazetteerPanel(Panel):
    name = "gazetteer"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.thread: threading.Thread | None = None
        self.last_summary = None
        self.last_error: str | None = None
        self._relay = _Relay()
        self._relay.progress.connect(self._progress)
        self._relay.done.connect(self._done)
        self._relay.failed.connect(self._failed)
        self._dialog: QProgressDialog | None = None

    def actions(self) -> list[MenuEntry]:
        act = QAction(self.tr("Import places…"), self.ctx.window)
        act.setToolTip(self.tr("The agency's own places (squares, stations, police boxes, rally points) "
                               "for placing posts from their text"))
        act.triggered.connect(lambda: self.import_places())
        return [MenuEntry("file", act)]

    def import_places(self, path: str | None = None, *, place_again: bool | None = None) -> bool:
        """Import a places CSV (asked for when ``path`` is None); then place the posts again
        (asked when ``place_again`` is None). False when nothing was imported."""
        from desktop.core.errors import SitmapError
        from desktop.geoparse import gazetteer

        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self.ctx.window, self.tr("Import places (name, aliases, lat, lon, radius_m)"), str(Path.home()),
                self.tr("CSV files (*.csv);;All files (*)"))
            if not path:
                return False
        try:
            rows = gazetteer.read_csv(path)
            added, updated = gazetteer.import_rows(self.ctx.writer().conn, rows, by=self.session.operator)
        except SitmapError as exc:
            self.last_error = str(exc)
            message(self.ctx.window, self.tr("Places not imported"), str(exc), "warning",
                    modal=place_again is None)
            return False
        self.last_error = None
        self.record("record", "alter", objects={"gazetteer": str(path)},
                    detail={"entries": len(rows), "added": added, "updated": updated})
        text = self.tr("{n} places from {file}: {added} new, {updated} updated.").format(
            n=len(rows), file=Path(path).name, added=added, updated=updated)
        if place_again is None:
            place_again = ask(self.ctx.window, self.tr("Places imported"),
                              text + "\n\n" + self.tr("Place the posts without coordinates again with them now?"))
        self.ctx.status(text)
        if place_again:
            self.place_posts()
        return True

    def place_posts(self) -> None:
        """Run the geoparser over the cache on a thread, with a progress dialog."""
        if self.thread is not None and self.thread.is_alive():
            return
        self._dialog = plain_progress(QProgressDialog(self.ctx.window))
        self._dialog.setWindowTitle(self.tr("Placing posts"))
        self._dialog.setLabelText(self.tr("Placing posts from their text…"))
        self._dialog.setCancelButton(None)
        self._dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self._dialog.setMinimumDuration(300)
        self._dialog.setRange(0, 0)
        db = self.ctx.db_path
        relay = self._relay

        def work() -> None:
            from desktop.cache import Cache
            from desktop.geoparse.run import geoparse_cache

            try:
                with Cache.open(db) as cache:
                    relay.done.emit(geoparse_cache(cache, progress=lambda done, total: relay.progress.emit(done, total)))
            except Exception as exc:  # shown to the user as a sentence; the details are in the log
                import logging

                logging.getLogger("sitmap.geoparse").exception("placing posts failed")
                relay.failed.emit(str(exc))

        self.thread = threading.Thread(target=work, name="sitmap-geoparse", daemon=True)
        self.thread.start()

    def _progress(self, done: int, total: int) -> None:
        if self._dialog is not None and total:
            self._dialog.setRange(0, total)
            self._dialog.setValue(done)

    def _close_dialog(self) -> None:
        if self._dialog is not None:
            self._dialog.reset()
            self._dialog.deleteLater()
            self._dialog = None

    def _done(self, summary) -> None:
        self._close_dialog()
        self.last_summary = summary
        self.record("record", "alter", objects={"geoparse": str(self.ctx.db_path)}, detail=summary.as_json())
        self.ctx.status(self.tr("{placed} of {posts} posts placed from their text, {ambiguous} ambiguous, "
                                "{none} naming no place").format(placed=summary.placed, posts=summary.posts,
                                                                 ambiguous=summary.ambiguous, none=summary.none), 15000)
        self.ctx.worker.reload()

    def _failed(self, text: str) -> None:
        self._close_dialog()
        self.last_error = text
        message(self.ctx.window, self.tr("Posts not placed"), text, "warning", modal=False)


PANEL = GazetteerPanel
