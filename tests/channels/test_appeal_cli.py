"""`sitmap appeal` as a user runs it, against the loopback stand-in and a real file-backed
keyring: the token read from standard input, publishing refused without --yes and the
exact text shown, an outage reported and left queued, sent once, replies collected and
placed at 남포동, each step in the audit trail."""

from __future__ import annotations

import os
import subprocess
import sys

from desktop.audit import AuditLog
from desktop.cache import Cache
from tests.channels.server import X_TOKEN


def test_appeal_commands(tmp_path, standin, file_keyring):
    db = str(tmp_path / "c.db")
    env = {**os.environ, "SITMAP_OPERATOR": "kim", "SITMAP_PURPOSE": "missing-person"}

    def sitmap(*args, inp=None):
        return subprocess.run([sys.executable, "-m", "desktop", *args], capture_output=True, text=True, input=inp,
                              env=env, timeout=120)

    r = sitmap("appeal", "account", "add", "busan-x", "--channel", "x", "--base-url", standin.url, "--db", db,
               inp=X_TOKEN + "\n")
    assert r.returncode == 0, r.stderr
    assert X_TOKEN not in (tmp_path / "data" / "channels.json").read_text()
    r = sitmap("appeal", "add", "--db", db, "--account", "busan-x", "--ko", "실종 아동을 찾습니다", "--tag", "부산경찰")
    assert r.returncode == 0 and "appeal 1 (draft)" in r.stdout, r.stderr
    assert sitmap("appeal", "queue", "1", "--db", db).returncode == 0
    r = sitmap("appeal", "publish", "1", "--db", db)
    assert r.returncode == 2 and "실종 아동을 찾습니다 #부산경찰" in r.stdout and "busan-x" in r.stdout
    assert standin.state.tweets == []
    standin.fault("POST", "/2/tweets", "503")
    r = sitmap("appeal", "publish", "1", "--db", db, "--yes")
    assert r.returncode == 1 and "still queued" in r.stderr and "503" in r.stderr and "Traceback" not in r.stderr
    r = sitmap("appeal", "publish", "1", "--db", db, "--yes")
    assert r.returncode == 0 and len(standin.state.tweets) == 1, r.stderr
    tid = standin.state.tweets[0]["id"]
    assert f"published: {tid}" in r.stdout
    again = sitmap("appeal", "publish", "1", "--db", db, "--yes")
    assert again.returncode == 0 and f"appeal 1 was already published ({tid})" in again.stdout
    assert len(standin.state.tweets) == 1
    standin.add_reply(tid, "남포동 근처에서 아이를 봤어요", user={"id": "3300000002", "username": "seen_it"})
    r = sitmap("appeal", "collect", "1", "--db", db)
    assert r.returncode == 0 and "1 response(s) linked" in r.stdout, r.stderr
    with Cache.open_readonly(db) as c:
        lat, lon, prec = c.conn.execute("SELECT lat, lon, precision FROM items").fetchone()
    assert (round(lat, 4), round(lon, 4), prec) == (35.0974, 129.0302, "inferred")
    with AuditLog.open(db) as log:
        got = [(e.action, (e.detail or {}).get("outcome")) for e in log.entries()]
    assert got == [("alter", None), ("alter", None), ("alter", None), ("disclose", "queued"), ("disclose", "sent"),
                   ("collect", None)]
