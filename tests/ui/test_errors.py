"""The window's one error handler: a message box with a clear message, never a traceback."""

from __future__ import annotations

import sys

from desktop.cache import CacheError
from desktop.ui.app import ErrorReporter, log_path


def _raise(exc):
    try:
        raise exc
    except Exception:
        return sys.exc_info()


def test_user_error_shows_its_message(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path))
    rep = ErrorReporter()
    rep.hook(*_raise(CacheError("/data/incident.db: not a Sitmap cache")))
    box = rep.box
    qtbot.addWidget(box)
    assert box.isVisible()
    assert box.text() == "/data/incident.db: not a Sitmap cache"
    assert "Traceback" not in box.text()


def test_defect_is_logged_and_the_box_says_where(qtbot, tmp_path, monkeypatch):
    import logging

    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path))
    handler = logging.FileHandler(log_path(), encoding="utf-8")
    logging.getLogger("sitmap").addHandler(handler)
    try:
        rep = ErrorReporter()
        rep.hook(*_raise(ZeroDivisionError("division by zero")))
        handler.flush()
    finally:
        logging.getLogger("sitmap").removeHandler(handler)
        handler.close()
    box = rep.box
    qtbot.addWidget(box)
    assert "ZeroDivisionError" in box.text() and str(log_path()) in box.text()
    assert "Traceback" not in box.text()
    logged = log_path().read_text(encoding="utf-8")
    assert "Traceback" in logged and "ZeroDivisionError: division by zero" in logged
    # A second error while the box is open is recorded, not stacked on the screen.
    rep.hook(*_raise(CacheError("again")))
    assert rep.box is box and rep.shown[-1] == "again"
