"""The errors an export raises: both name the file, both mean no file was left behind."""

from __future__ import annotations

from desktop.core.errors import SitmapError


class ExportError(SitmapError):
    """An export that cannot be written (a bad folder, an unknown format, a full disk)."""


class ExportCancelled(ExportError):
    """The export was cancelled; no file was written."""
