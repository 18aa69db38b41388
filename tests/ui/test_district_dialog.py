"""The Districts dialog offers the built-in KOSTAT 2018 districts with no file to find:
a tree 시도 > 시군구 > 읍면동, a search by Korean or English name across the levels, and
picked units become areas exactly as districts from a boundary file do."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from desktop.cache import Cache
from desktop.cache.query import count
from desktop.cache.writer import write_records
from desktop.core import kostat
from desktop.core.filters import Filter
from desktop.core.model import Item, Kind, Precision
from desktop.ui.district_dialog import BUILTIN, FILE, DistrictDialog

T0 = 1_794_632_400_000


def _rows(dlg) -> list[str]:
    return [dlg.tree.topLevelItem(i).text(0) for i in range(dlg.tree.topLevelItemCount())
            if not dlg.tree.topLevelItem(i).isHidden()]


def test_builtin_is_the_default_with_three_levels(qtbot):
    dlg = DistrictDialog(None)
    qtbot.addWidget(dlg)
    assert dlg.is_builtin() and dlg.source.currentIndex() == BUILTIN
    assert "KOSTAT 2018" in dlg.source.itemText(BUILTIN) and dlg.source.itemText(FILE) == "From a file…"
    assert dlg.tree.topLevelItemCount() == 17
    seoul = next(dlg.tree.topLevelItem(i) for i in range(17) if dlg.tree.topLevelItem(i).text(0) == "서울특별시")
    assert seoul.childCount() == 25
    jung = next(seoul.child(i) for i in range(25) if seoul.child(i).text(0) == "중구")
    assert "명동" in [jung.child(i).text(0) for i in range(jung.childCount())]
    assert sum(dlg.tree.topLevelItem(i).childCount() for i in range(17)) == 250


def test_search_across_levels_in_korean_and_english(qtbot):
    dlg = DistrictDialog(None)
    qtbot.addWidget(dlg)
    dlg.filter.setText("명동")
    assert _rows(dlg)[0] == "서울특별시 중구 명동"
    dlg.filter.setText("Myeong")
    assert _rows(dlg)[0] == "서울특별시 중구 명동"
    dlg.filter.setText("종로구")
    rows = _rows(dlg)
    assert rows[0] == "서울특별시 종로구" and dlg.tree.topLevelItem(0).text(3) == "district"
    dlg.filter.setText("중구")  # six cities: all shown, each with its city
    rows = _rows(dlg)
    assert {"서울특별시 중구", "부산광역시 중구", "대구광역시 중구", "인천광역시 중구", "대전광역시 중구",
            "울산광역시 중구"} <= set(rows[:6])
    dlg.filter.setText("")
    assert dlg.tree.topLevelItemCount() == 17


def test_pick_makes_areas_like_file_districts(qtbot):
    dlg = DistrictDialog(None)
    qtbot.addWidget(dlg)
    dlg.filter.setText("명동")
    dlg.select_codes(["1102055"])
    dlg.filter.setText("")
    dlg.select_codes(["11010", "1102055"])  # in the tree: 종로구 and 명동 inside 중구
    areas = dlg.chosen_areas()
    assert sorted(a.name for a in areas) == ["서울특별시 종로구", "서울특별시 중구 명동"]
    assert {a.properties["code"] for a in areas} == {"11010", "1102055"}
    assert all(not a.exclude for a in areas)
    myeong = next(a for a in areas if a.properties["code"] == "1102055")
    assert myeong.geometry.equals(kostat.resolve("1102055")["geometry"])
    dlg.exclude.setChecked(True)
    assert all(a.exclude for a in dlg.chosen_areas())


def test_a_file_is_still_a_choice_and_back(qtbot, tmp_path):
    f = tmp_path / "zones.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "<b>A구역</b>", "code": "Z1"}, "geometry": {"type": "Polygon",
         "coordinates": [[[126.97, 37.56], [126.99, 37.56], [126.99, 37.58], [126.97, 37.58], [126.97, 37.56]]]}}]}),
        encoding="utf-8")
    dlg = DistrictDialog(None)
    qtbot.addWidget(dlg)
    got = []
    dlg.fileLoaded.connect(got.append)
    dlg.load_file(f)
    assert not dlg.is_builtin() and dlg.source.currentIndex() == FILE and len(got) == 1
    assert _rows(dlg) == ["<b>A구역</b>"] and "zones.geojson" in dlg.source.itemText(FILE)
    dlg.select_codes(["Z1"])
    assert [a.name for a in dlg.chosen_areas()] == ["서울특별시 <b>A구역</b>"]
    dlg.show_builtin()
    assert dlg.is_builtin() and dlg.tree.topLevelItemCount() == 17


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "incident.db"
    items = []
    for n, (lat, lon) in enumerate([(37.5636, 126.9850)] * 30 + [(37.5759, 126.9769)] * 20 + [(35.10, 129.03)] * 5):
        items.append(Item(kind=Kind.POST, source="x", source_id=str(n), t_ms=T0 + n * 60_000, lat=lat, lon=lon,
                          precision=Precision.EXACT, text=f"현장 {n}"))
    c = Cache.open(path)
    write_records(c, items, path="fixture", fmt="test")
    c.close()
    return path


@pytest.mark.webengine
def test_the_window_picks_jongno_and_myeongdong_with_no_file(qtbot, db, js_errors):
    from desktop.ui.main_window import MainWindow

    win = MainWindow(db, restore=False)
    win.resize(1400, 900)
    win.show()
    qtbot.addWidget(win)
    try:
        qtbot.waitUntil(lambda: win.bridge.is_ready and win.last_result is not None, timeout=60000)
        dlg = win.pick_districts()  # Map → Districts…: no file dialog first
        assert dlg is not None and dlg.is_builtin()
        dlg.filter.setText("종로구")
        dlg.tree.topLevelItem(0).setSelected(True)
        areas_1 = dlg.chosen_areas()
        dlg.filter.setText("Myeong")
        dlg.tree.topLevelItem(0).setSelected(True)
        dlg.accept()
        qtbot.waitUntil(lambda: len(win.session.active_areas()) == 1, timeout=5000)
        assert [a.name for a in win.session.active_areas()] == ["서울특별시 중구 명동"]
        assert [a.name for a in areas_1] == ["서울특별시 종로구"]
        win.session.add_area(areas_1[0])
        qtbot.waitUntil(lambda: win.last_result is not None and len(win.last_result.flt.areas) == 2, timeout=20000)
        res = win.last_result
        want = count(Cache.open_readonly(db).conn, Filter(areas=tuple(win.session.active_areas())))
        assert res.total == want == 50
        assert res.area_counts["서울특별시 중구 명동"] == 30 and res.area_counts["서울특별시 종로구"] == 20
        # Basemap → Show district outlines: off on the page, remembered for the next start
        from desktop.ui.basemap_menu import DISTRICTS_KEY, BasemapControl
        from desktop.ui.settings import store
        from tests.ui.conftest import run_js

        control = win.panels["map_tools"].basemap
        control._fill_menu()
        action = next(a for a in control.menu.actions() if a.objectName() == "showDistrictOutlines")
        assert action.isChecked()
        qtbot.waitUntil(lambda: run_js(qtbot, win.map, "sitmap.state.basemap.districts.show") is True, timeout=5000)
        action.setChecked(False)
        qtbot.waitUntil(lambda: run_js(qtbot, win.map, "sitmap.state.basemap.districts.show") is False, timeout=5000)
        assert store().value(DISTRICTS_KEY) == "false"
        assert BasemapControl(win, win.panels["map_tools"].ctx.tiles).districts_shown is False
    finally:
        win.close()
