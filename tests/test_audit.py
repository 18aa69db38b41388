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
