"""Pushing this workstation's changes to the shared store.

One push is one PostgreSQL transaction that holds the push lock (so sequence order is
commit order): the local rows above each outgoing watermark go in with COPY into a
temporary table, then ``INSERT … ON CONFLICT DO NOTHING`` (items on (source, source_id),
the append-only tables on (workstation, local id)), and every row that went in gets one
``changes`` row; a NOTIFY with the newest seq is delivered at commit. Only then do the
watermarks move, in one cache transaction: a stop in between pushes the same rows again
next time, and the conflicts make that a no-op.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from desktop.audit.log import audit_path
from desktop.cache.writer import ITEM_COLUMNS
from desktop.sync import schema

CHUNK = 20_000  # local rows per table per push transaction

_ITEM_COLS = tuple(c for c in ITEM_COLUMNS if c != "batch_id")


@dataclass
class Pushed:
    counts: dict[str, int] = field(default_factory=dict)
    more: bool = False  # a table had more than CHUNK rows waiting
    item_ids: list = field(default_factory=list)  # the store's ids of the items this push added

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _log_changes(cur, tbl: str, ws: str, operator: str | None, returned: list[tuple]) -> int:
    """``returned``: (row id, seq) of the rows a statement changed."""
    if returned:
        with cur.copy("COPY changes (seq, tbl, row_id, workstation, operator) FROM STDIN") as cp:
            for rid, seq in returned:
                cp.write_row((seq, tbl, rid, ws, operator))
    return len(returned)


def _copy(cur, table: str, columns: tuple[str, ...], types: tuple[str, ...], rows: list[tuple]) -> None:
    cur.execute(f"CREATE TEMP TABLE {table} ({', '.join(f'{c} {t}' for c, t in zip(columns, types))}) ON COMMIT DROP")
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for r in rows:
            cp.write_row(r)


def _upper(conn: sqlite3.Connection, table: str, after: int, where: str = "1") -> int:
    """The highest id of the next CHUNK rows of ``table`` above ``after`` (``after`` when none)."""
    r = conn.execute(f"SELECT max(id) FROM (SELECT id FROM {table} WHERE id > ? AND {where} ORDER BY id LIMIT ?)",
                     (after, CHUNK)).fetchone()
    return int(r[0]) if r and r[0] is not None else after


def waiting(link) -> int:
    """How many local changes wait to be pushed (erasures, items, triage, incident log, areas,
    rules, gazetteer entries, audit entries)."""
    conn, st = link.cache.conn, link.state
    n = conn.execute("SELECT count(*) FROM items i LEFT JOIN batches b ON b.id = i.batch_id WHERE i.id > ? "
                     "AND coalesce(b.format, '') != 'sync'", (st.out("items"),)).fetchone()[0]
    n += conn.execute("SELECT count(*) FROM sync_erasures").fetchone()[0]
    from desktop.sync import campaigns

    n += campaigns.waiting(link)
    from desktop.sync import alerts, minimise

    n += alerts.waiting(link) + minimise.waiting(link)
    for table, extra in (("triage_history", "1"), ("incident_log", "1"), ("areas", "1"), ("alert_rules", "1"),
                         ("gazetteer", "origin = 'user'")):
        cond, params = st.not_pulled_sql(table)
        n += conn.execute(f"SELECT count(*) FROM {table} WHERE id > ? AND {extra} AND {cond}",
                          [st.out(table), *params]).fetchone()[0]
    n += _audit_waiting(link)
    return int(n)


def _audit_rows(link, after: int) -> list[tuple]:
    p = audit_path(link.cache.path)
    if not p.exists():
        return []
    try:
        conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT seq, t_ms, operator, purpose, case_ref, workstation, action, objects, detail, "
                                "prev_hash, hash FROM entries WHERE seq > ? ORDER BY seq LIMIT ?",
                                (after, CHUNK)).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return []  # the audit log is busy or not there yet: its entries go with the next push


def _audit_waiting(link) -> int:
    p = audit_path(link.cache.path)
    if not p.exists():
        return 0
    try:
        conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT count(*) FROM entries WHERE seq > ?", (link.state.out("audit"),)).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def push(link) -> Pushed:
    """Push what changed locally since the last push; returns the counts per table."""
    conn, st, ws, op = link.cache.conn, link.state, link.ws, link.operator
    out = Pushed()
    marks: dict[str, int] = {}
    pg = link.pg
    # One read snapshot of the cache for the whole push: a triage row or an incident line
    # read here names an item that is in the same snapshot (it was written first).
    conn.execute("BEGIN")
    try:
        _push_all(link, pg, out, marks)
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")
    # The store has them: move the watermarks (a stop before this re-pushes, which is a no-op).
    if marks:
        erased_to = marks.pop("erasures", None)
        scrubs_sig = marks.pop("scrubs", None)
        campaigns_agreed = marks.pop("campaigns", None)
        minimise_agreed = marks.pop("minimise", None)
        if erased_to is not None:  # delivered erasures leave no identifier behind here
            conn.execute("PRAGMA secure_delete = ON")
        with link.cache.transaction():
            if erased_to is not None:
                conn.execute("DELETE FROM sync_erasures WHERE id <= ?", (erased_to,))
            if scrubs_sig is not None:
                st.put_key("scrubs_sent", scrubs_sig)
            if campaigns_agreed is not None:
                st.put_key("campaigns", campaigns_agreed)
            if minimise_agreed is not None:
                st.put_key("minimise", minimise_agreed)
            for table, mark in marks.items():
                st.set_out(table, mark)
    return out


def _push_all(link, pg, out: Pushed, marks: dict) -> None:
    conn, st, ws, op = link.cache.conn, link.state, link.ws, link.operator
    with pg.transaction():
        cur = pg.cursor()
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (schema.PUSH_LOCK,))

        # --- erasures first: what was erased here goes from the store before anything refers to it
        _push_erasures(link, cur, out, marks)

        # --- scrub_geo rules (few; sent whenever the local set changed)
        _push_scrubs(link, cur, out, marks)

        # --- items (those this workstation read or received; pulled ones are in 'sync' batches)
        lo = st.out("items")
        hi = _upper(conn, "items", lo)
        if hi > lo:
            rows = conn.execute(
                f"SELECT i.id, {', '.join('i.' + c for c in _ITEM_COLS)}, b.operator, b.purpose, b.case_ref "
                "FROM items i LEFT JOIN batches b ON b.id = i.batch_id WHERE i.id > ? AND i.id <= ? "
                "AND coalesce(b.format, '') != 'sync' ORDER BY i.id", (lo, hi)).fetchall()
            if rows:
                cols = ("local_id", *_ITEM_COLS, "operator", "purpose", "case_ref")
                types = tuple("bigint" if c in ("local_id", "t_ms") else
                              "double precision" if c in ("lat", "lon", "radius_m") else "text" for c in cols)
                _copy(cur, "tmp_items", cols, types, rows)
                ins = cur.execute(
                    f"INSERT INTO items (seq, {', '.join(_ITEM_COLS)}, geom, workstation, operator, purpose, case_ref) "
                    f"SELECT nextval('sitmap_seq'), {', '.join(_ITEM_COLS)}, "
                    "CASE WHEN lat IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END, "
                    "%s, operator, purpose, case_ref FROM tmp_items t WHERE NOT EXISTS (SELECT 1 FROM erasures e "
                    "WHERE e.source = t.source AND e.source_id = t.source_id) ORDER BY local_id "
                    "ON CONFLICT (source, source_id) DO NOTHING RETURNING id, seq", (ws,)).fetchall()
                out.counts["items"] = _log_changes(cur, "items", ws, op, ins)
                out.item_ids = [r[0] for r in ins]
                if ins:  # positions a scrub_geo already forgot stay forgotten
                    cur.execute(_SCRUB_ITEMS + " AND i.id = ANY(%s)", ([r[0] for r in ins],))
            marks["items"] = hi
            out.more |= hi - lo >= CHUNK

        # --- triage history (append-only; the item by its source and source id)
        _push_appendonly(
            link, cur, out, marks, "triage_history",
            "SELECT h.id, i.source, i.source_id, h.t_ms, h.by, h.origin, h.state, h.priority, h.tags, "
            "d.source, d.source_id, h.note FROM triage_history h JOIN items i ON i.id = h.item_id "
            "LEFT JOIN items d ON d.id = h.duplicate_of WHERE h.id > ? AND h.id <= ? AND {cond} ORDER BY h.id",
            ("local_id", "source", "source_id", "t_ms", "by", "origin", "state", "priority", "tags", "dup_source",
             "dup_source_id", "note"),
            ("bigint", "text", "text", "bigint", "text", "text", "text", "text", "text", "text", "text", "text"),
            "INSERT INTO triage_history (seq, workstation, local_id, item_id, t_ms, by, origin, state, priority, tags, "
            "duplicate_of, note) SELECT nextval('sitmap_seq'), %s, t.local_id, i.id, t.t_ms, t.by, t.origin, t.state, "
            "t.priority, t.tags, d.id, t.note FROM tmp_triage_history t JOIN items i ON i.source = t.source "
            "AND i.source_id = t.source_id LEFT JOIN items d ON d.source = t.dup_source AND d.source_id = t.dup_source_id "
            "ORDER BY t.local_id ON CONFLICT (workstation, local_id) DO NOTHING RETURNING id, seq", col="h.id",
            keyed=True)

        # --- areas, gazetteer entries, alert rules
        _push_appendonly(
            link, cur, out, marks, "areas",
            "SELECT id, name, geometry, exclude, created_ms FROM areas WHERE id > ? AND id <= ? AND {cond} ORDER BY id",
            ("local_id", "name", "geometry", "exclude", "created_ms"), ("bigint", "text", "text", "int", "bigint"),
            "INSERT INTO areas (seq, name, geometry, geom, exclude, created_ms, workstation) "
            # A circle drawn on the map or a shape from TAK is kept as a Feature (its properties
            # say how to publish it); PostGIS reads only the geometry of it.
            "SELECT nextval('sitmap_seq'), name, geometry, ST_SetSRID(ST_GeomFromGeoJSON(CASE WHEN "
            "geometry::jsonb ->> 'type' = 'Feature' THEN (geometry::jsonb -> 'geometry')::text ELSE geometry END), 4326), "
            "exclude != 0, "
            "created_ms, %s FROM tmp_areas ORDER BY local_id ON CONFLICT (name) DO UPDATE SET geometry = excluded.geometry, "
            "geom = excluded.geom, exclude = excluded.exclude, created_ms = excluded.created_ms, seq = excluded.seq, "
            "workstation = excluded.workstation WHERE (areas.geometry, areas.exclude) IS DISTINCT FROM "
            "(excluded.geometry, excluded.exclude) RETURNING id, seq")
        _push_appendonly(
            link, cur, out, marks, "gazetteer",
            "SELECT id, kind, name, aliases, code, parent, lat, lon, radius_m, added_ms, added_by FROM gazetteer "
            "WHERE id > ? AND id <= ? AND origin = 'user' AND {cond} ORDER BY id",
            ("local_id", "kind", "name", "aliases", "code", "parent", "lat", "lon", "radius_m", "added_ms", "added_by"),
            ("bigint", "text", "text", "text", "text", "text", "double precision", "double precision",
             "double precision", "bigint", "text"),
            "INSERT INTO gazetteer (seq, kind, name, aliases, code, parent, lat, lon, geom, radius_m, added_ms, added_by, "
            "workstation) SELECT nextval('sitmap_seq'), kind, name, aliases, code, parent, lat, lon, "
            "ST_SetSRID(ST_MakePoint(lon, lat), 4326), radius_m, added_ms, added_by, %s FROM tmp_gazetteer "
            "ORDER BY local_id ON CONFLICT (name, lat, lon) DO NOTHING RETURNING id, seq", where="origin = 'user'")
        _push_appendonly(
            link, cur, out, marks, "alert_rules",
            "SELECT id, name, kind, params, area_name, area, enabled, created_ms FROM alert_rules "
            "WHERE id > ? AND id <= ? AND {cond} ORDER BY id",
            ("local_id", "name", "kind", "params", "area_name", "area", "enabled", "created_ms"),
            ("bigint", "text", "text", "text", "text", "text", "int", "bigint"),
            "INSERT INTO alert_rules (seq, workstation, local_id, name, kind, params, area_name, area, enabled, "
            "created_ms) SELECT nextval('sitmap_seq'), %s, local_id, name, kind, params, area_name, area, enabled != 0, "
            "created_ms FROM tmp_alert_rules ORDER BY local_id ON CONFLICT (workstation, local_id) DO NOTHING "
            "RETURNING id, seq")

        # --- campaign definitions (few, edited in place: by what the store last agreed on)
        from desktop.sync import campaigns

        campaigns.push(link, cur, out, marks, _copy, _log_changes)

        # --- fired alerts and their clearing (after the items they name)
        from desktop.sync import alerts, minimise

        alerts.push(link, cur, out, marks, _copy, _log_changes)

        # --- the minimisation policy, then the store minimises its own rows (after new items)
        policy = minimise.push(link, cur, out, marks, _log_changes)
        if out.counts.get(minimise.KEY) or minimise.full_pass_due(cur, policy):  # the whole store
            minimise.run_in_store(cur, policy)
        elif out.item_ids:  # the items this push added
            minimise.run_in_store(cur, policy, ids=out.item_ids)

        # --- incidents: every incident with a new local log line goes up as it is now
        _push_incidents(link, cur, out, marks)
        _push_tasks(link, cur, out)

        # --- audit entries (pushed, never pulled: each workstation's chain stays its own)
        alo = st.out("audit")
        arows = _audit_rows(link, alo)
        if arows:
            _copy(cur, "tmp_audit", ("local_seq", "t_ms", "operator", "purpose", "case_ref", "entry_workstation",
                                     "action", "objects", "detail", "prev_hash", "hash"),
                  ("bigint", "bigint", "text", "text", "text", "text", "text", "text", "text", "text", "text"), arows)
            ins = cur.execute(
                "INSERT INTO audit_entries (seq, workstation, local_seq, t_ms, operator, purpose, case_ref, "
                "entry_workstation, action, objects, detail, prev_hash, hash) SELECT nextval('sitmap_seq'), %s, "
                "local_seq, t_ms, operator, purpose, case_ref, entry_workstation, action, objects, detail, prev_hash, "
                "hash FROM tmp_audit ORDER BY local_seq ON CONFLICT (workstation, local_seq) DO NOTHING "
                "RETURNING id, seq", (ws,)).fetchall()
            out.counts["audit"] = _log_changes(cur, "audit_entries", ws, op, ins)
            marks["audit"] = int(arows[-1][0])
            out.more |= len(arows) >= CHUNK

        if out.total:
            top = cur.execute("SELECT max(seq) FROM changes").fetchone()[0]
            cur.execute("SELECT pg_notify(%s, %s)", (schema.CHANNEL, str(top)))
        cur.execute("UPDATE workstations SET last_seen = now() WHERE id = %s", (ws,))


REMOVED = "(removed with an erased item)"  # as the cache's erasure writes it
_QUOTE = 40  # the first characters of an erased item's text looked for in log rows and tasks


def _push_erasures(link, cur, out: Pushed, marks: dict) -> None:
    """Erasures made here: the store loses the items and what refers to them, as the cache's
    erasure does (triage history, incident links; tasks and log rows keep their place but
    lose the item and any quote of its text), and records each erasure for the other
    workstations. Then the records every recent workstation has pulled are pruned."""
    conn = link.cache.conn
    rows = conn.execute("SELECT id, source, source_id, reason, t_ms FROM sync_erasures ORDER BY id LIMIT ?",
                        (CHUNK,)).fetchall()
    if rows:
        _copy(cur, "tmp_erasures", ("local_id", "source", "source_id", "reason", "t_ms"),
              ("bigint", "text", "text", "text", "bigint"), rows)
        cur.execute("CREATE TEMP TABLE tmp_erased ON COMMIT DROP AS SELECT i.id, "
                    "CASE WHEN i.id IN (SELECT item_id FROM incident_items UNION SELECT item_id FROM tasks "
                    "UNION SELECT item_id FROM incident_log) THEN left(regexp_replace(btrim(i.text), '\\s+', ' ', 'g'), %s) "
                    "END AS quote FROM items i JOIN tmp_erasures e ON e.source = i.source AND e.source_id = i.source_id",
                    (_QUOTE,))
        sub = "(SELECT id FROM tmp_erased)"
        quotes = ("EXISTS (SELECT 1 FROM tmp_erased q WHERE length(q.quote) >= 4 "
                  "AND strpos(regexp_replace({col}, '\\s+', ' ', 'g'), q.quote) > 0)")
        cur.execute(f"DELETE FROM triage_history WHERE item_id IN {sub}")
        cur.execute(f"UPDATE triage_history SET duplicate_of = NULL WHERE duplicate_of IN {sub}")
        cur.execute(f"DELETE FROM incident_items WHERE item_id IN {sub}")
        cur.execute(f"UPDATE tasks SET text = %s, reply = CASE WHEN reply IS NULL THEN NULL ELSE %s END "
                    f"WHERE item_id IN {sub} OR {quotes.format(col='text')}", (REMOVED, REMOVED))
        cur.execute(f"UPDATE tasks SET item_id = NULL WHERE item_id IN {sub}")
        cur.execute(f"UPDATE incident_log SET text = %s WHERE {quotes.format(col='text')}", (REMOVED,))
        cur.execute(f"UPDATE incident_log SET item_id = NULL WHERE item_id IN {sub}")
        cur.execute(f"DELETE FROM items WHERE id IN {sub}")
        ins = cur.execute("INSERT INTO erasures (seq, source, source_id, reason, workstation, t_ms) "
                          "SELECT nextval('sitmap_seq'), source, source_id, reason, %s, t_ms FROM tmp_erasures "
                          "ORDER BY local_id RETURNING id, seq", (link.ws,)).fetchall()
        out.counts["erasures"] = _log_changes(cur, "erasures", link.ws, link.operator, ins)
        marks["erasures"] = int(rows[-1][0])
        out.more |= len(rows) >= CHUNK
    prune_erasures(cur)


_SCRUB_ITEMS = ("UPDATE items i SET lat = NULL, lon = NULL, geom = NULL, precision = 'unknown', radius_m = NULL, "
                "place_name = NULL FROM scrubs s WHERE s.source = i.source AND s.author_id = i.author_id "
                "AND i.lat IS NOT NULL AND i.source_id ~ '^[0-9]{1,19}$' AND i.source_id::numeric <= s.up_to_id")


def scrubs_signature(conn: sqlite3.Connection) -> str:
    """Changes whenever the cache's scrub_geo rules change (they only ever grow)."""
    n, total = conn.execute("SELECT count(*), coalesce(sum(up_to_id), 0) FROM scrubs").fetchone()
    return f"{n}:{total}"


def _push_scrubs(link, cur, out: Pushed, marks: dict) -> None:
    conn = link.cache.conn
    sig = scrubs_signature(conn)
    if link.state.get_key("scrubs_sent") == sig:
        return
    rows = conn.execute("SELECT source, author_id, up_to_id FROM scrubs").fetchall()
    if rows:
        _copy(cur, "tmp_scrubs", ("source", "author_id", "up_to_id"), ("text", "text", "numeric"), rows)
        ins = cur.execute(
            "INSERT INTO scrubs (seq, source, author_id, up_to_id, workstation) SELECT nextval('sitmap_seq'), "
            "source, author_id, up_to_id, %s FROM tmp_scrubs ON CONFLICT (source, author_id) DO UPDATE SET "
            "up_to_id = excluded.up_to_id, seq = excluded.seq, workstation = excluded.workstation "
            "WHERE excluded.up_to_id > scrubs.up_to_id RETURNING id, seq", (link.ws,)).fetchall()
        if ins:
            cur.execute(_SCRUB_ITEMS + " AND s.id = ANY(%s)", ([r[0] for r in ins],))
            out.counts["scrubs"] = _log_changes(cur, "scrubs", link.ws, link.operator, ins)
    marks["scrubs"] = sig


def prune_erasures(cur) -> int:
    """Drop the erasure records that every workstation seen within the horizon has pulled;
    remember the highest seq dropped. Returns how many went."""
    row = cur.execute("SELECT min(pulled_seq) FROM workstations WHERE last_seen > now() - make_interval(days => %s)",
                      (schema.ERASURE_HORIZON_DAYS,)).fetchone()
    floor = row[0] if row else None
    if not floor:
        return 0
    gone = cur.execute("DELETE FROM erasures WHERE seq <= %s RETURNING seq", (floor,)).fetchall()
    if gone:
        cur.execute("INSERT INTO store_meta (key, value) VALUES ('erasures_pruned_to', %s) ON CONFLICT (key) DO UPDATE "
                    "SET value = greatest(store_meta.value::bigint, excluded.value::bigint)::text",
                    (str(max(g[0] for g in gone)),))
    return len(gone)


def _push_appendonly(link, cur, out: Pushed, marks: dict, table: str, select: str, cols: tuple, types: tuple,
                     insert: str, *, where: str = "1", col: str = "id", keyed: bool = False) -> None:
    conn, st = link.cache.conn, link.state
    lo = st.out(table)
    hi = _upper(conn, table, lo, where)
    if hi <= lo:
        return
    cond, params = st.not_pulled_sql(table, col)
    rows = conn.execute(select.format(cond=cond), [lo, hi, *params]).fetchall()
    if rows:
        _copy(cur, f"tmp_{table}", cols, types, rows)
        ins = cur.execute(insert, (link.ws,)).fetchall()
        out.counts[table] = _log_changes(cur, table, link.ws, link.operator, ins)
        if keyed:
            # A row whose item the store does not have yet (beyond this push's chunk of items)
            # went nowhere: the watermark stops below it and it goes with the next push.
            left = cur.execute(f"SELECT t.local_id, t.source, t.source_id FROM tmp_{table} t WHERE NOT EXISTS "
                               f"(SELECT 1 FROM {table} s WHERE s.workstation = %s AND s.local_id = t.local_id) "
                               "ORDER BY 1", (link.ws,)).fetchall()
            pushed_items = marks.get("items", st.out("items"))
            for local_id, source, source_id in left:
                r = conn.execute("SELECT id FROM items WHERE source = ? AND source_id = ?", (source, source_id)).fetchone()
                if r is not None and r[0] > pushed_items:  # its item goes up with a later push
                    hi = int(local_id) - 1
                    break
    marks[table] = hi
    out.more |= hi - lo >= CHUNK


def _push_incidents(link, cur, out: Pushed, marks: dict) -> None:
    conn, st, ws = link.cache.conn, link.state, link.ws
    lo = st.out("incident_log")
    hi = _upper(conn, "incident_log", lo)
    if hi <= lo:
        return
    cond, params = st.not_pulled_sql("incident_log", "l.id")
    logs = conn.execute(f"SELECT l.id, l.incident_id, l.t_ms, l.by, l.kind, l.text, i.source, i.source_id, t.code "
                        "FROM incident_log l LEFT JOIN items i ON i.id = l.item_id LEFT JOIN tasks t ON t.id = l.task_id "
                        f"WHERE l.id > ? AND l.id <= ? AND {cond} ORDER BY l.id",
                        [lo, hi, *params]).fetchall()
    marks["incident_log"] = hi
    out.more |= hi - lo >= CHUNK
    if not logs:
        return
    touched = sorted({r[1] for r in logs})
    uid = {i: st.incident_uid(i, ws) for i in touched}
    q = ",".join("?" * len(touched))
    incs = conn.execute("SELECT id, name, state, priority, lat, lon, area, created_ms, created_by, updated_ms, closed_ms "
                        f"FROM incidents WHERE id IN ({q})", touched).fetchall()
    if incs:
        _copy(cur, "tmp_incidents", ("uid", "name", "state", "priority", "lat", "lon", "area", "created_ms",
                                     "created_by", "updated_ms", "closed_ms"),
              ("text", "text", "text", "text", "double precision", "double precision", "text", "bigint", "text",
               "bigint", "bigint"), [(uid[r[0]], *r[1:]) for r in incs])
        ins = cur.execute(
            "INSERT INTO incidents AS n (seq, uid, name, state, priority, lat, lon, area, geom, created_ms, created_by, "
            "updated_ms, closed_ms, workstation) SELECT nextval('sitmap_seq'), uid, name, state, priority, lat, lon, area, "
            "CASE WHEN area IS NOT NULL THEN ST_SetSRID(ST_GeomFromGeoJSON(area), 4326) "
            "WHEN lat IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END, created_ms, created_by, updated_ms, "
            "closed_ms, %s FROM tmp_incidents ON CONFLICT (uid) DO UPDATE SET name = excluded.name, "
            "state = excluded.state, priority = excluded.priority, lat = excluded.lat, lon = excluded.lon, "
            "area = excluded.area, geom = excluded.geom, updated_ms = greatest(n.updated_ms, excluded.updated_ms), "
            "closed_ms = excluded.closed_ms, seq = excluded.seq WHERE (n.name, n.state, n.priority, n.lat, n.lon, n.area, "
            "n.closed_ms) IS DISTINCT FROM (excluded.name, excluded.state, excluded.priority, excluded.lat, excluded.lon, "
            "excluded.area, excluded.closed_ms) RETURNING id, seq", (ws,)).fetchall()
        out.counts["incidents"] = _log_changes(cur, "incidents", ws, link.operator, ins)
    # Their items: added where the store lacks them; removed where this workstation had seen
    # them (seq at or below its pull cursor, or its own) and no longer has them.
    members = conn.execute(f"SELECT x.incident_id, i.source, i.source_id, x.added_ms, x.added_by FROM incident_items x "
                           f"JOIN items i ON i.id = x.item_id WHERE x.incident_id IN ({q})", touched).fetchall()
    _copy(cur, "tmp_members", ("uid", "source", "source_id", "added_ms", "added_by"),
          ("text", "text", "text", "bigint", "text"), [(uid[r[0]], *r[1:]) for r in members])
    added = cur.execute(
        "INSERT INTO incident_items AS x (seq, incident_id, item_id, added_ms, added_by, workstation) "
        "SELECT nextval('sitmap_seq'), n.id, i.id, t.added_ms, t.added_by, %s FROM tmp_members t "
        "JOIN incidents n ON n.uid = t.uid JOIN items i ON i.source = t.source AND i.source_id = t.source_id "
        "ON CONFLICT (incident_id, item_id) DO UPDATE SET removed = false, seq = excluded.seq, "
        "added_ms = excluded.added_ms, added_by = excluded.added_by, workstation = excluded.workstation "
        "WHERE x.removed RETURNING id, seq", (ws,)).fetchall()
    removed = cur.execute(
        "UPDATE incident_items x SET removed = true, seq = nextval('sitmap_seq'), workstation = %s "
        "FROM incidents n WHERE x.incident_id = n.id AND n.uid = ANY(%s) AND NOT x.removed "
        "AND (x.seq <= %s OR x.workstation = %s) AND NOT EXISTS (SELECT 1 FROM tmp_members t JOIN items i "
        "ON i.source = t.source AND i.source_id = t.source_id WHERE t.uid = n.uid AND i.id = x.item_id) "
        "RETURNING x.id, x.seq", (ws, list(uid.values()), st.cursor(), ws)).fetchall()
    # A member the store does not have yet (beyond this push's chunk of items): the incident's
    # lines go again with the next push, which then adds the member.
    late = cur.execute("SELECT t.source, t.source_id FROM tmp_members t WHERE NOT EXISTS (SELECT 1 FROM items i "
                       "WHERE i.source = t.source AND i.source_id = t.source_id)").fetchall()
    pushed_items = marks.get("items", st.out("items"))
    for source, source_id in late:
        r = conn.execute("SELECT id FROM items WHERE source = ? AND source_id = ?", (source, source_id)).fetchone()
        if r is not None and r[0] > pushed_items:
            marks["incident_log"] = lo
            break
    n = _log_changes(cur, "incident_items", ws, link.operator, added + removed)
    if n:
        out.counts["incident_items"] = n
    _copy(cur, "tmp_incident_log", ("local_id", "uid", "t_ms", "by", "kind", "text", "source", "source_id",
                                    "task_code"),
          ("bigint", "text", "bigint", "text", "text", "text", "text", "text", "text"),
          [(r[0], uid[r[1]], *r[2:]) for r in logs])
    ins = cur.execute(
        "INSERT INTO incident_log (seq, workstation, local_id, incident_id, t_ms, by, kind, text, item_id, task_code) "
        "SELECT nextval('sitmap_seq'), %s, t.local_id, n.id, t.t_ms, t.by, t.kind, t.text, i.id, t.task_code "
        "FROM tmp_incident_log t JOIN incidents n ON n.uid = t.uid LEFT JOIN items i ON i.source = t.source "
        "AND i.source_id = t.source_id ORDER BY t.local_id ON CONFLICT (workstation, local_id) DO NOTHING "
        "RETURNING id, seq", (ws,)).fetchall()
    out.counts["incident_log"] = _log_changes(cur, "incident_log", ws, link.operator, ins)


_TASK_COLS = ("code", "unit_uid", "callsign", "text", "lat", "lon", "radius_m", "message_id", "state", "sent_ms",
              "sent_by", "delivered_ms", "acknowledged_ms", "on_scene_ms", "done_ms", "reply")
_TASK_TYPES = ("text", "text", "text", "text", "double precision", "double precision", "double precision", "text",
               "text", "bigint", "text", "bigint", "bigint", "bigint", "bigint", "text")


def _push_tasks(link, cur, out: Pushed) -> None:
    """Tasks change in place (delivered, acknowledged…): the few there are go up each time
    and only those that differ from the store count as changes."""
    conn, st, ws = link.cache.conn, link.state, link.ws
    rows = conn.execute(f"SELECT {', '.join('t.' + c for c in _TASK_COLS)}, t.incident_id, i.source, i.source_id "
                        "FROM tasks t LEFT JOIN items i ON i.id = t.item_id").fetchall()
    if not rows:
        return
    data = [(*r[:-3], st.incident_uid(r[-3], ws) if r[-3] is not None else None, r[-2], r[-1]) for r in rows]
    _copy(cur, "tmp_tasks", (*_TASK_COLS, "incident_uid", "source", "source_id"),
          (*_TASK_TYPES, "text", "text", "text"), data)
    sets = ", ".join(f"{c} = excluded.{c}" for c in ("state", "callsign", "message_id", "reply"))
    stamps = ", ".join(f"{c} = coalesce(excluded.{c}, k.{c})" for c in ("delivered_ms", "acknowledged_ms",
                                                                       "on_scene_ms", "done_ms"))
    plain_cols = ("state", "callsign", "message_id", "reply")
    stamp_cols = ("delivered_ms", "acknowledged_ms", "on_scene_ms", "done_ms")
    left = ", ".join(f"k.{c}" for c in plain_cols + stamp_cols)
    right = ", ".join([f"excluded.{c}" for c in plain_cols] + [f"coalesce(excluded.{c}, k.{c})" for c in stamp_cols])
    ins = cur.execute(
        f"INSERT INTO tasks AS k (seq, {', '.join(_TASK_COLS)}, incident_id, item_id, geom, workstation) "
        f"SELECT nextval('sitmap_seq'), {', '.join('t.' + c for c in _TASK_COLS)}, n.id, i.id, "
        "CASE WHEN t.lat IS NOT NULL THEN ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) END, %s FROM tmp_tasks t "
        "LEFT JOIN incidents n ON n.uid = t.incident_uid LEFT JOIN items i ON i.source = t.source "
        f"AND i.source_id = t.source_id ON CONFLICT (code) DO UPDATE SET {sets}, {stamps}, seq = excluded.seq "
        f"WHERE ({left}) IS DISTINCT FROM ({right}) RETURNING id, seq", (ws,)).fetchall()
    n = _log_changes(cur, "tasks", ws, link.operator, ins)
    if n:
        out.counts["tasks"] = n

