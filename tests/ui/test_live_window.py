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
