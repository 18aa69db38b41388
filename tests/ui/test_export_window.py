"""File → Export… in the window: the window's filter to a file, on a thread, with progress."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from desktop.ui.panels import PANELS
from tests.ui.test_window import HOSTILE, _items

pytestmark = pytest.mark.webengine


@pytest.fixture
def db(tmp_path):
    from desktop.cache import Cache
    from desktop.cache.writer import write_records

    path = tmp_path / "incident.db"
    with Cache.open(path) as c:
        write_records(c, _items(), path="fixture", fmt="test")
    return path


@pytest.fixture
def win(qtbot, db, js_errors, tmp_path, monkeypatch):
    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path / "data"))
    from desktop.ui.main_window import MainWindow

    w = MainWindow(db, restore=False, panels=PANELS)
    w.resize(1200, 800)
    w.show()
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.bridge.is_ready and w.last_result is not None, timeout=60000)
    yield w
    w.close()


def _expected(db, flt) -> list[int]:
    from desktop.cache import Cache
    from desktop.cache.query import matching_ids

    with Cache.open_readonly(db) as c:
        return matching_ids(c.conn, flt).tolist()


def test_file_export_writes_the_windows_filter_to_csv_with_progress(qtbot, win, db, tmp_path, monkeypatch):
    from desktop.exports import fields

    monkeypatch.setattr(fields, "BATCH", 25)
    panel = win.panel("export")
    action = win.findChild(type(panel.export_action), "exportAction")
    assert action in win.menus["file"].actions() and action.text() == "Export…"
    win.session.hashtags = ("광화문", "xss")
    qtbot.waitUntil(lambda: win.last_result.flt.hashtags == ("광화문", "xss"), timeout=10000)
    out = tmp_path / "보고서"
    csv_filter = panel.tr("CSV for Excel (*.csv)")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(out), csv_filter)))
    seen = []
    real_progress = panel._progress
    monkeypatch.setattr(panel, "_progress", lambda d, t: (seen.append((d, t, panel.dialog.maximum())),
                                                          real_progress(d, t)))
    action.trigger()  # File → Export…
    job = panel.job
    assert job is not None
    qtbot.waitUntil(lambda: job.done, timeout=20000)
    expected = _expected(db, win.session.filter())
    assert not isinstance(job.result, BaseException), job.result
    assert job.result.count == len(expected) == 121
    path = tmp_path / "보고서.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["id"]) for r in rows] == expected
    assert next(r for r in rows if r["hashtags"] == "xss")["text"] == HOSTILE
    assert seen and seen[-1][:2] == (121, 121) and len(seen) >= 4
    qtbot.waitUntil(lambda: "121 items exported to" in win.statusBar().currentMessage(), timeout=5000)
    assert panel.dialog is None
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_cancel_leaves_no_file_and_an_error_is_a_plain_message(qtbot, win, tmp_path, monkeypatch):
    from desktop.exports import fields

    panel = win.panel("export")
    out = tmp_path / "cancelled.kml"
    real = fields.records

    def slow(*a, **k):  # cancelled while the first batch is written
        panel.job.cancel.set()
        yield from real(*a, **k)

    monkeypatch.setattr(fields, "records", slow)
    job = panel.start_export(out, "kml")
    qtbot.waitUntil(lambda: job.done, timeout=20000)
    assert not out.exists() and not [p for p in tmp_path.iterdir() if "partial" in p.name]
    assert "Export cancelled" in win.statusBar().currentMessage()
    monkeypatch.setattr(fields, "records", real)
    job = panel.start_export(tmp_path / "missing" / "<b>x</b>.geojson", "geojson")
    qtbot.waitUntil(lambda: job.done, timeout=20000)
    box = panel.last_message
    assert isinstance(box, QMessageBox) and "the folder" in box.text() and "<b>x</b>.geojson" in box.text()
    assert box.textFormat().name == "PlainText"
    box.close()
