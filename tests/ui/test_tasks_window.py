"""Assigning a post to a unit from the window, over a real TAK connection on loopback,
and seeing the unit (a simulated responder) acknowledge it and reach the place."""

from __future__ import annotations

import time

import pytest

from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.core.model import Item, Kind, Precision
from desktop.live.replay import Responder

pytestmark = pytest.mark.webengine

PLACE = (37.5720, 126.9769)


@pytest.fixture
def window_and_unit(qtbot, tmp_path, js_errors):
    from desktop.ui.main_window import MainWindow

    db = tmp_path / "tasks.db"
    now = int(time.time() * 1000)
    with Cache.open(db) as c:
        write_records(c, [Item(kind=Kind.POST, source="x", source_id=str(i), t_ms=now - 600_000 + i * 60_000,
                               text=f'광화문 북측 충돌 {i} <b>"x"</b>', lat=PLACE[0], lon=PLACE[1],
                               precision=Precision.EXACT) for i in range(5)], path="history", fmt="test")
    # The unit listens; the window's TAK client connects to it (no TAK server needed).
    unit = Responder("127.0.0.1", 0, uid="ANDROID-K7", callsign="기동7", lat=PLACE[0] - 0.003, lon=PLACE[1],
                     speed_mps=400.0, step_s=0.1, report_s=0.5, reply_delay_s=0.2, serve=True).start()
    win = MainWindow(db, restore=False)
    win.resize(1400, 900)
    win.show()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready and win.last_result is not None, timeout=60000)
    win.session.operator = "경위 김민수"
    yield win, unit
    unit.stop()
    win.close()


def test_assign_a_post_and_hear_back(qtbot, window_and_unit):
    win, unit = window_and_unit
    tasks = win.panels["tasks"]
    win.set_live(True)
    win.live.live.start_tak("127.0.0.1", unit.client.port)
    # The unit's position reports reach the map: it can be chosen.
    qtbot.waitUntil(lambda: bool(win.last_result and win.last_result.units), timeout=20000)
    with Cache.open_readonly(win.db_path) as c:
        post = c.conn.execute("SELECT id FROM items WHERE kind = 'post' ORDER BY t_ms DESC LIMIT 1").fetchone()[0]
    win.session.select(post, "feed")
    target = tasks._target()
    assert target["item_id"] == post and target["text"].startswith("광화문 북측 충돌")
    (k7,) = [u for u in win.last_result.units if u["uid"] == "ANDROID-K7"]
    task = tasks.assign(target, k7, "광화문 북측 충돌 현장 확인 바람", radius_m=60)
    assert task["code"].startswith("T-") and f"Task {task['code']} sent to 기동7" in win.statusBar().currentMessage()

    def state() -> str:
        with Cache.open_readonly(win.db_path) as c:
            return c.conn.execute("SELECT state FROM tasks WHERE code = ?", (task["code"],)).fetchone()[0]

    qtbot.waitUntil(lambda: state() == "on_scene", timeout=20000)
    assert unit.answered == [task["code"]]
    # The Tasks dock shows each step with how long it took, and the reply, as plain text.
    qtbot.waitUntil(lambda: tasks.table.rowCount() == 1 and tasks.table.item(0, 2).text() == "on scene", timeout=5000)
    row = [tasks.table.item(0, c).text() for c in range(tasks.table.columnCount())]
    assert row[0] == task["code"] and row[1] == "기동7"
    assert all("(+" in row[c] for c in (4, 5, 6))  # delivered, acknowledged, on scene: times since sent
    assert row[7] == f"확인 {task['code']}, 이동 중"


def test_assign_needs_a_selection_and_says_so(qtbot, window_and_unit):
    win, _unit = window_and_unit
    win.session.select(None, "feed")
    assert win.panels["tasks"].assign_selected() is None
    from PySide6.QtWidgets import QApplication, QMessageBox

    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert any("Select a post" in b.text() for b in boxes)
    for b in boxes:
        b.close()


def test_an_officers_verdict_from_elsewhere_shows_within_a_second_as_from_the_field(qtbot, window_and_unit):
    """A change made by another program on the same cache (here the command line, as a
    second window or the live tracker would) reaches this window's feed on its own."""
    from desktop.cli import main
    from desktop.ui.feed_model import FeedModel

    win, _unit = window_and_unit
    with Cache.open_readonly(win.db_path) as c:
        post = c.conn.execute("SELECT id FROM items WHERE kind = 'post' ORDER BY t_ms DESC LIMIT 1").fetchone()[0]
    assert main(["triage", str(post), "--state", "verified", "--origin", "officer", "--by", "기동7",
                 "--db", str(win.db_path)]) == 0
    feed = win.feed_model

    def shown() -> str:
        row = feed.row_of(post)
        return feed.data(feed.index(row, FeedModel.COL_STATE)) if row is not None and row >= 0 else ""

    qtbot.waitUntil(lambda: shown() == "verified (field)", timeout=5000)
