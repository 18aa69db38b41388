"""The one base of the errors a user can act on.

Every subsystem raises its own subclass (:class:`desktop.cache.CacheError`,
:class:`desktop.core.geo.GeoError`, :class:`desktop.importers.base.ImportFailed`,
:class:`desktop.basemap.tiles.TileError`, :class:`desktop.live.tak_client.ConfigError`,
:class:`OptionError` for a filter or option a user typed), with a message that names the
file, record or option at fault. Each entry point catches :class:`SitmapError` in one
place: the command line prints ``sitmap: <message>`` and exits 1, the window shows a
message box. Anything else is a defect: it is logged with its traceback to the log file,
and the user is told where the log is, never shown the traceback.
"""

from __future__ import annotations


class SitmapError(Exception):
    """An error with a message meant for the user."""


class OptionError(SitmapError, ValueError):
    """A value the user gave (a time, a bounding box, an area name) that cannot be used."""
