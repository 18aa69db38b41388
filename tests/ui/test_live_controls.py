"""The live picture and the time controls, in the real window: live mode follows the
clock in a lull, presets keep their width, playback runs at the speed the box says."""

from __future__ import annotations

import time

import pytest

from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.core.model import Item, Kind, Precision

pytestmark = pytest.mark.webengine

MIN = 60_000


@pytest.fixture
def recent_window(qtbot, tmp_path, js_errors, monkeypatch):
    """A window on ten posts of the last ten minutes."""
    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path / "data"))
    from desktop.ui.main_window import MainWindow

    db = tmp_path / "live.db"
    now = int(time.time() * 1000)
    with Cache.open(db) as c:
        write_records(c, [Item(kind=Kind.POST, source="x", source_id=str(i), t_ms=now - 10 * MIN + i * MIN,
                               text=f"광화문 {i}", lat=37.5720, lon=126.9769, precision=Precision.EXACT)
                          for i in range(10)], path="history", fmt="test")
    win = MainWindow(db, restore=False)
    win.resize(1400, 900)
    win.show()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready and win.last_result is not None, timeout=60000)
    win.t_now = now
    yield win
    win.close()


def test_live_mode_follows_the_clock_when_no_data_arrives(qtbot, recent_window):
    win = recent_window
    tl = win.panel("timeline")
    win.timeline.apply_preset("6h")
    win.set_live(True)
    qtbot.waitUntil(lambda: win.last_result.total == 10, timeout=10000)
    # On the real clock: with nothing arriving, each second's tick still moves what is drawn.
    end0 = win.last_result.flt.end_ms
    qtbot.waitUntil(lambda: win.last_result.flt.end_ms >= end0 + 1500, timeout=6000)
    assert win.counts.text() and win.timeline.window()[1] - win.last_result.flt.end_ms < 1500
    # Twenty minutes of silence: the window keeps moving, and what left it leaves the map.
    later = win.t_now + 20 * MIN
    for k in range(1, 21):
        tl.live_tick(win.t_now + k * MIN)
    qtbot.waitUntil(lambda: win.last_result.flt.end_ms == later, timeout=10000)
    assert win.timeline.window()[1] == later
    assert win.panel("timeline").window_label.text().endswith(
        time.strftime("%H:%M", time.localtime(later / 1000)) + " KST") or "KST" in win.panel("timeline").window_label.text()
    # Narrow the window to the last 15 minutes: items older than that are gone from feed and counts.
    win.timeline.apply_preset("15m")
    win.set_live(True)
    tl.live_tick(later)
    qtbot.waitUntil(lambda: win.last_result.flt.end_ms == later and win.last_result.flt.start_ms == later - 15 * MIN,
                    timeout=10000)
    assert win.last_result.total == 0 and win.feed_model.rowCount() == 0


def test_a_preset_wider_than_the_data_keeps_its_width(qtbot, recent_window):
    win = recent_window
    span = win.session.span
    assert span[1] - span[0] < 15 * MIN
    win.timeline.apply_preset("15m")
    s, e = win.timeline.window()
    assert e - s == 15 * MIN, (s, e)
    win.set_live(True)
    s, e = win.timeline.window()
    assert e - s == 15 * MIN
    qtbot.waitUntil(lambda: win.last_result.flt.end_ms - win.last_result.flt.start_ms == 15 * MIN, timeout=10000)


def test_playback_runs_at_the_speed_the_box_shows(qtbot, recent_window):
    win = recent_window
    speed = win.panel("timeline").speed
    assert win.timeline.play_speed() == speed.currentData()  # from the start, not only after a change
    speed.setCurrentIndex(1)
    assert win.timeline.play_speed() == speed.currentData() == 10_000


def test_feeds_dialog_shows_what_runs_and_ok_keeps_it_running(qtbot, recent_window, tmp_path):
    win = recent_window
    live = win.live.live
    capture = tmp_path / "stream.jsonl"
    capture.write_text("", encoding="utf-8")
    assert live.ingest is None  # nothing live runs until the commander asks
    dlg = win.panel("live").open_feeds()
    qtbot.addWidget(dlg)
    # The feeds' process starts while the dialog is open, not on the window's thread at OK.
    qtbot.waitUntil(lambda: live.ingest is not None and live.ingest.pid() is not None, timeout=60000)
    assert not live.inputs
    dlg.jsonl.setChecked(True)
    dlg.jsonl_path.setText(str(capture))
    dlg.apply()
    first = live.inputs["jsonl"]
    # Reopened: the running capture is shown; OK changes nothing and stops nothing.
    again = win.panel("live").open_feeds()
    qtbot.addWidget(again)
    assert again.jsonl.isChecked() and again.jsonl_path.text() == str(capture)
    again.apply()
    assert live.inputs["jsonl"] is first
    # A changed path restarts the input with the new one.
    other = tmp_path / "other.jsonl"
    other.write_text("", encoding="utf-8")
    third = win.panel("live").open_feeds()
    qtbot.addWidget(third)
    third.jsonl_path.setText(str(other))
    third.apply()
    assert live.inputs["jsonl"] is not first and live.configs["jsonl"] == {"path": str(other)}


def test_switching_language_needs_no_restart(qtbot, recent_window):
    from PySide6.QtWidgets import QApplication

    from desktop.ui.app import install_translations

    win = recent_window
    win.session.text = "광화문"
    port = _free_port()
    win.live.live.start_tcp_server("127.0.0.1", port)
    try:
        new = win.switch_language("ko")
        qtbot.addWidget(new)
        qtbot.waitUntil(lambda: new.bridge.is_ready and new.last_result is not None, timeout=60000)
        assert new.menus["file"].title() == "파일(&F)" and new.panel("timeline").live_btn.text() == "● 실시간"
        assert new.session.text == "광화문" and new.filters.search.text() == "광화문"  # state carried over
        assert new.live.live.configs["tcp"]["port"] == port  # the feed kept running
        assert not win.isVisible()
        new.close()
    finally:
        install_translations(QApplication.instance(), "en")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
