"""Exports: the items a filter selects, written to a file another tool opens.

One module per format (:mod:`geojson`, :mod:`csv`, :mod:`gpkg`, :mod:`kml`, :mod:`kmz`),
each with ``write(records, path, *, title) -> int``; the fields every format carries are
defined once in :mod:`fields`. :func:`export` is the one entry point (the command line
and the window both call it): it streams the rows of ``desktop.cache.query.iter_items``
with their triage and incidents looked up in batches, reports progress, can be
cancelled, and writes to a temporary name that is renamed only when the file is
complete, so a failed or cancelled export leaves no file behind.

May import: :mod:`desktop.cache`, :mod:`desktop.core`. No Qt.
"""

from desktop.exports.run import (FORMATS, SUFFIXES, ExportCancelled, ExportError, ExportResult, check_out, export,
                                 export_cache, format_for)

__all__ = ["FORMATS", "SUFFIXES", "ExportCancelled", "ExportError", "ExportResult", "check_out", "export", "export_cache",
           "format_for"]
