"""The first open's reading processes (``loading.READ_PROCESSES``): chunks of the index
read in spawned processes, so the rows' Python objects are made on every core."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from desktop.engine.areagrid import mercator
from desktop.engine.source import SpanReader


class CacheChanged(Exception):
    """Older items were deleted or changed after the load was planned: plan again."""


class ReaderGone(Exception):
    """A reading process ended (killed, out of memory) or was stopped by a cancel."""


class ReadProcesses:
    """Spawned processes that read chunks for one load (see ``loading.READ_PROCESSES``). Each opens
    the cache read-only once, and reads every chunk in a read transaction of its own that
    must see the plan's ``rewrites`` (else :class:`CacheChanged`); only ids up to the plan's
    ``max_id`` are read, so rows added since do not count. A chunk comes back as the
    typed columns (with their map coordinates), pickled: the hand-over is a copy of about
    60 bytes a row, against several microseconds a row of reading. Results come through a
    :class:`~desktop.core.pipes.ChildPipe`, so a process killed in the middle of sending
    one ends that read (:class:`ReaderGone`) instead of leaving it waiting."""

    def __init__(self, path, rewrites: int, sources: list, units: list, tags: list, n: int):
        self._args = (str(path), int(rewrites), list(sources), list(units), list(tags))
        self._n = max(1, n)
        self._lock = threading.Lock()
        self._free: list[_Reader] = []
        self._all: list[_Reader] = []
        self._start()

    def _start(self) -> None:
        with self._lock:
            self._all = [_Reader(self._args) for _ in range(self._n)]
            self._free = list(self._all)

    def ready(self) -> bool:
        """A process has started and opened the cache (until then chunks are read here)."""
        with self._lock:
            return any(r.ready() for r in self._free)

    def read(self, lo: int, hi: int, max_id: int):
        """(columns, tag item ids, tag codes, rows read by id) of one chunk; ReaderGone when
        no process is ready or the one reading ended."""
        with self._lock:
            reader = next((r for r in self._free if r.ready()), None)
            if reader is None:
                raise ReaderGone("no reading process is ready")
            self._free.remove(reader)
        try:
            return reader.read(lo, hi, max_id)
        finally:
            with self._lock:
                if reader.alive() and reader in self._all:
                    self._free.append(reader)

    def interrupt(self) -> None:
        """Stop every process (a chunk being read ends with ReaderGone)."""
        with self._lock:
            readers, self._free = list(self._all), []
        for r in readers:
            r.kill()

    def resume(self) -> None:
        self.close()
        self._start()

    def close(self) -> None:
        self.interrupt()
        with self._lock:
            readers, self._all = self._all, []
        for r in readers:
            r.join()

    def pids(self) -> list[int]:
        with self._lock:
            return [r.proc.pid for r in self._all if r.alive()]


class _Reader:
    """One reading process: chunks asked on a pipe only it reads, answers on a ChildPipe."""

    def __init__(self, args: tuple):
        import multiprocessing as mp

        from desktop.core.pipes import ChildPipe

        ctx = mp.get_context("spawn")
        self._answers = ChildPipe(ctx)
        asks_r, self._asks = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_proc_main, args=(*args, asks_r, self._answers.sending_end),
                                name="sitmap-index-reader", daemon=True)
        self.proc.start()
        self._answers.started()
        asks_r.close()
        self._ready = False
        self._dead = False

    def alive(self) -> bool:
        return not self._dead and self.proc.is_alive()

    def ready(self) -> bool:
        if not self._ready and self.alive():
            import queue

            from desktop.core.pipes import WorkerGone

            try:
                self._ready = self._answers.get(0) == "ready"
            except queue.Empty:
                pass
            except WorkerGone:
                self._dead = True
        return self._ready and self.alive()

    def read(self, lo: int, hi: int, max_id: int):
        import queue

        from desktop.core.pipes import WorkerGone

        try:
            self._asks.send((lo, hi, max_id))
        except (OSError, ValueError) as exc:
            self._dead = True
            raise ReaderGone(str(exc)) from None
        while True:
            try:
                got = self._answers.get(0.5)
            except queue.Empty:
                continue
            except WorkerGone:
                self._dead = True
                raise ReaderGone(f"the reading process ended (exit code {self.proc.exitcode})") from None
            if isinstance(got, BaseException):
                raise got
            return got

    def kill(self) -> None:
        self._dead = True
        try:
            self.proc.kill()
        except (OSError, AttributeError):
            pass

    def join(self) -> None:
        self.proc.join(5)
        try:
            self._asks.close()
        except OSError:
            pass
        self._answers.close()


def _proc_main(path: str, rewrites: int, sources: list, units: list, tags: list, asks, answers) -> None:
    """A reading process: open the cache once, then read the chunks asked until the pipe ends."""
    try:
        # Autocommit: the tag-code table SpanReader fills must outlive each chunk's transaction.
        conn = sqlite3.connect(f"file:{Path(path).as_uri()[7:]}?mode=ro", uri=True, isolation_level=None)
        reader = SpanReader(conn, sources, units, tags)
    except Exception as exc:  # noqa: BLE001 - said to the loader, which reads on its own threads
        answers.send(exc)
        return
    answers.send("ready")
    while True:
        try:
            lo, hi, max_id = asks.recv()
        except (EOFError, OSError):
            return  # the load is over
        try:
            answers.send(_read_chunk(conn, reader, rewrites, lo, hi, max_id))
        except BaseException as exc:  # noqa: BLE001 - the loader raises it where a thread's read would
            answers.send(exc)


def _read_chunk(conn, reader, rewrites: int, lo: int, hi: int, max_id: int):
    conn.execute("BEGIN")
    try:
        got = conn.execute("SELECT value FROM meta WHERE key = 'rewrites'").fetchone()
        if int(got[0] if got and got[0] is not None else 0) != rewrites:
            raise CacheChanged()
        before = reader.rows_by_id
        cols, tag_ids, tag_codes = reader.read(lo, hi, max_id)
        cols["mx"], cols["my"] = mercator(cols["lat64"], cols["lon64"])
        return cols, tag_ids, tag_codes, reader.rows_by_id - before
    finally:
        conn.execute("ROLLBACK")
