"""Online tiles with a disk cache: a tile server the user configured, kept on disk so
the map still shows the places already looked at once the network is gone.

Nothing here runs unless the user chose an online layer: Sitmap makes no network
request otherwise. OpenStreetMap's standard layer is offered as an *option*; its tile
usage policy (https://operations.osmfoundation.org/policies/tiles/) asks for a real
User-Agent, caching, and no bulk downloading, so every request names Sitmap, cached
tiles are reused for ``max_age`` (7 days by default, the policy's minimum), and
``check_bulk_allowed`` refuses to build packs from its servers.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from desktop import __version__
from desktop.basemap.tiles import MIME, TileMeta, TileSource, sniff_format

USER_AGENT = f"Sitmap/{__version__} (+situation map; offline-first)"
WEEK = 7 * 24 * 3600
MAX_TILE_BYTES = 4 * 1024 * 1024
OSM_HOSTS = ("tile.openstreetmap.org", "tile.osm.org", "tile.openstreetmap.de")
OSM_POLICY = "https://operations.osmfoundation.org/policies/tiles/"


class BulkDownloadRefused(ValueError):
    """Building a pack from this tile server would break its usage policy."""


def is_osm_tile_host(url_template: str) -> bool:
    host = (urlsplit(url_template.replace("{s}", "a")).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in OSM_HOSTS)


def check_bulk_allowed(url_template: str) -> None:
    """Raise for servers whose terms forbid bulk download (OpenStreetMap's own tiles)."""
    if is_osm_tile_host(url_template):
        raise BulkDownloadRefused(
            "Sitmap will not build a tile pack from OpenStreetMap's tile servers: their tile usage "
            f"policy ({OSM_POLICY}) forbids bulk downloading and prefetching. Use the online OpenStreetMap "
            "layer while connected (viewed tiles are cached), or build from your own tile server or a pack.")


def osm_standard() -> dict:
    """OpenStreetMap's standard layer as an online-layer option (URL, attribution, zooms)."""
    try:
        import xyzservices.providers as providers

        p = providers.OpenStreetMap.Mapnik
        url, maxzoom = p.url, int(p.get("max_zoom", 19))
    except Exception:  # xyzservices missing or renamed: the well-known values
        url, maxzoom = "https://tile.openstreetmap.org/{z}/{x}/{y}.png", 19
    return {"name": "OpenStreetMap", "url": url, "attribution": "© OpenStreetMap contributors", "maxzoom": maxzoom}


def _check_template(url: str) -> None:
    parts = urlsplit(url.replace("{s}", "a"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"tile URL {url!r}: must start with http:// or https:// and name a server")
    if not all(k in url for k in ("{z}", "{x}", "{y}")):
        raise ValueError(f"tile URL {url!r}: must contain {{z}}, {{x}} and {{y}}")


class OnlineTiles(TileSource):
    """``get(z, x, y)``: the cached tile when fresh, else the server's, else a stale cached one.

    ``cache_dir=None`` fetches without keeping anything (used by the pack builder, which
    stores the tiles in the pack instead).
    """

    def __init__(self, url_template: str, cache_dir: str | Path | None, user_agent: str = USER_AGENT, *,
                 name: str = "", attribution: str = "", minzoom: int = 0, maxzoom: int = 19,
                 max_age: float = WEEK, timeout: float = 10.0, subdomains: str = "abc") -> None:
        _check_template(url_template)
        self.url_template = url_template
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.user_agent = user_agent or USER_AGENT
        self.max_age = max_age
        self.timeout = timeout
        self.subdomains = subdomains or "a"
        host = urlsplit(url_template.replace("{s}", "a")).hostname or "online"
        self.meta = TileMeta(name=name or host, attribution=attribution, minzoom=minzoom, maxzoom=maxzoom,
                             format="png", online=True)
        self.stats = {"hits": 0, "fetched": 0, "stale": 0, "failed": 0}
        self._lock = threading.Lock()

    def url(self, z: int, x: int, y: int) -> str:
        s = self.subdomains[(x + y) % len(self.subdomains)]
        return (self.url_template.replace("{s}", s).replace("{z}", str(z)).replace("{x}", str(x))
                .replace("{y}", str(y)).replace("{r}", ""))

    def _path(self, z: int, x: int, y: int) -> Path | None:
        return self.cache_dir / str(z) / str(x) / f"{y}.tile" if self.cache_dir else None

    def _count(self, key: str) -> None:
        with self._lock:
            self.stats[key] += 1

    def cached(self, z: int, x: int, y: int) -> tuple[bytes, float] | None:
        """The cached tile and its age in seconds, if there is one."""
        p = self._path(z, x, y)
        try:
            return (p.read_bytes(), time.time() - p.stat().st_mtime) if p else None
        except OSError:
            return None

    def get(self, z: int, x: int, y: int) -> tuple[bytes, str] | None:
        if not self.covers(z, x, y):
            return None
        hit = self.cached(z, x, y)
        if hit and hit[1] <= self.max_age:
            self._count("hits")
            return hit[0], MIME[sniff_format(hit[0]) or "png"]
        data = self.fetch(z, x, y)
        if data is not None:
            self._store(z, x, y, data)
            return data, MIME[sniff_format(data) or "png"]
        if hit:
            # Offline-first: an old tile is far better than a hole in the map.
            self._count("stale")
            return hit[0], MIME[sniff_format(hit[0]) or "png"]
        return None

    def fetch(self, z: int, x: int, y: int) -> bytes | None:
        """One request to the server; None on any failure (offline, 404, not an image)."""
        req = urllib.request.Request(self.url(z, x, y), headers={"User-Agent": self.user_agent})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - scheme checked
                data = resp.read(MAX_TILE_BYTES + 1)
        except (urllib.error.URLError, OSError, ValueError):
            self._count("failed")
            return None
        if len(data) > MAX_TILE_BYTES or sniff_format(data) is None:
            self._count("failed")
            return None
        self._count("fetched")
        return data

    def _store(self, z: int, x: int, y: int, data: bytes) -> None:
        p = self._path(z, x, y)
        if p is None:
            return
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            # Temp file then rename: a crash or a second thread never leaves half a tile.
            fd, tmp = tempfile.mkstemp(dir=p.parent, suffix=".part")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, p)
        except OSError:
            pass  # a full or read-only disk costs the cache, not the map


def cache_dir_for(url_template: str, root: str | Path) -> Path:
    """One cache folder per tile server and path, so two layers never mix tiles."""
    parts = urlsplit(url_template.replace("{s}", "a"))
    key = re.sub(r"[^a-z0-9]+", "-", f"{parts.hostname}{parts.path.split('{', 1)[0]}".lower()).strip("-")
    return Path(root) / (key[:80] or "tiles")
