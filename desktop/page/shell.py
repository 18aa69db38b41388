"""Build the map page's static shell once, with folium, and nothing from a CDN.

The shell holds only the map, its base layers and our own scripts. No item data is
ever written into this HTML: posts travel over the bridge as data and are rendered
with textContent. A Content-Security-Policy allows only our own scheme and the hashes
of the few inline scripts folium writes, so an injected script could not run anyway.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field

import folium
from branca.element import MacroElement
from jinja2 import Template

SCHEME = "sitmap"
HOST = "app"
ORIGIN = f"{SCHEME}://{HOST}"
PAGE_PATH = "/index.html"
PAGE_URL = ORIGIN + PAGE_PATH

VENDOR_JS = [("leaflet", "/vendor/leaflet/leaflet.js")]
VENDOR_CSS = [("leaflet_css", "/vendor/leaflet/leaflet.css")]
# basemap.js after sitmap.js: until sitmap.js's boot creates the basemap itself,
# basemap.js wraps that boot function.
APP_JS = ["/qwebchannel.js", "/web/canvas_layers.js", "/web/draw.js", "/web/sitmap.js",
          "/web/vendor/protomaps-leaflet/protomaps-leaflet.js", "/web/basemap.js"]
APP_CSS = ["/web/sitmap.css", "/web/basemap.css"]

SEOUL_CITY_HALL = (37.5663, 126.9779)


@dataclass(frozen=True)
class TileSource:
    """An online XYZ tile layer the user chose; off by default (offline-first)."""

    name: str
    url: str
    attribution: str
    max_zoom: int = 19

    def origin(self) -> str:
        m = re.match(r"^(https?://[^/{}]+(?:\{s\}[^/]*)?)", self.url)
        return m.group(1).replace("{s}.", "*.") if m else ""


@dataclass(frozen=True)
class ShellOptions:
    center: tuple[float, float] = SEOUL_CITY_HALL
    zoom: int = 14
    tiles: tuple[TileSource, ...] = field(default_factory=tuple)


class _Boot(MacroElement):
    """Hands the folium map object to our page script under a stable name."""

    _template = Template(
        "{% macro script(this, kwargs) %}window.sitmapBoot({{ this._parent.get_name() }});{% endmacro %}"
    )


_URL_ATTR = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.I)


def _csp(html: str, tiles: tuple[TileSource, ...]) -> str:
    hashes = []
    for body in re.findall(r"<script>(.*?)</script>", html, flags=re.S):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    tile_hosts = " ".join(sorted({t.origin() for t in tiles if t.origin()}))
    return "; ".join([
        "default-src 'none'",
        f"script-src {ORIGIN} {' '.join(hashes)}",
        f"style-src {ORIGIN} 'unsafe-inline'",  # Leaflet positions elements with inline styles
        f"img-src {ORIGIN} data: blob: {tile_hosts}".rstrip(),
        f"font-src {ORIGIN}",
        f"connect-src {ORIGIN}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-src 'none'",
        "worker-src 'none'",
    ])


def build_shell(options: ShellOptions | None = None) -> str:
    """The page HTML. Deterministic for the same options apart from folium's element names."""
    opts = options or ShellOptions()
    m = folium.Map(
        location=list(opts.center), zoom_start=opts.zoom, tiles=None, prefer_canvas=True,
        control_scale=True, zoom_control=True, min_zoom=3, max_zoom=20, world_copy_jump=False,
        # Instant zoom and pan: a situation map is read after a jump, not during one, and animation
        # frames do not run while the window is hidden (the map would stay half-zoomed).
        zoom_animation=False, fade_animation=False, marker_zoom_animation=False,
    )
    m.default_js = VENDOR_JS
    m.default_css = VENDOR_CSS
    for t in opts.tiles:
        folium.TileLayer(tiles=t.url, attr=t.attribution, name=t.name, max_zoom=20, max_native_zoom=t.max_zoom).add_to(m)
    root = m.get_root()
    for css in APP_CSS:
        root.header.add_child(folium.CssLink(css))
    for js in APP_JS:
        # In the body, so they run after Leaflet (in the head) and before the map script.
        root.html.add_child(folium.JavascriptLink(js))
    _Boot().add_to(m)
    html = root.render()
    # Checked before the policy goes in: its script hashes are random-looking base64, which
    # now and then spells "cdn" (a check of the whole page failed a start in a few hundred).
    remote = [u for u in _URL_ATTR.findall(html)
              if not (u.startswith(ORIGIN + "/") or u.startswith("/") and not u.startswith("//"))]
    if remote or "cdn" in html.lower() or "http://" in html.replace("http-equiv", ""):
        raise RuntimeError(f"the map page would load something remote: {remote[:3]}")
    # folium's viewport meta is for phones; harmless but noisy. Keep the page lean.
    html = html.replace("<head>", '<head>\n    <meta http-equiv="Content-Security-Policy" content="'
                        + _csp(html, opts.tiles) + '" />', 1)
    return html
