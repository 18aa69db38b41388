"""The live inputs, their parsers and their writer in a process of their own.

The window's process draws; under a flood of CoT it must not also read sockets, frame
streams, rebuild parsed records and write them, because every one of those threads
takes the interpreter lock from the window's thread (measured: over half the window
process's interpreter time in a 10k/s flood). :class:`IngestProcess` spawns one process
that runs the UDP, TCP and TAK inputs, the JSON-lines tail and the drop folder with their :class:`~desktop.live.parse_pool.ParsePool`
and a :class:`~desktop.live.writer.LiveWriter` of its own, and tells the window what it
committed:

- after each commit, the new item ids (packed), whether units changed and the commit's
  :class:`~desktop.live.writer.CommitStats`;
- the records a record listener needs (chat items, receipts, shapes drawn on TAK, unit
  deletes) as they come, and unit positions coalesced to the newest per unit at most
  every :data:`~desktop.live.ingest_main.POSITIONS_EVERY_S` (task tracking needs where a
  unit is, not each report);
- every input's :class:`~desktop.live.status.FeedStatus` and the writer's counts twice a
  second.

The window hands these to its own ``LiveWriter.relay``, so its listeners (the window's
signals, chat, alerts, task tracking, shapes from TAK) run as they did, on its writer
thread, after the commit. Sending (GeoChat, markers, shapes) goes the other way:
``RemoteInput.send`` queues the event for the input in the ingest process.

Commands travel on a pipe only the window writes; when the window's process ends, the
ingest process reads the end of it, commits what it holds and exits. When the ingest
process ends (killed, out of memory), the reading end here sees it
(:class:`~desktop.core.pipes.WorkerGone`): everything it committed is in the cache, and
a new process is started with the same inputs (a TCP sender reconnects; the TAK client
reconnects by itself).

This module is the window's side; what runs in the ingest process is
:mod:`desktop.live.ingest_main`.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import multiprocessing as mp
import queue
import sqlite3
import threading
import time
import weakref
from array import array
from contextlib import closing
from pathlib import Path
from typing import Callable

from desktop.core.pipes import ChildPipe, WorkerGone
from desktop.live.ingest_main import WriterCounts, main as _main
from desktop.live.status import FeedState, FeedStatus

log = logging.getLogger(__name__)

KINDS = ("udp", "tcp", "tak", "jsonl", "folder")  # every input: they all run in the ingest process
START_TIMEOUT_S = 60.0  # a spawned process imports the live package and opens the cache
# The ingest process (and the parsers it spawns, which inherit it) runs at a lower CPU
# priority: when the cores are busy with a flood, the window's thread is scheduled first
# and the flood waits (its input then slows the sender), instead of the window stuttering.
NICE = 10
MAX_RESTARTS = 5  # in a row without a minute of running between them
SEND_TIMEOUT_S = 5.0
MAX_RELAYS_PENDING = 64  # commits handed to the window's writer and not yet told: past it, wait


class IngestError(OSError):
    """An input could not be started in the ingest process (the message says why: most
    often the socket's own error, such as a port in use)."""


class RemoteInput:
    """The window's handle on an input running in the ingest process: its latest status
    and a way to send to it (TAK only). Looks like the input to the window's code."""

    def __init__(self, host: "IngestProcess", key: str, kind: str, status: FeedStatus):
        self._host, self.key, self.kind = host, key, kind
        self._status = status

    @property
    def status(self) -> FeedStatus:
        return self._status

    @property
    def label(self) -> str:
        return self._status.label

    @property
    def port(self) -> int | None:
        """The port bound or connected to (from the feed's label, ``scheme://host:port``)."""
        tail = self._status.label.rsplit(":", 1)[-1]
        return int(tail) if tail.isdigit() else None

    @property
    def connected(self) -> bool:
        return self._status.state == FeedState.CONNECTED

    def send(self, xml_bytes: bytes) -> bool:
        """Queue one CoT event for the TAK server; False when it is not connected (the
        client's own answer, asked of the ingest process: a task sent says so truthfully)."""
        if self.kind != "tak" or not isinstance(xml_bytes, (bytes, bytearray)):
            return False
        try:
            reply = self._host._request(("send", self.key, bytes(xml_bytes)), SEND_TIMEOUT_S)
        except IngestError:
            return False
        if not isinstance(reply, tuple):
            return False
        ok, self._status = reply  # the status as of this send: whether the session is still the same
        return ok is True

    def start(self) -> "RemoteInput":
        return self

    def stop(self) -> None:
        self._host.stop_input(self.key)


class IngestProcess:
    """Window side. ``relay(kind, payload)`` gets what the process tells (on a reader
    thread): ``("ids", ids, units_changed, stats)``, ``("records", records)``."""

    def __init__(self, db_path: str | Path, relay: Callable[..., None], *, operator: str | None = None,
                 purpose: str | None = None, case_ref: str | None = None, keep_raw: bool = False,
                 geoparse: bool = True, parse_workers: int | None = None, writer_process: bool = False,
                 nice: int = NICE):
        self.db_path = str(db_path)
        self.relay = relay
        self.options = {"operator": operator, "purpose": purpose, "case_ref": case_ref, "keep_raw": keep_raw,
                        "geoparse": geoparse, "parse_workers": parse_workers, "writer_process": writer_process,
                        "nice": nice}
        self.inputs: dict[str, RemoteInput] = {}
        self.configs: dict[str, tuple[str, dict]] = {}
        self.counts = WriterCounts()
        self.restarts = 0
        self.last_error: str | None = None
        self._lock = threading.Lock()  # one command on the pipe at a time
        self._life = threading.Lock()  # one start or restart at a time
        self._ctx = mp.get_context("spawn")
        self._proc = None
        self._events: ChildPipe | None = None
        self._commands = None
        self._reader: threading.Thread | None = None
        self._replies: dict[int, list] = {}
        self._ids = itertools.count(1)
        self._stopping = False
        self._started_at = 0.0
        self._failures = 0
        self._told_to = 0  # the highest item id the process told us it committed
        self._last_stats = None

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> "IngestProcess":
        with self._life:
            if self._proc is None:
                self._stopping = False
                self._spawn()
        return self

    def _spawn(self) -> None:
        try:  # what the cache holds before this process writes: told already, or not ours to tell
            self._told_to = max(self._told_to, self._query("SELECT coalesce(max(id), 0) FROM items")[0][0])
        except sqlite3.Error:
            pass  # no cache yet: the process creates it, and says why it cannot
        events = ChildPipe(self._ctx)
        commands_r, commands_w = self._ctx.Pipe(duplex=False)
        # Not a daemon: its parsers are its own children. It ends when our end of the command
        # pipe closes (this process ended, or _at_exit below), so nothing is left behind.
        proc = self._ctx.Process(target=_main, args=(self.db_path, self.options, commands_r, events.sending_end),
                                 name="sitmap-ingest")
        proc.start()
        events.started()
        commands_r.close()  # the process holds the only reading end: our end closing ends it
        self._proc, self._events, self._commands = proc, events, commands_w
        _running.add(self)
        self._started_at = time.monotonic()
        self._reader = threading.Thread(target=self._read, args=(proc, events), name="sitmap-ingest-reader",
                                        daemon=True)
        self._reader.start()
        try:
            ready = self._request(("hello",), START_TIMEOUT_S)
        except IngestError as exc:
            ready = str(exc)
        if ready is not True:
            self._stopping = True  # not restarted: the caller hears why
            proc.kill()
            proc.join(5)
            self._proc = None
            raise IngestError(f"the live inputs could not start: {ready}")

    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None else None

    def child_pids(self) -> dict:
        """{'parsers': [...], 'writer': pid or None}: the processes the ingest process runs."""
        return self._request(("pids",), 15.0)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop every input, commit what is held, end the process."""
        self._stopping = True
        proc, commands = self._proc, self._commands
        if proc is None:
            return
        try:
            self._request(("stop",), timeout)
        except IngestError:
            pass
        try:
            commands.close()
        except OSError:
            pass
        proc.join(timeout)
        if proc.is_alive():
            proc.kill()
            proc.join(5)
        if self._reader is not None:
            self._reader.join(5)
        self._proc = None
        _running.discard(self)
        self.inputs.clear()
        self.configs.clear()

    # --- inputs ----------------------------------------------------------------------------
    def start_input(self, key: str, kind: str, config: dict) -> RemoteInput:
        """Start input ``key`` (``kind``: one of :data:`KINDS`) in the process, as ``config`` says;
        raises IngestError with the input's own message when it cannot start (a port in use)."""
        if kind not in KINDS:
            raise ValueError(f"not an ingest input: {kind}")
        self.start()
        reply = self._request(("start", key, kind, dict(config)), START_TIMEOUT_S)
        if not isinstance(reply, FeedStatus):
            raise IngestError(str(reply))
        inp = self.inputs[key] = RemoteInput(self, key, kind, reply)
        self.configs[key] = (kind, dict(config))
        return inp

    def stop_input(self, key: str) -> None:
        self.configs.pop(key, None)
        if self.inputs.pop(key, None) is not None and self._proc is not None:
            try:
                self._request(("stop_input", key), 15.0)
            except IngestError as exc:
                log.warning("input %s: %s", key, exc)

    # --- the pipes -------------------------------------------------------------------------
    def _command(self, message: tuple) -> bool:
        commands = self._commands
        if commands is None:
            return False
        try:
            with self._lock:
                commands.send(message)
            return True
        except (OSError, ValueError, BrokenPipeError):
            return False

    def _request(self, message: tuple, timeout: float):
        rid = next(self._ids)
        slot = self._replies[rid] = [threading.Event(), None]
        try:
            if not self._command(("req", rid, *message)):
                raise IngestError("the ingest process is not running")
            if not slot[0].wait(timeout):
                raise IngestError(f"the ingest process did not answer within {timeout:.0f} s")
            return slot[1]
        finally:
            self._replies.pop(rid, None)

    def _read(self, proc, events: ChildPipe) -> None:
        """Reader thread: everything the process says, in order, until it ends."""
        pending: list = []  # futures of relays not yet done (backpressure on the process)
        while True:
            try:
                msg = events.get(0.5)
            except queue.Empty:
                continue
            except WorkerGone:
                break
            kind = msg[0]
            if kind == "reply":
                slot = self._replies.get(msg[1])
                if slot is not None:
                    slot[1] = msg[2]
                    slot[0].set()
            elif kind == "status":
                statuses, counts = msg[1], msg[2]
                for key, st in statuses.items():
                    inp = self.inputs.get(key)
                    if inp is not None:
                        inp._status = st
                self.counts = counts
            elif kind == "ids":
                ids = array("q")
                ids.frombytes(msg[1])
                if ids:
                    self._told_to = max(self._told_to, max(ids))
                self._last_stats = msg[3]
                pending.append(self.relay("ids", ids.tolist(), msg[2], msg[3]))
            elif kind == "records":
                pending.append(self.relay("records", msg[1]))
            pending = [f for f in pending if f is not None and not f.done()]
            if len(pending) > MAX_RELAYS_PENDING:
                try:
                    pending.pop(0).result(30)
                except Exception:  # the window's writer said why in its log
                    pass
        events.close()
        for slot in list(self._replies.values()):
            slot[1] = "the ingest process ended"
            slot[0].set()
        self._ended(proc)

    def _ended(self, proc) -> None:
        """The process ended: say so in every input's status; start it again with the same
        inputs unless we were stopping it (or it keeps dying)."""
        proc.join(5)
        if self._stopping or self._proc is not proc:
            return
        code = proc.exitcode
        self._tell_untold()
        self.last_error = f"the ingest process ended (exit code {code})"
        log.error("%s; starting it again", self.last_error)
        for inp in self.inputs.values():
            inp._status = _with_error(inp._status, self.last_error)
        self._failures = self._failures + 1 if time.monotonic() - self._started_at < 60 else 1
        if self._failures > MAX_RESTARTS:
            log.error("the ingest process ended %d times in a row; the live inputs stay off", self._failures)
            return
        threading.Thread(target=self._restart, name="sitmap-ingest-restart", daemon=True).start()

    def _tell_untold(self) -> None:
        """Items the ended process committed but did not live to tell (killed between its
        commit and its message): told now, so the window's listeners miss none."""
        from dataclasses import replace

        from desktop.live.writer import CommitStats

        try:
            ids = [r[0] for r in self._query(
                "SELECT i.id FROM items i JOIN batches b ON b.id = i.batch_id WHERE i.id > ? "
                "AND b.format LIKE 'live:%' ORDER BY i.id", (self._told_to,))]
        except sqlite3.Error as exc:
            log.warning("could not read what the ended ingest process committed last: %s", exc)
            return
        if ids:
            self._told_to = ids[-1]
            last = self._last_stats or CommitStats(0, 0, 0, 0, (), 0.0, 0, 0, 0, 0)
            stats = replace(last, records=len(ids), accepted=len(ids), duplicates=0, units=0, feeds=(),
                            latency_ms=0.0, queued=0)
            self.relay("ids", ids, True, stats)

    def _query(self, sql: str, params: tuple = ()) -> list:
        uri = f"{Path(self.db_path).resolve().as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=10)) as conn:
            return conn.execute(sql, params).fetchall()

    def _restart(self) -> None:
        time.sleep(min(5.0, 0.2 * 2 ** (self._failures - 1)))
        with self._life:
            if self._stopping:
                return
            self._proc = None
            try:
                self._spawn()
            except Exception as exc:
                self.last_error = f"the ingest process could not be started again: {exc}"
                log.error("%s", self.last_error)
                return
        self.restarts += 1
        for key, (kind, config) in list(self.configs.items()):
            try:
                reply = self._request(("start", key, kind, dict(config)), START_TIMEOUT_S)
            except IngestError as exc:
                reply = str(exc)
            inp = self.inputs.get(key)
            if inp is None:
                continue
            if isinstance(reply, FeedStatus):
                inp._status = reply
            else:
                inp._status = _with_error(inp._status, f"not started again: {reply}")


_running: "weakref.WeakSet[IngestProcess]" = weakref.WeakSet()


@atexit.register
def _at_exit() -> None:
    """An ingest process nobody stopped: close its command pipe (it commits and ends) before
    multiprocessing waits for its children at exit."""
    for host in list(_running):
        host._stopping = True
        try:
            host._commands.close()
        except (OSError, AttributeError):
            pass
        proc = host._proc
        if proc is not None:
            proc.join(15)
            if proc.is_alive():
                proc.kill()


def _with_error(st: FeedStatus, message: str) -> FeedStatus:
    from dataclasses import replace

    return replace(st, state=FeedState.ERROR, last_error=message)
