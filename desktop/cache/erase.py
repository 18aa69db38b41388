"""Erasure and retention: items removed so that nothing of them is left in the cache file.

:func:`erase` removes the given items and everything the cache holds about them, in one
transaction, so an item is never half erased:

- the item rows with their raw payloads, hashtag rows and full-text entries (the
  ``items_ad`` trigger forgets them; the full-text index is then merged with
  'optimize' so no old segment still holds their trigrams);
- their triage and triage history, their places in incidents (``incident_items``), their
  evidence holds and how an inferred position was reached (``geo_inferences``);
- tasks about them keep their code, unit and state but lose the item (``item_id`` NULL),
  their text and the field's reply (replaced by :data:`REMOVED`);
- incident log rows that name them lose the item id; a field reply to a task about an
  erased item is deleted; a log row or another task that quotes an erased item's text
  (the first :data:`QUOTE_PREFIX` characters, as tasks are prefilled) or the text of an
  erased item's task has that text replaced by :data:`REMOVED`;
- alerts forget their ids; another item's ``duplicate_of`` an erased item is cleared.

The transaction counts as a rewrite (``meta`` 'rewrites', see ``writer.bump_generation``),
so a saved index snapshot is rebuilt at the next open; the caller deletes the snapshot
folder itself (``engine.snapshot.discard``: this layer does not know where it is).

Then :func:`compact` makes the deletion physical: ``secure_delete`` is on while erasing,
the WAL is checkpointed, the file is rebuilt with VACUUM, and the WAL is checkpointed
again and truncated, so the erased text is in neither the cache file nor its ``-wal``.
When another program holds the cache open a checkpoint cannot finish;
``ErasureStats.compacted`` is then False and running the erasure again (nothing left
to erase) finishes it.

While the cache is linked to a shared store (``meta`` 'sync.last_store'), the erasure also
writes each item's source and source id to ``sync_erasures`` in the same transaction, with
why ('erase', 'purge', 'withdraw'); the next push gives them to the store, which erases its
copy and tells the other workstations, and deletes them here. An unlinked cache keeps none.

Erased items are not tombstoned: importing the same file again brings them back.
Tombstones are for withdrawals the source announces (tweet deletes).

:func:`purge` erases the items :func:`expired` selects: older than their batch's purpose's
retention period (or a period given for all), except items of an incident that is not
closed and items held as evidence (``holds``).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field, replace
from typing import Iterable

from desktop.cache.db import Cache, explain
from desktop.cache.outbox import Staged, stage
from desktop.cache.generation import COMPACT_DUE, bump_generation, compact_due, mark_compact_due

DEFAULT_RETENTION_DAYS = 730
REMOVED = "(removed with an erased item)"
QUOTE_MIN = 4  # texts shorter than this are not looked for in log rows and tasks
QUOTE_PREFIX = 40  # tasks are prefilled with the start of an item's text: compare that much
_DAY_MS = 86_400_000


@dataclass
class ErasureStats:
    """What an erasure removed (or, with ``dry_run``, would remove): counts only, never content."""

    items: int = 0
    raw_payloads: int = 0
    hashtags: int = 0
    triage: int = 0
    triage_history: int = 0
    incident_items: int = 0
    incident_log: int = 0  # log rows deleted, unlinked or with their text removed
    tasks: int = 0  # tasks that lost their item (or a quoting text)
    alerts: int = 0  # alerts that forgot erased ids
    kept_in_open_incidents: int = 0  # purge: old items kept because an open incident holds them
    kept_on_hold: int = 0  # purge: expired items kept because they are held as evidence (``holds``)
    by_purpose: dict[str, int] = field(default_factory=dict)  # purge: expired items per batch purpose
    dry_run: bool = False
    compacted: bool = False  # the WAL checkpoint and VACUUM completed
    reason: str = ""
    ids: list[int] = field(default_factory=list, repr=False)  # the erased item ids, ascending

    def counts(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("items", "raw_payloads", "hashtags", "triage", "triage_history",
                                              "incident_items", "incident_log", "tasks", "alerts")}

    def summary(self) -> str:
        c = self.counts()
        verb = "would erase" if self.dry_run else "erased"
        rest = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in c.items() if k != "items")
        return f"{verb} {c['items']} items ({rest})"


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """[[first, last], …] of ascending ids: how an audit entry names many items briefly."""
    out: list[list[int]] = []
    for i in sorted(set(int(x) for x in ids)):
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def _norm(text: str) -> str:
    return " ".join((text or "").split())


class _Plan:
    """Which rows an erasure touches, worked out by reading only (shared by dry runs)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        c = conn
        self.ids = [r[0] for r in c.execute("SELECT id FROM temp.erase_ids ORDER BY id")]
        one = lambda sql: c.execute(sql).fetchone()[0]  # noqa: E731
        sub = "(SELECT id FROM temp.erase_ids)"
        self.stats = ErasureStats(
            items=len(self.ids),
            raw_payloads=one(f"SELECT count(*) FROM items WHERE id IN {sub} AND raw IS NOT NULL"),
            hashtags=one(f"SELECT count(*) FROM item_tags WHERE item_id IN {sub}"),
            triage=one(f"SELECT count(*) FROM triage WHERE item_id IN {sub}"),
            triage_history=one(f"SELECT count(*) FROM triage_history WHERE item_id IN {sub}"),
            incident_items=one(f"SELECT count(*) FROM incident_items WHERE item_id IN {sub}"),
        )
        # Texts that may be quoted: those of erased items that an incident or a task refers to.
        quoted: dict[int, str] = {}
        for iid, text in c.execute(
                f"SELECT id, text FROM items WHERE id IN {sub} AND (id IN (SELECT item_id FROM incident_items) "
                f"OR id IN (SELECT item_id FROM tasks WHERE item_id IS NOT NULL) "
                f"OR id IN (SELECT item_id FROM incident_log WHERE item_id IS NOT NULL))"):
            t = _norm(text)
            if len(t) >= QUOTE_MIN:
                quoted[iid] = t[:QUOTE_PREFIX]
        by_incident: dict[int, set[int]] = {}
        for inc, iid in c.execute(f"SELECT incident_id, item_id FROM incident_items WHERE item_id IN {sub}"):
            by_incident.setdefault(inc, set()).add(iid)
        erased = set(self.ids)

        def quotes(text: str, candidates: Iterable[int]) -> bool:
            t = _norm(text)
            return any(quoted[i] in t for i in candidates if i in quoted)

        # Tasks about erased items, or of incidents that held them.
        self.task_unlink: list[int] = []
        self.task_text: list[int] = []
        self.task_reply: list[int] = []
        erased_tasks: set[int] = set()
        task_keys: list[str] = []
        for tid, inc, iid, text, reply in c.execute("SELECT id, incident_id, item_id, text, reply FROM tasks"):
            cand = ({iid} if iid in erased else set()) | by_incident.get(inc, set())
            if not cand:
                continue
            if iid in erased:  # a task about an erased item: its text and the field's reply go
                self.task_unlink.append(tid)
                erased_tasks.add(tid)
                key = _norm(text)[:QUOTE_PREFIX]
                if len(key) >= QUOTE_MIN:
                    task_keys.append(key)
            if iid in erased or quotes(text, cand):
                self.task_text.append(tid)
            if reply and (iid in erased or quotes(reply, cand)):
                self.task_reply.append(tid)
        self.stats.tasks = len(set(self.task_unlink) | set(self.task_text) | set(self.task_reply))
        # Incident log rows naming an erased item, or in an incident that held one.
        self.log_delete: list[int] = []
        self.log_unlink: list[int] = []
        self.log_text: list[int] = []
        incs = sorted(by_incident)
        rows = c.execute(
            f"SELECT id, incident_id, kind, text, item_id, task_id FROM incident_log WHERE item_id IN {sub} "
            f"OR incident_id IN ({','.join('?' * len(incs))})", incs).fetchall() if incs else \
            c.execute(f"SELECT id, incident_id, kind, text, item_id, task_id FROM incident_log "
                      f"WHERE item_id IN {sub}").fetchall()
        if erased_tasks:
            have = {r[0] for r in rows}
            rows += [r for r in c.execute("SELECT id, incident_id, kind, text, item_id, task_id FROM incident_log "
                                          "WHERE task_id IS NOT NULL") if r[5] in erased_tasks and r[0] not in have]
        task_item = {tid: iid for tid, iid in c.execute("SELECT id, item_id FROM tasks")}
        for lid, inc, kind, text, iid, task_id in rows:
            cand = ({iid} if iid in erased else set()) | by_incident.get(inc, set())
            if task_id in erased_tasks:
                cand.add(task_item[task_id])
            if kind == "reply" and task_id in erased_tasks:
                self.log_delete.append(lid)  # the field's free-text answer about the erased item
                continue
            if iid in erased:
                self.log_unlink.append(lid)
            if quotes(text, cand) or (task_id in erased_tasks and any(k in _norm(text) for k in task_keys)):
                self.log_text.append(lid)
        self.stats.incident_log = len(set(self.log_delete) | set(self.log_unlink) | set(self.log_text))
        # Alerts naming erased ids.
        self.alerts: list[tuple[int, str]] = []
        for aid, ids_json in c.execute("SELECT id, item_ids FROM alerts WHERE item_ids != '[]'"):
            try:
                ids = json.loads(ids_json)
            except ValueError:
                continue
            keep = [i for i in ids if i not in erased]
            if len(keep) != len(ids):
                self.alerts.append((aid, json.dumps(keep)))
        self.stats.alerts = len(self.alerts)
        self.stats.ids = self.ids


def _load_ids(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
    conn.execute("DROP TABLE IF EXISTS temp.erase_ids")
    conn.execute("CREATE TEMP TABLE erase_ids (id INTEGER PRIMARY KEY)")
    conn.executemany("INSERT OR IGNORE INTO temp.erase_ids (id) VALUES (?)", ((int(i),) for i in ids))
    conn.execute("DELETE FROM temp.erase_ids WHERE id NOT IN (SELECT id FROM items)")


SYNC_LINK_KEY = "sync.last_store"  # meta key set while the cache is linked to a shared store


def _stage_for_sync(conn: sqlite3.Connection, reason: str | None) -> None:
    """While the cache is linked to a shared store, keep the identity of the items being
    erased (source and source id only) until the store has it (``sync_erasures``; the push
    removes the rows it delivered). An unlinked cache keeps nothing."""
    if reason is None or conn.execute("SELECT 1 FROM meta WHERE key = ?", (SYNC_LINK_KEY,)).fetchone() is None:
        return
    conn.execute("INSERT INTO sync_erasures (source, source_id, reason, t_ms) SELECT source, source_id, ?, ? "
                 "FROM items WHERE id IN (SELECT id FROM temp.erase_ids) AND source_id IS NOT NULL ORDER BY id",
                 (reason, int(time.time() * 1000)))


def _apply(conn: sqlite3.Connection, plan: _Plan, merge_fts: bool = True, count_rewrite: bool = True,
           sync_reason: str | None = "erase") -> None:
    sub = "(SELECT id FROM temp.erase_ids)"
    c = conn
    _stage_for_sync(c, sync_reason)
    c.execute(f"DELETE FROM triage_history WHERE item_id IN {sub}")
    c.execute(f"DELETE FROM triage WHERE item_id IN {sub}")
    c.execute(f"UPDATE triage SET duplicate_of = NULL WHERE duplicate_of IN {sub}")
    c.execute(f"DELETE FROM incident_items WHERE item_id IN {sub}")
    c.execute(f"DELETE FROM holds WHERE item_id IN {sub}")  # an erased item is held no more
    c.execute(f"DELETE FROM geo_inferences WHERE item_id IN {sub}")  # how it was placed goes with it
    c.executemany("DELETE FROM incident_log WHERE id = ?", [(i,) for i in plan.log_delete])
    c.executemany("UPDATE incident_log SET item_id = NULL WHERE id = ?", [(i,) for i in plan.log_unlink])
    c.executemany("UPDATE incident_log SET text = ? WHERE id = ?", [(REMOVED, i) for i in plan.log_text])
    c.executemany("UPDATE tasks SET item_id = NULL WHERE id = ?", [(i,) for i in plan.task_unlink])
    c.executemany("UPDATE tasks SET text = ? WHERE id = ?", [(REMOVED, i) for i in plan.task_text])
    c.executemany("UPDATE tasks SET reply = ? WHERE id = ?", [(REMOVED, i) for i in plan.task_reply])
    c.executemany("UPDATE alerts SET item_ids = ? WHERE id = ?", [(j, a) for a, j in plan.alerts])
    # The trigger items_ad removes each row's full-text entry and hashtag rows.
    c.execute(f"DELETE FROM items WHERE id IN {sub}")
    if merge_fts:  # deleted full-text entries stay in older segments until merged: merge them all
        c.execute("INSERT INTO items_fts (items_fts) VALUES ('optimize')")
    else:  # a live feed's withdrawal: the merge and the rewrite wait for the next compaction
        mark_compact_due(c)
    if count_rewrite:
        bump_generation(c, rewrote=True)


def erase_rows(conn: sqlite3.Connection, item_ids: Iterable[int], *, merge_fts: bool = True,
               count_rewrite: bool = True, sync_reason: str | None = "withdraw") -> ErasureStats:
    """Erase these items inside the caller's open transaction, as :func:`erase` does (the
    writer applies a source's withdrawals, tweet deletes, this way). The caller turns
    ``secure_delete`` on for the connection and compacts after the commit (or leaves that,
    with ``merge_fts`` False, to the next compaction: :data:`COMPACT_DUE` is set).
    ``count_rewrite`` False: the caller counts the transaction itself (``bump_generation``).
    ``sync_reason``: how the erasure reaches a linked shared store (None: it does not, as
    for an erasure that came from the store)."""
    _load_ids(conn, item_ids)
    plan = _Plan(conn)
    if plan.ids:
        _apply(conn, plan, merge_fts=merge_fts, count_rewrite=count_rewrite, sync_reason=sync_reason)
    conn.execute("DROP TABLE temp.erase_ids")
    return plan.stats


def erase(cache: Cache, item_ids: Iterable[int], *, reason: str, dry_run: bool = False,
          compact_after: bool = True, audit: Staged | None = None, sync_reason: str = "erase") -> ErasureStats:
    """Erase these items and what the cache holds about them (see the module text).

    Ids not in the cache are ignored. With ``dry_run`` nothing is changed and the counts say
    what would go. ``reason`` is required. ``audit``, when given and anything is erased, is
    staged in the same transaction (:mod:`desktop.cache.outbox`) with the count, the id
    ranges and the counts of what went added: the erasure and its audit entry commit
    together. The cache keeps no other trace of the erased items.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("an erasure needs a reason")
    conn = cache.conn
    try:
        if dry_run:
            _load_ids(conn, item_ids)
            try:
                stats = _Plan(conn).stats
            finally:
                conn.execute("DROP TABLE IF EXISTS temp.erase_ids")
            stats.dry_run, stats.reason = True, reason
            return stats
        before = conn.execute("PRAGMA secure_delete").fetchone()[0]
        conn.execute("PRAGMA secure_delete = ON")  # freed space is zeroed, not just unlinked
        try:
            with cache.transaction():
                _load_ids(conn, item_ids)
                plan = _Plan(conn)
                if plan.ids:
                    _apply(conn, plan, sync_reason=sync_reason)
                    if audit is not None:
                        stage(conn, audit, objects={"items": len(plan.ids), "ids": id_ranges(plan.ids)},
                              detail={"reason": reason, "counts": plan.stats.counts()})
                conn.execute("DROP TABLE temp.erase_ids")
        finally:
            conn.execute(f"PRAGMA secure_delete = {int(before)}")
    except sqlite3.Error as exc:
        raise explain(cache.path, exc) from None
    stats = plan.stats
    stats.reason = reason
    if compact_after:
        stats.compacted = compact(cache)
    return stats


NO_PURPOSE = "(none)"  # how expiry counts items of batches collected without a purpose


@dataclass
class Expiry:
    """Which items retention expires now: ``ids`` (ascending), the count per batch purpose,
    and the expired items kept because an open incident or a hold keeps them."""

    ids: list[int]
    by_purpose: dict[str, int]
    kept_in_open_incidents: int
    kept_on_hold: int


def expired(conn: sqlite3.Connection, *, now_ms: int, older_than_days: float | None = None) -> Expiry:
    """The items past their retention at ``now_ms``: each item by its batch's purpose's
    ``retention_days`` (:func:`desktop.core.purposes.retention_days`; an item of a batch
    without a purpose, or of a purpose no longer listed, by the default of two years), or
    every item by ``older_than_days`` when given. Never an item of an incident that is not
    closed, never an item with a row in ``holds``; those are counted."""
    from desktop.core import purposes

    if older_than_days is not None and older_than_days <= 0:
        raise ValueError("the retention period must be a positive number of days")
    open_inc = ("SELECT ii.item_id FROM incident_items ii JOIN incidents c ON c.id = ii.incident_id "
                "WHERE c.state != 'closed'")
    codes = [r[0] for r in conn.execute("SELECT DISTINCT purpose FROM batches WHERE purpose IS NOT NULL")]
    ids: list[int] = []
    by_purpose: dict[str, int] = {}
    kept_open = kept_held = 0
    for code in [None, *codes]:
        days = older_than_days if older_than_days is not None else purposes.retention_days(code)
        cutoff = now_ms - int(days * _DAY_MS)
        if code is None:
            of = "(i.batch_id IS NULL OR b.purpose IS NULL)"
            params: tuple = (cutoff,)
        else:
            of = "b.purpose = ?"
            params = (cutoff, code)
        rows = conn.execute(
            f"SELECT i.id, i.id IN ({open_inc}), i.id IN (SELECT item_id FROM holds) FROM items i "
            f"LEFT JOIN batches b ON b.id = i.batch_id WHERE i.t_ms < ? AND {of}", params).fetchall()
        n = 0
        for item_id, in_open, held in rows:
            if in_open:
                kept_open += 1
            elif held:
                kept_held += 1
            else:
                ids.append(item_id)
                n += 1
        if n:
            key = code or NO_PURPOSE
            by_purpose[key] = by_purpose.get(key, 0) + n
    return Expiry(sorted(ids), by_purpose, kept_open, kept_held)


def purge(cache: Cache, *, older_than_days: float | None = None, now_ms: int | None = None,
          dry_run: bool = False, audit: Staged | None = None) -> ErasureStats:
    """Erase the items past their retention at ``now_ms`` (default: now), as :func:`expired`
    selects them: by each batch's purpose, or all by ``older_than_days`` when given; items of
    an incident that is not closed and items on hold are kept and counted."""
    now = int(time.time() * 1000) if now_ms is None else int(now_ms)
    conn = cache.conn
    try:
        exp = expired(conn, now_ms=now, older_than_days=older_than_days)
    except sqlite3.Error as exc:
        raise explain(cache.path, exc) from None
    if audit is not None:  # the entry committed with the erasure says what was kept too
        audit = replace(audit, detail={**(audit.detail or {}), "kept_in_open_incidents": exp.kept_in_open_incidents,
                                       "kept_on_hold": exp.kept_on_hold, "by_purpose": exp.by_purpose})
    reason = (f"retention: older than {older_than_days:g} days" if older_than_days is not None
              else "retention: each purpose's period")
    stats = erase(cache, exp.ids, reason=reason, dry_run=dry_run, audit=audit, sync_reason="purge")
    stats.kept_in_open_incidents = exp.kept_in_open_incidents
    stats.kept_on_hold = exp.kept_on_hold
    stats.by_purpose = dict(exp.by_purpose)
    return stats



def compact(cache: Cache) -> bool:
    """Checkpoint the WAL, VACUUM, then checkpoint and truncate the WAL, so deleted rows are
    in neither file. False when another connection kept a checkpoint from finishing.
    Withdrawals a live feed applied without merging the full-text index are merged first."""
    conn = cache.conn
    try:
        if compact_due(conn):
            with cache.transaction():
                conn.execute("INSERT INTO items_fts (items_fts) VALUES ('optimize')")
                conn.execute("DELETE FROM meta WHERE key = ?", (COMPACT_DUE,))
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")  # what can go now, without waiting for readers
        # VACUUM copies the database through a temporary one: on disk, not in memory, for a big cache.
        conn.execute("PRAGMA temp_store = FILE")
        try:
            conn.execute("VACUUM")
        finally:
            conn.execute("PRAGMA temp_store = MEMORY")
        # Waits (busy timeout) for readers, then copies every frame back and empties the WAL.
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:  # the WAL may still hold old bytes: the next compaction tries again
            with cache.transaction():
                mark_compact_due(conn)
    except sqlite3.Error as exc:
        raise explain(cache.path, exc) from None
    return busy == 0
