"""Which audit entries touch an item: a derived index in the audit file.

An entry names items in its objects: ``"items"`` (a list of ids, or of ``[first, last]``
ranges as exports and reports record them) and ``"ids"`` (the ranges of an erasure).
Answering "who saw item 123?" by parsing every entry would read the whole log each time,
so they are kept in the audit file itself: single ids in ``lookup_ids`` (item, seq; a
B-tree), ranges in an R*Tree ``lookup_ranges`` (lo, hi, seq), built incrementally:
:meth:`ItemLookup.update` reads only the entries added since the last update
(``lookup_state``), optionally a bite at a time. The index is derived and not hashed: it
proves nothing (the chain does) and is rebuilt when it does not match the log.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterable

from desktop.audit.log import AuditError, AuditLog, Entry

KEYS = ("items", "ids")  # the object keys that name item ids or id ranges
SCHEMA = """
CREATE TABLE IF NOT EXISTS lookup_ids (item INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (item, seq))
    WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS lookup_ranges USING rtree_i32(id, lo, hi, +seq);
CREATE TABLE IF NOT EXISTS lookup_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
BITE = 5000  # entries indexed per transaction


def ranges_of(objects: Any) -> list[tuple[int, int]]:
    """The (first, last) id ranges an entry's objects name (single ids as (id, id))."""
    if not isinstance(objects, dict):
        return []
    out: list[tuple[int, int]] = []
    for key in KEYS:
        value = objects.get(key)
        if not isinstance(value, list):
            continue  # e.g. an erasure's "items": its count
        for v in value:
            if isinstance(v, int) and not isinstance(v, bool):
                out.append((v, v))
            elif (isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) and not isinstance(x, bool)
                                                              for x in v)):
                out.append((min(v), max(v)))
    return out


def covers(objects: Any, item_id: int) -> bool:
    """Whether the objects name ``item_id`` (plainly, without the index)."""
    return any(lo <= item_id <= hi for lo, hi in ranges_of(objects))


class ItemLookup:
    """The item index of one audit log (on the log's own connection)."""

    def __init__(self, log: AuditLog) -> None:
        self.log = log
        self.conn: sqlite3.Connection = log.conn
        try:
            self.conn.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise AuditError(f"{log.path}: the item index cannot be made: {exc}") from None

    def indexed(self) -> int:
        row = self.conn.execute("SELECT value FROM lookup_state WHERE key = 'seq'").fetchone()
        return int(row[0]) if row else 0

    def update(self, most: int | None = None) -> int:
        """Index the entries added since the last update (at most ``most`` of them); returns
        how many were read."""
        head = self.log.head()
        newest = head[0] if head else 0
        done = self.indexed()
        if done > newest:  # not this log's index (a restored or replaced file): start again
            self.rebuild()
            done = 0
        n = 0
        while done < newest and (most is None or n < most):
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    bite = BITE if most is None else max(1, min(BITE, most - n))
                    rows = self.conn.execute("SELECT seq, objects FROM entries WHERE seq > ? ORDER BY seq LIMIT ?",
                                             (done, bite)).fetchall()
                    singles, ranges = [], []
                    for seq, objects in rows:
                        if '"items"' not in objects and '"ids"' not in objects:
                            continue  # names no item: not even parsed
                        try:
                            obj = json.loads(objects)
                        except (TypeError, ValueError):
                            continue
                        for lo, hi in ranges_of(obj):
                            if lo == hi:
                                singles.append((lo, seq))
                            else:
                                ranges.append((lo, hi, seq))
                    self.conn.executemany("INSERT OR IGNORE INTO lookup_ids (item, seq) VALUES (?, ?)", singles)
                    self.conn.executemany("INSERT INTO lookup_ranges (lo, hi, seq) VALUES (?, ?, ?)", ranges)
                    last = rows[-1][0] if rows else newest
                    self.conn.execute("INSERT INTO lookup_state (key, value) VALUES ('seq', ?) "
                                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (last,))
                except BaseException:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise AuditError(f"{self.log.path}: the item index cannot be brought up to date: {exc}") from None
            n += len(rows)
            done = last
            if not rows:
                break
        return n

    def rebuild(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("DELETE FROM lookup_ids")
            self.conn.execute("DELETE FROM lookup_ranges")
            self.conn.execute("DELETE FROM lookup_state")
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise AuditError(f"{self.log.path}: the item index cannot be rebuilt: {exc}") from None

    def seqs(self, item_id: int) -> list[int]:
        """The seq of every entry that names ``item_id``, newest first (the index brought up to date)."""
        self.update()
        i = int(item_id)
        rows = self.conn.execute("SELECT seq FROM lookup_ids WHERE item = ? UNION "
                                 "SELECT seq FROM lookup_ranges WHERE lo <= ? AND hi >= ? ORDER BY 1 DESC",
                                 (i, i, i)).fetchall()
        return [r[0] for r in rows]

    def up_to_date(self) -> bool:
        head = self.log.head()
        return self.indexed() == (head[0] if head else 0)

    def entries(self, item_id: int, limit: int | None = None) -> list[Entry]:
        """The entries that name ``item_id``, newest first."""
        return entries_by_seq(self.log, self.seqs(item_id)[:limit] if limit else self.seqs(item_id))


def entries_by_seq(log: AuditLog, seqs: Iterable[int]) -> list[Entry]:
    """Those entries of ``log``, newest first."""
    out: list[Entry] = []
    seqs = sorted(set(int(s) for s in seqs), reverse=True)
    for i in range(0, len(seqs), 500):
        part = seqs[i:i + 500]
        rows = log._rows(f"WHERE seq IN ({','.join('?' * len(part))})", tuple(part), "seq DESC")
        out += [Entry(**log._entry(r)) for r in rows]
    return out


__all__ = ["ItemLookup", "KEYS", "covers", "entries_by_seq", "ranges_of"]
