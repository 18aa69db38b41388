"""Fired alerts through the shared store.

An alert fired on one workstation (or on a headless ingest node, ``sitmap listen
--shared``) reaches every workstation of the command post: a workstation whose map shows
items pulled from the store does not evaluate its rules over them (its engine hears only
its own commits), so without this the commander would never hear an alert the ingest node
raised.

Pushed: each new local alert (by an id watermark, ``out.alerts``), with its rule's name and
kind and its items named by source and source id (``alert_items`` in the store refers to
the store's items, so an erasure there takes the reference with the item); later, its
clearing (by a ``cleared_ms`` watermark, ``out.alerts_cleared``). An alert waits while one
of its items has not gone up yet.

Pulled: a new alert from elsewhere is stored in the cache's ``alerts`` without a local rule
(``rule_id`` NULL: this workstation's engine keeps its own episodes, and never clears or
repeats another workstation's), with the items the cache holds; the meta key
``sync.<store>.alert.l<local id>`` keeps where it came from (workstation, rule, operator)
and ``…alert.s<shared id>`` its local id, so a later clearing finds it. Pulled alerts are
never pushed back.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

CHUNK = 2000  # alerts per push


@dataclass(frozen=True)
class Elsewhere:
    """An alert fired or cleared on another workstation, as this cache stored it."""

    local_id: int
    workstation: str
    operator: str | None
    rule_name: str
    kind: str
    t_ms: int
    area_name: str | None
    message: str
    item_ids: tuple[int, ...]
    episode: str
    cleared_ms: int | None
    new: bool  # fired (True) or cleared (False)


def origin(link_or_state, local_id: int) -> dict | None:
    """Where a pulled alert came from: ``{"s": shared id, "ws", "rule", "kind", "by"}``, or None
    for this workstation's own."""
    st = getattr(link_or_state, "state", link_or_state)
    raw = st.get_key(f"alert.l{int(local_id)}")
    return json.loads(raw) if raw else None


def _pulled_ids(link) -> set[int]:
    conn, prefix = link.cache.conn, link.state.prefix + "alert.l"
    return {int(k[len(prefix):]) for (k,) in conn.execute("SELECT key FROM meta WHERE key >= ? AND key < ?",
                                                          (prefix, prefix + "\uffff"))}


def _has_alerts(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'alerts'").fetchone() is not None


_SELECT = ("SELECT a.id, coalesce(r.name, ''), coalesce(r.kind, ''), a.episode, a.t_ms, a.area_name, a.message, "
           "a.item_ids, a.cleared_ms FROM alerts a LEFT JOIN alert_rules r ON r.id = a.rule_id ")


def _keys(conn: sqlite3.Connection, item_ids_json: str | None) -> list[tuple[int, str, str, int | None]]:
    """(local id, source, source id, batch id) of an alert's items that the cache still holds."""
    out = []
    for i in json.loads(item_ids_json or "[]"):
        k = conn.execute("SELECT source, source_id, batch_id FROM items WHERE id = ?", (int(i),)).fetchone()
        if k is not None and k[1] is not None:
            out.append((int(i), k[0], k[1], k[2]))
    return out


def _named(row: tuple, keys: list) -> tuple:
    return row + (json.dumps([[s, k] for _i, s, k, _b in keys], ensure_ascii=False),)


def _outgoing(link, pushed_items: int) -> tuple[list[tuple], int | None, int | None]:
    """(rows to push, the new-alert watermark, the cleared watermark); None: unchanged."""
    conn, st = link.cache.conn, link.state
    if not _has_alerts(conn):
        return [], None, None
    lo, cleared_to = st.out("alerts"), st.out("alerts_cleared")
    pulled = _pulled_ids(link)
    sync_batches = {b for (b,) in conn.execute("SELECT id FROM batches WHERE format = 'sync'")}
    rows, hi = [], None
    for r in conn.execute(_SELECT + "WHERE a.id > ? ORDER BY a.id LIMIT ?", (lo, CHUNK)).fetchall():
        if r[0] in pulled:  # came from the store: not sent back
            hi = int(r[0])
            continue
        keys = _keys(conn, r[7])
        if any(i > pushed_items and b not in sync_batches for i, _s, _k, b in keys):
            break  # an item of this alert has not gone up yet: the alert waits for it
        rows.append(_named(r, keys))
        hi = int(r[0])
    for r in conn.execute(_SELECT + "WHERE a.id <= ? AND a.cleared_ms > ? ORDER BY a.id", (lo, cleared_to)).fetchall():
        if r[0] not in pulled:
            rows.append(_named(r, _keys(conn, r[7])))
    top = max((int(r[8]) for r in rows if r[8] is not None), default=cleared_to)
    return rows, hi, (top if top > cleared_to else None)


def waiting(link) -> int:
    conn, st = link.cache.conn, link.state
    if not _has_alerts(conn):
        return 0
    mine = _pulled_ids(link)
    rows = conn.execute("SELECT id FROM alerts WHERE id > ? OR cleared_ms > ?",
                        (st.out("alerts"), st.out("alerts_cleared"))).fetchall()
    return sum(1 for (i,) in rows if i not in mine)


def push(link, cur, out, marks: dict, copy, log_changes) -> None:
    """Inside the push's transaction, after the items."""
    pushed_items = marks.get("items", link.state.out("items"))
    rows, hi, cleared = _outgoing(link, pushed_items)
    if rows:
        cols = ("local_id", "rule_name", "kind", "episode", "t_ms", "area_name", "message", "item_ids", "cleared_ms",
                "items")
        copy(cur, "tmp_alerts", cols, ("bigint", "text", "text", "text", "bigint", "text", "text", "text", "bigint",
                                       "text"), rows)
        ins = cur.execute(
            "INSERT INTO alerts (seq, workstation, local_id, rule_name, kind, episode, t_ms, area_name, message, "
            "cleared_ms, operator) SELECT nextval('sitmap_seq'), %s, local_id, rule_name, kind, episode, t_ms, "
            "area_name, message, cleared_ms, %s FROM tmp_alerts ORDER BY local_id ON CONFLICT (workstation, local_id) "
            "DO UPDATE SET cleared_ms = excluded.cleared_ms, seq = excluded.seq "
            "WHERE alerts.cleared_ms IS DISTINCT FROM excluded.cleared_ms RETURNING id, seq",
            (link.ws, link.operator)).fetchall()
        cur.execute(
            "INSERT INTO alert_items (alert_id, item_id) SELECT a.id, i.id FROM tmp_alerts t JOIN alerts a "
            "ON a.workstation = %s AND a.local_id = t.local_id CROSS JOIN LATERAL jsonb_array_elements(t.items::jsonb) e "
            "JOIN items i ON i.source = e->>0 AND i.source_id = e->>1 ON CONFLICT DO NOTHING", (link.ws,))
        out.counts["alerts"] = log_changes(cur, "alerts", link.ws, link.operator, ins)
    if hi is not None:
        marks["alerts"] = hi
    if cleared is not None:
        marks["alerts_cleared"] = cleared


def fetch(cur, ids: list[int]) -> list[tuple]:
    return cur.execute(
        "SELECT a.id, a.workstation, a.operator, a.rule_name, a.kind, a.episode, a.t_ms, a.area_name, a.message, "
        "a.cleared_ms, coalesce((SELECT jsonb_agg(jsonb_build_array(i.source, i.source_id)) FROM alert_items x "
        "JOIN items i ON i.id = x.item_id WHERE x.alert_id = a.id), '[]'::jsonb) FROM alerts a "
        "WHERE a.id = ANY(%s) ORDER BY a.seq", (ids,)).fetchall()


def apply(link, rows: list[tuple], out) -> list[Elsewhere]:
    """Inside the pull's transaction, after the items (the alerts' items are then here)."""
    if not rows or not _has_alerts(link.cache.conn):
        return []
    conn, st = link.cache.conn, link.state
    said: list[Elsewhere] = []
    for sid, ws, by, rule, kind, episode, t_ms, area, message, cleared_ms, items in rows:
        keys = items if isinstance(items, list) else json.loads(items or "[]")
        local_ids = []
        for source, source_id in keys:
            r = conn.execute("SELECT id FROM items WHERE source = ? AND source_id = ?", (source, source_id)).fetchone()
            if r is not None:
                local_ids.append(int(r[0]))
        known = st.get_key(f"alert.s{int(sid)}")
        if known is not None:
            local = int(known)
            row = conn.execute("SELECT cleared_ms FROM alerts WHERE id = ?", (local,)).fetchone()
            if row is None or row[0] == cleared_ms:
                continue
            conn.execute("UPDATE alerts SET cleared_ms = ? WHERE id = ?", (cleared_ms, local))
            new = False
        else:
            cur = conn.execute("INSERT INTO alerts (rule_id, episode, t_ms, area_name, message, item_ids, cleared_ms) "
                               "VALUES (NULL, ?, ?, ?, ?, ?, ?)",
                               (episode, t_ms, area, message, json.dumps(local_ids), cleared_ms))
            local = int(cur.lastrowid)
            st.put_key(f"alert.s{int(sid)}", local)
            st.put_key(f"alert.l{local}", json.dumps({"s": int(sid), "ws": ws, "rule": rule, "kind": kind, "by": by},
                                                     ensure_ascii=False))
            new = True
        out.counts["alerts"] = out.counts.get("alerts", 0) + 1
        said.append(Elsewhere(local, ws, by, rule, kind, int(t_ms), area, message, tuple(local_ids), episode,
                              cleared_ms, new))
    return said
