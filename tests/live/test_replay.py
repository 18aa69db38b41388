"""Replaying a small demo over loopback into the live inputs, and the command line."""

from __future__ import annotations

import argparse
import sqlite3
import threading

import pytest

from desktop.cache import Cache
from desktop.demo.generator import write_demo
from desktop.demo.scenario import gazetteer_path
from desktop.geoparse import gazetteer
from desktop.cli.live import register as add_live_commands
from desktop.live.cot_net import MulticastListener, TcpServer
from desktop.live.files import JsonlTailer
from desktop.live.replay import parse_target, replay
from desktop.live.writer import LiveWriter
from tests.live.helpers import wait_for


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with Cache.open(path) as c:
        write_demo(c, seed=7, size=400)
    return path


def _count(db, sql):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_replay_over_tcp_and_jsonl_into_the_cache(small_demo, tmp_path):
    live = tmp_path / "live.db"
    jsonl = tmp_path / "posts.jsonl"
    with Cache.open(live) as c:  # the agency's places in the live cache too: its posts are placed alike
        gazetteer.import_rows(c.conn, gazetteer.read_csv(gazetteer_path()), by="demo")
    writer = LiveWriter(live, purpose="public-order").start()
    srv = TcpServer(writer, "127.0.0.1", 0).start()
    tail = JsonlTailer(jsonl, writer, interval=0.02).start()
    n_fu = _count(small_demo, "SELECT count(*) FROM items WHERE kind = 'field_update' AND lat IS NOT NULL")
    n_posts = _count(small_demo, "SELECT count(*) FROM items WHERE kind = 'post'")
    try:
        st = replay(small_demo, cot=f"tcp://127.0.0.1:{srv.port}", jsonl=jsonl, speed=0)
        assert st.cot_sent == n_fu and st.posts_written == n_posts and st.stopped_by == "end"
        assert wait_for(lambda: writer.stats().committed >= n_fu * 2 + n_posts, timeout=10)
    finally:
        tail.stop()
        srv.stop()
        writer.stop()
    assert srv.status.malformed == 0 and tail.status.malformed == 0
    assert _count(live, "SELECT count(*) FROM items WHERE kind = 'field_update'") == n_fu
    assert _count(live, "SELECT count(*) FROM items WHERE kind = 'post'") == n_posts
    assert _count(live, "SELECT count(*) FROM units") == _count(small_demo, "SELECT count(*) FROM units")
    # Same texts, tags and places as the demo (times were moved to now).
    demo = sqlite3.connect(small_demo)
    got = sqlite3.connect(live)
    q = ("SELECT source_id, text, hashtags, round(lat, 5), round(lon, 5), precision, author FROM items "
         "WHERE kind = 'post' ORDER BY source_id")
    assert got.execute(q).fetchall() == demo.execute(q).fetchall()
    q = ("SELECT text, round(lat, 5), round(lon, 5), callsign, unit_uid, json_extract(extra, '$.team') FROM items "
         "WHERE kind = 'field_update' AND lat IS NOT NULL ORDER BY 1, 2, 3, 4, 5")
    assert got.execute(q).fetchall() == demo.execute(q).fetchall()
    fu = got.execute("SELECT extra FROM items WHERE kind = 'field_update' LIMIT 1").fetchone()[0]
    assert '"auth": "unauthenticated"' in fu and f'"feed": "tcp://127.0.0.1:{srv.port}"' in fu


def test_replay_over_multicast_is_paced_and_bounded(small_demo, tmp_path):
    live = tmp_path / "live.db"
    writer = LiveWriter(live, purpose="public-order").start()
    lis = MulticastListener(writer, "239.2.3.1", 0, "127.0.0.1").start()
    try:
        # The demo spans hours: at 20,000x it would take over a second; bounded to 0.3 s.
        st = replay(small_demo, cot=f"udp://239.2.3.1:{lis.port}", speed=20_000, max_seconds=0.3)
        assert st.stopped_by == "time" and 0.2 <= st.elapsed_s < 2 and st.cot_sent > 0
        assert wait_for(lambda: lis.status.messages == st.cot_sent)
    finally:
        lis.stop()
        writer.stop()
    stop = threading.Event()
    stop.set()
    assert replay(small_demo, jsonl=tmp_path / "p.jsonl", speed=1, stop=stop).stopped_by in ("stop", "end")
    assert replay(small_demo, jsonl=tmp_path / "p.jsonl", speed=0, limit=7).posts_written == 7


@pytest.mark.parametrize("url", ["tcp://10.0.0.5:8087", "udp://8.8.8.8:6969", "tcp://239.2.3.1:8087",
                                 "udp://example.org:6969", "http://127.0.0.1:80", "tcp://127.0.0.1"])
def test_replay_targets_stay_local(url):
    with pytest.raises(ValueError):
        parse_target(url)


def test_replay_local_targets_accepted():
    assert parse_target("udp://239.2.3.1:6969") == ("udp", "239.2.3.1", 6969)
    assert parse_target("tcp://localhost:8087") == ("tcp", "127.0.0.1", 8087)
    assert parse_target("tcp://10.0.0.5:8087", allow_remote=True)[1] == "10.0.0.5"


def _parser():
    p = argparse.ArgumentParser()
    add_live_commands(p.add_subparsers(dest="command"))
    return p


def test_cli_replay_and_listen(small_demo, tmp_path, capsys):
    live = tmp_path / "live.db"
    jsonl = tmp_path / "posts.jsonl"
    args = _parser().parse_args(["replay", "--db", str(small_demo), "--jsonl", str(jsonl), "--speed", "0"])
    assert args.func(args) == 0
    assert "posts written" in capsys.readouterr().out
    args = _parser().parse_args(["listen", "--db", str(live), "--jsonl", str(jsonl), "--tcp", "127.0.0.1:0",
                                 "--duration", "0.6", "--every", "0.2"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "jsonl:posts.jsonl: listening" in out and "tcp://127.0.0.1:" in out and "records committed" in out
    assert _count(live, "SELECT count(*) FROM items") == _count(small_demo, "SELECT count(*) FROM items WHERE kind='post'")
    args = _parser().parse_args(["listen", "--db", str(live)])
    assert args.func(args) == 1


def test_listen_parses_cot_over_tcp_in_worker_processes(tmp_path, capsys):
    """``sitmap listen --tcp``: the CoT stream is parsed by the shared worker processes (as in
    the window) and every event is stored once."""
    import socket
    import time

    from desktop.live import parse_pool
    from tests.live.helpers import cot

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    live = tmp_path / "live.db"
    args = _parser().parse_args(["listen", "--db", str(live), "--tcp", f"127.0.0.1:{port}", "--duration", "8",
                                 "--every", "0.5"])
    done = {}
    th = threading.Thread(target=lambda: done.setdefault("rc", args.func(args)))
    th.start()
    try:
        assert wait_for(lambda: parse_pool._shared is not None, 10)
        sent = False
        end = time.monotonic() + 6
        while not sent and time.monotonic() < end:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
                    c.sendall(b"".join(cot(f"U-{k}", lat=37.5 + k * 1e-4) for k in range(200)))
                    sent = True
            except OSError:
                time.sleep(0.1)
        assert sent
    finally:
        th.join(30)
    assert done.get("rc") == 0
    assert parse_pool._shared is not None and parse_pool._shared.workers >= 1  # the worker processes parsed them
    assert _count(live, "SELECT count(*) FROM items") == 200
    assert _count(live, "SELECT count(DISTINCT unit_uid) FROM items") == 200
