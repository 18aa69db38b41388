"""Tile packs (MBTiles, PMTiles), the registry, the app routes and the pack builder."""

from __future__ import annotations

import json
import sqlite3

import pytest

from desktop.page.assets import AssetStore
from desktop.basemap.tilecache import BulkDownloadRefused
from desktop.basemap.tilepack import BuildCancelled, build_mbtiles, count_tiles, lonlat_to_tile, parse_bbox, parse_zooms
from desktop.basemap.tiles import MBTilesSource, PMTilesSource, TileError, TileRegistry, open_pack
from tests.tilehelpers import colour_for, make_mbtiles, make_pmtiles, png, png_colour

Z2 = {(2, x, y): png(colour_for(2, x, y)) for x in range(4) for y in range(4)}


@pytest.fixture
def pack(tmp_path):
    tiles = dict(Z2)
    tiles[(3, 6, 3)] = png(colour_for(3, 6, 3))
    return make_mbtiles(tmp_path / "t.mbtiles", tiles,
                        {"attribution": '<a href="https://example.org">© Example</a> &amp; friends'})


def test_mbtiles_rows_are_tms_and_come_back_as_xyz(pack):
    src = MBTilesSource(pack)
    # Stored at TMS row 3 (= 2**2 - 1 - 0), asked for as XYZ row 0.
    row = sqlite3.connect(pack).execute(
        "SELECT tile_data FROM tiles WHERE zoom_level=2 AND tile_column=1 AND tile_row=3").fetchone()[0]
    data, mime = src.get(2, 1, 0)
    assert data == row and mime == "image/png"
    assert png_colour(data) == colour_for(2, 1, 0)
    assert png_colour(src.get(2, 1, 3)[0]) == colour_for(2, 1, 3)
    assert png_colour(src.get(3, 6, 3)[0]) == colour_for(3, 6, 3)
    src.close()


def test_mbtiles_metadata_and_limits(pack):
    src = MBTilesSource(pack)
    m = src.meta
    assert (m.name, m.format, m.minzoom, m.maxzoom) == ("Test pack", "png", 2, 3)
    assert m.bounds == (126.0, 37.0, 128.0, 38.0)
    assert m.attribution == "© Example & friends"  # markup stripped: the page shows it as text
    assert src.get(4, 12, 6) is None  # beyond maxzoom: the page stretches z3 itself
    assert src.get(3, 0, 0) is None  # inside the range but not in the pack
    assert src.get(2, 4, 0) is None and src.get(2, -1, 0) is None
    assert src.count() == 17


def test_mbtiles_opens_read_only(pack):
    before = pack.read_bytes()
    src = MBTilesSource(pack)
    with pytest.raises(sqlite3.OperationalError):
        src._conn.execute("DELETE FROM tiles")
    src.close()
    assert pack.read_bytes() == before


def test_vector_packs_open_and_serve_plain_tiles_and_broken_ones_are_refused(tmp_path):
    import gzip

    import mapbox_vector_tile

    from tests.tilehelpers import make_vector_mbtiles

    src = MBTilesSource(make_vector_mbtiles(tmp_path / "v.mbtiles"))
    assert src.meta.format == "mvt" and src.meta.vector
    (z, x, y) = next((z, x, (1 << z) - 1 - r) for z, x, r in src._conn.execute(
        "SELECT zoom_level, tile_column, tile_row FROM tiles LIMIT 1"))
    data, mime = src.get(z, x, y)
    assert mime == "application/x-protobuf" and data[:2] != b"\x1f\x8b"  # served uncompressed
    assert set(mapbox_vector_tile.decode(data)) == {"transportation", "water", "place"}
    src.close()
    # A pack that does not say its format but holds gzip-compressed tiles is vector, as the spec's default.
    bare = make_mbtiles(tmp_path / "bare.mbtiles", {(0, 0, 0): gzip.compress(b"\x1a\x02xx")}, {"format": None})
    assert MBTilesSource(bare).meta.format == "mvt"
    mlt = make_mbtiles(tmp_path / "m.mbtiles", {(0, 0, 0): b"xx"}, {"format": "mlt"})
    with pytest.raises(TileError, match="MapLibre Tiles"):
        MBTilesSource(mlt)
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"not a database at all" * 10)
    with pytest.raises(TileError, match="neither an MBTiles nor a PMTiles"):
        open_pack(junk)
    with pytest.raises(TileError, match="no such tile pack"):
        MBTilesSource(tmp_path / "absent.mbtiles")


def test_pmtiles_raster(tmp_path):
    path = make_pmtiles(tmp_path / "t.pmtiles", Z2)
    src = PMTilesSource(path)
    assert (src.meta.name, src.meta.format, src.meta.minzoom, src.meta.maxzoom) == ("PM test", "png", 2, 2)
    assert src.meta.attribution == "Test & co"
    assert src.meta.bounds == (126.0, 37.0, 128.0, 38.0)
    for (z, x, y) in Z2:
        data, mime = src.get(z, x, y)
        assert mime == "image/png" and png_colour(data) == colour_for(z, x, y)
    assert src.get(3, 0, 0) is None
    src.close()


def test_pmtiles_vector_pack_opens(tmp_path):
    from tests.tilehelpers import vector_tile

    path = make_pmtiles(tmp_path / "v.pmtiles", {(14, 13969, 6344): vector_tile(14, 13969, 6344, "protomaps")},
                        tile_type="MVT")
    src = open_pack(path)
    assert src.meta.vector
    data, mime = src.get(14, 13969, 6344)
    assert mime == "application/x-protobuf" and data.startswith(b"\x1a")
    src.close()


def test_open_pack_goes_by_content_not_suffix(tmp_path):
    path = make_pmtiles(tmp_path / "mislabelled.mbtiles", Z2)
    assert isinstance(open_pack(path), PMTilesSource)


def test_registry_names_orders_and_serves(pack, tmp_path):
    reg = TileRegistry()
    a = reg.add(MBTilesSource(pack))
    b = reg.add(PMTilesSource(make_pmtiles(tmp_path / "p.pmtiles", Z2)), slug="Test pack")
    assert (a, b) == ("test-pack", "test-pack-2")
    assert reg.order == [a, b]
    reg.move(b, 0)
    assert reg.order == [b, a]
    layers = reg.layers()
    assert [layer["id"] for layer in layers] == [b, a]
    assert layers[1]["url"] == "/tiles/test-pack/{z}/{x}/{y}" and layers[1]["maxNativeZoom"] == 3
    assert png_colour(reg.tile("/tiles/test-pack/2/1/0")[0]) == colour_for(2, 1, 0)
    for bad in ("/tiles/nope/2/1/0", "/tiles/test-pack/2/9/0", "/tiles/../2/1/0", "/tiles/test-pack/2/1"):
        assert reg.tile(bad) is None
    reg.remove(a)
    assert reg.order == [b]
    reg.close()


def test_asset_store_routes_tiles_layer_list_and_outline(pack):
    reg = TileRegistry()
    reg.add(MBTilesSource(pack), slug="seoul")
    store = AssetStore("<html></html>", reg)
    data, mime = store.get("/tiles/seoul/2/1/0")
    assert mime == "image/png" and png_colour(data) == colour_for(2, 1, 0)
    assert store.get("/tiles/seoul/9/0/0") is None
    layers = json.loads(store.get("/tiles/layers.json")[0])
    assert layers[0]["id"] == "seoul"
    assert json.loads(AssetStore("<html></html>").get("/tiles/layers.json")[0]) == []
    fc = json.loads(store.get("/basemap/land.json")[0])
    assert {f["properties"]["layer"] for f in fc["features"]} == {"land", "coast", "border"}
    assert store.get("/basemap/../web/sitmap.js") is None


def test_outline_covers_korea_and_licence_ships():
    from shapely.geometry import Point, shape

    from desktop.core.paths import resources_dir

    fc = json.loads((resources_dir() / "basemap" / "land.json").read_text(encoding="utf-8"))
    land = shape(next(f for f in fc["features"] if f["properties"]["layer"] == "land")["geometry"])
    assert land.contains(Point(126.978, 37.566))  # Seoul City Hall
    assert land.contains(Point(126.53, 33.36))  # Jeju
    assert not land.contains(Point(129.5, 35.5))  # the sea off Ulsan
    assert "public domain" in (resources_dir() / "basemap" / "README.md").read_text(encoding="utf-8")


def test_tile_math_and_argument_parsing():
    assert lonlat_to_tile(126.9779, 37.5663, 10) == (873, 396)
    assert lonlat_to_tile(-180, 85.0511, 3) == (0, 0) and lonlat_to_tile(180, -85.0511, 3) == (7, 7)
    assert count_tiles((126.0, 37.0, 127.0, 38.0), [0, 1]) == 2
    assert parse_bbox("126.7,37.4,127.2,37.7") == (126.7, 37.4, 127.2, 37.7)
    assert list(parse_zooms("10-12")) == [10, 11, 12] and list(parse_zooms("7")) == [7]
    for bad in ("1,2,3", "127,37,126,38", "a,b,c,d"):
        with pytest.raises(ValueError):
            parse_bbox(bad)
    with pytest.raises(ValueError):
        parse_zooms("12-10")


def _pack_from_source(tmp_path):
    tiles = {}
    for z in (5, 6, 7):
        w, n = lonlat_to_tile(125.5, 38.5, z)
        e, s = lonlat_to_tile(130.0, 34.5, z)
        for x in range(w, e + 1):
            for y in range(n, s + 1):
                tiles[(z, x, y)] = png(colour_for(z, x, y))
    return make_mbtiles(tmp_path / "src.mbtiles", tiles, {"bounds": "125.5,34.5,130,38.5"})


def test_build_from_a_pack_writes_valid_mbtiles(tmp_path):
    src = _pack_from_source(tmp_path)
    out = tmp_path / "out" / "korea.mbtiles"
    calls = []
    res = build_mbtiles(str(src), (126.5, 35.0, 129.5, 38.0), range(5, 8), out, progress=lambda d, t: calls.append((d, t)))
    assert out.exists() and not list(out.parent.glob("*.part"))
    total = count_tiles((126.5, 35.0, 129.5, 38.0), range(5, 8))
    assert calls[-1] == (total, total) and res.tiles == total and res.missing == 0
    conn = sqlite3.connect(out)
    md = dict(conn.execute("SELECT name, value FROM metadata"))
    assert md["format"] == "png" and md["minzoom"] == "5" and md["maxzoom"] == "7" and md["name"] == "Test pack"
    assert [float(v) for v in md["bounds"].split(",")] == [126.5, 35.0, 129.5, 38.0]
    x, y = lonlat_to_tile(127.0, 37.5, 7)
    stored = conn.execute("SELECT tile_data FROM tiles WHERE zoom_level=7 AND tile_column=? AND tile_row=?",
                          (x, 127 - y)).fetchone()[0]  # TMS row
    assert png_colour(stored) == colour_for(7, x, y)
    conn.close()
    again = MBTilesSource(out)
    assert png_colour(again.get(7, x, y)[0]) == colour_for(7, x, y)


def test_cancelled_build_leaves_no_file(tmp_path):
    src = _pack_from_source(tmp_path)
    out = tmp_path / "cancel.mbtiles"
    seen = []

    def cancel_after_some() -> bool:
        seen.append(1)
        return len(seen) > 8  # mid-way: some zoom levels already written

    with pytest.raises(BuildCancelled):
        build_mbtiles(str(src), (125.5, 34.5, 130.0, 38.5), range(5, 8), out, should_cancel=cancel_after_some)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]  # no temp file either


def test_build_refuses_existing_target_and_huge_requests(tmp_path):
    src = _pack_from_source(tmp_path)
    out = tmp_path / "x.mbtiles"
    out.write_bytes(b"keep me")
    with pytest.raises(ValueError, match="already exists"):
        build_mbtiles(str(src), (126.0, 35.0, 129.0, 38.0), [5], out)
    assert out.read_bytes() == b"keep me"
    with pytest.raises(ValueError, match="more than the limit"):
        build_mbtiles(str(src), (120.0, 30.0, 135.0, 45.0), range(5, 15), tmp_path / "big.mbtiles")


@pytest.mark.parametrize("url", [
    "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
    "http://a.tile.osm.org/{z}/{x}/{y}.png",
])
def test_bulk_builds_from_openstreetmap_are_refused(tmp_path, url, monkeypatch):
    import urllib.request

    def no_network(*a, **k):
        raise AssertionError("the refusal must come before any request")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(BulkDownloadRefused, match="tile usage policy"):
        build_mbtiles(url, (126.9, 37.5, 127.0, 37.6), [12], tmp_path / "osm.mbtiles")
    assert not list(tmp_path.iterdir())


def test_cli_build_info_and_refusal(tmp_path, capsys):
    from desktop.cli.tiles import main

    src = _pack_from_source(tmp_path)
    out = tmp_path / "cli.mbtiles"
    assert main(["tiles", "build", "--from", str(src), "--bbox", "126.5,35,129.5,38", "--zooms", "5-6",
                 "--out", str(out), "--name", "Korea z5-6"]) == 0
    assert main(["tiles", "info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert info["name"] == "Korea z5-6" and info["minzoom"] == 5 and info["maxzoom"] == 6 and info["tiles"] > 0
    assert main(["tiles", "build", "--from", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                 "--bbox", "126.9,37.5,127,37.6", "--zooms", "12", "--out", str(tmp_path / "o.mbtiles")]) == 1
    assert "tile usage policy" in capsys.readouterr().err
    assert main(["tiles", "info", str(tmp_path / "nope.mbtiles")]) == 1
