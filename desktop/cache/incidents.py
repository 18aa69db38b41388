"""Incidents in the cache: a named event the commander tracks, its items and its log.

An incident has a state (open, monitoring, closed), a priority, a place (a point or a
GeoJSON area, both optional), the items that belong to it and a running log: every
change (opened, items added or removed, state changes) is written there with who made
it, next to the notes and task replies. Unknown incidents or items raise
:class:`~desktop.core.triage.TriageError` naming them, and nothing is changed.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Iterable

from desktop.cache.triage import check_by, check_items, clean_ids, now_ms, transaction
from desktop.core.triage import INCIDENT_STATES, TriageError, check_priority

_COLUMNS = ("id", "name", "state", "priority", "lat", "lon", "area", "created_ms", "created_by", "updated_ms",
            "closed_ms")


def _ids_text(ids: list[int]) -> str:
    return ", ".join(map(str, ids[:10])) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")


def _get(conn: sqlite3.Connection, incident_id: int) -> dict:
    if isinstance(incident_id, bool) or not isinstance(incident_id, int):
        try:
            incident_id = int(incident_id)
        except (TypeError, ValueError):
            raise TriageError(f"incident id {incident_id!r} is not a number") from None
    r = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM incidents WHERE id = ?", (incident_id,)).fetchone()
    if r is None:
        raise TriageError(f"no incident with id {incident_id}")
    d = dict(zip(_COLUMNS, r))
    d["area"] = json.loads(d["area"]) if d["area"] else None
    return d


def _check_place(lat, lon, area) -> str | None:
    if (lat is None) != (lon is None):
        raise TriageError("an incident's point needs both latitude and longitude")
    if lat is not None and not (-90 <= float(lat) <= 90 and -180 <= float(lon) <= 180):
        raise TriageError(f"point {lat},{lon} is not latitude,longitude in degrees")
    if area is None:
        return None
    from desktop.core.geo import area_from_geojson

    try:
        area_from_geojson("incident area", area)  # a polygon in degrees, or GeoError
    except Exception as exc:  # GeoError and its kin: the message says what is wrong
        raise TriageError(str(exc)) from None
    return json.dumps(area, ensure_ascii=False)


def _log(conn: sqlite3.Connection, incident_id: int, text: str, by: str, kind: str, t: int,
         item_id: int | None = None, task_id: int | None = None) -> int:
    cur = conn.execute("INSERT INTO incident_log (incident_id, t_ms, by, kind, text, item_id, task_id) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", (incident_id, t, by, kind, text, item_id, task_id))
    conn.execute("UPDATE incidents SET updated_ms = ? WHERE id = ?", (t, incident_id))
    return int(cur.lastrowid)


def create(conn: sqlite3.Connection, name: str, *, by: str, item_ids: Iterable[int] = (), lat: float | None = None,
           lon: float | None = None, area: dict | None = None, priority: str = "routine",
           t_ms: int | None = None) -> int:
    """A new open incident; returns its id. ``area`` is a GeoJSON geometry (WGS84)."""
    by = check_by(by)
    name = (name or "").strip()
    if not name:
        raise TriageError("an incident needs a name")
    if name.isdigit():
        raise TriageError(f"incident name {name!r}: a name of digits only would read as an id")
    check_priority(priority)
    area_json = _check_place(lat, lon, area)
    ids = clean_ids(item_ids)
    t = now_ms() if t_ms is None else int(t_ms)
    with transaction(conn):
        clash = conn.execute("SELECT id FROM incidents WHERE name = ? AND state != 'closed'", (name,)).fetchone()
        if clash:
            raise TriageError(f"incident {clash[0]} is already named {name!r} and not closed")
        if ids:
            check_items(conn, ids)
        cur = conn.execute("INSERT INTO incidents (name, state, priority, lat, lon, area, created_ms, created_by, "
                           "updated_ms) VALUES (?, 'open', ?, ?, ?, ?, ?, ?, ?)",
                           (name, priority, lat, lon, area_json, t, by, t))
        iid = int(cur.lastrowid)
        _log(conn, iid, f"opened ({priority})", by, "state", t)
        if ids:
            _add(conn, iid, ids, by, t)
    return iid


def _add(conn: sqlite3.Connection, incident_id: int, ids: list[int], by: str, t: int) -> list[int]:
    have = set(items_of(conn, incident_id))
    new = [i for i in ids if i not in have]
    conn.executemany("INSERT INTO incident_items (incident_id, item_id, added_ms, added_by) VALUES (?, ?, ?, ?)",
                     [(incident_id, i, t, by) for i in new])
    if new:
        _log(conn, incident_id, f"added item{'s' if len(new) > 1 else ''} {_ids_text(new)}", by, "items", t,
             item_id=new[0] if len(new) == 1 else None)
    return new


def add_items(conn: sqlite3.Connection, incident_id: int, item_ids: Iterable[int], *, by: str,
              t_ms: int | None = None) -> list[int]:
    """Add items to an incident (those already in it are left as they are); returns the ids added."""
    by = check_by(by)
    ids = clean_ids(item_ids)
    if not ids:
        raise TriageError("no items to add")
    t = now_ms() if t_ms is None else int(t_ms)
    with transaction(conn):
        inc = _get(conn, incident_id)
        if inc["state"] == "closed":
            raise TriageError(f"incident {inc['id']} ({inc['name']}) is closed; reopen it to add items")
        check_items(conn, ids)
        return _add(conn, inc["id"], ids, by, t)


def remove_items(conn: sqlite3.Connection, incident_id: int, item_ids: Iterable[int], *, by: str,
                 t_ms: int | None = None) -> list[int]:
    """Take items out of an incident; every id must be in it."""
    by = check_by(by)
    ids = clean_ids(item_ids)
    if not ids:
        raise TriageError("no items to remove")
    t = now_ms() if t_ms is None else int(t_ms)
    with transaction(conn):
        inc = _get(conn, incident_id)
        have = set(items_of(conn, inc["id"]))
        missing = [i for i in ids if i not in have]
        if missing:
            raise TriageError(f"item {_ids_text(missing)} not in incident {inc['id']} ({inc['name']}); nothing was changed")
        conn.executemany("DELETE FROM incident_items WHERE incident_id = ? AND item_id = ?", [(inc["id"], i) for i in ids])
        _log(conn, inc["id"], f"removed item{'s' if len(ids) > 1 else ''} {_ids_text(ids)}", by, "items", t,
             item_id=ids[0] if len(ids) == 1 else None)
    return ids


def set_state(conn: sqlite3.Connection, incident_id: int, state: str, *, by: str, note: str | None = None,
              t_ms: int | None = None) -> None:
    """Move an incident to ``state`` (open, monitoring, closed), with a line in its log."""
    by = check_by(by)
    if state not in INCIDENT_STATES:
        raise TriageError(f"unknown incident state {state!r}: use one of {', '.join(INCIDENT_STATES)}")
    t = now_ms() if t_ms is None else int(t_ms)
    with transaction(conn):
        inc = _get(conn, incident_id)
        if inc["state"] == state:
            raise TriageError(f"incident {inc['id']} ({inc['name']}) is already {state}")
        conn.execute("UPDATE incidents SET state = ?, closed_ms = ? WHERE id = ?",
                     (state, t if state == "closed" else None, inc["id"]))
        text = f"{inc['state']} → {state}" + (f": {note.strip()}" if note and note.strip() else "")
        _log(conn, inc["id"], text, by, "state", t)


def set_priority(conn: sqlite3.Connection, incident_id: int, priority: str, *, by: str,
                 t_ms: int | None = None) -> None:
    by = check_by(by)
    check_priority(priority)
    t = now_ms() if t_ms is None else int(t_ms)
    with transaction(conn):
        inc = _get(conn, incident_id)
        if inc["priority"] != priority:
            conn.execute("UPDATE incidents SET priority = ? WHERE id = ?", (priority, inc["id"]))
            _log(conn, inc["id"], f"priority {inc['priority']} → {priority}", by, "state", t)


def log(conn: sqlite3.Connection, incident_id: int, text: str, *, by: str, kind: str = "note",
        item_id: int | None = None, task_id: int | None = None, t_ms: int | None = None) -> int:
    """A line in the incident's log; returns its id."""
    by = check_by(by)
    text = (text or "").strip()
    if not text:
        raise TriageError("a log entry needs text")
    t = now_ms() if t_ms is None else int(t_ms)
    with transaction(conn):
        inc = _get(conn, incident_id)
        if item_id is not None:
            check_items(conn, [int(item_id)])
        if task_id is not None and not conn.execute("SELECT 1 FROM tasks WHERE id = ?", (int(task_id),)).fetchone():
            raise TriageError(f"no task with id {task_id}")
        return _log(conn, inc["id"], text, by, kind, t, item_id, task_id)


def get(conn: sqlite3.Connection, incident_id: int) -> dict:
    """One incident's row (area decoded); TriageError when there is none."""
    return _get(conn, incident_id)


def find(conn: sqlite3.Connection, name_or_id: str | int) -> dict | None:
    """An incident by id, or by name (one not closed first, then the newest)."""
    if isinstance(name_or_id, int) and not isinstance(name_or_id, bool):
        key: str | None = None
        iid: int | None = name_or_id
    else:
        key = str(name_or_id).strip()
        iid = int(key) if key.isdigit() else None
    if iid is not None:
        try:
            return _get(conn, iid)
        except TriageError:
            if key is None:
                return None
    r = conn.execute("SELECT id FROM incidents WHERE name = ? ORDER BY state = 'closed', id DESC LIMIT 1",
                     (key,)).fetchone()
    return _get(conn, r[0]) if r else None


def resolve(conn: sqlite3.Connection, name_or_id: str | int) -> dict:
    """:func:`find`, or TriageError naming what was asked for."""
    inc = find(conn, name_or_id)
    if inc is None:
        raise TriageError(f"no incident named or numbered {str(name_or_id)!r}")
    return inc


def list_incidents(conn: sqlite3.Connection, states: Iterable[str] | None = ("open", "monitoring")) -> list[dict]:
    """Incidents in these states (None: all), most urgent and most recently changed first,
    each with ``items`` (how many) and ``latest_ms`` (its newest item's time)."""
    sql = (f"SELECT {', '.join('n.' + c for c in _COLUMNS)}, "
           "(SELECT count(*) FROM incident_items x WHERE x.incident_id = n.id), "
           "(SELECT max(i.t_ms) FROM incident_items x JOIN items i ON i.id = x.item_id WHERE x.incident_id = n.id) "
           "FROM incidents n")
    params: list = []
    if states is not None:
        states = tuple(states)
        for s in states:
            if s not in INCIDENT_STATES:
                raise TriageError(f"unknown incident state {s!r}: use one of {', '.join(INCIDENT_STATES)}")
        sql += f" WHERE n.state IN ({','.join('?' * len(states))})"
        params += list(states)
    sql += (" ORDER BY n.state = 'closed', CASE n.priority WHEN 'critical' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END, "
            "n.updated_ms DESC, n.id DESC")
    out = []
    for r in conn.execute(sql, params):
        d = dict(zip(_COLUMNS + ("items", "latest_ms"), r))
        d["area"] = json.loads(d["area"]) if d["area"] else None
        out.append(d)
    return out


def items_of(conn: sqlite3.Connection, incident_id: int) -> list[int]:
    """The incident's item ids, in time order."""
    _get(conn, incident_id)
    return [r[0] for r in conn.execute(
        "SELECT x.item_id FROM incident_items x LEFT JOIN items i ON i.id = x.item_id WHERE x.incident_id = ? "
        "ORDER BY i.t_ms, x.item_id", (int(incident_id),))]


def log_of(conn: sqlite3.Connection, incident_id: int) -> list[dict]:
    """The incident's log, oldest first."""
    _get(conn, incident_id)
    keys = ("id", "incident_id", "t_ms", "by", "kind", "text", "item_id", "task_id")
    return [dict(zip(keys, r)) for r in conn.execute(
        f"SELECT {', '.join(keys)} FROM incident_log WHERE incident_id = ? ORDER BY id", (int(incident_id),))]


def names(conn: sqlite3.Connection, incident_ids: Iterable[int]) -> dict[int, str]:
    ids = clean_ids(incident_ids, "incident")
    if not ids:
        return {}
    return dict(conn.execute(f"SELECT id, name FROM incidents WHERE id IN ({','.join('?' * len(ids))})", ids))


__all__ = ["add_items", "create", "find", "get", "items_of", "list_incidents", "log", "log_of", "names",
           "remove_items", "resolve", "set_priority", "set_state"]
