"""Erasure leaves no trace: not in the cache file, its WAL, the index snapshot or anything
else under the cache's folder and the data folder; purge keeps items of open incidents."""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop.cli import main

T0 = datetime(2026, 11, 14, 5, 0, tzinfo=timezone.utc)


def _tweet(i: int, text: str, tags: list[str], t: datetime | None = None) -> dict:
    t = t or T0 + timedelta(seconds=i)
    return {
        "created_at": t.strftime("%a %b %d %H:%M:%S +0000 %Y"), "id": 1_900_000_000_000_000_000 + i,
        "id_str": str(1_900_000_000_000_000_000 + i), "text": text,
        "user": {"id_str": str(500 + i), "screen_name": f"citizen{i}"}, "lang": "ko",
        "coordinates": {"type": "Point", "coordinates": [126.9769, 37.5759]},
        "entities": {"hashtags": [{"text": t_} for t_ in tags], "urls": []},
    }


def _write(path: Path, tweets: list[dict]) -> Path:
    path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tweets), encoding="utf-8")
    return path


def _hits(folders: list[Path], markers: list[str]) -> list[str]:
    """Every file under the folders whose bytes hold a marker (UTF-8 or UTF-16-LE)."""
    needles = [enc for m in markers for enc in (m.encode("utf-8"), m.encode("utf-16-le"))]
    found = []
    for folder in folders:
        for p in folder.rglob("*"):
            if p.is_file():
                data = p.read_bytes()
                found += [f"{p}: {n!r}" for n in needles if n in data]
    return found


@pytest.fixture
def env(tmp_path, monkeypatch):
    data = Path(os.environ["SITMAP_DATA_DIR"])
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    monkeypatch.setenv("SITMAP_OPERATOR", "kim")
    return data, cache_dir / "c.db", tmp_path / "in"


def _count(db: Path, sql: str, *params) -> int:
    from desktop.cache import Cache

    with Cache.open_readonly(db) as c:
        return c.conn.execute(sql, params).fetchone()[0]


def test_erase_leaves_no_trace_anywhere(env, capsys):
    from desktop.cache import Cache
    from desktop.cache import incidents, tasks, triage
    from desktop.core.triage import TriageChange
    from desktop.engine.index import ItemIndex

    data, db, src_dir = env
    src_dir.mkdir()
    ascii_m = f"ERASEME-{uuid.uuid4().hex}"
    hangul_m = "삭제표식" + "".join(chr(0xAC00 + (b % 11172)) for b in uuid.uuid4().bytes[:6])
    tag_m = f"erasetag{uuid.uuid4().hex[:12]}"
    markers = [ascii_m, hangul_m, tag_m]
    doomed = [_tweet(i, f"{ascii_m} {hangul_m} 제보 {i} #{tag_m} #gone", [tag_m, "gone"]) for i in range(3)]
    others = [_tweet(10 + i, f"광화문 집회 소식 {i} #광화문", ["광화문"]) for i in range(5)]
    src = _write(src_dir / "posts.jsonl", doomed + others)
    assert main(["import", str(src), "--keep-raw", "--db", str(db)]) == 0
    with Cache.open(db) as cache:
        conn = cache.conn
        ids = {r[1]: r[0] for r in conn.execute("SELECT id, source_id FROM items")}
        gone = [ids[t["id_str"]] for t in doomed]
        kept = [ids[t["id_str"]] for t in others]
        assert conn.execute("SELECT count(*) FROM items WHERE raw IS NOT NULL").fetchone()[0] == 8
        triage.apply(conn, gone[:2], TriageChange(state="verified", note=f"seen {hangul_m}"), by="kim")
        triage.apply(conn, kept[:1], TriageChange(state="duplicate", duplicate_of=gone[0]), by="kim")
        inc = incidents.create(conn, "광장", by="kim", item_ids=[gone[0], kept[0]])
        incidents.log(conn, inc, f"quoted: {ascii_m} {hangul_m} 제보 0", by="kim")
        incidents.log(conn, inc, "crowd is growing", by="kim")
        task = tasks.create(conn, unit_uid="u1", callsign="순찰1", text=f"{ascii_m} {hangul_m} 제보 0", lat=None,
                            lon=None, by="kim", item_id=gone[0], incident_id=inc)
        tasks.mark(conn, task["id"], "acknowledged", t_ms=1, reply=f"확인 {task['code']} {hangul_m}")
        incidents.log(conn, inc, f"{task['code']} 순찰1: 확인 {hangul_m}", by="u1", kind="reply",
                      task_id=task["id"])
        idx = ItemIndex.load(cache.conn)  # the window's open: saves the snapshot
        assert idx.snapshot_state == "rebuilt" and len(idx) == 8
    assert _hits([data, db.parent], markers), "the markers should be there before the erasure"
    capsys.readouterr()

    # A text search names the items; the audit trail must not keep it (the folder scan checks the trail too).
    assert main(["erase", "--hashtag", "gone", "--text", ascii_m, "--reason", "subject request 42", "--yes",
                 "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "erased 3 items" in out and "3 raw payloads" in out and "6 hashtags" in out and "2 triage," in out
    assert "1 incident items" in out and "index snapshot deleted" in out and "compacted" in out
    for m in markers:
        assert m not in out
    assert _hits([data, db.parent], markers) == []
    assert not list((data / "index").glob("*")) if (data / "index").exists() else True

    # Other items untouched; their links to erased items cleared; the log kept without the quote.
    assert _count(db, "SELECT count(*) FROM items") == 5
    assert _count(db, "SELECT count(*) FROM item_tags WHERE tag = '광화문'") == 5
    assert _count(db, "SELECT count(*) FROM items WHERE raw IS NOT NULL") == 5
    assert _count(db, "SELECT count(*) FROM triage WHERE item_id = ? AND duplicate_of IS NULL", kept[0]) == 1
    assert _count(db, "SELECT count(*) FROM incident_items WHERE incident_id = ?", inc) == 1
    assert _count(db, "SELECT count(*) FROM incident_log WHERE text = 'crowd is growing'") == 1
    assert _count(db, "SELECT count(*) FROM incident_log WHERE item_id IN (?, ?, ?)", *gone) == 0
    assert _count(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH '광화문'") == 5
    assert _count(db, "SELECT count(*) FROM tasks WHERE id = ? AND item_id IS NULL AND state = 'acknowledged'",
                  task["id"]) == 1
    assert _count(db, "SELECT count(*) FROM incident_log WHERE kind = 'reply'") == 0
    assert _count(db, "SELECT value FROM meta WHERE key = 'rewrites'") == "1"
    with Cache.open_readonly(db) as cache:
        again = ItemIndex.load(cache.conn)
        assert again.snapshot_state == "rebuilt" and len(again) == 5

    # The audit trail counts the erasure and keeps the reason, never the text.
    from desktop.audit import AuditLog

    with AuditLog.open(db) as log:
        [entry] = [e for e in log.entries(action="erase")]
    e = entry.as_dict() if hasattr(entry, "as_dict") else entry
    assert e["objects"]["items"] == 3 and e["detail"]["reason"] == "subject request 42"
    assert e["detail"]["counts"]["raw_payloads"] == 3 and e["objects"]["ids"] == [[min(gone), max(gone)]]
    assert "text search (not recorded)" in e["objects"]["filter"]

    # Query no longer finds them; the text search is not recorded in the trail.
    q = db.parent.parent / "q.jsonl"
    assert main(["query", "--text", "ERASEME", "--format", "jsonl", "--out", str(q), "--db", str(db)]) == 0
    assert q.read_text(encoding="utf-8") == ""
    assert main(["query", "--hashtag", "gone", "--format", "jsonl", "--out", str(q), "--db", str(db)]) == 0
    assert q.read_text(encoding="utf-8") == ""

    # Erased, not tombstoned: the same file may be imported again.
    capsys.readouterr()
    assert main(["import", str(src), "--db", str(db)]) == 0
    assert "3 new" in capsys.readouterr().out
    assert _count(db, "SELECT count(*) FROM items") == 8


def test_erase_refuses_an_empty_filter_and_dry_run_changes_nothing(env, capsys):
    data, db, src_dir = env
    src_dir.mkdir()
    src = _write(src_dir / "p.jsonl", [_tweet(i, f"글 {i} #a", ["a"]) for i in range(4)])
    assert main(["import", str(src), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["erase", "--reason", "x", "--yes", "--db", str(db)]) == 2
    assert "--all" in capsys.readouterr().err
    size = db.stat().st_size
    assert main(["erase", "--all", "--reason", "x", "--dry-run", "--db", str(db)]) == 0
    assert "would erase 4 items" in capsys.readouterr().out
    assert _count(db, "SELECT count(*) FROM items") == 4 and db.stat().st_size == size
    assert main(["erase", "--all", "--reason", "x", "--db", str(db)]) == 2  # no terminal to ask, no --yes
    assert "--yes" in capsys.readouterr().err
    assert main(["erase", "--all", "--reason", "x", "--yes", "--db", str(db)]) == 0
    assert _count(db, "SELECT count(*) FROM items") == 0


def test_purge_keeps_items_of_open_incidents(env, capsys):
    from desktop.cache import Cache
    from desktop.cache import incidents
    from desktop.cache.erase import purge

    data, db, src_dir = env
    src_dir.mkdir()
    now = datetime.now(timezone.utc)
    old = [_tweet(i, f"오래된 글 {i}", [], t=now - timedelta(days=800, seconds=i)) for i in range(6)]
    new = [_tweet(100 + i, f"새 글 {i}", [], t=now - timedelta(days=3, seconds=i)) for i in range(2)]
    assert main(["import", str(_write(src_dir / "p.jsonl", old + new)), "--db", str(db)]) == 0
    with Cache.open(db) as cache:
        ids = {r[1]: r[0] for r in cache.conn.execute("SELECT id, source_id FROM items")}
        o = [ids[t["id_str"]] for t in old]
        open_inc = incidents.create(cache.conn, "열린 사건", by="kim", item_ids=o[:2])
        closed = incidents.create(cache.conn, "닫힌 사건", by="kim", item_ids=o[2:3])
        incidents.set_state(cache.conn, closed, "closed", by="kim")
        dry = purge(cache, older_than_days=730, dry_run=True)
        assert dry.dry_run and dry.items == 4 and dry.kept_in_open_incidents == 2
    capsys.readouterr()
    assert main(["purge", "--dry-run", "--db", str(db)]) == 0
    assert "would erase 4 items" in capsys.readouterr().out
    assert _count(db, "SELECT count(*) FROM items") == 8
    assert main(["purge", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "erased 4 items" in out and "2 older items kept" in out
    assert _count(db, "SELECT count(*) FROM items") == 4
    assert _count(db, "SELECT count(*) FROM incident_items WHERE incident_id = ?", open_inc) == 2
    assert _count(db, "SELECT count(*) FROM incident_items WHERE incident_id = ?", closed) == 0
    assert main(["purge", "--older-than", "1", "--db", str(db)]) == 0
    assert _count(db, "SELECT count(*) FROM items") == 2  # only the open incident's two


def test_a_reader_holding_the_cache_open_is_reported_and_a_rerun_finishes(env, capsys):
    import sqlite3

    data, db, src_dir = env
    src_dir.mkdir()
    marker = f"ERASEME-{uuid.uuid4().hex}"
    src = _write(src_dir / "p.jsonl", [_tweet(i, f"{marker} {i}", ["gone"]) for i in range(3)]
                 + [_tweet(10, "남는 글", [])])
    assert main(["import", str(src), "--db", str(db)]) == 0
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM items").fetchone()[0] == 4  # a read transaction stays open
    capsys.readouterr()
    try:
        assert main(["erase", "--hashtag", "gone", "--reason", "r", "--yes", "--db", str(db)]) == 1
        captured = capsys.readouterr()
        assert "erased 3 items" in captured.out and "run this command again" in captured.err
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    assert main(["erase", "--hashtag", "gone", "--reason", "r", "--yes", "--db", str(db)]) == 0
    assert "erased 0 items" in capsys.readouterr().out
    assert _hits([data, db.parent], [marker]) == []
    assert _count(db, "SELECT count(*) FROM items") == 1


def test_erasure_takes_holds_and_geo_evidence_with_the_item(env):
    from desktop.cache import Cache
    from desktop.cache.erase import erase

    data, db, src = env
    src.mkdir()
    from desktop.cli import main

    assert main(["--db", str(db), "import", str(_write(src / "a.jsonl", [_tweet(i, f"text {i}", []) for i in range(3)])),
                 "--no-geoparse"]) == 0
    with Cache.open(db) as c:
        ids = [r[0] for r in c.conn.execute("SELECT id FROM items ORDER BY id")]
        with c.transaction():
            c.conn.execute("INSERT INTO holds (item_id, reason, t_ms, by) VALUES (?, 'case 7', 0, 'kim')", (ids[0],))
            c.conn.execute("INSERT INTO geo_inferences (item_id, confidence, radius_m, evidence, t_ms) "
                           "VALUES (?, 0.8, 250, '{}', 0)", (ids[0],))
        erase(c, [ids[0]], reason="request")
        assert c.conn.execute("SELECT count(*) FROM holds").fetchone()[0] == 0
        assert c.conn.execute("SELECT count(*) FROM geo_inferences").fetchone()[0] == 0
        assert c.conn.execute("SELECT count(*) FROM items").fetchone()[0] == 2


@pytest.mark.parametrize("live", [False, True], ids=["import", "live"])
def test_a_tweet_delete_and_scrub_geo_leave_no_trace(env, live):
    """Compliance: a platform's delete notice erases the post as `sitmap erase` does (its
    triage, history, incident link and hold go too) and a scrub_geo forgets positions; after
    the import (at once) or a live feed (at the next compaction) no file holds their bytes."""
    from desktop.cache import Cache
    from desktop.cache.erase import compact
    from desktop.cache.generation import compact_due
    from desktop.cache.writer import write_records
    from desktop.cli import main
    from desktop.core.model import DeleteItem, ScrubGeo

    data, db, src = env
    src.mkdir()
    marker, lat = f"withdrawn-{uuid.uuid4().hex[:12]}", 37.5812345
    doomed = _tweet(1, f"{marker} 광화문", ["rally"])
    scrubbed = _tweet(2, "위치를 지울 글", [])
    scrubbed["coordinates"]["coordinates"] = [126.9812345, lat]
    scrubbed["user"]["id_str"] = "424242"
    assert main(["--db", str(db), "import", "--no-geoparse",
                 str(_write(src / "a.jsonl", [doomed, scrubbed, _tweet(3, "keep", [])]))]) == 0
    sid = doomed["id_str"]
    with Cache.open(db) as c:
        iid = c.conn.execute("SELECT id FROM items WHERE source_id = ?", (sid,)).fetchone()[0]
    assert main(["--db", str(db), "triage", str(iid), "--state", "review", "--note", "checked"]) == 0
    assert main(["--db", str(db), "hold", "add", str(iid), "--reason", "case 9"]) == 0
    withdraw = [{"delete": {"status": {"id": int(sid), "id_str": sid, "user_id": 501, "user_id_str": "501"}}},
                {"scrub_geo": {"user_id": 424242, "user_id_str": "424242", "up_to_status_id": 2**62,
                               "up_to_status_id_str": str(2**62)}}]
    if live:
        from desktop.importers import ImportContext, ImportOptions
        from desktop.importers.twitter_v1 import read

        path = _write(src / "notices.jsonl", withdraw)
        recs = list(read(path, ImportContext(path=path, options=ImportOptions())))
        assert any(isinstance(r, DeleteItem) for r in recs) and any(isinstance(r, ScrubGeo) for r in recs)
        with Cache.open(db) as c:
            write_records(c, recs, path="live", fmt="x-v1", purpose="public-order", merge_withdrawals=False)
            assert compact_due(c.conn)
            compact(c)  # what the window's daily run or the next sitmap purge does
            assert not compact_due(c.conn)
    else:
        assert main(["--db", str(db), "import", str(_write(src / "notices.jsonl", withdraw))]) == 0
    with Cache.open_readonly(db) as c:
        assert c.conn.execute("SELECT count(*) FROM items WHERE source_id = ?", (sid,)).fetchone()[0] == 0
        for table in ("triage", "triage_history", "holds"):
            assert c.conn.execute(f"SELECT count(*) FROM {table} WHERE item_id = ?", (iid,)).fetchone()[0] == 0
        assert c.conn.execute("SELECT lat FROM items WHERE source_id = ?",
                              (scrubbed["id_str"],)).fetchone()[0] is None
    assert _hits([db.parent, data], [marker, "126.9812345", "37.5812345"]) == []
    import struct
    raw = struct.pack("<d", lat), struct.pack(">d", lat)  # SQLite stores REAL big-endian
    for f in db.parent.rglob("*"):
        if f.is_file() and "audit" not in f.name:
            assert not any(r in f.read_bytes() for r in raw), f
