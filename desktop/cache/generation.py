"""Counting write transactions, and noting that the cache file must be rewritten.

Kept apart from the writer so that both the writer and the erasure module use it
without importing each other.
"""

from __future__ import annotations

import sqlite3

# meta key: rows were erased or positions forgotten without the file being rewritten yet
# (a live feed's withdrawals); the next compaction (erase, purge, the window's daily run)
# rewrites it and clears the key.
COMPACT_DUE = "erase.compact_due"


def bump_generation(conn: sqlite3.Connection, *, rewrote: bool = False) -> None:
    """Count a write transaction in ``meta`` (call it inside the transaction).

    'generation' grows with every transaction that writes items, so a saved copy of the
    map's index can tell it is out of date. 'rewrites' grows only when the transaction
    deleted or changed items that were committed before it: while it stays the same,
    the cache has only gained rows with higher ids and a saved index is brought up to
    date by reading just those.
    """
    for key in ("generation", "rewrites") if rewrote else ("generation",):
        conn.execute("INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) "
                     "DO UPDATE SET value = CAST(value AS INTEGER) + 1", (key,))


def mark_compact_due(conn: sqlite3.Connection) -> None:
    """Note, inside the transaction that erased or forgot something, that the file still
    holds the old bytes until the next compaction."""
    conn.execute("INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE SET value = '1'",
                 (COMPACT_DUE,))


def compact_due(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM meta WHERE key = ? AND value = '1'", (COMPACT_DUE,)).fetchone() is not None
