"""The map's web page: the app URL scheme, a locked-down page, and request blocking.

The page can load only from ``sitmap://app``; it cannot navigate away, open windows,
read local files, or reach the network except the tile hosts the user configured.
"""

from __future__ import annotations

import collections
import itertools
import logging

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QFile, QIODevice, QObject, QRunnable, QThreadPool, QUrl, Signal
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
    QWebEngineUrlRequestJob,
    QWebEngineUrlScheme,
    QWebEngineUrlSchemeHandler,
)

from desktop.page.assets import AssetStore
from desktop.page.districts import URL_PREFIX as DISTRICTS_PREFIX
from desktop.page.shell import HOST, PAGE_URL, SCHEME

log = logging.getLogger("sitmap.page")
js_log = logging.getLogger("sitmap.page.js")


def register_scheme() -> None:
    """Must run before the QApplication exists (Qt requirement for custom schemes)."""
    if QWebEngineUrlScheme.schemeByName(SCHEME.encode()).name():
        return
    scheme = QWebEngineUrlScheme(SCHEME.encode())
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    F = QWebEngineUrlScheme.Flag
    # FetchApiAllowed: the page fetches its own JSON (the outline basemap, the tile layer list).
    scheme.setFlags(F.SecureScheme | F.CorsEnabled | F.FetchApiAllowed)
    QWebEngineUrlScheme.registerScheme(scheme)


def _qt_resource(path: str) -> bytes | None:
    f = QFile(path)
    if not f.open(QIODevice.OpenModeFlag.ReadOnly):
        return None
    try:
        return bytes(f.readAll().data())
    finally:
        f.close()


class _TileFetch(QRunnable):
    """Fetches one online tile off the GUI thread (a tile server may take seconds)."""

    def __init__(self, handler: "SchemeHandler", key: int, source, zxy: tuple[int, int, int]) -> None:
        super().__init__()
        self.handler, self.key, self.source, self.zxy = handler, key, source, zxy

    def run(self) -> None:
        try:
            found = self.source.get(*self.zxy)
        except Exception:  # a tile that cannot be fetched is a missing tile, never a crash
            log.exception("online tile %s failed", self.zxy)
            found = None
        _tell(self.handler, "tileReady", self.key, found)


class _AssetBuild(QRunnable):
    """Builds an asset that takes long the first time (the built-in districts read from
    their boundary files) off the GUI thread, where the page's requests are served."""

    def __init__(self, handler: "SchemeHandler", key: int, path: str) -> None:
        super().__init__()
        self.handler, self.key, self.path = handler, key, path

    def run(self) -> None:
        try:
            found = self.handler.store.get(self.path)
        except Exception:  # never a crash: the page is told the asset is missing
            log.exception("asset %s failed", self.path)
            found = None
        _tell(self.handler, "assetReady", self.key, found)


def _tell(handler: "SchemeHandler", signal: str, key: int, found) -> None:
    """Hand a result built on the pool back to the handler; a page closed meanwhile (its
    handler deleted) has no one left to tell, which is not an error."""
    try:
        getattr(handler, signal).emit(key, found)
    except RuntimeError:  # "Signal source has been deleted": the window went first
        log.debug("%s for request %d after its page closed", signal, key)


class SchemeHandler(QWebEngineUrlSchemeHandler):
    """Serves ``sitmap://app/...`` from the asset store; everything else fails.

    Tiles from packs are read on the spot (milliseconds); online tiles are fetched on a
    small thread pool and the request answered when they arrive.
    """

    tileReady = Signal(int, object)
    assetReady = Signal(int, object)

    def __init__(self, store: AssetStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.served: list[str] = []
        # Tiles are many over a session: keep the recent ones for tests and the status.
        self.served_tiles: collections.deque[str] = collections.deque(maxlen=2000)
        self.missing_tiles = 0
        self._pending: dict[int, tuple[QWebEngineUrlRequestJob, str]] = {}
        self._keys = itertools.count(1)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(4)  # polite to a tile server, enough for a screenful
        self.tileReady.connect(self._tile_ready)
        self.assetReady.connect(self._asset_ready)

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 (Qt override)
        url = job.requestUrl()
        if url.host() != HOST or job.requestMethod() != QByteArray(b"GET"):
            job.fail(QWebEngineUrlRequestJob.Error.RequestDenied)
            return
        path = url.path()
        if self.store.is_tile(path):
            self._tile(job, path)
            return
        if path == "/qwebchannel.js":
            data = _qt_resource(":/qtwebchannel/qwebchannel.js")
            found = (data, "text/javascript") if data is not None else None
        elif path.startswith(DISTRICTS_PREFIX):  # built on first use: answered when ready
            key = next(self._keys)
            self._pending[key] = (job, path)
            self._pool.start(_AssetBuild(self, key, path))
            return
        else:
            found = self.store.get(path)
        if found is None:
            log.warning("page asked for a missing asset: %s", path)
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        self.served.append(path)
        self._reply(job, found)

    def _tile(self, job: QWebEngineUrlRequestJob, path: str) -> None:
        source = self.store.tile_source(path)
        if source is not None and source.meta.online:
            hit = self.store.tiles.parse(path)
            key = next(self._keys)
            self._pending[key] = (job, path)
            self._pool.start(_TileFetch(self, key, source, hit[1:]))
            return
        self._finish_tile(job, path, self.store.get(path))

    def _asset_ready(self, key: int, found) -> None:
        job, path = self._pending.pop(key, (None, ""))
        if job is None or not shiboken6.isValid(job):  # the page went away meanwhile
            return
        if found is None:
            log.warning("page asked for a missing asset: %s", path)
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        self.served.append(path)
        self._reply(job, found)

    def _tile_ready(self, key: int, found) -> None:
        job, path = self._pending.pop(key, (None, ""))
        # The page may have dropped the tile (panned away) while it was being fetched.
        if job is not None and shiboken6.isValid(job):
            self._finish_tile(job, path, found)

    def _finish_tile(self, job: QWebEngineUrlRequestJob, path: str, found) -> None:
        if found is None:
            self.missing_tiles += 1
            log.debug("no tile for %s", path)  # the page counts these and says "tiles missing"
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        self.served_tiles.append(path)
        self._reply(job, found)

    @staticmethod
    def _reply(job: QWebEngineUrlRequestJob, found: tuple[bytes, str]) -> None:
        data, mime = found
        buf = QBuffer(job)
        buf.setData(QByteArray(data))
        buf.open(QIODevice.OpenModeFlag.ReadOnly)
        job.reply(mime.encode(), buf)

    def shutdown(self) -> None:
        """Wait for online fetches still running (each ends within its timeout)."""
        self._pending.clear()
        self._pool.clear()
        self._pool.waitForDone(15000)


class RequestGuard(QWebEngineUrlRequestInterceptor):
    """Blocks every request outside the app scheme and the allowed tile hosts; counts them."""

    def __init__(self, allowed_hosts: set[str] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.allowed_hosts = set(allowed_hosts or ())
        self.blocked: list[str] = []
        self.external: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802
        url = info.requestUrl()
        scheme = url.scheme()
        if scheme == SCHEME and url.host() == HOST:
            return
        if scheme in ("data", "blob"):
            return
        if scheme == "https" and self._host_allowed(url.host()):
            self.external.append(url.toString())
            return
        self.blocked.append(url.toString())
        info.block(True)

    def _host_allowed(self, host: str) -> bool:
        return any(host == h or (h.startswith("*.") and host.endswith(h[1:])) for h in self.allowed_hosts)


class MapPage(QWebEnginePage):
    """The page: only the app page may load, no windows, console into logging."""

    jsError = Signal(str)

    def __init__(self, profile: QWebEngineProfile, parent: QObject | None = None) -> None:
        super().__init__(profile, parent)
        self.js_errors: list[str] = []
        self.refused: list[str] = []
        s = self.settings()
        A = QWebEngineSettings.WebAttribute
        for attr, on in (
            (A.JavascriptEnabled, True),
            (A.JavascriptCanOpenWindows, False),
            (A.JavascriptCanAccessClipboard, False),
            (A.LocalContentCanAccessRemoteUrls, False),
            (A.LocalContentCanAccessFileUrls, False),
            (A.LocalStorageEnabled, False),
            (A.PluginsEnabled, False),
            (A.FullScreenSupportEnabled, False),
            (A.ScreenCaptureEnabled, False),
            (A.WebGLEnabled, False),
            (A.AutoLoadIconsForPage, False),
            (A.FocusOnNavigationEnabled, False),
            (A.PdfViewerEnabled, False),
            (A.NavigateOnDropEnabled, False),
        ):
            s.setAttribute(attr, on)
        self.featurePermissionRequested.connect(self._deny_feature) if hasattr(self, "featurePermissionRequested") else None

    def _deny_feature(self, origin, feature) -> None:
        self.setFeaturePermission(origin, feature, QWebEnginePage.PermissionPolicy.PermissionDeniedByUser)

    def acceptNavigationRequest(self, url: QUrl, nav_type, is_main_frame: bool) -> bool:  # noqa: N802
        target = url.toString().split("#", 1)[0]
        if target == PAGE_URL:
            return True
        self.refused.append(url.toString())
        log.warning("refused navigation to %s", url.toString())
        return False

    def createWindow(self, _type) -> None:  # noqa: N802
        log.warning("refused a page request to open a window")
        return None

    def javaScriptConsoleMessage(self, level, message: str, line: int, source: str) -> None:  # noqa: N802
        L = QWebEnginePage.JavaScriptConsoleMessageLevel
        if level == L.ErrorMessageLevel:
            text = f"{message} ({source}:{line})"
            self.js_errors.append(text)
            js_log.error("%s", text)
            self.jsError.emit(text)
        elif level == L.WarningMessageLevel:
            js_log.warning("%s (%s:%d)", message, source, line)
        else:
            js_log.debug("%s (%s:%d)", message, source, line)


def make_profile(store: AssetStore, allowed_hosts: set[str] | None, parent: QObject) -> tuple[QWebEngineProfile, SchemeHandler, RequestGuard]:
    """An off-the-record profile: no cookies, cache or storage on disk."""
    profile = QWebEngineProfile(parent)
    profile.setHttpUserAgent(f"Sitmap/{__import__('desktop').__version__} (situation map; offline-first)")
    handler = SchemeHandler(store, profile)
    profile.installUrlSchemeHandler(SCHEME.encode(), handler)
    guard = RequestGuard(allowed_hosts, profile)
    profile.setUrlRequestInterceptor(guard)
    return profile, handler, guard
