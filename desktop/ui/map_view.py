"""The map widget: a QWebEngineView on the app page, with the bridge attached."""

from __future__ import annotations

import logging

import shiboken6

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from desktop.page.assets import AssetStore
from desktop.page.shell import PAGE_URL, ShellOptions, build_shell
from desktop.basemap.tiles import TileRegistry
from desktop.ui.bridge import Bridge
from desktop.ui.webpage import MapPage, make_profile

log = logging.getLogger("sitmap.map")


class MapView(QWebEngineView):
    """Shows the map page. ``bridge.send`` talks to it; ``bridge`` signals come back."""

    crashed = Signal(str)

    def __init__(self, options: ShellOptions | None = None, parent: QWidget | None = None,
                 tiles: TileRegistry | None = None) -> None:
        """``tiles``: basemap tile layers served to the page at /tiles/… (packs, cached online)."""
        super().__init__(parent)
        from desktop.page import districts

        districts.prepare()  # the built-in district outlines, read off the window's thread
        self._shut = False
        self.options = options or ShellOptions()
        self.tiles = tiles
        self.store = AssetStore(build_shell(self.options), tiles)
        hosts = {t.origin().split("://", 1)[-1] for t in self.options.tiles}
        self.profile, self.scheme_handler, self.guard = make_profile(self.store, hosts, self)
        self.map_page = MapPage(self.profile, self)
        self.bridge = Bridge(self)
        self.channel = QWebChannel(self.map_page)
        # Registered before the page loads: objects added later are invisible to the page.
        self.channel.registerObject("sitmap", self.bridge)
        self.map_page.setWebChannel(self.channel)
        self.setPage(self.map_page)
        self.map_page.renderProcessTerminated.connect(self._renderer_died)
        self.setContextMenuPolicy(self.contextMenuPolicy().NoContextMenu)
        self.load_page()

    def load_page(self) -> None:
        self.bridge.reset()
        self.map_page.setUrl(QUrl(PAGE_URL))

    def _renderer_died(self, status, code: int) -> None:
        if status == QWebEnginePage.RenderProcessTerminationStatus.NormalTerminationStatus:
            return
        msg = f"map renderer stopped ({status.name}, code {code}); reloading"
        log.error(msg)
        self.crashed.emit(msg)
        # The window replays its state when the page reports ready again.
        self.load_page()

    def shutdown(self) -> None:
        """Detach the page before the profile goes (Qt warns and may crash otherwise)."""
        if self._shut:
            return
        self._shut = True
        self.scheme_handler.shutdown()
        self.map_page.renderProcessTerminated.disconnect(self._renderer_died)
        page = self.map_page
        # No placeholder page: one on the default profile would outlive that profile at exit.
        shiboken6.delete(page)
        # The profile goes now, after its only page, not whenever the view's children are
        # destroyed (at exit that can be after Qt has started tearing the engine down).
        self.scheme_handler = None
        shiboken6.delete(self.profile)
        self.profile = None
