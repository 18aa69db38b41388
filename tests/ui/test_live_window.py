"""The live picture in the real window: CoT over a real loopback socket reaches the map,
the feed and the chat pane; alert rules fire; live mode follows now; the commander's
markers are stored."""

from __future__ import annotations

import datetime as dt
import socket
import time

import pytest

from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.live.alert_rules import AlertRule
from desktop.live.alerts import save_rule
from desktop.core.model import Item, Kind, Precision
from tests.ui.conftest import run_js

pytestmark = pytest.mark.webengine


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _event(uid: str, callsign: str, lat: float, lon: float, remarks: str = "", cot_type: str = "a-f-G-U-i-l",
           detail_extra: str = "") -> bytes:
    now = int(time.time() * 1000)
    return (f'<?xml version="1.0" encoding="UTF-8"?><event version="2.0" uid="{uid}" type="{cot_type}" how="m-g" '
            f'time="{_iso(now)}" start="{_iso(now)}" stale="{_iso(now + 300_000)}">'
            f'<point lat="{lat}" lon="{lon}" hae="30" ce="8" le="9999999"/><detail><contact callsign="{callsign}"/>'
            f'<__group name="Cyan" role="Team Member"/><track course="90" speed="1.2"/>{detail_extra}'
            f'<remarks>{remarks}</remarks></detail></event>').encode()


def _chat(sender_uid: str, sender: str, text: str, lat: float, lon: float) -> bytes:
    now = int(time.time() * 1000)
    mid = f"msg-{now}"
    return (f'<event version="2.0" uid="GeoChat.{sender_uid}.All Chat Rooms.{mid}" type="b-t-f" how="h-g-i-g-o" '
            f'time="{_iso(now)}" start="{_iso(now)}" stale="{_iso(now + 86_400_000)}">'
            f'<point lat="{lat}" lon="{lon}" hae="0" ce="9999999" le="9999999"/><detail>'
            f'<__chat parent="RootContactGroup" groupOwner="false" chatroom="All Chat Rooms" id="All Chat Rooms" '
            f'senderCallsign="{sender}"><chatgrp uid0="{sender_uid}" uid1="All Chat Rooms" id="All Chat Rooms"/></__chat>'
            f'<link uid="{sender_uid}" type="a-f-G-U-C" relation="p-p"/>'
            f'<remarks source="BAO.F.ATAK.{sender_uid}" to="All Chat Rooms" time="{_iso(now)}">{text}</remarks>'
            f'</detail></event>').encode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_window(qtbot, tmp_path, js_errors):
    from desktop.ui.main_window import MainWindow

    db = tmp_path / "live.db"
    now = int(time.time() * 1000)
    with Cache.open(db) as c:  # an hour of history so the window has a span
        write_records(c, [Item(kind=Kind.POST, source="x", source_id=str(i), t_ms=now - 3_600_000 + i * 60_000,
                               text=f"광화문 {i} #집회", lat=37.5720, lon=126.9769, precision=Precision.EXACT,
                               hashtags=("집회",)) for i in range(30)], path="history", fmt="test")
    win = MainWindow(db, restore=False)
    win.resize(1400, 900)
    win.show()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready and win.last_result is not None, timeout=60000)
    yield win
    win.close()


def test_cot_over_tcp_reaches_map_feed_and_chat(qtbot, live_window):
    win = live_window
    win.set_live(True)
    port = _free_port()
    win.live.live.start_tcp_server("127.0.0.1", port)
    qtbot.waitUntil(lambda: "tcp" in win.live.live.inputs, timeout=5000)
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(_event("ANDROID-J1", "종로1", 37.5712, 126.9768, "세종대로 북측\n인파 약 2천명 #집회"))
        s.sendall(_chat("ANDROID-J1", "종로1", "시청 방향 이동 중", 37.5712, 126.9768))
        for _ in range(50):
            if run_js(qtbot, win.map, "sitmap.state.units") >= 1:
                break
            qtbot.wait(200)
        labels = run_js(qtbot, win.map, "Array.from(document.querySelectorAll('.sitmap-unit-label')).map(e => e.textContent).join('|')")
        assert "종로1" in labels
        qtbot.waitUntil(lambda: win.live.chat.list.count() == 1, timeout=10000)
    assert "시청 방향 이동 중" in win.live.chat.list.item(0).text()
    # The feed shows the field update at the top (live window follows now).
    qtbot.waitUntil(lambda: win.feed_model.rowCount() >= 2, timeout=10000)
    top = [win.feed_model.item_at(r) for r in range(2)]
    assert {t["kind"] for t in top} == {"field_update"}
    assert all(t["extra"]["auth"] == "unauthenticated" for t in top)  # plain TCP is marked as such
    qtbot.waitUntil(lambda: "2 msgs" in win.live.status.text(), timeout=5000)  # the status line counts them


def test_alert_rule_fires_on_live_items(qtbot, live_window):
    win = live_window
    rule = AlertRule.count("집회 surge", 3, 10, hashtags=["집회"])
    save_rule(win._writer(), rule)
    win.live.live.ensure_writer()
    win.live.live.engine.reload_rules()
    port = _free_port()
    win.live.live.start_tcp_server("127.0.0.1", port)
    qtbot.waitUntil(lambda: "tcp" in win.live.live.inputs, timeout=5000)
    with socket.create_connection(("127.0.0.1", port)) as s:
        for k in range(4):
            s.sendall(_event(f"ANDROID-B{k}", f"기동{k}", 37.5690, 126.9780, f"청계광장 충돌 #집회 {k}"))
        qtbot.waitUntil(lambda: win.live.alerts.list.count() >= 1, timeout=15000)
    assert "집회 surge" in win.live.alerts.list.item(0).text()


def test_live_mode_follows_now_and_scrubbing_leaves_it(qtbot, live_window):
    win = live_window
    start, end = win.timeline.window()
    win.set_live(True)
    now = time.time() * 1000
    s2, e2 = win.timeline.window()
    assert abs(e2 - now) < 5_000 and (e2 - s2) == max(end - start, 60_000)
    win.timeline.set_window(s2 - 600_000, e2 - 600_000)
    win.timeline.windowCommitted.emit(s2 - 600_000, e2 - 600_000)
    assert not win.is_live()


def test_commander_marker_is_stored_as_field_update(qtbot, live_window):
    win = live_window
    item, sent = win.live.live.place_marker(37.5700, 126.9770, "바리케이드 설치 <b>여기</b>", "b-m-p-s-m")
    assert sent == 0  # no TAK connection: stored, not sent
    qtbot.waitUntil(lambda: any((win.feed_model.item_at(r) or {}).get("source") == "sitmap"
                                for r in range(min(5, win.feed_model.rowCount()))), timeout=10000)


# --- alert rules: the dialog, the form, the list, the map -----------------------------------------

from PySide6.QtCore import QEvent, QPoint, Qt  # noqa: E402
from PySide6.QtGui import QHelpEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QToolTip  # noqa: E402

from desktop.live.alerts import Alert, load_rules  # noqa: E402
from desktop.ui.plain import plain_tooltip  # noqa: E402


def _open_rules(qtbot, win):
    qtbot.mouseClick(win.live.alerts.rules_button, Qt.MouseButton.LeftButton)
    dlg = win.panel("alerts").rules_dialog
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    return dlg


def _row(dlg, name: str) -> int:
    names = [dlg.tree.topLevelItem(i).text(1) for i in range(dlg.tree.topLevelItemCount())]
    return names.index(name)


def _check_indicator(tree, item) -> QPoint:
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    opt = QStyleOptionViewItem()
    opt.initFrom(tree)
    opt.rect = tree.visualRect(tree.indexFromItem(item, 0))
    opt.features |= QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    return tree.style().subElementRect(QStyle.SubElement.SE_ItemViewItemCheckIndicator, opt, tree).center()


def _stored(win) -> dict:
    return {r.name: r for r in load_rules(win._writer().conn, enabled_only=False)}


def test_rules_dialog_lists_edits_switches_off_and_deletes(qtbot, live_window):
    win = live_window
    save_rule(win._writer(), AlertRule.count("집회 surge", 3, 10, hashtags=["집회"]))
    save_rule(win._writer(), AlertRule.emergency("긴급 <b>무전</b>"))
    dlg = _open_rules(qtbot, win)
    tree = dlg.tree
    assert tree.topLevelItemCount() == 2
    row = tree.topLevelItem(_row(dlg, "집회 surge"))
    assert row.text(2) == "Count" and "3 or more items matching #집회 within 10 min, everywhere" == row.text(3)
    assert row.checkState(0) == Qt.CheckState.Checked
    assert tree.topLevelItem(_row(dlg, "긴급 <b>무전</b>")).text(3).startswith("A unit's emergency (any emergency)")

    # Enter edits the current rule: the form comes filled in; the change is stored and the engine has it.
    tree.setFocus()
    tree.setCurrentItem(row)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    ed = dlg.editor
    qtbot.waitUntil(ed.isVisible, timeout=5000)
    assert ed.windowTitle() == "Edit alert rule" and ed.name.text() == "집회 surge" and ed.count.value() == 3
    assert ed.hashtags.text() == "#집회"
    ed.count.selectAll()
    qtbot.keyClicks(ed.count, "5")
    qtbot.mouseClick(ed.buttons.button(ed.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not ed.isVisible(), timeout=5000)
    assert _stored(win)["집회 surge"].params["min_count"] == 5
    assert "5 or more items" in tree.topLevelItem(_row(dlg, "집회 surge")).text(3)
    assert {r.name: r.params.get("min_count") for r in win.live.live.engine.rules}["집회 surge"] == 5

    # Space (or the button) switches the current rule off and on; the engine drops and takes it back.
    tree.setCurrentItem(tree.topLevelItem(_row(dlg, "집회 surge")))
    qtbot.keyClick(tree, Qt.Key.Key_Space)
    assert _stored(win)["집회 surge"].enabled is False
    assert tree.topLevelItem(_row(dlg, "집회 surge")).checkState(0) == Qt.CheckState.Unchecked
    assert [r.name for r in win.live.live.engine.rules] == ["긴급 <b>무전</b>"]
    assert dlg.toggle_button.text() == "Enable"
    qtbot.mouseClick(dlg.toggle_button, Qt.MouseButton.LeftButton)
    assert _stored(win)["집회 surge"].enabled is True and len(win.live.live.engine.rules) == 2
    # …and so does a click on the rule's check box.
    box_at = _check_indicator(tree, tree.topLevelItem(_row(dlg, "집회 surge")))
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=box_at)
    qtbot.waitUntil(lambda: _stored(win)["집회 surge"].enabled is False, timeout=5000)
    qtbot.waitUntil(lambda: len(win.live.live.engine.rules) == 1, timeout=5000)
    box_at = _check_indicator(tree, tree.topLevelItem(_row(dlg, "집회 surge")))
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=box_at)
    qtbot.waitUntil(lambda: _stored(win)["집회 surge"].enabled is True, timeout=5000)
    assert tree.topLevelItem(_row(dlg, "집회 surge")).checkState(0) == Qt.CheckState.Checked

    # Delete asks first (the name shows as plain text); cancelling keeps the rule.
    tree.setCurrentItem(tree.topLevelItem(_row(dlg, "긴급 <b>무전</b>")))
    qtbot.keyClick(tree, Qt.Key.Key_Delete)
    box = dlg.confirm
    qtbot.waitUntil(box.isVisible, timeout=5000)
    assert box.textFormat() == Qt.TextFormat.PlainText and "“긴급 <b>무전</b>”" in box.text()
    qtbot.mouseClick(box.button(box.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.confirm is None, timeout=5000)
    assert len(_stored(win)) == 2 and tree.topLevelItemCount() == 2
    qtbot.keyClick(tree, Qt.Key.Key_Delete)
    box = dlg.confirm
    qtbot.waitUntil(box.isVisible, timeout=5000)
    yes = next(b for b in box.buttons() if box.buttonRole(b) == box.ButtonRole.DestructiveRole)
    qtbot.mouseClick(yes, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1, timeout=5000)
    assert list(_stored(win)) == ["집회 surge"] and [r.name for r in win.live.live.engine.rules] == ["집회 surge"]
    dlg.close()


def test_rule_form_shows_the_fields_of_its_kind_and_names_the_wrong_one(qtbot, live_window):
    win = live_window
    dlg = _open_rules(qtbot, win)
    assert dlg.tree.topLevelItemCount() == 0 and dlg.empty.isVisible()
    qtbot.mouseClick(dlg.add_button, Qt.MouseButton.LeftButton)
    ed = dlg.editor
    qtbot.waitUntil(ed.isVisible, timeout=5000)

    def shown():
        return {k for k in ("count", "minutes", "factor", "baseline", "hashtags", "keywords", "types")
                if ed.fields[k].isVisibleTo(ed)}

    assert ed.kind.currentData() == "count" and shown() == {"count", "minutes", "hashtags", "keywords"}
    ed.kind.setFocus()
    qtbot.keyClick(ed.kind, Qt.Key.Key_Down)
    assert ed.kind.currentData() == "spike"
    assert shown() == {"count", "minutes", "factor", "baseline", "hashtags", "keywords"}
    assert ed.form.labelForField(ed.count).text() == "At least N items"
    qtbot.keyClick(ed.kind, Qt.Key.Key_Down)
    assert ed.kind.currentData() == "emergency" and shown() == {"types"}
    qtbot.keyClick(ed.kind, Qt.Key.Key_Down)
    assert ed.kind.currentData() == "empty_area" and shown() == {"minutes"}

    ok = ed.buttons.button(ed.buttons.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)  # no name
    assert ed.isVisible() and ed.error_field == "name" and ed.error.text().startswith("Name:")
    qtbot.keyClicks(ed.name, "Square left empty")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)  # no area for an empty-area rule
    assert ed.isVisible() and ed.error_field == "area" and ed.error.text().startswith("Area (required):")
    qtbot.keyClick(ed.kind, Qt.Key.Key_Up)  # emergency, with every kind unticked
    assert ed.error.text() == ""
    for box in ed.type_boxes.values():
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(4, box.height() // 2))
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert ed.isVisible() and ed.error_field == "types" and ed.error.text().startswith("Emergencies:")
    tick = ed.type_boxes["b-a-o-tbl"]
    qtbot.mouseClick(tick, Qt.MouseButton.LeftButton, pos=QPoint(4, tick.height() // 2))
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not ed.isVisible(), timeout=5000)
    rule = _stored(win)["Square left empty"]
    assert rule.kind == "emergency" and rule.params == {"types": ["b-a-o-tbl"]}
    assert dlg.tree.topLevelItem(0).text(3).startswith("A unit's emergency (911 alert)")
    # The count form: a hashtag that is only a '#' is named as the problem.
    qtbot.mouseClick(dlg.add_button, Qt.MouseButton.LeftButton)
    ed = dlg.editor
    qtbot.waitUntil(ed.isVisible, timeout=5000)
    qtbot.keyClicks(ed.name, "Posts surge")
    qtbot.keyClicks(ed.hashtags, "#rally #")
    qtbot.mouseClick(ed.buttons.button(ed.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert ed.error_field == "hashtags" and ed.error.text().startswith("Hashtags:")
    ed.reject()
    dlg.close()


def test_a_rule_switched_off_in_the_dialog_no_longer_fires(qtbot, live_window):
    win = live_window
    save_rule(win._writer(), AlertRule.emergency("긴급"))
    dlg = _open_rules(qtbot, win)
    dlg.tree.setFocus()
    qtbot.keyClick(dlg.tree, Qt.Key.Key_Space)
    assert _stored(win)["긴급"].enabled is False
    port = _free_port()
    win.live.live.start_tcp_server("127.0.0.1", port)
    qtbot.waitUntil(lambda: "tcp" in win.live.live.inputs, timeout=5000)
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(_emergency_event("ANDROID-E2", "긴급2", 37.5700, 126.9800))
        qtbot.waitUntil(lambda: win.loader.conn.execute(
            "SELECT count(*) FROM items WHERE unit_uid = 'ANDROID-E2'").fetchone()[0] == 1, timeout=10000)
    assert win.live.live.engine.tick() == []
    qtbot.wait(300)
    assert win.live.alerts.list.count() == 0
    # On again: the emergency still holds, so it is announced now.
    qtbot.mouseClick(dlg.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.live.alerts.list.count() == 1, timeout=5000)
    assert "EMERGENCY 긴급2" in win.live.alerts.list.item(0).text()
    dlg.close()


def test_alert_text_wraps_and_its_tooltip_holds_all_of_it(qtbot, live_window):
    win = live_window
    pane = win.live.alerts
    win.live.alerts_dock.show()
    win.live.alerts_dock.raise_()
    long = "광화문 집회 글 급증: " + " ".join(f"세종대로{k} 방향 인파 이동" for k in range(12))
    pane.add_alert(Alert(id=1, rule_id=1, rule_name="광화문", kind="count", t_ms=int(time.time() * 1000),
                         area_name=None, message=long, item_ids=()))
    lst = pane.list
    qtbot.waitUntil(lambda: lst.viewport().width() > 50, timeout=5000)
    it = lst.item(0)
    rect = lst.visualItemRect(it)
    assert rect.width() <= lst.viewport().width()  # nothing runs past the pane's edge…
    assert rect.height() >= 4 * lst.fontMetrics().height()  # …it wraps onto lines of its own
    assert lst.horizontalScrollBar().maximum() == 0
    assert it.text().endswith(long) and it.toolTip() == plain_tooltip(it.text())
    # Hovering shows the whole text as the tooltip.
    pos = rect.center()
    QApplication.sendEvent(lst.viewport(), QHelpEvent(QEvent.Type.ToolTip, pos, lst.viewport().mapToGlobal(pos)))
    qtbot.waitUntil(lambda: QToolTip.isVisible(), timeout=5000)
    assert long in QToolTip.text().replace("\n", " ") or "세종대로11 방향 인파 이동" in QToolTip.text()
    QToolTip.hideText()


def _emergency_event(unit_uid: str, callsign: str, lat: float, lon: float, cot_type: str = "b-a-o-tbl") -> bytes:
    return _event(f"{unit_uid}-9-1-1", callsign, lat, lon, cot_type=cot_type,
                  detail_extra=f'<link uid="{unit_uid}" type="a-f-G-U-C" relation="p-p"/>'
                               f'<emergency type="911 Alert">{callsign}</emergency>')


_RING = ("(() => { const r = document.querySelectorAll('.sitmap-unit-highlight'); if (r.length !== 1) return r.length;"
         " const u = r[0].closest('.sitmap-unit'); return u ? u.querySelector('.sitmap-unit-label').textContent : 'alone'; })()")
_CENTER = "JSON.stringify(sitmap.map.getCenter())"


def _near(qtbot, win, lat, lon) -> bool:
    import json

    c = json.loads(run_js(qtbot, win.map, _CENTER))
    return abs(c["lat"] - lat) < 1e-4 and abs(c["lng"] - lon) < 1e-4


def test_emergency_alert_rings_its_unit_on_the_map_and_pans_there(qtbot, live_window):
    win = live_window
    save_rule(win._writer(), AlertRule.emergency("긴급"))
    win.live.live.ensure_writer()
    win.live.live.engine.reload_rules()
    win.set_live(True)
    port = _free_port()
    win.live.live.start_tcp_server("127.0.0.1", port)
    qtbot.waitUntil(lambda: "tcp" in win.live.live.inputs, timeout=5000)
    lat, lon = 37.5790, 126.9910  # away from the history the map shows
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(_event("ANDROID-E1", "긴급1", lat, lon, "순찰 중"))
        qtbot.waitUntil(lambda: run_js(qtbot, win.map, "sitmap.state.units") >= 1, timeout=15000)
        assert run_js(qtbot, win.map, _RING) == 0
        s.sendall(_emergency_event("ANDROID-E1", "긴급1", lat, lon))
        qtbot.waitUntil(lambda: win.live.alerts.list.count() == 1, timeout=15000)
        # The alert fired: the unit's marker gets the ring and the map is centred on it.
        qtbot.waitUntil(lambda: run_js(qtbot, win.map, _RING) == "긴급1", timeout=10000)
        assert _near(qtbot, win, lat, lon)
        # Zoomed far out, where the map hides ordinary units, the ringed one stays in sight.
        win.bridge.send({"type": "view", "center": [lat, lon], "zoom": 8})
        qtbot.waitUntil(lambda: run_js(qtbot, win.map, "sitmap.map.getZoom()") == 8, timeout=5000)
        assert run_js(qtbot, win.map, "getComputedStyle(document.querySelector('.sitmap-unit-highlight')"
                                      ".closest('.sitmap-unit')).display") == "block"

        # Away from it, ring gone; clicking the alert in the list rings and finds the unit again.
        win.panel("alerts").clear_highlight()
        win.bridge.send({"type": "view", "center": [37.55, 126.95], "zoom": 15})
        qtbot.waitUntil(lambda: run_js(qtbot, win.map, _RING) == 0 and not _near(qtbot, win, lat, lon), timeout=5000)
        lst = win.live.alerts.list
        win.live.alerts_dock.raise_()
        qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=lst.visualItemRect(lst.item(0)).center())
        assert not win.is_live()
        qtbot.waitUntil(lambda: run_js(qtbot, win.map, _RING) == "긴급1", timeout=10000)
        qtbot.waitUntil(lambda: _near(qtbot, win, lat, lon), timeout=5000)

        # The unit cancels its emergency: the episode ends and the ring goes.
        s.sendall(_emergency_event("ANDROID-E1", "긴급1", lat, lon, cot_type="b-a-o-can"))
        qtbot.waitUntil(lambda: run_js(qtbot, win.map, _RING) == 0, timeout=15000)
    assert run_js(qtbot, win.map, "sitmap.state.highlight === null") is True


def test_page_checks_highlight_messages(qtbot, live_window):
    win = live_window
    for bad in ({"type": "highlightUnit", "uid": {"toString": 1}}, {"type": "highlightUnit", "uid": ""},
                {"type": "highlightUnit", "uid": "U", "lat": 91, "lon": 0},
                {"type": "highlightUnit", "uid": "U", "lat": "37.5", "lon": 127}):
        win.bridge.send(bad)
    qtbot.wait(200)
    assert run_js(qtbot, win.map, "sitmap.state.highlight === null") is True and run_js(qtbot, win.map, _RING) == 0
    # A unit with no marker in the window: the ring stands at the alert's position.
    win.bridge.send({"type": "highlightUnit", "uid": "NOT-ON-MAP", "lat": 37.57, "lon": 126.98, "pan": True})
    qtbot.waitUntil(lambda: run_js(qtbot, win.map, _RING) == "alone", timeout=5000)
    assert _near(qtbot, win, 37.57, 126.98)
    win.bridge.send({"type": "highlightUnit", "uid": None})
    qtbot.waitUntil(lambda: run_js(qtbot, win.map, _RING) == 0, timeout=5000)


def test_the_feeds_process_killed_comes_back_and_keeps_what_it_stored(qtbot, live_window):
    """The inputs run in the ingest process; killing it loses nothing committed, the same
    TCP port listens again and what arrives then reaches the map."""
    import os
    import signal

    win = live_window
    win.set_live(True)
    port = _free_port()
    live = win.live.live
    live.start_tcp_server("127.0.0.1", port)
    assert live.ingest is not None and live.ingest.pid() not in (None, os.getpid())
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(_event("ANDROID-R1", "기동1", 37.5712, 126.9768, "세종대로 #집회"))
        qtbot.waitUntil(lambda: win.feed_model.rowCount() >= 1 and live.writer.stats().accepted == 1, timeout=20000)
    victim = live.ingest.pid()
    os.kill(victim, signal.SIGKILL)
    qtbot.waitUntil(lambda: live.ingest.restarts == 1 and live.ingest.pid() != victim, timeout=60000)

    def connect():
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            return None

    conn = None
    for _ in range(100):
        conn = connect()
        if conn is not None:
            break
        qtbot.wait(200)
    assert conn is not None
    with conn:
        conn.sendall(_event("ANDROID-R2", "기동2", 37.5702, 126.9770, "시청 앞 #집회"))
        qtbot.waitUntil(lambda: live.writer.stats().accepted == 2, timeout=20000)
    with Cache.open_readonly(win.db_path) as c:
        uids = sorted(r[0] for r in c.conn.execute("SELECT unit_uid FROM items WHERE kind = 'field_update'"))
    assert uids == ["ANDROID-R1", "ANDROID-R2"]
    qtbot.waitUntil(lambda: "ANDROID-R2" in {u["uid"] for u in (win.last_result.units or [])}, timeout=20000)
