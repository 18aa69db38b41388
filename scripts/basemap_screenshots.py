"""Make the basemap screenshots in docs/ (and the synthetic tile pack they show).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/basemap_screenshots.py

    (--only districts-city districts-street: just those)

docs/screenshot-districts-city.png and docs/screenshot-districts-street.png: the built-in
KOSTAT districts with no tile pack, central Seoul at city zoom (시군구) and at street zoom
(읍면동). docs/screenshot-offline-fallback.png: Seoul to Busan on the built-in outline, with the
Korean district boundaries as context. docs/screenshot-mbtiles.png: the same view on
an MBTiles pack built here with the pack builder from tiles drawn with QPainter from the
outline's land polygons and the district boundaries (synthetic, but map-like: sea,
land, district lines), z6-10 over Korea.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BOUNDARIES = ROOT.parent / "shared" / "data" / "boundaries" / "skorea_municipalities_geo_simple.json"
from desktop.ui.events import wait_until as _wait  # noqa: E402

BOUNDS = (125.5, 34.5, 130.0, 38.5)
SIZE = (1400, 900)




class RenderedTiles:
    """A TileSource that paints 256 px tiles from polygons (for the demonstration pack)."""

    def __init__(self, land, districts, cities) -> None:
        from desktop.basemap.tiles import TileMeta

        self.land, self.districts, self.cities = land, districts, cities
        self.meta = TileMeta(name="Korea demo pack (synthetic)", attribution="Sitmap demo tiles from Natural Earth",
                             minzoom=6, maxzoom=10, bounds=BOUNDS)

    def get(self, z: int, x: int, y: int):
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt
        from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen

        scale = 256 * 2 ** z

        def px(lon: float, lat: float) -> QPointF:
            s = math.sin(math.radians(lat))
            my = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * scale
            return QPointF((lon + 180) / 360 * scale - x * 256, my - y * 256)

        def path(geoms) -> QPainterPath:
            p = QPainterPath()
            p.setFillRule(Qt.FillRule.OddEvenFill)
            for poly in geoms:
                for ring in [poly.exterior, *poly.interiors]:
                    pts = list(ring.coords)
                    p.moveTo(px(*pts[0]))
                    for c in pts[1:]:
                        p.lineTo(px(*c))
                    p.closeSubpath()
            return p

        img = QImage(256, 256, QImage.Format.Format_RGB32)
        img.fill(QColor("#aad3df"))
        g = QPainter(img)
        g.setRenderHint(QPainter.RenderHint.Antialiasing)
        g.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        g.fillPath(path(self.land), QColor("#ebe6d6"))
        g.setPen(QPen(QColor("#b49bb4"), 1.0 if z < 9 else 1.4, Qt.PenStyle.DashLine))
        for d in self.districts:
            g.drawPath(path(d))
        g.setPen(QPen(QColor("#6f95ab"), 1.3))
        g.drawPath(path(self.land))
        # Cities: each tile draws every label that reaches into it, so labels cross tile
        # edges without seams.
        font = QFont("NanumGothic")
        font.setPixelSize(11 + max(0, z - 7) * 2)
        font.setBold(True)
        g.setFont(font)
        for name, lon, lat, pop in self.cities:
            if pop < (1_000_000 if z <= 6 else 250_000 if z <= 8 else 0):
                continue
            p = px(lon, lat)
            if not (-160 < p.x() < 416 and -40 < p.y() < 296):
                continue
            g.setPen(QPen(QColor("#ffffff"), 1))
            g.setBrush(QColor("#7a2e2e"))
            g.drawEllipse(p, 3.5, 3.5)
            text = QPointF(p.x() + 6, p.y() + 4)
            outline = QPainterPath()
            outline.addText(text, font, name)
            g.setBrush(Qt.BrushStyle.NoBrush)
            g.setPen(QPen(QColor(255, 255, 255, 220), 3))
            g.drawPath(outline)
            g.fillPath(outline, QColor("#3b2f2f"))
        g.end()
        buf = QBuffer()
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        img.save(buf, "PNG")
        return bytes(QByteArray(buf.data())), "image/png"

    def close(self) -> None:
        pass


def _polys(geom) -> list:
    return [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon"]


def build_demo_pack(out: Path) -> Path:
    import shapely
    from shapely.geometry import box, shape

    from desktop.core.paths import resources_dir
    from desktop.basemap.tilepack import build_mbtiles

    fc = json.loads((resources_dir() / "basemap" / "land.json").read_text(encoding="utf-8"))
    land = shape(next(f for f in fc["features"] if f["properties"]["layer"] == "land")["geometry"])
    land = _polys(shapely.intersection(land, box(120, 30, 135, 44)))
    districts = []
    if BOUNDARIES.exists():
        for f in json.loads(BOUNDARIES.read_text(encoding="utf-8"))["features"]:
            districts.append(_polys(shape(f["geometry"])))
    from desktop.basemap.places import load_cities

    cities = [(c.name, c.lon, c.lat, c.rank) for c in load_cities() if c.extra.get("country") == "KR"]
    res = build_mbtiles(RenderedTiles(land, districts, cities), BOUNDS, range(6, 11), out, overwrite=True,
                        progress=lambda d, t: print(f"  {d}/{t} tiles", end="\r", file=sys.stderr))
    print(f"\npack: {res.tiles} tiles", file=sys.stderr)
    return out


def shoot(app, out: Path, tiles=None, context: bool = True) -> dict:
    from desktop.basemap.places import boundary_context
    from desktop.ui.map_view import MapView

    view = MapView(tiles=tiles)
    if context and BOUNDARIES.exists():
        view.store.context = boundary_context(BOUNDARIES)
    view.resize(*SIZE)
    view.show()
    try:
        if not _wait(app, lambda: view.bridge.is_ready, 60):
            raise RuntimeError("the map page did not start")
        # Zoom 8 on the middle of the box: Seoul to Busan fills 1400x900 (a fit would stop at 7).
        w, s, e, n = BOUNDS
        view.bridge.send({"type": "view", "center": [(s + n) / 2, (w + e) / 2 + 0.3], "zoom": 8})
        box_: dict = {}

        def state() -> dict:
            view.page().runJavaScript("JSON.stringify(sitmap.state.basemap)", 0, lambda r: box_.update(s=r))
            return json.loads(box_.get("s") or "{}")

        _wait(app, lambda: state().get("outline") == "drawn" and (not tiles or state().get("tilesLoaded", 0) > 6), 30)
        _wait(app, lambda: False, 1.5)  # let the last tiles and the compositor settle
        out.parent.mkdir(parents=True, exist_ok=True)
        if not view.grab().save(str(out), "PNG"):
            raise RuntimeError(f"could not write {out}")
        return state()
    finally:
        view.shutdown()
        view.deleteLater()


def shoot_districts(app, out: Path, center, zoom: int, level: str) -> dict:
    """The built-in districts with no tile pack and no boundary file: what a fresh install shows."""
    from desktop.ui.map_view import MapView

    view = MapView()
    view.resize(*SIZE)
    view.show()
    try:
        if not _wait(app, lambda: view.bridge.is_ready, 60):
            raise RuntimeError("the map page did not start")
        view.bridge.send({"type": "view", "center": list(center), "zoom": zoom})
        box_: dict = {}

        def state() -> dict:
            view.page().runJavaScript("JSON.stringify(sitmap.state.basemap)", 0, lambda r: box_.update(s=r))
            return json.loads(box_.get("s") or "{}")

        _wait(app, lambda: state().get("outline") == "drawn" and state().get("districts", {}).get("level") == level
              and state()["districts"].get("labelCount", 0) > 0, 30)
        _wait(app, lambda: False, 1.5)
        if not view.grab().save(str(out), "PNG"):
            raise RuntimeError(f"could not write {out}")
        st = state()["districts"]
        return {"level": st["level"], "outlines": st["outlines"], "labels": st["labelCount"]}
    finally:
        view.shutdown()
        view.deleteLater()


SHOTS = ("offline-fallback", "mbtiles", "districts-city", "districts-street")


def main() -> int:
    import argparse

    from desktop.basemap.tiles import MBTilesSource, TileRegistry
    from desktop.ui.app import make_app

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", choices=SHOTS, help="take only these shots")
    only = set(ap.parse_args().only or SHOTS)
    app = make_app()
    # Central Seoul at city zoom (the scale bar near 5 km): 종로구 and 중구 side by side.
    if "districts-city" in only:
        print(shoot_districts(app, ROOT / "docs" / "screenshot-districts-city.png", (37.555, 126.985), 12,
                              "sigungu"), file=sys.stderr)
    if "districts-street" in only:  # 명동 and its neighbours at street zoom
        print(shoot_districts(app, ROOT / "docs" / "screenshot-districts-street.png", (37.5650, 126.9850), 14,
                              "emd"), file=sys.stderr)
    if "offline-fallback" in only:
        print(shoot(app, ROOT / "docs" / "screenshot-offline-fallback.png"), file=sys.stderr)
    if "mbtiles" not in only:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        pack = build_demo_pack(Path(tmp) / "korea-demo.mbtiles")
        reg = TileRegistry()
        reg.add(MBTilesSource(pack), slug="korea-demo")
        # No context overlay here: the district lines and city names are the pack's own.
        print(shoot(app, ROOT / "docs" / "screenshot-mbtiles.png", reg, context=False), file=sys.stderr)
        reg.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
