"""The Filters dock: search, kinds, sources, precision, hashtags and areas.

Everything chosen here goes into the session. Areas come from three places (drawn on the
map, picked from a boundary file, saved in the cache earlier); this panel also draws them
on the page, with the count of items in each.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence

from desktop.cache import Cache, CacheError
from desktop.core.geo import GeoError, area_from_geojson, circle
from desktop.live.shapes import circle_properties
from desktop.session import saved_areas
from desktop.ui.basemap_menu import district_context
from desktop.ui.district_dialog import DistrictDialog
from desktop.ui.filters_panel import FiltersPanel
from desktop.ui.panels.base import Area, Dock, MenuEntry, Panel
from desktop.ui.plain import message

log = logging.getLogger("sitmap.areas")


class FiltersDock(Panel):
    name = "filters"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.widget = FiltersPanel(self.session)
        self._area_json: dict = {}  # (id of the area, visible, active) -> (area, its JSON without the counts)
        self._area_seq = 0
        self._counts: dict[str, int] = {}
        self._possibly: dict[str, int | None] = {}  # place/inferred items only "possibly in" each area
        w = self.widget
        w.drawRequested.connect(lambda m: ctx.bridge.send({"type": "draw", "mode": m}))
        w.loadBoundaryRequested.connect(self.pick_districts)
        w.saveAreaRequested.connect(self.save_area)
        w.removeAreaRequested.connect(self.session.remove_area)
        w.zoomToAreaRequested.connect(self.zoom_to_area)
        ctx.bridge.areaDrawn.connect(self._area_drawn)
        self.session.events.connect("areas", lambda _a: self._send_areas())
        self._load_saved_areas()

    def docks(self) -> list[Dock]:
        return [Dock("filtersDock", self.tr("Filters"), self.widget, Area.LeftDockWidgetArea, width=300)]

    def actions(self) -> list[MenuEntry]:
        find = QAction(self.tr("Search text"), self.ctx.window)
        find.setShortcut(QKeySequence("Ctrl+F"))
        find.triggered.connect(self.focus_search)
        districts = QAction(self.tr("Districts…"), self.ctx.window)
        districts.triggered.connect(lambda: self.pick_districts())
        cancel = QAction(self.tr("Cancel drawing"), self.ctx.window)
        cancel.setShortcut(QKeySequence("Esc"))
        cancel.triggered.connect(lambda: self.ctx.bridge.send({"type": "draw", "mode": None}))
        return [MenuEntry("view", find), MenuEntry("map", districts, separator_before=True), MenuEntry("map", cancel)]

    def focus_search(self) -> None:
        self.widget.search.setFocus()
        self.widget.search.selectAll()

    # results ----------------------------------------------------------------------------
    def on_index(self, info: dict) -> None:
        self.widget.set_sources(info["sources"])

    def on_result(self, res) -> None:
        self.widget.set_top_tags(res.top_tags)
        self.widget.set_area_counts(res.area_counts, getattr(res, "area_detail", None))
        self._counts = dict(res.area_counts)
        self._possibly = {k: v.get("possibly_in") for k, v in (getattr(res, "area_detail", None) or {}).items()}
        self._send_areas()

    def on_page_ready(self) -> None:
        self._send_areas()

    def _send_areas(self) -> None:
        """The areas with their counts. Each area's outline is serialised once (a district
        has thousands of vertices) and only the counts at every result; the bridge sends
        nothing when the page has that very message already."""
        fragments = {}
        parts = []
        for e in self.session.areas:
            key = (id(e.area), e.visible, e.active)
            cached = self._area_json.get(key)
            if cached is None or cached[0] is not e.area:
                text = json.dumps({"id": e.name, "name": e.name, "geometry": e.area.to_geojson(),
                                   "exclude": e.area.exclude, "visible": e.visible, "selected": e.active},
                                  ensure_ascii=False, separators=(",", ":"))
                cached = (e.area, text[:-1])  # without its closing brace: the counts follow
            fragments[key] = cached
            counts = json.dumps({"count": self._counts.get(e.name), "possibly": self._possibly.get(e.name)},
                                separators=(",", ":"))
            parts.append(cached[1] + "," + counts[1:])
        self._area_json = fragments  # only the areas shown now are kept
        self.ctx.bridge.send_text("areas", '{"type":"areas","areas":[' + ",".join(parts) + "]}")

    # drawing ------------------------------------------------------------------------------
    def _next_area_name(self, kind: str) -> str:
        names = {"polygon": self.tr("Polygon"), "rectangle": self.tr("Rectangle"), "circle": self.tr("Circle")}
        taken = set(self.session.area_names())
        while True:
            self._area_seq += 1
            name = f"{names.get(kind, kind)} {self._area_seq}"
            if name not in taken:
                return name

    def _area_drawn(self, shape: dict) -> None:
        name = self._next_area_name(shape["kind"])
        try:
            if shape["kind"] == "circle":
                lon, lat = shape["center"]
                area = replace(circle(name, lat, lon, shape["radius_m"]),
                               properties=circle_properties(lat, lon, shape["radius_m"]))
            else:
                area = area_from_geojson(name, {"type": "Polygon", "coordinates": [shape["ring"]]})
        except GeoError as exc:
            self.ctx.status(str(exc), 10000)
            return
        self.session.add_area(area)

    # boundary files -----------------------------------------------------------------------
    def pick_districts(self, path: str | None = None) -> DistrictDialog | None:
        """The Districts dialog: the built-in Korean districts, or the boundary file ``path``
        (the dialog's "From a file…" opens another)."""
        win = self.ctx.window
        try:
            dlg = DistrictDialog(Path(path) if path else None, win)
        except GeoError as exc:
            message(win, self.tr("Boundary file"), str(exc))
            return None

        def chosen() -> None:
            areas = dlg.chosen_areas()
            with self.session.batch():
                for a in areas:
                    self.session.add_area(a)
            if areas:  # show what was picked
                import shapely

                w, s, e, n = shapely.union_all([a.geometry for a in areas]).bounds
                self.ctx.bridge.send({"type": "fit", "bounds": [w, s, e, n], "maxZoom": 15})

        dlg.accepted.connect(chosen)
        dlg.fileLoaded.connect(lambda gdf: self.show_districts(gdf, dlg.path))
        if dlg.gdf is not None:
            self.show_districts(dlg.gdf, dlg.path)
        dlg.open()
        return dlg

    def show_districts(self, gdf, path=None) -> None:
        """A loaded boundary file becomes context on the map (outlines, names) and place search;
        the session names it (``boundaries``), so a campaign can be counted by its features."""
        try:
            ctx = district_context(gdf)
            places = self.ctx.services.get("place_search")
            if places is not None:
                places.add_boundaries(gdf)
        except Exception as exc:  # a context layer must never stop the dialog
            log.warning("district outlines unavailable: %s", exc)
            return
        self.ctx.map.store.context = ctx  # a reloaded page gets it back without a replay
        self.ctx.bridge.send({"type": "districts", "features": ctx})
        if path is not None:
            self.session.boundaries = str(path)

    # saved areas --------------------------------------------------------------------------
    def _load_saved_areas(self) -> None:
        try:
            with Cache.open_readonly(self.ctx.db_path) as c:
                areas = saved_areas.read(c.conn)
        except CacheError as exc:
            self.ctx.status(str(exc), 15000)
            log.error("%s", exc)
            return
        saved_areas.merge(self.session, areas)

    # between runs -------------------------------------------------------------------------
    def restore(self, settings) -> None:
        """The location confidence slider, as the user left it."""
        value = settings.value("min_confidence", "")
        try:
            c = float(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            c = None
        self.session.min_confidence = c if c is not None and 0.0 < c <= 1.0 else None

    def save(self, settings) -> None:
        c = self.session.min_confidence
        settings.setValue("min_confidence", "" if c is None else f"{c:.2f}")

    def save_area(self, name: str) -> None:
        e = self.session.area(name)
        if e is None:
            return
        a = e.area
        try:
            with self.ctx.writer().transaction() as conn:
                geom = a.to_geojson()
                if a.properties.get("shape") == "circle":  # its centre and radius kept beside the polygon
                    geom = {"type": "Feature", "geometry": geom,
                            "properties": circle_properties(a.properties["center"][1], a.properties["center"][0],
                                                            a.properties["radius_m"])}
                conn.execute("INSERT OR REPLACE INTO areas (name, geometry, exclude, created_ms) VALUES (?,?,?,?)",
                             (a.name, json.dumps(geom), int(a.exclude), int(time.time() * 1000)))
        except CacheError as exc:
            message(self.ctx.window, self.tr("Save area"), str(exc))
            return
        self.session.change_area(name, saved=True)
        self.ctx.status(self.tr("Area “{name}” saved in the cache").format(name=name), 5000)

    def zoom_to_area(self, name: str) -> None:
        e = self.session.area(name)
        if e is not None:
            self.ctx.bridge.send({"type": "fit", "bounds": list(e.area.geometry.bounds)})


PANEL = FiltersDock
