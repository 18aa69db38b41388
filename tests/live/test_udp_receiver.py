"""The UDP input's receiving process: a buffer as large as the OS allows (reported), a
process that only receives, and an input that recovers when that process is killed
without losing what was committed. Real multicast on loopback, a real cache."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3

from desktop.cache import Cache
from desktop.live.cot_net import MulticastListener
from desktop.live.udp_receiver import receive_buffer
from desktop.live.writer import LiveWriter
from tests.live.helpers import Collector, cot, wait_for

GROUP = "239.2.3.1"


def _sender() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 0)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    return s


def _limit() -> int | None:
    try:
        with open("/proc/sys/net/core/rmem_max") as f:
            return int(f.read())
    except OSError:
        return None


def test_receive_buffer_is_as_large_as_allowed_and_reported():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as plain:
        default = plain.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        got = receive_buffer(s, 32 << 20)
        assert got == s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        assert got > default
        limit = _limit()
        if limit is not None:  # at least the system's limit (reported doubled), past it if privileged
            assert got >= min(32 << 20, 2 * limit)
    lis = MulticastListener(Collector(), GROUP, 0, "127.0.0.1").start()
    try:
        assert lis.receive_buffer > default
        assert f"receive buffer {lis.receive_buffer / 2**20:.1f} MiB" in lis.status.peer
    finally:
        lis.stop()


def test_killed_receiver_is_replaced_and_nothing_committed_is_lost(tmp_path):
    db = tmp_path / "live.db"
    Cache.open(db).close()
    writer = LiveWriter(db, purpose="public-order").start()
    lis = MulticastListener(writer, GROUP, 0, "127.0.0.1", rate=1e6, burst=1e6).start()
    count = lambda: sqlite3.connect(db).execute("SELECT count(*) FROM items").fetchone()[0]  # noqa: E731
    s = _sender()
    try:
        assert wait_for(lambda: lis.receiver_pid is not None)
        first = lis.receiver_pid
        assert first != os.getpid()
        for k in range(20):
            s.sendto(cot(f"K-{k}", t=f"2026-05-01T03:00:{k:02d}Z"), (GROUP, lis.port))
        assert wait_for(lambda: count() == 20, timeout=10)
        os.kill(first, signal.SIGKILL)
        assert wait_for(lambda: lis.receiver_pid not in (None, first), timeout=10)
        assert count() == 20  # committed rows stay committed
        for k in range(20, 40):
            s.sendto(cot(f"K-{k}", t=f"2026-05-01T03:00:{k:02d}Z"), (GROUP, lis.port))
        assert wait_for(lambda: count() == 40, timeout=10)
        assert lis.status.messages == 40
        assert {r[0] for r in sqlite3.connect(db).execute("SELECT unit_uid FROM items")} == {f"K-{k}" for k in range(40)}
    finally:
        s.close()
        lis.stop()
        writer.stop()
