"""Holds: items kept as evidence. Retention (:func:`desktop.cache.erase.purge`) never expires
an item with a row in ``holds``, and minimisation leaves its author and position alone.

A hold names its reason ("evidence package case.zip", a case reference) and who placed it.
Placing and lifting holds is an alteration: the audit entry, when given, is staged in the
same transaction (:mod:`desktop.cache.outbox`), with the item id ranges and the reason.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Iterable

from desktop.cache.db import Cache, explain
from desktop.cache.outbox import Staged, stage


def _ranges(ids: Iterable[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for i in sorted(set(ids)):
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def add(cache: Cache, item_ids: Iterable[int], *, reason: str, by: str | None = None,
        audit: Staged | None = None, now_ms: int | None = None) -> int:
    """Hold these items (ids not in the cache are ignored; an item already held keeps its first
    hold). Returns how many items were newly held."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a hold needs a reason (e.g. the evidence package or the case reference)")
    ids = sorted({int(i) for i in item_ids})
    now = int(time.time() * 1000) if now_ms is None else int(now_ms)
    conn = cache.conn
    try:
        with cache.transaction():
            placed = []
            for i in ids:
                cur = conn.execute("INSERT OR IGNORE INTO holds (item_id, reason, t_ms, by) "
                                   "SELECT id, ?, ?, ? FROM items WHERE id = ?", (reason, now, by or None, i))
                if cur.rowcount:
                    placed.append(i)
            if placed and audit is not None:
                stage(conn, audit, objects={"items": _ranges(placed)},
                      detail={"change": "hold", "reason": reason, "count": len(placed)})
    except sqlite3.Error as exc:
        raise explain(cache.path, exc) from None
    return len(placed)


def remove(cache: Cache, item_ids: Iterable[int], *, audit: Staged | None = None) -> int:
    """Lift the holds on these items; returns how many were lifted."""
    ids = sorted({int(i) for i in item_ids})
    conn = cache.conn
    try:
        with cache.transaction():
            lifted = [i for i in ids if conn.execute("DELETE FROM holds WHERE item_id = ?", (i,)).rowcount]
            if lifted and audit is not None:
                stage(conn, audit, objects={"items": _ranges(lifted)},
                      detail={"change": "release", "count": len(lifted)})
    except sqlite3.Error as exc:
        raise explain(cache.path, exc) from None
    return len(lifted)


def listing(conn: sqlite3.Connection) -> list[dict]:
    """Every hold, oldest first: item id, reason, when (UTC ms), by whom, and whether the item is
    still in the cache."""
    rows = conn.execute("SELECT h.item_id, h.reason, h.t_ms, h.by, i.id IS NOT NULL FROM holds h "
                        "LEFT JOIN items i ON i.id = h.item_id ORDER BY h.t_ms, h.item_id").fetchall()
    return [{"item": r[0], "reason": r[1], "t_ms": r[2], "by": r[3], "present": bool(r[4])} for r in rows]


def held_ids(conn: sqlite3.Connection) -> set[int]:
    return {r[0] for r in conn.execute("SELECT item_id FROM holds")}
