"""The audit log: one SQLite file beside the cache, an append-only hash chain.

Each entry says who (operator, workstation) did what (action, objects, detail), when
(``t_ms``, UTC milliseconds) and why (purpose, case reference). Its ``hash`` is the
SHA-256 of :func:`canonical` over every other field, ``prev_hash`` included, so an
entry altered, removed or moved breaks the chain at that entry, and a head (seq, hash)
noted by a supervisor pins everything up to it. docs/AUDIT.md has the exact form.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from desktop.core.canonical import CanonicalError, canonical, plain
from desktop.core.errors import SitmapError

ACTIONS = ("collect", "consult", "alter", "disclose", "erase", "session")
GENESIS = "0" * 64  # the prev_hash of the first entry
FIELDS = ("seq", "t_ms", "operator", "purpose", "case_ref", "workstation", "action", "objects", "detail",
          "prev_hash")
APPLICATION_ID = 0x5341_5544  # 'SAUD': an audit log of Sitmap's, never a cache
SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    t_ms INTEGER NOT NULL,
    operator TEXT,
    purpose TEXT,
    case_ref TEXT,
    workstation TEXT NOT NULL,
    action TEXT NOT NULL,
    objects TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS entries_t ON entries (t_ms);
CREATE TRIGGER IF NOT EXISTS entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
# Version 2: ``txn``, the key of an entry staged in the cache's outbox (desktop.cache.outbox),
# so that moving it twice records it once. Not hashed: it only reconciles, it proves nothing.
SCHEMA_V2 = """
ALTER TABLE entries ADD COLUMN txn TEXT;
CREATE UNIQUE INDEX entries_txn ON entries (txn) WHERE txn IS NOT NULL;
"""
USER_VERSION = 2


class AuditError(SitmapError):
    """The audit log cannot be opened, written or read (the message names the file)."""


def audit_path(cache_path: str | Path) -> Path:
    """The audit log beside a cache: ``incident.db`` → ``incident.audit.db``."""
    p = Path(cache_path)
    return p.with_suffix(".audit.db") if p.suffix else p.with_name(p.name + ".audit.db")


def entry_hash(fields: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of an entry's fields (all of :data:`FIELDS`, no ``hash``)."""
    return hashlib.sha256(canonical({k: fields[k] for k in FIELDS})).hexdigest()


def _plain(value: Any, where: str) -> Any:
    try:
        return plain(value, where)
    except CanonicalError as exc:
        raise AuditError(str(exc)) from None


@dataclass(frozen=True)
class Entry:
    seq: int
    t_ms: int
    operator: str | None
    purpose: str | None
    case_ref: str | None
    workstation: str
    action: str
    objects: Any
    detail: Any
    prev_hash: str
    hash: str

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in (*FIELDS, "hash")}


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int  # how many entries were checked
    head: tuple[int, str] | None  # the last entry's (seq, hash) as stored
    bad_seq: int | None = None  # the first entry at fault
    problem: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return (f"OK: {self.entries} entries, head {self.head[0]} {self.head[1]}" if self.head
                    else "OK: the log is empty")
        return f"FAILED: {self.problem}"


def verify_entries(entries: Iterable[dict], head: str | None = None, first_prev: str | None = GENESIS,
                   first_seq: int | None = 1) -> VerifyResult:
    """Check a chain of entry dicts (with ``hash``), in stored order. ``first_prev``/``first_seq``
    None accept any start (an excerpt). ``head`` is ``HASH`` or ``SEQ:HASH`` noted earlier: it
    must be an entry of the chain."""
    want_seq, want_prev = first_seq, first_prev
    n, last = 0, None
    noted_seq, noted_hash = _split_head(head) if head else (None, None)
    seen_noted = False
    for e in entries:
        seq = e.get("seq")
        if want_seq is not None and seq != want_seq:
            if isinstance(seq, int) and seq > want_seq:
                gone = f"entry {want_seq}" if seq == want_seq + 1 else f"entries {want_seq}–{seq - 1}"
                return VerifyResult(False, n, last, want_seq, f"{gone} removed (the next entry is {seq})")
            return VerifyResult(False, n, last, seq, f"entry {seq} is out of order (expected {want_seq})")
        try:
            ok_hash = entry_hash(e) == e.get("hash")
        except (KeyError, TypeError, ValueError):
            ok_hash = False
        if not ok_hash:
            return VerifyResult(False, n, last, seq, f"entry {seq} altered or moved: its hash does not match its "
                                                     f"contents")
        if want_prev is not None and e["prev_hash"] != want_prev:
            return VerifyResult(False, n, last, seq, f"entry {seq} does not follow the entry before it (prev_hash "
                                                     f"{e['prev_hash'][:12]}… ≠ {want_prev[:12]}…): an entry before "
                                                     f"it was removed or replaced, or it was forged")
        n += 1
        last = (seq, e["hash"])
        if noted_hash is not None and e["hash"] == noted_hash and noted_seq in (None, seq):
            seen_noted = True
        want_seq, want_prev = seq + 1, e["hash"]
    if noted_hash is not None and not seen_noted:
        where = f"entry {noted_seq} " if noted_seq is not None else ""
        return VerifyResult(False, n, last, noted_seq, f"the noted head {where}{noted_hash} is not in the log: "
                                                       f"entries up to it were removed or rewritten")
    return VerifyResult(True, n, last)


def _split_head(head: str) -> tuple[int | None, str]:
    head = head.strip()
    seq, _, h = head.rpartition(":") if ":" in head else ("", "", head)
    h = h.strip().lower()
    if len(h) != 64 or any(c not in "0123456789abcdef" for c in h) or (seq and not seq.strip().isdigit()):
        raise AuditError(f"head {head!r}: give the 64-hex-digit hash, or SEQ:HASH, as `sitmap audit head` prints it")
    return (int(seq) if seq else None), h


class AuditLog:
    """The audit log of one cache. ``AuditLog.open(cache_path)``; ``record``, ``verify``,
    ``head``, ``entries``, ``export``; usable as a context manager."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn

    @classmethod
    def open(cls, cache_path: str | Path, *, create: bool = True) -> "AuditLog":
        path = audit_path(cache_path)
        if not create and not path.exists():
            raise AuditError(f"{path}: no audit log (nothing has been recorded for {Path(cache_path).name})")
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            app = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app != APPLICATION_ID and tables:
                conn.close()
                raise AuditError(f"{path}: not a Sitmap audit log")
            if not tables:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("PRAGMA user_version = 1")
            conn.execute("PRAGMA synchronous = FULL")
            conn.executescript(SCHEMA)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > USER_VERSION:
                conn.close()
                raise AuditError(f"{path}: written by a newer Sitmap (audit log version {version}); it was left "
                                 f"as it is")
            if version < 2:
                conn.executescript(f"BEGIN IMMEDIATE;\n{SCHEMA_V2}\nPRAGMA user_version = 2;\nCOMMIT;")
        except sqlite3.Error as exc:
            raise AuditError(f"{path}: {exc}") from None
        return cls(path, conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "AuditLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def record(self, action: str, *, operator: str | None, purpose: str | None = None, case_ref: str | None = None,
               objects: Any = None, detail: Any = None) -> Entry:
        """Append one entry (in one transaction after the entry before it) and return it."""
        return self._append(action, operator=operator, purpose=purpose, case_ref=case_ref, objects=objects,
                            detail=detail)

    def _append(self, action: str, *, operator: str | None, purpose: str | None, case_ref: str | None,
                objects: Any, detail: Any, t_ms: int | None = None, workstation: str | None = None,
                txn: str | None = None) -> Entry | None:
        """Append one entry; with ``txn``, nothing (None) when an entry of that key is in the log."""
        if action not in ACTIONS:
            raise AuditError(f"audit action {action!r}: one of {', '.join(ACTIONS)}")
        objects, detail = _plain(objects, "objects"), _plain(detail if detail is not None else {}, "detail")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                if txn is not None and self.conn.execute("SELECT 1 FROM entries WHERE txn = ?", (txn,)).fetchone():
                    self.conn.execute("ROLLBACK")
                    return None
                row = self.conn.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
                fields = {"seq": row[0] + 1 if row else 1,
                          "t_ms": int(time.time() * 1000) if t_ms is None else int(t_ms),
                          "operator": operator or None, "purpose": purpose or None, "case_ref": case_ref or None,
                          "workstation": workstation or socket.gethostname(), "action": action, "objects": objects,
                          "detail": detail, "prev_hash": row[1] if row else GENESIS}
                entry = Entry(**fields, hash=entry_hash(fields))
                self.conn.execute(
                    "INSERT INTO entries (seq, t_ms, operator, purpose, case_ref, workstation, action, objects, "
                    "detail, prev_hash, hash, txn) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (entry.seq, entry.t_ms, entry.operator, entry.purpose, entry.case_ref, entry.workstation,
                     entry.action, canonical(objects).decode(), canonical(detail).decode(), entry.prev_hash,
                     entry.hash, txn))
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise AuditError(f"{self.path}: the audit entry could not be written: {exc}") from None
        return entry

    def drain(self, cache_conn: sqlite3.Connection) -> list[Entry]:
        """Move the entries staged in a cache's ``audit_outbox`` (desktop.cache.outbox) into
        this log, oldest first, each once (by its ``txn``), then delete them from the outbox.
        Returns the entries appended now. A cache without an outbox has nothing to move."""
        try:
            rows = cache_conn.execute(
                "SELECT id, txn, t_ms, workstation, operator, purpose, case_ref, action, objects, detail "
                "FROM audit_outbox ORDER BY id").fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise AuditError(f"{self.path}: the cache's staged audit entries cannot be read: {exc}") from None
        out: list[Entry] = []
        for oid, txn, t_ms, ws, op, purpose, case_ref, action, objects, detail in rows:
            try:
                objs, det = json.loads(objects), json.loads(detail)
            except ValueError:
                objs, det = {"not JSON": objects}, {"not JSON": detail}
            entry = self._append(action, operator=op, purpose=purpose, case_ref=case_ref, objects=objs,
                                 detail=det, t_ms=t_ms, workstation=ws, txn=txn)
            if entry is not None:
                out.append(entry)
            try:
                cache_conn.execute("DELETE FROM audit_outbox WHERE id = ?", (oid,))
            except sqlite3.Error as exc:
                raise AuditError(f"the staged audit entry {txn} was recorded but could not be cleared from the "
                                 f"cache ({exc}); it will not be recorded twice") from None
        return out

    def _rows(self, where: str = "", params: tuple = (), order: str = "seq", limit: int | None = None):
        sql = ("SELECT seq, t_ms, operator, purpose, case_ref, workstation, action, objects, detail, prev_hash, hash "
               f"FROM entries {where} ORDER BY {order}" + (" LIMIT ?" if limit is not None else ""))
        try:
            cur = self.conn.execute(sql, params + ((limit,) if limit is not None else ()))
            for r in cur:
                yield r
        except sqlite3.Error as exc:
            raise AuditError(f"{self.path}: {exc}") from None

    @staticmethod
    def _entry(r) -> dict:
        d = dict(zip((*FIELDS, "hash"), r))
        for k in ("objects", "detail"):
            try:
                value = json.loads(d[k])
            except (TypeError, ValueError):
                value = d[k]  # not JSON any more: the hash will say so
            d[k] = value if canonical(value).decode() == d[k] else {"not canonical": d[k]}
        return d

    def entries(self, *, action: str | None = None, operator: str | None = None, t_from: int | None = None,
                t_to: int | None = None, limit: int | None = None, newest_first: bool = False) -> list[Entry]:
        conds, params = [], []
        for cond, value in (("action = ?", action), ("operator = ?", operator), ("t_ms >= ?", t_from),
                            ("t_ms < ?", t_to)):
            if value is not None:
                conds.append(cond)
                params.append(value)
        where = ("WHERE " + " AND ".join(conds)) if conds else ""
        rows = self._rows(where, tuple(params), "seq DESC" if newest_first else "seq", limit)
        return [Entry(**self._entry(r)) for r in rows]

    def head(self) -> tuple[int, str] | None:
        """The newest entry's (seq, hash), or None for an empty log."""
        row = self.conn.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else None

    def verify(self, head: str | None = None) -> VerifyResult:
        """Recompute the chain; name the first entry altered, removed or reordered, and check that
        ``head`` (``HASH`` or ``SEQ:HASH``, as noted earlier) is one of its entries."""
        return verify_entries((self._entry(r) for r in self._rows()), head=head)

    def export(self, path: str | Path, t_from: int | None = None, t_to: int | None = None) -> int:
        """Write the entries (optionally ``t_from <= t_ms < t_to``) as JSON lines, each the entry's
        canonical JSON with its hash; the file appears only when complete. Returns the count."""
        out = Path(path)
        if not out.parent.is_dir():
            raise AuditError(f"{out}: the folder {out.parent} does not exist")
        fd, tmp = tempfile.mkstemp(prefix=".audit-", suffix=".jsonl", dir=out.parent)
        n = 0
        try:
            with os.fdopen(fd, "w", encoding="ascii", newline="\n") as fh:
                for e in self.entries(t_from=t_from, t_to=t_to):
                    fh.write(canonical(e.as_dict()).decode() + "\n")
                    n += 1
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return n


def reconcile(cache_path: str | Path) -> list[Entry]:
    """Move what a cache's outbox still holds into its audit log (after Sitmap stopped
    between a change and its entry). Cheap when there is nothing: one query. A cache file
    that does not exist, or predates the outbox, has nothing to move."""
    p = Path(cache_path)
    if not p.exists():
        return []
    try:
        conn = sqlite3.connect(p, isolation_level=None, timeout=30)
    except sqlite3.Error:
        return []
    try:
        try:
            waiting = conn.execute("SELECT count(*) FROM audit_outbox").fetchone()[0]
        except sqlite3.Error:
            return []
        if not waiting:
            return []
        with AuditLog.open(p) as log:
            return log.drain(conn)
    finally:
        conn.close()
