"""Tasks in the cache: an item or incident assigned to a field unit over TAK, and what
came back from the unit.

A task has a short ``code`` (``T-4F2A``) that Sitmap puts in every message about it and
the ``message_id`` of the GeoChat that carried it (delivery and read receipts name it).
Its state only moves forward, ``sent`` → ``delivered`` → ``acknowledged`` →
``on_scene`` → ``done`` (or ``cancelled``); each step's time is kept the first time it
is reached, so a late delivery receipt after the unit's answer fills in the delivery
time but leaves the task acknowledged. Unknown tasks or states raise
:class:`TaskError` naming them, and nothing is changed.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import uuid

from desktop.cache.triage import check_by, now_ms, transaction
from desktop.core.triage import TriageError

STATES = ("sent", "delivered", "acknowledged", "on_scene", "done", "cancelled")
STEPS = ("sent", "delivered", "acknowledged", "on_scene", "done")  # in order; cancelled ends any of them
OPEN_STATES = ("sent", "delivered", "acknowledged", "on_scene")
TIME_COLUMN = {"sent": "sent_ms", "delivered": "delivered_ms", "acknowledged": "acknowledged_ms",
               "on_scene": "on_scene_ms", "done": "done_ms"}
_COLUMNS = ("id", "code", "incident_id", "item_id", "unit_uid", "callsign", "text", "lat", "lon", "radius_m",
            "message_id", "state", "sent_ms", "sent_by", "delivered_ms", "acknowledged_ms", "on_scene_ms",
            "done_ms", "reply")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM tasks"
MAX_TEXT = 2000
# What XML cannot carry (control characters but tab/newline, surrogates, U+FFFE/U+FFFF): a
# task's text goes out over CoT, so it is stored as it will be sent.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def plain(text: str | None) -> str:
    return _NOT_TEXT.sub("", text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


class TaskError(TriageError):
    """A task request that cannot be carried out; the message says why."""


def _row(r: tuple | None) -> dict | None:
    return None if r is None else dict(zip(_COLUMNS, r))


def new_code(conn: sqlite3.Connection) -> str:
    """A code no task has yet: ``T-`` and four hex digits (six once four get crowded)."""
    for attempt in range(64):
        code = f"T-{secrets.token_hex(2 if attempt < 32 else 3).upper()}"
        if conn.execute("SELECT 1 FROM tasks WHERE code = ?", (code,)).fetchone() is None:
            return code
    raise TaskError("no free task code found")  # 64 collisions in a row: practically never


def create(conn: sqlite3.Connection, *, unit_uid: str, callsign: str | None, text: str, lat: float | None,
           lon: float | None, by: str, incident_id: int | None = None, item_id: int | None = None,
           radius_m: float = 100.0, t_ms: int | None = None) -> dict:
    """A new task in state ``sent``; returns it (with its new ``code`` and ``message_id``)."""
    by = check_by(by)
    unit_uid = plain(unit_uid)
    if not unit_uid:
        raise TaskError("a task needs the uid of the unit it goes to")
    callsign = plain(callsign)
    text = plain(text)
    if not text:
        raise TaskError("a task needs text saying what to do")
    if len(text) > MAX_TEXT:
        raise TaskError(f"task text is longer than {MAX_TEXT} characters")
    if (lat is None) != (lon is None):
        raise TaskError("a task's place needs both latitude and longitude")
    if lat is not None and not (-90 <= float(lat) <= 90 and -180 <= float(lon) <= 180):
        raise TaskError(f"point {lat},{lon} is not latitude,longitude in degrees")
    try:
        radius = float(radius_m)
    except (TypeError, ValueError):
        raise TaskError(f"radius {radius_m!r} is not a number") from None
    if not (0 < radius <= 100_000):
        raise TaskError(f"radius {radius_m!r} m is not between 0 and 100 km")
    t = now_ms() if t_ms is None else int(t_ms)
    with transaction(conn):
        if incident_id is not None and not conn.execute(
                "SELECT 1 FROM incidents WHERE id = ?", (int(incident_id),)).fetchone():
            raise TaskError(f"no incident with id {incident_id}")
        if item_id is not None and not conn.execute("SELECT 1 FROM items WHERE id = ?", (int(item_id),)).fetchone():
            raise TaskError(f"no item with id {item_id}")
        code = new_code(conn)
        cur = conn.execute(
            "INSERT INTO tasks (code, incident_id, item_id, unit_uid, callsign, text, lat, lon, radius_m, message_id, "
            "state, sent_ms, sent_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?)",
            (code, None if incident_id is None else int(incident_id), None if item_id is None else int(item_id),
             unit_uid, (callsign or "").strip() or None, text, None if lat is None else float(lat),
             None if lon is None else float(lon), radius, str(uuid.uuid4()), t, by))
        return get(conn, int(cur.lastrowid))


def get(conn: sqlite3.Connection, task_id_or_code: int | str) -> dict | None:
    """The task with this id or code (``T-4F2A``, any case), or None."""
    if isinstance(task_id_or_code, bool):
        return None
    if isinstance(task_id_or_code, int):
        return _row(conn.execute(f"{_SELECT} WHERE id = ?", (task_id_or_code,)).fetchone())
    s = str(task_id_or_code).strip()
    if s.isdigit():
        return _row(conn.execute(f"{_SELECT} WHERE id = ?", (int(s),)).fetchone())
    return _row(conn.execute(f"{_SELECT} WHERE code = ?", (s.upper(),)).fetchone())


def by_message_id(conn: sqlite3.Connection, mid: str | None) -> dict | None:
    """The task whose GeoChat had this messageId, or None."""
    if not mid:
        return None
    return _row(conn.execute(f"{_SELECT} WHERE message_id = ?", (str(mid).strip(),)).fetchone())


def open_tasks(conn: sqlite3.Connection, unit_uid: str | list[str] | tuple[str, ...] | None = None) -> list[dict]:
    """Tasks not yet done or cancelled (of one unit, or of any of several), oldest first."""
    states = ",".join("?" * len(OPEN_STATES))
    if unit_uid is None:
        rows = conn.execute(f"{_SELECT} WHERE state IN ({states}) ORDER BY sent_ms, id", OPEN_STATES)
    else:
        uids = [unit_uid] if isinstance(unit_uid, str) else list(unit_uid)[:900]
        if not uids:
            return []
        rows = conn.execute(f"{_SELECT} WHERE unit_uid IN ({','.join('?' * len(uids))}) AND state IN ({states}) "
                            "ORDER BY sent_ms, id", (*uids, *OPEN_STATES))
    return [_row(r) for r in rows]


def _need(conn: sqlite3.Connection, task_id: int | str) -> dict:
    task = get(conn, task_id)
    if task is None:
        raise TaskError(f"no task {task_id}")
    return task


def mark(conn: sqlite3.Connection, task_id: int | str, state: str, *, t_ms: int, reply: str | None = None) -> dict:
    """Record that the task reached ``state`` at ``t_ms``; returns the task after it.

    The step's time is kept the first time (an earlier one replaces a later one), and
    the state only moves forward: ``delivered`` arriving after ``acknowledged`` fills in
    ``delivered_ms`` and leaves the task acknowledged. ``cancelled`` ends an open task;
    a done or cancelled task changes no more. ``reply`` (the unit's words) is kept as the
    task's latest reply.
    """
    if state not in STATES:
        raise TaskError(f"unknown task state {state!r}: use one of {', '.join(STATES)}")
    t = int(t_ms)
    with transaction(conn):
        task = _need(conn, task_id)
        cur = task["state"]
        if cur in ("done", "cancelled"):
            return task
        sets: dict[str, object] = {}
        if state == "cancelled":
            sets["state"] = "cancelled"
        else:
            col = TIME_COLUMN[state]
            if state != "sent" and (task[col] is None or t < task[col]):
                sets[col] = t
            if STEPS.index(state) > STEPS.index(cur):
                sets["state"] = state
        if reply is not None and plain(reply):
            sets["reply"] = plain(reply)[:MAX_TEXT]
        if sets:
            conn.execute(f"UPDATE tasks SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?",
                         (*sets.values(), task["id"]))
        return _need(conn, task["id"])


def timeline(conn: sqlite3.Connection, task_id: int | str) -> dict:
    """When each step was reached and how long it took.

    ``{"code", "state", "steps": [{"state", "t_ms", "after_ms", "since_sent_ms"}, …]}``
    with one entry per step in order (``t_ms`` None for a step not reached or skipped;
    ``after_ms`` counts from the previous step that was reached), plus the times by
    name (``sent_ms`` …) and ``total_ms`` from sending to the last step reached.
    """
    task = _need(conn, task_id)
    sent = task["sent_ms"]
    steps = []
    prev = sent
    last = sent
    for step in STEPS:
        t = task[TIME_COLUMN[step]]
        steps.append({"state": step, "t_ms": t, "after_ms": None if t is None else t - prev,
                      "since_sent_ms": None if t is None else t - sent})
        if t is not None:
            prev = last = max(prev, t)
    out = {"id": task["id"], "code": task["code"], "state": task["state"], "steps": steps,
           "total_ms": last - sent}
    out.update({TIME_COLUMN[s]: task[TIME_COLUMN[s]] for s in STEPS})
    return out
