"""The basemap on the real page: the outline with no network, tile packs through the
app scheme, district context labels, and nothing requested outside the app."""

from __future__ import annotations

import json

import pytest

from desktop.basemap.tilepack import lonlat_to_tile
from desktop.basemap.tiles import MBTilesSource, TileRegistry
from tests.tilehelpers import colour_for, make_mbtiles, png
from tests.ui.conftest import run_js

pytestmark = pytest.mark.webengine

RED = (220, 30, 30)


def _state(qtbot, view) -> dict:
    return json.loads(run_js(qtbot, view, "JSON.stringify(sitmap.state.basemap)"))


def _pixel(view, x: int = 450, y: int = 350) -> tuple[int, int, int]:
    c = view.grab().toImage().pixelColor(x, y)
    return (c.red(), c.green(), c.blue())


@pytest.fixture
def pack(tmp_path):
    """z6-8 tiles over Seoul, all solid red, so the drawn map can be checked by colour."""
    tiles = {}
    for z in (6, 7, 8):
        x0, y0 = lonlat_to_tile(126.0, 38.2, z)
        x1, y1 = lonlat_to_tile(128.0, 36.8, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                tiles[(z, x, y)] = png(RED, size=256)
    return make_mbtiles(tmp_path / "seoul.mbtiles", tiles, {"name": "Seoul test pack", "bounds": "126,36.8,128,38.2"})


@pytest.fixture
def tiled_view(qtbot, js_errors, pack):
    from desktop.ui.map_view import MapView

    reg = TileRegistry()
    reg.add(MBTilesSource(pack), slug="seoul")
    view = MapView(tiles=reg)
    view.resize(900, 700)
    view.show()
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.bridge.is_ready, timeout=30000)
    yield view
    view.shutdown()
    reg.close()


def test_offline_outline_draws_and_nothing_leaves_the_app(qtbot, map_view):
    qtbot.waitUntil(lambda: _state(qtbot, map_view)["outline"] == "drawn", timeout=15000)
    st = _state(qtbot, map_view)
    assert st["outlineFeatures"] == 3 and st["layers"] == []
    assert st["showing"] == "offline outline"
    assert run_js(qtbot, map_view, "document.querySelector('.sitmap-basemap-status').textContent") \
        == "Basemap: offline outline"
    # No online layer configured: every request went to the app scheme and nowhere else.
    assert map_view.guard.blocked == [] and map_view.guard.external == []
    served = map_view.scheme_handler.served
    assert "/basemap/land.json" in served and "/web/basemap.js" in served and "/tiles/layers.json" in served
    assert all(p.startswith(("/index.html", "/qwebchannel.js", "/vendor/", "/web/", "/fonts/", "/basemap/", "/tiles/"))
               for p in served), served
    assert not map_view.scheme_handler.served_tiles
    # The outline's land is painted: Seoul is on land, so its pixel is the land colour, not the sea.
    map_view.bridge.send({"type": "view", "center": [37.5663, 126.9779], "zoom": 9})
    qtbot.waitUntil(lambda: _pixel(map_view) == (0xF3, 0xF1, 0xEA), timeout=5000)


def test_pack_tiles_come_through_the_app_scheme_and_draw(qtbot, tiled_view):
    view = tiled_view
    view.bridge.send({"type": "view", "center": [37.5663, 126.9779], "zoom": 10})
    qtbot.waitUntil(lambda: _state(qtbot, view)["tilesLoaded"] >= 4, timeout=15000)
    st = _state(qtbot, view)
    assert st["layers"] == [{"id": "seoul", "name": "Seoul test pack", "online": False, "vector": False}]
    assert st["showing"] == "Seoul test pack"
    # Zoom 10 is beyond the pack's z8: the page asked for z8 tiles and stretched them.
    tiles = list(view.scheme_handler.served_tiles)
    assert tiles and all(t.startswith("/tiles/seoul/8/") for t in tiles)
    assert view.guard.blocked == [] and view.guard.external == []
    qtbot.waitUntil(lambda: _pixel(view) == RED, timeout=5000)


def test_missing_tiles_are_counted_and_shown(qtbot, tiled_view):
    view = tiled_view
    # Near the pack's edge at z8: part of the view lies inside its bounds but has no tiles.
    run_js(qtbot, view, "sitmap.basemap.setTileLayers([{id: 'seoul', name: 'Seoul test pack', "
                        "url: '/tiles/seoul/{z}/{x}/{y}', maxNativeZoom: 8, minZoom: 6, attribution: 'x'}]); 1")
    view.bridge.send({"type": "view", "center": [36.0, 126.0], "zoom": 8})
    qtbot.waitUntil(lambda: _state(qtbot, view)["tilesMissing"] > 0, timeout=15000)
    text = run_js(qtbot, view, "document.querySelector('.sitmap-basemap-status').textContent")
    assert "tiles missing" in text
    assert view.scheme_handler.missing_tiles > 0


def test_layer_urls_outside_the_app_are_refused(qtbot, map_view):
    run_js(qtbot, map_view, "sitmap.basemap.setTileLayers([{id: 'x', name: 'x', "
                            "url: 'https://tile.example.org/{z}/{x}/{y}.png'}]); 1")
    map_view.bridge.send({"type": "view", "center": [37.5663, 126.9779], "zoom": 12})
    qtbot.wait(500)
    assert _state(qtbot, map_view)["layers"] == []
    assert map_view.guard.blocked == [] and map_view.guard.external == []


def test_district_context_outlines_and_labels(qtbot, map_view):
    # Names are set with textContent: markup in a name stays text.
    run_js(qtbot, map_view, """sitmap.basemap.setContext({type: 'FeatureCollection', features: [
      {type: 'Feature', properties: {name: '종로구'}, geometry: {type: 'Polygon', coordinates:
        [[[126.95, 37.57], [127.02, 37.57], [127.02, 37.60], [126.95, 37.60], [126.95, 37.57]]]}},
      {type: 'Feature', properties: {name: '<b>중구</b>'}, geometry: {type: 'Polygon', coordinates:
        [[[126.97, 37.55], [127.02, 37.55], [127.02, 37.57], [126.97, 37.57], [126.97, 37.55]]]}}]}); 1""")
    map_view.bridge.send({"type": "view", "center": [37.57, 126.99], "zoom": 10})
    # Below zoom 11: outlines only.
    qtbot.waitUntil(lambda: _state(qtbot, map_view)["contextLabels"] == 0, timeout=5000)
    assert _state(qtbot, map_view)["context"] == 2
    map_view.bridge.send({"type": "view", "center": [37.57, 126.99], "zoom": 13})
    qtbot.waitUntil(lambda: _state(qtbot, map_view)["contextLabels"] == 2, timeout=5000)
    names = json.loads(run_js(qtbot, map_view, "JSON.stringify(Array.from("
                                                "document.querySelectorAll('.sitmap-context-label')).map(e => e.textContent))"))
    assert names == ["종로구", "<b>중구</b>"]
    assert run_js(qtbot, map_view, "document.querySelectorAll('.sitmap-context-label b').length") == 0


def test_online_layer_is_fetched_by_sitmap_not_the_page(qtbot, js_errors, tmp_path):
    """An online layer goes through the app scheme: Python fetches (and caches) the tiles,
    so the page itself still never reaches past sitmap://app."""
    from desktop.basemap.tilecache import OnlineTiles
    from desktop.ui.map_view import MapView
    from tests.tilehelpers import TileServer

    server = TileServer()
    reg = TileRegistry()
    reg.add(OnlineTiles(server.url, tmp_path / "cache", name="Local test server", maxzoom=8, timeout=5), slug="online")
    view = MapView(tiles=reg)
    view.resize(700, 500)
    view.show()
    qtbot.addWidget(view)
    try:
        qtbot.waitUntil(lambda: view.bridge.is_ready, timeout=30000)
        view.bridge.send({"type": "view", "center": [37.5663, 126.9779], "zoom": 8})
        qtbot.waitUntil(lambda: _state(qtbot, view)["tilesLoaded"] >= 4, timeout=15000)
        st = _state(qtbot, view)
        assert st["showing"] == "Local test server (online)"
        assert len(server.requests) >= 4 and all(r.startswith("/8/") for r in server.requests)
        assert list((tmp_path / "cache" / "8").rglob("*.tile"))
        assert view.guard.blocked == [] and view.guard.external == []
    finally:
        view.shutdown()
        server.stop()
        reg.close()


def test_context_from_a_boundary_file_is_served_as_data(qtbot, map_view, boundaries):
    from desktop.basemap.places import boundary_context

    map_view.store.context = boundary_context(boundaries)
    run_js(qtbot, map_view, "sitmap.basemap.reload(); 1")
    qtbot.waitUntil(lambda: _state(qtbot, map_view)["context"] == 251, timeout=10000)
    assert "/basemap/context.json" in map_view.scheme_handler.served
    map_view.bridge.send({"type": "view", "center": [37.5735, 126.9790], "zoom": 13})
    qtbot.waitUntil(lambda: _state(qtbot, map_view)["contextLabels"] == 251, timeout=5000)
    names = run_js(qtbot, map_view, "Array.from(document.querySelectorAll('.sitmap-context-label'))"
                                    ".map(e => e.textContent).join(',')")
    assert "종로구" in names.split(",")


def _count_near(img, rgb, tol=14, step=2) -> int:
    n = 0
    for x in range(0, img.width(), step):
        for y in range(0, img.height(), step):
            c = img.pixelColor(x, y)
            if abs(c.red() - rgb[0]) <= tol and abs(c.green() - rgb[1]) <= tol and abs(c.blue() - rgb[2]) <= tol:
                n += 1
    return n


@pytest.mark.parametrize("schema", ["openmaptiles", "protomaps"])
def test_vector_pack_draws_streets_offline(qtbot, js_errors, tmp_path, schema):
    """A vector MBTiles pack (gzip-compressed Mapbox Vector Tiles, as OpenMapTiles and
    Protomaps builds ship them) is drawn in the page: the primary road in its pale yellow,
    the pond in water blue, with nothing fetched outside the app."""
    from desktop.ui.map_view import MapView
    from tests.tilehelpers import make_vector_mbtiles

    reg = TileRegistry()
    src = MBTilesSource(make_vector_mbtiles(tmp_path / "streets.mbtiles", schema=schema))
    assert src.meta.vector and src.meta.format == "mvt"
    reg.add(src, slug="streets")
    view = MapView(tiles=reg)
    view.resize(900, 700)
    view.show()
    qtbot.addWidget(view)
    try:
        qtbot.waitUntil(lambda: view.bridge.is_ready, timeout=30000)
        view.bridge.send({"type": "view", "center": [37.5665, 126.9772], "zoom": 16})
        qtbot.waitUntil(lambda: _state(qtbot, view)["tilesLoaded"] >= 2, timeout=15000)
        st = _state(qtbot, view)
        assert st["layers"] == [{"id": "streets", "name": "Seoul streets (test)", "online": False, "vector": True}]
        # z16 is past the pack's z15: the renderer asked for z15 data and drew it larger.
        tiles = list(view.scheme_handler.served_tiles)
        assert tiles and all(t.startswith("/tiles/streets/15/") for t in tiles)
        qtbot.wait(800)  # the renderer paints its canvases after the tiles arrive
        img = view.grab().toImage()
        road = _count_near(img, (0xF6, 0xD5, 0x8C))
        water = _count_near(img, (0xB7, 0xD0, 0xE1))
        assert road > 150, f"primary road pixels: {road}"
        assert water > 100, f"water pixels: {water}"
        assert view.guard.blocked == [] and view.guard.external == []
    finally:
        view.shutdown()
        reg.close()


def test_a_campaign_colours_the_loaded_boundary_layer(qtbot, map_view, tmp_path):
    """The "choropleth" message with level "loaded" fills the loaded layer's features by
    their row, through the real bridge; the built-in districts' fill clears meanwhile."""
    from desktop.basemap.places import boundary_context
    from desktop.ui.bridge import choropleth_message

    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": f"관할 {k}"}, "geometry": {"type": "Polygon", "coordinates": [[
            [126.95 + k * 0.02, 37.55], [126.97 + k * 0.02, 37.55], [126.97 + k * 0.02, 37.57],
            [126.95 + k * 0.02, 37.57], [126.95 + k * 0.02, 37.55]]]}} for k in range(3)]}
    path = tmp_path / "precincts.geojson"
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    ctx = boundary_context(path)
    assert [f["properties"]["k"] for f in ctx["features"]] == ["0", "1", "2"]
    map_view.bridge.send({"type": "districts", "features": ctx})
    map_view.bridge.send({"type": "view", "center": [37.56, 126.98], "zoom": 13})
    qtbot.waitUntil(lambda: _state(qtbot, map_view)["context"] == 3, timeout=10000)
    map_view.bridge.send(choropleth_message("loaded", {"0": 5, "2": 1}))
    qtbot.waitUntil(lambda: _state(qtbot, map_view)["contextChoropleth"]["filled"] == 2, timeout=10000)
    assert _state(qtbot, map_view)["contextChoropleth"]["max"] == 5
    assert _state(qtbot, map_view)["districts"]["choropleth"]["max"] == 0
    # a code that is not a row is dropped on the page too
    map_view.bridge.send_text("choropleth", json.dumps({"type": "choropleth", "level": "loaded",
                                                         "codes": ["<b>", "1"], "counts": [3, 2]}))
    qtbot.waitUntil(lambda: _state(qtbot, map_view)["contextChoropleth"]["filled"] == 1, timeout=10000)
    map_view.bridge.send(choropleth_message("loaded", None))
    qtbot.waitUntil(lambda: _state(qtbot, map_view)["contextChoropleth"]["filled"] == 0, timeout=10000)
