"""The page draws inferred posts apart from exact and place ones, with their uncertainty
circle, from the index's real payload (queried through the page's state hooks)."""

from __future__ import annotations

import json

from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.core.filters import Filter
from desktop.core.model import Item, Kind, Precision
from desktop.engine.index import ItemIndex
from desktop.engine.mapdata import MapData, Request, View
from tests.ui.conftest import run_js

T0 = 1_794_632_400_000


def _cache(path):
    c = Cache.open(path)
    items = [
        Item(kind=Kind.POST, source="x", source_id="e", t_ms=T0, lat=37.5663, lon=126.9700, precision=Precision.EXACT,
             text="정확"),
        Item(kind=Kind.POST, source="x", source_id="p", t_ms=T0 + 1, lat=37.5663, lon=126.9760,
             precision=Precision.PLACE, radius_m=300, place_name="서울특별시 중구", text="장소"),
        Item(kind=Kind.POST, source="x", source_id="i", t_ms=T0 + 2, lat=37.5663, lon=126.9820,
             precision=Precision.INFERRED, radius_m=250, text="광화문 앞"),
    ]
    write_records(c, items, path="t", fmt="test")
    iid = c.conn.execute("SELECT id FROM items WHERE source_id = 'i'").fetchone()[0]
    with c.conn:
        c.conn.execute("INSERT INTO geo_inferences (item_id, confidence, radius_m, evidence, t_ms) VALUES (?, 0.8, 250, ?, ?)",
                       (iid, json.dumps({"matched": ["광화문"], "method": "landmark"}), T0))
    return c


def _pixel(qtbot, view, lat, lon):
    pt = json.loads(run_js(qtbot, view, "JSON.stringify(sitmap.map.latLngToContainerPoint([%r, %r]))" % (lat, lon)))
    c = view.grab().toImage().pixelColor(round(pt["x"]), round(pt["y"]) - 5)  # the marker's outline, above its centre
    return c.red(), c.green(), c.blue()


def test_inferred_posts_are_drawn_dashed_with_their_circle(qtbot, map_view, tmp_path):
    c = _cache(tmp_path / "c.db")
    idx = ItemIndex.load(c.conn)
    got = []
    map_view.bridge.rendered.connect(got.append)
    map_view.bridge.send({"type": "view", "center": [37.5663, 126.976], "zoom": 16})
    qtbot.wait(300)
    res = MapData(idx, c.conn).compute(Request(7, Filter(), View((126.95, 37.55, 127.0, 37.58), 16)))
    assert res.page["mode"] == "points" and "conf" in res.page
    map_view.bridge.send(res.page)
    qtbot.waitUntil(lambda: any(r["gen"] == 7 for r in got), timeout=10000)
    drawn = json.loads(run_js(qtbot, map_view, "JSON.stringify(sitmap.state.uncertain)"))
    assert drawn == {"inferred": 1, "place": 1, "circles": 2}
    qtbot.wait(200)
    r, g, b = _pixel(qtbot, map_view, 37.5663, 126.9820)
    assert r > 80 and b > 180 and g < 120, (r, g, b)  # violet outline: inferred
    r, g, b = _pixel(qtbot, map_view, 37.5663, 126.9760)
    assert b > 180 and r < 90, (r, g, b)  # blue outline: a place from the source
    # Only sure guesses: the inferred post (0.8) stays at 0.7, the place (0.5) goes.
    res = MapData(idx, c.conn).compute(Request(8, Filter(min_confidence=0.7), View((126.95, 37.55, 127.0, 37.58), 16)))
    map_view.bridge.send(res.page)
    qtbot.waitUntil(lambda: any(r["gen"] == 8 for r in got), timeout=10000)
    drawn = json.loads(run_js(qtbot, map_view, "JSON.stringify(sitmap.state.uncertain)"))
    assert drawn == {"inferred": 1, "place": 0, "circles": 1}
    c.close()
