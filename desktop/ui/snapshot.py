"""`sitmap snapshot`: render the map for a filter offscreen and save it as a PNG."""

from __future__ import annotations

import sys
from pathlib import Path

from desktop.engine.mapdata import MapData, Request, View
from desktop.ui.events import wait_until as _wait


def render_png(db: Path, flt, out: Path, size: tuple[int, int] = (1600, 1000), zoom_to: str = "items") -> dict:
    """Render and save; returns what the page reported drawing. Raises RuntimeError on failure."""
    import numpy as np

    from desktop.cache import Cache
    from desktop.engine.index import ItemIndex
    from desktop.engine.loading import text_progress
    from desktop.ui.app import make_app
    from desktop.ui.map_view import MapView

    app = make_app()
    cache = Cache.open_readonly(db)
    data = MapData(ItemIndex.load(cache.conn, progress=text_progress(sys.stderr)), cache.conn)  # the first open says how far
    view = MapView()
    view.resize(*size)
    view.show()
    try:
        if not _wait(app, lambda: view.bridge.is_ready, 60):
            raise RuntimeError("the map page did not start (is QtWebEngine installed?)")
        views: list[dict] = []
        view.bridge.viewChanged.connect(views.append)
        first = data.compute(Request(gen=1, flt=flt))
        bounds = None
        if zoom_to in ("areas", "all") and flt.areas:
            from desktop.core.geo import union

            bounds = list(union(flt.areas).bounds)
        elif first.feed_ids.size:
            idx = data.index
            pos = idx.positions_of(first.feed_ids)
            lat, lon = idx.lat64[pos], idx.lon64[pos]
            ok = ~np.isnan(lat)
            if ok.any():
                # Robust extent: 1st–99th percentile, so one stray post does not zoom out to the country.
                la = np.percentile(lat[ok], [1, 99]) if ok.sum() > 50 else [lat[ok].min(), lat[ok].max()]
                lo = np.percentile(lon[ok], [1, 99]) if ok.sum() > 50 else [lon[ok].min(), lon[ok].max()]
                bounds = [float(lo[0]), float(la[0]), float(lo[1]), float(la[1])]
        if bounds:
            n0 = len(views)
            view.bridge.send({"type": "fit", "bounds": bounds, "maxZoom": 16})
            _wait(app, lambda: len(views) > n0, 10)
        v = views[-1] if views else None
        req = Request(gen=2, flt=flt, view=View(v["bounds"], v["zoom"], v["width"], v["height"]) if v else None,
                      areas=tuple(flt.areas))
        res = data.compute(req)
        drawn: list[dict] = []
        view.bridge.rendered.connect(drawn.append)
        if res.page:
            view.bridge.send(res.page)
        view.bridge.send({"type": "units", "units": res.units})
        view.bridge.send({"type": "areas", "areas": [
            {"id": a.name, "name": a.name, "geometry": a.to_geojson(), "exclude": a.exclude, "visible": True,
             "count": res.area_counts.get(a.name), "selected": True} for a in flt.areas]})
        if not _wait(app, lambda: any(d["gen"] == 2 for d in drawn) or not res.page, 20):
            raise RuntimeError("the map page did not draw")
        _wait(app, lambda: False, 0.6)  # let the compositor paint the last frame
        img = view.grab()
        out.parent.mkdir(parents=True, exist_ok=True)
        if not img.save(str(out), "PNG"):
            raise RuntimeError(f"cannot write {out}")
        if view.map_page.js_errors:
            raise RuntimeError("page errors: " + "; ".join(view.map_page.js_errors))
        last = [d for d in drawn if d["gen"] == 2]
        return {"total": res.total, "in_view": res.in_view, "drawn": last[-1] if last else None}
    finally:
        view.shutdown()
        view.deleteLater()
        cache.close()


class SnapshotFailed(RuntimeError):
    """The page could not be rendered (it did not load, or reported errors)."""


def run_snapshot(db: Path, flt, out: Path, size: tuple[int, int] = (1600, 1000), zoom_to: str = "items") -> dict:
    """Render ``flt`` over the cache ``db`` into the PNG ``out``: what ``sitmap snapshot`` runs.
    Returns the counts; raises :class:`SnapshotFailed` saying why nothing was written."""
    try:
        return render_png(Path(db), flt, Path(out), size, zoom_to)
    except SnapshotFailed:
        raise
    except RuntimeError as exc:
        raise SnapshotFailed(str(exc)) from None
