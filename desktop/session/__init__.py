"""The session: what the commander is looking at and doing, as plain Python.

Owns :class:`Session` (the filter, time window, selection, live mode, the open cache,
the operator and purpose) and the one place where user-facing filter options become a
:class:`~desktop.core.filters.Filter` (:mod:`options`). The window's panels observe and
change a Session; the command line builds one from its options, so ``sitmap query``
and the window can never disagree on a filter.

May import: the engine, live, basemap, demo and page layers and everything below. No Qt.
"""

from desktop.session.model import FILTER_FIELDS, AreaEntry, Session

__all__ = ["AreaEntry", "FILTER_FIELDS", "Session"]
