"""Importing a big file on two cores: a worker process reads it, this one writes.

The format's reader (``read(path, ctx)``, the same code as a one-process import) runs in a
spawned worker process and turns each Item into its row there (``writer.item_values``);
the rows come back in file order, :data:`PART` records to a message, through a pipe
whose reading end only this process holds (:class:`desktop.core.pipes.ChildPipe`), so the
reader waits when the cache falls behind, memory stays flat, and a worker that dies
mid-message ends the read instead of leaving it waiting. Other
records (units, deletes, scrub notices) travel as they are, between the rows, in order.
This process only inserts, and builds the derived indexes at the end.

What a one-process import guarantees holds here too: the reader is the same, so a
refused file raises the same :class:`ImportFailed` (naming the file and the record) and
the file's transaction is rolled back; skips and notes come back with the last message;
progress counts records read and cancel stops the worker. If the worker dies, the import
fails with a message saying so, and nothing of the file is kept.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import os
import queue
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


def worthwhile(path: Path) -> bool:
    """Whether reading in a worker pays: a big enough file and a free core."""
    try:
        size = path.stat().st_size
    except OSError:
        return False
    return size >= MIN_BYTES and a_core_is_free()


# --- in the worker --------------------------------------------------------------------------

def _work(module: str, path: str, options: ImportOptions, keep_raw: bool, out) -> None:
    from desktop.cache.writer import item_values
    from desktop.core.model import Item

    p = Path(path)
    ctx = ImportContext(path=p, options=options)
    try:
        reader = importlib.import_module(f"desktop.importers.{module}").read(p, ctx)
        part: list = []
        rows: list = []
        n = 0
        for rec in reader:
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
                out.send(("part", part))  # waits while the writing side is busy with the last one
                part, n = [], 0
        if rows:
            part.append(rows)
        out.send(("part", part))
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
