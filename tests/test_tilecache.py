"""Online tiles with a disk cache, against a tile server started on 127.0.0.1 in the test.

Nothing here reaches the internet: the only server is the one below, and the OSM
defaults are checked as values, never fetched.
"""

from __future__ import annotations

import os
import re
import time

import pytest

from desktop.basemap.tilecache import USER_AGENT, OnlineTiles, cache_dir_for, check_bulk_allowed, osm_standard
from desktop.basemap.tilepack import build_mbtiles, count_tiles, lonlat_to_tile
from desktop.basemap.tiles import MBTilesSource
from tests.tilehelpers import TileServer, colour_for, png_colour


@pytest.fixture
def server():
    s = TileServer()
    yield s
    s.stop()


def test_second_get_comes_from_disk(server, tmp_path):
    tiles = OnlineTiles(server.url, tmp_path / "cache", timeout=5)
    data, mime = tiles.get(5, 27, 12)
    assert mime == "image/png" and png_colour(data) == colour_for(5, 27, 12)
    assert len(server.requests) == 1
    again, _ = tiles.get(5, 27, 12)
    assert again == data and len(server.requests) == 1
    assert tiles.stats["hits"] == 1 and tiles.stats["fetched"] == 1


def test_requests_name_sitmap(server, tmp_path):
    OnlineTiles(server.url, tmp_path / "cache", timeout=5).get(3, 6, 3)
    assert server.agents == [USER_AGENT]
    assert re.fullmatch(r"Sitmap/\S+ \(\+situation map; offline-first\)", USER_AGENT)


def test_cached_tiles_survive_the_server_going_away(server, tmp_path):
    tiles = OnlineTiles(server.url, tmp_path / "cache", timeout=2)
    first = tiles.get(6, 54, 24)[0]
    server.stop()
    assert tiles.get(6, 54, 24)[0] == first
    assert tiles.get(6, 55, 24) is None  # never fetched: nothing to show
    assert tiles.stats["failed"] == 1


def test_stale_tiles_are_refetched_and_kept_when_offline(server, tmp_path):
    tiles = OnlineTiles(server.url, tmp_path / "cache", timeout=2, max_age=3600)
    tiles.get(4, 13, 6)
    cached = tiles._path(4, 13, 6)
    old = time.time() - 7200
    os.utime(cached, (old, old))
    tiles.get(4, 13, 6)
    assert len(server.requests) == 2  # older than max-age: asked again
    assert cached.stat().st_mtime > old + 3000
    os.utime(cached, (old, old))
    server.stop()
    assert tiles.get(4, 13, 6) is not None  # stale, but better than a hole
    assert tiles.stats["stale"] == 1


def test_missing_tiles_and_non_images_are_not_cached(server, tmp_path):
    tiles = OnlineTiles(server.url, tmp_path / "cache", timeout=5, maxzoom=12)
    assert tiles.get(9, 0, 0) is None  # the server answers 404
    assert tiles.get(13, 0, 0) is None  # beyond maxzoom: not even asked
    assert len(server.requests) == 1
    assert not list((tmp_path / "cache").rglob("*.tile"))


def test_pack_built_from_a_local_tile_server(server, tmp_path):
    out = tmp_path / "local.mbtiles"
    bbox = (126.8, 37.4, 127.2, 37.7)
    res = build_mbtiles(server.url, bbox, range(6, 9), out)
    assert res.tiles == count_tiles(bbox, range(6, 9)) == len(server.requests)
    pack = MBTilesSource(out)
    assert pack.meta.minzoom == 6 and pack.meta.maxzoom == 8
    x, y = lonlat_to_tile(127.0, 37.55, 8)
    assert png_colour(pack.get(8, x, y)[0]) == colour_for(8, x, y)


def test_osm_is_an_option_with_its_credit_and_refused_for_packs():
    osm = osm_standard()
    assert osm["url"].startswith("https://tile.openstreetmap.org/")
    assert osm["attribution"] == "© OpenStreetMap contributors" and osm["maxzoom"] == 19
    with pytest.raises(ValueError, match="usage policy"):
        check_bulk_allowed(osm["url"])
    check_bulk_allowed("http://127.0.0.1:8080/{z}/{x}/{y}.png")  # your own server is fine


def test_templates_are_checked_and_caches_kept_apart(tmp_path):
    for bad in ("ftp://x/{z}/{x}/{y}", "https://x/tiles", "/{z}/{x}/{y}.png"):
        with pytest.raises(ValueError):
            OnlineTiles(bad, tmp_path)
    a = cache_dir_for("https://a.example/osm/{z}/{x}/{y}.png", tmp_path)
    b = cache_dir_for("https://a.example/sat/{z}/{x}/{y}.jpg", tmp_path)
    assert a != b and a.parent == tmp_path
