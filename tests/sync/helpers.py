"""Caches for the sync tests: items written through the cache's writer, triage and
incidents through the cache's own functions (what the window and the commands do)."""

from __future__ import annotations

from pathlib import Path

from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.core.model import Item, Kind, Precision

T0 = 1_780_000_000_000


def posts(prefix: str, n: int, *, source: str = "x", t0: int = T0) -> list[Item]:
    return [Item(kind=Kind.POST, source=source, source_id=f"{prefix}{k}", t_ms=t0 + k * 1000,
                 text=f"{prefix} post {k} 광화문", lat=37.57 + k * 1e-4, lon=126.97 + k * 1e-4,
                 precision=Precision.EXACT, author=f"user{k}", hashtags=("seoul",)) for k in range(n)]


def add_items(path: Path, items: list[Item], name: str = "export.json") -> int:
    with Cache.open(path) as cache:
        return write_records(cache, items, path=name, fmt="x", operator="kim", purpose="public-order").accepted


def local_id(path: Path, source_id: str, source: str = "x") -> int:
    with Cache.open(path) as cache:
        return cache.conn.execute("SELECT id FROM items WHERE source = ? AND source_id = ?",
                                  (source, source_id)).fetchone()[0]


def q(path: Path, sql: str, params=()) -> list[tuple]:
    with Cache.open(path) as cache:
        return cache.conn.execute(sql, params).fetchall()


def keys(path: Path) -> list[tuple[str, str]]:
    return sorted(q(path, "SELECT source, source_id FROM items"))


def triage_of(path: Path, source_id: str) -> tuple:
    return q(path, "SELECT t.state, t.priority, t.updated_by FROM triage t JOIN items i ON i.id = t.item_id "
                   "WHERE i.source_id = ?", (source_id,))[0]
