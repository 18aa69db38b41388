"""The full-text index of a big write into an empty cache, built beside the cache by a
process of its own.

A cache file has one writing connection, and tokenising the rows' text is the largest
single cost of a bulk write (about a third of the writer's time). FTS5 keeps an index in
two ordinary tables, ``items_fts_data`` (the segments) and ``items_fts_idx`` (their
first terms); what they hold depends only on the rows given to the index, not on where
the index lives. So :class:`SideBuild` runs a process that makes the same table (the
cache's own statement) in a scratch file and indexes the ``(id, text, author)`` rows the
writer hands over, while the writer goes on inserting. At the end the writer re-creates
its empty ``items_fts`` and copies the two tables in, inside its transaction: the cache
has exactly the index it would have built itself (``tests/test_fts_build.py`` checks it
with FTS5's own ``integrity-check`` and by comparing searches).

Only an index with nothing in it yet is built this way (copying replaces it): the
writer's check is :func:`usable`. A builder that fails or dies costs only time: the
writer then indexes the batch itself (:meth:`SideBuild.finish` returns False).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import sqlite3
import tempfile
from pathlib import Path

from desktop.core.pipes import exit_with_parent

# Expected rows from which a write into an empty cache builds its index beside it: below
# this the process's start (about 0.2 s) is not won back.
BUILD_AT = 200_000
TABLES = ("items_fts_data", "items_fts_idx")
INSERT = "INSERT INTO items_fts (rowid, text, author) VALUES (?, ?, ?)"
ROWS = "SELECT id, text, coalesce(author, '') FROM items WHERE id > ? AND id <= ? AND batch_id = ?"


def usable(conn: sqlite3.Connection) -> bool:
    """Whether a write on ``conn`` may have its index built beside it: the items table
    and the full-text index are both empty (an index emptied by deletes may still hold
    segments; it is not replaced)."""
    if conn.execute("SELECT 1 FROM items LIMIT 1").fetchone() is not None:
        return False
    return conn.execute("SELECT 1 FROM items_fts_idx LIMIT 1").fetchone() is None


def _build(scratch: str, ddl: str, conn) -> None:
    """In the builder process: index what arrives until None, then answer ("done",) or
    ("failed", why)."""
    exit_with_parent()
    try:
        db = sqlite3.connect(scratch, isolation_level=None)
        db.execute("PRAGMA journal_mode = OFF")  # a scratch file: nothing to recover
        db.execute("PRAGMA synchronous = OFF")
        db.execute(ddl)
        db.execute("BEGIN")
        while True:
            got = conn.recv_bytes()
            if not got:
                break
            db.executemany(INSERT, pickle.loads(got))
        db.execute("COMMIT")
        db.close()
        conn.send(("done",))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        pass  # stopped, or the writer went away
    except BaseException as exc:
        try:
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        except OSError:
            pass
    finally:
        conn.close()


class SideBuild:
    """A builder process and its scratch file (in the cache's folder). :meth:`add` the
    rows as they are inserted, then :meth:`finish` inside the writer's transaction, and
    :meth:`close` in any case."""

    def __init__(self, cache_path: Path, ddl: str):
        fd, name = tempfile.mkstemp(prefix=f".{cache_path.name}.fts-", suffix=".tmp", dir=cache_path.parent)
        os.close(fd)
        self.scratch = Path(name)
        self.failed: str | None = None
        ctx = mp.get_context("spawn")
        self._conn, theirs = ctx.Pipe()
        self._proc = ctx.Process(target=_build, args=(str(self.scratch), ddl, theirs),
                                 name="sitmap-fts-build", daemon=True)
        try:
            self._proc.start()
        except BaseException:
            self.close()
            raise
        finally:
            theirs.close()  # the builder's end is its own: its death ends our reads and sends

    @classmethod
    def start(cls, conn: sqlite3.Connection, cache_path: Path | None) -> "SideBuild | None":
        """A builder for a write on ``conn`` into ``cache_path``, or None where the index
        is not empty, the cache is not a file, or the scratch file or process cannot be made."""
        if cache_path is None or str(cache_path) in ("", ":memory:") or not usable(conn):
            return None
        ddl = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'items_fts'").fetchone()
        if not ddl:
            return None
        try:
            return cls(Path(cache_path), ddl[0])
        except OSError:
            return None

    def add(self, rows: list[tuple]) -> None:
        """Hand over ``(id, text, author)`` rows; waits while the builder is a pipe behind."""
        if self.failed is None and rows:
            try:
                self._conn.send_bytes(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL))
            except OSError:
                self.failed = f"the index builder stopped (exit code {self._proc.exitcode})"

    def add_range(self, conn: sqlite3.Connection, batch_id: int, after_id: int, upto_id: int) -> None:
        """Hand over the batch's rows with ``after_id < id <= upto_id``."""
        if self.failed is None:
            self.add(conn.execute(ROWS, (after_id, upto_id, batch_id)).fetchall())

    def finish(self, conn: sqlite3.Connection) -> bool:
        """Wait for the builder and put its index in place of ``conn``'s empty one (in the
        caller's transaction). False, with :attr:`failed` saying why, when it could not: the
        caller then indexes the rows itself."""
        if self.failed is None:
            try:
                self._conn.send_bytes(b"")
                answer = self._conn.recv()
            except (OSError, EOFError):
                answer = ("failed", f"the index builder stopped (exit code {self._proc.exitcode})")
            if answer[0] != "done":
                self.failed = answer[1]
        if self.failed is not None:
            return False
        self._proc.join(timeout=10)
        ddl = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'items_fts'").fetchone()[0]
        # A new table, not only new rows: this connection's index object may remember the
        # empty index's structure, and would write over the copied one with it.
        conn.execute("DROP TABLE items_fts")
        conn.execute(ddl)
        side = sqlite3.connect(f"file:{self.scratch}?mode=ro", uri=True)
        try:
            for table in TABLES:
                cols = [r[1] for r in side.execute(f"PRAGMA table_info({table})")]
                conn.execute(f"DELETE FROM {table}")
                conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                 side.execute(f"SELECT {', '.join(cols)} FROM {table}"))
        finally:
            side.close()
        return True

    def close(self) -> None:
        """Stop the builder if it still runs and remove the scratch file."""
        try:
            self._conn.close()
        except (OSError, AttributeError):
            pass
        proc = getattr(self, "_proc", None)
        if proc is not None and proc.pid is not None:
            proc.join(timeout=2)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
        for suffix in ("", "-journal", "-wal", "-shm"):
            try:
                os.unlink(f"{self.scratch}{suffix}")
            except OSError:
                pass
