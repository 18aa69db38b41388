"""An erasure and its audit entry commit together or not at all, and a stop in between
(or a SIGKILL at any moment of a purge) leaves the cache and the audit log consistent
once Sitmap starts again: the entry is in the trail exactly once when the items are gone,
and absent when they are not."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop.audit import AuditLog, audit_path, reconcile
from desktop.cache import Cache
from desktop.cache.erase import erase
from desktop.cache.outbox import Staged, Who, pending, stage
from desktop.cli import main

OLD = datetime(2020, 1, 1, tzinfo=timezone.utc)


def _posts(path: Path, n: int, start: datetime) -> Path:
    lines = []
    for i in range(n):
        t = start + timedelta(seconds=i)
        lines.append(json.dumps({
            "created_at": t.strftime("%a %b %d %H:%M:%S +0000 %Y"), "id_str": str(10_000_000 + i),
            "text": f"post {i} 광화문 앞 #rally", "user": {"id_str": str(i % 97), "screen_name": f"user{i % 97}"},
            "coordinates": {"type": "Point", "coordinates": [126.97 + (i % 50) * 1e-4, 37.57]},
            "entities": {"hashtags": [{"text": "rally"}], "urls": []}}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def cache_db(tmp_path, monkeypatch):
    monkeypatch.setenv("SITMAP_OPERATOR", "kim")
    monkeypatch.setenv("SITMAP_PURPOSE", "public-order")
    db = tmp_path / "c.db"
    assert main(["--db", str(db), "import", str(_posts(tmp_path / "old.jsonl", 300, OLD))]) == 0
    return db


def _erase_entries(db: Path) -> list:
    with AuditLog.open(db) as log:
        return log.entries(action="erase")


def test_staged_entry_commits_with_the_erasure_and_is_moved_once(cache_db):
    with Cache.open(cache_db) as cache:
        ids = [r[0] for r in cache.conn.execute("SELECT id FROM items ORDER BY id LIMIT 10")]
        who = Who("kim", "public-order", "C-1")
        erase(cache, ids, reason="request", audit=Staged("erase", who, objects={"filter": "ten"}))
        # Sitmap "stops" here: the change and its entry are committed in the cache, not yet in the log.
        assert pending(cache.conn) == 1
        assert _erase_entries(cache_db) == []
    moved = reconcile(cache_db)
    assert len(moved) == 1
    e = moved[0]
    assert (e.operator, e.purpose, e.case_ref, e.action) == ("kim", "public-order", "C-1", "erase")
    assert e.objects == {"filter": "ten", "items": 10, "ids": [[ids[0], ids[-1]]]}
    assert e.detail["reason"] == "request" and e.detail["counts"]["items"] == 10
    assert reconcile(cache_db) == []  # nothing left: moved once
    with AuditLog.open(cache_db) as log:
        assert log.verify().ok


def test_entry_moved_but_not_cleared_is_not_recorded_twice(cache_db):
    """A stop after the log's commit and before the outbox row is deleted."""
    with Cache.open(cache_db) as cache:
        with cache.transaction():
            stage(cache.conn, Staged("alter", Who("kim")), objects={"items": [1]}, detail={"change": "x"})
        row = cache.conn.execute("SELECT * FROM audit_outbox").fetchone()
        with AuditLog.open(cache_db) as log:
            log.drain(cache.conn)
        # put the row back, as if the delete had not happened
        cache.conn.execute("INSERT INTO audit_outbox VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    assert reconcile(cache_db) == []
    with AuditLog.open(cache_db) as log:
        assert len(log.entries(action="alter")) == 1
    with Cache.open(cache_db) as cache:
        assert pending(cache.conn) == 0


def test_a_failed_erasure_stages_nothing(cache_db):
    with Cache.open(cache_db) as cache:
        with pytest.raises(ValueError):
            erase(cache, [1, 2], reason="", audit=Staged("erase", Who("kim")))
        assert pending(cache.conn) == 0
        assert cache.conn.execute("SELECT count(*) FROM items").fetchone()[0] == 300


def test_a_dry_run_stages_nothing(cache_db):
    with Cache.open(cache_db) as cache:
        erase(cache, [1, 2], reason="r", dry_run=True, audit=Staged("erase", Who("kim")))
        assert pending(cache.conn) == 0


def _items(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM items").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("delay_ms", [0, 150, 300, 450, 600, 800, 1100, 1500])
def test_sigkill_during_a_purge_leaves_both_files_consistent(tmp_path, monkeypatch, delay_ms):
    monkeypatch.setenv("SITMAP_OPERATOR", "kim")
    monkeypatch.setenv("SITMAP_PURPOSE", "public-order")
    db = tmp_path / "c.db"
    assert main(["--db", str(db), "import", str(_posts(tmp_path / "old.jsonl", 4000, OLD))]) == 0
    before = _items(db)
    with AuditLog.open(db) as log:
        head = log.head()
    env = {**os.environ, "SITMAP_OPERATOR": "kim", "SITMAP_PURPOSE": "public-order"}
    proc = subprocess.Popen([sys.executable, "-m", "desktop", "--db", str(db), "purge", "--older-than", "30"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay_ms / 1000)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    # Sitmap starts again: any command reconciles first.
    assert main(["--db", str(db), "audit", "verify"]) == 0
    after = _items(db)
    entries = _erase_entries(db)
    assert after in (0, before), "a purge is one transaction: all or nothing"
    if after == 0:
        assert len(entries) == 1 and entries[0].objects["items"] == before
    else:
        assert entries == []
    with AuditLog.open(db) as log:
        assert log.verify(head=f"{head[0]}:{head[1]}").ok
    with Cache.open(db) as cache:
        assert pending(cache.conn) == 0
        assert cache.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert audit_path(db).exists()
