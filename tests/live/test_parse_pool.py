"""Parsing in worker processes: real sockets, real spawned parsers. Order is kept, malformed
messages are counted, a killed parser loses nothing, and a busy pool makes a TCP input stop
reading (the sender slows) instead of queueing without bound."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import threading

import pytest

from desktop.cache import Cache
from desktop.live.cot_net import MulticastListener, TcpServer
from desktop.live.parse_pool import ParsePool
from desktop.live.writer import LiveWriter
from tests.live.helpers import Collector, cot, mesh, proto_message, stream_frame, wait_for

GROUP = "239.2.3.1"


@pytest.fixture(scope="module")
def pool():
    p = ParsePool(2).start()
    yield p
    p.close()


def _t(k: int) -> str:
    return f"2026-05-01T03:{k // 60 % 60:02d}:{k % 60:02d}Z"


def test_tcp_frames_parsed_in_workers_arrive_in_order(pool):
    got = Collector()
    srv = TcpServer(got, "127.0.0.1", 0, rate=1e6, burst=1e6, parsers=pool).start()
    try:
        with socket.create_connection(("127.0.0.1", srv.port)) as c:
            c.sendall(b"".join(cot(f"T-{k}", t=_t(k)) for k in range(300)) + b"<event uid='broken'></evt>")
            assert wait_for(lambda: len(got.items()) == 300 and srv.status.malformed == 1, timeout=20)
        with socket.create_connection(("127.0.0.1", srv.port)) as c:  # TAK protocol stream
            c.sendall(b"".join(stream_frame(proto_message(f"P-{k}", t_ms=1_777_777_777_000 + k)) for k in range(50)))
            assert wait_for(lambda: len(got.items()) == 350, timeout=20)
    finally:
        srv.stop()
    assert got.uids() == [f"T-{k}" for k in range(300)] + [f"P-{k}" for k in range(50)]
    assert srv.status.messages == 350
    assert all(i.extra["feed"] == srv.label and i.extra["auth"] == "unauthenticated" for i in got.items())
    assert all(pid != os.getpid() for pid in pool.pids())


def test_udp_datagrams_parsed_in_workers(pool):
    got = Collector()
    lis = MulticastListener(got, GROUP, 0, "127.0.0.1", rate=1e6, burst=1e6, parsers=pool).start()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 0)
    try:
        for k in range(100):
            s.sendto(cot(f"U-{k}", t=_t(k)), (GROUP, lis.port))
        s.sendto(mesh(proto_message("PB-1")), (GROUP, lis.port))
        s.sendto(b"<event", (GROUP, lis.port))
        assert wait_for(lambda: len(got.items()) == 101 and lis.status.malformed == 1, timeout=20)
    finally:
        s.close()
        lis.stop()
    assert got.uids() == [f"U-{k}" for k in range(100)] + ["PB-1"]


def test_killed_parser_loses_nothing_and_the_input_recovers(tmp_path):
    pool = ParsePool(2).start()
    db = tmp_path / "live.db"
    Cache.open(db).close()
    writer = LiveWriter(db, purpose="public-order").start()
    srv = TcpServer(writer, "127.0.0.1", 0, rate=1e6, burst=1e6, parsers=pool).start()
    count = lambda: sqlite3.connect(db).execute("SELECT count(*) FROM items").fetchone()[0]  # noqa: E731
    try:
        with socket.create_connection(("127.0.0.1", srv.port)) as c:
            c.sendall(b"".join(cot(f"K-{k}", t=_t(k)) for k in range(200)))
            assert wait_for(lambda: count() == 200, timeout=20)
            victim = pool.pids()[0]
            os.kill(victim, signal.SIGKILL)
            # Sent right away: some batches meet the dying pool and are parsed again in the new one.
            for j in range(10):
                c.sendall(b"".join(cot(f"K-{k}", t=_t(k)) for k in range(200 + j * 40, 240 + j * 40)))
            assert wait_for(lambda: count() == 600, timeout=30)
            assert count() == 600  # committed rows stayed, later ones came, none twice
        uids = [r[0] for r in sqlite3.connect(db).execute("SELECT unit_uid FROM items ORDER BY id")]
        assert sorted(uids) == sorted(f"K-{k}" for k in range(600))
        assert pool.restarts >= 1 and victim not in pool.pids()
    finally:
        srv.stop()
        writer.stop()
        pool.close()


def test_busy_parsers_make_a_tcp_sender_wait(pool):
    release = threading.Event()
    got = Collector()

    def slow_sink(records, label):  # a writer that cannot keep up
        release.wait(30)
        return got(records, label)

    srv = TcpServer(slow_sink, "127.0.0.1", 0, rate=1e9, burst=1e9, parsers=pool).start()
    try:
        c = socket.create_connection(("127.0.0.1", srv.port))
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 << 10)
        c.settimeout(3.0)
        data = b"".join(cot(f"B-{k}", t=_t(k)) for k in range(40_000))  # about 16 MB
        sent = 0
        with pytest.raises(socket.timeout):
            while sent < len(data):
                sent += c.send(data[sent:sent + 65536])
        assert sent < len(data) // 2  # the input stopped reading: the sender waits
        release.set()
        c.settimeout(60)
        c.sendall(data[sent:])
        c.close()
        assert wait_for(lambda: len(got.items()) == 40_000, timeout=120)
        assert got.uids() == [f"B-{k}" for k in range(40_000)]
    finally:
        release.set()
        srv.stop()


def test_tak_client_frames_parsed_in_workers_across_reconnects(pool, tmp_path):
    """The client that connects out to a TAK server hands its frames to the parsers as the
    listeners do: in order, malformed counted, across a reconnect, over TLS tagged tls."""
    import ssl

    from desktop.live.tak_client import TakClient, TlsConfig
    from tests.live.helpers import issue, make_ca, write_pem
    from tests.live.test_cot_net import _Server

    def payload(n: int) -> bytes:
        if n == 1:
            return b"".join(cot(f"K-{k}", t=_t(k)) for k in range(200)) + b"<event uid='broken'></evt>"
        return b"".join(stream_frame(proto_message(f"Q-{k}", t_ms=1_777_777_777_000 + k)) for k in range(50))

    got = Collector()
    srv = _Server(payload, close_after=True)
    client = TakClient(got, "127.0.0.1", srv.port, backoff_initial=0.05, backoff_max=0.1, parsers=pool).start()
    try:
        assert wait_for(lambda: len(got.items()) >= 250 and client.status.malformed == 1, timeout=30)
        assert client._ordered is not None  # noqa: SLF001  (parsed in the pool, not on the client's thread)
    finally:
        client.stop()
        srv.close()
    uids = got.uids()
    assert uids[:250] == [f"K-{k}" for k in range(200)] + [f"Q-{k}" for k in range(50)]
    assert all(i.extra["auth"] == "unauthenticated" for i in got.items())

    tmp = tmp_path
    ca = make_ca("Pool Test CA")
    _, ca_pem = write_pem(tmp, "ca", *ca)
    skey, spem = write_pem(tmp, "server", *issue(ca, "127.0.0.1", server=True))
    ckey, cpem = write_pem(tmp, "client", *issue(ca, "officer-2", server=False))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(spem, skey)
    ctx.load_verify_locations(ca_pem)
    ctx.verify_mode = ssl.CERT_REQUIRED
    tls_got = Collector()
    srv = _Server(lambda n: b"".join(cot(f"S-{k}", t=_t(k)) for k in range(20)), ctx=ctx)
    client = TakClient(tls_got, "127.0.0.1", srv.port, TlsConfig(str(ca_pem), str(cpem), str(ckey)),
                       backoff_initial=0.05, parsers=pool).start()
    try:
        assert wait_for(lambda: len(tls_got.items()) == 20, timeout=30)
    finally:
        client.stop()
        srv.close()
    assert tls_got.uids() == [f"S-{k}" for k in range(20)]
    assert all(i.extra["auth"] == "tls" for i in tls_got.items())
