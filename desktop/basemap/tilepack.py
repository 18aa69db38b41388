"""Build an MBTiles pack for a box and zoom range, for use on a laptop with no network.

The source is a TileSource (another pack) or an XYZ URL whose terms allow copying
(your own or your agency's tile server). OpenStreetMap's public servers are refused:
their usage policy forbids bulk downloads.

The pack is written to a temporary file beside the target and renamed into place
only when complete, so a cancelled or failed build never leaves half a pack that
would later look valid.
"""

from __future__ import annotations

import math
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from desktop.basemap.tiles import TileSource, open_pack, plain_text, sniff_format

BATCH = 256  # tiles per transaction: bounded memory and a cheap commit
DEFAULT_MAX_TILES = 250_000


class BuildCancelled(Exception):
    """The caller asked to stop; nothing was written at the target path."""


@dataclass(frozen=True)
class BuildResult:
    path: Path
    tiles: int
    missing: int
    zooms: tuple[int, int]
    bounds: tuple[float, float, float, float]


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """XYZ tile column and row holding a point (Web Mercator), clamped to the world."""
    lat = max(min(lat, 85.0511), -85.0511)
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(r)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tile_ranges(bbox: tuple[float, float, float, float], zooms: Iterable[int]) -> list[tuple[int, range, range]]:
    """(z, columns, rows) covering the box at each zoom."""
    w, s, e, n = bbox
    out = []
    for z in zooms:
        x0, y0 = lonlat_to_tile(w, n, z)
        x1, y1 = lonlat_to_tile(e, s, z)
        out.append((z, range(x0, x1 + 1), range(y0, y1 + 1)))
    return out


def count_tiles(bbox, zooms) -> int:
    return sum(len(xs) * len(ys) for _z, xs, ys in tile_ranges(bbox, zooms))


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """W,S,E,N in degrees, checked."""
    try:
        w, s, e, n = (float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"bbox {text!r}: write it as W,S,E,N in degrees, e.g. 126.7,37.4,127.2,37.7") from None
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise ValueError(f"bbox {text!r}: needs W < E within ±180 and S < N within ±90")
    return w, s, e, n


def parse_zooms(text: str) -> range:
    """"10-16" or "12"."""
    try:
        lo, _, hi = text.partition("-")
        zr = range(int(lo), int(hi or lo) + 1)
    except ValueError:
        raise ValueError(f"zooms {text!r}: write a range such as 10-16") from None
    if not zr or zr.start < 0 or zr.stop - 1 > 22:
        raise ValueError(f"zooms {text!r}: must be a rising range within 0-22")
    return zr


def source_from(spec: str | TileSource, user_agent: str | None = None) -> TileSource:
    """A TileSource from a pack path or an http(s) URL template (checked against usage policies)."""
    if not isinstance(spec, (str, os.PathLike)):
        return spec  # any object with ``meta`` and ``get(z, x, y)``
    spec = os.fspath(spec)
    if spec.startswith(("http://", "https://")):
        from desktop.basemap.tilecache import OnlineTiles, check_bulk_allowed

        check_bulk_allowed(spec)
        kw = {"user_agent": user_agent} if user_agent else {}
        return OnlineTiles(spec, None, maxzoom=22, **kw)
    return open_pack(spec)


SCHEMA = """
CREATE TABLE metadata (name TEXT, value TEXT);
CREATE UNIQUE INDEX name ON metadata (name);
CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
"""


def build_mbtiles(source: str | TileSource, bbox: tuple[float, float, float, float], zooms: Iterable[int],
                  out_path: str | Path, progress: Callable[[int, int], None] | None = None,
                  should_cancel: Callable[[], bool] | None = None, *, name: str | None = None,
                  attribution: str | None = None, max_tiles: int = DEFAULT_MAX_TILES,
                  overwrite: bool = False) -> BuildResult:
    """Copy every tile of ``source`` inside ``bbox`` at ``zooms`` into a new MBTiles file.

    ``progress(done, total)`` is called after each batch; ``should_cancel()`` is polled
    between tiles and raises BuildCancelled. Tiles the source lacks are counted as
    missing and left out (the page stretches the parent tile there).
    """
    zl = sorted(set(int(z) for z in zooms))
    if not zl:
        raise ValueError("no zoom levels to build")
    out = Path(out_path)
    if out.exists() and not overwrite:
        raise ValueError(f"{out}: already exists (choose another name or overwrite)")
    total = count_tiles(bbox, zl)
    if total > max_tiles:
        raise ValueError(f"{total:,} tiles for that box and zooms is more than the limit of {max_tiles:,}; "
                         "use a smaller box or fewer zoom levels")
    src = source_from(source)
    opened = src is not source  # close only what this call opened
    meta = src.meta
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=out.name + ".", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    done = stored = 0
    fmt = None
    try:
        conn = sqlite3.connect(tmp)
        try:
            conn.executescript(SCHEMA)
            batch: list[tuple] = []
            for z, xs, ys in tile_ranges(bbox, zl):
                for x in xs:
                    for y in ys:
                        if should_cancel and should_cancel():
                            raise BuildCancelled("tile pack build cancelled")
                        got = src.get(z, x, y)
                        done += 1
                        if got:
                            fmt = fmt or sniff_format(got[0])
                            batch.append((z, x, (1 << z) - 1 - y, got[0]))  # MBTiles rows are TMS
                        if len(batch) >= BATCH:
                            stored += _flush(conn, batch)
                            if progress:
                                progress(done, total)
                stored += _flush(conn, batch)  # one transaction closes each zoom level
                if progress:
                    progress(done, total)
            if not stored:
                raise ValueError(f"the source had no tiles in that box at zooms {zl[0]}-{zl[-1]}")
            w, s, e, n = bbox
            md = {
                "name": plain_text(name, 80) or meta.name, "format": fmt or ("pbf" if meta.format == "mvt" else meta.format), "type": "baselayer",
                "version": "1.0", "bounds": f"{w:.6f},{s:.6f},{e:.6f},{n:.6f}",
                "center": f"{(w + e) / 2:.6f},{(s + n) / 2:.6f},{zl[0]}",
                "minzoom": str(zl[0]), "maxzoom": str(zl[-1]),
                "attribution": plain_text(attribution) if attribution is not None else meta.attribution,
                "description": "Built by Sitmap",
            }
            with conn:
                conn.executemany("INSERT INTO metadata (name, value) VALUES (?, ?)", md.items())
        finally:
            conn.close()
        os.replace(tmp, out)
    except BaseException:
        # Cancel, error or Ctrl-C: the half-written file goes; the target was never touched.
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if opened:
            src.close()
    return BuildResult(out, stored, done - stored, (zl[0], zl[-1]), tuple(bbox))


def _flush(conn: sqlite3.Connection, batch: list[tuple]) -> int:
    n = len(batch)
    if n:
        with conn:
            conn.executemany("INSERT OR REPLACE INTO tiles VALUES (?, ?, ?, ?)", batch)
        batch.clear()
    return n
