"""Thread… in the window: a Facebook comment's conversation (the post, its comments, the
Page's answer to one) shown as a tree from the details pane, its text literal, recorded
as consulted, and a row chosen there selected on the map and in the feed."""

from __future__ import annotations

import pytest

from desktop.audit import AuditLog
from desktop.cache import Cache
from desktop.importers import import_file
from tests.importers.tabular_helpers import FIXTURES

pytestmark = pytest.mark.webengine
POST = "104857600123456_201234567890123"
COMMENT, ANSWER, HOSTILE = (f"201234567890123_30000000000000{n}" for n in (1, 2, 3))


@pytest.fixture
def window(qtbot, tmp_path, js_errors, monkeypatch):
    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path / "data"))
    db = tmp_path / "fb.db"
    with Cache.open(db) as c:
        import_file(c, FIXTURES / "facebook" / "page_feed.json", purpose="public-order")
        ids = {sid: i for i, sid in c.conn.execute("SELECT id, source_id FROM items")}
    from desktop.ui.main_window import MainWindow

    win = MainWindow(db, restore=False)
    win.resize(1400, 900)
    win.show()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready and win.last_result is not None, timeout=60000)
    yield win, ids, db
    win.close()


def _rows(tree):
    out = []

    def walk(row, depth):
        out.append((depth, row.text(0), row.text(1)))
        for i in range(row.childCount()):
            walk(row.child(i), depth + 1)

    for i in range(tree.topLevelItemCount()):
        walk(tree.topLevelItem(i), 0)
    return out


def test_thread_dialog_from_a_comment(qtbot, window):
    win, ids, db = window
    win.session.select(ids[ANSWER], "feed")
    qtbot.waitUntil(lambda: (win.details.item() or {}).get("id") == ids[ANSWER], timeout=10000)
    assert win.details.thread_button.isEnabled()
    with AuditLog.open(db) as log:
        before = log.head()[0]
    win.details.thread_button.click()
    dlg = win.panel("feed").thread_dialog
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    rows = _rows(dlg.tree)
    assert [(d, a) for d, _t, a in rows] == [(0, "부산경찰청"), (1, "김민지"), (2, "부산경찰청"), (1, "(no author given)")]
    assert rows[3][1] == "<script>alert('x')</script> 광안리 쪽은 괜찮나요? 👀"  # shown as written
    assert dlg.tree.currentItem().text(0) == "확인 후 조치하겠습니다. 감사합니다."  # the item asked about
    assert "4 items" in dlg.summary_label.text()
    with AuditLog.open(db) as log:
        new = [e for e in log.entries() if e.seq > before]
    assert [(e.action, e.objects["thread"]) for e in new] == [("consult", POST)]
    shown = sorted(i for first, last in new[0].objects["items"] for i in range(first, last + 1))
    assert shown == sorted(ids[s] for s in (POST, COMMENT, ANSWER, HOSTILE))
    # Choosing the post in the thread selects it for the whole window.
    dlg.tree.setCurrentItem(dlg.tree.topLevelItem(0))
    dlg.select_button.click()
    qtbot.waitUntil(lambda: win.session.selected == ids[POST], timeout=5000)
    dlg.close()


def test_replied_from_the_queue_shows_in_the_details(qtbot, window):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from desktop.cache.triage import replies

    win, ids, db = window
    panel = win.panel("triage")
    qtbot.waitUntil(lambda: panel.model.row_of(ids[COMMENT]) is not None, timeout=20000)
    panel.view.select_row(panel.model.row_of(ids[COMMENT]))
    with AuditLog.open(db) as log:
        before = log.head()[0]
    QTest.keyClick(panel.view, Qt.Key.Key_A)
    dlg = panel.dialog
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    dlg.edit.setText("<b>댓글</b>로 단속 일정 안내함")
    dlg.accept()
    with Cache.open_readonly(db) as c:
        got = replies(c.conn, [ids[COMMENT]])
    assert got[ids[COMMENT]]["note"] == "<b>댓글</b>로 단속 일정 안내함"
    assert got[ids[COMMENT]]["replied_by"] == "test-operator"
    with AuditLog.open(db) as log:
        new = [e for e in log.entries() if e.seq > before and e.action == "alter"]
    assert [(e.objects, e.detail["triage"]["replied"]) for e in new] == [({"items": [ids[COMMENT]]},
                                                                          "<b>댓글</b>로 단속 일정 안내함")]
    win.session.select(ids[COMMENT], "feed")
    qtbot.waitUntil(lambda: (win.details.field_text("replied") or "").startswith("<b>댓글</b>"), timeout=5000)
    assert "test-operator" in win.details.field_text("replied")
