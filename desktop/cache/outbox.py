"""Audit entries staged in the cache, in the same transaction as the change they describe.

An erasure, a purge or an import commits its rows and its audit entry together: the
entry goes into the cache's ``audit_outbox`` table inside the caller's transaction
(:func:`stage`), and is moved into the audit log beside the cache right after, by
``desktop.audit.AuditLog.drain``. If Sitmap stops in between, the entry waits in the
outbox and is moved at the next start (``desktop.audit.reconcile``); each staged entry
carries a ``txn`` key, so moving it twice records it once. Either both the change and its
entry exist, or neither does. docs/ARCHITECTURE.md ("The audit trail") explains why this
rather than one transaction over two attached files: SQLite does not commit a
transaction atomically across attached databases in WAL mode.
"""

from __future__ import annotations

import socket
import sqlite3
import time
import uuid
from dataclasses import dataclass
from typing import Any

from desktop.core.canonical import canonical, plain

ACTIONS = ("collect", "consult", "alter", "disclose", "erase", "session")


@dataclass(frozen=True)
class Who:
    """Who acts and why: written with every audit entry."""

    operator: str | None = None
    purpose: str | None = None
    case_ref: str | None = None


@dataclass(frozen=True)
class Staged:
    """An audit entry to be committed with a change: the action, who, and what it touches.
    A write path completes ``objects`` and ``detail`` with what it did (counts, ids)."""

    action: str
    who: Who = Who()
    objects: Any = None
    detail: Any = None


def stage(conn: sqlite3.Connection, entry: Staged, *, objects: Any = None, detail: Any = None) -> str:
    """Add ``entry`` to the outbox inside the open transaction of ``conn``; ``objects`` and
    ``detail`` (dicts) are merged over the entry's own. Returns the entry's ``txn`` key."""
    if entry.action not in ACTIONS:
        raise ValueError(f"audit action {entry.action!r}: one of {', '.join(ACTIONS)}")
    if not conn.in_transaction:
        raise RuntimeError("an audit entry is staged inside the transaction of the change it describes")

    def merged(base: Any, more: Any) -> Any:
        if more is None:
            return base
        if base is None:
            return more
        if isinstance(base, dict) and isinstance(more, dict):
            return {**base, **more}
        raise TypeError("objects and detail are merged as objects")

    objs = plain(merged(entry.objects, objects), "objects")
    det = plain(merged(entry.detail, detail) or {}, "detail")
    txn = uuid.uuid4().hex
    conn.execute(
        "INSERT INTO audit_outbox (txn, t_ms, workstation, operator, purpose, case_ref, action, objects, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (txn, int(time.time() * 1000), socket.gethostname(), entry.who.operator or None, entry.who.purpose or None,
         entry.who.case_ref or None, entry.action, canonical(objs).decode(), canonical(det).decode()))
    return txn


def pending(conn: sqlite3.Connection) -> int:
    """How many staged entries wait to be moved into the audit log."""
    try:
        return conn.execute("SELECT count(*) FROM audit_outbox").fetchone()[0]
    except sqlite3.OperationalError:  # a cache from before schema 4
        return 0
