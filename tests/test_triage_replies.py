"""Replied, beside the triage state: a complaint answered with a note, in a real cache
(its history row, a new note replacing the old, withdrawing it, an erased item taking it
along) and from `sitmap triage --replied` (its audit entry, refusals that change nothing)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from desktop.audit import AuditLog
from desktop.cache import Cache
from desktop.cache import triage
from desktop.cache.erase import erase
from desktop.core.triage import TriageChange, TriageError
from desktop.importers import import_file
from tests.importers.tabular_helpers import FIXTURES

COMPLAINT = "201234567890123_300000000000001"


@pytest.fixture
def cache(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    c.set_meta("geoparse.on_import", "off")
    import_file(c, FIXTURES / "facebook" / "page_feed.json", purpose="public-order")
    yield c
    c.close()


def _id(cache, sid=COMPLAINT):
    return cache.conn.execute("SELECT id FROM items WHERE source_id = ?", (sid,)).fetchone()[0]


def test_replied_beside_the_state_with_history(cache):
    i = _id(cache)
    triage.apply(cache.conn, [i], TriageChange(state="verified"), by="kim", t_ms=1000)
    got = triage.replied(cache.conn, [i], "  댓글로 단속 예정 안내  ", by="kim", t_ms=2000)
    assert got == {i: {"note": "댓글로 단속 예정 안내", "replied_ms": 2000, "replied_by": "kim"}}
    assert triage.get(cache.conn, [i])[i].state == "verified"  # the state stays what it was
    triage.replied(cache.conn, [i], "서부서 교통과 전달", by="lee", t_ms=3000)
    assert triage.replies(cache.conn, [i])[i]["note"] == "서부서 교통과 전달"
    assert triage.unreplied(cache.conn, [i], by="lee", t_ms=4000) == [i]
    assert triage.unreplied(cache.conn, [i], by="lee") == []  # nothing left to withdraw
    assert triage.replies(cache.conn, [i]) == {}
    notes = [(h["by"], h["state"], h["note"]) for h in triage.history(cache.conn, i)]
    assert notes == [("kim", "verified", None), ("kim", None, "replied: 댓글로 단속 예정 안내"),
                     ("lee", None, "replied: 서부서 교통과 전달"), ("lee", None, "reply withdrawn")]


def test_refusals_change_nothing(cache):
    i = _id(cache)
    for ids, note, msg in (([i, 999999], "답변", "no item with id 999999"), ([i], "   ", "say what was replied"),
                           ([i], "x" * 5000, "over 4000")):
        with pytest.raises(TriageError, match=msg):
            triage.replied(cache.conn, ids, note, by="kim")
    with pytest.raises(TriageError, match="say who"):
        triage.replied(cache.conn, [i], "답변", by=" ")
    assert triage.replies(cache.conn, [i]) == {} and triage.history(cache.conn, i) == []


def test_erasing_the_item_takes_its_reply(cache):
    i = _id(cache)
    triage.replied(cache.conn, [i], "전화로 답변 완료", by="kim")
    erase(cache, [i], reason="test")
    assert cache.conn.execute("SELECT count(*) FROM triage_replies").fetchone()[0] == 0
    assert cache.conn.execute("SELECT count(*) FROM triage_history WHERE note LIKE '%전화로%'").fetchone()[0] == 0


def _sitmap(*args):
    return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True, timeout=120)


def test_cli_replied_and_its_audit_entry(cache, tmp_path):
    i = _id(cache)
    db = str(tmp_path / "c.db")
    out = _sitmap("triage", "--db", db, str(i), "--replied", "댓글로 답변", "--by", "kim", "--purpose", "public-order")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"item {i}: unchanged · replied"
    out = _sitmap("triage", "--db", db, str(i), "--state", "actioned", "--unreplied", "--by", "kim",
                  "--purpose", "public-order")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"item {i}: state new → actioned · reply withdrawn"
    bad = _sitmap("triage", "--db", db, str(i), "999999", "--replied", "답변", "--by", "kim", "--purpose", "public-order")
    assert bad.returncode == 1 and "no item with id 999999" in bad.stderr and "Traceback" not in bad.stderr
    with AuditLog.open(tmp_path / "c.db") as log:
        alters = [e for e in log.entries() if e.action == "alter"]
    assert [e.objects for e in alters] == [{"items": [i]}, {"items": [i]}]
    assert alters[0].detail["triage"]["replied"] == "댓글로 답변"
    assert alters[1].detail["triage"] == {"state": "actioned", "origin": "commander", "replied": None}
    with Cache.open_readonly(tmp_path / "c.db") as c:
        assert json.loads(json.dumps(triage.replies(c.conn, [i]))) == {}
