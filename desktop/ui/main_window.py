"""The situation map window: map in the centre, time slider below, filters left,
feed and details right. The window keeps the current filter; every change goes to the
query worker, and only the newest answer is drawn."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStyle,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core import paths
from desktop.cache import Cache, CacheError
from desktop.engine.feed_rows import RowLoader
from desktop.core.filters import Filter
from desktop.core.geo import Area, GeoError, area_from_geojson, circle
from desktop.engine.mapdata import Request, Result, View
from desktop.core.timefmt import fmt_range
from desktop.basemap.tiles import TileRegistry
from desktop.ui.basemap_menu import BasemapControl, PlaceSearch, district_context
from desktop.ui.details_pane import DetailsPane
from desktop.ui.district_dialog import DistrictDialog
from desktop.ui.feed_model import FeedModel, FeedView
from desktop.ui.filters_panel import FiltersPanel
from desktop.ui.map_view import MapView
from desktop.ui.timeline_widget import TimelineWidget
from desktop.ui.worker import WorkerThread

log = logging.getLogger("sitmap.window")

SPEEDS = [("1×", 1_000), ("10×", 10_000), ("1 min/s", 60_000), ("5 min/s", 300_000), ("15 min/s", 900_000),
          ("1 h/s", 3_600_000), ("6 h/s", 21_600_000)]


def settings() -> QSettings:
    return QSettings(str(paths.data_dir() / "settings.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    resultApplied = Signal(object)  # noqa: N815 (for tests and benchmarks)

    def __init__(self, db_path: Path, *, restore: bool = True) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.setWindowTitle(self.tr("Sitmap — {name}").format(name=self.db_path.name))
        self.resize(1500, 950)
        self.zone = "Asia/Seoul"
        self.gen = 0
        self.applied_gen = -1
        self.view: View | None = None
        self.selected: int | None = None
        self.last_result: Result | None = None
        self._span: tuple[int, int] | None = None
        self._area_seq = 0
        self._restored_window: tuple[int, int] | None = None
        self._restored_view: tuple[list, float] | None = None
        self._last_center: list | None = None
        self._submit_timer = QTimer(self, singleShot=True, interval=0)
        self._submit_timer.timeout.connect(self._submit)
        self._live_timer = QTimer(self, interval=1000)
        self._live_timer.timeout.connect(self._live_tick)
        self._live_moving = False

        self.tiles = TileRegistry()
        self.map = MapView(parent=self, tiles=self.tiles)
        self.setCentralWidget(self.map)
        self.bridge = self.map.bridge

        self.filters = FiltersPanel()
        self._dock(self.filters, self.tr("Filters"), Qt.DockWidgetArea.LeftDockWidgetArea, "filtersDock")

        self.loader = RowLoader(self.db_path)
        self.feed_model = FeedModel(self.loader)
        self.feed = FeedView()
        self.feed.setModel(self.feed_model)
        self.details = DetailsPane()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.feed)
        split.addWidget(self.details)
        split.setSizes([560, 340])
        self.feed_dock = self._dock(split, self.tr("Feed"), Qt.DockWidgetArea.RightDockWidgetArea, "feedDock")

        self.timeline = TimelineWidget()
        self.timeline.setObjectName("timeline")
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(6, 2, 6, 4)
        bl.addLayout(self._playback_bar())
        bl.addWidget(self.timeline)
        self._dock(bottom, self.tr("Time"), Qt.DockWidgetArea.BottomDockWidgetArea, "timeDock")

        self._toolbar()
        self.status = QLabel()
        self.status.setObjectName("statusText")
        self.statusBar().addWidget(self.status, 1)
        self.counts = QLabel()
        self.statusBar().addPermanentWidget(self.counts)

        self.writer: Cache | None = None
        self.worker = WorkerThread(self.db_path)
        self.worker.worker.indexReady.connect(self._index_ready)
        self.worker.worker.resultReady.connect(self._apply)
        self.worker.worker.failed.connect(self._failed)

        self.resizeDocks([self.findChild(QDockWidget, "filtersDock"),
                          self.feed_dock], [300, 520], Qt.Orientation.Horizontal)
        self._wire()
        from desktop.ui.live_wiring import LiveWiring

        self.live = LiveWiring(self)
        self._load_saved_areas()
        if restore:
            self._restore()

    # construction -------------------------------------------------------------------
    def _dock(self, w: QWidget, title: str, area, name: str) -> QDockWidget:
        d = QDockWidget(title, self)
        d.setObjectName(name)
        d.setWidget(w)
        d.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, d)
        return d

    def _playback_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        st = self.style()
        SP = QStyle.StandardPixmap
        self._icons = {"play": st.standardIcon(SP.SP_MediaPlay), "pause": st.standardIcon(SP.SP_MediaPause)}
        self.play_btn = QToolButton()
        self.play_btn.setIcon(self._icons["play"])
        self.play_btn.setObjectName("play")
        self.play_btn.setToolTip(self.tr("Play / pause (Space)"))
        self.play_btn.clicked.connect(lambda: self.timeline.toggle_play())
        back = QToolButton()
        back.setIcon(st.standardIcon(SP.SP_MediaSkipBackward))
        back.setToolTip(self.tr("Step back (Left)"))
        back.clicked.connect(lambda: self.timeline.step(-1))
        fwd = QToolButton()
        fwd.setIcon(st.standardIcon(SP.SP_MediaSkipForward))
        fwd.setToolTip(self.tr("Step forward (Right)"))
        fwd.clicked.connect(lambda: self.timeline.step(+1))
        for b in (back, self.play_btn, fwd):
            row.addWidget(b)
        row.addWidget(QLabel(self.tr("Speed")))
        self.speed = QComboBox()
        for label, v in SPEEDS:
            self.speed.addItem(label, v)
        self.speed.setCurrentIndex(3)
        self.speed.currentIndexChanged.connect(lambda _i: self.timeline.set_play_speed(self.speed.currentData()))
        row.addWidget(self.speed)
        row.addSpacing(12)
        for name, label in (("15m", self.tr("15 min")), ("1h", self.tr("1 h")), ("6h", self.tr("6 h")),
                            ("24h", self.tr("24 h")), ("all", self.tr("All"))):
            b = QToolButton(text=label)
            b.setObjectName(f"preset_{name}")
            b.setToolTip(self.tr("Window: last {label}").format(label=label) if name != "all" else self.tr("Whole incident"))
            b.clicked.connect(lambda _c=False, n=name: self.timeline.apply_preset(n))
            row.addWidget(b)
        row.addSpacing(12)
        self.live_btn = QToolButton(text=self.tr("● Live"))
        self.live_btn.setObjectName("live")
        self.live_btn.setCheckable(True)
        self.live_btn.setShortcut(QKeySequence("L"))
        self.live_btn.setToolTip(self.tr("Follow now, keeping the window's width (L); scrubbing back leaves live mode"))
        self.live_btn.toggled.connect(self.set_live)
        row.addWidget(self.live_btn)
        row.addStretch(1)
        self.window_label = QLabel()
        self.window_label.setObjectName("windowLabel")
        row.addWidget(self.window_label)
        return row

    def _toolbar(self) -> None:
        tb = QToolBar(self.tr("Map"))
        tb.setObjectName("mapToolbar")
        self.map_toolbar = tb
        self.addToolBar(tb)
        self.heat_action = QAction(self.tr("Heatmap"), self, checkable=True)
        self.heat_action.setShortcut(QKeySequence("Ctrl+H"))
        self.heat_action.toggled.connect(lambda on: self.bridge.send({"type": "settings", "heat": on}))
        tb.addAction(self.heat_action)
        self.utc_action = QAction(self.tr("Show UTC"), self, checkable=True)
        self.utc_action.toggled.connect(self._set_utc)
        tb.addAction(self.utc_action)
        fit = QAction(self.tr("Zoom to items"), self)
        fit.triggered.connect(self.zoom_to_items)
        tb.addAction(fit)
        lang = QToolButton()
        lang.setText(self.tr("Language"))
        lang.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(lang)
        for code, label in (("ko", "한국어"), ("en", "English")):
            menu.addAction(label, lambda c=code: self._set_language(c))
        lang.setMenu(menu)
        tb.addWidget(lang)
        self.basemap = BasemapControl(self, self.tiles)
        tb.addWidget(self.basemap.button)
        self.place_search = PlaceSearch(self)
        tb.addWidget(self.place_search)
        imp = QAction(self.tr("Import…"), self)
        imp.setShortcut(QKeySequence("Ctrl+I"))
        imp.triggered.connect(self._import_files)
        tb.addAction(imp)

    def _wire(self) -> None:
        self.filters.changed.connect(self.schedule)
        self.filters.areasChanged.connect(self._areas_changed)
        self.filters.drawRequested.connect(lambda m: self.bridge.send({"type": "draw", "mode": m}))
        self.filters.loadBoundaryRequested.connect(self.pick_districts)
        self.filters.saveAreaRequested.connect(self.save_area)
        self.filters.removeAreaRequested.connect(self.remove_area)
        self.filters.zoomToAreaRequested.connect(self.zoom_to_area)
        self.timeline.windowChanged.connect(lambda *_: self.schedule())
        self.timeline.windowCommitted.connect(self._window_committed)
        self.timeline.playingChanged.connect(lambda on: self.play_btn.setIcon(self._icons["pause" if on else "play"]))
        self.bridge.pageReady.connect(self._page_ready)
        self.bridge.viewChanged.connect(self._view_changed)
        self.bridge.itemClicked.connect(self._map_clicked)
        self.bridge.areaDrawn.connect(self._area_drawn)
        self.feed.itemSelected.connect(self._feed_selected)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.focus_search)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, activated=self.timeline.toggle_play,
                  context=Qt.ShortcutContext.WindowShortcut)
        QShortcut(QKeySequence(Qt.Key.Key_Left), self, activated=lambda: self.timeline.step(-1))
        QShortcut(QKeySequence(Qt.Key.Key_Right), self, activated=lambda: self.timeline.step(+1))
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=lambda: self.bridge.send({"type": "draw", "mode": None}))

    # the filter ----------------------------------------------------------------------
    def current_filter(self) -> Filter:
        start, end = self.timeline.window() if self._span else (None, None)
        return Filter(start_ms=start, end_ms=end, areas=self.filters.active_areas(),
                      hashtags=self.filters.active_tags(), kinds=self.filters.kinds(),
                      sources=self.filters.selected_sources(), text=self.filters.search.text().strip(),
                      precisions=self.filters.precisions())

    def schedule(self) -> None:
        """Coalesce changes made in one event-loop turn into one request."""
        if not self._submit_timer.isActive():
            self._submit_timer.start()

    def _submit(self) -> None:
        if self._span is None:
            return
        self.gen += 1
        areas = tuple(r["area"] for r in self.filters.area_rows())
        req = Request(gen=self.gen, flt=self.current_filter(), view=self.view, selected=self.selected, areas=areas)
        self.worker.worker.submit(req)

    def _apply(self, res: Result) -> None:
        if res.gen <= self.applied_gen:
            return  # an older answer overtaken by a newer one
        self.applied_gen = res.gen
        self.last_result = res
        if res.page is not None:
            self.bridge.send(res.page)
        self.feed_model.set_ids(res.feed_ids)
        if self.selected is not None:
            self.feed.select_item(self.selected, scroll=False)
        if res.histogram is not None:
            bin0, bms, posts, fld = res.histogram
            self.timeline.set_histogram(bin0, bms, posts, fld)
        self.filters.set_top_tags(res.top_tags)
        self.filters.set_area_counts(res.area_counts)
        self._send_areas(res.area_counts)
        self.bridge.send({"type": "units", "units": res.units})
        self.status.setText(res.flt.describe(self.zone))
        self.counts.setText(self.tr("{n} items · {v} in view · {ms:.0f} ms").format(
            n=res.total, v=res.in_view, ms=res.compute_ms))
        if res.flt.start_ms is not None:
            self.window_label.setText(fmt_range(res.flt.start_ms, res.flt.end_ms, self.zone))
        self.resultApplied.emit(res)

    def _failed(self, msg: str) -> None:
        self.statusBar().showMessage(msg, 15000)
        log.error(msg)

    # index and page ------------------------------------------------------------------
    def _index_ready(self, info: dict) -> None:
        span = info["span"]
        self.filters.set_sources(info["sources"])
        if span is None:
            self.statusBar().showMessage(self.tr("The cache is empty: import files (Ctrl+I) or run 'sitmap demo'."))
            return
        first = self._span is None
        if first:
            self.statusBar().clearMessage()  # e.g. "the cache is empty", now outdated
        new = (span[0], span[1] + 1)
        if not first:  # new data (an import, a live feed) only ever widens the span
            new = (min(new[0], self._span[0]), max(new[1], self._span[1]))
        self._span = new
        self.timeline.set_span(*self._span)
        self.feed_model.set_span(*self._span)
        if first and not self._restored_window:
            self.timeline.set_window(*self._span, emit=False)
        elif first:
            s, e = self._restored_window
            s, e = max(s, self._span[0]), min(e, self._span[1])
            self.timeline.set_window(*(self._span if s >= e else (s, e)), emit=False)
        self.schedule()

    def _page_ready(self, _info: dict) -> None:
        # A reloaded page (renderer crash) starts empty: replay everything.
        self.bridge.send({"type": "settings", "heat": self.heat_action.isChecked()})
        if self._restored_view:
            c, z = self._restored_view
            self.bridge.send({"type": "view", "center": c, "zoom": z})
        self.schedule()

    def _view_changed(self, v: dict) -> None:
        self.view = View(bounds=v["bounds"], zoom=v["zoom"], width=v["width"], height=v["height"])
        self._last_center = v.get("center")
        self.schedule()

    # selection -----------------------------------------------------------------------
    def _feed_selected(self, item_id: int) -> None:
        self.select_item(item_id, from_map=False)

    def _map_clicked(self, item_id: int) -> None:
        self.select_item(item_id, from_map=True)

    def select_item(self, item_id: int | None, from_map: bool = False) -> None:
        self.selected = item_id
        item = self.loader.load([item_id]).get(item_id) if item_id is not None else None
        self.details.show_item(item)
        if from_map and item_id is not None:
            self.feed.select_item(item_id, scroll=True)
        msg = {"type": "select", "id": item_id, "pan": not from_map}
        if item and item.get("lat") is not None:
            msg.update(lat=item["lat"], lon=item["lon"])
        self.bridge.send(msg)

    # areas ---------------------------------------------------------------------------
    def _next_area_name(self, kind: str) -> str:
        self._area_seq += 1
        names = {"polygon": self.tr("Polygon"), "rectangle": self.tr("Rectangle"), "circle": self.tr("Circle")}
        name = f"{names.get(kind, kind)} {self._area_seq}"
        while name in self.filters.areas:
            self._area_seq += 1
            name = f"{names.get(kind, kind)} {self._area_seq}"
        return name

    def _area_drawn(self, shape: dict) -> None:
        name = self._next_area_name(shape["kind"])
        try:
            if shape["kind"] == "circle":
                lon, lat = shape["center"]
                area = circle(name, lat, lon, shape["radius_m"])
            else:
                area = area_from_geojson(name, {"type": "Polygon", "coordinates": [shape["ring"]]})
        except GeoError as exc:
            self.statusBar().showMessage(str(exc), 10000)
            return
        self.filters.add_area(area)

    def add_areas(self, areas: list[Area]) -> None:
        for a in areas:
            self.filters.add_area(a)

    def _areas_changed(self) -> None:
        self._send_areas(self.last_result.area_counts if self.last_result else {})
        self.schedule()

    def _send_areas(self, counts: dict) -> None:
        rows = self.filters.area_rows()
        self.bridge.send({"type": "areas", "areas": [
            {"id": r["name"], "name": r["name"], "geometry": r["area"].to_geojson(), "exclude": r["area"].exclude,
             "visible": r["visible"], "count": counts.get(r["name"]), "selected": r["active"]} for r in rows]})

    def pick_districts(self, path: str | None = None) -> DistrictDialog | None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("Boundary file"), str(Path.home()),
                                                  self.tr("Boundaries (*.geojson *.json *.shp *.gpkg *.kml);;All files (*)"))
            if not path:
                return None
        try:
            dlg = DistrictDialog(Path(path), self)
        except GeoError as exc:
            QMessageBox.warning(self, self.tr("Boundary file"), str(exc))
            return None
        dlg.accepted.connect(lambda: self.add_areas(dlg.chosen_areas()))
        self.show_districts(dlg.gdf)
        dlg.open()
        return dlg

    def show_districts(self, gdf) -> None:
        """A loaded boundary file becomes context on the map (outlines, names) and place search."""
        try:
            ctx = district_context(gdf)
            self.place_search.add_boundaries(gdf)
        except Exception as exc:  # a context layer must never stop the dialog
            log.warning("district outlines unavailable: %s", exc)
            return
        self.map.store.context = ctx  # a reloaded page gets it back without a replay
        self.bridge.send({"type": "districts", "features": ctx})

    def _writer(self) -> Cache:
        if self.writer is None:
            self.writer = Cache.open(self.db_path)
        return self.writer

    def _load_saved_areas(self) -> None:
        try:
            with Cache.open_readonly(self.db_path) as c:
                rows = c.conn.execute("SELECT name, geometry, exclude FROM areas ORDER BY id").fetchall()
        except CacheError as exc:
            self._failed(str(exc))
            return
        for name, geom, exc in rows:
            try:
                self.filters.add_area(area_from_geojson(name, geom, bool(exc)), active=False, saved=True)
            except GeoError as e:
                log.warning("saved area %s unusable: %s", name, e)

    def save_area(self, name: str) -> None:
        a = self.filters.areas.get(name)
        if a is None:
            return
        try:
            with self._writer().transaction() as conn:
                conn.execute("INSERT OR REPLACE INTO areas (name, geometry, exclude, created_ms) VALUES (?,?,?,?)",
                             (a.name, json.dumps(a.to_geojson()), int(a.exclude), int(time.time() * 1000)))
        except CacheError as exc:
            QMessageBox.warning(self, self.tr("Save area"), str(exc))
            return
        self.statusBar().showMessage(self.tr("Area “{name}” saved in the cache").format(name=name), 5000)

    def remove_area(self, name: str) -> None:
        self.filters.remove_area(name)

    def zoom_to_area(self, name: str) -> None:
        a = self.filters.areas.get(name)
        if a is not None:
            self.bridge.send({"type": "fit", "bounds": list(a.geometry.bounds)})

    def zoom_to_items(self) -> None:
        res = self.last_result
        if res is None or self.worker.worker.data is None:
            return
        idx = self.worker.worker.data.index
        pos = idx.positions_of(res.feed_ids)
        lat, lon = idx.lat64[pos], idx.lon64[pos]
        ok = ~(lat != lat)
        if ok.any():
            self.bridge.send({"type": "fit", "bounds": [float(lon[ok].min()), float(lat[ok].min()),
                                                        float(lon[ok].max()), float(lat[ok].max())]})

    # live mode ------------------------------------------------------------------------
    def is_live(self) -> bool:
        return self.live_btn.isChecked()

    def set_live(self, on: bool) -> None:
        """Make the time window follow now (its width kept); off when the user scrubs back."""
        if self.live_btn.isChecked() != on:
            self.live_btn.setChecked(on)  # re-enters through toggled
            return
        self.live_btn.setStyleSheet("QToolButton { color: #dc2626; font-weight: bold; }" if on else "")
        if on:
            self.timeline.pause()
            self._live_timer.start()
            self._live_tick()
        else:
            self._live_timer.stop()

    def _live_tick(self, now_ms: int | None = None) -> None:
        if self._span is None:
            return
        now = int(now_ms if now_ms is not None else time.time() * 1000)
        start, end = self.timeline.window()
        width = max(end - start, 60_000)
        span_end = max(now, self._span[1])
        self._live_moving = True
        try:
            self._span = (self._span[0], span_end)
            self.timeline.set_span(*self._span, emit=False)
            self.feed_model.set_span(*self._span)
            self.timeline.set_window(span_end - width, span_end)
        finally:
            self._live_moving = False

    def _window_committed(self, start: int, end: int) -> None:
        # A user gesture that moves the window's end away from now leaves live mode.
        if self.is_live() and not self._live_moving and self._span and end < self._span[1] - 2_000:
            self.set_live(False)

    # misc ----------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.filters.search.setFocus()
        self.filters.search.selectAll()

    def _set_utc(self, on: bool) -> None:
        self.zone = "UTC" if on else "Asia/Seoul"
        self.timeline.set_display_zone(self.zone)
        self.feed_model.set_display_zone(self.zone)
        self.schedule()

    def _set_language(self, code: str) -> None:
        from desktop.ui.settings import save_language

        save_language(code)
        self.statusBar().showMessage(self.tr("Language: restart Sitmap to apply"), 10000)

    def _import_files(self) -> None:
        from desktop.ui.import_dialog import run_import_dialog

        if run_import_dialog(self, self.db_path):
            self.worker.reload()

    def _restore(self) -> None:
        s = settings()
        geo = s.value("window/geometry")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
        state = s.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        hdr = s.value("feed/header")
        if isinstance(hdr, QByteArray):
            self.feed.horizontalHeader().restoreState(hdr)
        try:
            view = json.loads(s.value("map/view", "") or "null")
            if view:
                self._restored_view = (view["center"], view["zoom"])
            flt = json.loads(s.value(f"filters/{self.db_path.resolve()}", "") or "null")
        except (ValueError, KeyError, TypeError):
            flt = None
        if flt:
            self.filters.search.setText(flt.get("text", ""))
            self.filters.set_active_tags(flt.get("hashtags", []))
            self.heat_action.setChecked(bool(flt.get("heat")))
            self.utc_action.setChecked(bool(flt.get("utc")))
            if flt.get("window"):
                self._restored_window = tuple(flt["window"])

    def save_state(self) -> None:
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("feed/header", self.feed.horizontalHeader().saveState())
        if self._last_center and self.view:
            c = self._last_center
            s.setValue("map/view", json.dumps({"center": [c[0], c[1]], "zoom": self.view.zoom}))
        flt = {"text": self.filters.search.text(), "hashtags": list(self.filters.active_tags()),
               "heat": self.heat_action.isChecked(), "utc": self.utc_action.isChecked(),
               "window": list(self.timeline.window()) if self._span else None}
        s.setValue(f"filters/{self.db_path.resolve()}", json.dumps(flt, ensure_ascii=False))
        s.sync()

    def closeEvent(self, ev) -> None:  # noqa: N802
        self.save_state()
        self.live.stop()
        self.timeline.pause()
        self.worker.stop()
        self.loader.close()
        if self.writer is not None:
            self.writer.close()
        self.map.shutdown()
        super().closeEvent(ev)
