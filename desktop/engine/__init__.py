"""The interactive engine: everything that turns a view request into a map update.

Owns the in-memory column index over the cache (:mod:`index`, read by
:mod:`source`, saved and reopened by :mod:`snapshot`), the spatial cells and area
masks (:mod:`cellindex`, :mod:`areagrid`), the time-window sums (:mod:`window_agg`),
unit tracks (:mod:`unit_tracks`), the request → payload step (:mod:`mapdata`) and the
feed's rows (:mod:`feed_rows`), and the first open of a cache without a snapshot, read in
time chunks (:mod:`loading`, by reading processes of :mod:`readers`). The slider's path runs here and never touches the
network.

May import: :mod:`desktop.cache`, :mod:`desktop.core`. No Qt.
"""
