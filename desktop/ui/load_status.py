"""The index load in the status bar: a progress bar with rows and time left, and Cancel,
while the query worker reads a cache without a usable snapshot (engine.loading); after
a cancel, what is shown and a button to load the rest."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from desktop.core.timefmt import fmt_range
from desktop.ui.plain import plain_label


def _left(seconds: float | None) -> str:
    if seconds is None:
        return QCoreApplication.translate("LoadStatus", "estimating…")
    s = int(round(seconds))
    if s < 60:
        return QCoreApplication.translate("LoadStatus", "about {s} s left").format(s=max(s, 1))
    return QCoreApplication.translate("LoadStatus", "about {m} min {s} s left").format(m=s // 60, s=s % 60)


class LoadStatus(QWidget):
    """Hidden unless a load runs or was cancelled. ``worker`` is the window's WorkerThread."""

    def __init__(self, worker, zone, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("loadStatus")
        self.worker, self._zone = worker, zone  # zone(): the session's time zone
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.text = plain_label()  # carries times and counts only, but plain all the same
        self.text.setObjectName("loadText")
        self.bar = QProgressBar()
        self.bar.setObjectName("loadBar")
        self.bar.setMaximumWidth(180)
        self.bar.setTextVisible(True)
        self.cancel = QPushButton(QCoreApplication.translate("LoadStatus", "Cancel"))
        self.cancel.setObjectName("loadCancel")
        self.cancel.setToolTip(QCoreApplication.translate("LoadStatus", "Stop reading the cache; what is loaded stays on the map"))
        self.rest = QPushButton(QCoreApplication.translate("LoadStatus", "Load the rest"))
        self.rest.setObjectName("loadRest")
        for w in (self.text, self.bar, self.cancel, self.rest):
            lay.addWidget(w)
        self.cancel.clicked.connect(self._cancel)
        self.rest.clicked.connect(self._rest)
        self.state = "idle"  # idle, loading, cancelled
        self.setVisible(False)
        worker.worker.loadProgress.connect(self.on_progress)

    def _cancel(self) -> None:
        self.cancel.setEnabled(False)
        self.text.setText(QCoreApplication.translate("LoadStatus", "Cancelling…"))
        self.worker.cancel_load()

    def _rest(self) -> None:
        self.rest.setVisible(False)
        self.worker.load_rest()

    def on_progress(self, p: dict) -> None:
        done, total = int(p["done"]), max(int(p["total"]), 1)
        if p.get("complete"):
            self.state = "idle"
            self.setVisible(False)
            return
        if p.get("cancelled"):
            self.state = "cancelled"
            self.bar.setVisible(False)
            self.cancel.setVisible(False)
            self.rest.setVisible(True)
            if p.get("span"):
                a, b = p["span"]
                self.text.setText(QCoreApplication.translate("LoadStatus", "Showing {span}; older items not loaded ({done} of {total})").format(
                    span=fmt_range(a, b, self._zone()), done=f"{done:,}", total=f"{total:,}"))
            else:
                self.text.setText(QCoreApplication.translate("LoadStatus", "Loading cancelled; nothing loaded yet"))
            self.setVisible(True)
            return
        self.state = "loading"
        self.bar.setVisible(True)
        self.cancel.setVisible(True)
        self.cancel.setEnabled(True)
        self.rest.setVisible(False)
        self.bar.setRange(0, 1000)
        self.bar.setValue(int(1000 * done / total))
        self.bar.setFormat(f"{100 * done / total:.0f} %")
        self.text.setText(QCoreApplication.translate("LoadStatus", "Loading the index: {done} of {total} items, {left}").format(
            done=f"{done:,}", total=f"{total:,}", left=_left(p.get("eta_s"))))
        self.setVisible(True)
