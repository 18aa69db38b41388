"""Helpers for the GeoJSON, CSV and Ushahidi importer tests: a real cache file and
queries that read back what an import stored."""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

import desktop.importers as importers
from desktop.cache import Cache

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def open_cache(tmp_path: Path) -> Cache:
    """A fresh cache. These tests check what each reader reads, so the geoparser (which would
    place posts without coordinates from their text) is switched off by its setting; it is
    tested on imports in tests/test_geoparse.py."""
    cache = Cache.open(tmp_path / "c.db")
    cache.set_meta("geoparse.on_import", "off")
    return cache


def utc(ms: int) -> str:
    """UTC time of a stored t_ms as 'YYYY-MM-DDTHH:MM:SSZ'."""
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def own_id(source_id: str) -> str:
    """The record's own id: stored ids carry a content hash after '#' (hash-only ids stay whole)."""
    return source_id if source_id.startswith("sha1:") else source_id.rsplit("#", 1)[0]


def items(cache: Cache) -> dict[str, dict]:
    """Stored items keyed by their own id."""
    cur = cache.conn.execute("SELECT * FROM items ORDER BY t_ms, id")
    names = [d[0] for d in cur.description]
    out = {}
    for row in cur:
        rec = dict(zip(names, row))
        rec["when"] = utc(rec["t_ms"])
        rec["extra"] = json.loads(rec["extra"]) if rec["extra"] else None
        out[own_id(rec["source_id"])] = rec
    return out


def tags(cache: Cache) -> dict[str, set[str]]:
    """source_id -> its rows in item_tags."""
    out: dict[str, set[str]] = {}
    for sid, tag in cache.conn.execute(
            "SELECT i.source_id, t.tag FROM item_tags t JOIN items i ON i.id = t.item_id"):
        out.setdefault(own_id(sid), set()).add(tag)
    return out


def counts(cache: Cache) -> tuple[int, int]:
    """(items, batches) in the cache."""
    n_items = cache.conn.execute("SELECT count(*) FROM items").fetchone()[0]
    n_batches = cache.conn.execute("SELECT count(*) FROM batches").fetchone()[0]
    return n_items, n_batches


def batch_notes(cache: Cache) -> list[str]:
    row = cache.conn.execute("SELECT notes FROM batches ORDER BY id DESC LIMIT 1").fetchone()
    return json.loads(row[0]) if row and row[0] else []


@pytest.fixture
def installed_formats(monkeypatch):
    """Detection over the importers that exist in this checkout (others are written in parallel)."""
    present = tuple(f for f in importers.FORMATS
                    if importlib.util.find_spec(f"desktop.importers.{importers.FORMAT_MODULES[f]}") is not None)
    monkeypatch.setattr(importers, "FORMATS", present)
    return present
