"""CoT network inputs over real loopback sockets (127.0.0.1 only; multicast on the
loopback interface with TTL 0)."""

from __future__ import annotations

import asyncio
import random
import socket
import ssl
import threading
import time

import pytest

from desktop.live.cot_net import MulticastListener, TakClient, TcpServer, TlsConfig
from desktop.live.status import FeedState
from tests.live.helpers import (Collector, cot, issue, make_ca, mesh, proto_message, stream_frame, wait_for,
                                write_pem)

GROUP = "239.2.3.1"


def _mc_sender() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 0)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    return s


@pytest.fixture
def collector():
    return Collector()


def test_multicast_xml_and_protobuf_datagrams(collector):
    lis = MulticastListener(collector, GROUP, 0, "127.0.0.1", max_event_bytes=8192).start()
    try:
        assert lis.status.state == FeedState.LISTENING
        s = _mc_sender()
        dest = (GROUP, lis.port)
        s.sendto(cot("XML-1", remarks="집회 #광화문"), dest)
        s.sendto(mesh(proto_message("PB-1", callsign="순찰1")), dest)
        s.sendto(b"<event uid='broken'", dest)  # malformed
        s.sendto(b"\xbf\x01\xbf\xff\xff\xff", dest)  # broken protobuf
        s.sendto(cot("BIG", remarks="x" * 9000), dest)  # over the cap
        s.sendto(b'<!DOCTYPE x [<!ENTITY a "b">]><event/>', dest)  # refused: DTD
        assert wait_for(lambda: len(collector.items()) == 2 and lis.status.malformed == 3 and lis.status.dropped == 1)
        s.close()
    finally:
        lis.stop()
    items = {i.unit_uid: i for i in collector.items()}
    assert set(items) == {"XML-1", "PB-1"}
    assert items["XML-1"].hashtags == ("광화문",)
    pb = items["PB-1"]
    assert (pb.lat, pb.lon, pb.callsign, pb.radius_m) == (37.5, 127.0, "순찰1", 12.0)
    assert pb.extra["team"] == "Cyan" and pb.extra["speed"] == 1.5 and pb.extra["hae"] is None
    for it in items.values():
        assert it.extra["auth"] == "unauthenticated" and it.extra["feed"] == f"udp://{GROUP}:{lis.port}"
    st = lis.status
    assert st.messages == 2 and st.last_message_ms is not None
    assert lis.status.state == FeedState.OFF


def test_protobuf_xml_detail_cannot_escape_its_element(collector):
    lis = MulticastListener(collector, "127.0.0.1", 0).start()  # plain unicast UDP works too
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        good = proto_message("PB-2", xml_detail='<remarks>안녕 #태그</remarks><__chat chatroom="x"/>')
        evil = proto_message("PB-3", xml_detail='</detail><point lat="1" lon="1"/><detail>')
        s.sendto(mesh(good), ("127.0.0.1", lis.port))
        s.sendto(mesh(evil), ("127.0.0.1", lis.port))
        assert wait_for(lambda: len(collector.items()) == 1 and lis.status.malformed == 1)
        s.close()
    finally:
        lis.stop()
    item = collector.items()[0]
    assert item.text == "안녕 #태그" and item.extra["chat"]["room"] == "x"


def _stream() -> tuple[bytes, list[str]]:
    t = "2026-05-01T03:00:00Z"
    parts = [
        cot("S-1"), b"\n", cot("S-2"),  # repeated declarations
        f'<event version="2.0" uid="ping" type="t-x-c-t" time="{t}" start="{t}" stale="{t}"/>'.encode(),
        cot("CUT")[:150],  # the sender lost the rest of this event
        cot("S-3", remarks="쉼표, 그리고 </event> 아님".replace("<", "&lt;")),
        cot("HUGE", remarks="y" * 6000),  # over the 4 KiB cap
        cot("S-4", decl=False), b"  ",
    ]
    return b"".join(parts), ["S-1", "S-2", "S-3", "S-4"]


def test_tcp_stream_split_anywhere(collector):
    srv = TcpServer(collector, "127.0.0.1", 0, max_event_bytes=4096).start()
    data, want = _stream()
    rng = random.Random(5)
    try:
        with socket.create_connection(("127.0.0.1", srv.port)) as c:
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            i = 0
            while i < len(data):
                k = rng.randint(1, 300)
                c.sendall(data[i:i + k])
                i += k
                if rng.random() < 0.2:
                    time.sleep(0.002)  # make separate reads likely
            assert wait_for(lambda: len(collector.items()) == 4)
        assert wait_for(lambda: srv.status.connections == 0)
        st = srv.status
    finally:
        srv.stop()
    assert collector.uids() == want
    assert st.malformed == 1 and st.dropped == 1 and st.messages == 5  # the ping counts, maps to nothing
    assert all(i.extra["auth"] == "unauthenticated" for i in collector.items())


def test_tcp_protobuf_stream(collector):
    srv = TcpServer(collector, "127.0.0.1", 0).start()
    try:
        data = b"".join(stream_frame(proto_message(f"P-{k}", t_ms=1_777_777_777_000 + k)) for k in range(50))
        data += b"\xbf\x05abc"  # a frame cut off by the disconnect
        with socket.create_connection(("127.0.0.1", srv.port)) as c:
            for k in range(0, len(data), 7):
                c.sendall(data[k:k + 7])
        assert wait_for(lambda: len(collector.items()) == 50 and srv.status.malformed == 1)
    finally:
        srv.stop()
    assert collector.uids() == [f"P-{k}" for k in range(50)]


def test_tcp_peer_connection_cap_and_rate_cap(collector):
    srv = TcpServer(collector, "127.0.0.1", 0, max_per_peer=2, rate=1, burst=5).start()
    try:
        a = socket.create_connection(("127.0.0.1", srv.port))
        b = socket.create_connection(("127.0.0.1", srv.port))
        assert wait_for(lambda: srv.status.connections == 2)
        c = socket.create_connection(("127.0.0.1", srv.port))
        c.settimeout(2)
        assert c.recv(10) == b""  # closed at once
        assert wait_for(lambda: srv.status.refused == 1)
        a.sendall(b"".join(cot(f"R-{k}", t=f"2026-05-01T03:00:{k:02d}Z") for k in range(20)))
        assert wait_for(lambda: srv.status.dropped == 15)
        for s in (a, b, c):
            s.close()
    finally:
        srv.stop()
    assert len(collector.items()) == 5


def test_pytak_client_sends_xml_and_protobuf_to_our_server(collector):
    pytak = pytest.importorskip("pytak")
    from configparser import ConfigParser

    srv = TcpServer(collector, "127.0.0.1", 0).start()

    async def send(proto: str, uids: list[str]) -> None:
        cp = ConfigParser()
        cp["peer"] = {"COT_URL": f"tcp://127.0.0.1:{srv.port}", "TAK_PROTO": proto}
        cfg = cp["peer"]
        reader, writer = await pytak.protocol_factory(cfg)
        tx = pytak.TXWorker(asyncio.Queue(), cfg, writer)
        for uid in uids:
            await tx.send_data(pytak.gen_cot(lat=37.57, lon=126.98, uid=uid, cot_type="a-f-G-U-C", callsign=uid))
        writer.close()
        await writer.wait_closed()

    try:
        asyncio.run(send("0", ["PYTAK-XML-1", "PYTAK-XML-2"]))
        asyncio.run(send("1", ["PYTAK-PB-1", "PYTAK-PB-2"]))
        assert wait_for(lambda: len(collector.items()) == 4)
    finally:
        srv.stop()
    assert sorted(collector.uids()) == ["PYTAK-PB-1", "PYTAK-PB-2", "PYTAK-XML-1", "PYTAK-XML-2"]
    assert srv.status.malformed == 0


# --- TAK client -------------------------------------------------------------------------

class _Server:
    """A loopback server: each connection gets ``payload`` (then is closed when
    ``close_after``), optionally over TLS; what clients send is kept in ``received``."""

    def __init__(self, payload=lambda n: b"", *, ctx: ssl.SSLContext | None = None, close_after: bool = False,
                 port: int = 0):
        self.lsock = socket.create_server(("127.0.0.1", port))
        self.lsock.settimeout(0.1)
        self.port = self.lsock.getsockname()[1]
        self.payload, self.ctx, self.close_after = payload, ctx, close_after
        self.accepted = 0
        self.handshake_errors: list[str] = []
        self.received = bytearray()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.lsock.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            if self.ctx is not None:
                conn.settimeout(5)
                conn = self.ctx.wrap_socket(conn, server_side=True)
            self.accepted += 1
            conn.sendall(self.payload(self.accepted))
            if self.close_after:
                return
            conn.settimeout(0.1)
            while not self.stop.is_set():
                try:
                    data = conn.recv(4096)
                except (socket.timeout, ssl.SSLWantReadError):
                    continue
                if not data:
                    return
                self.received += data
        except (ssl.SSLError, OSError) as exc:
            self.handshake_errors.append(str(exc))
        finally:
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join(2)
        self.lsock.close()


def test_client_reconnects_with_growing_backoff(collector):
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    client = TakClient(collector, "127.0.0.1", port, backoff_initial=0.05, backoff_max=0.4).start()
    try:
        assert wait_for(lambda: "refused" in (client.status.last_error or ""))
        srv = _Server(lambda n: cot(f"C-{n}"), close_after=True, port=port)
        try:
            assert wait_for(lambda: len(collector.items()) >= 3, timeout=10)
        finally:
            srv.close()
    finally:
        client.stop()
    assert collector.uids()[:3] == ["C-1", "C-2", "C-3"]
    d = list(client.delays)
    assert len(d) >= 3 and d[0] <= 0.05 and d[2] >= 0.1 and max(d) <= 0.4
    assert all(i.extra["auth"] == "unauthenticated" for i in collector.items())


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    ca, other = make_ca("Sitmap Test CA"), make_ca("Some Other CA")
    files = {}
    files["ca_key"], files["ca"] = write_pem(d, "ca", *ca)
    files["other_ca_key"], files["other_ca"] = write_pem(d, "other-ca", *other)
    files["server_key"], files["server"] = write_pem(d, "server", *issue(ca, "127.0.0.1", server=True))
    files["client_key"], files["client"] = write_pem(d, "client", *issue(ca, "officer-1", server=False))
    files["rogue_key"], files["rogue"] = write_pem(d, "rogue", *issue(other, "rogue", server=False))
    return files


def _server_ctx(pki) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki["server"], pki["server_key"])
    ctx.load_verify_locations(pki["ca"])
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def test_tls_with_good_client_certificate_and_two_way(collector, pki):
    srv = _Server(lambda n: cot("TLS-1") + cot("TLS-2"), ctx=_server_ctx(pki))
    tls = TlsConfig(str(pki["ca"]), str(pki["client"]), str(pki["client_key"]))
    client = TakClient(collector, "127.0.0.1", srv.port, tls, backoff_initial=0.05).start()
    try:
        assert wait_for(lambda: len(collector.items()) == 2)
        assert client.status.state == FeedState.CONNECTED and client.status.last_error is None
        assert client.send(cot("FROM-COMMAND"))
        assert wait_for(lambda: b"FROM-COMMAND" in srv.received)
    finally:
        client.stop()
        srv.close()
    assert all(i.extra["auth"] == "tls" and i.extra["feed"] == f"tls://127.0.0.1:{srv.port}"
               for i in collector.items())
    assert not client.send(cot("AFTER-STOP"))


def test_tls_client_certificate_from_another_ca_is_refused(collector, pki):
    srv = _Server(lambda n: cot("NEVER"), ctx=_server_ctx(pki))
    tls = TlsConfig(str(pki["ca"]), str(pki["rogue"]), str(pki["rogue_key"]))
    client = TakClient(collector, "127.0.0.1", srv.port, tls, backoff_initial=0.05).start()
    try:
        assert wait_for(lambda: "client certificate rejected" in (client.status.last_error or ""))
    finally:
        client.stop()
        srv.close()
    assert collector.items() == []


def test_tls_untrusted_server_certificate_is_refused(collector, pki):
    srv = _Server(lambda n: cot("NEVER"), ctx=_server_ctx(pki))
    tls = TlsConfig(str(pki["other_ca"]), str(pki["client"]), str(pki["client_key"]))
    client = TakClient(collector, "127.0.0.1", srv.port, tls, backoff_initial=0.05).start()
    try:
        assert wait_for(lambda: "server certificate not trusted by the configured CA"
                        in (client.status.last_error or ""))
        assert client.status.state in (FeedState.ERROR, FeedState.CONNECTING)
    finally:
        client.stop()
        srv.close()
    assert collector.items() == []


def test_tls_unusable_key_is_a_clear_error_at_start(collector, pki, tmp_path):
    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    client = TakClient(collector, "127.0.0.1", 1, TlsConfig(str(pki["ca"]), str(pki["client"]), str(bad)))
    with pytest.raises(Exception, match="cannot be used"):
        client.start()
    assert "cannot be used" in client.status.last_error


def test_udp_sender_rate_cap(collector):
    lis = MulticastListener(collector, "127.0.0.1", 0, rate=1, burst=3).start()
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for k in range(10):
            s.sendto(cot(f"Q-{k}", t=f"2026-05-01T03:00:{k:02d}Z"), ("127.0.0.1", lis.port))
        assert wait_for(lambda: lis.status.dropped == 7 and len(collector.items()) == 3)
        s.close()
    finally:
        lis.stop()
