"""``sitmap sync`` against a real server: clear one-line errors, a workstation offline and
back, the database restarted under a running sync, and a SIGKILLed sync resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from desktop.cache import Cache
from desktop.cache import incidents, triage
from desktop.cli import main
from desktop.core.triage import TriageChange
from tests.sync import pg
from tests.sync.helpers import add_items, keys, local_id, posts, q, triage_of


def sync_once(capsys, db, url) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["sync", "--db", str(db), "--shared", url, "--once", "--since", "all"])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_once_prints_status(tmp_path, shared_url, capsys):
    db = tmp_path / "a.db"
    add_items(db, posts("p", 3))
    code, out, err = sync_once(capsys, db, shared_url)
    assert code == 0 and err == ""
    assert out.strip() == "shared store: online, pushed 3, pulled 0"


def test_verified_tls(tmp_path, pg_server, shared_url, capsys):
    db = tmp_path / "a.db"
    add_items(db, posts("p", 2))
    url = f"{shared_url}?sslmode=verify-full&sslrootcert={pg_server.ca_file}"
    code, out, err = sync_once(capsys, db, url)
    assert code == 0, err
    assert out.strip() == "shared store: online, pushed 2, pulled 0"


@pytest.mark.parametrize("case", ["password", "port", "database", "tls", "url"])
def test_errors_are_one_clear_line(tmp_path, pg_server, shared_url, capsys, case):
    db = tmp_path / "a.db"
    add_items(db, posts("p", 1))
    name = shared_url.rsplit("/", 1)[1]
    url, expect = {
        "password": (pg_server.url(name, password="wrong-secret"), "the password was refused"),
        "port": (pg_server.url(name, port=pg.free_port()), "cannot be reached"),
        "database": (pg_server.url("no_such_db"), "the database does not exist"),
        "tls": (f"{shared_url}?sslmode=verify-full&sslrootcert={pg_server.other_ca_file}",
                "the TLS certificate was refused"),
        "url": ("mysql://x@y/z", "expected a postgresql://"),
    }[case]
    code, out, err = sync_once(capsys, db, url)
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sitmap: ") and expect in lines[0], err
    assert "Traceback" not in err and "wrong-secret" not in err and pg.PASSWORD not in err
    # Nothing was marked pushed: once the URL is right, everything goes.
    assert sync_once(capsys, db, shared_url)[1].strip() == "shared store: online, pushed 1, pulled 0"


def test_offline_then_catch_up(tmp_path, pg_server, shared_url, capsys):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add_items(a, posts("p", 20))
    assert sync_once(capsys, a, shared_url)[0] == 0
    assert sync_once(capsys, b, shared_url)[0] == 0
    pg_server.stop()  # the network cable pulled
    try:
        add_items(a, posts("q", 30), name="later.json")
        with Cache.open(a) as c:
            triage.apply(c.conn, [local_id(a, "p1"), local_id(a, "q2")], TriageChange(state="verified"), by="kim")
            incidents.create(c.conn, "종로 행진", by="kim", item_ids=[local_id(a, "q3")])
        code, out, err = sync_once(capsys, a, shared_url)
        assert code == 1 and "cannot be reached" in err and len(err.strip().splitlines()) == 1
        from desktop.sync.runner import waiting_offline

        assert waiting_offline(a) == 30 + 2 + 2  # items, triage rows, incident log (opened, added)
    finally:
        pg_server.start()
    code, out, _ = sync_once(capsys, a, shared_url)
    assert code == 0 and "pushed 36" in out  # and the incident's row and its one item
    code, out, _ = sync_once(capsys, b, shared_url)
    assert code == 0
    assert keys(a) == keys(b) and len(keys(b)) == 50
    assert triage_of(b, "q2")[0] == "verified"
    with Cache.open(b) as c:
        assert incidents.find(c.conn, "종로 행진") is not None
    # Once more: nothing is sent twice, nothing duplicated.
    assert "pushed 0, pulled 0" in sync_once(capsys, a, shared_url)[1]
    with psycopg.connect(shared_url) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 50
        assert conn.execute("SELECT count(*) FROM triage_history").fetchone()[0] == 2


def _spawn(db, url, *extra, page: int | None = None):
    env = dict(os.environ)
    if page:  # small pulls, so that a kill lands half-way through a catch-up
        env["SITMAP_SYNC_PAGE"] = str(page)
    return subprocess.Popen([sys.executable, "-m", "desktop", "sync", "--db", str(db), "--shared", url, "--since", "all",
                             "--interval", "1", *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)


def _wait_line(proc, text: str, timeout: float = 30.0) -> list[str]:
    seen = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line.strip())
        if text in line:
            return seen
    raise AssertionError(f"no line with {text!r} in {seen}")


def test_database_restarted_under_running_sync(tmp_path, pg_server, shared_url):
    a = tmp_path / "a.db"
    add_items(a, posts("p", 5))
    proc = _spawn(a, shared_url)
    try:
        _wait_line(proc, "pushed 5")
        pg_server.stop()
        lines = _wait_line(proc, "offline since")
        add_items(a, posts("q", 7), name="later.json")
        pg_server.start()
        lines += _wait_line(proc, "pushed 7")
        assert not any("Traceback" in x for x in lines)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "Traceback" not in err
    with psycopg.connect(shared_url) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 12


def _shared_count(url) -> int:
    with psycopg.connect(url) as conn:
        if not conn.execute("SELECT to_regclass('changes') IS NOT NULL").fetchone()[0]:
            return 0
        return conn.execute("SELECT count(*) FROM changes").fetchone()[0]


def _kill_when(proc, count, at_least: int, timeout: float = 60.0) -> int:
    """SIGKILL the process as soon as ``count()`` reaches ``at_least``; returns the count then."""
    end = time.monotonic() + timeout
    seen = 0
    try:
        while time.monotonic() < end and proc.poll() is None:
            try:
                seen = count()
            except Exception:  # the cache or the schema is being created
                seen = 0
            if seen >= at_least:
                break
            time.sleep(0.01)
    finally:
        proc.kill()
        proc.communicate(timeout=20)
    return seen


def test_sigkilled_sync_resumes_without_loss_or_duplicates(tmp_path, shared_url, capsys):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    n = 25_000
    add_items(a, posts("p", n))
    with Cache.open(a) as c:
        ids = [r[0] for r in c.conn.execute("SELECT id FROM items ORDER BY id LIMIT 3000")]
        triage.apply(c.conn, ids, TriageChange(state="review", priority="urgent"), by="kim")
    # The pusher is killed mid-way: once its first transaction is in, then once more later.
    for at_least in (1, n // 2):
        proc = _spawn(a, shared_url)
        seen = _kill_when(proc, lambda: _shared_count(shared_url), at_least)
        assert seen < n + 3000  # it was stopped before it finished
    assert sync_once(capsys, a, shared_url)[0] == 0
    # The puller too.
    for at_least in (1, n // 2):
        proc = _spawn(b, shared_url, page=2_000)
        seen = _kill_when(proc, lambda: q(b, "SELECT count(*) FROM items")[0][0] if b.exists() else 0, at_least)
        assert seen < n
    code, out, err = sync_once(capsys, b, shared_url)
    assert code == 0, err
    with psycopg.connect(shared_url) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT source_id) FROM items").fetchone() == (n, n)
        assert conn.execute("SELECT count(*) FROM triage_history").fetchone()[0] == 3000
        assert conn.execute("SELECT count(*) FROM changes").fetchone()[0] == n + 3000
    assert q(b, "SELECT count(*), count(DISTINCT source_id) FROM items")[0] == (n, n)
    assert q(b, "SELECT count(*), count(DISTINCT item_id) FROM triage_history")[0] == (3000, 3000)
    assert q(b, "SELECT count(*) FROM triage WHERE state = 'review' AND priority = 'urgent'")[0][0] == 3000
    # And neither has anything left to send.
    assert "pushed 0, pulled 0" in sync_once(capsys, b, shared_url)[1]
    assert "pushed 0, pulled 0" in sync_once(capsys, a, shared_url)[1]


def test_two_running_syncs_converge_within_two_seconds(tmp_path, shared_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add_items(a, posts("p", 1))
    add_items(b, posts("b", 1))
    pa, pb = _spawn(a, shared_url, "--interval", "30"), _spawn(b, shared_url, "--interval", "30")
    try:
        _wait_line(pa, "shared store: online")
        _wait_line(pb, "shared store: online")
        deadline = time.monotonic() + 20
        while len(keys(a)) < 2 or len(keys(b)) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # A change on one appears on the other, woken by the store's notification (the
        # periodic pull is 30 s here).
        t0 = time.monotonic()
        with Cache.open(a) as c:
            triage.apply(c.conn, [local_id(a, "b0")], TriageChange(state="verified"), by="kim")
        while q(b, "SELECT count(*) FROM triage")[0][0] == 0:
            # Well inside the 30 s periodic pull: the notification woke it (how fast is the
            # benchmark's business: benchmarks/sync.py).
            assert time.monotonic() - t0 < 15.0, "the other workstation was not woken by the store's notification"
            time.sleep(0.02)
        assert triage_of(b, "b0") == ("verified", "routine", "kim")
    finally:
        for p in (pa, pb):
            p.send_signal(signal.SIGTERM)
            p.communicate(timeout=20)
    assert pa.returncode == 0 and pb.returncode == 0


def test_listen_is_a_headless_ingest_node(tmp_path, shared_url, capsys):
    """``sitmap listen --shared``: what the feeds commit reaches the shared store."""
    from tests.conftest import FIXTURES

    node = tmp_path / "node.db"
    capture = tmp_path / "capture.jsonl"
    capture.write_bytes(b"")

    def feed() -> None:  # the capture grows while the node listens
        time.sleep(1.5)
        with open(capture, "ab") as f:
            f.write((FIXTURES / "x" / "stream_v2.jsonl").read_bytes())

    import threading

    writer = threading.Thread(target=feed)
    writer.start()
    code = main(["listen", "--db", str(node), "--jsonl", str(capture), "--shared", shared_url, "--duration", "5",
                 "--every", "1"])
    writer.join()
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "shared store: online" in out.out and "Traceback" not in out.err
    local = q(node, "SELECT count(*) FROM items")[0][0]
    assert local > 0
    with psycopg.connect(shared_url) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == local
    # A workstation with no feed of its own gets them.
    assert sync_once(capsys, tmp_path / "ws.db", shared_url)[0] == 0
    assert keys(tmp_path / "ws.db") == keys(node)


def test_area_on_the_command_line(tmp_path, shared_url, capsys):
    from desktop.cli import main
    from tests.sync.test_fetch import busan_posts

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add_items(a, posts("p", 3) + busan_posts("busan", 2, posts("x", 1)[0].t_ms))
    assert sync_once(capsys, a, shared_url)[0] == 0
    code = main(["sync", "--db", str(b), "--shared", shared_url, "--once", "--since", "all", "--area", "부산 중구"])
    out = capsys.readouterr()
    assert code == 0 and out.err == "" and "(holding 부산광역시 중구 only)" in out.out
    with Cache.open(b) as c:
        assert sorted(r[0] for r in c.conn.execute("SELECT source_id FROM items")) == ["busan0", "busan1"]
    code = main(["sync", "--db", str(b), "--shared", shared_url, "--once", "--area", "아무데나구"])
    out = capsys.readouterr()
    assert code != 0 and "--area '아무데나구'" in out.err and "Traceback" not in out.err
