"""The shared store: a PostgreSQL/PostGIS database that several workstations' caches sync
through, so that a command post shares one picture and every workstation keeps working
offline on its own cache.

Owns the shared schema and its versions (:mod:`schema`), opening the connection and
explaining its errors (:mod:`connect`), the per-workstation sync state in the cache's
``meta`` table (:mod:`state`), the push of local changes (:mod:`push`), the pull of the
shared change log into the cache (:mod:`pull`) and the loop that runs both, woken by
LISTEN/NOTIFY (:mod:`runner`).

May import: :mod:`desktop.cache`, :mod:`desktop.audit`, :mod:`desktop.core`, and psycopg
(loaded on first use: a build without it says so). No Qt.
"""
