"""What the app's URL scheme serves: the shell, vendored Leaflet from its package, our
own web code and fonts. Anything else is a 404; nothing outside these folders is
reachable (no '..', no absolute paths)."""

from __future__ import annotations

import mimetypes
from pathlib import Path, PurePosixPath

from desktop.paths import resources_dir


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

    def __init__(self, shell_html: str) -> None:
        self.shell = shell_html.encode("utf-8")
        self.roots = {
            "vendor/leaflet": _xstatic_dir("leaflet"),
            "vendor/markercluster": _xstatic_dir("leaflet_markercluster"),
            "web": resources_dir() / "web",
            "fonts": resources_dir() / "fonts",
        }

    def get(self, url_path: str) -> tuple[bytes, str] | None:
        if url_path in ("/", "/index.html"):
            return self.shell, "text/html"
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
