"""A workstation's sync state, kept in the cache's ``meta`` table so that it commits in the
same transaction as the rows it describes (a stop between the two cannot split them).

Keys (``<store>`` is the shared store's id from ``sitmap_schema``, so one cache can meet
two stores without mixing their cursors):

- ``sync.workstation``: this cache's workstation id (host name and a random suffix), made
  once; every row it pushes carries it.
- ``sync.<store>.cursor``: the last shared ``seq`` pulled.
- ``sync.<store>.out.<table>``: the highest local id of ``<table>`` already pushed (the
  outgoing cursor: a watermark per append-mostly table).
- ``sync.<store>.pulled.<table>``: JSON ``[[lo, hi], …]``, the local id ranges written by
  pulls above the watermark (those rows came from the store and are not pushed back).
  Items need none: pulled items are in batches of format ``sync``.
- ``sync.<store>.inc.s<shared id>`` / ``sync.<store>.inc.l<local id>``: an incident
  opened elsewhere, its local id and its shared ``uid``.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import uuid

TRACKED = ("items", "triage_history", "incident_log", "areas", "alert_rules", "gazetteer", "audit")


def get(conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default


def put(conn: sqlite3.Connection, key: str, value) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                 (key, str(value)))


def workstation(conn: sqlite3.Connection) -> str:
    """This cache's workstation id, made on first use (commits by itself when outside a transaction)."""
    ws = get(conn, "sync.workstation")
    if ws:
        return ws
    ws = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('sync.workstation', ?)", (ws,))
    return get(conn, "sync.workstation") or ws


class State:
    """The keys of one (cache, store) pair; reads and writes go through the cache connection."""

    def __init__(self, conn: sqlite3.Connection, store_id: str):
        self.conn = conn
        self.prefix = f"sync.{store_id}."

    def get_key(self, name: str) -> str | None:
        return get(self.conn, self.prefix + name)

    def put_key(self, name: str, value) -> None:
        put(self.conn, self.prefix + name, value)

    def cursor(self) -> int:
        return int(get(self.conn, self.prefix + "cursor", "0") or 0)

    def set_cursor(self, seq: int) -> None:
        put(self.conn, self.prefix + "cursor", int(seq))

    def out(self, table: str) -> int:
        return int(get(self.conn, f"{self.prefix}out.{table}", "0") or 0)

    def set_out(self, table: str, local_id: int) -> None:
        put(self.conn, f"{self.prefix}out.{table}", int(local_id))
        # Ranges at or below the watermark are no longer needed to tell pulled rows apart.
        kept = [r for r in self.pulled(table) if r[1] > local_id]
        self._set_pulled(table, kept)

    def pulled(self, table: str) -> list[list[int]]:
        raw = get(self.conn, f"{self.prefix}pulled.{table}")
        return json.loads(raw) if raw else []

    def _set_pulled(self, table: str, ranges: list[list[int]]) -> None:
        if ranges or get(self.conn, f"{self.prefix}pulled.{table}") is not None:
            put(self.conn, f"{self.prefix}pulled.{table}", json.dumps(ranges))

    def add_pulled(self, table: str, lo: int, hi: int) -> None:
        """Local ids lo..hi of ``table`` were written by a pull (call inside its transaction)."""
        ranges = self.pulled(table)
        if ranges and ranges[-1][1] + 1 >= lo:
            ranges[-1][1] = max(ranges[-1][1], hi)
        else:
            ranges.append([lo, hi])
        self._set_pulled(table, ranges)

    def not_pulled_sql(self, table: str, column: str = "id") -> tuple[str, list]:
        """An SQL condition (and its parameters) true for rows of ``table`` made on this workstation."""
        conds, params = [], []
        for lo, hi in self.pulled(table):
            conds.append(f"NOT ({column} BETWEEN ? AND ?)")
            params += [lo, hi]
        return (" AND ".join(conds) or "1"), params

    def incident_local(self, shared_id: int) -> int | None:
        v = get(self.conn, f"{self.prefix}inc.s{int(shared_id)}")
        return int(v) if v else None

    def incident_uid(self, local_id: int, ws: str) -> str:
        """The shared uid of a local incident: its own (workstation:id), or the one it was pulled with."""
        return get(self.conn, f"{self.prefix}inc.l{int(local_id)}") or f"{ws}:{int(local_id)}"

    def map_incident(self, shared_id: int, local_id: int, uid: str) -> None:
        put(self.conn, f"{self.prefix}inc.s{int(shared_id)}", int(local_id))
        put(self.conn, f"{self.prefix}inc.l{int(local_id)}", uid)
