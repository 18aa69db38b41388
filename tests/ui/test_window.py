"""The situation map window driven as a user would, on the real page offscreen."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.core.filters import Filter
from desktop.core.geo import areas_from_file
from desktop.core.model import Item, Kind, Precision, Unit
from desktop.cache.query import count
from tests.ui.conftest import run_js

pytestmark = pytest.mark.webengine

T0 = 1_794_632_400_000  # 2026-11-14 05:00 UTC = 14:00 KST
HOSTILE = '<img src=x onerror="window.__pwned=1"> ${window.__pwned=2} </script><script>window.__pwned=3</script>'


def _items():
    rng = np.random.default_rng(3)
    out = []
    places = [(37.5759, 126.9769, "광화문"), (37.5636, 126.9850, "명동"), (35.1587, 129.1604, "busanpolice")]
    n = 0
    for lat, lon, tag in places:
        for k in range(120):
            n += 1
            out.append(Item(kind=Kind.POST, source="x", source_id=str(10_000 + n), t_ms=T0 + int(rng.integers(0, 7_200_000)),
                            lat=lat + rng.normal(0, 0.0008), lon=lon + rng.normal(0, 0.0008), precision=Precision.EXACT,
                            text=f"{tag} 현장 상황 {k} #{tag}", hashtags=(tag,), author=f"citizen{k % 9}"))
    for k in range(40):
        out.append(Item(kind=Kind.FIELD_UPDATE, source="tak", source_id=f"U1@{k}", t_ms=T0 + k * 180_000,
                        lat=37.5700 + k * 0.0001, lon=126.9770, precision=Precision.EXACT, radius_m=10,
                        text="세종대로 북측 인파 약 2천명\n평온", author="종로1", author_id="U1", unit_uid="U1",
                        callsign="종로1", extra={"cot_type": "a-f-G-U-i-l", "team": "Cyan", "stale_ms": T0 + k * 180_000 + 300_000}))
    out.append(Item(kind=Kind.POST, source="x", source_id="666", t_ms=T0 + 3_600_000, lat=37.5751, lon=126.9768,
                    precision=Precision.EXACT, text=HOSTILE, author='<b onmouseover="x()">evil</b>',
                    hashtags=("xss",), links=("javascript:alert(1)",)))
    out.append(Unit(uid="U1", callsign='<i>종로1</i>', cot_type="a-f-G-U-i-l", affiliation="f", t_ms=T0 + 39 * 180_000,
                    stale_ms=T0 + 39 * 180_000 + 300_000, lat=37.574, lon=126.977, team="Cyan"))
    return out


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "incident.db"
    c = Cache.open(path)
    write_records(c, _items(), path="fixture", fmt="test")
    c.close()
    return path


@pytest.fixture
def window(qtbot, db, js_errors):
    from desktop.ui.main_window import MainWindow

    win = MainWindow(db, restore=False)
    win.resize(1400, 900)
    win.show()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready and win.last_result is not None and win.last_result.page is not None,
                    timeout=60000)
    yield win
    win.close()


def _wait_result(qtbot, win, pred=lambda r: True, timeout=20000):
    """Wait until the page has drawn an answer at least as new as the last request."""
    qtbot.waitUntil(lambda: win.last_result is not None and win.last_result.gen == win.gen
                    and win.bridge.last_rendered is not None and win.bridge.last_rendered["gen"] >= win.gen
                    and pred(win.last_result), timeout=timeout)
    return win.last_result


def _conn(db):
    return Cache.open_readonly(db).conn


def _show_everything(qtbot, win):
    win.bridge.send({"type": "fit", "bounds": [124.5, 33.0, 131.0, 38.7]})
    qtbot.waitUntil(lambda: win.view is not None and win.view.bounds[0] < 125.5, timeout=10000)


def test_bridge_up_and_initial_picture(qtbot, window, db):
    res = _wait_result(qtbot, window)
    assert res.total == count(_conn(db), res.flt) == 401
    assert run_js(qtbot, window.map, "typeof L") == "object"
    assert run_js(qtbot, window.map, "sitmap.state.units") == 1


def test_slider_changes_what_the_page_draws_matching_query(qtbot, window, db):
    _show_everything(qtbot, window)
    conn = _conn(db)
    for start_min, end_min in ((0, 30), (30, 45), (60, 110)):
        window.timeline.set_window(T0 + start_min * 60_000, T0 + end_min * 60_000)
        res = _wait_result(qtbot, window, lambda r, s=start_min: r.flt.start_ms == T0 + s * 60_000)
        want = count(conn, res.flt)
        assert res.total == want
        drawn = window.bridge.last_rendered
        positioned = count(conn, res.flt.with_(bbox=(124.0, 33.0, 132.0, 39.0)))
        shown = drawn["points"] if drawn["mode"] == "points" else drawn["cell_total"]
        assert shown == positioned == drawn["total"]
        assert window.feed_model.rowCount() == want


def test_drawing_a_rectangle_with_the_mouse_filters_map_and_feed(qtbot, window, db):
    window.bridge.send({"type": "view", "center": [37.5759, 126.9769], "zoom": 16})
    qtbot.waitUntil(lambda: window.view is not None and window.view.zoom == 16, timeout=10000)
    window.filters.findChild(type(window.filters.search).__mro__[0], "search")  # panel is there
    qtbot.mouseClick(window.filters.findChild(__import__("PySide6.QtWidgets", fromlist=["QPushButton"]).QPushButton, "draw_rectangle"),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "sitmap.state.drawMode") == "rectangle", timeout=5000)
    target = window.map.focusProxy() or window.map
    w, h = window.map.width(), window.map.height()
    a, b = QPoint(w // 2 - 150, h // 2 - 120), QPoint(w // 2 + 150, h // 2 + 120)
    QTest.mousePress(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, 11):
        QTest.mouseMove(target, a + (b - a) * i / 10)
        QTest.qWait(15)
    QTest.mouseRelease(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    qtbot.waitUntil(lambda: len(window.filters.active_areas()) == 1, timeout=10000)
    area = window.filters.active_areas()[0]
    res = _wait_result(qtbot, window, lambda r: len(r.flt.areas) == 1)
    want = count(_conn(db), Filter(areas=(area,), start_ms=res.flt.start_ms, end_ms=res.flt.end_ms))
    assert 0 < res.total == want < 401
    assert window.feed_model.rowCount() == want
    assert run_js(qtbot, window.map, "sitmap.state.areas") == 1


def test_district_from_korean_boundary_file_filters_exactly(qtbot, window, db, boundaries):
    dlg = window.pick_districts(str(boundaries))
    dlg.filter.setText("11010")
    dlg.select_codes(["11010"])
    dlg.accept()
    qtbot.waitUntil(lambda: len(window.filters.active_areas()) == 1, timeout=5000)
    assert window.filters.active_areas()[0].name == "서울특별시 종로구"  # the province from the outlines
    res = _wait_result(qtbot, window, lambda r: len(r.flt.areas) == 1)
    ref = Filter(areas=tuple(areas_from_file(boundaries, "code=11010")), start_ms=res.flt.start_ms, end_ms=res.flt.end_ms)
    assert res.total == count(_conn(db), ref) > 0
    assert res.area_counts["서울특별시 종로구"] == res.total


def test_selection_syncs_both_ways(qtbot, window, db):
    window.bridge.send({"type": "view", "center": [37.5759, 126.9769], "zoom": 17})
    res = _wait_result(qtbot, window, lambda r: r.page and r.page["mode"] == "points" and window.view.zoom == 17)
    # feed → map
    window.feed.selectRow(3)
    chosen = window.feed_model.id_at(3)
    qtbot.waitUntil(lambda: run_js(qtbot, window.map, "sitmap.state.selected") == chosen, timeout=5000)
    assert window.details.item()["id"] == chosen
    # map → feed: click the drawn point of a post in view
    row = _conn(db).execute("SELECT id, lat, lon FROM items WHERE source_id = '10001'").fetchone()
    window.bridge.send({"type": "view", "center": [row[1], row[2]], "zoom": 19})
    _wait_result(qtbot, window, lambda r: window.view.zoom == 19)
    pt = json.loads(run_js(qtbot, window.map, "JSON.stringify(sitmap.map.latLngToContainerPoint(sitmap.map.getCenter()))"))
    QTest.mouseClick(window.map.focusProxy(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(round(pt["x"]), round(pt["y"])))
    qtbot.waitUntil(lambda: window.feed.selected_id() is not None and window.feed.selected_id() != chosen, timeout=5000)
    clicked = window.feed.selected_id()
    lat, lon = _conn(db).execute("SELECT lat, lon FROM items WHERE id = ?", (clicked,)).fetchone()
    assert abs(lat - row[1]) < 0.0003 and abs(lon - row[2]) < 0.0003
    assert window.details.item()["id"] == clicked


def test_hostile_post_shows_literally_and_runs_nothing(qtbot, window, db):
    hostile_id = _conn(db).execute("SELECT id FROM items WHERE source_id = '666'").fetchone()[0]
    window.filters.search.setText("onerror")
    res = _wait_result(qtbot, window, lambda r: r.flt.text == "onerror")
    assert res.total == 1
    window.select_item(hostile_id)
    assert window.details.item()["text"] == HOSTILE
    assert window.details.text_edit.toPlainText() == HOSTILE
    assert '<b onmouseover="x()">evil</b>' in window.details.field_text("author")
    url = window.details.source_url()  # the post's own page, quoted; never its javascript: link
    assert url.startswith("https://x.com/%3Cb") and "javascript" not in url
    qtbot.wait(500)
    assert run_js(qtbot, window.map, "String(window.__pwned)") == "undefined"
    assert run_js(qtbot, window.map, "document.querySelectorAll('img[src=x], script:not([src])').length") <= 2
    # The unit's hostile callsign reached the page as text, not markup.
    labels = run_js(qtbot, window.map, "Array.from(document.querySelectorAll('.sitmap-unit-label')).map(e => e.textContent).join('|')")
    assert "<i>종로1</i>" in labels or "종로1" in labels
    assert run_js(qtbot, window.map, "document.querySelectorAll('.sitmap-unit-label i').length") == 0


def test_keyboard_and_presets(qtbot, window):
    _wait_result(qtbot, window)
    window.timeline.apply_preset("15m")
    res = _wait_result(qtbot, window, lambda r: r.flt.end_ms - r.flt.start_ms == 15 * 60_000)
    start = res.flt.start_ms
    window.timeline.step(-1)
    res = _wait_result(qtbot, window, lambda r: r.flt.start_ms == start - 15 * 60_000)
    window.focus_search()
    assert window.filters.search.hasFocus()


def test_picked_districts_are_named_by_province_zoomed_to_and_readable(qtbot, window, boundaries):
    """중구 is in six cities: picked from the file they read "서울특별시 중구", "부산광역시 중구"."""
    dlg = window.pick_districts(str(boundaries))
    prov_col = len(dlg.cols)
    rows = [dlg.tree.topLevelItem(i) for i in range(dlg.tree.topLevelItemCount())]
    junggu = {it.text(dlg.cols.index("code")): it.text(prov_col) for it in rows if it.text(0) == "중구"}
    assert junggu["11020"] == "서울특별시" and junggu["21010"] == "부산광역시" and len(set(junggu.values())) == len(junggu)
    dlg.select_codes(["11020", "21010"])
    dlg.accept()
    qtbot.waitUntil(lambda: len(window.session.active_areas()) == 2, timeout=5000)
    assert sorted(a.name for a in window.session.active_areas()) == ["부산광역시 중구", "서울특별시 중구"]
    # The map went to what was picked: both cities are in view.
    qtbot.waitUntil(lambda: window.view is not None and window.view.bounds[0] < 127.0 and window.view.bounds[2] > 129.0,
                    timeout=10000)
    # The list shows several rows and all four columns.
    tree = window.filters.area_tree
    assert tree.height() >= tree.fontMetrics().height() * 6
    hdr = tree.header()
    assert all(hdr.sectionViewportPosition(c) + hdr.sectionSize(c) <= tree.viewport().width() + 1 for c in range(4))


def test_details_say_when_the_item_has_left_the_window(qtbot, window):
    res = _wait_result(qtbot, window)
    chosen = window.feed_model.id_at(0)  # the newest item in the window
    window.session.select(chosen, "feed")
    assert window.details.item()["id"] == chosen and not window.details.is_marked_outside()
    start, end = window.timeline.window()
    window.timeline.set_window(start, start + 10 * 60_000)  # the newest item is now outside
    _wait_result(qtbot, window, lambda r: r.flt.end_ms == start + 10 * 60_000)
    assert window.details.item()["id"] == chosen  # still shown, and marked
    assert window.details.is_marked_outside()
    window.timeline.set_window(start, end)
    _wait_result(qtbot, window, lambda r: r.flt.end_ms == end)
    assert not window.details.is_marked_outside()


def test_place_box_accepts_its_own_suggestion(qtbot, window):
    """Typing "Busan", taking the first suggestion with the keyboard and Enter flies there;
    it used to say: No place named "서울 · KR"."""
    from PySide6.QtCore import Qt

    box = window.panels["map_tools"].place_search
    box.setFocus()
    qtbot.keyClicks(box, "Busan")
    popup = box.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=5000)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert " · " in box.text()  # the suggestion as shown, with its region
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert "No place" not in window.statusBar().currentMessage()
    # The map is over Busan (129.0 E, 35.1 N).
    qtbot.waitUntil(lambda: window.view is not None and window.view.bounds[0] < 129.03 < window.view.bounds[2]
                    and window.view.bounds[1] < 35.1 < window.view.bounds[3], timeout=10000)
