"""Campaigns: definitions in the cache (schema 6) and their figures computed from real items."""

from __future__ import annotations

import sqlite3

import pytest

from desktop.cache import SCHEMA_VERSION, Cache


def test_schema_has_campaigns_with_unique_names_and_a_period(tmp_path):
    with Cache.open(tmp_path / "c.db") as c:
        assert SCHEMA_VERSION >= 6
        c.conn.execute("INSERT INTO campaigns (name, from_ms, to_ms, created_ms) VALUES ('a', 1, 2, 0)")
        with pytest.raises(sqlite3.IntegrityError):
            c.conn.execute("INSERT INTO campaigns (name, from_ms, to_ms, created_ms) VALUES ('a', 1, 2, 0)")
        with pytest.raises(sqlite3.IntegrityError):
            c.conn.execute("INSERT INTO campaigns (name, from_ms, to_ms, created_ms) VALUES ('b', 2, 2, 0)")
