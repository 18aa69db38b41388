"""Basemaps and place search in the window: offline packs (MBTiles/PMTiles), an optional
online layer whose tiles Python fetches and caches, district outlines as context, and a
search box that flies to places without a network."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QFileDialog, QLineEdit, QMenu, QToolButton, QWidget

from desktop.core import paths
from desktop.basemap.places import PlaceIndex, boundary_context
from desktop.basemap.tilecache import OnlineTiles, cache_dir_for, osm_standard
from desktop.basemap.tiles import TileError, TileRegistry, open_pack
from desktop.ui.plain import message
from desktop.ui.settings import store

log = logging.getLogger("sitmap.basemap")
DISTRICTS_KEY = "map/district_outlines"


class BasemapControl(QObject):
    """Owns the tile registry shared with the page's URL scheme and the menu that edits it."""

    def __init__(self, window, registry: TileRegistry) -> None:
        super().__init__(window)
        self.window = window
        self.registry = registry
        self.online_slug: str | None = None
        self.button = QToolButton()
        self.button.setText(self.tr("Basemap"))
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.button)
        self.menu.aboutToShow.connect(self._fill_menu)
        self.button.setMenu(self.menu)
        # The built-in districts (KOSTAT 2018) drawn as context, on unless the user turned them off.
        self.districts_shown = str(store().value(DISTRICTS_KEY, "true")).lower() not in ("false", "0")

    def _fill_menu(self) -> None:
        m = self.menu
        m.clear()
        m.addAction(self.tr("Add basemap pack (MBTiles, PMTiles)…"), self.add_pack_dialog)
        outlines = m.addAction(self.tr("Show district outlines"))
        outlines.setObjectName("showDistrictOutlines")
        outlines.setCheckable(True)
        outlines.setChecked(self.districts_shown)
        outlines.toggled.connect(self.set_districts_shown)
        online = m.addAction(self.tr("Online: OpenStreetMap (tiles cached for offline use)"))
        online.setCheckable(True)
        online.setChecked(self.online_slug is not None)
        online.toggled.connect(self.set_online)
        if len(self.registry):
            m.addSeparator()
            for layer in reversed(self.registry.layers()):  # top first, as the map stacks them
                a = m.addAction(self.tr("Remove “{name}”").format(name=layer["name"]))
                a.triggered.connect(lambda _c=False, slug=layer["id"]: self.remove(slug))

    def add_pack_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self.window, self.tr("Add basemap pack"), str(Path.home()),
                                                self.tr("Tile packs (*.mbtiles *.pmtiles);;All files (*)"))
        for f in files:
            self.add_pack(f)

    def add_pack(self, path: str) -> str | None:
        try:
            slug = self.registry.add(open_pack(path), top=True)
        except (TileError, OSError) as exc:
            message(self.window, self.tr("Basemap"), str(exc))
            return None
        self.publish()
        return slug

    def set_online(self, on: bool) -> None:
        if on and self.online_slug is None:
            osm = osm_standard()
            src = OnlineTiles(osm["url"], cache_dir_for(osm["url"], paths.data_dir() / "tiles"), name=osm["name"],
                              attribution=osm["attribution"], maxzoom=osm["maxzoom"])
            self.online_slug = self.registry.add(src, top=False)
        elif not on and self.online_slug is not None:
            self.registry.remove(self.online_slug)
            self.online_slug = None
        self.publish()

    def remove(self, slug: str) -> None:
        if slug == self.online_slug:
            self.online_slug = None
        self.registry.remove(slug)
        self.publish()

    def publish(self) -> None:
        self.window.bridge.send({"type": "tiles", "layers": self.registry.layers()})

    def set_districts_shown(self, on: bool) -> None:
        """Show or hide the built-in district outlines and names; remembered between runs."""
        self.districts_shown = bool(on)
        s = store()
        s.setValue(DISTRICTS_KEY, "true" if on else "false")
        s.sync()
        self.publish_districts()

    def publish_districts(self) -> None:
        self.window.bridge.send({"type": "builtinDistricts", "show": self.districts_shown})


class PlaceSearch(QLineEdit):
    """Type a district or city (Hangul or English); Enter or a pick flies the map there."""

    def __init__(self, window, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.index = PlaceIndex()
        self.setObjectName("placeSearch")
        self.setPlaceholderText(self.tr("Go to place (종로구, 명동, Busan…)"))
        self.setClearButtonEnabled(True)
        self.setMaximumWidth(260)
        self._results: dict[str, dict] = {}
        self._model = QStringListModel(self)
        comp = QCompleter(self._model, self)
        # The place index has already matched (Hangul or English names); the completer
        # shows its answers as they are instead of filtering them again by the typed text.
        comp.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        comp.activated.connect(self._go_label)
        self.setCompleter(comp)
        self.textEdited.connect(self._update)
        self.returnPressed.connect(lambda: self.go(self.text()))

    def add_boundaries(self, gdf) -> None:
        self.index.add_boundaries(gdf)

    def _builtin_districts(self) -> None:
        """The built-in 시군구 and 읍면동 join the search on its first use (read once per run)."""
        try:
            self.index.add_builtin_districts()
        except Exception as exc:  # a damaged install: the cities and file districts still work
            log.warning("built-in districts unavailable for place search: %s", exc)

    def _label(self, r: dict) -> str:
        extra = r.get("region") or r.get("country") or ""
        return f"{r['name']} · {extra}" if extra else r["name"]

    def _update(self, text: str) -> None:
        if len(text.strip()) < 1:
            return
        self._builtin_districts()
        res = self.index.search(text, 12)
        self._results = {self._label(r): r for r in res}
        self._model.setStringList(list(self._results))
        if self._results and self.hasFocus():
            self.completer().complete()

    def _go_label(self, label: str) -> None:
        r = self._results.get(label)
        if r:
            self.fly(r)

    def go(self, text: str) -> dict | None:
        """Fly to ``text``: a suggestion as shown ("중구 · 서울특별시"), else the best match."""
        picked = self._results.get(text)
        if picked:
            self.fly(picked)
            return picked
        self._builtin_districts()
        res = self.index.search(text, 1)
        if not res and " · " in text:  # a suggestion from an earlier search: its name part
            res = self.index.search(text.split(" · ", 1)[0], 1)
        if not res:
            self.window.statusBar().showMessage(self.tr("No place named “{q}”").format(q=text), 5000)
            return None
        self.fly(res[0])
        return res[0]

    def fly(self, r: dict) -> None:
        if r.get("bbox"):
            self.window.bridge.send({"type": "fit", "bounds": list(r["bbox"]), "maxZoom": 15})
        else:
            self.window.bridge.send({"type": "view", "center": [r["lat"], r["lon"]], "zoom": 13})


def district_context(gdf) -> dict:
    return boundary_context(gdf)
