"""What the app's URL scheme serves: the shell, vendored Leaflet from its package, our
own web code, fonts, the built-in outline basemap, and basemap tiles from the tile
registry. Anything else is a 404; nothing outside these folders is reachable (no '..',
no absolute paths)."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path, PurePosixPath

from desktop.core.paths import resources_dir
from desktop.page import districts

TILE_LAYERS_PATH = "/tiles/layers.json"
CONTEXT_PATH = "/basemap/context.json"


def _xstatic_dir(module: str) -> Path:
    import importlib

    mod = importlib.import_module(f"xstatic.pkg.{module}")
    return Path(mod.BASE_DIR)


MIME = {
    ".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".png": "image/png",
    ".svg": "image/svg+xml", ".ttf": "font/ttf", ".otf": "font/otf", ".woff2": "font/woff2",
    ".json": "application/json", ".map": "application/json",
}


class AssetStore:
    """Resolves app URL paths to (bytes, mime type)."""

    def __init__(self, shell_html: str, tiles=None) -> None:
        """``tiles`` is a ``desktop.basemap.tiles.TileRegistry`` (or None: no tile layers)."""
        self.shell = shell_html.encode("utf-8")
        self.tiles = tiles
        # District outlines the page draws when it loads (a GeoJSON FeatureCollection);
        # served as data, never written into the page's source.
        self.context: dict | None = None
        self.roots = {
            "vendor/leaflet": _xstatic_dir("leaflet"),
            "vendor/markercluster": _xstatic_dir("leaflet_markercluster"),
            "web": resources_dir() / "web",
            "fonts": resources_dir() / "fonts",
            "basemap": resources_dir() / "basemap",
        }

    def is_tile(self, url_path: str) -> bool:
        return url_path.startswith("/tiles/") and url_path != TILE_LAYERS_PATH

    def tile_source(self, url_path: str):
        """The source behind a tile path, so the view can tell slow (online) ones apart."""
        hit = self.tiles.parse(url_path) if self.tiles is not None else None
        return hit[0] if hit else None

    def get(self, url_path: str) -> tuple[bytes, str] | None:
        if url_path in ("/", "/index.html"):
            return self.shell, "text/html"
        if url_path == CONTEXT_PATH:
            fc = self.context or {"type": "FeatureCollection", "features": []}
            return json.dumps(fc, ensure_ascii=False).encode("utf-8"), "application/json"
        if url_path == TILE_LAYERS_PATH:
            layers = self.tiles.layers() if self.tiles is not None else []
            return json.dumps(layers, ensure_ascii=False).encode("utf-8"), "application/json"
        if self.is_tile(url_path):
            return self.tiles.tile(url_path) if self.tiles is not None else None
        if url_path.startswith(districts.URL_PREFIX):  # the built-in districts, built from the shipped files
            return districts.asset(url_path)
        parts = PurePosixPath(url_path).parts
        if len(parts) < 3 or parts[0] != "/" or any(p in ("..", ".") or "\\" in p for p in parts):
            return None
        for prefix, root in self.roots.items():
            pre = tuple(prefix.split("/"))
            if parts[1: 1 + len(pre)] == pre:
                rel = parts[1 + len(pre):]
                if not rel:
                    return None
                f = root.joinpath(*rel)
                try:
                    f.resolve().relative_to(root.resolve())
                except ValueError:
                    return None
                if not f.is_file():
                    return None
                mime = MIME.get(f.suffix.lower()) or mimetypes.guess_type(f.name)[0] or "application/octet-stream"
                return f.read_bytes(), mime
        return None
