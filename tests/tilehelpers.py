"""Tile fixtures made in the test: tiny PNGs and MBTiles/PMTiles packs (no Pillow needed)."""

from __future__ import annotations

import sqlite3
import struct
import zlib
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
