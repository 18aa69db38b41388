"""Reading the map index's columns from the cache, and where its snapshot lives.

A full read scans the items table in rowid order (sequential pages; sorting by time in
numpy afterwards is cheaper than walking the time index, which jumps around the file)
and lets SQLite turn every text column into a small number, so rows arrive as numbers
only. Reading the rows added since the index was built (live ingest) is small, and
maps text to codes in Python so new sources, tags and units just extend the tables.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from desktop.core.model import PRECISION_CODES
from desktop.core.paths import data_dir
from desktop.core.uncertainty import PLACE_CONFIDENCE

PREC_OF = {p.value: c for p, c in PRECISION_CODES.items()}
CHUNK = 200_000
SPAN_BATCH = 32_768  # rows per fetch when reading a time span on a reader thread
DENSE_GAP = 16  # ids further apart than this within a span are not read as one id range
NO_POS = 999.0  # stands for NULL lat/lon in the numeric rows (valid coordinates never reach it)

# Python's truthiness of extra["chat"], in SQL: a chat message is not a position report.
_CHAT = ("(i.extra IS NOT NULL AND instr(i.extra, '\"chat\"') > 0 AND json_valid(i.extra) AND "
         "coalesce(CASE json_type(i.extra, '$.chat') WHEN 'true' THEN 1 "
         "WHEN 'integer' THEN json_extract(i.extra, '$.chat') != 0 WHEN 'real' THEN json_extract(i.extra, '$.chat') != 0 "
         "WHEN 'text' THEN json_extract(i.extra, '$.chat') != '' "
         "WHEN 'array' THEN json_array_length(i.extra, '$.chat') > 0 "
         "WHEN 'object' THEN json_extract(i.extra, '$.chat') != '{}' ELSE 0 END, 0))")
# A unit report the map draws: a positioned field update from a unit that is not a chat message.
_REPORT = f"(i.kind = 'field_update' AND i.unit_uid IS NOT NULL AND i.lat IS NOT NULL AND NOT {_CHAT})"


@dataclass
class Rows:
    """Rows read from the cache in id order, text columns as codes into the tables."""

    cols: dict[str, np.ndarray]  # t, id, lat64, lon64, kind, prec, radius, src, unit (-1: not a unit report), conf
    tag_ids: np.ndarray  # item id of each hashtag entry
    tag_codes: np.ndarray  # code (into ``tags``) of each entry
    sources: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.cols["id"].shape[0])


def _numbers(cur: sqlite3.Cursor, ncols: int, dtype=np.float64, batch: int = CHUNK) -> Iterator[np.ndarray]:
    """The rows of a numbers-only cursor as 2-D arrays of up to ``batch`` rows."""
    while True:
        rows = cur.fetchmany(batch)
        if not rows:
            return
        yield np.fromiter(itertools.chain.from_iterable(rows), dtype, len(rows) * ncols).reshape(-1, ncols)


def _columns(a: np.ndarray) -> dict[str, np.ndarray]:
    lat, lon = a[:, 2], a[:, 3]
    return {
        "t": a[:, 0].astype(np.int64), "id": a[:, 1].astype(np.int64),
        "lat64": np.where(lat == NO_POS, np.nan, lat), "lon64": np.where(lon == NO_POS, np.nan, lon),
        "kind": a[:, 4].astype(np.uint8), "prec": a[:, 5].astype(np.uint8), "radius": a[:, 6].astype(np.float32),
        "src": a[:, 7].astype(np.uint16), "unit": a[:, 8].astype(np.int32),
        "conf": np.where(a[:, 9] < 0, np.nan, a[:, 9]).astype(np.float32),
    }


# Each item's location confidence (core.uncertainty): 1 for exact, a fixed value for a place
# the source gave, the geoparser's for an inferred one; -1 (NaN in the index) for none.
_CONF = (f"CASE i.precision WHEN 'exact' THEN 1.0 WHEN 'place' THEN {PLACE_CONFIDENCE!r} WHEN 'inferred' THEN "
         "coalesce((SELECT g.confidence FROM geo_inferences g WHERE g.item_id = i.id), -1) ELSE -1 END")


def _case(column: str, n: int) -> str:
    return f"CASE {column} " + " ".join(f"WHEN ? THEN {i}" for i in range(n)) + " ELSE 0 END" if n else "0"


def _unit_code(conn: sqlite3.Connection, pairs: list[tuple[str, int]], other: int, table: str = "index_unit_code") -> str:
    """SQL for a row's unit code, looked up in a temporary table of (uid, code) ``pairs``
    (``other`` for a uid not among them). A CASE with a branch per unit, as the sources
    have, cost about 3 µs a row with 500 units (string comparisons down the branches); the
    lookup costs a tenth of that. The main file may be read-only: temp is not. A reader
    that keeps its statement (:class:`SpanReader`) has a ``table`` of its own."""
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} (uid TEXT PRIMARY KEY, code INTEGER) WITHOUT ROWID")
    conn.execute(f"DELETE FROM temp.{table}")
    conn.executemany(f"INSERT INTO temp.{table} VALUES (?, ?)", pairs)
    return f"coalesce((SELECT c.code FROM temp.{table} c WHERE c.uid = i.unit_uid), {other})"


def read_all(conn: sqlite3.Connection) -> Rows:
    """Every item and hashtag entry."""
    sources = [r[0] for r in conn.execute("SELECT DISTINCT source FROM items ORDER BY source")]
    units = [r[0] for r in conn.execute("SELECT DISTINCT unit_uid FROM items WHERE unit_uid IS NOT NULL ORDER BY 1")]
    prec_case = "CASE i.precision " + " ".join(f"WHEN '{p}' THEN {c}" for p, c in PREC_OF.items()) + " END"
    unit_code = _unit_code(conn, [(u, i) for i, u in enumerate(units)], 0)
    sql = (f"SELECT i.t_ms, i.id, coalesce(i.lat, {NO_POS}), coalesce(i.lon, {NO_POS}), i.kind = 'field_update', "
           f"{prec_case}, coalesce(i.radius_m, 0), {_case('i.source', len(sources))}, "
           f"CASE WHEN {_REPORT} THEN {unit_code} ELSE -1 END, {_CONF} FROM items i ORDER BY i.id")
    # Typed columns chunk by chunk: the float rows of all items at once would double the peak memory.
    parts = [_columns(a) for a in _numbers(conn.execute(sql, sources), 10)] or [_columns(np.zeros((0, 10)))]
    cols = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    del parts
    tags = [r[0] for r in conn.execute("SELECT DISTINCT tag FROM item_tags ORDER BY tag")]
    # Codes are positions in the sorted distinct list, numbered by SQLite with a window function.
    pairs = np.concatenate(list(_numbers(conn.execute(
        "WITH d AS (SELECT tag, row_number() OVER (ORDER BY tag) - 1 AS code FROM (SELECT DISTINCT tag FROM item_tags)) "
        "SELECT t.item_id, d.code FROM item_tags t JOIN d USING (tag)"), 2, np.int64)) or [np.zeros((0, 2), np.int64)])
    return Rows(cols, pairs[:, 0], pairs[:, 1].astype(np.int32), sources, tags, units)


def _coded(conn: sqlite3.Connection, sql: str, span: tuple[int, int], table: list[str]) -> list[tuple[str, int]]:
    """Values the new rows use, with their codes in ``table`` (extended by values not in it)."""
    code = {v: i for i, v in enumerate(table)}
    out = []
    for (v,) in conn.execute(sql, span):
        if v not in code:
            code[v] = len(table)
            table.append(v)
        out.append((v, code[v]))
    return out


def _case_of(column: str, pairs: list[tuple[str, int]], other: int) -> tuple[str, list]:
    if not pairs:
        return str(other), []
    return (f"CASE {column} " + " ".join(f"WHEN ? THEN {c}" for _, c in pairs) + f" ELSE {other} END",
            [v for v, _ in pairs])


def read_since(conn: sqlite3.Connection, after_id: int, sources: list[str], tags: list[str], units: list[str],
               limit: int | None = None) -> Rows:
    """Items with id > ``after_id`` (the first ``limit`` of them); codes follow the given
    tables, extended (copies) by new values.

    The values the new rows use are looked up first (each a scan of the new rows only),
    so the rows themselves arrive as numbers, like in a full read."""
    sources, tags, units = list(sources), list(tags), list(units)
    upto = 2**63 - 1
    if limit is not None:
        row = conn.execute("SELECT id FROM items WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?", (after_id, limit - 1)).fetchone()
        upto = row[0] if row else upto
    span = (after_id, upto)
    # NOT INDEXED / INDEXED BY: read only the new rows (by rowid, by item id), never a whole index.
    src = _coded(conn, "SELECT DISTINCT source FROM items NOT INDEXED WHERE id > ? AND id <= ?", span, sources)
    uni = _coded(conn, "SELECT DISTINCT unit_uid FROM items NOT INDEXED WHERE id > ? AND id <= ? "
                 "AND unit_uid IS NOT NULL", span, units)
    prec_case = "CASE i.precision " + " ".join(f"WHEN '{p}' THEN {c}" for p, c in PREC_OF.items()) + " END"
    src_case, src_params = _case_of("i.source", src, 0)
    unit_case = _unit_code(conn, uni, -1)
    sql = (f"SELECT i.t_ms, i.id, coalesce(i.lat, {NO_POS}), coalesce(i.lon, {NO_POS}), i.kind = 'field_update', "
           f"{prec_case}, coalesce(i.radius_m, 0), {src_case}, CASE WHEN {_REPORT} THEN {unit_case} ELSE -1 END, "
           f"{_CONF} FROM items i NOT INDEXED WHERE i.id > ? AND i.id <= ? ORDER BY i.id")
    parts = [_columns(a) for a in _numbers(conn.execute(sql, src_params + list(span)), 10)]
    cols = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]} if parts else _columns(np.zeros((0, 10)))
    # Hashtag entries with their text: mapping a few thousand strings in Python is cheaper
    # than any join SQLite can do against a list of codes.
    entries = conn.execute("SELECT item_id, tag FROM item_tags INDEXED BY item_tags_item WHERE item_id > ? "
                           "AND item_id <= ? ORDER BY item_id", span).fetchall()
    code = {v: i for i, v in enumerate(tags)}
    for _, tag in entries:
        if tag not in code:
            code[tag] = len(tags)
            tags.append(tag)
    tag_ids = np.fromiter((e[0] for e in entries), np.int64, len(entries))
    tag_codes = np.fromiter((code[e[1]] for e in entries), np.int32, len(entries))
    return Rows(cols, tag_ids, tag_codes, sources, tags, units)


@contextmanager
def read_tx(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction, so several queries see the same committed state."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        yield
    finally:
        if own and conn.in_transaction:
            conn.execute("COMMIT")



def give_back_memory() -> None:
    """After a full read, hand the freed heap back to the system (the Linux C library keeps
    it otherwise: hundreds of megabytes at ten million items). Elsewhere a no-op."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass



# --- the state a snapshot is checked against ------------------------------------------

@dataclass(frozen=True)
class CacheState:
    """What says whether a saved index still describes the cache (see writer.bump_generation)."""

    path: str
    device: int
    inode: int
    generation: int
    rewrites: int
    max_id: int

    def same_file(self, other: dict) -> bool:
        return (other.get("path"), other.get("device"), other.get("inode")) == (self.path, self.device, self.inode)


def cache_state(conn: sqlite3.Connection) -> CacheState | None:
    """None for a cache without a file (in memory)."""
    main = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
    if not main:
        return None
    p = Path(main).resolve()
    st = os.stat(p)
    meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('generation', 'rewrites')").fetchall())
    max_id = conn.execute("SELECT max(id) FROM items").fetchone()[0] or 0
    return CacheState(str(p), st.st_dev, st.st_ino, int(meta.get("generation") or 0), int(meta.get("rewrites") or 0),
                      int(max_id))


def rewrites(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'rewrites'").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def snapshot_dir(state: CacheState) -> Path:
    """The snapshot folder of one cache file: under the data folder, named by the file's path."""
    return data_dir() / "index" / hashlib.sha1(state.path.encode("utf-8")).hexdigest()[:16]


# --- reading in time chunks (the first open: most recent first, see engine.loading) ------

def tables(conn: sqlite3.Connection) -> tuple[list[str], list[str], list[str]]:
    """The sorted distinct sources, unit uids and hashtags: the code tables of a full read."""
    return _distinct(conn, "source", "items"), _distinct(conn, "unit_uid", "items"), _distinct(conn, "tag", "item_tags")


def _distinct(conn: sqlite3.Connection, column: str, table: str) -> list[str]:
    """Sorted distinct non-NULL values of an indexed column, one index seek per value (a few
    dozen sources and tags among millions of rows: DISTINCT would walk the whole index)."""
    sql = (f"WITH RECURSIVE v(x) AS (SELECT min({column}) FROM {table} WHERE {column} IS NOT NULL UNION ALL "
           f"SELECT (SELECT min({column}) FROM {table} WHERE {column} > v.x) FROM v WHERE v.x IS NOT NULL) "
           "SELECT x FROM v WHERE x IS NOT NULL")
    return [r[0] for r in conn.execute(sql)]


class SpanReader:
    """Reads the items of one time span on its own connection (a thread of its own: SQLite
    lets other threads run while it steps), as numbers, with the codes of ``tables``."""

    def __init__(self, conn: sqlite3.Connection, sources: list[str], units: list[str], tags: list[str]) -> None:
        self.conn = conn
        self.rows_by_id = 0  # rows read in id order so far (the rest through the time index)
        self.params = list(sources)
        unit_code = _unit_code(conn, [(u, i) for i, u in enumerate(units)], 0, "span_unit_code")
        prec_case = "CASE i.precision " + " ".join(f"WHEN '{p}' THEN {c}" for p, c in PREC_OF.items()) + " END"
        # The four small codes in one number (fewer Python objects per row: most of a read's
        # time is turning values into them): kind + 2 prec + 8 source + 2**19 (unit + 1).
        self.sql = (f"SELECT i.t_ms, i.id, coalesce(i.lat, {NO_POS}), coalesce(i.lon, {NO_POS}), "
                    f"(i.kind = 'field_update') + 2 * ({prec_case}) + 8 * ({_case('i.source', len(sources))}) + "
                    f"{1 << 19} * (CASE WHEN {_REPORT} THEN {unit_code} ELSE -1 END + 1), "
                    f"coalesce(i.radius_m, 0), {_CONF} "
                    "FROM items i INDEXED BY items_t WHERE i.t_ms >= ? AND i.t_ms < ? AND i.id <= ? "
                    "AND (i.id < ? OR i.id > ?)")
        self.sql_ids = self.sql.split(" FROM items i ")[0] + (
            " FROM items i NOT INDEXED WHERE i.id >= ? AND i.id <= ? AND i.t_ms >= ? AND i.t_ms < ?")
        # Hashtag codes from a temporary table (the main file may be read-only: temp is not).
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS index_tag_code (tag TEXT PRIMARY KEY, code INTEGER) WITHOUT ROWID")
        conn.execute("DELETE FROM temp.index_tag_code")
        conn.executemany("INSERT INTO temp.index_tag_code VALUES (?, ?)", [(t, i) for i, t in enumerate(tags)])
        self.tag_sql = ("SELECT t.item_id, d.code FROM items i INDEXED BY items_t CROSS JOIN item_tags t INDEXED BY "
                        "item_tags_item CROSS JOIN temp.index_tag_code d WHERE t.item_id = i.id AND d.tag = t.tag "
                        "AND i.t_ms >= ? AND i.t_ms < ? AND i.id <= ? AND (i.id < ? OR i.id > ?)")
        self.tag_ids_sql = ("SELECT t.item_id, d.code FROM item_tags t INDEXED BY item_tags_item CROSS JOIN "
                            "temp.index_tag_code d WHERE t.item_id >= ? AND t.item_id <= ? AND d.tag = t.tag")

    @staticmethod
    def _cols(a: np.ndarray) -> dict[str, np.ndarray]:
        p = a[:, 4].astype(np.int64)
        return _columns(np.column_stack([a[:, 0], a[:, 1], a[:, 2], a[:, 3], p & 1, (p >> 1) & 3, a[:, 5],
                                         (p >> 3) & 0xFFFF, (p >> 19) - 1, a[:, 6]]))

    def read(self, lo_ms: int, hi_ms: int, max_id: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """Columns of the items with ``lo_ms <= t_ms < hi_ms`` and id <= ``max_id`` sorted by
        (time, id), and their hashtag entries (item id, code).

        Items mostly arrive in time order, so most of a span's ids form one dense range:
        those rows are read from the table and the hashtag index in id order (pages in file
        order, rows outside the span skipped; about a third faster than a lookup per row
        through the time index), and only the others (a late import) through the time index."""
        a, b, n = self.conn.execute("SELECT min(id), max(id), count(*) FROM items INDEXED BY items_t "
                                    "WHERE t_ms >= ? AND t_ms < ? AND id <= ?", (lo_ms, hi_ms, max_id)).fetchone()
        if n and b - a + 1 <= n + n // 64:  # the span's ids are one range, or nearly
            ids = np.zeros(0, np.int64)
        else:
            a, b = 1, 0  # the dense id range (none yet)
            ids = np.fromiter(itertools.chain.from_iterable(self.conn.execute(
                "SELECT id FROM items INDEXED BY items_t WHERE t_ms >= ? AND t_ms < ? AND id <= ?",
                (lo_ms, hi_ms, max_id))), np.int64)
        if ids.size >= 64:
            # The run of ids around the median without a gap over DENSE_GAP: the rows written
            # together; ids beyond a gap (another import's) go through the time index.
            ids.sort()
            m = ids.size // 2
            breaks = np.flatnonzero(np.diff(ids) > DENSE_GAP)
            k = int(np.searchsorted(breaks, m))
            lo_i = int(breaks[k - 1]) + 1 if k > 0 else 0
            hi_i = int(breaks[k]) if k < breaks.size else ids.size - 1
            if hi_i - lo_i + 1 >= ids.size // 4:
                a, b = int(ids[lo_i]), int(ids[hi_i])
        parts = []
        # Small fetches: each row is a tuple of ten Python numbers (~400 bytes) until converted.
        if b >= a:
            parts += [self._cols(x) for x in _numbers(self.conn.execute(self.sql_ids, self.params + [a, b, lo_ms, hi_ms]),
                                                      7, batch=SPAN_BATCH)]
            self.rows_by_id += sum(p["id"].shape[0] for p in parts)
        parts += [self._cols(x) for x in _numbers(self.conn.execute(self.sql, self.params + [lo_ms, hi_ms, max_id, a, b]),
                                                  7, batch=SPAN_BATCH)]
        cols = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]} if parts else _columns(np.zeros((0, 10)))
        del parts
        order = np.lexsort((cols["id"], cols["t"]))
        cols = {name: c[order] for name, c in cols.items()}
        pairs = [np.zeros((0, 2), np.int64)]
        if b >= a:
            got = np.concatenate(list(_numbers(self.conn.execute(self.tag_ids_sql, [a, b]), 2, np.int64, SPAN_BATCH))
                                 or pairs)
            sid = np.sort(cols["id"])
            j = np.minimum(np.searchsorted(sid, got[:, 0]), max(sid.size - 1, 0))
            pairs.append(got[sid[j] == got[:, 0]] if sid.size else got[:0])  # entries of rows in the span
        pairs += list(_numbers(self.conn.execute(self.tag_sql, [lo_ms, hi_ms, max_id, a, b]), 2, np.int64, SPAN_BATCH))
        pairs = np.concatenate(pairs)
        return cols, pairs[:, 0].copy(), pairs[:, 1].astype(np.int32)
