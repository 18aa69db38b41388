"""A UDP receive loop that does nothing but receive, in a process of its own.

In the window's process a receiving thread shares the interpreter lock with parsing,
the writer and the window: each ``recvfrom`` gives the lock away and waits up to a
switch interval to get it back, so at 10,000 datagrams a second the socket buffer
overflows. Here a spawned process owns a duplicate of the bound socket and only moves
datagrams, in batches (at most ``BATCH`` datagrams or ``BATCH_BYTES``, and never older
than ``FLUSH_S``), into a pipe the input's thread parses from (a
:class:`desktop.core.pipes.ChildPipe`: a receiver killed mid-batch ends the read rather
than leaving it waiting for the batch's rest). What is handed over is bounded in bytes
(``QUEUE_BYTES`` handed over and not yet taken): past it a batch is dropped and counted,
never buffered without bound.

Only the standard library (and that small module) is imported here, so the process starts
in a few tens of ms.
"""

from __future__ import annotations

import multiprocessing as mp
import socket
import sys
import time

from desktop.core.pipes import BufferedSender, ChildPipe, exit_with_parent

BATCH = 512
BATCH_BYTES = 1 << 20
FLUSH_S = 0.005  # a datagram waits at most this long for its batch
IDLE_S = 0.25  # how often an idle receiver checks whether it was asked to stop
READ_BYTES = 65536
QUEUE_BYTES = 64 << 20  # at most this much waits for the parser (about 100,000 CoT datagrams)


def receive_buffer(sock: socket.socket, wanted: int) -> int:
    """Make the socket's receive buffer as large as the OS allows, up to ``wanted`` bytes,
    and return its size as the OS reports it. An unprivileged process gets at most the
    system's limit (on Linux net.core.rmem_max, reported doubled); a privileged one may
    go past it (SO_RCVBUFFORCE)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, wanted)
    except OSError:
        pass
    got = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    force = getattr(socket, "SO_RCVBUFFORCE", 33 if sys.platform.startswith("linux") else None)
    if got < wanted and force is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, force, wanted)
            got = sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        except OSError:
            pass  # not privileged: the system's limit stands
    return got


def run(sock: socket.socket, out, stop, counts) -> None:
    """The receiving process: move datagrams from ``sock`` into ``out`` (a pipe's sending
    end, written by a thread so that receiving never waits) as lists of
    ``(payload, sender ip)``. ``counts``: [0] datagrams received, [1] those dropped because
    the queue held ``QUEUE_BYTES``, [2] bytes handed over (written here), [3] bytes taken
    (written by the parsing side); ``stop`` (an event) ends it."""
    exit_with_parent()  # a killed input's owner leaves no receiver behind
    recv = sock.recvfrom
    out = BufferedSender(out)
    pending: list[tuple[bytes, str]] = []
    size = 0
    first = 0.0
    received = dropped = handed = 0
    sock.settimeout(IDLE_S)
    timeout = IDLE_S
    while not stop.is_set():
        try:
            g, addr = recv(READ_BYTES)
        except socket.timeout:
            g = None
        except OSError:
            if stop.is_set():
                break
            time.sleep(0.01)
            continue
        now = time.monotonic()
        if g is not None:
            if not pending:
                first = now
            pending.append((g, addr[0]))
            size += len(g)
            received += 1
        if pending and (g is None or len(pending) >= BATCH or size >= BATCH_BYTES or now - first >= FLUSH_S):
            if handed - counts[3] + size > QUEUE_BYTES:
                dropped += len(pending)
                counts[1] = dropped
            else:
                out.put(pending)
                handed += size
                counts[2] = handed
            counts[0] = received
            pending, size = [], 0
        want = IDLE_S if not pending else max(0.0005, FLUSH_S - (now - first))
        if want != timeout:
            sock.settimeout(want)
            timeout = want
    counts[0] = received
    out.close(timeout=0.2)  # asked to stop: nobody reads what is left


class Receiver:
    """Starts, watches and ends the receiving process of one bound UDP socket."""

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self._ctx = mp.get_context("spawn")
        self._pipe = ChildPipe(self._ctx)  # bounded in bytes by the receiving process (QUEUE_BYTES)
        self._stop = self._ctx.Event()
        self._counts = self._ctx.Array("q", 4, lock=False)
        self._proc = None
        self.restarts = 0
        self._base = [0, 0]  # counts of processes that ended (a restarted one counts from 0)

    def start(self) -> None:
        self._proc = self._ctx.Process(target=run, args=(self._sock, self._pipe.sending_end, self._stop,
                                                         self._counts), name="sitmap-udp-receiver", daemon=True)
        try:
            self._proc.start()
        finally:
            self._pipe.started()

    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def restart(self) -> None:
        """A receiving process that died (killed, out of memory) is replaced; the socket
        stayed open in this process, so only what arrived meanwhile beyond its buffer is lost."""
        self._base = [self._base[0] + self._counts[0], self._base[1] + self._counts[1]]
        self._counts[0] = self._counts[1] = self._counts[2] = self._counts[3] = 0
        self.restarts += 1
        # A fresh pipe: the old one ended with the process that wrote into it.
        old, self._pipe = self._pipe, ChildPipe(self._ctx)
        old.close()
        self.start()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def get(self, timeout: float) -> list[tuple[bytes, str]]:
        """The next batch (queue.Empty after ``timeout``; :class:`desktop.core.pipes.WorkerGone`
        once the process has ended and all it handed over was taken); its bytes count as taken."""
        grams = self._pipe.get(timeout)
        self._counts[3] += sum(len(g) for g, _ in grams)
        return grams

    def received(self) -> int:
        return self._base[0] + self._counts[0]

    def dropped(self) -> int:
        return self._base[1] + self._counts[1]

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._proc is not None:
            self._proc.join(timeout)
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join(1.0)
            self._proc = None
        self._pipe.close()
