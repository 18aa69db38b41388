"""The audit trail: the hash chain, its verification and export, and every wired command."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.audit import GENESIS, AuditError, AuditLog, audit_path, canonical, entry_hash

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "verify_audit.py"


def _log(tmp_path, n=5) -> Path:
    db = tmp_path / "incident.db"
    with AuditLog.open(db) as log:
        for i in range(n):
            log.record("consult", operator="kim", purpose="P1", case_ref="C-1", objects={"filter": f"광화문 {i}"},
                       detail={"count": i})
    return db


def _tamper(db: Path, *sql: str) -> None:
    conn = sqlite3.connect(audit_path(db))
    conn.execute("DROP TRIGGER entries_no_update")
    conn.execute("DROP TRIGGER entries_no_delete")
    for s in sql:
        conn.execute(s)
    conn.commit()
    conn.close()


def test_audit_path_beside_the_cache(tmp_path):
    assert audit_path(tmp_path / "incident.db") == tmp_path / "incident.audit.db"
    assert audit_path(tmp_path / "cache") == tmp_path / "cache.audit.db"


def test_record_chains_and_verifies(tmp_path):
    db = _log(tmp_path, 3)
    with AuditLog.open(db) as log:
        es = log.entries()
        assert [e.seq for e in es] == [1, 2, 3]
        assert es[0].prev_hash == GENESIS and es[1].prev_hash == es[0].hash
        d = es[1].as_dict()
        assert entry_hash(d) == d["hash"]
        assert es[0].objects == {"filter": "광화문 0"} and es[0].workstation
        res = log.verify()
        assert res.ok and res.entries == 3 and log.head() == (3, es[2].hash)
        assert log.verify(head=es[1].hash).ok and log.verify(head=f"2:{es[1].hash}").ok
        assert not log.verify(head=f"3:{es[1].hash}").ok
        with pytest.raises(AuditError):
            log.record("look", operator="kim")
        with pytest.raises(AuditError):
            log.record("consult", operator="kim", detail={"x": 1.5})
        with pytest.raises(sqlite3.IntegrityError):  # append-only: the triggers refuse
            log.conn.execute("UPDATE entries SET operator = 'lee'")


def test_canonical_form():
    assert canonical({"b": 1, "a": "한"}) == b'{"a":"\\ud55c","b":1}'


# --- the wired commands -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    from desktop.cache import Cache, incidents
    from desktop.demo.generator import write_demo

    db = tmp_path_factory.mktemp("demo") / "incident.db"
    with Cache.open(db) as cache:
        write_demo(cache, seed=7, size=500)
        ids = [r[0] for r in cache.conn.execute("SELECT id FROM items ORDER BY id LIMIT 4")]
        iid = incidents.create(cache.conn, "감사 시험", by="setup", item_ids=ids[:2])
    assert not audit_path(db).exists()  # the demo writes no audit entries
    return db, ids, iid


@pytest.fixture
def demo(demo_template, tmp_path, monkeypatch):
    import shutil

    src, ids, iid = demo_template
    db = tmp_path / "incident.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{src}{suffix}").exists():
            shutil.copy(f"{src}{suffix}", f"{db}{suffix}")
    monkeypatch.delenv("SITMAP_OPERATOR", raising=False)
    monkeypatch.setenv("SITMAP_PURPOSE", "P-CROWD")
    monkeypatch.setenv("SITMAP_CASE", "2026-1114")
    return db, ids, iid


def _import_file(tmp_path):
    from tests.test_cli import _jsonl

    return _jsonl(tmp_path / "posts.jsonl", 3)


CASES = [  # (name, argv after the command, action, a check of the entry's objects and detail)
    ("import", lambda t, ids, iid: ["import", str(_import_file(t))], "collect",
     lambda o, d, t, ids, iid: o["file"].endswith("posts.jsonl") and isinstance(o["batch"], int)
     and d["format"] == "x-v1" and d["new"] == 3),
    ("triage", lambda t, ids, iid: ["triage", str(ids[0]), str(ids[1]), "--state", "verified", "--priority", "urgent"],
     "alter", lambda o, d, t, ids, iid: o == {"items": ids[:2]} and d["triage"]["state"] == "verified"),
    ("incident create", lambda t, ids, iid: ["incident", "create", "새 사건", "--items", str(ids[3])], "alter",
     lambda o, d, t, ids, iid: o["items"] == [ids[3]] and o["incident"] != iid and d["change"] == "create"),
    ("incident add", lambda t, ids, iid: ["incident", "add", str(iid), "--items", str(ids[2])], "alter",
     lambda o, d, t, ids, iid: o == {"incident": iid, "items": [ids[2]]} and d == {"change": "add"}),
    ("incident remove", lambda t, ids, iid: ["incident", "remove", str(iid), "--items", str(ids[0])], "alter",
     lambda o, d, t, ids, iid: o == {"incident": iid, "items": [ids[0]]} and d == {"change": "remove"}),
    ("incident note", lambda t, ids, iid: ["incident", "note", str(iid), "현장 확인 중"], "alter",
     lambda o, d, t, ids, iid: o == {"incident": iid} and d == {"change": "note", "note": "현장 확인 중"}),
    ("incident close", lambda t, ids, iid: ["incident", "close", str(iid), "--note", "해산"], "alter",
     lambda o, d, t, ids, iid: o == {"incident": iid} and d["change"] == "close"),
    ("export", lambda t, ids, iid: ["export", "--out", str(t / "out.geojson"), "--kind", "post"], "disclose",
     lambda o, d, t, ids, iid: "post" in o["filter"].lower() and d["file"] == str(t / "out.geojson")
     and d["format"] == "geojson" and d["count"] > 0),
    ("export --evidence", lambda t, ids, iid: ["export", "--evidence", "--out", str(t / "e.zip"), "--no-map",
                                               "--no-report"], "disclose",
     lambda o, d, t, ids, iid: "filter" in o and d["format"] == "evidence" and d["count"] == 500),
    ("evidence", lambda t, ids, iid: ["evidence", "--out", str(t / "case.zip"), "--no-map", "--no-report"],
     "disclose", lambda o, d, t, ids, iid: "filter" in o and d["file"] == str(t / "case.zip") and d["count"] == 500),
    ("report", lambda t, ids, iid: ["report", "--out", str(t / "sitrep.pdf"), "--no-map", "--lang", "en"], "disclose",
     lambda o, d, t, ids, iid: "filter" in o and d["format"] == "report" and d["count"] == 500),
    ("query", lambda t, ids, iid: ["query", "--format", "jsonl", "--out", str(t / "q.jsonl"), "--limit", "7"],
     "consult", lambda o, d, t, ids, iid: "filter" in o and d["count"] == 7 and d["file"] == str(t / "q.jsonl")),
]


def _entries(db):
    if not audit_path(db).exists():
        return []
    with AuditLog.open(db) as log:
        return log.entries()


@pytest.mark.parametrize("name,argv,action,check", CASES, ids=[c[0] for c in CASES])
def test_each_wired_command_writes_one_entry(demo, tmp_path, capsys, name, argv, action, check):
    from desktop.cli import main

    db, ids, iid = demo
    before = len(_entries(db))
    assert main(["--db", str(db), *argv(tmp_path, ids, iid), "--operator", "kim"]) == 0, capsys.readouterr()
    new = _entries(db)[before:]
    assert len(new) == 1
    [e] = new
    assert (e.action, e.operator, e.purpose, e.case_ref) == (action, "kim", "P-CROWD", "2026-1114")
    assert check(e.objects, e.detail, tmp_path, ids, iid), (e.objects, e.detail)
    capsys.readouterr()
    assert main(["audit", "verify", "--db", str(db)]) == 0
    assert "OK" in capsys.readouterr().out


def test_operator_of_a_change_is_the_history_s(demo, capsys):
    """--operator on a command with --by is the same name: the history and the trail agree."""
    from desktop.cache import Cache, triage
    from desktop.cli import main

    db, ids, _ = demo
    assert main(["triage", "--db", str(db), str(ids[0]), "--state", "review", "--operator", "lee"]) == 0
    with Cache.open_readonly(db) as cache:
        assert triage.history(cache.conn, ids[0])[-1]["by"] == "lee"
    assert _entries(db)[-1].operator == "lee"
