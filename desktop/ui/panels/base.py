"""What a panel is, and what the window gives it.

A panel is one part of the window: it may declare a dock (:meth:`Panel.docks`), actions
for the menus and the toolbar with their shortcuts (:meth:`Panel.actions`), widgets for
the status bar, and keys it saves between runs. It observes and changes the
:class:`~desktop.session.Session` and the window's services (the map, the query worker,
the row loader, the write connection) through :class:`WindowContext`; it never reaches
into another panel. Panels that share something (the live controller) share it as a
named service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from desktop.cache import Cache
from desktop.session import Session

if TYPE_CHECKING:  # the shell builds the context; panels only use it
    from desktop.engine.mapdata import Result

Area = Qt.DockWidgetArea
MENUS = ("file", "view", "map", "live", "tools", "help")  # menu bar order


@dataclass
class Dock:
    """A dock a panel contributes. ``tabify_with`` names another dock's object name."""

    object_name: str
    title: str
    widget: QWidget
    area: Qt.DockWidgetArea
    tabify_with: str | None = None
    width: int | None = None  # initial width of a side dock
    hidden: bool = False  # closed at first (View menu or its shortcut opens it)


@dataclass
class MenuEntry:
    """An action in a menu (``file``, ``view``, ``map``, ``live``, ``tools``, ``help``), optionally on the toolbar."""

    menu: str
    action: QAction
    toolbar: bool = False
    separator_before: bool = False


@dataclass
class WindowContext:
    """The window's shared parts, as panels see them."""

    session: Session
    window: Any  # the QMainWindow, as a parent for dialogs
    map: Any  # desktop.ui.map_view.MapView
    bridge: Any  # desktop.ui.bridge.Bridge
    worker: Any  # desktop.ui.worker.WorkerThread
    loader: Any  # desktop.engine.feed_rows.RowLoader
    tiles: Any  # desktop.basemap.tiles.TileRegistry
    services: dict[str, Any] = field(default_factory=dict)
    _writer: Cache | None = None
    _result: Callable[[], "Result | None"] | None = None

    @property
    def db_path(self) -> Path:
        return self.session.db_path

    def status(self, text: str, ms: int = 8000) -> None:
        """A passing message in the status bar."""
        self.window.statusBar().showMessage(text, ms)

    def writer(self) -> Cache:
        """The window's one write connection, opened when first needed."""
        if self._writer is None:
            self._writer = Cache.open(self.db_path)
        return self._writer

    def last_result(self) -> "Result | None":
        return self._result() if self._result else None

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class Panel:
    """Base of the window's plug-ins. Override what the panel needs; the rest is empty."""

    name = ""  # the registry key; also the settings group

    def __init__(self, ctx: WindowContext) -> None:
        self.ctx = ctx
        self.session = ctx.session

    def tr(self, text: str) -> str:
        from PySide6.QtCore import QCoreApplication

        return QCoreApplication.translate(type(self).__name__, text)

    def record(self, method: str, *args, **kwargs):
        """One audit entry through the window's :class:`~desktop.session.audit.SessionAudit`
        (``method`` names what happened: ``opened``, ``altered``, ``disclosed``…). An entry
        that cannot be written is said in a message box, never silently lost."""
        audit = self.ctx.services.get("audit")
        if audit is None:
            return None
        from desktop.core.errors import SitmapError

        try:
            return getattr(audit, method)(*args, **kwargs)
        except SitmapError as exc:
            import logging

            from desktop.ui.plain import message

            logging.getLogger("sitmap.audit").error("audit entry not written: %s", exc)
            message(self.ctx.window, "Sitmap", str(exc), "critical", modal=False)
            return None

    # what the panel adds to the window ------------------------------------------------
    def docks(self) -> list[Dock]:
        return []

    def actions(self) -> list[MenuEntry]:
        return []

    def status_widgets(self) -> list[QWidget]:
        """Permanent widgets for the right of the status bar."""
        return []

    # what the window tells every panel ----------------------------------------------
    def on_index(self, info: dict) -> None:
        """The cache was (re)read: ``span``, ``sources``, ``count``."""

    def on_result(self, res: "Result") -> None:
        """A newer answer to the session's filter was drawn."""

    def on_page_ready(self) -> None:
        """The map page (re)started empty: send it what this panel shows."""

    # state between runs ---------------------------------------------------------------
    def restore(self, settings: QSettings) -> None:
        """Read this panel's keys (under ``settings.group()`` = the panel's name)."""

    def save(self, settings: QSettings) -> None:
        """Write this panel's keys."""

    def shutdown(self) -> None:
        """The window is closing: stop timers and threads."""
