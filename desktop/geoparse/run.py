"""Applying the geoparser to the cache: new posts of an import or a live batch, or a
whole re-run (``sitmap geoparse``).

An inferred position is a position: ``items.lat/lon/radius_m`` with ``precision =
'inferred'``, and a ``geo_inferences`` row beside it (confidence, radius, evidence JSON,
the gazetteer entry). Only items without a position of their own are touched: those
'unknown' and those inferred before; 'exact' and 'place' items never are (every UPDATE
says so in its WHERE clause).

- :func:`geoparse_batch` runs inside the transaction that writes a batch, on that
  batch's rows: the index sees them already placed, as new rows (no rewrite).
- :func:`geoparse_cache` re-runs over the cache in pages: each page is read and parsed
  outside any transaction and written in one short one, which counts as a rewrite
  (``writer.bump_generation(rewrote=True)``) when it changed a position, so the map's
  index reads the cache again (the index has no path to move items in place).

Settings (``meta``): 'geoparse.on_import' ('on' by default; 'off' stops the automatic
runs of imports and live feeds), 'geoparse.profile' ('on' by default: a user's profile
location may place a post whose text names nothing, as weak evidence marked
``"profile": true``; 'off' never uses it).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from desktop.cache.writer import bump_generation
from desktop.geoparse import builtin, gazetteer
from desktop.geoparse.parser import Geoparser, Result

ON_IMPORT = "geoparse.on_import"
PROFILE = "geoparse.profile"
PAGE = 20_000

_lock = threading.Lock()
_parsers: dict[tuple, Geoparser] = {}


def setting(conn: sqlite3.Connection, key: str) -> bool:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return not row or str(row[0]).strip().lower() not in ("off", "0", "false", "no")


def parser_for(conn: sqlite3.Connection, *, load: bool = True) -> Geoparser:
    """The parser of this cache's gazetteer (built-in entries loaded first when ``load``;
    otherwise, if they are missing, taken from the shipped data in memory). Built once
    per gazetteer content and kept."""
    if load and not conn.execute("SELECT 1 FROM meta WHERE key = ? AND value = ?",
                                 (gazetteer.META_KEY, builtin.VERSION)).fetchone():
        gazetteer.ensure_builtin(conn)
    have = conn.execute("SELECT 1 FROM meta WHERE key = ? AND value = ?",
                        (gazetteer.META_KEY, builtin.VERSION)).fetchone()
    where = conn.execute("PRAGMA database_list").fetchone()
    key = (where[2] if where else "", have is not None, gazetteer.stamp(conn))
    with _lock:
        p = _parsers.get(key)
    if p is None:
        if have:
            ents = gazetteer.entries(conn)
        else:
            ents = in_memory_builtin() + gazetteer.entries(conn, "user")
        p = Geoparser(ents)
        with _lock:
            if len(_parsers) > 8:
                _parsers.clear()
            _parsers[key] = p
    return p


def in_memory_builtin() -> list[gazetteer.Entry]:
    """The built-in entries as a cache would hold them (negative ids: not stored)."""
    return [gazetteer.Entry(-(i + 1), "builtin", r["kind"], r["name"], tuple(r["aliases"]), r["code"], r["parent"],
                            r["lat"], r["lon"], r["radius_m"]) for i, r in enumerate(builtin.entries())]


def _profile(place_name: str | None, extra: str | None) -> str | None:
    if place_name:
        return place_name
    if extra:
        try:
            d = json.loads(extra)
        except ValueError:
            return None
        loc = d.get("user_location") if isinstance(d, dict) else None
        return loc if isinstance(loc, str) and loc.strip() else None
    return None


@dataclass
class Summary:
    """What a run did: posts looked at, placed, ambiguous, none; placed per method."""

    posts: int = 0
    placed: int = 0
    ambiguous: int = 0
    none: int = 0
    changed: int = 0  # positions written or withdrawn
    cleared: int = 0  # earlier inferences withdrawn
    methods: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def add(self, res: Result) -> None:
        self.posts += 1
        if res.status == "placed":
            self.placed += 1
            self.methods["profile" if res.inference.profile else res.inference.method] += 1
        elif res.status == "ambiguous":
            self.ambiguous += 1
        else:
            self.none += 1

    def as_json(self) -> dict:
        return {"posts": self.posts, "placed": self.placed, "ambiguous": self.ambiguous, "none": self.none,
                "changed": self.changed, "cleared": self.cleared, "methods": dict(sorted(self.methods.items()))}

    def line(self) -> str:
        per = ", ".join(f"{k} {v}" for k, v in sorted(self.methods.items())) or "-"
        rate = f", {self.posts / self.seconds:,.0f} posts/s" if self.seconds > 0 and self.posts >= 1000 else ""
        return (f"{self.posts} posts without a position of their own: {self.placed} placed ({per}), "
                f"{self.ambiguous} ambiguous, {self.none} naming no place{rate}")


def _write(conn: sqlite3.Connection, item_id: int, old: tuple, res: Result, now: int, summary: Summary) -> None:
    """Store one result; ``old`` is (precision, lat, lon, radius, confidence)."""
    if res.status == "placed":
        inf = res.inference
        new = ("inferred", inf.lat, inf.lon, inf.radius_m, round(inf.confidence, 3))
        ev = json.dumps(inf.evidence(), ensure_ascii=False)
        if tuple(old) == new:
            conn.execute("UPDATE geo_inferences SET evidence = ?, gazetteer_id = ? WHERE item_id = ?",
                         (ev, inf.entry.id if inf.entry.id > 0 else None, item_id))
            return
        cur = conn.execute("UPDATE items SET lat = ?, lon = ?, radius_m = ?, precision = 'inferred' "
                           "WHERE id = ? AND (precision = 'unknown' OR precision = 'inferred')",
                           (inf.lat, inf.lon, inf.radius_m, item_id))
        if cur.rowcount:
            conn.execute("INSERT OR REPLACE INTO geo_inferences (item_id, confidence, radius_m, evidence, gazetteer_id, "
                         "t_ms) VALUES (?, ?, ?, ?, ?, ?)",
                         (item_id, round(inf.confidence, 3), inf.radius_m, ev,
                          inf.entry.id if inf.entry.id > 0 else None, now))
            summary.changed += 1
    elif old[0] == "inferred":
        cur = conn.execute("UPDATE items SET lat = NULL, lon = NULL, radius_m = NULL, precision = 'unknown' "
                           "WHERE id = ? AND precision = 'inferred'", (item_id,))
        conn.execute("DELETE FROM geo_inferences WHERE item_id = ?", (item_id,))
        if cur.rowcount:
            summary.changed += 1
            summary.cleared += 1


_SELECT = ("SELECT i.id, i.text, i.place_name, i.extra, i.precision, i.lat, i.lon, i.radius_m, g.confidence "
           "FROM items i LEFT JOIN geo_inferences g ON g.item_id = i.id ")
# A post whose author asked for its positions to be forgotten (scrub_geo) is never placed.
_NOT_SCRUBBED = ("NOT EXISTS (SELECT 1 FROM scrubs s WHERE s.source = i.source AND s.author_id = i.author_id "
                 "AND CAST(i.source_id AS INTEGER) <= s.up_to_id)")


def geoparse_batch(conn: sqlite3.Connection, batch_id: int) -> Summary | None:
    """Place the batch's posts that came without a position (call it inside the batch's
    transaction, before its generation is counted). None when the setting is off."""
    if not setting(conn, ON_IMPORT):
        return None
    summary = Summary()
    sql = (_SELECT + "WHERE i.batch_id = ? AND i.id > ? AND i.precision = 'unknown' AND i.kind = 'post' "
           f"AND i.text != '' AND {_NOT_SCRUBBED} ORDER BY i.id LIMIT {PAGE}")
    t0 = time.perf_counter()
    parser = None
    use_profile = setting(conn, PROFILE)
    now = int(time.time() * 1000)
    memo: dict[tuple, tuple[Result, str | None]] = {}  # reposts and shared texts are parsed once
    after = 0
    while True:  # in pages, so a file of a million posts is never all in memory
        rows = conn.execute(sql, (batch_id, after)).fetchall()
        if not rows:
            break
        after = rows[-1][0]
        if parser is None:
            parser = parser_for(conn)
        if len(memo) > 200_000:
            memo.clear()
        items, inferences = [], []
        for r in rows:
            key = (r[1], _profile(r[2], r[3]) if use_profile else None)
            hit = memo.get(key)
            if hit is None:
                res = parser.parse(*key)
                hit = memo[key] = (res, json.dumps(res.inference.evidence(), ensure_ascii=False)
                                   if res.inference else None)
            res, ev = hit
            summary.add(res)
            if res.inference is not None:  # new rows of this transaction, all 'unknown': written in bulk
                inf = res.inference
                items.append((inf.lat, inf.lon, inf.radius_m, r[0]))
                inferences.append((r[0], round(inf.confidence, 3), inf.radius_m, ev,
                                   inf.entry.id if inf.entry.id > 0 else None, now))
        conn.executemany("UPDATE items SET lat = ?, lon = ?, radius_m = ?, precision = 'inferred' "
                         "WHERE id = ? AND precision = 'unknown'", items)
        conn.executemany("INSERT OR REPLACE INTO geo_inferences (item_id, confidence, radius_m, evidence, "
                         "gazetteer_id, t_ms) VALUES (?, ?, ?, ?, ?, ?)", inferences)
        summary.changed += len(items)
    summary.seconds = time.perf_counter() - t0
    return summary


def place_batch(conn: sqlite3.Connection, batch_id: int) -> tuple[Summary | None, str | None]:
    """:func:`geoparse_batch` under a savepoint: a failure (the analyser missing, a damaged
    model) undoes only the inferences and is returned as a message, so the batch itself
    is still stored. Returns (summary or None, error or None)."""
    conn.execute("SAVEPOINT geoparse")
    try:
        summary = geoparse_batch(conn, batch_id)
    except Exception as exc:  # the posts matter more than their inferred positions
        conn.execute("ROLLBACK TO geoparse")
        conn.execute("RELEASE geoparse")
        return None, f"posts left without a position: {exc}"
    conn.execute("RELEASE geoparse")
    return summary, None


def warm() -> None:
    """Load the shipped gazetteer and the analyser now (a live writer calls it on a thread
    of its own at start, so the first live batch does not wait for them)."""
    try:
        builtin.entries()
        from desktop.geoparse import morph

        morph.analyser()
    except Exception:  # reported by the batch that needs them
        pass


def geoparse_cache(cache, *, since_ms: int | None = None, dry_run: bool = False,
                   progress: Callable[[int, int], None] | None = None) -> Summary:
    """(Re-)place every post without a position of its own (from ``since_ms`` on).
    ``progress(done, total)`` after each page. A dry run parses and counts, writes nothing."""
    conn = cache.conn
    parser = parser_for(conn, load=not dry_run)
    use_profile = setting(conn, PROFILE)
    where = f"(i.precision = 'unknown' OR i.precision = 'inferred') AND i.kind = 'post' AND {_NOT_SCRUBBED}"
    args: tuple = ()
    if since_ms is not None:
        where += " AND i.t_ms >= ?"
        args = (since_ms,)
    total = conn.execute(f"SELECT count(*) FROM items i WHERE {where}", args).fetchone()[0]
    summary = Summary()
    t0 = time.perf_counter()
    after = 0
    done = 0
    while True:
        rows = conn.execute(_SELECT + f"WHERE {where} AND i.id > ? ORDER BY i.id LIMIT ?",
                            (*args, after, PAGE)).fetchall()
        if not rows:
            break
        after = rows[-1][0]
        memo: dict[tuple, Result] = {}
        results = []
        for r in rows:
            key = (r[1], _profile(r[2], r[3]) if use_profile else None)
            res = memo.get(key)
            if res is None:
                res = memo[key] = parser.parse(*key)
            results.append(res)
        if dry_run:
            for res in results:
                summary.add(res)
        else:
            before = summary.changed
            now = int(time.time() * 1000)
            with cache.transaction():
                for r, res in zip(rows, results):
                    summary.add(res)
                    _write(conn, r[0], (r[4], r[5], r[6], r[7], r[8]), res, now, summary)
                if summary.changed != before:
                    bump_generation(conn, rewrote=True)
        done += len(rows)
        if progress:
            progress(done, total)
    summary.seconds = time.perf_counter() - t0
    return summary
