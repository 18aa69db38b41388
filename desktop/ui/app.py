"""Starting the window: the web engine's set-up, the scheme, fonts, translations, then
the main window; and the window's one reporter of unhandled errors.

:func:`make_app` is how every part that shows the page (the window, ``sitmap snapshot``,
the smoke test, the benchmarks) creates its QApplication, so Chromium is always prepared
the same way (:mod:`desktop.ui.webengine`).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from desktop.ui.logs import log_path, setup_logging
from desktop.ui.translations import font_families, install_translations, load_fonts
from desktop.ui.webengine import chromium_setup, prepare_chromium, show_sandbox_notice

log = logging.getLogger("sitmap")

__all__ = ["ErrorReporter", "chromium_setup", "install_translations", "load_fonts", "log_path", "make_app",
           "prepare_chromium", "run_app"]


class ErrorReporter:
    """The window's one place for errors no panel handled: a message box, never a traceback.

    A :class:`~desktop.core.errors.SitmapError` shows its own message (it names the file
    or record at fault). Anything else is a defect: its traceback goes to the log file and
    the box says where that is. While a box is open, further errors are only logged, so a
    failure that repeats (in a timer, say) cannot bury the window in boxes.
    """

    def __init__(self) -> None:
        self.box = None
        self.shown: list[str] = []

    def install(self) -> "ErrorReporter":
        sys.excepthook = self.hook
        return self

    def hook(self, etype, exc, tb) -> None:
        if issubclass(etype, KeyboardInterrupt):
            sys.__excepthook__(etype, exc, tb)
            return
        from desktop.core.errors import SitmapError

        if isinstance(exc, SitmapError):
            log.warning("%s", exc)
            text = str(exc)
        else:
            log.error("unexpected error", exc_info=(etype, exc, tb))
            from PySide6.QtCore import QCoreApplication

            text = QCoreApplication.translate("ErrorReporter", "Something went wrong inside Sitmap ({kind}: {msg}). What you were doing may not have "
                       "finished; the cache keeps everything already saved.\n\nThe details are in {log}.").format(
                kind=etype.__name__, msg=exc, log=log_path())
        self.show(text, critical=not isinstance(exc, SitmapError))

    def show(self, text: str, critical: bool = False):
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication, QMessageBox

        self.shown.append(text)
        if self.box is not None and self.box.isVisible():
            return self.box
        icon = QMessageBox.Icon.Critical if critical else QMessageBox.Icon.Warning
        self.box = QMessageBox(icon, "Sitmap", text, QMessageBox.StandardButton.Ok, QApplication.activeWindow())
        self.box.setObjectName("errorBox")
        self.box.setTextFormat(Qt.TextFormat.PlainText)
        self.box.open()
        return self.box


SWITCH_INTERVAL_S = 0.0001


def make_app(argv: list[str] | None = None):
    """The QApplication, created the way the window needs it (web engine set-up and scheme first)."""
    prepare_chromium()
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtGui import QFont
    from PySide6.QtWidgets import QApplication

    from desktop.ui.webpage import register_scheme

    register_scheme()
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Sitmap")
    app.setOrganizationName("Sitmap")
    family = load_fonts()
    f = QFont(app.font())
    f.setFamilies(font_families(app.font().family(), family))
    app.setFont(f)
    # The window's thread gives up the interpreter lock around every Qt call and must win it
    # back each time; while the query worker or a live feed's threads compute, the default
    # 5 ms hand-over made a paint of a hundred calls take half a second (measured with
    # benchmarks.gui_flood). A short interval bounds each wait.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    return app


def _close_on_signals(app, win) -> None:
    """SIGTERM and Ctrl+C close the window the ordinary way (state saved, page released)."""
    import signal

    from PySide6.QtCore import QTimer

    def close(signum, _frame) -> None:
        log.info("signal %d: closing the window", signum)
        QTimer.singleShot(0, win.close)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, close)
    # Python sees a signal only when it runs: a cheap timer gives it the chance while Qt waits.
    tick = QTimer(app)
    tick.timeout.connect(lambda: None)
    tick.start(250)
    app._sitmap_signal_tick = tick


def run_app(db_path: Path, who: dict | None = None) -> int:
    """The window on ``db_path``; ``who``: the operator/purpose/case options (desktop.ui.start_dialog)."""
    setup_logging()
    from desktop.cache import Cache, CacheError
    from desktop.ui.plain import message

    app = make_app()
    from desktop.ui.settings import load_language

    language = install_translations(app, load_language())
    app._sitmap_errors = ErrorReporter().install()
    try:
        Cache.open(db_path).close()  # creates or migrates; a clear error beats a blank window
    except CacheError as exc:
        message(None, "Sitmap", str(exc), "critical")
        return 1
    from desktop.ui.main_window import MainWindow

    win = MainWindow(db_path, who=who)
    first = []

    def page_ready(_info) -> None:
        if not first:
            first.append(True)
            log.info("map page ready (%s)", "sandboxed" if chromium_setup() and chromium_setup().sandbox
                     else "sandbox off")

    win.bridge.pageReady.connect(page_ready)
    show_sandbox_notice(win, chromium_setup(), language)
    _close_on_signals(app, win)
    win.show()
    return app.exec()
