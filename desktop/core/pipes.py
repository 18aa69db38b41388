"""A one-way channel from a spawned worker process to the process that started it.

A ``multiprocessing.Queue`` keeps both ends of its pipe in the process that made it. A
worker killed while writing a message (SIGKILL, out of memory) leaves half of it in the
pipe, and a read of it then waits for the rest forever: the writing end is still open
here, so the read never sees the end of the pipe. :class:`ChildPipe` holds only the
reading end once the worker has started, so a worker that ends, however it ends, turns
the next read into :class:`WorkerGone` after whatever it had sent in whole.

In the worker, ``send`` on the sending end waits while the pipe is full (the reader sets
the pace: backpressure by construction). A worker that must never wait (a receive loop)
sends through :class:`BufferedSender`, whose thread does the waiting; the worker bounds
what it hands over itself.
"""

from __future__ import annotations

import queue
import threading
from collections import deque


class WorkerGone(EOFError):
    """The worker ended: everything it sent in whole has been read."""


class ChildPipe:
    """Make it, pass :attr:`sending_end` to the worker's ``Process`` arguments, start the
    process, then call :meth:`started`; read with :meth:`get`."""

    def __init__(self, ctx):
        self._r, self._w = ctx.Pipe(duplex=False)

    @property
    def sending_end(self):
        return self._w

    def started(self) -> None:
        """The worker holds its copy now: close this process's, so the worker's end is the only one."""
        if self._w is not None:
            self._w.close()
            self._w = None

    def get(self, timeout: float):
        """The next message; ``queue.Empty`` after ``timeout`` seconds without one;
        :class:`WorkerGone` once the worker has ended and everything it sent was read."""
        try:
            if not self._r.poll(timeout):
                raise queue.Empty
            return self._r.recv()
        except (EOFError, OSError) as exc:
            raise WorkerGone(str(exc) or "the worker ended") from None

    def close(self) -> None:
        self.started()
        self._r.close()


class BufferedSender:
    """In the worker: ``put`` never waits; a thread sends in order. :meth:`close` sends
    what is left (for at most ``timeout`` seconds) and closes the sending end."""

    def __init__(self, conn):
        self._conn = conn
        self._items: deque = deque()
        self._cond = threading.Condition()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="sitmap-pipe-sender", daemon=True)
        self._thread.start()

    def put(self, obj) -> None:
        with self._cond:
            self._items.append(obj)
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._items and not self._closing:
                    self._cond.wait()
                if not self._items:
                    return
                obj = self._items.popleft()
            try:
                self._conn.send(obj)
            except (OSError, ValueError):  # the reading side is gone
                return

    def close(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join(timeout)
        try:
            self._conn.close()
        except OSError:
            pass


def exit_with_parent() -> None:
    """In a spawned worker: end this process when the process that started it ends, however
    it ends (a worker blocked on a queue whose writing end it holds itself, as a process
    pool's workers do, would otherwise outlive a parent that was killed). A daemon thread
    waits on the parent's sentinel; call it once, first thing in the worker."""
    import multiprocessing as mp
    import os
    from multiprocessing.connection import wait

    parent = mp.parent_process()
    if parent is None or getattr(exit_with_parent, "_watching", False):
        return
    exit_with_parent._watching = True

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="sitmap-parent-watch", daemon=True).start()
