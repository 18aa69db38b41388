"""Tile fixtures made in the test: tiny PNGs and MBTiles/PMTiles packs (no Pillow needed)."""

from __future__ import annotations

import re
import sqlite3
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def png(rgb: tuple[int, int, int], size: int = 8) -> bytes:
    """A solid-colour RGB PNG; the colour tells which tile came back."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * size
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * size)) + chunk(b"IEND", b""))


def png_colour(data: bytes) -> tuple[int, int, int]:
    """The colour of a PNG made by png()."""
    i = data.index(b"IDAT")
    raw = zlib.decompress(data[i + 4: i + 4 + struct.unpack(">I", data[i - 4:i])[0]])
    return tuple(raw[1:4])


def colour_for(z: int, x: int, y: int) -> tuple[int, int, int]:
    return (z * 10 % 256, x % 256, y % 256)


def make_mbtiles(path: Path, tiles: dict[tuple[int, int, int], bytes], meta: dict | None = None) -> Path:
    """An MBTiles file with XYZ-addressed tiles stored as TMS rows, as the spec says."""
    conn = sqlite3.connect(path)
    conn.executescript("CREATE TABLE metadata (name TEXT, value TEXT);"
                       "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);")
    md = {"name": "Test pack", "format": "png", "minzoom": str(min(z for z, _, _ in tiles)),
          "maxzoom": str(max(z for z, _, _ in tiles)), "bounds": "126.0,37.0,128.0,38.0"}
    md.update(meta or {})
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", [(k, v) for k, v in md.items() if v is not None])
    conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                     [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()])
    conn.commit()
    conn.close()
    return path


def make_pmtiles(path: Path, tiles: dict[tuple[int, int, int], bytes], tile_type: str = "PNG",
                 meta: dict | None = None) -> Path:
    """A PMTiles v3 archive written with the pmtiles package's writer."""
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import write

    with write(str(path)) as w:
        for tid, data in sorted((zxy_to_tileid(*k), v) for k, v in tiles.items()):
            w.write_tile(tid, data)
        zs = [z for z, _, _ in tiles]
        w.finalize({
            "tile_type": getattr(TileType, tile_type), "tile_compression": Compression.NONE,
            "min_zoom": min(zs), "max_zoom": max(zs),
            "min_lon_e7": int(126.0e7), "min_lat_e7": int(37.0e7), "max_lon_e7": int(128.0e7), "max_lat_e7": int(38.0e7),
            "center_zoom": min(zs), "center_lon_e7": int(127.0e7), "center_lat_e7": int(37.5e7),
        }, {"name": "PM test", "attribution": "<a href='x'>Test &amp; co</a>", **(meta or {})})
    return path


class TileServer:
    """Serves /{z}/{x}/{y}.png as generated PNGs on 127.0.0.1 and counts requests."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.agents: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                outer.requests.append(self.path)
                outer.agents.append(self.headers.get("User-Agent", ""))
                m = re.fullmatch(r"/(\d+)/(\d+)/(\d+)\.png", self.path)
                if not m or int(m.group(1)) > 8:
                    self.send_error(404)
                    return
                body = png(colour_for(*(int(g) for g in m.groups())))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.running = True

    def stop(self) -> None:
        """Stop serving and close the port (again is a no-op)."""
        if self.running:
            self.running = False
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(5)


def _merc(lon: float, lat: float) -> tuple[float, float]:
    import math

    r = 6378137.0
    return r * math.radians(lon), r * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _tile_bounds_merc(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    import math

    n, half = 1 << z, math.pi * 6378137.0
    size = 2 * half / n
    return (-half + x * size, half - (y + 1) * size, -half + (x + 1) * size, half - y * size)


# Around Seoul City Hall: a primary road (세종대로), two minor streets, a pond and a place name.
VECTOR_ROADS = [
    {"class": "primary", "name": "세종대로", "coords": [(126.9768, 37.5590), (126.9770, 37.5665), (126.9769, 37.5760)]},
    {"class": "minor", "name": "무교로", "coords": [(126.9740, 37.5680), (126.9800, 37.5675)]},
    {"class": "minor", "name": "", "coords": [(126.9745, 37.5640), (126.9795, 37.5648)]},
]
VECTOR_WATER = [(126.9785, 37.5615), (126.9805, 37.5615), (126.9805, 37.5628), (126.9785, 37.5628), (126.9785, 37.5615)]


def vector_tile(z: int, x: int, y: int, schema: str = "openmaptiles") -> bytes:
    """One Mapbox Vector Tile (uncompressed) of the roads, water and place above, encoded
    with the mapbox-vector-tile package in either common schema's layer names."""
    import mapbox_vector_tile
    from shapely.geometry import LineString, Point, Polygon

    roads_layer, water_layer, place_layer, key = (("transportation", "water", "place", "class") if schema == "openmaptiles"
                                                  else ("roads", "water", "places", "kind"))
    kind = {"primary": "major_road", "minor": "minor_road"}
    roads = [{"geometry": LineString([_merc(*c) for c in r["coords"]]).wkt,
              "properties": {key: r["class"] if schema == "openmaptiles" else kind[r["class"]], "name": r["name"]}}
             for r in VECTOR_ROADS]
    water = [{"geometry": Polygon([_merc(*c) for c in VECTOR_WATER]).wkt, "properties": {"class": "lake"}}]
    place = [{"geometry": Point(_merc(126.9775, 37.5700)).wkt, "properties": {"name": "세종로", "class": "suburb"}}]
    return mapbox_vector_tile.encode(
        [{"name": roads_layer, "features": roads}, {"name": water_layer, "features": water},
         {"name": place_layer, "features": place}],
        default_options={"quantize_bounds": _tile_bounds_merc(z, x, y), "extents": 4096, "y_coord_down": False})


def make_vector_mbtiles(path: Path, zooms=(14, 15), schema: str = "openmaptiles", gzipped: bool = True) -> Path:
    """A vector MBTiles pack over central Seoul, tiles gzip-compressed as real packs store them."""
    import gzip

    from desktop.basemap.tilepack import lonlat_to_tile

    tiles = {}
    for z in zooms:
        x0, y0 = lonlat_to_tile(126.970, 37.580, z)
        x1, y1 = lonlat_to_tile(126.985, 37.555, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                data = vector_tile(z, x, y, schema)
                tiles[(z, x, y)] = gzip.compress(data) if gzipped else data
    return make_mbtiles(path, tiles, {"name": "Seoul streets (test)", "format": "pbf",
                                      "attribution": "© OpenStreetMap contributors", "bounds": "126.97,37.555,126.985,37.58"})
