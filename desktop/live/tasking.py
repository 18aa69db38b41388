"""Tasks: the loop with the field. Sending a unit a task over TAK and following what
comes back, without Qt.

:func:`send_tasking` stores a task (:mod:`desktop.cache.tasks`) and returns the CoT to
send: a marker at the task's place and a GeoChat addressed to the unit whose text
names the task code (``[T-4F2A] … — 답장: 확인 T-4F2A``) and whose messageId is the
task's. :class:`TaskTracker` is a record listener of the live writer
(:meth:`~desktop.live.writer.LiveWriter.add_record_listener`): after each commit it
reads the records and moves tasks on:

- a delivery receipt (``b-t-f-d``) naming the task's messageId → delivered; a read
  receipt (``b-t-f-r``) → acknowledged;
- a GeoChat from the task's unit quoting the task code → acknowledged, the text kept
  as the task's reply and written to the incident's log (kind ``reply``); when the
  reply also says false/허위 or confirmed/확인됨 and the task is about an item, that
  item's triage becomes false or verified, as confirmed by an officer;
- a position report of the unit within the task's radius of its place → on_scene.

Replies are matched by the code Sitmap put in its message or the messageId a receipt
names, never by guessing from free text: a reply naming no task, an unknown code, a
code of another unit's task or a receipt from another unit changes nothing and is
logged. Every transition is logged with its time (and written to the incident's log).
"""

from __future__ import annotations

import logging
import math
import re
import sqlite3
from dataclasses import dataclass
from typing import Callable, Iterable

from desktop.cache import tasks as task_store
from desktop.cache.triage import transaction
from desktop.core.model import Item, Record, Unit
from desktop.core.timefmt import iso_utc
from desktop.core.triage import TriageChange, TriageError
from desktop.importers.cot import ChatReceipt
from desktop.live.cot_out import chat_event, clean_text, marker_event

log = logging.getLogger(__name__)

# A task code as Sitmap writes it: T- and four (or six) hex digits, not inside a longer word.
CODE_RE = re.compile(r"(?<![0-9A-Za-z])T-([0-9A-F]{6}|[0-9A-F]{4})(?![0-9A-Za-z])", re.IGNORECASE)
FALSE_WORDS = ("허위", "false")
CONFIRMED_WORDS = ("확인됨", "confirmed")
TASK_MARKER_TYPE = "b-m-p-s-m"


def codes_in(text: str | None) -> list[str]:
    """The task codes a text names, upper-cased, each once, in order."""
    return list(dict.fromkeys(f"T-{m.group(1).upper()}" for m in CODE_RE.finditer(text or "")))


def verdict_of(text: str | None) -> str | None:
    """``'false'`` or ``'verified'`` when a reply says so (허위/false, 확인됨/confirmed);
    None when it says neither, or both."""
    low = (text or "").casefold()
    says_false = any(w in low for w in FALSE_WORDS)
    says_true = any(w in low for w in CONFIRMED_WORDS)
    if says_false == says_true:
        return None
    return "false" if says_false else "verified"


def marker_uid(code: str) -> str:
    """The uid of a task's marker: sending the task again moves the same marker."""
    return f"sitmap-task-{code}"


def tasking_message(task: dict) -> str:
    """The GeoChat text of a task: the code, the task, and how to answer."""
    code = task["code"]
    return f"[{code}] {clean_text(task['text'])} — 답장: 확인 {code}"


def tasking_events(task: dict, *, sender_uid: str, sender_callsign: str, t_ms: int | None = None,
                   stale_s: float = 3600.0) -> list[bytes]:
    """The CoT that carries ``task`` to its unit: a marker at the task's place (when it
    has one; its remarks are the task text and ``[code]``) and a GeoChat addressed to
    the unit with the task's messageId. Built with :mod:`desktop.live.cot_out`."""
    code = task["code"]
    out: list[bytes] = []
    if task.get("lat") is not None and task.get("lon") is not None:
        out.append(marker_event(marker_uid(code), task["lat"], task["lon"], cot_type=TASK_MARKER_TYPE,
                                callsign=f"과제 {code}", remarks=f"{task['text']} [{code}]", stale_s=stale_s,
                                t_ms=t_ms, sender_uid=sender_uid, ce=task.get("radius_m")))
    out.append(chat_event(tasking_message(task), sender_uid=sender_uid, sender_callsign=sender_callsign,
                          to_uid=task["unit_uid"], to_callsign=task.get("callsign") or task["unit_uid"],
                          lat=task.get("lat"), lon=task.get("lon"), t_ms=t_ms, message_id=task["message_id"]))
    return out


def send_tasking(conn: sqlite3.Connection, *, unit_uid: str, callsign: str | None, text: str, lat: float | None,
                 lon: float | None, by: str, sender_uid: str, sender_callsign: str, incident_id: int | None = None,
                 item_id: int | None = None, radius_m: float = 100.0,
                 t_ms: int | None = None) -> tuple[dict, list[bytes]]:
    """Store a new task and return it with the CoT events to send (marker, GeoChat).

    The task and its line in the incident's log are written in one transaction; the
    caller sends the events to the TAK servers (``TakClient.send`` each). Raises
    :class:`~desktop.cache.tasks.TaskError` for a task that cannot be made.
    """
    with transaction(conn):
        task = task_store.create(conn, unit_uid=unit_uid, callsign=callsign, text=text, lat=lat, lon=lon, by=by,
                                 incident_id=incident_id, item_id=item_id, radius_m=radius_m, t_ms=t_ms)
        if task["incident_id"] is not None:
            _incident_log(conn, task, f"{task['code']} sent to {_who(task)}: {task['text']}", by=by, kind="task",
                          t_ms=task["sent_ms"])
    log.info("task %s sent to %s at %s", task["code"], _who(task), iso_utc(task["sent_ms"]))
    return task, tasking_events(task, sender_uid=sender_uid, sender_callsign=sender_callsign, t_ms=task["sent_ms"])


@dataclass(frozen=True, slots=True)
class TaskChange:
    """One transition a tracker made: the task after it, the state before, and why."""

    task: dict
    previous: str
    cause: str  # receipt, reply, position
    verdict: str | None = None  # the triage an officer's reply set ('false', 'verified')


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def _who(task: dict) -> str:
    return task.get("callsign") or task["unit_uid"]


def _incident_log(conn: sqlite3.Connection, task: dict, text: str, *, by: str, kind: str, t_ms: int) -> None:
    from desktop.cache import incidents

    try:
        incidents.log(conn, task["incident_id"], clean_text(text), by=by, kind=kind, item_id=None,
                      task_id=task["id"], t_ms=t_ms)
    except TriageError as exc:  # the incident was deleted meanwhile: the task still moves on
        log.warning("task %s: not written to incident %s: %s", task["code"], task["incident_id"], exc)


class TaskTracker:
    """Moves tasks on from what the live feeds bring (see the module's docstring).

    ``on_records(conn, records, now_ms)`` is a LiveWriter record listener: it runs on
    the writer thread with the writer's connection, outside any transaction, and makes
    each task's change in one short transaction of its own. ``on_change`` (optional) is
    told of every transition, after it was committed.
    """

    def __init__(self, on_change: Callable[[TaskChange], None] | None = None):
        self.on_change = on_change
        self.ignored = 0  # replies and receipts that named no task of theirs

    def on_records(self, conn: sqlite3.Connection, records: Iterable[Record], now_ms: int) -> list[TaskChange]:
        changes: list[TaskChange] = []
        positions: dict[str, Unit] = {}
        for rec in records:
            if isinstance(rec, ChatReceipt):
                changes += self._receipt(conn, rec, now_ms)
            elif isinstance(rec, Item) and _is_chat(rec):
                changes += self._reply(conn, rec, now_ms)
            elif isinstance(rec, Unit) and rec.lat is not None and rec.lon is not None:
                old = positions.get(rec.uid)
                if old is None or rec.t_ms >= old.t_ms:
                    positions[rec.uid] = rec
        if positions:
            changes += self._positions(conn, positions, now_ms)
        for ch in changes:
            if self.on_change is not None:
                try:
                    self.on_change(ch)
                except Exception:
                    log.exception("task change callback failed")
        return changes

    # --- the three kinds of answer -----------------------------------------------------
    def _ignore(self, why: str, *args) -> list[TaskChange]:
        self.ignored += 1
        log.info("task tracking: " + why + "; nothing changed", *args)
        return []

    def _receipt(self, conn: sqlite3.Connection, r: ChatReceipt, now_ms: int) -> list[TaskChange]:
        task = task_store.by_message_id(conn, r.message_id)
        if task is None:
            return []  # a receipt for an ordinary chat message: not ours to follow
        if r.sender_uid and r.sender_uid != task["unit_uid"]:
            return self._ignore("%s receipt for %s came from %s, not %s", r.kind, task["code"], r.sender_uid[:80],
                                task["unit_uid"])
        state = "delivered" if r.kind == "delivered" else "acknowledged"
        return self._move(conn, task, state, now_ms, cause="receipt")

    def _reply(self, conn: sqlite3.Connection, it: Item, now_ms: int) -> list[TaskChange]:
        sender = it.unit_uid
        chat = (it.extra or {}).get("chat") or {}
        if not sender or chat.get("outgoing"):
            return []
        codes = codes_in(it.text)
        if not codes:
            if task_store.open_tasks(conn, sender):
                self._ignore("message from %s names no task code", sender[:80])
            return []
        out: list[TaskChange] = []
        for code in codes:
            task = task_store.get(conn, code)
            if task is None:
                self._ignore("message from %s names unknown task %s", sender[:80], code)
                continue
            if task["unit_uid"] != sender:
                self._ignore("message from %s names %s, a task of %s", sender[:80], code, task["unit_uid"])
                continue
            if task["state"] in ("done", "cancelled"):
                self._ignore("reply to %s, which is %s", code, task["state"])
                continue
            out += self._move(conn, task, "acknowledged", now_ms, cause="reply", reply=it.text,
                              by=it.callsign or sender)
        return out

    def _positions(self, conn: sqlite3.Connection, positions: dict[str, Unit], now_ms: int) -> list[TaskChange]:
        out: list[TaskChange] = []
        for task in task_store.open_tasks(conn):  # a few dozen at most, however many units report
            u = positions.get(task["unit_uid"])
            if u is None or task["lat"] is None or task["state"] == "on_scene":
                continue
            d = distance_m(u.lat, u.lon, task["lat"], task["lon"])
            if d <= task["radius_m"]:
                out += self._move(conn, task, "on_scene", now_ms, cause="position", detail=f"{d:.0f} m from the place")
        return out

    # --- one transition ----------------------------------------------------------------
    def _move(self, conn: sqlite3.Connection, task: dict, state: str, now_ms: int, *, cause: str,
              reply: str | None = None, by: str | None = None, detail: str | None = None) -> list[TaskChange]:
        t = max(int(now_ms), task["sent_ms"])
        by = by or task.get("callsign") or task["unit_uid"]
        reply = clean_text(reply).strip() if reply else None
        verdict = None
        with transaction(conn):
            after = task_store.mark(conn, task["id"], state, t_ms=t, reply=reply)
            moved = after["state"] != task["state"]
            if task["incident_id"] is not None:
                if reply:
                    _incident_log(conn, after, f"{after['code']} {_who(after)}: {reply}", by=by, kind="reply", t_ms=t)
                if moved:
                    _incident_log(conn, after, _transition_text(task, after, cause, detail), by=by, kind="task",
                                  t_ms=t)
            if reply and after["item_id"] is not None:
                verdict = verdict_of(reply)
                if verdict is not None:
                    verdict = self._triage(conn, after, verdict, reply, by, t)
        if moved:
            log.info("task %s: %s -> %s at %s (%s%s)", after["code"], task["state"], after["state"], iso_utc(t), cause,
                     f", {detail}" if detail else "")
        elif after != task:
            log.info("task %s: %s at %s (%s), state stays %s", after["code"], state, iso_utc(t), cause, after["state"])
        if not moved and not reply:
            return []
        return [TaskChange(after, task["state"], cause, verdict)]

    def _triage(self, conn: sqlite3.Connection, task: dict, verdict: str, reply: str, by: str, t: int) -> str | None:
        from desktop.cache import triage

        try:
            triage.apply(conn, [task["item_id"]], TriageChange(state=verdict, note=f"{task['code']}: {reply}"),
                         by=by, origin="officer", t_ms=t)
        except TriageError as exc:
            log.warning("task %s: the reply's verdict was not applied to item %s: %s", task["code"], task["item_id"],
                        exc)
            return None
        log.info("task %s: item %s marked %s by %s (officer)", task["code"], task["item_id"], verdict, by)
        return verdict


def _is_chat(it: Item) -> bool:
    extra = it.extra or {}
    return "chat" in extra or extra.get("cot_type") == "b-t-f"


def _transition_text(before: dict, after: dict, cause: str, detail: str | None) -> str:
    step = after["state"]
    t = after.get(task_store.TIME_COLUMN.get(step, ""), None)
    took = f", {(t - after['sent_ms']) / 1000:.0f} s after sending" if t is not None else ""
    why = {"receipt": "receipt", "reply": "reply", "position": "position report"}.get(cause, cause)
    return f"{after['code']} {_who(after)}: {before['state']} → {step} ({why}{', ' + detail if detail else ''}{took})"
