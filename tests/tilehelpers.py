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
