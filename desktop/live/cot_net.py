"""Cursor-on-Target network inputs: UDP multicast, a TCP server for direct streams and
a client for TAK servers (plain TCP or TLS with a client certificate).

Each input parses on its own thread and hands records to a sink (normally a
:class:`~desktop.live.writer.LiveWriter`), never touching the window. Network input
is hostile: every message is size-capped, XML goes through the safe parser (no DTDs
or entities), broken or truncated messages are counted and dropped, and nothing a
peer sends can end the input's thread. Items are marked with ``extra["feed"]`` and
``extra["auth"]`` ("unauthenticated" for multicast and plain TCP, "tls" for TLS).
"""

from __future__ import annotations

import ipaddress
import logging
import queue
import selectors
import socket

from desktop.importers.xmlsafe import MAX_EVENT_BYTES, Dropped
from desktop.live import codec
from desktop.live.codec import Malformed, StreamFramer
from desktop.live.netbase import POLL_S, READ_BYTES, NetInput, Sink
from desktop.live.status import FeedState
from desktop.live.tak_client import TakClient, TlsConfig
from desktop.live.parse_pool import STREAM, UDP, OrderedParser, ParsePool
from desktop.live.udp_receiver import Receiver, receive_buffer
from desktop.core.model import Record

__all__ = ["MulticastListener", "NetInput", "Sink", "TakClient", "TcpServer", "TlsConfig"]

log = logging.getLogger(__name__)


class MulticastListener(NetInput):
    """One CoT event per UDP datagram, XML or TAK protocol mesh packets.

    ``group`` may be a multicast group (joined on ``interface`` only) or a unicast
    address to bind (e.g. ``127.0.0.1`` for a local sender). Each sending address may
    send ``rate`` datagrams a second (``burst`` at once); more are dropped and counted.

    The socket's receive buffer is made as large as the OS allows up to ``rcvbuf``
    (``receive_buffer`` says what it got, the status's peer line too). With
    ``receiver="process"`` (the default) a spawned process does nothing but receive
    (:mod:`desktop.live.udp_receiver`) and this input's thread parses what it hands over;
    ``receiver="thread"`` receives and parses on the one thread (the earlier design, kept
    so the benchmark can measure both). With ``parsers`` (a
    :class:`~desktop.live.parse_pool.ParsePool`) the datagrams are parsed in its worker
    processes, in order; when they are busy the receiver's bounded queue fills and counts drops.
    """

    kind = "udp"

    def __init__(self, sink: Sink, group: str = "239.2.3.1", port: int = 6969, interface: str = "127.0.0.1",
                 *, label: str | None = None, max_event_bytes: int = MAX_EVENT_BYTES, rcvbuf: int = 32 << 20,
                 rate: float = 1000.0, burst: float = 5000.0, receiver: str = "process",
                 parsers: ParsePool | None = None):
        super().__init__(sink, label, max_event_bytes, default_label=f"udp://{group}:{port}")
        self.parsers = parsers  # parse in these worker processes (None: on this input's thread)
        if receiver not in ("process", "thread"):
            raise ValueError(f"receiver must be 'process' or 'thread', not {receiver!r}")
        self.group, self.port, self.interface, self.rcvbuf = group, port, interface, rcvbuf
        self.rate, self.burst = rate, burst  # per sending address: datagrams over it are dropped
        self.receiver = receiver
        self.receive_buffer = 0  # bytes, as the OS reports it once bound
        self._sock: socket.socket | None = None
        self._receiver: Receiver | None = None

    def _open(self) -> None:
        multicast = ipaddress.ip_address(self.group).is_multicast
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if multicast and hasattr(socket, "SO_REUSEPORT"):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # other listeners on this host
            self.receive_buffer = receive_buffer(sock, self.rcvbuf)
            # Binding the group address (not 0.0.0.0) keeps other groups' traffic on this port out.
            sock.bind((self.group, self.port))
            if multicast:
                mreq = socket.inet_aton(self.group) + socket.inet_aton(self.interface)
                sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
            sock.settimeout(POLL_S)
        except OSError as exc:
            sock.close()
            self._status.error(f"cannot listen on {self.group}:{self.port}: {exc.strerror or exc}")
            raise
        self._sock = sock
        self.port = sock.getsockname()[1]
        self._bound(f"udp://{self.group}:{self.port}")
        self._status.state(FeedState.LISTENING, error=None,
                           peer=f"{self.group}:{self.port} on {self.interface}, "
                                f"receive buffer {self.receive_buffer / 2**20:.1f} MiB")

    def _close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    @property
    def receiver_pid(self) -> int | None:
        """The receiving process's id (None when receiving on this input's thread)."""
        return self._receiver.pid if self._receiver is not None else None

    def _run(self) -> None:
        if self.receiver == "thread":
            return self._run_inline()
        rx = self._receiver = Receiver(self._sock)
        rx.start()
        counted = 0  # the receiver's drops already added to the status
        self._ordered = (OrderedParser(self.parsers, UDP, self.max_event_bytes, self._parsed,
                                       name=f"sitmap-parse-{self.label}") if self.parsers is not None else None)
        try:
            while not self._stop.is_set():
                try:
                    grams = rx.get(POLL_S)
                except queue.Empty:
                    grams = None
                except (EOFError, OSError):  # the process died while handing over a batch
                    grams = None
                dropped = rx.dropped()
                if dropped > counted:
                    self._status.dropped(dropped - counted)
                    counted = dropped
                if grams is not None:
                    self._parse(grams)
                elif not rx.alive() and not self._stop.is_set():
                    log.warning("%s: the receiving process ended; starting another", self.label)
                    rx.restart()
        finally:
            rx.stop()
            if self._ordered is not None:
                self._ordered.close()
                self._ordered = None

    def _parse(self, grams: list[tuple[bytes, str]]) -> None:
        cap = self.max_event_bytes
        if self._ordered is not None:
            payloads = []
            for g, ip in grams:
                if len(g) > cap or not self._bucket(ip).take():
                    self._status.dropped()
                else:
                    payloads.append(g)
            if payloads:
                self._ordered.submit(payloads, self._stop)  # waits while the parsers are busy
            return
        records: list[Record] = []
        good = 0
        for g, ip in grams:
            if len(g) > cap or not self._bucket(ip).take():
                self._status.dropped()
                continue
            try:
                records += codec.datagram_records(g, cap)
                good += 1
            except Malformed:
                self._status.malformed()
        if good:
            self._status.messages(good)
        self._emit(records, messages=good)

    def _run_inline(self) -> None:
        sock = self._sock
        while not self._stop.is_set():
            try:
                first = sock.recvfrom(READ_BYTES)
            except socket.timeout:
                continue
            except OSError as exc:
                if self._stop.is_set():
                    return
                self._status.error(f"receive failed: {exc.strerror or exc}", state=None)
                continue
            grams = [first]
            # Drain what else is waiting so a burst reaches the writer as one put.
            while len(grams) < 512:
                try:
                    grams.append(sock.recvfrom(READ_BYTES, socket.MSG_DONTWAIT))
                except (BlockingIOError, InterruptedError, socket.timeout):
                    break
                except OSError:
                    break
            self._parse([(g, addr[0]) for g, addr in grams])  # on this thread: no parsers here


class _Peer:
    __slots__ = ("sock", "addr", "framer", "ip")

    def __init__(self, sock: socket.socket, addr: tuple, max_event_bytes: int):
        self.sock, self.addr, self.ip = sock, addr, addr[0]
        self.framer = StreamFramer(max_event_bytes)


class TcpServer(NetInput):
    """Accepts CoT streams over plain TCP (device-to-device or server-pushed feeds).

    Each connection's framing (XML or TAK protocol stream) is detected from its first
    byte. Caps: ``max_per_peer`` connections per remote address, ``max_connections``
    in all, ``rate``/``burst`` messages a second per remote address (a token bucket;
    messages over it are dropped and counted) and ``max_event_bytes`` per message.
    With ``parsers`` (a :class:`~desktop.live.parse_pool.ParsePool`) the frames are parsed
    in its worker processes, in order; while they are busy this input stops reading, so
    the senders' connections fill and they slow down.
    """

    kind = "tcp"

    def __init__(self, sink: Sink, host: str = "127.0.0.1", port: int = 4242, *, label: str | None = None,
                 max_per_peer: int = 4, max_connections: int = 64, rate: float = 1000.0, burst: float = 5000.0,
                 max_event_bytes: int = MAX_EVENT_BYTES, parsers: ParsePool | None = None):
        super().__init__(sink, label, max_event_bytes, default_label=f"tcp://{host}:{port}")
        self.parsers = parsers  # parse in these worker processes (None: on this input's thread)
        if parsers is not None:
            self.stream_wait_s = 30.0  # end-to-end backpressure: the writer's queue, the parsers, the socket
        self.host, self.port = host, port
        self.max_per_peer, self.max_connections = max_per_peer, max_connections
        self.rate, self.burst = rate, burst
        self._lsock: socket.socket | None = None
        self._peers: dict[socket.socket, _Peer] = {}

    def _open(self) -> None:
        try:
            lsock = socket.create_server((self.host, self.port), reuse_port=False, backlog=64)
        except OSError as exc:
            self._status.error(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}")
            raise
        lsock.setblocking(False)
        self._lsock = lsock
        self.port = lsock.getsockname()[1]
        self._bound(f"tcp://{self.host}:{self.port}")
        self._status.state(FeedState.LISTENING, peer=f"{self.host}:{self.port}", error=None)

    def _close(self) -> None:
        for sock in list(self._peers):
            sock.close()
        self._peers.clear()
        if self._lsock is not None:
            self._lsock.close()
            self._lsock = None

    def _run(self) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self._lsock, selectors.EVENT_READ, None)
        self._ordered = (OrderedParser(self.parsers, STREAM, self.max_event_bytes, self._parsed,
                                       name=f"sitmap-parse-{self.label}") if self.parsers is not None else None)
        try:
            while not self._stop.is_set():
                for key, _ in sel.select(POLL_S):
                    if key.data is None:
                        self._accept(sel)
                    else:
                        self._read(sel, key.data)
        finally:
            for peer in list(self._peers.values()):
                self._drop_peer(sel, peer)
            sel.close()
            if self._ordered is not None:
                self._ordered.close()
                self._ordered = None

    def _accept(self, sel: selectors.BaseSelector) -> None:
        try:
            sock, addr = self._lsock.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:  # too many open files and the like: say so, keep listening
            self._status.error(f"accept failed: {exc.strerror or exc}", state=None)
            return
        same = sum(1 for p in self._peers.values() if p.ip == addr[0])
        if same >= self.max_per_peer or len(self._peers) >= self.max_connections:
            self._status.refused()
            sock.close()
            return
        sock.setblocking(False)
        peer = _Peer(sock, addr, self.max_event_bytes)
        self._peers[sock] = peer
        sel.register(sock, selectors.EVENT_READ, peer)
        self._status.connections(+1)

    def _drop_peer(self, sel: selectors.BaseSelector, peer: _Peer) -> None:
        if self._peers.pop(peer.sock, None) is None:
            return
        self._count_drops(peer.framer.close())
        try:
            sel.unregister(peer.sock)
        except (KeyError, ValueError):
            pass
        peer.sock.close()
        self._status.connections(-1)

    def _count_drops(self, drops: list) -> None:
        for d in drops:
            if d.reason == "oversized":
                self._status.dropped()
            else:
                self._status.malformed()

    def _read(self, sel: selectors.BaseSelector, peer: _Peer) -> None:
        try:
            data = peer.sock.recv(READ_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop_peer(sel, peer)
            return
        bucket = self._bucket(peer.ip)
        records: list[Record] = []
        good = 0
        drops = []
        if self._ordered is not None:
            payloads = []
            for frame in peer.framer.feed(data):
                if isinstance(frame, Dropped):
                    drops.append(frame)
                elif not bucket.take():
                    self._status.dropped()
                else:
                    payloads.append((frame.data, frame.proto))
            self._count_drops(drops)
            if payloads:
                self._ordered.submit(payloads, self._stop)  # waits while the parsers are busy: reading stops
            return
        for frame in peer.framer.feed(data):
            if isinstance(frame, Dropped):
                drops.append(frame)
                continue
            if not bucket.take():
                self._status.dropped()
                continue
            try:
                records += codec.frame_records(frame, self.max_event_bytes)
                good += 1
            except Malformed:
                self._status.malformed()
        self._count_drops(drops)
        if good:
            self._status.messages(good)
        self._emit(records, messages=good)
