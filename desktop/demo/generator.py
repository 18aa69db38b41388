"""The demo incident: one afternoon in central Seoul (two opposing rallies, a march
down Sejong-daero, a scuffle at Cheonggye Plaza) and a police hashtag campaign in
Busan, as public posts and police field updates.

The scenario is data (``data/demo_scenario.json``); :mod:`desktop.demo.timeline`
draws the rows. :func:`generate` gives them as records for any consumer;
:func:`write_demo` writes the same rows straight into the cache at bulk speed: no
Item objects, many rows per INSERT, and in a fresh cache the items table's secondary
indexes rebuilt once at the end (a sort) instead of updated row by row. Everything
happens in one transaction, so an interrupted write leaves the cache as it was.
"""

from __future__ import annotations

import gc
import json
import multiprocessing as mp
import queue
import sqlite3
import time
from dataclasses import dataclass
from itertools import chain
from typing import Callable, Iterator

from desktop.cache.db import Cache, explain
from desktop.cache.fts_build import BUILD_AT
from desktop.cache.writer import ITEM_COLUMNS, Deriving, _upsert_unit, bump_generation
from desktop.demo import scenario as scn
from desktop.importers.pipeline import a_core_is_free
from desktop.demo.timeline import (CHUNK, NULLABLE_TEXT, ROW_COLUMNS, SNOWFLAKE_EPOCH_MS, Chunk, chunks,
                                   make_unit, row_to_item, unit_roles)
from desktop.core.model import ImportStats, Item, Unit
from desktop.core.pipes import ChildPipe, WorkerGone

__all__ = ["CHUNK", "SNOWFLAKE_EPOCH_MS", "Chunk", "DemoStats", "chunks", "generate", "write_demo"]

ROWS_PER_INSERT = 100
# A demo of this many items or more is drawn in a worker process while this one writes, when
# a core is free (drawing is about a seventh of the work; the rows come over at about half
# its cost; on busy cores the worker only adds that hand-over).
WORKER_AT = 300_000
DERIVE_WHILE_DRAWING = True  # False: hashtag rows and full text once at the end (the earlier design)


def generate(seed: int = 7, size: int | None = None) -> Iterator[Item | Unit]:
    """The demo incident as records, in time order.

    ``size`` is the number of items (default from the scenario, about 20,000);
    proportions hold at any size. Each field update is followed by the
    :class:`Unit` state it reports, as a CoT reader would yield them.
    """
    sc = scn.load()
    roles = unit_roles(sc)
    for chunk in chunks(seed, size, sc):
        for row in chunk.rows:
            item = row_to_item(row)
            yield item
            if item.unit_uid:
                ex = item.extra or {}
                yield make_unit(item.unit_uid, roles[item.unit_uid], item.t_ms, item.lat, item.lon,
                                ex.get("course"), ex.get("speed"))

ROWS_PER_INSERT = 100


@dataclass(slots=True)
class DemoStats(ImportStats):
    """What write_demo did, with where the time went (seconds)."""

    batch_id: int = 0
    items: int = 0  # rows generated (accepted + duplicates)
    generate_s: float = 0.0  # making rows
    insert_s: float = 0.0  # executemany into items
    index_s: float = 0.0  # rebuilding the items indexes deferred in a fresh cache
    derive_s: float = 0.0  # hashtag rows and full-text index (writer.derive_batch)
    units_s: float = 0.0
    total_s: float = 0.0


def insert_sql(batch_id: int, rows: int = 1) -> str:
    """The item insert for ``rows`` chunk rows at once: same columns and values as the
    writer's, with NaN and "" standing for NULL (see timeline.ROW_COLUMNS)."""
    values = []
    for col in ITEM_COLUMNS:
        if col == "batch_id":
            values.append(str(int(batch_id)))
        elif col not in ROW_COLUMNS:
            values.append("NULL")  # reply_to, quote_of, retweet_of, raw: the demo has none
        elif col in NULLABLE_TEXT:
            values.append("nullif(?, '')")
        else:
            values.append("?")
    bound = [c for c in ITEM_COLUMNS if c in ROW_COLUMNS]
    if tuple(bound) != ROW_COLUMNS:
        raise RuntimeError("timeline.ROW_COLUMNS is out of step with writer.ITEM_COLUMNS")
    one = f"({', '.join(values)})"
    return f"INSERT OR IGNORE INTO items ({', '.join(ITEM_COLUMNS)}) VALUES {', '.join([one] * rows)}"


def _rows_per_insert(conn: sqlite3.Connection) -> int:
    # Many rows per statement: each execution opens the table's cursors and evaluates
    # the CHECK constraints' IN lists once instead of once per row (about 35% faster).
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(ROWS_PER_INSERT, limit // len(ROW_COLUMNS)))


def _insert(conn: sqlite3.Connection, rows: list[tuple], one: str, many: str, k: int) -> int:
    """Insert rows, k per statement; returns how many were new."""
    whole = len(rows) - len(rows) % k
    flat = chain.from_iterable
    added = 0
    if whole and k > 1:
        added += conn.executemany(many, [tuple(flat(rows[i:i + k])) for i in range(0, whole, k)]).rowcount
    else:
        whole = 0
    if whole < len(rows):
        added += conn.executemany(one, rows[whole:]).rowcount
    return added


def _draw_into(seed: int, n: int, out) -> None:
    """In the worker: every slice onto ``out`` (a pipe's sending end), then None (or the
    error's description)."""
    try:
        for chunk in chunks(seed, n):
            out.send(chunk)  # waits while the inserting side is busy with the last one
        out.send(None)
    except (KeyboardInterrupt, BrokenPipeError):
        pass
    except BaseException as exc:
        out.send(f"{type(exc).__name__}: {exc}")
    finally:
        out.close()


def chunks_in_worker(seed: int, n: int) -> Iterator[Chunk]:
    """The same slices as :func:`chunks`, drawn in a spawned worker process, which waits
    while the pipe is full (a slice or so ahead). Closing the iterator (or leaving it early)
    stops the worker; a worker that dies, even mid-slice, ends it with an error."""
    ctx = mp.get_context("spawn")
    pipe = ChildPipe(ctx)
    proc = ctx.Process(target=_draw_into, args=(seed, n, pipe.sending_end), name="sitmap-demo-draw", daemon=True)
    try:
        proc.start()
    finally:
        pipe.started()
    try:
        while True:
            try:
                got = pipe.get(0.5)
            except queue.Empty:
                continue
            except WorkerGone:
                proc.join(timeout=5)
                raise RuntimeError(f"the demo's drawing process stopped (exit code {proc.exitcode})") from None
            if got is None:
                return
            if isinstance(got, str):
                raise RuntimeError(f"drawing the demo failed: {got}")
            yield got
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(timeout=5)
        pipe.close()


def _defer_item_indexes(conn: sqlite3.Connection) -> list[str]:
    """In an empty items table, drop its secondary indexes and return the statements
    that re-create them. The UNIQUE (source, source_id) index stays: INSERT OR IGNORE needs it."""
    if conn.execute("SELECT 1 FROM items LIMIT 1").fetchone():
        return []
    found = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items' "
                         "AND sql IS NOT NULL ORDER BY name").fetchall()
    for name, _ in found:
        conn.execute('DROP INDEX "{}"'.format(name.replace('"', '""')))
    return [sql for _, sql in found]


def _apply_withdrawals(conn: sqlite3.Connection, batch_id: int, stats: DemoStats) -> None:
    """Deletes and scrub_geo notices recorded earlier hold for demo rows too, as in the
    writer. Skipped (one lookup each) when none concern the demo's sources."""
    sources = ("x", "tak")
    if conn.execute("SELECT 1 FROM tombstones WHERE source IN (?, ?) LIMIT 1", sources).fetchone():
        doomed = conn.execute("SELECT i.id FROM items i JOIN tombstones t ON t.source = i.source "
                              "AND t.source_id = i.source_id WHERE i.batch_id = ?", (batch_id,)).fetchall()
        conn.executemany("DELETE FROM items WHERE id = ?", doomed)
        stats.accepted -= len(doomed)
        stats.deleted += len(doomed)
    if conn.execute("SELECT 1 FROM scrubs WHERE source IN (?, ?) LIMIT 1", sources).fetchone():
        conn.execute(
            "UPDATE items SET lat = NULL, lon = NULL, precision = 'unknown', radius_m = NULL, place_name = NULL "
            "WHERE batch_id = ? AND lat IS NOT NULL AND author_id IS NOT NULL AND EXISTS (SELECT 1 FROM scrubs s "
            "WHERE s.source = items.source AND s.author_id = items.author_id "
            "AND CAST(items.source_id AS INTEGER) <= s.up_to_id)", (batch_id,))


def _place_posts(conn: sqlite3.Connection, batch_id: int, stats: DemoStats) -> None:
    from desktop.geoparse import gazetteer
    from desktop.geoparse.run import place_batch

    gazetteer.import_rows(conn, gazetteer.read_csv(scn.gazetteer_path()), by="demo")
    summary, error = place_batch(conn, batch_id)
    if error:
        stats.notes.append(f"geoparser: {error}")
    elif summary is not None and summary.posts:
        stats.notes.append(f"geoparser: {summary.line()}")


def define_campaigns(cache: Cache, sc: dict | None = None) -> list[str]:
    """The scenario's campaigns (Busan's #busanpolice #byhand drive and its Safe Busan one),
    defined in the cache unless a campaign of that name is there already; returns those added."""
    from desktop.campaigns import store

    sc = sc or scn.load()
    clock = scn.Clock(sc)
    added = []
    for c in sc.get("campaigns", ()):
        if cache.conn.execute("SELECT 1 FROM campaigns WHERE name = ?", (c["name"],)).fetchone():
            continue
        store.add(cache, c["name"], hashtags=c.get("hashtags", ()), keywords=c.get("keywords", ()),
                  from_ms=clock.ms(c["from"]), to_ms=clock.ms(c["to"]),
                  areas=[("district", d) for d in c.get("districts", ())], by="demo")
        added.append(c["name"])
    return added


def write_demo(
    cache: Cache,
    *,
    seed: int = 7,
    size: int | None = None,
    progress: Callable[[int], None] | None = None,
    geoparse: bool = True,
) -> DemoStats:
    """Write the demo incident (see :func:`desktop.demo.generate`) into ``cache`` as one batch.

    The same rows as importing ``generate(seed, size)`` through the writer, several
    times faster. Writing the same seed and size again adds nothing. ``progress`` gets
    the number of items generated so far after each chunk. Raises CacheError.

    With ``geoparse`` the scenario's landmarks (``data/demo_gazetteer.csv``) join the
    cache's gazetteer and the posts without coordinates are placed from their text, in
    the same transaction (as an import does). The scenario's campaigns are defined too
    (:func:`define_campaigns`).
    """
    sc = scn.load()
    n = int(sc["default_size"]) if size is None else int(size)
    roles = unit_roles(sc)
    stats = DemoStats()
    source: Iterator[Chunk] | None = None
    deriving: Deriving | None = None
    began = time.perf_counter()
    conn = cache.conn
    # Millions of short-lived tuples would trigger the cycle collector over and over,
    # scanning the live chunk each time; none of them can form a cycle.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with cache.transaction():
            stats.batch_id = batch_id = conn.execute(
                "INSERT INTO batches (path, format, started_ms) VALUES (?, 'demo', ?)",
                (f"demo:seed={seed},size={n}", int(time.time() * 1000))).lastrowid
            deferred = _defer_item_indexes(conn)
            k = _rows_per_insert(conn)
            one, many = insert_sql(batch_id), insert_sql(batch_id, k)
            latest: dict[str, tuple] = {}
            drawn_in_worker = n >= WORKER_AT and a_core_is_free()
            source = chunks_in_worker(seed, n) if drawn_in_worker else chunks(seed, n, sc)
            # With the rows drawn in a worker this process would wait for each slice: it
            # derives the hashtag rows and full-text entries of the slice before instead
            # (drawn in one process, deriving once at the end is faster).
            # A big demo into an empty cache has its full-text index built by a process of
            # its own (writer.Deriving), fed slice by slice.
            deriving = Deriving(conn, batch_id, beside=n >= BUILD_AT and (drawn_in_worker or a_core_is_free()))
            in_worker = (drawn_in_worker and DERIVE_WHILE_DRAWING) or deriving.beside
            while True:
                t0 = time.perf_counter()
                chunk = next(source, None)
                t1 = time.perf_counter()
                stats.generate_s += t1 - t0
                if chunk is None:
                    break
                stats.accepted += _insert(conn, chunk.rows, one, many, k)
                stats.insert_s += time.perf_counter() - t1
                if in_worker:
                    t2 = time.perf_counter()
                    deriving.more()
                    stats.derive_s += time.perf_counter() - t2
                stats.items += len(chunk.rows)
                stats.units += chunk.reports
                latest.update(chunk.latest)
                if progress:
                    progress(stats.items)
            t0 = time.perf_counter()
            for ddl in deferred:
                conn.execute(ddl)
            t1 = time.perf_counter()
            deriving.rest()
            _apply_withdrawals(conn, batch_id, stats)
            if geoparse and stats.accepted:
                _place_posts(conn, batch_id, stats)
            define_campaigns(cache, sc)
            t2 = time.perf_counter()
            for uid, info in roles.items():
                if uid in latest:
                    _upsert_unit(conn, make_unit(uid, info, *latest[uid]), batch_id)
            t3 = time.perf_counter()
            stats.index_s, stats.units_s = t1 - t0, t3 - t2
            stats.derive_s += t2 - t1
            stats.duplicates = stats.items - stats.accepted - stats.deleted
            if deriving.failed:
                stats.notes.append(f"the full-text index was built by the writer after all: {deriving.failed}")
            bump_generation(conn)  # withdrawals above only touched this batch's own rows
            conn.execute(
                "UPDATE batches SET finished_ms = ?, accepted = ?, duplicates = ?, skipped = 0, notes = ? WHERE id = ?",
                (int(time.time() * 1000), stats.accepted, stats.duplicates, json.dumps(stats.notes), batch_id))
    except sqlite3.Error as exc:
        raise explain(cache.path, exc) from None
    finally:
        if source is not None:
            source.close()  # a worker drawing the slices stops with the write
        if deriving is not None:
            deriving.close()
        if gc_was_enabled:
            gc.enable()
    stats.total_s = time.perf_counter() - began
    return stats
