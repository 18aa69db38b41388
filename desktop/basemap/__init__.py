"""The basemap: what is drawn under the items, offline first.

Owns tile sources and their metadata (:mod:`tiles`), the on-disk tile cache and the
opt-in online layers (:mod:`tilecache`), offline tile packs (:mod:`tilepack`) and the
offline gazetteer of places (:mod:`places`). No network request is made unless the
user configured a layer that needs one.

May import: :mod:`desktop.core`. No Qt.
"""
