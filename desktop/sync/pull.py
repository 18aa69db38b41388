"""Pulling the shared change log into the cache.

A pull reads one page of ``changes`` with ``seq`` above the cursor (changes this
workstation made are already in its cache and are skipped), fetches the rows they name,
and writes them into the cache in one transaction with the new cursor: items as the
cache's writer writes a file (a batch of format ``sync`` per page and purpose, INSERT OR
IGNORE on (source, source_id), hashtag and full-text rows derived for the batch, the
generation counted, so the window's index takes them in like an import; they get local
ids, matched to the store's by source and source id), then triage, incidents, tasks,
areas, rules and gazetteer entries. A stop before that commit pulls the same page again,
and nothing is written twice.

Triage is append-only on both sides: the history rows pulled are added, and each
touched item's current triage is the store's history folded in ``seq`` order, then this
workstation's changes not pushed yet (they will get later seqs). Two people triaging one
post concurrently both keep their row; the later seq is the current state everywhere.
"""

from __future__ import annotations

import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass, field

from desktop.cache.writer import ITEM_COLUMNS, bump_generation, derive_batch
from desktop.sync.connect import display, is_driver_error

PAGE = 10_000

_ITEM_SELECT = ("SELECT id, kind, source, source_id, t_ms, lat, lon, precision, radius_m, text, author, author_id, "
                "lang, place_name, hashtags, links, reply_to, quote_of, retweet_of, unit_uid, callsign, extra, raw, "
                "workstation, operator, purpose, case_ref FROM items")


CHANGED_KEPT = 500  # items a pull reports as changed elsewhere (the rest are only counted)


@dataclass(frozen=True)
class ChangedElsewhere:
    """An item whose current triage a pull changed: what it is now and who made the change
    pulled (``by``; the fold keeps each field's latest value, so ``state`` may be older).
    ``superseded``: the state it replaces was set by this workstation's operator (two people
    triaged the same post; the later change in the store's order won)."""

    item_id: int
    by: str
    state: str
    priority: str
    t_ms: int
    superseded: bool = False


@dataclass
class Pulled:
    counts: dict[str, int] = field(default_factory=dict)
    cursor: int = 0
    more: bool = False
    erased: bool = False  # an audit entry of received erasures waits in the cache's outbox
    audited: bool = False  # another audit entry (adopted minimisation settings) waits there
    changed_elsewhere: list = field(default_factory=list)  # ChangedElsewhere, at most CHANGED_KEPT
    alerts: list = field(default_factory=list)  # sync.alerts.Elsewhere: fired or cleared on another workstation

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _local_item(conn: sqlite3.Connection, source: str | None, source_id: str | None) -> int | None:
    if source is None:
        return None
    r = conn.execute("SELECT id FROM items WHERE source = ? AND source_id = ?", (source, source_id)).fetchone()
    return int(r[0]) if r else None


_INSERT = (f"INSERT OR IGNORE INTO items ({', '.join(ITEM_COLUMNS)}) "
           f"VALUES ({', '.join('?' * len(ITEM_COLUMNS))})")


def _write_items(link, rows: list, out: Pulled) -> None:
    """Write shared item rows into the cache (inside the caller's transaction), one batch of
    format ``sync`` per (workstation, operator, purpose, case), as the writer does for a file:
    INSERT OR IGNORE on (source, source_id), then the hashtag and full-text rows derived for
    the batch. The rows were checked where they were first read, so they go in as they are."""
    conn = link.cache.conn
    groups: dict[tuple, list] = defaultdict(list)
    for r in rows:
        groups[(r[23], r[24], r[25], r[26])].append(r)
    now = int(time.time() * 1000)
    wrote = False
    for (ws, operator, purpose, case_ref), group in groups.items():
        batch_id = conn.execute(
            "INSERT INTO batches (path, format, started_ms, operator, purpose, case_ref) VALUES (?, 'sync', ?, ?, ?, ?)",
            (f"{display(link.url)} ({ws})", now, operator, purpose, case_ref)).lastrowid
        cur = conn.executemany(_INSERT, [(*r[1:23], batch_id) for r in group])
        accepted = cur.rowcount
        if not accepted:
            conn.execute("DELETE FROM batches WHERE id = ?", (batch_id,))
            continue
        derive_batch(conn, batch_id)
        conn.execute("UPDATE batches SET finished_ms = ?, accepted = ?, duplicates = ?, notes = '[]' WHERE id = ?",
                     (int(time.time() * 1000), accepted, len(group) - accepted, batch_id))
        out.counts["items"] = out.counts.get("items", 0) + accepted
        wrote = True
    if wrote:
        bump_generation(conn)


def pull(link, *, page: int = PAGE) -> Pulled:
    """Pull one page of changes; ``more`` says whether another page is waiting."""
    conn, st, ws = link.cache.conn, link.state, link.ws
    pg = link.pg
    out = Pulled(cursor=st.cursor())
    if out.cursor:
        _catch_up_erasures(link, out)
    with pg.transaction():
        cur = pg.cursor()
        changes = cur.execute("SELECT seq, tbl, row_id, workstation FROM changes WHERE seq > %s ORDER BY seq LIMIT %s",
                              (out.cursor, page)).fetchall()
        if not changes:
            return out
        out.more = len(changes) >= page
        ids: dict[str, list[int]] = defaultdict(list)
        for _seq, tbl, row_id, who in changes:
            if who != ws:
                ids[tbl].append(row_id)
        ids = {k: list(dict.fromkeys(v)) for k, v in ids.items()}
        fetched: dict[str, list] = {}
        wanted_alert_items: set = set()
        if ids.get("items"):
            sql = _ITEM_SELECT + " WHERE id = ANY(%s)"
            params: list = [ids["items"]]
            if link.since_ms is not None:
                sql += " AND t_ms >= %s"
                params.append(link.since_ms)
            if getattr(link, "area", None) is not None:  # a join limited to an area (sync.fetch)
                where, wp = link.area.sql()
                sql += where
                params += wp
            fetched["items"] = cur.execute(sql + " ORDER BY id", params).fetchall()
        queries = {
            "areas": "SELECT id, name, geometry, exclude, created_ms FROM areas WHERE id = ANY(%s)",
            "gazetteer": "SELECT id, kind, name, aliases, code, parent, lat, lon, radius_m, added_ms, added_by "
                         "FROM gazetteer WHERE id = ANY(%s)",
            "alert_rules": "SELECT id, name, kind, params, area_name, area, enabled, created_ms FROM alert_rules "
                           "WHERE id = ANY(%s)",
            "incidents": "SELECT id, uid, name, state, priority, lat, lon, area, created_ms, created_by, updated_ms, "
                         "closed_ms FROM incidents WHERE id = ANY(%s)",
            "incident_items": "SELECT x.incident_id, n.uid, i.source, i.source_id, x.added_ms, x.added_by, x.removed "
                              "FROM incident_items x JOIN incidents n ON n.id = x.incident_id JOIN items i "
                              "ON i.id = x.item_id WHERE x.id = ANY(%s) ORDER BY x.seq",
            "incident_log": "SELECT l.id, l.incident_id, n.uid, l.t_ms, l.by, l.kind, l.text, i.source, i.source_id, "
                            "l.task_code FROM incident_log l JOIN incidents n ON n.id = l.incident_id LEFT JOIN items i "
                            "ON i.id = l.item_id WHERE l.id = ANY(%s) ORDER BY l.seq",
            "tasks": "SELECT k.code, k.unit_uid, k.callsign, k.text, k.lat, k.lon, k.radius_m, k.message_id, k.state, "
                     "k.sent_ms, k.sent_by, k.delivered_ms, k.acknowledged_ms, k.on_scene_ms, k.done_ms, k.reply, "
                     "k.incident_id, n.uid, i.source, i.source_id FROM tasks k LEFT JOIN incidents n "
                     "ON n.id = k.incident_id LEFT JOIN items i ON i.id = k.item_id WHERE k.id = ANY(%s)",
            "triage_history": "SELECT h.id, h.item_id, i.source, i.source_id, h.t_ms, h.by, h.origin, h.state, "
                              "h.priority, h.tags, d.source, d.source_id, h.note FROM triage_history h "
                              "JOIN items i ON i.id = h.item_id LEFT JOIN items d ON d.id = h.duplicate_of "
                              "WHERE h.id = ANY(%s) ORDER BY h.seq",
        }
        for tbl, sql in queries.items():
            if ids.get(tbl):
                fetched[tbl] = cur.execute(sql, (ids[tbl],)).fetchall()
        if ids.get("campaigns"):
            from desktop.sync import campaigns

            fetched["campaigns"] = campaigns.fetch(cur, ids["campaigns"])
        if ids.get("minimise"):
            from desktop.sync import minimise

            fetched["minimise"] = minimise.fetch(cur)
        if ids.get("alerts"):
            from desktop.sync import alerts

            fetched["alerts"] = alerts.fetch(cur, ids["alerts"])
            for r in fetched["alerts"]:  # their items, if older than what the cache holds
                for source, source_id in (r[10] if isinstance(r[10], list) else []):
                    wanted_alert_items.add((source, source_id))
        if ids.get("scrubs"):
            fetched["scrubs"] = cur.execute("SELECT source, author_id, up_to_id::text FROM scrubs WHERE id = ANY(%s)",
                                            (ids["scrubs"],)).fetchall()
        if ids.get("erasures"):
            fetched["erasures"] = cur.execute("SELECT source, source_id, reason FROM erasures WHERE id = ANY(%s) "
                                              "ORDER BY seq", (ids["erasures"],)).fetchall()
        # Items these rows name that the cache does not have (older than --since): fetched now.
        wanted = set(wanted_alert_items)
        for r in fetched.get("incident_items", []):
            wanted.add((r[2], r[3]))
        for r in fetched.get("incident_log", []):
            if r[7] is not None:
                wanted.add((r[7], r[8]))
        for r in fetched.get("tasks", []):
            if r[18] is not None:
                wanted.add((r[18], r[19]))
        for r in fetched.get("triage_history", []):
            wanted.add((r[2], r[3]))
            if r[10] is not None:
                wanted.add((r[10], r[11]))
        have = {(r[2], r[3]) for r in fetched.get("items", [])}
        missing = [k for k in wanted - have if _local_item(conn, *k) is None]
        extra_items = []
        if missing:
            extra_items = cur.execute(
                _ITEM_SELECT + " WHERE (source, source_id) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
                ([m[0] for m in missing], [m[1] for m in missing])).fetchall()
        # The store's whole triage history of every item touched, for the fold.
        folds: dict[int, list] = defaultdict(list)
        touched = sorted({r[1] for r in fetched.get("triage_history", [])})
        if touched:
            for r in cur.execute("SELECT h.item_id, h.t_ms, h.by, h.origin, h.state, h.priority, h.tags, d.source, "
                                 "d.source_id, h.note, i.source, i.source_id FROM triage_history h "
                                 "JOIN items i ON i.id = h.item_id LEFT JOIN items d ON d.id = h.duplicate_of "
                                 "WHERE h.item_id = ANY(%s) ORDER BY h.item_id, h.seq", (touched,)):
                folds[r[0]].append(r)

    last = int(changes[-1][0])
    if fetched.get("erasures"):
        conn.execute("PRAGMA secure_delete = ON")  # the erased rows' pages are zeroed
    with link.cache.transaction():  # the page and the new cursor commit together
        if st.cursor() != out.cursor:  # another sync of this cache took the page meanwhile
            out.counts.clear()
            out.cursor, out.more = st.cursor(), True
            return out
        if fetched.get("items") or extra_items:
            _write_items(link, list(fetched.get("items", [])) + list(extra_items), out)
        _apply(link, fetched, folds, out)
        _apply_erasures(link, fetched.get("erasures", []), out)
        _apply_scrubs(link, fetched.get("scrubs", []), out)
        if fetched.get("campaigns"):
            from desktop.sync import campaigns

            campaigns.apply(link, fetched["campaigns"], out)
        if fetched.get("alerts"):
            from desktop.sync import alerts

            out.alerts = alerts.apply(link, fetched["alerts"], out)
        if fetched.get("minimise"):
            from desktop.sync import minimise

            out.audited |= minimise.apply(link, fetched["minimise"], out)
        st.set_cursor(last)
    out.cursor = last
    _report_cursor(link, last)
    if out.erased or out.audited:
        _drain(link)
    return out


def _drain(link) -> None:
    from desktop.audit import AuditLog

    with AuditLog.open(link.cache.path) as log:
        log.drain(link.cache.conn)


def _catch_up_erasures(link, out: Pulled) -> None:
    """A workstation away for longer than the store keeps erasure records (they are pruned
    once every recent workstation has them) checks its cache against the store: the items it
    had from the store or gave to it that the store no longer has were erased meanwhile."""
    conn, st = link.cache.conn, link.state
    with link.pg.transaction():
        row = link.pg.execute("SELECT value FROM store_meta WHERE key = 'erasures_pruned_to'").fetchone()
    floor = int(row[0]) if row else 0
    done = int(st.get_key("erasures_checked_to") or 0)
    if out.cursor >= floor or done >= floor:
        return
    pushed = st.out("items")
    mine = conn.execute("SELECT i.source, i.source_id FROM items i LEFT JOIN batches b ON b.id = i.batch_id "
                        "WHERE i.source_id IS NOT NULL AND (i.id <= ? OR b.format = 'sync')", (pushed,)).fetchall()
    gone: list[tuple] = []
    with link.pg.transaction():
        cur = link.pg.cursor()
        cur.execute("CREATE TEMP TABLE tmp_mine (source text, source_id text) ON COMMIT DROP")
        with cur.copy("COPY tmp_mine (source, source_id) FROM STDIN") as cp:
            for r in mine:
                cp.write_row(r)
        gone = cur.execute("SELECT m.source, m.source_id FROM tmp_mine m WHERE NOT EXISTS (SELECT 1 FROM items i "
                           "WHERE i.source = m.source AND i.source_id = m.source_id)").fetchall()
    if gone:
        conn.execute("PRAGMA secure_delete = ON")
    with link.cache.transaction():
        _apply_erasures(link, [(s, sid, "erase") for s, sid in gone], out)
        st.put_key("erasures_checked_to", floor)
    if out.erased or out.audited:
        _drain(link)


def _report_cursor(link, seq: int) -> None:
    """Tell the store how far this workstation has pulled (erasure records wait for that)."""
    try:
        with link.pg.transaction():
            link.pg.execute("UPDATE workstations SET pulled_seq = greatest(pulled_seq, %s), last_seen = now() "
                            "WHERE id = %s", (int(seq), link.ws))
    except Exception as exc:  # the cursor is safe in the cache; the store hears of it next time
        if not is_driver_error(exc):
            raise


def _apply_scrubs(link, rows, out: Pulled) -> None:
    """A source's scrub_geo that reached another workstation: the same rule here (it also
    holds for posts imported later), and the positions it covers forgotten now."""
    from desktop.cache.writer import _scrub  # the writer's own rule, so both agree
    from desktop.core.model import ScrubGeo

    from desktop.sync.push import scrubs_signature

    conn = link.cache.conn
    if not rows:
        return
    all_sent = link.state.get_key("scrubs_sent") == scrubs_signature(conn)
    changed = 0
    for source, author_id, up_to in rows:
        changed += _scrub(conn, ScrubGeo(source, author_id, up_to))
    out.counts["scrubs"] = out.counts.get("scrubs", 0) + len(rows)
    if all_sent:  # the rules here are the store's: the next push need not send them back
        link.state.put_key("scrubs_sent", scrubs_signature(conn))
    if changed:
        bump_generation(conn, rewrote=True)


def _apply_erasures(link, rows, out: Pulled) -> None:
    """Erase the local copies of items erased on another workstation (inside the pull's
    transaction; not staged back to the store). A retention purge there keeps what this
    workstation holds as evidence or has in an open incident: retention is each
    workstation's own; an erasure or a source's withdrawal is applied whatever."""
    from desktop.cache.erase import erase_rows

    conn = link.cache.conn
    doomed: list[int] = []
    reasons: dict[str, int] = {}  # of the items erased here
    for source, source_id, reason in rows:
        item = _local_item(conn, source, source_id)
        if item is None:
            continue
        if reason == "purge" and conn.execute(
                "SELECT 1 FROM holds WHERE item_id = ? UNION ALL SELECT 1 FROM incident_items x JOIN incidents n "
                "ON n.id = x.incident_id WHERE x.item_id = ? AND n.state != 'closed' LIMIT 1", (item, item)).fetchone():
            out.counts["erasures_kept"] = out.counts.get("erasures_kept", 0) + 1
            continue
        if reason == "withdraw":  # the source withdrew it: a later import of it is dropped too
            conn.execute("INSERT OR IGNORE INTO tombstones (source, source_id, batch_id) VALUES (?, ?, NULL)",
                         (source, source_id))
        doomed.append(item)
        reasons[reason] = reasons.get(reason, 0) + 1
    if doomed:
        from desktop.cache.erase import id_ranges
        from desktop.cache.outbox import Staged, Who, stage

        stats = erase_rows(conn, doomed, merge_fts=False, sync_reason=None)
        out.counts["erasures"] = out.counts.get("erasures", 0) + len(doomed)
        # This cache changed: its own trail says so, in the same transaction.
        stage(conn, Staged("erase", Who(operator=link.operator)),
              objects={"items": len(doomed), "ids": id_ranges(doomed)},
              detail={"from": "shared store", "store": link.store_id, "reasons": reasons, "counts": stats.counts()})
        out.erased = True


def _apply(link, fetched: dict, folds: dict, out: Pulled) -> None:
    conn, st = link.cache.conn, link.state

    def pulled(table: str, local_id: int | None) -> None:
        if local_id is not None:
            st.add_pulled(table, int(local_id), int(local_id))
            out.counts[table] = out.counts.get(table, 0) + 1

    for _id, name, geometry, exclude, created_ms in fetched.get("areas", []):
        row = conn.execute("SELECT geometry, exclude FROM areas WHERE name = ?", (name,)).fetchone()
        if row and row[0] == geometry and bool(row[1]) == bool(exclude):
            continue
        cur = conn.execute("INSERT OR REPLACE INTO areas (name, geometry, exclude, created_ms) VALUES (?, ?, ?, ?)",
                           (name, geometry, int(bool(exclude)), created_ms))
        pulled("areas", cur.lastrowid)
    for r in fetched.get("gazetteer", []):
        cur = conn.execute("INSERT OR IGNORE INTO gazetteer (origin, kind, name, aliases, code, parent, lat, lon, "
                           "radius_m, added_ms, added_by) VALUES ('user', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", r[1:])
        if cur.rowcount:
            pulled("gazetteer", cur.lastrowid)
    for r in fetched.get("alert_rules", []):
        cur = conn.execute("INSERT INTO alert_rules (name, kind, params, area_name, area, enabled, created_ms) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)", (r[1], r[2], r[3], r[4], r[5], int(bool(r[6])), r[7]))
        pulled("alert_rules", cur.lastrowid)

    def incident(shared_id: int, uid: str) -> int | None:
        mine = f"{link.ws}:"
        if uid.startswith(mine):
            local = int(uid[len(mine):])
            return local if conn.execute("SELECT 1 FROM incidents WHERE id = ?", (local,)).fetchone() else None
        return st.incident_local(shared_id)

    for (sid, uid, name, state, priority, lat, lon, area, created_ms, created_by, updated_ms,
         closed_ms) in fetched.get("incidents", []):
        local = incident(sid, uid)
        if local is None:
            cur = conn.execute("INSERT INTO incidents (name, state, priority, lat, lon, area, created_ms, created_by, "
                               "updated_ms, closed_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               (name, state, priority, lat, lon, area, created_ms, created_by, updated_ms, closed_ms))
            st.map_incident(sid, int(cur.lastrowid), uid)
        else:
            conn.execute("UPDATE incidents SET name = ?, state = ?, priority = ?, lat = ?, lon = ?, area = ?, "
                         "updated_ms = max(updated_ms, ?), closed_ms = ? WHERE id = ?",
                         (name, state, priority, lat, lon, area, updated_ms, closed_ms, local))
        out.counts["incidents"] = out.counts.get("incidents", 0) + 1
    for sid, uid, source, source_id, added_ms, added_by, removed in fetched.get("incident_items", []):
        local, item = incident(sid, uid), _local_item(conn, source, source_id)
        if local is None or item is None:
            continue
        if removed:
            conn.execute("DELETE FROM incident_items WHERE incident_id = ? AND item_id = ?", (local, item))
        else:
            conn.execute("INSERT OR IGNORE INTO incident_items (incident_id, item_id, added_ms, added_by) "
                         "VALUES (?, ?, ?, ?)", (local, item, added_ms, added_by))
        out.counts["incident_items"] = out.counts.get("incident_items", 0) + 1
    for r in fetched.get("tasks", []):
        (code, unit_uid, callsign, text, lat, lon, radius_m, message_id, state, sent_ms, sent_by, delivered_ms,
         acknowledged_ms, on_scene_ms, done_ms, reply, inc_sid, inc_uid, source, source_id) = r
        inc = incident(inc_sid, inc_uid) if inc_sid is not None else None
        conn.execute(
            "INSERT INTO tasks (code, incident_id, item_id, unit_uid, callsign, text, lat, lon, radius_m, message_id, "
            "state, sent_ms, sent_by, delivered_ms, acknowledged_ms, on_scene_ms, done_ms, reply) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET "
            "state = excluded.state, callsign = excluded.callsign, message_id = excluded.message_id, "
            "reply = excluded.reply, delivered_ms = coalesce(excluded.delivered_ms, tasks.delivered_ms), "
            "acknowledged_ms = coalesce(excluded.acknowledged_ms, tasks.acknowledged_ms), "
            "on_scene_ms = coalesce(excluded.on_scene_ms, tasks.on_scene_ms), "
            "done_ms = coalesce(excluded.done_ms, tasks.done_ms)",
            (code, inc, _local_item(conn, source, source_id), unit_uid, callsign, text, lat, lon, radius_m, message_id,
             state, sent_ms, sent_by, delivered_ms, acknowledged_ms, on_scene_ms, done_ms, reply))
        out.counts["tasks"] = out.counts.get("tasks", 0) + 1
    for _id, sid, uid, t_ms, by, kind, text, source, source_id, task_code in fetched.get("incident_log", []):
        local = incident(sid, uid)
        if local is None:
            continue
        task = conn.execute("SELECT id FROM tasks WHERE code = ?", (task_code,)).fetchone() if task_code else None
        cur = conn.execute("INSERT INTO incident_log (incident_id, t_ms, by, kind, text, item_id, task_id) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (local, t_ms, by, kind, text, _local_item(conn, source, source_id), task[0] if task else None))
        conn.execute("UPDATE incidents SET updated_ms = max(updated_ms, ?) WHERE id = ?", (t_ms, local))
        pulled("incident_log", cur.lastrowid)

    # Triage: the rows, then each touched item's current state folded from the whole history.
    refold: dict[int, int] = {}  # shared item id -> local item id
    pulled_by: dict[int, str] = {}  # local item id -> who made its newest pulled row
    for (_id, s_item, source, source_id, t_ms, by, origin, state, priority, tags, d_source, d_source_id,
         note) in fetched.get("triage_history", []):
        item = _local_item(conn, source, source_id)
        if item is None:
            continue
        dup = _local_item(conn, d_source, d_source_id)
        cur = conn.execute("INSERT INTO triage_history (item_id, t_ms, by, origin, state, priority, tags, duplicate_of, "
                           "note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (item, t_ms, by, origin, state, priority, tags, dup, note))
        pulled("triage_history", cur.lastrowid)
        refold[s_item] = item
        pulled_by[item] = by
    if refold:
        cond, params = st.not_pulled_sql("triage_history")
        out_mark = st.out("triage_history")
        for s_item, item in refold.items():
            rows = [(t, by, origin, state, priority, tags, _local_item(conn, ds, dsi), note)
                    for _i, t, by, origin, state, priority, tags, ds, dsi, note, _s, _si in folds.get(s_item, [])]
            rows += conn.execute(f"SELECT t_ms, by, origin, state, priority, tags, duplicate_of, note FROM triage_history "
                                 f"WHERE item_id = ? AND id > ? AND {cond} ORDER BY id",
                                 [item, out_mark, *params]).fetchall()
            before = conn.execute("SELECT state, priority, updated_by FROM triage WHERE item_id = ?", (item,)).fetchone()
            _set_triage(conn, item, rows)
            after = conn.execute("SELECT state, priority, updated_by, updated_ms FROM triage WHERE item_id = ?",
                                 (item,)).fetchone()
            if after is not None and (before is None or tuple(before) != tuple(after[:3])):
                if len(out.changed_elsewhere) < CHANGED_KEPT:
                    out.changed_elsewhere.append(ChangedElsewhere(
                        item, pulled_by[item], after[0], after[1], int(after[3]),
                        superseded=bool(before is not None and link.operator and before[2] == link.operator
                                        and after[2] != link.operator)))


def fold(rows) -> dict | None:
    """The current triage from history rows in order (t_ms, by, origin, state, priority, tags,
    duplicate_of, note): each row holds the new value of the fields it changed."""
    if not rows:
        return None
    cur = {"state": "new", "priority": "routine", "tags": "[]", "duplicate_of": None, "officer": 0,
           "updated_ms": 0, "updated_by": ""}
    for t_ms, by, origin, state, priority, tags, dup, _note in rows:
        if origin == "officer":
            cur["officer"] = 1
        elif state is not None:
            cur["officer"] = 0
        if state is not None:
            cur["state"] = state
            if state != "duplicate":
                cur["duplicate_of"] = None
        if priority is not None:
            cur["priority"] = priority
        if tags is not None:
            cur["tags"] = tags
        if dup is not None:
            cur["duplicate_of"] = dup
        cur["updated_ms"], cur["updated_by"] = t_ms, by
    return cur


def _set_triage(conn: sqlite3.Connection, item: int, rows) -> None:
    t = fold(rows)
    if t is None:
        return
    conn.execute(
        "INSERT INTO triage (item_id, state, priority, tags, duplicate_of, officer, updated_ms, updated_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (item_id) DO UPDATE SET state = excluded.state, "
        "priority = excluded.priority, tags = excluded.tags, duplicate_of = excluded.duplicate_of, "
        "officer = excluded.officer, updated_ms = excluded.updated_ms, updated_by = excluded.updated_by",
        (item, t["state"], t["priority"], t["tags"], t["duplicate_of"], t["officer"], t["updated_ms"], t["updated_by"]))
