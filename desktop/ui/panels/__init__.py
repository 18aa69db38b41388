"""The window's panels: one module each, registered in :data:`PANELS`.

A panel module defines a :class:`~desktop.ui.panels.base.Panel` subclass and names it
``PANEL``. The shell (:mod:`desktop.ui.main_window`) creates them in this order (a panel
that offers a service, like ``live``, comes before the panels that use it), lays out
their docks, puts their actions in the menus and the toolbar, and tells each of them
about new results. Adding a panel: write ``desktop/ui/panels/<name>.py`` and add
``"<name>"`` here.
"""

from __future__ import annotations

import importlib

PANELS = (
    "filters",
    "feed",
    "triage",
    "incidents",
    "timeline",
    "map_tools",
    "imports",
    "gazetteer",
    "export",
    "live",
    "chat",
    "alerts",
    "tasks",
    "appeals",
    "tak_shapes",
    "report",
    "campaigns",
    "audit",
    "shared_store",
    "help",
)


def panel_classes(entries: tuple = PANELS) -> list[type]:
    """The classes of ``entries``: module names under this package, or Panel classes."""
    return [importlib.import_module(f"desktop.ui.panels.{e}").PANEL if isinstance(e, str) else e for e in entries]
