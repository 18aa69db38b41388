"""The built-in districts as the default offline context layer on the real page: 시도 at
low zoom, 시군구 from city zoom, 읍면동 from street zoom, names drawn on a canvas (never
as markup), only the units in view, the credit in the attribution, no redraw on data."""

from __future__ import annotations

import json

import pytest

from tests.ui.conftest import run_js

pytestmark = pytest.mark.webengine

SEOUL = [37.5663, 126.9779]


def _ds(qtbot, view) -> dict:
    return json.loads(run_js(qtbot, view, "JSON.stringify(sitmap.state.basemap.districts)"))


def _at(qtbot, view, center, zoom, level) -> dict:
    view.bridge.send({"type": "view", "center": center, "zoom": zoom})
    qtbot.waitUntil(lambda: _ds(qtbot, view)["level"] == level and _ds(qtbot, view)["labelCount"] > 0, timeout=20000)
    return _ds(qtbot, view)


def test_levels_by_zoom_with_names_of_the_units_in_view(qtbot, map_view):
    st = _at(qtbot, map_view, [36.3, 127.8], 7, "sido")
    assert st["show"] and st["loaded"]["sido"] == 17 and st["outlines"] >= 10
    assert {"경기도", "강원도", "경상북도"} <= set(st["labels"])
    assert "서울특별시" not in st["labels"]  # at z7 Seoul is smaller on screen than its name
    assert "서울특별시" in _at(qtbot, map_view, SEOUL, 9, "sido")["labels"]
    # city zoom: 시군구 of central Seoul, outlines of the 시도 still there
    st = _at(qtbot, map_view, SEOUL, 11, "sigungu")
    assert {"종로구", "중구", "용산구"} <= set(st["labels"])
    assert "해운대구" not in st["labels"]  # Busan is not in view
    assert st["outlines"] < 120  # the units in view, not the 250 of the country
    # street zoom: 읍면동
    st = _at(qtbot, map_view, [37.5636, 126.9850], 14, "emd")
    assert "명동" in st["labels"] and st["loaded"]["emd"] == 3504
    assert {"중구", "종로구"} <= set(st["parentLabels"])  # each 동 read inside its 구, named where it is seen
    assert st["labelCount"] < 80 and len(set(st["labels"])) == len(st["labels"])
    # the canvas draws them: it is in its own pane under the posts, and names never went into the DOM
    assert run_js(qtbot, map_view, "document.querySelectorAll('.sitmap-districts-canvas').length") == 1
    assert run_js(qtbot, map_view, "document.body.innerText.indexOf('명동') < 0") is True
    assert int(run_js(qtbot, map_view, "+sitmap.map.getPane('sitmapDistricts').style.zIndex")) < \
        int(run_js(qtbot, map_view, "+sitmap.map.getPane('sitmapItems').style.zIndex"))
    # nothing left the app: the districts came as data from the app scheme
    assert "/basemap/districts/emd.json" in map_view.scheme_handler.served
    assert map_view.guard.blocked == [] and map_view.guard.external == []


def test_credit_in_the_attribution_and_the_toggle(qtbot, map_view):
    _at(qtbot, map_view, SEOUL, 11, "sigungu")
    attribution = run_js(qtbot, map_view, "document.querySelector('.leaflet-control-attribution').textContent")
    assert "통계청" in attribution and "KOGL" in attribution
    map_view.bridge.send({"type": "builtinDistricts", "show": False})
    qtbot.waitUntil(lambda: not _ds(qtbot, map_view)["show"], timeout=5000)
    st = _ds(qtbot, map_view)
    assert st["labels"] == [] and st["outlines"] == 0
    assert run_js(qtbot, map_view, "document.querySelectorAll('.sitmap-districts-canvas').length") == 0
    assert "통계청" not in run_js(qtbot, map_view, "document.querySelector('.leaflet-control-attribution').textContent")
    map_view.bridge.send({"type": "builtinDistricts", "show": True})
    qtbot.waitUntil(lambda: _ds(qtbot, map_view)["labelCount"] > 0, timeout=5000)
    assert "종로구" in _ds(qtbot, map_view)["labels"]


def test_data_messages_do_not_redraw_the_layer(qtbot, map_view):
    _at(qtbot, map_view, SEOUL, 12, "sigungu")
    qtbot.wait(800)  # the font and the levels have arrived and been drawn with
    before = _ds(qtbot, map_view)["redraws"]
    for k in range(5):  # what a slider step sends: items and areas, no view change
        map_view.bridge.send({"type": "items", "mode": "points", "gen": k + 1, "total": 0, "points": 0})
        map_view.bridge.send({"type": "areas", "areas": []})
    qtbot.wait(300)
    assert _ds(qtbot, map_view)["redraws"] == before
    map_view.bridge.send({"type": "view", "center": [37.57, 126.99], "zoom": 12})
    qtbot.waitUntil(lambda: _ds(qtbot, map_view)["redraws"] > before, timeout=5000)


def test_over_a_tile_pack_the_outlines_step_back(qtbot, map_view):
    _at(qtbot, map_view, SEOUL, 11, "sigungu")
    assert _ds(qtbot, map_view)["thin"] is False
    before = _ds(qtbot, map_view)["redraws"]
    run_js(qtbot, map_view, "sitmap.basemap.setTileLayers([{id: 'p', name: 'Pack', url: '/tiles/p/{z}/{x}/{y}', "
                            "maxNativeZoom: 8, attribution: 'x'}]); 1")
    qtbot.waitUntil(lambda: _ds(qtbot, map_view)["thin"] is True, timeout=5000)
    st = _ds(qtbot, map_view)
    assert st["redraws"] > before and "종로구" in st["labels"]  # still drawn, only lighter
    run_js(qtbot, map_view, "sitmap.basemap.setTileLayers([]); 1")
    qtbot.waitUntil(lambda: _ds(qtbot, map_view)["thin"] is False, timeout=5000)
