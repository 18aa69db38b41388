"""Writing records into the cache: one transaction per file, so a file is either
wholly in or not at all, and a killed import leaves every earlier file intact.

Items go in with INSERT OR IGNORE on (source, source_id), so re-importing a file
adds nothing. Hashtag rows, the R-tree and the full-text index are derived in bulk
from the batch's new rows at the end, which is several times faster than triggers.
"""

from __future__ import annotations

import json
import sqlite3
import time
from json import encoder as _json_encoder
from pathlib import Path
from typing import Callable, Iterable

from desktop.cache.db import Cache, explain
from desktop.cache.fts_build import BUILD_AT
from desktop.cache.generation import bump_generation, mark_compact_due
from desktop.core.model import DeleteItem, DeleteUnit, ImportStats, Item, Record, ScrubGeo, Unit

CHUNK = 5000

ITEM_COLUMNS = (
    "kind", "source", "source_id", "t_ms", "lat", "lon", "precision", "radius_m", "text", "author",
    "author_id", "lang", "place_name", "hashtags", "links", "reply_to", "quote_of", "retweet_of",
    "unit_uid", "callsign", "extra", "raw", "batch_id",
)
_INSERT_ITEM = (
    f"INSERT OR IGNORE INTO items ({', '.join(ITEM_COLUMNS)}) VALUES ({', '.join('?' * len(ITEM_COLUMNS))})"
)


class Cancelled(Exception):
    """The user cancelled; the file's transaction was rolled back."""


class Rows(list):
    """Item rows already built elsewhere (a worker process: :mod:`desktop.importers.pipeline`),
    each :func:`item_values` of one Item, in file order. ``write_records`` takes one in
    place of that many Items."""


# A file bigger than this many items, written into an empty items table, has the table's
# secondary indexes dropped during the insert and made again after it (one sort each,
# instead of one B-tree update per row per index).
DEFER_INDEXES_AT = 200_000
DERIVE_AS_READ = True  # rows from worker processes derived as they arrive (see write_records)


def item_values(it: Item, keep_raw: bool) -> tuple:
    """An item's row without its batch id (see :func:`insert_sql`)."""
    return (
        it.kind.value, it.source, it.source_id, it.t_ms, it.lat, it.lon, it.precision.value, it.radius_m,
        it.text, it.author, it.author_id, it.lang, it.place_name,
        _json_list(it.hashtags), _json_list(it.links),
        it.reply_to, it.quote_of, it.retweet_of, it.unit_uid, it.callsign,
        _json_text(it.extra) if it.extra else None,
        it.raw if keep_raw else None,
    )


# The text ``json.dumps(value, ensure_ascii=False)`` gives, from an encoder made once: a post's
# row is built in a few microseconds, and dumps spent two of them making a new encoder.
_C_ENCODER = _json_encoder.c_make_encoder
_QUOTE = _json_encoder.encode_basestring  # the C function where there is one, as json uses


def _no_default(o: object):
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


if _C_ENCODER is not None:
    _encode_chunks = _C_ENCODER(None, _no_default, _QUOTE, None, ": ", ", ", False, False, True)

    def _json_text(value: object) -> str:
        # No circular check (json's own keeps one): a row's values are decoded JSON or built
        # by the importers, never circular.
        return "".join(_encode_chunks(value, 0))
else:  # pragma: no cover - a Python without json's C accelerator
    def _json_text(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)


def insert_sql(batch_id: int) -> str:
    """The item insert for :func:`item_values` rows, the batch id written into the statement."""
    cols = ITEM_COLUMNS[:-1]
    return (f"INSERT OR IGNORE INTO items ({', '.join(ITEM_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(cols))}, {int(batch_id)})")


def keeps_raw(conn: sqlite3.Connection, keep_raw: bool) -> bool:
    """Whether original payloads are kept: asked for, and the cache does not refuse them
    (``sitmap minimise --set keep_raw=no``)."""
    return keep_raw and not conn.execute(
        "SELECT 1 FROM meta WHERE key = 'minimise.keep_raw' AND value = 'no'").fetchone()


def defer_item_indexes(conn: sqlite3.Connection) -> list[str]:
    """In an empty items table, drop its secondary indexes and return the statements
    that make them again. The UNIQUE (source, source_id) index stays: INSERT OR IGNORE needs it."""
    if conn.execute("SELECT 1 FROM items LIMIT 1").fetchone():
        return []
    found = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items' "
                         "AND sql IS NOT NULL ORDER BY name").fetchall()
    for name, _ in found:
        conn.execute('DROP INDEX "{}"'.format(name.replace('"', '""')))
    return [sql for _, sql in found]


def _json_list(values: tuple[str, ...]) -> str:
    # Most posts have no links and few tags (hot path): "[]", or a list of strings quoted
    # as json quotes them, without an encoder.
    if not values:
        return "[]"
    if all(v.__class__ is str for v in values):
        return "[" + ", ".join(map(_QUOTE, values)) + "]"
    return _json_text(values)


def item_row(it: Item, batch_id: int, keep_raw: bool) -> tuple:
    return item_values(it, keep_raw) + (batch_id,)


def _upsert_unit(conn: sqlite3.Connection, u: Unit, batch_id: int) -> None:
    # A newer report replaces an older one; an older one arriving late changes nothing.
    conn.execute(
        """INSERT INTO units (uid, callsign, cot_type, affiliation, t_ms, stale_ms, lat, lon, team, role,
                              course, speed, batch_id)
           VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
           ON CONFLICT (uid) DO UPDATE SET
             callsign = coalesce(excluded.callsign, units.callsign), cot_type = excluded.cot_type,
             affiliation = excluded.affiliation, t_ms = excluded.t_ms, stale_ms = excluded.stale_ms,
             lat = excluded.lat, lon = excluded.lon, team = coalesce(excluded.team, units.team),
             role = coalesce(excluded.role, units.role), course = excluded.course, speed = excluded.speed,
             batch_id = excluded.batch_id
           WHERE excluded.t_ms >= units.t_ms""",
        (u.uid, u.callsign, u.cot_type, u.affiliation, u.t_ms, u.stale_ms, u.lat, u.lon, u.team, u.role,
         u.course, u.speed, batch_id),
    )


def _scrub(conn: sqlite3.Connection, s: ScrubGeo) -> int:
    try:
        up_to = int(s.up_to_id)
    except ValueError:
        return 0
    if not (0 <= up_to < 2**63):  # SQLite integers are 64-bit signed
        return 0
    conn.execute(
        "INSERT INTO scrubs (source, author_id, up_to_id) VALUES (?,?,?) "
        "ON CONFLICT (source, author_id) DO UPDATE SET up_to_id = max(up_to_id, excluded.up_to_id)",
        (s.source, s.author_id, up_to),
    )
    where = "source = ? AND author_id = ? AND CAST(source_id AS INTEGER) <= ?"
    # How an inferred position was reached goes with the position.
    conn.execute(f"DELETE FROM geo_inferences WHERE item_id IN (SELECT id FROM items WHERE {where})",
                 (s.source, s.author_id, up_to))
    cur = conn.execute(
        "UPDATE items SET lat = NULL, lon = NULL, precision = 'unknown', radius_m = NULL, place_name = NULL "
        f"WHERE {where} AND lat IS NOT NULL", (s.source, s.author_id, up_to))
    return cur.rowcount


def write_records(
    cache: Cache,
    records: Iterable[Record],
    *,
    path: str,
    fmt: str,
    keep_raw: bool = False,
    progress: Callable[[int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    notes: Callable[[], list[str]] | None = None,
    skipped: Callable[[], int] | None = None,
    operator: str | None = None,
    purpose: str | None = None,
    case_ref: str | None = None,
    after_batch: Callable[[sqlite3.Connection, int], object] | None = None,
    merge_withdrawals: bool = True,
    expected_items: int = 0,
    index_beside: bool = False,
) -> ImportStats:
    """Write one file's records in a single transaction and return what happened.

    ``operator``, ``purpose`` and ``case_ref`` are stored on the batch row (retention follows
    the purpose); checking that there is a purpose is the caller's (import_file, the live
    writer: :func:`desktop.core.purposes.require`).

    ``records`` is consumed lazily; an exception from it (ImportFailed, Cancelled, a
    crash) rolls the whole file back. ``progress`` gets the count of records read so far.
    ``after_batch(conn, batch_id)`` runs inside the transaction once the batch's rows are
    in (the geoparser places its posts without coordinates there, so they arrive placed).

    What the source withdraws (tweet deletes, scrub_geo) is applied as an erasure is
    (``erase.erase_rows`` with ``secure_delete`` on: triage, history, incident links and
    holds go too) and the cache is marked for compaction (``generation.COMPACT_DUE``);
    :func:`desktop.importers.import_file` compacts right after, the live writer leaves it to
    the next compaction and passes ``merge_withdrawals=False`` (no full-text merge per batch).

    ``records`` may hold :class:`Rows` (items built in a worker process) among the records.
    ``expected_items`` (a guess; 0 when unknown) of :data:`DEFER_INDEXES_AT` or more into an
    empty cache has the items table's secondary indexes made once after the insert.
    ``index_beside`` (a big file, a core free) into an empty cache has the full-text index
    built by a process of its own while this one inserts (:mod:`desktop.cache.fts_build`).
    """
    stats = ImportStats()
    conn = cache.conn
    seen = 0
    deferred: list[str] = []
    rewrote = False  # did this file change or delete items written before it?
    secure = conn.execute("PRAGMA secure_delete").fetchone()[0]  # turned on for withdrawals, then back
    deriving: Deriving | None = None
    try:
        with cache.transaction():
            keep_raw = keeps_raw(conn, keep_raw)
            batch_id = conn.execute(
                "INSERT INTO batches (path, format, started_ms, operator, purpose, case_ref) VALUES (?, ?, ?, ?, ?, ?)",
                (path, fmt, int(time.time() * 1000), operator or None, purpose or None, case_ref or None),
            ).lastrowid
            stats.batch_id = batch_id
            # Rows built in worker processes are derived (hashtag rows, full text) as each
            # message of them is in, while the workers read on: the derived indexes are not
            # left to one core at the end.
            deriving = Deriving(conn, batch_id, beside=index_beside and expected_items >= BUILD_AT)
            wrote_tombstones = False
            rows: list[tuple] = []

            def flush() -> None:
                if rows:
                    cur = conn.executemany(many, rows)
                    stats.accepted += cur.rowcount
                    stats.duplicates += len(rows) - cur.rowcount
                    rows.clear()

            many = insert_sql(batch_id)
            if expected_items >= DEFER_INDEXES_AT:
                deferred = defer_item_indexes(conn)

            def restore() -> None:
                while deferred:
                    conn.execute(deferred.pop(0))

            for rec in records:
                if type(rec) is Rows:
                    flush()
                    seen += len(rec)
                    cur = conn.executemany(many, rec)
                    stats.accepted += cur.rowcount
                    stats.duplicates += len(rec) - cur.rowcount
                    if cur.rowcount > 0 and DERIVE_AS_READ:
                        deriving.more()
                    if progress:
                        progress(seen)
                    if should_cancel and should_cancel():
                        raise Cancelled()
                    continue
                seen += 1
                if isinstance(rec, Item):
                    rows.append(item_values(rec, keep_raw))
                    if len(rows) >= CHUNK:
                        flush()
                        if deriving.beside:
                            deriving.more()  # the builder indexes while this reads on
                        if progress:
                            progress(seen)
                        if should_cancel and should_cancel():
                            raise Cancelled()
                    continue
                flush()  # control records apply in file order
                if isinstance(rec, Unit):
                    _upsert_unit(conn, rec, batch_id)
                    stats.units += 1
                elif isinstance(rec, DeleteItem):
                    # Applied after the derived rows exist (the full-text index must not be asked
                    # to forget a row it never saw).
                    conn.execute("INSERT OR IGNORE INTO tombstones (source, source_id, batch_id) VALUES (?, ?, ?)",
                                 (rec.source, rec.source_id, batch_id))
                    wrote_tombstones = True
                elif isinstance(rec, DeleteUnit):
                    conn.execute("DELETE FROM units WHERE uid = ?", (rec.uid,))
                elif isinstance(rec, ScrubGeo):
                    restore()  # the scrub looks items up by author
                    conn.execute("PRAGMA secure_delete = ON")  # the forgotten positions' old bytes are zeroed
                    if _scrub(conn, rec) > 0:
                        rewrote = True
                        mark_compact_due(conn)
            flush()
            restore()
            deriving.rest()
            # Withdrawn items: deletes in this file, and earlier deletes of items this file brought.
            doomed = withdrawn(conn, batch_id, wrote_tombstones)
            if doomed:
                from desktop.cache.erase import erase_rows

                conn.execute("PRAGMA secure_delete = ON")  # the withdrawn rows' pages are zeroed
                erase_rows(conn, [d[0] for d in doomed], merge_fts=merge_withdrawals, count_rewrite=False)
                stats.accepted -= sum(1 for d in doomed if d[1])
                stats.deleted += len(doomed)
                if any(not d[1] for d in doomed):
                    rewrote = True
                    mark_compact_due(conn)
            # A scrub_geo may have arrived before the posts it concerns.
            conn.execute(
                "UPDATE items SET lat = NULL, lon = NULL, precision = 'unknown', radius_m = NULL, place_name = NULL "
                "WHERE batch_id = ? AND lat IS NOT NULL AND author_id IS NOT NULL AND EXISTS (SELECT 1 FROM scrubs s "
                "WHERE s.source = items.source AND s.author_id = items.author_id "
                "AND CAST(items.source_id AS INTEGER) <= s.up_to_id)", (batch_id,))
            if after_batch is not None and stats.accepted > 0:
                after_batch(conn, batch_id)
            bump_generation(conn, rewrote=rewrote)
            if skipped:
                stats.skipped = skipped()
            if notes:
                stats.notes = list(notes())
            if deriving.failed:
                stats.notes.append(f"the full-text index was built by the writer after all: {deriving.failed}")
            conn.execute(
                "UPDATE batches SET finished_ms = ?, accepted = ?, duplicates = ?, skipped = ?, notes = ? WHERE id = ?",
                (int(time.time() * 1000), stats.accepted, stats.duplicates, stats.skipped,
                 json.dumps(stats.notes, ensure_ascii=False), batch_id),
            )
    except sqlite3.Error as exc:
        raise explain(cache.path, exc) from None
    finally:
        if deriving is not None:
            deriving.close()  # a builder of the full-text index stops with the write
        if not conn.in_transaction:
            conn.execute(f"PRAGMA secure_delete = {int(secure)}")
    if progress:
        progress(seen)
    return stats


# Two indexed lookups, never a scan of items: the tombstones this batch wrote (by
# tombstones_batch, then the items' unique (source, source_id)) and this batch's items that an
# earlier tombstone withdrew (by items_batch, then the tombstones' key). One query with
# "t.batch_id = ? OR i.batch_id = ?" scanned the whole items table on every commit.
WITHDRAWN_BY_BATCH = (
    "SELECT i.id, i.batch_id = ?1 FROM tombstones t CROSS JOIN items i "
    "ON i.source = t.source AND i.source_id = t.source_id WHERE t.batch_id = ?1")
WITHDRAWN_ON_ARRIVAL = (
    "SELECT i.id, 1 FROM items i CROSS JOIN tombstones t "
    "ON t.source = i.source AND t.source_id = i.source_id WHERE i.batch_id = ?1")


def withdrawn(conn: sqlite3.Connection, batch_id: int, wrote_tombstones: bool = True) -> list[tuple[int, int]]:
    """The items a batch's tombstones withdraw and the batch's items that earlier tombstones
    withdrew, as (id, came in this batch). Nothing is looked up when the batch wrote no
    tombstones and the cache holds none (the live writer's usual commit)."""
    found: dict[int, int] = {}
    if wrote_tombstones:
        found.update(conn.execute(WITHDRAWN_BY_BATCH, (batch_id,)).fetchall())
    if conn.execute("SELECT 1 FROM tombstones LIMIT 1").fetchone() is not None:
        found.update(conn.execute(WITHDRAWN_ON_ARRIVAL, (batch_id,)).fetchall())
    return list(found.items())


def derive_rows(conn: sqlite3.Connection, batch_id: int, after_id: int, upto_id: int, text: bool = True) -> None:
    """:func:`derive_batch` for the batch's rows with ``after_id < id <= upto_id`` only (a
    rowid range: no index needed), so a bulk write can derive a part while it waits.
    Without ``text`` only the hashtag rows (the full text is built elsewhere)."""
    conn.execute(
        "INSERT OR IGNORE INTO item_tags (tag, item_id, t_ms) SELECT j.value, i.id, i.t_ms "
        "FROM items i, json_each(i.hashtags) j WHERE i.id > ? AND i.id <= ? AND i.batch_id = ? "
        "AND i.hashtags != '[]'", (after_id, upto_id, batch_id))
    if text:
        conn.execute(
            "INSERT INTO items_fts (rowid, text, author) SELECT id, text, coalesce(author, '') FROM items "
            "WHERE id > ? AND id <= ? AND batch_id = ?", (after_id, upto_id, batch_id))


class Deriving:
    """A bulk write's derived rows made part by part, while it waits for more rows: made
    before the batch's first row, :meth:`more` derives the rows inserted since the last
    call, :meth:`rest` the ones left at the end (or the whole batch, :func:`derive_batch`,
    when :meth:`more` derived nothing). Ids only grow within the transaction, so the ids
    above the last call's are the batch's rows not derived yet.

    With ``beside`` (a write expected to be big) into an empty cache, the full-text index
    is built by a process of its own (:mod:`desktop.cache.fts_build`) and put in place by
    :meth:`rest`; :meth:`close` it in any case. Nothing may touch ``items_fts`` on this
    connection in between (the write's withdrawals come after :meth:`rest`)."""

    def __init__(self, conn: sqlite3.Connection, batch_id: int, beside: bool = False) -> None:
        self.conn, self.batch_id = conn, batch_id
        self.upto = conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]
        self.any = False
        self.side = None
        self.failed: str | None = None  # why the index was not built beside after all
        if beside:
            from desktop.cache.fts_build import SideBuild

            self.side = SideBuild.start(conn, file_of(conn))

    @property
    def beside(self) -> bool:
        """Whether the full-text index is being built by a process of its own."""
        return self.side is not None

    def more(self) -> None:
        top = self.conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]
        if top > self.upto:
            self._derive(top)
            self.any = True

    def _derive(self, top: int) -> None:
        derive_rows(self.conn, self.batch_id, self.upto, top, text=self.side is None)
        if self.side is not None:
            self.side.add_range(self.conn, self.batch_id, self.upto, top)
        self.upto = top

    def rest(self) -> None:
        if self.side is not None:
            self._derive(2**62)
            if not self.side.finish(self.conn):  # the builder failed: the text is indexed here
                self.failed = self.side.failed
                self.conn.execute(
                    "INSERT INTO items_fts (rowid, text, author) SELECT id, text, coalesce(author, '') FROM items "
                    "WHERE batch_id = ?", (self.batch_id,))
            self.close()
        elif self.any:
            derive_rows(self.conn, self.batch_id, self.upto, 2**62)
        else:
            derive_batch(self.conn, self.batch_id)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def file_of(conn: sqlite3.Connection) -> Path | None:
    """The main database file of ``conn`` (None in memory)."""
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file) if file else None
    return None


def derive_batch(conn: sqlite3.Connection, batch_id: int) -> None:
    """Fill hashtag rows and the full-text index for a batch's new rows."""
    conn.execute(
        "INSERT OR IGNORE INTO item_tags (tag, item_id, t_ms) SELECT j.value, i.id, i.t_ms "
        "FROM items i, json_each(i.hashtags) j WHERE i.batch_id = ? AND i.hashtags != '[]'", (batch_id,))
    conn.execute(
        "INSERT INTO items_fts (rowid, text, author) SELECT id, text, coalesce(author, '') FROM items WHERE batch_id = ?",
        (batch_id,))
