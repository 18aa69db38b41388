"""Situation reports: a PDF of a few pages for one filter, in Korean or English.

Owns reading a report's content from the cache (:mod:`data`) and laying it out
(:mod:`sitrep`: :func:`~desktop.report.sitrep.build_report`, the labels of both
languages). The map comes in as a PNG rendered by the caller (the command line through
the offscreen page, the window from its own map), so this package stays Qt-free.

May import: :mod:`desktop.cache`, :mod:`desktop.core`. No Qt.
"""

from desktop.report.sitrep import LABELS, LANGS, ReportError, build_report

__all__ = ["LABELS", "LANGS", "ReportError", "build_report"]
