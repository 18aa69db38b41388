"""The local SQLite cache: one file holds the incident's timeline."""

from desktop.cache.db import Cache, CacheError, SCHEMA_VERSION

__all__ = ["Cache", "CacheError", "SCHEMA_VERSION"]
