"""The map's tools: heatmap, UTC, zoom to items, saving the map as an image, basemap,
place search and language.

Heatmap and the display zone are session fields (``heat``, ``zone``); the page is told
when they change and again when it restarts.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QToolButton

from desktop.ui.basemap_menu import BasemapControl, PlaceSearch
from desktop.ui.panels.base import MenuEntry, Panel


class MapTools(Panel):
    name = "map_tools"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        win = ctx.window
        self.heat_action = QAction(self.tr("Heatmap"), win, checkable=True)
        self.heat_action.setShortcut(QKeySequence("Ctrl+H"))
        self.heat_action.toggled.connect(lambda on: setattr(self.session, "heat", on))
        self.utc_action = QAction(self.tr("Show UTC"), win, checkable=True)
        self.utc_action.setShortcut(QKeySequence("Ctrl+U"))
        self.utc_action.toggled.connect(lambda on: setattr(self.session, "zone", "UTC" if on else "Asia/Seoul"))
        self.fit_action = QAction(self.tr("Zoom to items"), win)
        self.fit_action.setShortcut(QKeySequence("Ctrl+0"))
        self.fit_action.triggered.connect(self.zoom_to_items)
        self.save_action = QAction(self.tr("Save map image…"), win)
        self.save_action.setObjectName("saveMapImageAction")
        self.save_action.setShortcut(QKeySequence("Ctrl+Alt+S"))
        self.save_action.triggered.connect(self.ask_save_image)
        self.basemap = BasemapControl(win, ctx.tiles)
        self.place_search = PlaceSearch(win)
        ctx.services["place_search"] = self.place_search
        self.lang_button = QToolButton()
        self.lang_button.setText(self.tr("Language"))
        self.lang_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.lang_menu = QMenu(self.tr("Language"), win)
        group = QActionGroup(self.lang_menu)
        for code, label in (("ko", "한국어"), ("en", "English")):
            a = self.lang_menu.addAction(label, lambda c=code: self._set_language(c))
            a.setCheckable(True)
            group.addAction(a)
        self.lang_button.setMenu(self.lang_menu)
        self.session.events.connect("heat", self._heat_changed)
        self.session.events.connect("zone", lambda z: self.utc_action.setChecked(z == "UTC"))

    def actions(self) -> list[MenuEntry]:
        return [MenuEntry("view", self.heat_action, toolbar=True, separator_before=True),
                MenuEntry("view", self.utc_action, toolbar=True),
                MenuEntry("map", self.fit_action, toolbar=True),
                MenuEntry("file", self.save_action)]

    # the map as a picture ----------------------------------------------------------------
    def save_image(self, path) -> bool:
        """Write what the map shows now (markers, areas, basemap) to ``path`` as PNG."""
        from pathlib import Path

        path = Path(path)
        ok = self.ctx.window.map.grab().save(str(path), "PNG")
        if ok:
            self.ctx.status(self.tr("Map image saved: {path}").format(path=str(path)), 8000)
        else:
            from desktop.ui.plain import message

            message(self.ctx.window, self.tr("Save map image"),
                    self.tr("Could not write {path}: check the folder exists and can be written to.").format(
                        path=str(path)), "warning", modal=False)
        return ok

    def ask_save_image(self) -> None:
        from datetime import datetime
        from pathlib import Path

        from PySide6.QtWidgets import QFileDialog

        from desktop.core.timefmt import zone_for

        stamp = datetime.now(zone_for(self.session.zone)).strftime("%Y%m%d-%H%M")
        path, _ = QFileDialog.getSaveFileName(self.ctx.window, self.tr("Save map image"),
                                              str(Path.home() / f"sitmap-{stamp}.png"), self.tr("PNG images (*.png)"))
        if path:
            self.save_image(path if path.lower().endswith(".png") else path + ".png")

    def toolbar_widgets(self):
        return [self.lang_button, self.basemap.button, self.place_search]

    def menus(self):
        """Sub-menus: the basemap's menu goes under Map, the language under View."""
        self.basemap.menu.setTitle(self.tr("Basemap"))
        return [("map", self.basemap.menu), ("view", self.lang_menu)]

    def _heat_changed(self, on: bool) -> None:
        if self.heat_action.isChecked() != on:
            self.heat_action.setChecked(on)
        self.ctx.bridge.send({"type": "settings", "heat": on})

    def on_page_ready(self) -> None:
        self.ctx.bridge.send({"type": "settings", "heat": self.session.heat})
        self.basemap.publish_districts()

    def zoom_to_items(self) -> None:
        res = self.ctx.last_result()
        data = self.ctx.worker.worker.data
        if res is None or data is None:
            return
        idx = data.index
        pos = idx.positions_of(res.feed_ids)
        lat, lon = idx.lat64[pos], idx.lon64[pos]
        ok = ~(lat != lat)
        if ok.any():
            self.ctx.bridge.send({"type": "fit", "bounds": [float(lon[ok].min()), float(lat[ok].min()),
                                                            float(lon[ok].max()), float(lat[ok].max())]})

    def _set_language(self, code: str) -> None:
        # Deferred: the window that owns this menu is replaced.
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: self.ctx.window.switch_language(code))


PANEL = MapTools
