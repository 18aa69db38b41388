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
    monkeypatch.setenv("SITMAP_PURPOSE", "public-order")
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
     and d["format"] == "geojson" and d["count"] > 0 and sum(b - a + 1 for a, b in o["items"]) == d["count"]),
    ("export --evidence", lambda t, ids, iid: ["export", "--evidence", "--out", str(t / "e.zip"), "--no-map",
                                               "--no-report"], ("alter", "disclose"),  # its items put on hold
     lambda o, d, t, ids, iid: "filter" in o and d["format"] == "evidence" and d["count"] == 500
     and sum(b - a + 1 for a, b in o["items"]) == d["count"]),
    ("evidence", lambda t, ids, iid: ["evidence", "--out", str(t / "case.zip"), "--no-map", "--no-report"],
     ("alter", "disclose"), lambda o, d, t, ids, iid: "filter" in o and d["file"] == str(t / "case.zip") and d["count"] == 500),
    ("report", lambda t, ids, iid: ["report", "--out", str(t / "sitrep.pdf"), "--no-map", "--lang", "en"], "disclose",
     lambda o, d, t, ids, iid: "filter" in o and d["format"] == "report" and d["count"] == 500
     and sum(b - a + 1 for a, b in o["items"]) == d["count"]),
    ("hold add", lambda t, ids, iid: ["hold", "add", str(ids[0]), "--reason", "사건 7"], "alter",
     lambda o, d, t, ids, iid: o == {"items": [[ids[0], ids[0]]]} and d == {"change": "hold", "reason": "사건 7",
                                                                         "count": 1}),
    ("minimise --set", lambda t, ids, iid: ["minimise", "--set", "coarsen_after_days=30"], "alter",
     lambda o, d, t, ids, iid: o == {"minimise": ["coarsen_after_days"]} and d == {"settings": {"coarsen_after_days": "30"}}),
    ("minimise", lambda t, ids, iid: ["minimise"], "alter",
     lambda o, d, t, ids, iid: o == {"minimise": "run"} and d["counts"] == {"pseudonymised": 0, "coarsened": 0,
                                                                            "raw_dropped": 0}),
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
    actions = action if isinstance(action, tuple) else (action,)  # an evidence package also places holds
    assert [e.action for e in new] == list(actions)
    for e in new:
        assert (e.operator, e.purpose, e.case_ref) == ("kim", "public-order", "2026-1114")
    e = new[-1]
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


# --- tampering ----------------------------------------------------------------------------------

def _forged(db) -> str:
    """An entry 6 whose hash is right for its fields but whose prev_hash is not entry 5's."""
    with AuditLog.open(db) as log:
        last = log.entries()[-1].as_dict()
    fields = {**last, "seq": 6, "operator": "intruder", "prev_hash": "ab" * 32}
    h = entry_hash(fields)
    return ("INSERT INTO entries (seq, t_ms, operator, purpose, case_ref, workstation, action, objects, detail, "
            f"prev_hash, hash) VALUES (6, {fields['t_ms']}, 'intruder', 'P1', 'C-1', '{fields['workstation']}', "
            f"'consult', '{canonical(fields['objects']).decode()}', '{canonical(fields['detail']).decode()}', "
            f"'{'ab' * 32}', '{h}')")


TAMPER = [  # (name, SQL statements, the entry verify must name, words of its message)
    ("field changed", lambda db: ["UPDATE entries SET operator = 'lee' WHERE seq = 3"], 3, "altered"),
    ("objects changed", lambda db: ["UPDATE entries SET objects = '{\"filter\":\"other\"}' WHERE seq = 2"], 2,
     "altered"),
    ("time changed", lambda db: ["UPDATE entries SET t_ms = t_ms - 3600000 WHERE seq = 4"], 4, "altered"),
    ("entry deleted", lambda db: ["DELETE FROM entries WHERE seq = 3"], 3, "removed"),
    ("seq swapped", lambda db: ["UPDATE entries SET seq = -2 WHERE seq = 2", "UPDATE entries SET seq = 2 WHERE seq = 4",
                                "UPDATE entries SET seq = 4 WHERE seq = -2"], 2, "altered or moved"),
    ("forged entry appended", lambda db: [_forged(db)], 6, "does not follow"),
]


@pytest.mark.parametrize("name,sql,bad,words", TAMPER, ids=[t[0] for t in TAMPER])
def test_verify_names_the_tampered_entry(tmp_path, capsys, name, sql, bad, words):
    from desktop.cli import main

    db = _log(tmp_path)
    assert main(["audit", "verify", "--db", str(db)]) == 0
    capsys.readouterr()
    _tamper(db, *sql(db))
    assert main(["audit", "verify", "--db", str(db)]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and f"entry {bad} " in out and words in out, out
    with AuditLog.open(db) as log:
        assert log.verify().bad_seq == bad


def test_a_noted_head_catches_what_the_chain_alone_cannot(tmp_path, capsys):
    from desktop.cli import main

    db = _log(tmp_path)
    assert main(["audit", "head", "--db", str(db)]) == 0
    noted = capsys.readouterr().out.strip()
    assert noted.startswith("5:") and len(noted) == 66
    assert main(["audit", "verify", "--db", str(db), "--head", noted]) == 0
    assert main(["audit", "verify", "--db", str(db), "--head", "f" * 64]) == 1
    assert "not in the log" in capsys.readouterr().out
    assert main(["audit", "verify", "--db", str(db), "--head", "nonsense"]) == 1  # a usage error, one line
    _tamper(db, "DELETE FROM entries WHERE seq = 5")  # the newest entry removed: the chain still holds
    assert main(["audit", "verify", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--db", str(db), "--head", noted]) == 1
    assert "not in the log" in capsys.readouterr().out


def _script(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=60)


def test_export_verifies_with_the_standalone_script(tmp_path, capsys):
    from desktop.cli import main

    db = _log(tmp_path)
    out = tmp_path / "audit.jsonl"
    assert main(["audit", "export", "--db", str(db), "--out", str(out)]) == 0
    lines = out.read_bytes().splitlines()
    assert len(lines) == 5 and json.loads(lines[0])["prev_hash"] == GENESIS
    with AuditLog.open(db) as log:
        head = log.entries()[4].hash  # the export's own access is entry 6, after the exported five
        access = log.entries()[5]
    assert (access.action, access.objects, access.detail["entries"]) == ("consult", {"audit": "export"}, 5)
    ok = _script(out)
    assert ok.returncode == 0 and f"OK: 5 entries, head 5 {head}" in ok.stdout, ok.stdout
    assert _script(out, "--head", head).returncode == 0
    assert _script(out, "--head", "0" * 64).returncode == 1
    data = out.read_bytes()
    for pos in range(0, len(data) - 1, 37):  # any one byte changed fails, wherever it is
        bad = bytearray(data)
        bad[pos] = ord("x") if bad[pos] != ord("x") else ord("y")
        out.write_bytes(bytes(bad))
        res = _script(out)
        assert res.returncode == 1 and "FAILED" in res.stdout, (pos, res.stdout)
    out.write_bytes(b"\n".join(lines[:2] + lines[3:]) + b"\n")  # a line removed
    res = _script(out)
    assert res.returncode == 1 and "entry 4" in res.stdout


def test_export_of_a_period_starts_after_an_earlier_entry(tmp_path, capsys):
    db = _log(tmp_path)
    with AuditLog.open(db) as log:
        es = log.entries()
        n = log.export(tmp_path / "part.jsonl", t_from=es[2].t_ms)
    lines = [json.loads(x) for x in (tmp_path / "part.jsonl").read_text().splitlines()]
    first = lines[0]["seq"]
    assert n == len(lines) and first <= 3 and lines[-1]["seq"] == 5
    assert lines[0]["prev_hash"] == (GENESIS if first == 1 else es[first - 2].hash)
    assert _script(tmp_path / "part.jsonl").returncode == 0
    with AuditLog.open(db) as log:
        assert log.export(tmp_path / "none.jsonl", t_to=es[0].t_ms) == 0


def test_show_and_missing_log(tmp_path, capsys):
    from desktop.cli import main

    db = _log(tmp_path)
    assert main(["audit", "show", "--db", str(db), "--limit", "2", "--who", "kim", "--action", "consult"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and out[0].lstrip().startswith("5 ") and "kim@" in out[0] and "purpose P1" in out[0]
    assert main(["audit", "verify", "--db", str(tmp_path / "other.db")]) == 1
    assert "no audit log" in capsys.readouterr().err
