"""A client for TAK servers: plain TCP or TLS with a client certificate, reconnecting
with exponential backoff and jitter, able to send CoT as well as receive it.

One thread does everything for a connection (connect, handshake, read, write) with a
non-blocking socket, so a TLS connection is never read and written from two threads.
Certificate failures are put into words a person can act on.
"""

from __future__ import annotations

import random
import selectors
import socket
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass

from desktop.importers.xmlsafe import MAX_EVENT_BYTES, Dropped
from desktop.live import codec
from desktop.live.codec import AUTH_PLAIN, AUTH_TLS, Malformed, StreamFramer
from desktop.live.netbase import POLL_S, READ_BYTES, NetInput, Sink
from desktop.live.parse_pool import STREAM, OrderedParser, ParsePool
from desktop.live.status import FeedState
from desktop.core.model import Record
from desktop.core.errors import SitmapError

SERVER_UNTRUSTED = "server certificate not trusted by the configured CA"
CLIENT_REJECTED = "client certificate rejected"


@dataclass(frozen=True)
class TlsConfig:
    """PEM files for a TLS connection: the CA that signed the server's certificate and
    this client's certificate and key (``password`` for an encrypted key)."""

    ca_file: str
    cert_file: str
    key_file: str
    password: str | None = None
    check_hostname: bool = True
    server_hostname: str | None = None  # the name in the server's certificate, when not the host

    def context(self) -> ssl.SSLContext:
        """The client context; :class:`ConfigError` with a clear reason when a file is unusable."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.check_hostname = self.check_hostname
        try:
            ctx.load_verify_locations(cafile=self.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"CA file {self.ca_file} cannot be used: {_why(exc)}") from None
        try:
            ctx.load_cert_chain(self.cert_file, self.key_file, password=self.password)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"client certificate {self.cert_file} or key {self.key_file} cannot be used "
                              f"(wrong password, or the key does not belong to the certificate?): {_why(exc)}") from None
        return ctx


class ConfigError(SitmapError):
    """The connection cannot work as configured; retrying would not help."""


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc) or type(exc).__name__


def explain(exc: BaseException, where: str) -> str:
    """Words for a failed connection or session."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        msg = exc.verify_message or str(exc)
        if "hostname" in msg.lower() or "ip address mismatch" in msg.lower():
            return f"server certificate does not name {where} ({msg})"
        return f"{SERVER_UNTRUSTED} ({msg})"
    if isinstance(exc, ssl.SSLError):
        reason = (exc.reason or str(exc)).upper()
        if "ALERT" in reason and any(k in reason for k in ("CERTIFICATE", "UNKNOWN_CA", "ACCESS_DENIED")):
            return f"{CLIENT_REJECTED} by the server ({exc.reason})"
        return f"TLS failed with {where}: {exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {where}"
    if isinstance(exc, ConnectionResetError):
        return f"connection reset by {where}"
    if isinstance(exc, socket.timeout):
        return f"no answer from {where} in time"
    if isinstance(exc, socket.gaierror):
        return f"host of {where} not found"
    return f"{where}: {_why(exc)}"


class TakClient(NetInput):
    """Connects to ``host:port`` (TLS when ``tls`` is given) and reads its CoT stream.

    After a failure or a dropped connection it waits ``backoff_initial * 2**n`` seconds
    (capped at ``backoff_max``, times a random 0.5–1 so many clients do not return in
    step) and tries again; the count resets after a connection lasted ``stable_s``.
    """

    kind = "tak"

    def __init__(self, sink: Sink, host: str, port: int = 8089, tls: TlsConfig | None = None, *,
                 label: str | None = None, backoff_initial: float = 1.0, backoff_max: float = 30.0,
                 connect_timeout: float = 10.0, stable_s: float = 10.0, max_event_bytes: int = MAX_EVENT_BYTES,
                 max_outgoing: int = 1000, parsers: ParsePool | None = None):
        scheme = "tls" if tls else "tcp"
        super().__init__(sink, label, max_event_bytes, default_label=f"{scheme}://{host}:{port}")
        self.host, self.port, self.tls = host, port, tls
        self.backoff_initial, self.backoff_max = backoff_initial, backoff_max
        self.connect_timeout, self.stable_s = connect_timeout, stable_s
        self.auth = AUTH_TLS if tls else AUTH_PLAIN
        self.delays: deque[float] = deque(maxlen=32)  # the waits before reconnecting, newest last
        self._out: deque[bytes] = deque(maxlen=max_outgoing)
        self._out_lock = threading.Lock()
        self._connected = False
        self._wake_r = self._wake_w = None
        self._ctx: ssl.SSLContext | None = None
        # Parse in these worker processes, as the listeners do (None: on this thread). The
        # server then waits for the writer and the parsers: reading stops, the server slows.
        self.parsers = parsers
        if parsers is not None:
            self.stream_wait_s = 30.0

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _open(self) -> None:
        self._wake_r, self._wake_w = socket.socketpair()  # lets send() and stop() interrupt a wait
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        if self.tls:
            try:
                self._ctx = self.tls.context()
            except ConfigError as exc:
                self._status.error(str(exc))
                raise
        self._status.state(FeedState.CONNECTING, peer=self.where, error=None)

    @property
    def connected(self) -> bool:
        """True while a session with the server is open (sending can succeed)."""
        with self._out_lock:
            return self._connected

    def send(self, xml_bytes: bytes) -> bool:
        """Queue one CoT event for the server; False when not connected or too big."""
        if not isinstance(xml_bytes, (bytes, bytearray)) or len(xml_bytes) > self.max_event_bytes:
            return False
        with self._out_lock:
            if not self._connected:
                return False
            self._out.append(bytes(xml_bytes))
        self._wake()
        return True

    def _wake(self) -> None:
        try:
            if self._wake_w is not None:
                self._wake_w.send(b"x")
        except OSError:
            pass  # the wake pipe is full: the thread is awake anyway

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake()
        super().stop(timeout)

    def backoff(self, attempt: int) -> float:
        return min(self.backoff_max, self.backoff_initial * (2 ** min(attempt, 30))) * random.uniform(0.5, 1.0)

    def _run(self) -> None:
        self._ordered = (OrderedParser(self.parsers, STREAM, self.max_event_bytes, self._parsed,
                                       name=f"sitmap-parse-{self.label}") if self.parsers is not None else None)
        try:
            self._sessions()
        finally:
            if self._ordered is not None:
                self._ordered.close()  # what is in flight is emitted first
                self._ordered = None

    def _sessions(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            self._status.state(FeedState.CONNECTING)
            try:
                sock = self._connect()
            except (OSError, ssl.SSLError) as exc:
                self._status.error(explain(exc, self.where))
            else:
                began = time.monotonic()
                self._status.connections(+1)
                self._status.state(FeedState.CONNECTED, peer=self.where, error=None)
                reason = self._session(sock)
                if self._stop.is_set():
                    return
                self._status.error(reason or f"connection closed by {self.where}")
                if time.monotonic() - began >= self.stable_s:
                    attempt = 0
            delay = self.backoff(attempt)
            attempt += 1
            self.delays.append(delay)
            if self._stop.wait(delay):
                return

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        if self._ctx is None:
            return sock
        try:
            return self._ctx.wrap_socket(sock, server_hostname=self.tls.server_hostname or self.host)
        except BaseException:
            sock.close()
            raise

    def _session(self, sock: socket.socket) -> str | None:
        """Read and write until the connection ends; the reason it ended, None when stopped."""
        sock.setblocking(False)
        framer = StreamFramer(self.max_event_bytes)
        sel = selectors.DefaultSelector()
        sel.register(sock, selectors.EVENT_READ)
        sel.register(self._wake_r, selectors.EVENT_READ)
        pending = b""
        with self._out_lock:
            self._connected = True
        try:
            while not self._stop.is_set():
                with self._out_lock:
                    while self._out and len(pending) < READ_BYTES:
                        pending += self._out.popleft()
                sel.modify(sock, selectors.EVENT_READ | (selectors.EVENT_WRITE if pending else 0))
                for key, _ in sel.select(POLL_S):
                    if key.fileobj is self._wake_r:
                        try:
                            self._wake_r.recv(4096)
                        except OSError:
                            pass
                ended = self._read_all(sock, framer)
                if ended:
                    return ended
                if pending:
                    try:
                        pending = pending[sock.send(pending):]
                    except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                        pass
            return None
        except (OSError, ssl.SSLError) as exc:
            return explain(exc, self.where)
        finally:
            with self._out_lock:
                self._connected = False
                self._out.clear()
            self._count(framer.close())
            sel.close()
            sock.close()

    def _read_all(self, sock: socket.socket, framer: StreamFramer) -> str | None:
        """Read whatever is available (TLS may hold decrypted bytes the selector cannot see)."""
        for _ in range(64):  # bounded, so a flood never starves sending
            try:
                data = sock.recv(READ_BYTES)
            except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                return None
            if not data:
                return f"connection closed by {self.where}"
            self._handle(framer, data)
        return None

    def _handle(self, framer: StreamFramer, data: bytes) -> None:
        records: list[Record] = []
        good = 0
        drops = []
        if self._ordered is not None:
            payloads = []
            for frame in framer.feed(data):
                if isinstance(frame, Dropped):
                    drops.append(frame)
                else:
                    payloads.append((frame.data, frame.proto))
            self._count(drops)
            if payloads:
                self._ordered.submit(payloads, self._stop)  # waits while the parsers are busy: reading stops
            return
        for frame in framer.feed(data):
            if isinstance(frame, Dropped):
                drops.append(frame)
                continue
            try:
                records += codec.frame_records(frame, self.max_event_bytes)
                good += 1
            except Malformed:
                self._status.malformed()
        self._count(drops)
        if good:
            self._status.messages(good)
        self._emit(records, self.auth, messages=good)

    def _count(self, drops: list) -> None:
        for d in drops:
            if d.reason == "oversized":
                self._status.dropped()
            else:
                self._status.malformed()

    def _close(self) -> None:
        for s in (self._wake_r, self._wake_w):
            if s is not None:
                s.close()
        self._wake_r = self._wake_w = None
