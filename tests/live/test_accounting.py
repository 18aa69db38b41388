"""What the inputs count: a message refused by a full writer is one dropped message, however
many records it became (a CoT position report is an item and a unit)."""

from __future__ import annotations

import socket

from desktop.live.cot_net import TcpServer
from tests.live.helpers import cot, wait_for


class Refusing:
    """A sink that is always full (as a LiveWriter whose queue stayed full)."""

    def __init__(self):
        self.records = 0

    def __call__(self, records, label):
        self.records += len(records)
        return False


def test_refused_messages_are_counted_as_messages_over_a_real_socket():
    sink = Refusing()
    srv = TcpServer(sink, "127.0.0.1", 0, rate=1e6, burst=1e6).start()
    try:
        with socket.create_connection(("127.0.0.1", srv.port)) as c:
            c.sendall(b"".join(cot(f"D-{k}", t=f"2026-05-01T03:00:{k:02d}Z") for k in range(12)))
            assert wait_for(lambda: srv.status.messages == 12 and srv.status.dropped == 12)
    finally:
        srv.stop()
    assert sink.records == 24  # each message was an item and a unit; 12 messages were dropped
    assert srv.status.dropped == 12
