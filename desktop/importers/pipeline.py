"""Importing a big file on every core: worker processes read it, this one writes.

The format's reader (``read(path, ctx)``, the same code as a one-process import) runs in a
spawned worker process and turns each Item into its row there (``writer.item_values``);
the rows come back in file order, :data:`PART` records to a message, through a pipe
whose reading end only this process holds (:class:`desktop.core.pipes.ChildPipe`), so the
reader waits when the cache falls behind, memory stays flat, and a worker that dies
mid-message ends the read instead of leaving it waiting. Other
records (units, deletes, scrub notices) travel as they are, between the rows, in order.
This process only inserts, and builds the derived indexes at the end.

A JSON-lines X capture (v1.1 or v2, the bulk of a big import) is read by
:data:`READERS` processes at once (:class:`PieceReader`): the file is cut into pieces of
:data:`PIECE_BYTES` at line ends, reader ``k`` reads pieces ``k, k + READERS, …`` (counting
the lines of the others, so every skip names its line in the whole file) and may read up
to :data:`SEND_AHEAD` messages ahead of the writer; the writer takes the pieces in file
order. What the format reports once (stream notices, errors) is merged from the pieces,
and the whole-file checks are made on all of them. Each reader passes over the nested
originals it has already read (a retweet storm repeats one post), as one reader does over
the whole file; an original repeated in two readers' pieces is written once and counted
once more as a duplicate (the rows are the same). A piece with a line that is not UTF-8
sends the file back to one reader (whether such a file is refused depends on the lines
before it): the transaction is rolled back and the file read again whole.

What a one-process import guarantees holds here too: the reader is the same, so a
refused file raises the same :class:`ImportFailed` (naming the file and the record) and
the file's transaction is rolled back; skips and notes come back with the last message;
progress counts records read and cancel stops the worker. If the worker dies, the import
fails with a message saying so, and nothing of the file is kept.
"""

from __future__ import annotations

import dataclasses
import importlib
import multiprocessing as mp
import os
import queue
import threading
from pathlib import Path
from typing import Iterator

from desktop.cache.writer import Rows
from desktop.core.pipes import ChildPipe, WorkerGone
from desktop.importers.base import ImportContext, ImportFailed, ImportOptions, Skip

PART = 5000  # records a message
# Smaller files are read in this process: a worker takes 0.3-1.3 s to start (measured) and
# the reader is three quarters of an import's work, so moving it gains at most a third.
MIN_BYTES = 64 * 1024**2
POLL_S = 0.5  # how often a waiting writer checks that the worker is alive
READERS = 2  # reading processes for a JSON-lines capture (at most the cores)
PIECE_BYTES = 16 * 1024**2
SEND_AHEAD = 8  # messages a reading process may hold for the writer (about 40,000 records)
PIECE_MODULES = ("twitter_v1", "twitter_v2")  # formats whose JSON-lines files can be read in pieces


def a_core_is_free() -> bool:
    """Whether a second process would get a core of its own: more than one core, and the
    load average at most the cores less one. On a machine whose cores are all busy two
    processes only share the same time and add the hand-over between them (measured: an
    import 20-30 % slower at load 6-9 on two cores). No load average (Windows): assumed free."""
    cores = os.cpu_count() or 1
    if cores < 2:
        return False
    try:
        return os.getloadavg()[0] <= cores - 1
    except (AttributeError, OSError):
        return True


def readers_for(module: str, path: Path) -> int:
    """How many processes should read ``path``: several for a JSON-lines capture of a format
    that can be read in pieces, one otherwise."""
    from desktop.importers.jsonfile import is_json_lines

    if module not in PIECE_MODULES or (os.cpu_count() or 1) < 2:
        return 1
    return min(READERS, os.cpu_count() or 1) if is_json_lines(path) else 1


def index_beside(readers: int) -> bool:
    """Whether an import read by ``readers`` processes should also have its full-text index
    built by a process of its own (:mod:`desktop.cache.fts_build`): a core for each reader,
    the writer and the builder. With fewer the builder only takes the readers' time (measured
    on two cores with two readers: no faster)."""
    return (os.cpu_count() or 1) >= readers + 2


def worthwhile(path: Path) -> bool:
    """Whether reading in a worker pays: a big enough file and a free core."""
    try:
        size = path.stat().st_size
    except OSError:
        return False
    return size >= MIN_BYTES and a_core_is_free()


# --- in the worker --------------------------------------------------------------------------

def _parts(records, keep_raw: bool) -> Iterator[list]:
    """A reader's records as messages of up to :data:`PART`, in file order: each run of
    Items as one list of their rows (``writer.item_values``), other records as they are."""
    from desktop.cache.writer import item_values
    from desktop.core.model import Item

    part: list = []
    rows: list = []
    n = 0
    for rec in records:
        if type(rec) is Item:
            rows.append(item_values(rec, keep_raw))
        else:
            if rows:
                part.append(rows)
                rows = []
            part.append(rec)
        n += 1
        if n == PART:
            if rows:
                part.append(rows)
                rows = []
            yield part
            part, n = [], 0
    if rows:
        part.append(rows)
    if part:
        yield part


def _work(module: str, path: str, options: ImportOptions, keep_raw: bool, out) -> None:
    p = Path(path)
    ctx = ImportContext(path=p, options=options)
    try:
        reader = importlib.import_module(f"desktop.importers.{module}").read(p, ctx)
        for part in _parts(reader, keep_raw):
            out.send(("part", part))  # waits while the writing side is busy with the last one
        out.send(("end", ctx.notes, ctx.skipped, [(s.where, s.reason) for s in ctx.skips]))
    except ImportFailed as exc:
        out.send(("failed", exc.path, exc.reason))
    except (KeyboardInterrupt, BrokenPipeError):  # stopped, or the writing side went away
        pass
    except BaseException as exc:  # a bug in a reader: reported by the writing side
        out.send(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        out.close()


# --- in the writing process -----------------------------------------------------------------

class Reader:
    """The records of one file, read by a worker process; iterate once, then :meth:`close`."""

    def __init__(self, module: str, path: Path, ctx: ImportContext, keep_raw: bool):
        self.path, self.ctx = path, ctx
        mpc = mp.get_context("spawn")
        self._pipe = ChildPipe(mpc)
        self._proc = mpc.Process(target=_work, args=(module, str(path), ctx.options, keep_raw,
                                                     self._pipe.sending_end),
                                 name="sitmap-import-reader", daemon=True)
        try:
            self._proc.start()
        finally:
            self._pipe.started()

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    def _get(self):
        while True:
            try:
                return self._pipe.get(POLL_S)
            except queue.Empty:
                continue  # still reading (a worker that ends closes the pipe: WorkerGone)
            except WorkerGone:
                self._proc.join(timeout=5)
                raise ImportFailed(self.path, f"the reading process stopped unexpectedly (exit code "
                                              f"{self._proc.exitcode}); nothing from the file was kept") from None

    def __iter__(self) -> Iterator:
        while True:
            msg = self._get()
            kind = msg[0]
            if kind == "part":
                for entry in msg[1]:
                    yield Rows(entry) if type(entry) is list else entry
            elif kind == "end":
                _, notes, skipped, skips = msg
                for n in notes:
                    self.ctx.note(n)
                self.ctx.skipped += skipped
                self.ctx.skips.extend(Skip(w, r) for w, r in skips)
                return
            elif kind == "failed":
                raise ImportFailed(msg[1], msg[2])
            else:
                raise ImportFailed(self.path, f"reading failed: {msg[1]}")

    def close(self) -> None:
        """Stop the worker (at the end, on cancel or on an error)."""
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join(timeout=5)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(timeout=5)
        self._pipe.close()


# --- several readers, one JSON-lines file ------------------------------------------------------

def _lines_in(fh, start: int, end: int) -> int:
    fh.seek(start)
    left, n = end - start, 0
    while left > 0:
        b = fh.read(min(left, 8 << 20))
        if not b:
            break
        n += b.count(b"\n")
        left -= len(b)
    return n


def _light(tally):
    """A tally to send: its bounded id sets (for repeats within one reader) stay behind."""
    if tally is None or not dataclasses.is_dataclass(tally):
        return tally
    return dataclasses.replace(tally, **{f.name: type(getattr(tally, f.name))() for f in dataclasses.fields(tally)
                                         if isinstance(getattr(tally, f.name), (set, dict, list))})


def merge_tallies(a, b):
    """Two pieces' tallies as one: counts added, the first text kept."""
    if a is None:
        return b
    if b is None:
        return a
    changes = {}
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, int) and not isinstance(x, bool):
            changes[f.name] = x + y
        elif isinstance(x, str):
            changes[f.name] = x or y
    return dataclasses.replace(a, **changes)


def _work_pieces(module: str, path: str, options: ImportOptions, keep_raw: bool, ranges: list, me: int,
                 readers: int, out) -> None:
    from desktop.importers.jsonfile import OneProcess, Piece

    p = Path(path)
    ahead: queue.Queue = queue.Queue(maxsize=SEND_AHEAD)
    gone = threading.Event()

    def sender() -> None:  # the pipe waits for the writer; the reading goes on meanwhile
        while True:
            msg = ahead.get()
            if msg is None:
                return
            try:
                out.send(msg)
            except (OSError, ValueError):  # the writing side went away
                gone.set()
                return

    def put(msg) -> None:
        while not gone.is_set():
            try:
                ahead.put(msg, timeout=POLL_S)
                return
            except queue.Full:
                continue
        raise BrokenPipeError()

    th = threading.Thread(target=sender, name="sitmap-import-sender", daemon=True)
    th.start()
    read = importlib.import_module(f"desktop.importers.{module}").read
    line = 1
    seen: set = set()
    try:
        with open(p, "rb") as fh:
            for i, (start, end) in enumerate(ranges):
                if i % readers != me:
                    line += _lines_in(fh, start, end)  # another reader's piece
                    continue
                piece = Piece(start, end, line, seen=seen)
                ctx = ImportContext(path=p, options=options, piece=piece)
                for part in _parts(read(p, ctx), keep_raw):
                    put(("part", part))
                put(("piece", i, piece.decoded, piece.first_bad, _light(piece.tally), ctx.notes, ctx.skipped,
                     [(s.where, s.reason) for s in ctx.skips]))
                line += piece.lines  # counted as it was read, not read again
        put(("end",))
    except OneProcess as exc:
        put(("one-process", str(exc)))
    except ImportFailed as exc:
        put(("failed", exc.path, exc.reason))
    except (KeyboardInterrupt, BrokenPipeError):  # stopped, or the writing side went away
        pass
    except BaseException as exc:  # a bug in a reader: reported by the writing side
        try:
            put(("crash", f"{type(exc).__name__}: {exc}"))
        except BrokenPipeError:
            pass
    finally:
        try:
            ahead.put(None, timeout=30)
        except queue.Full:
            pass
        th.join(30)
        out.close()


class PieceReader:
    """The records of one JSON-lines file, read by ``readers`` worker processes in pieces
    and given in file order; iterate once, then :meth:`close`. Raises
    :class:`~desktop.importers.jsonfile.OneProcess` when the file must be read whole."""

    def __init__(self, module: str, path: Path, ctx: ImportContext, keep_raw: bool, readers: int = READERS):
        from desktop.importers.jsonfile import pieces

        self.path, self.ctx = path, ctx
        self.ranges = pieces(path, PIECE_BYTES)
        self.readers = max(1, min(readers, len(self.ranges)))
        mpc = mp.get_context("spawn")
        self._pipes: list[ChildPipe] = []
        self._procs: list = []
        for k in range(self.readers):
            pipe = ChildPipe(mpc)
            proc = mpc.Process(target=_work_pieces, args=(module, str(path), ctx.options, keep_raw, self.ranges, k,
                                                         self.readers, pipe.sending_end),
                               name=f"sitmap-import-reader{k}", daemon=True)
            try:
                proc.start()
            finally:
                pipe.started()
            self._pipes.append(pipe)
            self._procs.append(proc)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs]

    def _get(self, k: int):
        while True:
            try:
                return self._pipes[k].get(POLL_S)
            except queue.Empty:
                continue
            except WorkerGone:
                self._procs[k].join(timeout=5)
                raise ImportFailed(self.path, f"a reading process stopped unexpectedly (exit code "
                                              f"{self._procs[k].exitcode}); nothing from the file was kept") from None

    def __iter__(self) -> Iterator:
        from desktop.importers.jsonfile import OneProcess

        decoded, first_bad, tally = 0, None, None
        for i in range(len(self.ranges)):
            k = i % self.readers
            while True:
                msg = self._get(k)
                kind = msg[0]
                if kind == "part":
                    for entry in msg[1]:
                        yield Rows(entry) if type(entry) is list else entry
                    continue
                if kind == "piece" and msg[1] == i:
                    _, _, n, bad, t, notes, skipped, skips = msg
                    decoded += n
                    first_bad = first_bad or bad
                    tally = merge_tallies(tally, t)
                    for note in notes:
                        self.ctx.note(note)
                    self.ctx.skipped += skipped - len(skips)
                    for where, reason in skips:
                        self.ctx.skip(where, reason)
                    break
                if kind == "one-process":
                    raise OneProcess(msg[1])
                if kind == "failed":
                    raise ImportFailed(msg[1], msg[2])
                if kind == "crash":
                    raise ImportFailed(self.path, f"reading failed: {msg[1]}")
                raise ImportFailed(self.path, f"a reading process ended before piece {i + 1} of {len(self.ranges)}")
        if not decoded and first_bad:
            raise ImportFailed(self.path, f"not valid JSON: {first_bad}")
        if tally is not None:
            tally.report(self.ctx)

    def close(self) -> None:
        """Stop the workers (at the end, on cancel or on an error)."""
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self._procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
        for pipe in self._pipes:
            pipe.close()
