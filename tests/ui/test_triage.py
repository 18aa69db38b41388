"""Triage in the window, driven by keys: the "To review" queue, the feed's State and
Priority columns, the map's marker style, and incidents."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.cache import Cache
from desktop.cache import triage as cache_triage
from desktop.cache.writer import write_records
from desktop.core.model import Item, Kind, Precision
from desktop.ui.feed_model import FeedModel, PRIORITY_COLOURS, STATE_COLOURS
from tests.ui.conftest import run_js

pytestmark = pytest.mark.webengine

T0 = 1_794_632_400_000  # 2026-11-14 05:00 UTC = 14:00 KST
KEY = Qt.Key
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _items():
    out = [Item(kind=Kind.POST, source="x", source_id=f"p{k}", t_ms=T0 + k * 60_000, lat=37.5759 + k * 0.0004,
                lon=126.9769, precision=Precision.EXACT, text=f"광화문 현장 {k} <b>굵게</b>", author=f"시민{k}")
           for k in range(6)]
    out.append(Item(kind=Kind.FIELD_UPDATE, source="tak", source_id="U1@0", t_ms=T0 + 10 * 60_000, lat=37.5700,
                    lon=126.9770, precision=Precision.EXACT, text="세종대로 평온", author="종로1", unit_uid="U1",
                    callsign="종로1"))
    return out


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "triage.db"
    with Cache.open(path) as c:
        write_records(c, _items(), path="fixture", fmt="test")
        c.conn.execute("INSERT INTO triage (item_id, state, priority, updated_ms, updated_by) "
                       "SELECT id, 'verified', 'routine', 0, 'earlier' FROM items WHERE kind = 'field_update'")
        c.conn.commit()
    return path


@pytest.fixture
def window(qtbot, db, js_errors, tmp_path, monkeypatch):
    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path / "data"))
    from desktop.ui.main_window import MainWindow

    win = MainWindow(db, restore=False)
    win.session.operator = "op-kim"
    win.resize(1400, 900)
    win.show()
    win.activateWindow()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready and win.last_result is not None and win.last_result.page is not None,
                    timeout=60000)
    yield win
    win.close()


def _ids(db) -> dict[str, int]:
    with Cache.open_readonly(db) as c:
        return {sid: i for i, sid in c.conn.execute("SELECT id, source_id FROM items")}


def _triage(db, ids):
    with Cache.open_readonly(db) as c:
        return cache_triage.get(c.conn, ids)


def _history(db, item_id):
    with Cache.open_readonly(db) as c:
        return cache_triage.history(c.conn, item_id)


def _fresh(qtbot, win):
    """Wait for the answer to the last request (after any request still being coalesced)."""
    qtbot.wait(50)
    qtbot.waitUntil(lambda: win.last_result is not None and win.last_result.gen == win.gen
                    and not win._submit_timer.isActive(), timeout=20000)


def test_queue_keys_triage_items_and_the_command_line_agrees(qtbot, window, db, tmp_path, capsys):
    win = window
    panel = win.panel("triage")
    ids = _ids(db)
    posts = [ids[f"p{k}"] for k in range(6)]
    # The queue: the six new posts, newest first; the verified field update is not in it.
    qtbot.waitUntil(lambda: panel.ids() == posts[::-1], timeout=10000)
    assert panel.count.text() == "6 to review"
    assert panel.model.data(panel.model.index(0, FeedModel.COL_STATE)) == "new"

    qtbot.keyClick(win, KEY.Key_R, Qt.KeyboardModifier.ControlModifier)  # View → To review
    qtbot.waitUntil(panel.view.hasFocus, timeout=5000)
    view = panel.view
    assert view.currentIndex().row() == 0

    # V: the newest post is verified, leaves the queue, and the status line says so.
    qtbot.keyClick(view, KEY.Key_V)
    assert _triage(db, [posts[5]])[posts[5]].state == "verified"
    assert panel.ids() == posts[4::-1]
    assert win.statusBar().currentMessage() == "1 items marked verified"
    h = _history(db, posts[5])
    assert len(h) == 1 and h[0]["state"] == "verified" and h[0]["by"] == "op-kim" and h[0]["origin"] == "commander"

    # Shift+J selects two rows; V marks both at once.
    assert view.currentIndex().row() == 0
    qtbot.keyClick(view, KEY.Key_J, SHIFT)
    assert view.selected_ids() == [posts[4], posts[3]]
    qtbot.keyClick(view, KEY.Key_V)
    assert win.statusBar().currentMessage() == "2 items marked verified"
    assert panel.ids() == [posts[2], posts[1], posts[0]]

    # 3: critical; the row stays (still new) and goes first when most urgent first.
    qtbot.keyClick(view, KEY.Key_J)  # row 1: posts[1]
    qtbot.keyClick(view, KEY.Key_3)
    assert _triage(db, [posts[1]])[posts[1]].priority == "critical"
    assert panel.ids() == [posts[2], posts[1], posts[0]]
    panel.urgent_first.setChecked(True)
    assert panel.ids() == [posts[1], posts[2], posts[0]]
    assert panel.model.data(panel.model.index(0, FeedModel.COL_PRIORITY)) == "critical"

    # Enter opens the current row on the map; D on the next marks it a duplicate of that one.
    view.select_row(0)
    qtbot.keyClick(view, KEY.Key_Return)
    assert win.session.selected == posts[1] and win.session.selection_origin == "triage"
    qtbot.keyClick(view, KEY.Key_J)  # posts[2]
    qtbot.keyClick(view, KEY.Key_D)
    t = _triage(db, [posts[2]])[posts[2]]
    assert t.state == "duplicate" and t.duplicate_of == posts[1]
    assert panel.ids() == [posts[1], posts[0]]

    # R keeps an item in the queue as in review; N adds a note typed in a plain dialog.
    view.select_row(1)
    qtbot.keyClick(view, KEY.Key_R)
    assert _triage(db, [posts[0]])[posts[0]].state == "review"
    assert panel.ids() == [posts[1], posts[0]]
    view.select_row(1)
    qtbot.keyClick(view, KEY.Key_N)
    dlg = panel.dialog
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    qtbot.keyClicks(dlg.edit, "<i>caller</i> confirms")
    qtbot.keyClick(dlg.edit, KEY.Key_Return)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)
    assert _history(db, posts[0])[-1]["note"] == "<i>caller</i> confirms"
    assert win.statusBar().currentMessage() == "Note added to 1 items"

    # The map and the feed were drawn again: the feed shows the states, coloured.
    _fresh(qtbot, win)
    feed = win.feed_model
    row = feed.row_of(posts[5])
    assert feed.data(feed.index(row, FeedModel.COL_STATE)) == "verified"
    assert feed.data(feed.index(row, FeedModel.COL_STATE), Qt.ItemDataRole.ForegroundRole).color() == STATE_COLOURS["verified"]
    row = feed.row_of(posts[2])
    assert feed.data(feed.index(row, FeedModel.COL_STATE), Qt.ItemDataRole.FontRole) is None
    row = feed.row_of(posts[1])
    assert feed.data(feed.index(row, FeedModel.COL_PRIORITY), Qt.ItemDataRole.ForegroundRole).color() == PRIORITY_COLOURS["critical"]
    assert feed.data(feed.index(row, FeedModel.COL_PRIORITY), Qt.ItemDataRole.FontRole).bold()

    # The map's points carry the new codes: three verified posts and the verified field
    # update are ringed, the duplicate is faded, the critical post ringed red.
    qtbot.waitUntil(lambda: win.bridge.last_rendered is not None and win.bridge.last_rendered["gen"] >= win.gen,
                    timeout=20000)
    assert win.bridge.last_rendered["mode"] == "points"
    styled = json.loads(run_js(qtbot, win.map, "JSON.stringify(sitmap.state.triage)"))
    assert styled == {"verified": 4, "false": 0, "duplicate": 1, "urgent": 0, "critical": 1}

    # `sitmap query --state verified` lists the same items as the cache (the field update too).
    from desktop.cli import main

    out = tmp_path / "verified.jsonl"
    assert main(["query", "--db", str(db), "--state", "verified", "--format", "jsonl", "--out", str(out)]) == 0
    got = sorted(json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines())
    assert got == sorted([posts[5], posts[4], posts[3], ids["U1@0"]])


def test_false_is_struck_through_and_the_operator_is_asked_once(qtbot, window, db):
    win = window
    win.session.operator = None
    panel = win.panel("triage")
    posts = [_ids(db)[f"p{k}"] for k in range(6)]
    qtbot.waitUntil(lambda: len(panel.ids()) == 6, timeout=10000)
    panel.focus_queue()
    qtbot.keyClick(panel.view, KEY.Key_F)
    dlg = panel.dialog  # who is triaging?
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    qtbot.keyClicks(dlg.edit, "op-lee")
    qtbot.keyClick(dlg.edit, KEY.Key_Return)
    assert win.session.operator == "op-lee"
    t = _triage(panel.ctx.db_path, [posts[5]])[posts[5]]
    assert t.state == "false" and t.updated_by == "op-lee"
    panel.view.select_row(0)
    qtbot.keyClick(panel.view, KEY.Key_F)  # not asked again
    assert _triage(db, [posts[4]])[posts[4]].updated_by == "op-lee"
    _fresh(qtbot, win)
    feed = win.feed_model
    row = feed.row_of(posts[5])
    assert feed.data(feed.index(row, FeedModel.COL_STATE), Qt.ItemDataRole.FontRole).strikeOut()
    assert feed.data(feed.index(row, FeedModel.COL_STATE)) == "false"


def _b64(a):
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()


def _points(gen, state=None, prio=None):
    n = 6
    msg = {"type": "items", "gen": gen, "mode": "points", "total": n,
           "ids": _b64(np.arange(1, n + 1, dtype=np.float64)),
           "lat": _b64(np.full(n, 37.5663, np.float32)),
           "lon": _b64((126.970 + np.arange(n) * 0.003).astype(np.float32)),
           "kind": _b64(np.zeros(n, np.uint8)), "prec": _b64(np.zeros(n, np.uint8)),
           "radius": _b64(np.zeros(n, np.float32))}
    if state is not None:
        msg["state"] = _b64(np.array(state, np.uint8))
        msg["prio"] = _b64(np.array(prio, np.uint8))
    return msg


def _pixel(qtbot, view, lat, lon):
    """The colour the map canvas has at a place, as (r, g, b, a)."""
    pt = json.loads(run_js(qtbot, view, "JSON.stringify(sitmap.map.latLngToContainerPoint([37.5663, %r]))" % lon))
    img = view.grab().toImage()
    c = img.pixelColor(round(pt["x"]), round(pt["y"]))
    return c.red(), c.green(), c.blue()


def test_markers_show_state_and_priority(qtbot, map_view):
    got = []
    map_view.bridge.rendered.connect(got.append)
    map_view.bridge.send({"type": "view", "center": [37.5663, 126.9775], "zoom": 16})
    qtbot.wait(300)
    # Without triage arrays, today's drawing: nothing styled.
    map_view.bridge.send(_points(5))
    qtbot.waitUntil(lambda: any(r["gen"] == 5 for r in got), timeout=10000)
    plain = json.loads(run_js(qtbot, map_view, "JSON.stringify(sitmap.state.triage)"))
    assert plain == {"verified": 0, "false": 0, "duplicate": 0, "urgent": 0, "critical": 0}
    qtbot.wait(200)
    before = [_pixel(qtbot, map_view, 37.5663, 126.970 + k * 0.003) for k in range(6)]
    # new, verified, false, duplicate, new+urgent, new+critical
    map_view.bridge.send(_points(6, [0, 2, 3, 4, 0, 0], [0, 0, 0, 0, 1, 2]))
    qtbot.waitUntil(lambda: any(r["gen"] == 6 for r in got), timeout=10000)
    styled = json.loads(run_js(qtbot, map_view, "JSON.stringify(sitmap.state.triage)"))
    assert styled == {"verified": 1, "false": 1, "duplicate": 1, "urgent": 1, "critical": 1}
    qtbot.wait(200)
    after = [_pixel(qtbot, map_view, 37.5663, 126.970 + k * 0.003) for k in range(6)]
    assert after[0] == before[0]  # a new, routine point is drawn as before
    assert sum(after[1]) < sum(before[1])  # verified: darker fill
    assert sum(after[2]) > sum(before[2]) and sum(after[3]) > sum(before[3])  # false, duplicate: faded


def test_state_and_priority_filters_choose_and_describe(qtbot, window, db):
    win = window
    ids = _ids(db)
    filters = win.filters
    assert filters.state_button.text() == "State: all"
    filters.state_actions["verified"].trigger()  # a click in the State menu
    assert win.session.states == ("verified",)
    assert filters.state_button.text() == "State: verified"
    _fresh(qtbot, win)
    assert list(win.last_result.feed_ids) == [ids["U1@0"]]
    assert "state verified" in win.status.text()
    filters.state_actions["new"].trigger()
    _fresh(qtbot, win)
    assert win.last_result.total == 7
    # A filter set elsewhere shows on the buttons.
    win.session.update(states=(), priorities=("critical",))
    assert filters.priority_button.text() == "Priority: critical"
    assert not filters.state_actions["verified"].isChecked()
    _fresh(qtbot, win)
    assert win.last_result.total == 0 and "priority critical" in win.status.text()


def _click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_incident_from_the_queue_selection_filters_map_and_feed(qtbot, window, db):
    from desktop.cache import incidents as cache_incidents

    win = window
    queue = win.panel("triage")
    panel = win.panel("incidents")
    posts = [_ids(db)[f"p{k}"] for k in range(6)]
    qtbot.waitUntil(lambda: len(queue.ids()) == 6, timeout=10000)
    _fresh(qtbot, win)
    # Two rows chosen in the queue with the keyboard, then Ctrl+Shift+N names the incident.
    qtbot.keyClick(win, KEY.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(queue.view.hasFocus, timeout=5000)  # on the first row
    qtbot.keyClick(queue.view, KEY.Key_J, SHIFT)
    assert queue.view.selected_ids() == [posts[5], posts[4]]
    qtbot.keyClick(queue.view, KEY.Key_N, Qt.KeyboardModifier.ControlModifier | SHIFT)
    dlg = panel.dialog
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    qtbot.keyClicks(dlg.edit, "Gwanghwamun <b>north</b> gate")
    qtbot.keyClick(dlg.edit, KEY.Key_Return)
    with Cache.open_readonly(db) as c:
        [inc] = cache_incidents.list_incidents(c.conn)
        assert inc["name"] == "Gwanghwamun <b>north</b> gate" and inc["created_by"] == "op-kim"
        assert sorted(cache_incidents.items_of(c.conn, inc["id"])) == sorted([posts[5], posts[4]])
    # The new incident is listed and chosen: map and feed show only its items.
    assert panel.incident_ids() == [inc["id"]]
    it = panel.list.topLevelItem(0)
    assert it.text(0) == "Gwanghwamun <b>north</b> gate" and it.text(1) == "open" and it.text(3) == "2"
    assert win.session.incident == inc["id"]
    _fresh(qtbot, win)
    assert sorted(win.last_result.feed_ids) == sorted([posts[5], posts[4]])
    assert win.feed_model.rowCount() == 2
    assert "in incident Gwanghwamun <b>north</b> gate" in win.status.text()

    # Show all, then choose it again with the mouse.
    _click(qtbot, panel.all_button)
    assert win.session.incident is None
    _fresh(qtbot, win)
    assert win.last_result.total == 7
    rect = panel.list.visualItemRect(panel.list.topLevelItem(0))
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.session.incident == inc["id"]
    _fresh(qtbot, win)
    assert win.last_result.total == 2

    # Add the item selected on the map (a selection outside the queue).
    win.session.select(posts[0], "map")
    panel._from_queue = False
    _click(qtbot, panel.add_button)
    _fresh(qtbot, win)
    assert win.last_result.total == 3
    assert panel.list.topLevelItem(0).text(3) == "3"

    # State: monitoring with a note, from the dialog's choice (keyboard) and text.
    _click(qtbot, panel.state_button)
    dlg = panel.dialog
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    qtbot.keyClick(dlg.choice, KEY.Key_Down)  # open → monitoring
    dlg.edit.setFocus()
    qtbot.keyClicks(dlg.edit, "crowd thinning")
    qtbot.keyClick(dlg.edit, KEY.Key_Return)
    assert panel.list.topLevelItem(0).text(1) == "monitoring"
    assert any("crowd thinning" in line for line in panel.log_lines())
    # Closing it takes it off the list and shows everything again.
    _click(qtbot, panel.state_button)
    dlg = panel.dialog
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    qtbot.keyClick(dlg.choice, KEY.Key_Down)  # → closed
    qtbot.keyClick(dlg.choice, KEY.Key_Down)
    qtbot.keyClick(dlg.edit, KEY.Key_Return)
    assert panel.incident_ids() == []
    assert win.session.incident is None
    _fresh(qtbot, win)
    assert win.last_result.total == 7
