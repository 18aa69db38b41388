"""The network inputs, their parsers and their writer in an ingest process of their own:
real spawned processes, real sockets on loopback, a real cache file. The window's writer
hears every commit (ids, chat, receipts, unit positions) in order; killing the ingest
process or one of its parsers loses nothing committed and the input comes back."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from desktop.cache import Cache
from desktop.core.model import Item, Unit
from desktop.live.cot_out import chat_event
from desktop.live.ingest import IngestError, IngestProcess
from desktop.live.writer import LiveWriter
from tests.live.helpers import cot, wait_for


def _t(k: int) -> str:
    return f"2026-05-01T03:{k // 60 % 60:02d}:{k % 60:02d}Z"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Heard:
    """The window writer's listeners: every relayed id, chat item and unit position."""

    def __init__(self, writer: LiveWriter):
        self.ids: list[int] = []
        self.records: list = []
        self.lock = threading.Lock()
        writer.add_listener(self.on_ids)
        writer.add_record_listener(self.on_records)

    def on_ids(self, ids, _units, _stats):
        with self.lock:
            self.ids += ids

    def on_records(self, conn, records, _now):
        assert not conn.in_transaction  # the window writer's own connection, free
        with self.lock:
            self.records += records


@pytest.fixture
def window_side(tmp_path):
    db = tmp_path / "live.db"
    Cache.open(db).close()
    writer = LiveWriter(db, purpose="public-order").start()
    heard = Heard(writer)
    host = IngestProcess(db, writer.relay, purpose="public-order", parse_workers=2)
    writer.external = lambda: (host.counts.queued, host.counts.dropped)
    yield db, writer, heard, host
    host.stop()
    writer.stop()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat") as f:  # a zombie waiting for its parent counts as gone
        return f.read().split(")")[-1].split()[0] == "Z"


def _count(db) -> int:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT count(*) FROM items").fetchone()[0]


def test_inputs_run_in_their_own_process_and_the_window_hears_every_commit(window_side):
    db, writer, heard, host = window_side
    port = _free_port()
    inp = host.start_input("tcp", "tcp", {"host": "127.0.0.1", "port": port, "rate": 1e6, "burst": 1e6})
    assert inp.port == port and host.pid() not in (None, os.getpid())
    pids = host.child_pids()
    assert len(pids["parsers"]) == 2 and os.getpid() not in pids["parsers"]
    with socket.create_connection(("127.0.0.1", port)) as c:
        chat = chat_event("광화문 도착", sender_uid="U-3", sender_callsign="U-3-cs", lat=37.57, lon=126.97)
        c.sendall(b"".join(cot(f"U-{k % 20}", t=_t(k)) for k in range(400)) + chat)
        assert wait_for(lambda: _count(db) == 401 and len(heard.ids) == 401, timeout=30)
    with sqlite3.connect(db) as c:
        assert sorted(heard.ids) == [r[0] for r in c.execute("SELECT id FROM items ORDER BY id")]
        formats = {r[0] for r in c.execute("SELECT DISTINCT format FROM batches")}
    assert formats == {f"live:tcp://127.0.0.1:{port}"}
    # Record listeners hear the chat item and the newest position of each unit, not every report.
    assert wait_for(lambda: len([r for r in heard.records if isinstance(r, Unit)]) >= 20, timeout=10)
    chats = [r for r in heard.records if isinstance(r, Item)]
    assert [c.text for c in chats] == ["광화문 도착"]
    units = [r for r in heard.records if isinstance(r, Unit)]
    assert len(units) < 400 and {u.uid for u in units} == {f"U-{k}" for k in range(20)}
    # The status reaches the window; the window writer counts what the ingest process committed.
    assert wait_for(lambda: inp.status.messages == 401, timeout=5)
    assert writer.stats().accepted == 401 and writer.stats().queued == 0


def test_a_port_in_use_is_a_clear_error_and_nothing_is_left_running(window_side):
    _db, _writer, _heard, host = window_side
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(IngestError) as err:
            host.start_input("tcp", "tcp", {"host": "127.0.0.1", "port": port})
    assert "in use" in str(err.value).lower() and "tcp" not in host.inputs


def test_killing_the_ingest_process_loses_nothing_committed_and_the_input_comes_back(window_side):
    db, _writer, heard, host = window_side
    port = _free_port()
    host.start_input("tcp", "tcp", {"host": "127.0.0.1", "port": port, "rate": 1e6, "burst": 1e6})
    with socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(b"".join(cot(f"K-{k}", t=_t(k)) for k in range(300)))
        assert wait_for(lambda: _count(db) == 300, timeout=30)
    victim, parsers = host.pid(), host.child_pids()["parsers"]
    os.kill(victim, signal.SIGKILL)
    assert _count(db) == 300  # everything committed stayed
    assert wait_for(lambda: all(_gone(p) for p in parsers), timeout=30)  # its parsers ended with it
    # A new ingest process takes the same inputs: the port listens again.
    assert wait_for(lambda: host.pid() not in (None, victim) and host.restarts == 1, timeout=60)

    def reconnect():
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            return None

    assert wait_for(lambda: (s := reconnect()) is not None and (s.close() or True), timeout=30)
    with socket.create_connection(("127.0.0.1", port)) as c:  # a sender reconnects and resends everything
        c.sendall(b"".join(cot(f"K-{k}", t=_t(k)) for k in range(400)))
        assert wait_for(lambda: _count(db) == 400, timeout=30)
    with sqlite3.connect(db) as c:
        uids = [r[0] for r in c.execute("SELECT unit_uid FROM items")]
    assert sorted(uids) == sorted(f"K-{k}" for k in range(400))  # none twice
    with sqlite3.connect(db) as c:
        stored = {r[0] for r in c.execute("SELECT id FROM items")}
    # The window heard of every item, those the killed process committed last included.
    assert wait_for(lambda: set(heard.ids) == stored, timeout=10), (
        f"not heard: {sorted(stored - set(heard.ids))[:10]}, heard {len(set(heard.ids))} of {len(stored)}")


def test_killing_a_parser_in_the_ingest_process_loses_nothing(window_side):
    db, _writer, _heard, host = window_side
    port = _free_port()
    host.start_input("tcp", "tcp", {"host": "127.0.0.1", "port": port, "rate": 1e6, "burst": 1e6})
    with socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(b"".join(cot(f"P-{k}", t=_t(k)) for k in range(200)))
        assert wait_for(lambda: _count(db) == 200, timeout=30)
        victim = host.child_pids()["parsers"][0]
        os.kill(victim, signal.SIGKILL)
        for j in range(10):  # some batches meet the dying parser and are parsed again
            c.sendall(b"".join(cot(f"P-{k}", t=_t(k)) for k in range(200 + j * 40, 240 + j * 40)))
        assert wait_for(lambda: _count(db) == 600, timeout=30)
    assert victim not in host.child_pids()["parsers"] and host.restarts == 0


def test_the_ingest_process_ends_with_the_window_process(tmp_path):
    """A window process killed outright leaves no ingest process (nor its parsers) behind."""
    db = tmp_path / "live.db"
    Cache.open(db).close()
    script = textwrap.dedent(f"""
        import sys, time
        from desktop.live.ingest import IngestProcess
        from desktop.live.writer import LiveWriter
        w = LiveWriter({str(db)!r}, purpose="public-order").start()
        h = IngestProcess({str(db)!r}, w.relay, purpose="public-order", parse_workers=1)
        h.start_input("tcp", "tcp", {{"host": "127.0.0.1", "port": 0}})
        print(h.pid(), *h.child_pids()["parsers"], flush=True)
        time.sleep(600)
    """)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=root)
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert len(pids) == 2
        proc.kill()
        proc.wait(10)
        assert wait_for(lambda: all(_gone(p) for p in pids), timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_multicast_and_a_json_lines_capture_run_in_the_ingest_process(window_side, tmp_path):
    """UDP (its receiving process is the ingest process's own child) and a tailed capture."""
    db, _writer, heard, host = window_side
    port = _free_port()
    host.start_input("udp", "udp", {"group": "239.2.3.1", "port": port, "interface": "127.0.0.1",
                                    "rate": 1e6, "burst": 1e6})
    capture = tmp_path / "stream.jsonl"
    capture.write_text("")
    host.start_input("jsonl", "jsonl", {"path": str(capture)})
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 0)
    try:
        def sent_all() -> bool:  # datagrams may be sent before the receiver joined: send until stored
            for k in range(50):
                s.sendto(cot(f"M-{k}", t=_t(k)), ("239.2.3.1", port))
            return _count(db) >= 50

        assert wait_for(sent_all, timeout=30, interval=0.5)
    finally:
        s.close()
    post = {"created_at": "Fri May 01 03:00:00 +0000 2026", "id_str": "1790000000000000001", "id": 1790000000000000001,
            "text": "광화문 #집회", "user": {"id_str": "7", "screen_name": "seoul_citizen", "name": "시민"},
            "entities": {"hashtags": [{"text": "집회", "indices": [4, 7]}]}}
    import json

    with open(capture, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(post, ensure_ascii=False) + "\n")
    assert wait_for(lambda: _count(db) == 51, timeout=30)
    with sqlite3.connect(db) as c:
        formats = {r[0] for r in c.execute("SELECT DISTINCT format FROM batches")}
        kinds = dict(c.execute("SELECT kind, count(*) FROM items GROUP BY kind").fetchall())
    assert formats == {f"live:udp://239.2.3.1:{port}", f"live:{host.inputs['jsonl'].label}"}
    assert kinds == {"field_update": 50, "post": 1}
    assert wait_for(lambda: len(set(heard.ids)) == 51, timeout=10)
