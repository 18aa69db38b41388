"""Triage in the cache: each item's state, priority and categories, and their history.

:func:`apply` changes any number of items in one transaction: the current value goes to
``triage`` (one row per item touched, none for an untouched item, which is new and
routine) and every change appends one row to ``triage_history``, which a trigger keeps
append-only. A change names who made it (``by``) and where (``origin``: the commander,
or an officer in the field whose word marks the state confirmed). Unknown items,
states, priorities or categories raise :class:`~desktop.core.triage.TriageError` naming
them, and nothing is changed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from contextlib import contextmanager
from typing import Iterable, Iterator

import numpy as np

from desktop.core.triage import PRIORITY_CODE, STATE_CODE, Triage, TriageChange, TriageError

ORIGINS = ("commander", "officer")
CHUNK = 900  # ids per IN (...) list
_NAME = re.compile(r"^[^\s,]+$")


def now_ms() -> int:
    return int(time.time() * 1000)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction (a savepoint when the caller already holds one); rolled back
    on any exception, so a refused request changes nothing."""
    if conn.in_transaction:
        conn.execute("SAVEPOINT sitmap_triage")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK TO sitmap_triage")
            conn.execute("RELEASE sitmap_triage")
            raise
        conn.execute("RELEASE sitmap_triage")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def check_by(by: str | None) -> str:
    if not by or not str(by).strip():
        raise TriageError("say who makes the change (by: the operator's name)")
    return str(by).strip()


def clean_ids(item_ids: Iterable[int], what: str = "item") -> list[int]:
    """Ids as ints, each once, in the order given."""
    out: list[int] = []
    for v in item_ids:
        if isinstance(v, bool):
            raise TriageError(f"{what} id {v!r} is not a number")
        try:
            i = int(v)
        except (TypeError, ValueError):
            raise TriageError(f"{what} id {v!r} is not a number") from None
        out.append(i)
    return list(dict.fromkeys(out))


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for k in range(0, len(ids), CHUNK):
        yield ids[k: k + CHUNK]


def check_items(conn: sqlite3.Connection, item_ids: list[int]) -> None:
    """Raise TriageError naming the ids that are not items of the cache."""
    found: set[int] = set()
    for part in _chunks(item_ids):
        found.update(r[0] for r in conn.execute(
            f"SELECT id FROM items WHERE id IN ({','.join('?' * len(part))})", part))
    missing = [i for i in item_ids if i not in found]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise TriageError(f"no item with id {shown} in the cache; nothing was changed")


def _row(r: tuple) -> Triage:
    item_id, state, priority, tags, dup, officer, updated_ms, updated_by = r
    return Triage(item_id, state, priority, tuple(json.loads(tags or "[]")), dup, bool(officer), updated_ms, updated_by)


def get(conn: sqlite3.Connection, item_ids: Iterable[int]) -> dict[int, Triage]:
    """Each item's triage; an item nobody has triaged gets the default (new, routine)."""
    ids = clean_ids(item_ids)
    out = {i: Triage(i) for i in ids}
    for part in _chunks(ids):
        for r in conn.execute("SELECT item_id, state, priority, tags, duplicate_of, officer, updated_ms, updated_by "
                              f"FROM triage WHERE item_id IN ({','.join('?' * len(part))})", part):
            out[r[0]] = _row(r)
    return out


def categories(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(name, Korean label) of every category, in their sort order."""
    return [(n, k) for n, k in conn.execute("SELECT name, label_ko FROM triage_categories ORDER BY sort, name")]


def add_category(conn: sqlite3.Connection, name: str, label_ko: str, *, sort: int | None = None) -> None:
    """A new category (after the others unless ``sort`` is given)."""
    name = (name or "").strip()
    label = (label_ko or "").strip()
    if not _NAME.match(name):
        raise TriageError(f"category name {name!r}: one word, no spaces or commas")
    if not label:
        raise TriageError(f"category {name!r} needs a Korean label")
    with transaction(conn):
        if conn.execute("SELECT 1 FROM triage_categories WHERE name = ?", (name,)).fetchone():
            raise TriageError(f"category {name!r} already exists")
        if sort is None:
            sort = (conn.execute("SELECT max(sort) FROM triage_categories").fetchone()[0] or 0) + 1
        conn.execute("INSERT INTO triage_categories (name, label_ko, sort) VALUES (?, ?, ?)", (name, label, int(sort)))


def _check_tags(conn: sqlite3.Connection, tags: tuple[str, ...]) -> None:
    known = {n for n, _ in categories(conn)}
    unknown = [t for t in tags if t not in known]
    if unknown:
        raise TriageError(f"unknown category {', '.join(map(repr, unknown))}: use one of {', '.join(sorted(known))}")


def apply(conn: sqlite3.Connection, item_ids: Iterable[int], change: TriageChange, *, by: str,
          origin: str = "commander", t_ms: int | None = None) -> list[Triage]:
    """Apply ``change`` to every item in one transaction; returns their triage after it.

    Each item whose triage changes (or that gets a note) gains one history row holding
    the new value of each field that changed. An officer's change marks the state as
    confirmed in the field (``officer``); a commander's change of the state clears it.
    """
    by = check_by(by)
    if origin not in ORIGINS:
        raise TriageError(f"unknown origin {origin!r}: use commander or officer")
    ids = clean_ids(item_ids)
    if not ids:
        raise TriageError("no items to triage")
    c = change
    note = c.note.strip() if c.note and c.note.strip() else None
    if (c.state is None and c.priority is None and not c.add_tags and not c.remove_tags
            and c.duplicate_of is None and note is None):
        raise TriageError("nothing to change: give a state, priority, category, duplicate or note")
    if c.duplicate_of is not None and c.duplicate_of in ids:
        raise TriageError(f"item {c.duplicate_of} cannot be a duplicate of itself")
    if set(c.add_tags) & set(c.remove_tags):
        raise TriageError(f"category {sorted(set(c.add_tags) & set(c.remove_tags))[0]!r} is both added and removed")
    t = now_ms() if t_ms is None else int(t_ms)
    out: list[Triage] = []
    with transaction(conn):
        check_items(conn, ids + ([c.duplicate_of] if c.duplicate_of is not None else []))
        if c.add_tags:
            _check_tags(conn, c.add_tags)
        current = get(conn, ids)
        for i in ids:
            cur = current[i]
            state = c.state or cur.state
            priority = c.priority or cur.priority
            tags = [x for x in cur.tags if x not in c.remove_tags]
            tags += [x for x in c.add_tags if x not in tags]
            dup = c.duplicate_of if c.duplicate_of is not None else cur.duplicate_of
            if state != "duplicate":
                dup = None
            officer = True if origin == "officer" else (False if c.state is not None else cur.officer)
            changed = {
                "state": state if (state != cur.state or officer != cur.officer) else None,
                "priority": priority if priority != cur.priority else None,
                "tags": json.dumps(tags, ensure_ascii=False) if tuple(tags) != cur.tags else None,
                "duplicate_of": dup if dup != cur.duplicate_of else None,
            }
            if all(v is None for v in changed.values()) and note is None:
                out.append(cur)  # nothing new for this one
                continue
            conn.execute(
                "INSERT INTO triage (item_id, state, priority, tags, duplicate_of, officer, updated_ms, updated_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (item_id) DO UPDATE SET state = excluded.state, "
                "priority = excluded.priority, tags = excluded.tags, duplicate_of = excluded.duplicate_of, "
                "officer = excluded.officer, updated_ms = excluded.updated_ms, updated_by = excluded.updated_by",
                (i, state, priority, json.dumps(tags, ensure_ascii=False), dup, int(officer), t, by))
            conn.execute(
                "INSERT INTO triage_history (item_id, t_ms, by, origin, state, priority, tags, duplicate_of, note) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (i, t, by, origin, changed["state"], changed["priority"], changed["tags"], changed["duplicate_of"], note))
            out.append(Triage(i, state, priority, tuple(tags), dup, officer, t, by))
    return out


def history(conn: sqlite3.Connection, item_id: int) -> list[dict]:
    """Every change of one item's triage, oldest first (fields that did not change are None)."""
    rows = conn.execute("SELECT id, item_id, t_ms, by, origin, state, priority, tags, duplicate_of, note "
                        "FROM triage_history WHERE item_id = ? ORDER BY id", (int(item_id),)).fetchall()
    keys = ("id", "item_id", "t_ms", "by", "origin", "state", "priority", "tags", "duplicate_of", "note")
    out = []
    for r in rows:
        d = dict(zip(keys, r))
        d["tags"] = json.loads(d["tags"]) if d["tags"] is not None else None
        out.append(d)
    return out


def codes(conn: sqlite3.Connection) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Item ids, state codes and priority codes (positions in STATES / PRIORITIES) of
    every triaged item, for the in-memory index."""
    rows = conn.execute("SELECT item_id, state, priority FROM triage ORDER BY item_id").fetchall()
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    st = np.fromiter((STATE_CODE[r[1]] for r in rows), np.uint8, len(rows))
    pr = np.fromiter((PRIORITY_CODE[r[2]] for r in rows), np.uint8, len(rows))
    return ids, st, pr


def stamp(conn: sqlite3.Connection) -> tuple[int, int]:
    """Grows with every triage change and every incident change (two key lookups), so a
    reader can tell cheaply whether what it derived from them is out of date."""
    a = conn.execute("SELECT max(id) FROM triage_history").fetchone()[0] or 0
    b = conn.execute("SELECT max(id) FROM incident_log").fetchone()[0] or 0
    return int(a), int(b)


__all__ = ["ORIGINS", "add_category", "apply", "categories", "codes", "get", "history", "stamp", "transaction"]


# -- replies to complaints ---------------------------------------------------------------------
# "Replied" sits beside the triage state (a complaint may be verified, actioned or closed and
# answered or not): one row per answered item in ``triage_replies`` with the reply's note,
# and a triage_history row ("replied: …" or "reply withdrawn") for each change.
REPLIED_PREFIX = "replied: "
UNREPLIED_NOTE = "reply withdrawn"
MAX_REPLY_CHARS = 4000


def replied(conn: sqlite3.Connection, item_ids: Iterable[int], note: str, *, by: str,
            t_ms: int | None = None) -> dict[int, dict]:
    """Mark these items replied to, with ``note`` (what was answered, where); one transaction.
    Marking again replaces the note. Returns the items' replies after it."""
    by = check_by(by)
    ids = clean_ids(item_ids)
    if not ids:
        raise TriageError("no items to mark replied")
    text = (note or "").strip()
    if not text:
        raise TriageError("say what was replied (the reply note)")
    if len(text) > MAX_REPLY_CHARS:
        raise TriageError(f"the reply note is {len(text)} characters, over {MAX_REPLY_CHARS}")
    t = now_ms() if t_ms is None else int(t_ms)
    with transaction(conn):
        check_items(conn, ids)
        for i in ids:
            conn.execute("INSERT INTO triage_replies (item_id, note, replied_ms, replied_by) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT (item_id) DO UPDATE SET note = excluded.note, replied_ms = excluded.replied_ms, "
                         "replied_by = excluded.replied_by", (i, text, t, by))
            conn.execute("INSERT INTO triage_history (item_id, t_ms, by, origin, note) VALUES (?, ?, ?, 'commander', ?)",
                         (i, t, by, REPLIED_PREFIX + text))
    return replies(conn, ids)


def unreplied(conn: sqlite3.Connection, item_ids: Iterable[int], *, by: str, t_ms: int | None = None) -> list[int]:
    """Take the replied mark off these items (those that had it); returns their ids."""
    by = check_by(by)
    ids = clean_ids(item_ids)
    t = now_ms() if t_ms is None else int(t_ms)
    done = []
    with transaction(conn):
        check_items(conn, ids)
        for i in ids:
            if conn.execute("DELETE FROM triage_replies WHERE item_id = ?", (i,)).rowcount:
                conn.execute("INSERT INTO triage_history (item_id, t_ms, by, origin, note) "
                             "VALUES (?, ?, ?, 'commander', ?)", (i, t, by, UNREPLIED_NOTE))
                done.append(i)
    return done


def replies(conn: sqlite3.Connection, item_ids: Iterable[int]) -> dict[int, dict]:
    """``{item_id: {"note", "replied_ms", "replied_by"}}`` for the items that are replied to."""
    ids = clean_ids(item_ids)
    out: dict[int, dict] = {}
    for part in _chunks(ids):
        q = ",".join("?" * len(part))
        for i, note, t, by in conn.execute(
                f"SELECT item_id, note, replied_ms, replied_by FROM triage_replies WHERE item_id IN ({q})", part):
            out[i] = {"note": note, "replied_ms": t, "replied_by": by}
    return out
