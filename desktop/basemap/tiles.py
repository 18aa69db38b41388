"""Tile sources for the basemap: MBTiles and PMTiles packs of raster (PNG, JPEG, WebP)
or vector tiles (Mapbox Vector Tiles, as OpenMapTiles and Protomaps builds of
OpenStreetMap ship them), and the registry that names them for the page
(``/tiles/<slug>/{z}/{x}/{y}``). Vector tiles are served uncompressed and drawn in the
page by the vendored protomaps-leaflet renderer with Sitmap's own quiet style.

Every source answers ``get(z, x, y) -> (bytes, mime) | None`` in XYZ numbering (y
grows southwards, as Leaflet asks). Packs are opened read-only and never written.

Over-zoom: a source serves nothing beyond its ``maxzoom``. The page's tile layer is
given ``maxNativeZoom = maxzoom`` (and ``maxZoom = 20``), so Leaflet stretches the last
real tile itself: no decoding or re-encoding here, one request per parent tile instead
of one per stretched child, and nothing pretends to hold detail the pack does not have.
"""

from __future__ import annotations

import html
import re
import sqlite3
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from desktop.core.errors import SitmapError

MIME = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "mvt": "application/x-protobuf"}
VECTOR_FORMATS = {"pbf", "mvt"}  # Mapbox Vector Tiles under either name
UNSUPPORTED_VECTOR = {"mlt"}  # MapLibre Tiles: no renderer ships with Sitmap
WORLD = (-180.0, -85.0511, 180.0, 85.0511)
MAX_ZOOM = 24


class TileError(SitmapError):
    """A tile pack cannot be used; the message names the file and why."""


@dataclass(frozen=True)
class TileMeta:
    """What the page and the status line need to know about a source."""

    name: str
    attribution: str = ""
    minzoom: int = 0
    maxzoom: int = 18
    bounds: tuple[float, float, float, float] = WORLD  # W, S, E, N in degrees
    format: str = "png"  # png, jpg, webp, or mvt (vector)
    online: bool = False  # fetched from a tile server (slow; served off the GUI thread)

    @property
    def vector(self) -> bool:
        return self.format == "mvt"


def gunzip_tile(data: bytes) -> bytes:
    """Vector tiles are usually stored gzip-compressed; the page wants them plain."""
    if data[:2] == b"\x1f\x8b":
        import gzip

        try:
            return gzip.decompress(data)
        except (OSError, EOFError):
            return data
    return data


def sniff_format(data: bytes) -> str | None:
    """png, jpg or webp from the first bytes; None for anything else (e.g. vector tiles)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def plain_text(value: object, limit: int = 300) -> str:
    """Metadata text without markup: packs often carry HTML links in their attribution."""
    text = html.unescape(re.sub(r"<[^>]*>", "", str(value or "")))
    return " ".join(text.split())[:limit]


def _normal_format(fmt: str, path: Path) -> str:
    f = (fmt or "").strip().lower()
    f = {"jpeg": "jpg", "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}.get(f, f)
    if f in VECTOR_FORMATS or f == "application/x-protobuf":
        return "mvt"
    if f in UNSUPPORTED_VECTOR:
        raise TileError(f"{path.name}: holds MapLibre Tiles ({f}); Sitmap draws raster packs (PNG, JPEG, "
                        "WebP) and Mapbox Vector Tiles (pbf/mvt)")
    if f not in MIME:
        raise TileError(f"{path.name}: tile format {fmt!r} is not PNG, JPEG, WebP or vector (pbf)")
    return f


def _parse_bounds(text: str | None) -> tuple[float, float, float, float]:
    try:
        w, s, e, n = (float(v) for v in str(text).split(","))
    except (TypeError, ValueError):
        return WORLD
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        return WORLD
    return (w, max(s, WORLD[1]), e, min(n, WORLD[3]))


def _in_range(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < (1 << z) and 0 <= y < (1 << z)


class TileSource:
    """The one interface every basemap source offers."""

    meta: TileMeta

    def get(self, z: int, x: int, y: int) -> tuple[bytes, str] | None:  # pragma: no cover - interface
        raise NotImplementedError

    def covers(self, z: int, x: int, y: int) -> bool:
        """Inside the zoom range this source serves (beyond it the page stretches tiles)."""
        return _in_range(z, x, y) and self.meta.minzoom <= z <= self.meta.maxzoom

    def close(self) -> None:
        """Release the file; the default holds nothing."""


class MBTilesSource(TileSource):
    """An MBTiles file (SQLite; rows are TMS, so y is flipped: y_tms = 2**z - 1 - y)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise TileError(f"{self.path}: no such tile pack")
        try:
            # Read-only URI: a pack on a write-protected stick opens, and is never changed.
            self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            rows = dict(self._conn.execute("SELECT name, value FROM metadata").fetchall())
        except sqlite3.DatabaseError as exc:
            raise TileError(f"{self.path.name}: not an MBTiles file ({exc})") from None
        # The page asks from the GUI thread and the builder from its own; one lock is enough.
        self._lock = threading.Lock()
        self.meta = self._meta(rows)

    def _meta(self, md: dict) -> TileMeta:
        fmt = md.get("format")
        if not fmt:
            first = self._conn.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
            fmt = sniff_format(bytes(first[0])) if first else "png"
            if first and fmt is None:
                if bytes(first[0])[:2] == b"\x1f\x8b":
                    fmt = "pbf"  # gzip-compressed tiles without a format: vector, as the spec's default
                else:
                    raise TileError(f"{self.path.name}: tiles are not PNG, JPEG, WebP or gzip-compressed vector "
                                    "tiles, and the pack does not say its format")
        fmt = _normal_format(fmt, self.path)
        zmin, zmax = self._conn.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
        try:
            minzoom = int(md.get("minzoom", zmin if zmin is not None else 0))
            maxzoom = int(md.get("maxzoom", zmax if zmax is not None else 0))
        except ValueError:
            minzoom, maxzoom = zmin or 0, zmax or 0
        return TileMeta(
            name=plain_text(md.get("name"), 80) or self.path.stem,
            attribution=plain_text(md.get("attribution")),
            minzoom=max(0, minzoom), maxzoom=min(MAX_ZOOM, maxzoom),
            bounds=_parse_bounds(md.get("bounds")), format=fmt,
        )

    def get(self, z: int, x: int, y: int) -> tuple[bytes, str] | None:
        if not self.covers(z, x, y):
            return None
        with self._lock:
            row = self._conn.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, (1 << z) - 1 - y),
            ).fetchone()
        if not row or not row[0]:
            return None
        data = bytes(row[0])
        if self.meta.vector:
            return gunzip_tile(data), MIME["mvt"]
        return data, MIME[sniff_format(data) or self.meta.format]

    def count(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM tiles").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class PMTilesSource(TileSource):
    """A PMTiles v3 archive, read through the ``pmtiles`` package (memory-mapped)."""

    def __init__(self, path: str | Path) -> None:
        from pmtiles.reader import MmapSource, Reader
        from pmtiles.tile import Compression, TileType

        self.path = Path(path)
        if not self.path.is_file():
            raise TileError(f"{self.path}: no such tile pack")
        self._file = open(self.path, "rb")  # noqa: SIM115 - kept open for the mapping
        try:
            self._reader = Reader(MmapSource(self._file))
            self._header = h = self._reader.header()
            md = self._reader.metadata()
        except Exception as exc:  # the package raises bare exceptions for bad files
            self._file.close()
            raise TileError(f"{self.path.name}: not a PMTiles v3 file ({type(exc).__name__})") from None
        types = {TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp", TileType.MVT: "mvt"}
        if h["tile_type"] not in types:
            self._file.close()
            raise TileError(f"{self.path.name}: holds {h['tile_type'].name} tiles; Sitmap draws PNG, JPEG, WebP "
                            "and vector (MVT) packs")
        self._gzip = h["tile_compression"] == Compression.GZIP
        self._dirs: dict[tuple[int, int], list] = {}
        self._lock = threading.Lock()
        md = md if isinstance(md, dict) else {}
        bounds = (h["min_lon_e7"] / 1e7, h["min_lat_e7"] / 1e7, h["max_lon_e7"] / 1e7, h["max_lat_e7"] / 1e7)
        self.meta = TileMeta(
            name=plain_text(md.get("name"), 80) or self.path.stem,
            attribution=plain_text(md.get("attribution")),
            minzoom=h["min_zoom"], maxzoom=min(MAX_ZOOM, h["max_zoom"]),
            bounds=_parse_bounds(",".join(str(b) for b in bounds)), format=types[h["tile_type"]],
        )

    def _directory(self, offset: int, length: int) -> list:
        # The package's Reader re-reads and re-parses the root directory for every tile;
        # caching parsed directories keeps a screenful of tiles cheap on the GUI thread.
        key = (offset, length)
        d = self._dirs.get(key)
        if d is None:
            from pmtiles.tile import deserialize_directory

            d = self._dirs[key] = deserialize_directory(self._reader.get_bytes(offset, length))
        return d

    def get(self, z: int, x: int, y: int) -> tuple[bytes, str] | None:
        from pmtiles.tile import find_tile, zxy_to_tileid

        if not self.covers(z, x, y):
            return None
        h, tile_id = self._header, zxy_to_tileid(z, x, y)
        offset, length = h["root_offset"], h["root_length"]
        with self._lock:
            for _depth in range(4):  # the spec's maximum directory depth
                entry = find_tile(self._directory(offset, length), tile_id)
                if entry is None:
                    return None
                if entry.run_length > 0:
                    data = bytes(self._reader.get_bytes(h["tile_data_offset"] + entry.offset, entry.length))
                    break
                offset, length = h["leaf_directory_offset"] + entry.offset, entry.length
            else:
                return None
        if self._gzip:
            data = gunzip_tile(data)
        if self.meta.vector:
            return data, MIME["mvt"]
        return data, MIME[sniff_format(data) or self.meta.format]

    def close(self) -> None:
        with self._lock:
            self._file.close()


def open_pack(path: str | Path) -> TileSource:
    """MBTiles or PMTiles by the file's first bytes (the suffix may be wrong)."""
    p = Path(path)
    try:
        with open(p, "rb") as f:
            head = f.read(16)
    except OSError as exc:
        raise TileError(f"{p}: cannot open ({exc.strerror or exc})") from None
    if head.startswith(b"PMTiles"):
        return PMTilesSource(p)
    if head.startswith(b"SQLite format 3\x00"):
        return MBTilesSource(p)
    raise TileError(f"{p.name}: neither an MBTiles nor a PMTiles file")


def slugify(text: str) -> str:
    """A URL-safe name: lower-case ASCII letters, digits and dashes."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:40] or "tiles"


class TileRegistry:
    """The basemap layers the page may ask for, named by slug, ordered bottom to top."""

    PATH = re.compile(r"^/tiles/([a-z0-9-]{1,40})/(\d{1,2})/(\d{1,8})/(\d{1,8})(?:\.\w{3,4})?$")

    def __init__(self) -> None:
        self._sources: dict[str, TileSource] = {}
        self._order: list[str] = []
        self._lock = threading.Lock()

    def add(self, source: TileSource, slug: str | None = None, *, top: bool = True) -> str:
        """Register a source; returns its slug (made unique). New layers go on top by default."""
        base = slugify(slug or source.meta.name)
        with self._lock:
            name, n = base, 2
            while name in self._sources:
                name, n = f"{base[:36]}-{n}", n + 1
            self._sources[name] = source
            self._order.insert(len(self._order) if top else 0, name)
        return name

    def remove(self, slug: str) -> None:
        with self._lock:
            src = self._sources.pop(slug, None)
            if slug in self._order:
                self._order.remove(slug)
        if src is not None:
            src.close()

    def move(self, slug: str, index: int) -> None:
        """Put a layer at ``index`` in the bottom-to-top order (negative counts from the top)."""
        with self._lock:
            self._order.remove(slug)
            self._order.insert(index if index >= 0 else len(self._order) + 1 + index, slug)

    @property
    def order(self) -> list[str]:
        return list(self._order)

    def source(self, slug: str) -> TileSource | None:
        return self._sources.get(slug)

    def __len__(self) -> int:
        return len(self._order)

    def parse(self, url_path: str) -> tuple[TileSource, int, int, int] | None:
        """The source and z/x/y a page path names, or None when it is not a known tile path."""
        m = self.PATH.match(url_path)
        if not m:
            return None
        src = self._sources.get(m.group(1))
        z, x, y = int(m.group(2)), int(m.group(3)), int(m.group(4))
        if src is None or not _in_range(z, x, y):
            return None
        return src, z, x, y

    def tile(self, url_path: str) -> tuple[bytes, str] | None:
        """Answer a page path such as ``/tiles/seoul/12/3493/1587``."""
        hit = self.parse(url_path)
        return hit[0].get(*hit[1:]) if hit else None

    def layers(self) -> list[dict]:
        """The page's layer list (bottom to top), plain data for basemap.js's setTileLayers."""
        out = []
        for slug in self.order:
            m = self._sources[slug].meta
            w, s, e, n = m.bounds
            out.append({
                "id": slug, "name": m.name, "url": f"/tiles/{slug}/{{z}}/{{x}}/{{y}}",
                "attribution": m.attribution, "minZoom": m.minzoom, "maxNativeZoom": m.maxzoom,
                "bounds": [w, s, e, n], "online": m.online, "opacity": 1.0,
                "format": "mvt" if m.vector else "raster",
            })
        return out

    def describe(self) -> list[dict]:
        return [{"id": slug, **asdict(self._sources[slug].meta)} for slug in self.order]

    def close(self) -> None:
        for slug in self.order:
            self.remove(slug)
