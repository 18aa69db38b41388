"""File → Report… in the window: the window's filter and map to a PDF, on a thread, with progress."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from desktop.ui.panels import PANELS
from tests.test_report import HOSTILE, assert_not_blank, flat, make_report_cache, needs_poppler, page_pngs, pdf_text

pytestmark = pytest.mark.webengine


@pytest.fixture(scope="module")
def report_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("report-window") / "demo.db"
    make_report_cache(path)
    return path


@pytest.fixture
def win(qtbot, report_db, js_errors, tmp_path, monkeypatch):
    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path / "data"))
    from desktop.ui.main_window import MainWindow

    w = MainWindow(report_db, restore=False, panels=PANELS)
    w.resize(1200, 800)
    w.show()
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.bridge.is_ready and w.last_result is not None, timeout=60000)
    yield w
    w.close()


@needs_poppler
def test_file_report_writes_the_windows_filter_and_map(qtbot, win, tmp_path, monkeypatch):
    from desktop.ui.panels.report import ReportOptions

    panel = win.panel("report")
    action = win.findChild(type(panel.report_action), "reportAction")
    assert action in win.menus["file"].actions() and action.text() == "Report…"
    win.session.hashtags = ("광화문",)
    qtbot.waitUntil(lambda: win.last_result.flt.hashtags == ("광화문",), timeout=10000)
    out = tmp_path / "상황 보고"
    monkeypatch.setattr(ReportOptions, "exec", lambda self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(ReportOptions, "values", lambda self: ("en", "Insp. Kim", "handover <b>"))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), "")))
    action.trigger()
    job = panel.job
    qtbot.waitUntil(lambda: job.done, timeout=60000)
    assert not isinstance(job.result, BaseException), job.result
    pdf = tmp_path / "상황 보고.pdf"
    assert pdf.exists() and str(pdf) in win.statusBar().currentMessage()
    body = flat(pdf_text(pdf))
    assert "Situation report" in body and "#광화문" in body and HOSTILE in body and "handover <b>" in body
    from desktop.cache import Cache
    from desktop.cache.query import count

    with Cache.open_readonly(panel.ctx.db_path) as c:
        assert job.result.total == count(c.conn, win.session.filter()) > 0
    assert_not_blank(page_pngs(pdf, tmp_path))
    assert not list(tmp_path.glob("*.part"))


def test_report_error_is_a_plain_message(qtbot, win, tmp_path):
    panel = win.panel("report")
    job = panel.start_report(tmp_path / "missing" / "<b>x</b>.pdf", "ko")
    qtbot.waitUntil(lambda: job.done, timeout=60000)
    box = panel.last_message
    assert isinstance(box, QMessageBox) and "<b>x</b>.pdf" in box.text() and "does not exist" in box.text()
    box.close()
