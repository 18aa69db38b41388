"""The location confidence slider, the per-area counts that say exact/place/inferred and
"possibly in", and the details pane's account of how an item was placed, in the window."""

from __future__ import annotations

import json

import pytest

from desktop.cache import Cache
from desktop.cache.query import area_breakdown, count
from desktop.cache.writer import write_records
from desktop.core.filters import Filter
from desktop.core.geo import areas_from_file
from desktop.core.model import Item, Kind, Precision

pytestmark = pytest.mark.webengine

T0 = 1_794_632_400_000
CITY_HALL = (37.5665, 126.9780)


def _db(path):
    c = Cache.open(path)
    items = []
    for k in range(30):
        items.append(Item(kind=Kind.POST, source="x", source_id=f"e{k}", t_ms=T0 + k * 1000, lat=37.5740 + k * 1e-4,
                          lon=126.9768, precision=Precision.EXACT, text=f"현장 {k}"))
    for k in range(20):  # city-wide places on City Hall, inside the simplified 종로구 outline
        items.append(Item(kind=Kind.POST, source="x", source_id=f"s{k}", t_ms=T0 + k * 1000 + 500, lat=CITY_HALL[0],
                          lon=CITY_HALL[1], precision=Precision.PLACE, radius_m=14_000, place_name="서울특별시",
                          text=f"서울 {k}"))
    for k in range(10):
        items.append(Item(kind=Kind.POST, source="x", source_id=f"i{k}", t_ms=T0 + k * 1000 + 700, lat=37.5759,
                          lon=126.9769, precision=Precision.INFERRED, radius_m=250, text=f"광화문 앞 대치 {k}"))
    items.append(Item(kind=Kind.POST, source="x", source_id="prof", t_ms=T0 + 900, lat=37.5720, lon=126.9790,
                      precision=Precision.INFERRED, radius_m=3_000, text="여기 사람 많네요"))
    write_records(c, items, path="t", fmt="test")
    ids = dict(c.conn.execute("SELECT source_id, id FROM items").fetchall())
    with c.conn:
        for k in range(10):
            ev = {"matched": ["광화문"], "entry": {"id": 1, "name": "광화문광장", "kind": "landmark", "origin": "user"},
                  "method": "landmark", "profile": False}
            c.conn.execute("INSERT INTO geo_inferences (item_id, confidence, radius_m, evidence, t_ms) VALUES (?,?,?,?,?)",
                           (ids[f"i{k}"], 0.8 if k < 6 else 0.3, 250, json.dumps(ev, ensure_ascii=False), T0))
        ev = {"matched": ["종로구"], "entry": {"id": 2, "name": "종로구", "kind": "sigungu", "origin": "builtin"},
              "method": "admin", "profile": True}
        c.conn.execute("INSERT INTO geo_inferences (item_id, confidence, radius_m, evidence, t_ms) VALUES (?,?,?,?,?)",
                       (ids["prof"], 0.15, 3000, json.dumps(ev, ensure_ascii=False), T0))
    c.close()
    return path, ids


@pytest.fixture
def window(qtbot, tmp_path, js_errors):
    from desktop.ui.main_window import MainWindow

    db, ids = _db(tmp_path / "c.db")
    win = MainWindow(db, restore=False)
    win.resize(1400, 900)
    win.show()
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.bridge.is_ready and win.last_result is not None, timeout=60000)
    yield win, db, ids
    win.close()


def _wait(qtbot, win, pred, timeout=20000):
    qtbot.waitUntil(lambda: win.last_result is not None and win.last_result.gen == win.gen and pred(win.last_result),
                    timeout=timeout)
    return win.last_result


def test_slider_hides_weak_guesses_and_says_so(qtbot, window):
    win, db, _ids = window
    panel = win.filters
    conn = Cache.open_readonly(db).conn
    everything = _wait(qtbot, win, lambda r: True).total
    assert everything == 61
    panel.confidence.setValue(12)  # 0.60
    res = _wait(qtbot, win, lambda r: r.flt.min_confidence == 0.6)
    assert res.total == count(conn, Filter(min_confidence=0.6)) == 30 + 6  # exact and the sure guesses
    assert win.session.min_confidence == 0.6
    assert "0.60" in panel.confidence_label.text()
    assert "location confidence ≥ 0.60" in win.status.text()
    assert "location confidence ≥ 0.60" in res.flt.describe()
    panel.confidence.setValue(0)
    res = _wait(qtbot, win, lambda r: r.flt.min_confidence is None)
    assert res.total == everything
    # Remembered between runs, with the other panel settings.
    win.session.min_confidence = 0.35
    win.save_state()
    win.session.min_confidence = None
    win._restore()
    assert win.session.min_confidence == 0.35 and panel.confidence.value() == 7


def test_area_counts_leave_city_wide_places_possibly_in(qtbot, window, boundaries):
    win, db, _ids = window
    jongno = areas_from_file(boundaries, "code=11010")[0]
    win.session.add_area(jongno)
    res = _wait(qtbot, win, lambda r: jongno.name in r.area_detail)
    d = res.area_detail[jongno.name]
    conn = Cache.open_readonly(db).conn
    assert d == {k: v for k, v in area_breakdown(conn, Filter(), jongno).items() if k in d}
    assert d["place"] == 0 and d["possibly_in"] == 20 and d["exact"] == 30 and d["inferred"] == 11
    text, tip = win.filters.area_count_text(jongno.name)
    assert text.startswith("41 ") and "+20" in text
    assert "exact 30, place 0, inferred 11" in tip and "possibly in: 20" in tip


def test_details_say_how_an_item_was_placed(qtbot, window):
    win, _db_path, ids = window
    details = win.panels["feed"].details
    win.session.select(ids["i0"], "map")
    qtbot.waitUntil(lambda: details.item() is not None and details.item()["id"] == ids["i0"], timeout=5000)
    text = details.field_text("placed")
    assert text.startswith("placed from '광화문' in the text, ±250 m, confidence 0.8")
    assert "gazetteer entry: 광화문광장 (landmark, the agency's own)" in text
    win.session.select(ids["prof"], "map")
    qtbot.waitUntil(lambda: details.item()["id"] == ids["prof"], timeout=5000)
    assert "(weak: the author's profile location)" in details.field_text("placed")
    assert "confidence 0.15" in details.field_text("placed")
    win.session.select(ids["s0"], "map")
    qtbot.waitUntil(lambda: details.item()["id"] == ids["s0"], timeout=5000)
    assert details.field_text("placed") == "place from the source: 서울특별시, ±14.0 km"
    win.session.select(ids["e0"], "map")
    qtbot.waitUntil(lambda: details.item()["id"] == ids["e0"], timeout=5000)
    assert details.field_text("placed") is None


def test_the_map_labels_possibly_in_apart(qtbot, window, boundaries):
    from tests.ui.conftest import run_js

    win, _db_path, _ids = window
    jongno = areas_from_file(boundaries, "code=11010")[0]
    win.session.add_area(jongno)
    _wait(qtbot, win, lambda r: r.area_detail.get(jongno.name, {}).get("possibly_in") == 20)
    qtbot.waitUntil(lambda: run_js(qtbot, win.map, "(document.querySelector('.sitmap-area-possibly') || {}).textContent "
                                                   "|| ''") == " (+20?)", timeout=10000)
    label = run_js(qtbot, win.map, "document.querySelector('.sitmap-area-label').textContent")
    assert label.endswith(" 41 (+20?)")
