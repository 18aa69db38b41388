"""Campaign definitions through the shared store.

Campaigns are few and edited in place (renamed, changed, removed), so they are not pushed
by an id watermark: the cache remembers, per store, the definition it last agreed on with
the store for each name (``sync.<store>.campaigns``: name -> signature). A push sends the
names whose local definition differs from that (and, as removed, the agreed names the
cache no longer has); the store keeps the latest change by ``changed_ms``. A pull applies
the store's rows to a name unless this cache changed that name since it last agreed and
its change is the later one (it goes up with the next push).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time

KEY = "campaigns"
_COLS = ("name", "hashtags", "keywords", "from_ms", "to_ms", "areas", "created_by", "created_ms", "changed_ms",
         "removed")


def _sig(hashtags: str, keywords: str, from_ms: int, to_ms: int, areas: str) -> str:
    return hashlib.sha256(json.dumps([hashtags, keywords, int(from_ms), int(to_ms), areas]).encode()).hexdigest()[:16]


def _local(conn: sqlite3.Connection) -> dict[str, tuple]:
    try:
        rows = conn.execute("SELECT name, hashtags, keywords, from_ms, to_ms, areas, created_by, created_ms, "
                            "coalesce(updated_ms, created_ms) FROM campaigns").fetchall()
    except sqlite3.OperationalError:  # a cache from before campaigns
        return {}
    return {r[0]: r for r in rows}


def agreed(link) -> dict[str, str]:
    raw = link.state.get_key(KEY)
    return json.loads(raw) if raw else {}


def waiting(link) -> int:
    """Campaign changes not yet in the store."""
    return len(_outgoing(link)[0])


def _outgoing(link) -> tuple[list[tuple], dict[str, str]]:
    local, seen = _local(link.cache.conn), agreed(link)
    now = int(time.time() * 1000)
    rows, after = [], {}
    for name, r in local.items():
        sig = _sig(r[1], r[2], r[3], r[4], r[5])
        after[name] = sig
        if seen.get(name) != sig:
            rows.append((*r, False))
    for name in seen.keys() - local.keys():
        rows.append((name, "[]", "[]", 0, 1, "[]", None, 0, now, True))
    return rows, after


def push(link, cur, out, marks: dict, copy, log_changes) -> None:
    rows, after = _outgoing(link)
    if rows:
        copy(cur, "tmp_campaigns", _COLS, ("text", "text", "text", "bigint", "bigint", "text", "text", "bigint",
                                           "bigint", "boolean"), rows)
        ins = cur.execute(
            f"INSERT INTO campaigns (seq, {', '.join(_COLS)}, workstation) SELECT nextval('sitmap_seq'), "
            f"{', '.join(_COLS)}, %s FROM tmp_campaigns ON CONFLICT (name) DO UPDATE SET hashtags = excluded.hashtags, "
            "keywords = excluded.keywords, from_ms = excluded.from_ms, to_ms = excluded.to_ms, areas = excluded.areas, "
            "created_by = excluded.created_by, created_ms = excluded.created_ms, changed_ms = excluded.changed_ms, "
            "removed = excluded.removed, seq = excluded.seq, workstation = excluded.workstation "
            "WHERE excluded.changed_ms >= campaigns.changed_ms RETURNING id, seq", (link.ws,)).fetchall()
        out.counts["campaigns"] = log_changes(cur, "campaigns", link.ws, link.operator, ins)
    if rows or after != agreed(link):
        marks[KEY] = json.dumps(after, ensure_ascii=False, sort_keys=True)


def fetch(cur, ids: list[int]) -> list[tuple]:
    return cur.execute(f"SELECT {', '.join(_COLS)} FROM campaigns WHERE id = ANY(%s) ORDER BY seq", (ids,)).fetchall()


def apply(link, rows: list[tuple], out) -> None:
    """Inside the pull's transaction."""
    if not rows:
        return
    conn = link.cache.conn
    local, seen = _local(conn), agreed(link)
    for name, tags, words, f, t, areas, by, created, changed, removed in rows:
        mine = local.get(name)
        if mine is not None:
            my_sig = _sig(mine[1], mine[2], mine[3], mine[4], mine[5])
            if seen.get(name) != my_sig and int(mine[8]) > int(changed):
                continue  # changed here since, and later: this cache's version goes up next
        if removed:
            conn.execute("DELETE FROM campaigns WHERE name = ?", (name,))
            seen.pop(name, None)
        else:
            conn.execute(
                "INSERT INTO campaigns (name, hashtags, keywords, from_ms, to_ms, areas, created_by, created_ms, "
                "updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "hashtags = excluded.hashtags, keywords = excluded.keywords, from_ms = excluded.from_ms, "
                "to_ms = excluded.to_ms, areas = excluded.areas, updated_ms = excluded.updated_ms",
                (name, tags, words, f, t, areas, by, created, changed if changed != created else None))
            seen[name] = _sig(tags, words, f, t, areas)
        out.counts["campaigns"] = out.counts.get("campaigns", 0) + 1
    link.state.put_key(KEY, json.dumps(seen, ensure_ascii=False, sort_keys=True))
