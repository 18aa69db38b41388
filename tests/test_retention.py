"""Retention by purpose: each item expires by its batch's purpose's period (the default of two
years without one, or --older-than for all), never while an open incident or a hold keeps it;
holds placed by hand and by evidence packages."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import pytest

from desktop.audit import AuditLog
from desktop.cache import Cache, holds, incidents
from desktop.cache.erase import NO_PURPOSE, expired, purge
from desktop.cache.writer import write_records
from desktop.cli import main
from desktop.core.model import Item, Kind, Precision

DAY = 86_400_000
NOW = int(time.time() * 1000)


def _items(prefix: str, ages_days: list[float]) -> list[Item]:
    return [Item(kind=Kind.POST, source="x", source_id=f"{prefix}{i}", t_ms=NOW - int(a * DAY), lat=37.57,
                 lon=126.97, precision=Precision.EXACT, text=f"{prefix} post {i}", author=f"user{i}",
                 author_id=str(i)) for i, a in enumerate(ages_days)]


def _fill(db: Path) -> dict[str, list[int]]:
    """Four batches: traffic-safety (365 days), public-order (730), investigation (1825), none."""
    ages = [10, 400, 800, 2000]
    out: dict[str, list[int]] = {}
    with Cache.open(db) as cache:
        for prefix, purpose in (("t", "traffic-safety"), ("p", "public-order"), ("i", "investigation"),
                                ("n", None)):
            write_records(cache, _items(prefix, ages), path=f"{prefix}.jsonl", fmt="x-v1", operator="kim",
                          purpose=purpose, case_ref="C-1" if purpose == "investigation" else None)
            out[prefix] = [r[0] for r in cache.conn.execute(
                "SELECT id FROM items WHERE source_id LIKE ? ORDER BY source_id", (prefix + "%",))]
    return out


def test_each_item_expires_by_its_purpose(tmp_path):
    db = tmp_path / "c.db"
    ids = _fill(db)
    with Cache.open(db) as cache:
        exp = expired(cache.conn, now_ms=NOW)
        assert exp.by_purpose == {"traffic-safety": 3, "public-order": 2, "investigation": 1, NO_PURPOSE: 2}
        assert exp.ids == sorted(ids["t"][1:] + ids["p"][2:] + ids["i"][3:] + ids["n"][2:])
        every = expired(cache.conn, now_ms=NOW, older_than_days=5)  # one period for all
        assert len(every.ids) == 16 and every.by_purpose[NO_PURPOSE] == 4
        with pytest.raises(ValueError):
            expired(cache.conn, now_ms=NOW, older_than_days=0)


def test_open_incidents_and_holds_keep_expired_items(tmp_path):
    db = tmp_path / "c.db"
    ids = _fill(db)
    with Cache.open(db) as cache:
        incidents.create(cache.conn, "열린 사건", by="kim", item_ids=[ids["t"][1]])
        assert holds.add(cache, [ids["t"][2], ids["p"][3], 999_999], reason="case C-1", by="kim") == 2
        assert holds.add(cache, [ids["t"][2]], reason="again") == 0  # the first hold stands
        stats = purge(cache, now_ms=NOW)
        assert (stats.items, stats.kept_in_open_incidents, stats.kept_on_hold) == (5, 1, 2)
        assert stats.by_purpose == {"traffic-safety": 1, "public-order": 1, "investigation": 1, NO_PURPOSE: 2}
        left = {r[0] for r in cache.conn.execute("SELECT id FROM items")}
        assert {ids["t"][1], ids["t"][2], ids["p"][3]} <= left and ids["t"][3] not in left
        assert [h["reason"] for h in holds.listing(cache.conn)] == ["case C-1", "case C-1"]
        assert holds.remove(cache, [ids["p"][3]]) == 1
        assert purge(cache, now_ms=NOW).items == 1  # the hold lifted: expired now


def test_purge_command_prints_per_purpose_counts_and_logs_them(tmp_path, capsys):
    db = tmp_path / "c.db"
    ids = _fill(db)
    assert main(["hold", "add", str(ids["n"][3]), "--reason", "complaint 17", "--db", str(db),
                 "--operator", "kim"]) == 0
    assert "1 items put on hold" in capsys.readouterr().out
    assert main(["purge", "--dry-run", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "traffic-safety: 3 items would be expired (kept 365 days)" in out
    assert "public-order: 2 items would be expired (kept 730 days)" in out
    assert "investigation: 1 items would be expired (kept 1825 days)" in out
    assert f"{NO_PURPOSE}: 1 items would be expired (kept 730 days)" in out
    assert "1 older items kept: they are on hold" in out and "would erase 7 items" in out
    assert main(["purge", "--db", str(db), "--operator", "kim"]) == 0
    assert "erased 7 items" in capsys.readouterr().out
    with AuditLog.open(db) as log:
        hold, erase = log.entries(action="alter")[-1], log.entries(action="erase")[-1]
    assert hold.objects == {"items": [[ids["n"][3], ids["n"][3]]]} and hold.detail["reason"] == "complaint 17"
    assert erase.objects == {"retention": "by purpose", "items": 7, "ids": erase.objects["ids"]}
    assert erase.detail["by_purpose"] == {"traffic-safety": 3, "public-order": 2, "investigation": 1,
                                          NO_PURPOSE: 1}
    assert erase.detail["kept_on_hold"] == 1 and erase.operator == "kim"
    assert main(["purge", "--older-than", "1", "--db", str(db)]) == 0  # one period for all, holds still kept
    with Cache.open_readonly(db) as cache:
        assert cache.conn.execute("SELECT count(*) FROM items WHERE t_ms < ?", (NOW - DAY,)).fetchone()[0] == 1


def test_hold_list_and_remove(tmp_path, capsys):
    db = tmp_path / "c.db"
    ids = _fill(db)
    assert main(["hold", "add", *map(str, ids["p"][:2]), "--reason", "사건 2026-77", "--db", str(db),
                 "--operator", "lee"]) == 0
    capsys.readouterr()
    assert main(["hold", "list", "--json", "--db", str(db)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["item"], r["reason"], r["by"], r["present"]) for r in rows] == [
        (ids["p"][0], "사건 2026-77", "lee", True), (ids["p"][1], "사건 2026-77", "lee", True)]
    assert main(["hold", "remove", str(ids["p"][0]), str(ids["p"][3]), "--db", str(db)]) == 1
    captured = capsys.readouterr()
    assert "hold lifted from 1 items" in captured.out and "1 of the ids given were not on hold" in captured.err
    assert main(["hold", "list", "--db", str(db)]) == 0
    assert "1 items on hold" in capsys.readouterr().out
    with AuditLog.open(db) as log:
        changes = [e.detail["change"] for e in log.entries(action="alter")]
    assert changes == ["hold", "release"]


def test_evidence_package_puts_its_items_on_hold_and_keeps_the_head(tmp_path, capsys):
    db = tmp_path / "c.db"
    ids = _fill(db)
    assert main(["hold", "add", str(ids["t"][0]), "--reason", "earlier", "--db", str(db)]) == 0
    with AuditLog.open(db) as log:
        before = log.head()
    out = tmp_path / "case.zip"
    assert main(["evidence", "--out", str(out), "--no-map", "--no-report", "--source", "x", "--case", "C-9",
                 "--db", str(db), "--operator", "kim"]) == 0
    printed = capsys.readouterr().out
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["audit_head"]["head"] == f"{before[0]}:{before[1]}"
    with Cache.open_readonly(db) as cache:
        held = {h["item"]: h["reason"] for h in holds.listing(cache.conn)}
    assert len(held) == 16 and held[ids["t"][0]] == "earlier"
    assert held[ids["i"][3]] == "evidence package case.zip, case C-9"
    assert "15 items put on hold" in printed
    with AuditLog.open(db) as log:
        head = log.head()
        last = log.entries()[-2:]
    assert [e.action for e in last] == ["alter", "disclose"] and head[0] == before[0] + 2
    assert f"audit head {head[0]}:{head[1]}" in printed
    with Cache.open(db) as cache:
        assert purge(cache, now_ms=NOW).items == 0  # everything is evidence now
