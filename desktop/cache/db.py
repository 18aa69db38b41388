"""Opening the cache: WAL mode, schema checks and migrations, and errors a person can read."""

from __future__ import annotations

import errno
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from desktop.cache import fts
from desktop.cache.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from desktop.core.errors import SitmapError

BUSY_TIMEOUT_MS = 5000


class CacheError(SitmapError):
    """The cache file cannot be used; the message names the file and the cause."""


def explain(path: Path | str, exc: BaseException) -> CacheError:
    """Turn an sqlite3/OS error into a CacheError that says what happened."""
    msg = str(exc)
    low = msg.lower()
    if isinstance(exc, CacheError):
        return exc
    if "locked" in low or "busy" in low:
        why = "is locked by another program (another Sitmap or an import still running); try again when it finishes"
    elif "readonly" in low or "read-only" in low or "attempt to write" in low:
        why = "is read-only: check the file's permissions or choose another file with --db"
    elif "disk is full" in low or "database or disk is full" in low or getattr(exc, "errno", None) == errno.ENOSPC:
        why = "cannot be written: the disk is full (nothing was lost; free space and run again)"
    elif "not a database" in low or "malformed" in low or "corrupt" in low:
        why = "is damaged or not a SQLite file; it was left as it is (restore it from a backup or choose another with --db)"
    elif "unable to open" in low:
        why = "cannot be opened: the folder does not exist or is not writable"
    else:
        why = f"failed: {msg}"
    return CacheError(f"cache {path} {why}")


class Cache:
    """One cache file. Use :meth:`open` (creates and migrates) or :meth:`open_readonly`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, readonly: bool):
        self.path = path
        self.conn = conn
        self.readonly = readonly
        self._db = None

    @property
    def db(self):
        """The cache as a ``sqlite_utils.Database`` on the same connection, for ad-hoc table
        work. Made on first use: importing sqlite_utils also imports pandas (about 0.2 s of
        CPU), which a process that only reads files (an import's reading processes) or only
        writes rows never needs."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    @classmethod
    def open(cls, path: str | os.PathLike, *, create: bool = True) -> "Cache":
        p = Path(path)
        if not p.exists():
            if not create:
                raise CacheError(f"cache {p} does not exist (create it with 'sitmap import' or 'sitmap demo')")
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise CacheError(f"cache {p} cannot be created: {exc.strerror or exc}") from None
        try:
            conn = sqlite3.connect(p, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
            cache = cls(p, conn, readonly=False)
            cache._check_identity()
            conn.execute("PRAGMA journal_mode=WAL")
            cache._pragmas()
            cache._migrate()
        except sqlite3.Error as exc:
            raise explain(p, exc) from None
        return cache

    @classmethod
    def open_readonly(cls, path: str | os.PathLike) -> "Cache":
        """A read connection (one per thread); never creates or migrates."""
        p = Path(path)
        if not p.exists():
            raise CacheError(f"cache {p} does not exist (create it with 'sitmap import' or 'sitmap demo')")
        try:
            conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None, check_same_thread=False)
            cache = cls(p, conn, readonly=True)
            cache._check_identity()
            cache._pragmas()
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise CacheError(cache._newer_message(version))
            if version < SCHEMA_VERSION:
                raise CacheError(f"cache {p} uses schema {version}; open it once for writing to upgrade it to {SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise explain(p, exc) from None
        return cache

    def _pragmas(self) -> None:
        self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache
        self.conn.execute("PRAGMA temp_store=MEMORY")
        fts.register(self.conn)  # the text search's row check (desktop.core.textsearch)

    def _newer_message(self, version: int) -> str:
        return (f"cache {self.path} was written by a newer Sitmap (schema {version}; this version knows up to "
                f"{SCHEMA_VERSION}). It was not changed; open it with the newer Sitmap.")

    def _check_identity(self) -> None:
        app_id = self.conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id == APPLICATION_ID:
            return
        tables = self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id != 0 or tables:
            raise CacheError(f"{self.path} is a SQLite file but not a Sitmap cache; it was left as it is")

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise CacheError(self._newer_message(version))
        while version < SCHEMA_VERSION:
            # executescript commits any open transaction first, so the script carries its own.
            script = (f"BEGIN IMMEDIATE;\n{MIGRATIONS[version]}\nPRAGMA user_version={version + 1};\n"
                      f"PRAGMA application_id={APPLICATION_ID};\nCOMMIT;")
            try:
                self.conn.executescript(script)
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            version += 1

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; rolls back on any exception."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise explain(self.path, exc) from None
        try:
            yield self.conn
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise explain(self.path, exc) from None

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:
            pass

    def __enter__(self) -> "Cache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
