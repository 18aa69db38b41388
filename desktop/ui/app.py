"""Starting the window: scheme registration, fonts, translations, then the main window."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from desktop.core import paths

log = logging.getLogger("sitmap")


def _setup_logging() -> None:
    logdir = paths.data_dir()
    try:
        logdir.mkdir(parents=True, exist_ok=True)
        handlers = [logging.StreamHandler(), logging.FileHandler(logdir / "sitmap.log", encoding="utf-8")]
    except OSError:
        handlers = [logging.StreamHandler()]
    logging.basicConfig(level=os.environ.get("SITMAP_LOG", "INFO").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=handlers)


def log_path() -> Path:
    return paths.data_dir() / "sitmap.log"


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


def load_fonts() -> str | None:
    """Register the bundled Korean font; returns its family so Hangul renders anywhere."""
    from PySide6.QtGui import QFontDatabase

    family = None
    for f in sorted((paths.resources_dir() / "fonts").glob("*.ttf")):
        fid = QFontDatabase.addApplicationFont(str(f))
        if fid >= 0 and family is None:
            fams = QFontDatabase.applicationFontFamilies(fid)
            family = fams[0] if fams else None
    return family


def install_translations(app, language: str | None = None) -> str:
    """Korean or English UI: the setting, else the system locale."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    lang = language or os.environ.get("SITMAP_LANG") or QLocale.system().name().split("_")[0]
    for old in getattr(app, "_sitmap_translators", []):  # switching language: the old ones go
        app.removeTranslator(old)
    app._sitmap_translators = []  # keep references: Qt does not own them
    if lang == "ko":
        for qm_dir, name in ((paths.resources_dir() / "i18n", "sitmap_ko"),
                             (Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)), "qtbase_ko")):
            tr = QTranslator(app)
            if tr.load(name, str(qm_dir)):
                app.installTranslator(tr)
                app._sitmap_translators.append(tr)
    return lang


def make_app(argv: list[str] | None = None):
    """The QApplication, created the way the window needs it (scheme first)."""
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
    if family:
        f = QFont(app.font())
        f.setFamilies([app.font().family(), family])
        app.setFont(f)
    return app


def run_app(db_path: Path) -> int:
    _setup_logging()
    from PySide6.QtWidgets import QMessageBox

    from desktop.cache import Cache, CacheError

    app = make_app()
    from desktop.ui.settings import load_language

    install_translations(app, load_language())
    app._sitmap_errors = ErrorReporter().install()
    try:
        Cache.open(db_path).close()  # creates or migrates; a clear error beats a blank window
    except CacheError as exc:
        QMessageBox.critical(None, "Sitmap", str(exc))
        return 1
    from desktop.ui.main_window import MainWindow

    win = MainWindow(db_path)
    win.show()
    return app.exec()
