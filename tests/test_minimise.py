"""Minimisation: old authors become keyed pseudonyms, old exact positions a grid cell, raw
payloads go, and none of the old values is left in any file of the cache folder or the data
folder; posts of an incident and posts on hold keep theirs."""

from __future__ import annotations

import json
import math
import os
import struct
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop.audit import AuditLog
from desktop.cache import Cache, holds, incidents
from desktop.cache import minimise
from desktop.cli import main
from tests.test_erase import _hits, _write

NOW = datetime.now(timezone.utc)


def _tweet(i: int, handle: str, user_id: str, lat: float, lon: float, days: float, text: str) -> dict:
    t = NOW - timedelta(days=days, seconds=i)
    return {"created_at": t.strftime("%a %b %d %H:%M:%S +0000 %Y"), "id": 1_950_000_000_000_000_000 + i,
            "id_str": str(1_950_000_000_000_000_000 + i), "text": text, "lang": "ko",
            "user": {"id_str": user_id, "screen_name": handle},
            "coordinates": {"type": "Point", "coordinates": [lon, lat]},
            "entities": {"hashtags": [], "urls": []}}


def _coord_bytes(v: float) -> list[bytes]:
    """How a coordinate may sit in a file: SQLite's big-endian REAL, a little-endian float64
    column, and its text forms."""
    return [struct.pack(">d", v), struct.pack("<d", v), repr(v).encode(), f"{v:.7f}".encode()]


def _byte_hits(folders: list[Path], needles: list[bytes]) -> list[str]:
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
    folder = tmp_path / "cache"
    folder.mkdir()
    monkeypatch.setenv("SITMAP_OPERATOR", "kim")
    db = folder / "c.db"
    # Old posts by two people (one posts twice), one old post in an open incident, one on hold, one new.
    old = [_tweet(0, "HandleAlphaQx", "9001", 37.5759123, 126.9769456, 100, "광장 인파 0"),
           _tweet(1, "HandleAlphaQx", "9001", 37.5712345, 126.9812345, 90, "광장 인파 1"),
           _tweet(2, "HandleBravoQx", "9002", 37.5698765, 126.9787654, 95, "광장 인파 2")]
    keep = [_tweet(3, "HandleIncidentQx", "9003", 37.5654321, 126.9754321, 100, "사건 글"),
            _tweet(4, "HandleHeldQx", "9004", 37.5643219, 126.9743219, 100, "증거 글"),
            _tweet(5, "HandleFreshQx", "9005", 37.5632198, 126.9732198, 2, "새 글")]
    src = _write(tmp_path / "p.jsonl", old + keep)
    assert main(["import", str(src), "--keep-raw", "--db", str(db)]) == 0
    src.unlink()
    with Cache.open(db) as cache:
        ids = {r[1]: r[0] for r in cache.conn.execute("SELECT id, author FROM items")}
        incidents.create(cache.conn, "광장", by="kim", item_ids=[ids["HandleIncidentQx"]])
        holds.add(cache, [ids["HandleHeldQx"]], reason="case 7")
        from desktop.engine.index import ItemIndex

        assert ItemIndex.load(cache.conn).snapshot_state == "rebuilt"  # the window's open saves a snapshot
    return data, db, old, keep


def test_settings_shown_set_and_checked(env, capsys):
    data, db, *_ = env
    capsys.readouterr()
    assert main(["minimise", "--show", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "keep_raw = yes" in out and "pseudonymise_after_days = off" in out and "coarsen_grid_m = 500" in out
    assert "not made yet" in out
    assert main(["minimise", "--set", "coarsen_grid_m=5", "--db", str(db)]) == 1
    assert "between 10 and 100000 metres" in capsys.readouterr().err
    assert main(["minimise", "--set", "colour=blue", "--db", str(db)]) == 1
    assert "unknown minimisation setting 'colour'" in capsys.readouterr().err
    assert main(["minimise", "--set", "pseudonymise_after_days=30", "--set", "keep_raw=no", "--db", str(db)]) == 0
    assert main(["minimise", "--show", "--json", "--db", str(db)]) == 0
    shown = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert shown["pseudonymise_after_days"] == "30" and shown["keep_raw"] == "no"
    with AuditLog.open(db) as log:
        e = log.entries(action="alter")[-1]
    assert e.detail["settings"] == {"keep_raw": "no", "pseudonymise_after_days": "30"}


def test_old_handles_and_positions_leave_no_trace(env, capsys):
    data, db, old, keep = env
    gone_handles = ["HandleAlphaQx", "HandleBravoQx"]
    kept_handles = ["HandleIncidentQx", "HandleHeldQx", "HandleFreshQx"]
    gone_coords = [v for t in old for v in t["coordinates"]["coordinates"]]
    kept_coords = [v for t in keep for v in t["coordinates"]["coordinates"]]
    folders = [data, db.parent]
    assert _hits(folders, gone_handles) and _byte_hits(folders, [_coord_bytes(gone_coords[0])[0]])
    assert main(["minimise", "--set", "pseudonymise_after_days=30", "--set", "coarsen_after_days=30",
                 "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["minimise", "--dry-run", "--db", str(db)]) == 0
    assert "would pseudonymise 3 posts' authors, would coarsen 3 exact positions" in capsys.readouterr().out
    assert main(["minimise", "--db", str(db), "--operator", "lee"]) == 0
    out = capsys.readouterr().out
    assert "pseudonymise 3 posts' authors, coarsen 3 exact positions, drop 3 raw payloads" in out

    assert _hits(folders, gone_handles) == []
    assert _byte_hits(folders, [b for v in gone_coords for b in _coord_bytes(v)]) == []
    with Cache.open_readonly(db) as cache:
        rows = cache.conn.execute("SELECT source_id, author, author_id, lat, lon, precision, radius_m, raw "
                                  "FROM items ORDER BY source_id").fetchall()
        secret = bytes.fromhex(cache.conn.execute("SELECT value FROM meta WHERE key = 'minimise.secret'")
                               .fetchone()[0])
        assert cache.conn.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH '\"Alp\" AND \"lph\" AND \"pha\"'").fetchone()[0] == 0
        assert cache.conn.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH '\"Inc\" AND \"cid\" AND \"ent\"'").fetchone()[0] == 1
    by_sid = {r[0]: r for r in rows}
    a0, a1, b = (by_sid[t["id_str"]] for t in old)
    assert a0[1] == a0[2] == a1[1] == a1[2] == minimise.pseudonym(secret, "x", "9001", "HandleAlphaQx")
    assert a0[1].startswith("~") and len(a0[1]) == 17 and b[1] != a0[1]
    assert a0[1] == "~" + __import__("hmac").new(secret, b"x:9001", "sha256").hexdigest()[:16]
    for r in (a0, a1, b):
        assert r[5] == "place" and r[6] == pytest.approx(500 * math.sqrt(2) / 2) and r[7] is None
        assert (r[3], r[4]) not in [(t["coordinates"]["coordinates"][1], t["coordinates"]["coordinates"][0])
                                    for t in old]
    for t, h in zip(keep, kept_handles):  # an incident's post, a held post, a new post: as they were
        r = by_sid[t["id_str"]]
        assert r[1] == h and r[5] == "exact" and (r[4], r[3]) == tuple(t["coordinates"]["coordinates"])
    assert _hits(folders, kept_handles)
    assert _byte_hits(folders, [_coord_bytes(kept_coords[0])[0]])
    with AuditLog.open(db) as log:
        e = log.entries(action="alter")[-1]
    assert e.operator == "lee" and e.detail["counts"] == {"pseudonymised": 3, "coarsened": 3, "raw_dropped": 3}
    assert "HandleAlpha" not in json.dumps(e.as_dict())

    # The same author later gets the same pseudonym; a second run changes nothing.
    assert main(["minimise", "--db", str(db)]) == 0
    assert "pseudonymise 0 posts' authors, coarsen 0 exact positions" in capsys.readouterr().out


def test_snap_is_a_grid_cell_centre():
    lat, lon = minimise.snap(37.5759123, 126.9769456, 500)
    assert abs(lat - 37.5759123) * 111_320 <= 250 + 1e-6
    assert abs(lon - 126.9769456) * 111_320 * math.cos(math.radians(lat)) <= 250 + 1e-6
    assert minimise.snap(lat, lon, 500) == (lat, lon)  # a centre stays where it is
    assert minimise.snap(37.5759, 126.9769, 500) == (lat, lon)  # a nearby point: the same cell


def test_keep_raw_no_stops_storing_payloads_and_purge_minimises(env, tmp_path, capsys):
    data, db, old, keep = env
    assert main(["minimise", "--set", "keep_raw=no", "--db", str(db)]) == 0
    more = _write(tmp_path / "more.jsonl", [_tweet(10, "HandleLateQx", "9010", 37.56, 126.97, 1, "늦은 글")])
    assert main(["import", str(more), "--keep-raw", "--db", str(db)]) == 0
    with Cache.open_readonly(db) as cache:
        assert cache.conn.execute("SELECT raw FROM items WHERE author = 'HandleLateQx'").fetchone()[0] is None
    capsys.readouterr()
    assert main(["purge", "--db", str(db)]) == 0  # nothing expired; minimisation runs after the expiry
    out = capsys.readouterr().out
    assert "minimisation: pseudonymise 0 posts' authors, coarsen 0 exact positions, drop 5 raw payloads" in out
    with Cache.open_readonly(db) as cache:  # the held post keeps its payload (evidence)
        assert cache.conn.execute("SELECT count(*) FROM items WHERE raw IS NOT NULL").fetchone()[0] == 1
