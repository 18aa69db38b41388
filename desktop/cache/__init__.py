"""The local SQLite cache: one file holds the incident's timeline.

Owns the schema and its migrations (:mod:`schema`), the connection and its pragmas
(:mod:`db`), the one transactional writer (:mod:`writer`) and the read paths that
answer a filter from SQL (:mod:`query`, :mod:`stats`), and erasure and retention
(:mod:`erase`).

May import: :mod:`desktop.core`. No Qt.
"""

from desktop.cache.db import Cache, CacheError, SCHEMA_VERSION

__all__ = ["Cache", "CacheError", "SCHEMA_VERSION"]
