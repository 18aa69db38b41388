"""The peers ``benchmarks.interactive`` compares against, on the same items.

- folium: what a map without a data channel does on every slider step: build a new map
  with one ``CircleMarker`` per marker, render its HTML and load it into a
  QWebEngineView from a file (Leaflet from the local package, nothing from a network),
  until ``loadFinished``. Measured on the same screenful Sitmap's page draws (one marker
  per density cell or point it was sent), which is the fair comparison; the window's
  every item is only timed at two marker counts and extrapolated linearly, and said so.
- geopandas: ``GeoSeries.within`` for the same district polygons on the same points as
  Sitmap's filter (the window's placed items), and shapely's ``contains_xy`` on the
  prepared polygon, the fastest way those libraries offer.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

CAPS = (500, 2500)


def _folium_once(app, lat: np.ndarray, lon: np.ndarray, html_path: Path) -> tuple[float, float]:
    import folium
    import xstatic.pkg.leaflet as leaflet
    from PySide6.QtCore import QEventLoop, QTimer, QUrl
    from PySide6.QtWebEngineWidgets import QWebEngineView

    base = Path(leaflet.BASE_DIR)
    t0 = time.perf_counter()
    m = folium.Map(location=[float(np.mean(lat)), float(np.mean(lon))], zoom_start=14, tiles=None)
    m.default_js = [("leaflet", (base / "leaflet.js").as_uri())]
    m.default_css = [("leaflet_css", (base / "leaflet.css").as_uri())]
    for la, lo in zip(lat.tolist(), lon.tolist()):
        folium.CircleMarker([la, lo], radius=3, weight=1).add_to(m)
    html_path.write_text(m.get_root().render(), "utf-8")
    t1 = time.perf_counter()
    view = QWebEngineView()
    view.resize(1000, 700)
    view.show()
    loop = QEventLoop()
    done = {}
    view.loadFinished.connect(lambda ok: (done.setdefault("ok", ok), loop.quit()))
    QTimer.singleShot(600_000, loop.quit)
    view.load(QUrl.fromLocalFile(str(html_path)))
    loop.exec()
    t2 = time.perf_counter()
    view.close()
    view.deleteLater()
    app.processEvents()
    if not done.get("ok"):
        raise RuntimeError("the folium page did not load")
    return t1 - t0, t2 - t1


def folium_peer(app, lat: np.ndarray, lon: np.ndarray, tmp: Path) -> dict:
    n = int(lat.size)
    path = Path(tmp) / "sitmap-bench-folium.html"
    if n <= CAPS[-1]:
        b, load = _folium_once(app, lat, lon, path)
        return {"items": n, "build_s": b, "load_s": load, "total_s": b + load, "extrapolated": False}
    runs = [(c, *_folium_once(app, lat[:c], lon[:c], path)) for c in CAPS]
    (c1, b1, l1), (c2, b2, l2) = runs
    per = ((b2 + l2) - (b1 + l1)) / (c2 - c1)
    total = (b1 + l1) + per * (n - c1)
    return {"items": n, "measured": [{"markers": c, "build_s": b, "load_s": lo} for c, b, lo in runs],
            "per_marker_ms": per * 1000, "total_s": total, "extrapolated": True}


def folium_screenful(app, lat: np.ndarray, lon: np.ndarray, tmp: Path) -> dict:
    """The same number of markers as Sitmap's page drew for the step (its cells or points)."""
    b, load = _folium_once(app, lat, lon, Path(tmp) / "sitmap-bench-folium-screen.html")
    return {"markers": int(lat.size), "build_s": b, "load_s": load, "total_s": b + load}


def geopandas_peer(lat: np.ndarray, lon: np.ndarray, areas) -> dict:
    import geopandas as gpd
    import shapely

    from desktop.core.geo import union

    poly = union(areas)
    t0 = time.perf_counter()
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326)
    t1 = time.perf_counter()
    inside = pts.within(poly)
    t2 = time.perf_counter()
    shapely.prepare(poly)  # prepared once (an index of its edges), then asked for every point
    t3 = time.perf_counter()
    inside_xy = shapely.contains_xy(poly, lon, lat)
    t4 = time.perf_counter()
    shapely.destroy_prepared(poly)
    return {"points": int(lat.size), "points_s": t1 - t0, "within_s": t2 - t1, "total_s": t2 - t0,
            "inside": int(inside.sum()), "contains_xy_s": t4 - t3, "prepare_s": t3 - t2,
            "inside_xy": int(inside_xy.sum())}
