"""Running a Filter against the cache: rows, counts, and the area post-filter."""

from __future__ import annotations

import json
import sqlite3
from typing import Iterator

import numpy as np

from desktop.core.filters import Filter
from desktop.core.uncertainty import UNCERTAIN

ROW_COLUMNS = ("id", "kind", "source", "source_id", "t_ms", "lat", "lon", "precision", "radius_m", "text", "author",
               "author_id", "lang", "place_name", "hashtags", "links", "reply_to", "quote_of", "retweet_of",
               "unit_uid", "callsign", "extra")
FETCH = 20000


def _decode(row: tuple) -> dict:
    d = dict(zip(ROW_COLUMNS, row))
    d["hashtags"] = json.loads(d["hashtags"]) if d["hashtags"] else []
    d["links"] = json.loads(d["links"]) if d["links"] else []
    d["extra"] = json.loads(d["extra"]) if d["extra"] else None
    return d


def iter_items(conn: sqlite3.Connection, flt: Filter, *, newest_first: bool = False, limit: int | None = None) -> Iterator[dict]:
    """Items matching ``flt`` in time order, as dicts (hashtags/links/extra decoded)."""
    where, params = flt.where("i")
    order = "DESC" if newest_first else "ASC"
    sql = f"SELECT {', '.join('i.' + c for c in ROW_COLUMNS)} FROM items i WHERE {where} ORDER BY i.t_ms {order}, i.id {order}"
    if limit is not None and flt.area_mask is None:
        sql += f" LIMIT {int(limit)}"
    cur = conn.execute(sql, params)
    mask = flt.area_mask
    n = 0
    while True:
        rows = cur.fetchmany(FETCH)
        if not rows:
            return
        if mask is not None:
            lat = np.array([r[5] for r in rows], dtype=np.float64)
            lon = np.array([r[6] for r in rows], dtype=np.float64)
            unc = np.array([r[7] in UNCERTAIN for r in rows], dtype=bool)
            rad = np.array([r[8] or 0.0 for r in rows], dtype=np.float64)
            keep = mask.admits(lat, lon, unc, rad)
            rows = [r for r, k in zip(rows, keep) if k]
        for r in rows:
            yield _decode(r)
            n += 1
            if limit is not None and n >= limit:
                return


def matching_ids(conn: sqlite3.Connection, flt: Filter) -> np.ndarray:
    """Ids of matching items (time order); the exact reference the map's counts are checked against."""
    where, params = flt.where("i")
    mask = flt.area_mask
    if mask is None:
        rows = conn.execute(f"SELECT i.id FROM items i WHERE {where} ORDER BY i.t_ms, i.id", params).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    rows = conn.execute(f"SELECT i.id, i.lat, i.lon, i.precision IN ('place', 'inferred'), coalesce(i.radius_m, 0) "
                        f"FROM items i WHERE {where} ORDER BY i.t_ms, i.id", params).fetchall()
    if not rows:
        return np.zeros(0, dtype=np.int64)
    arr = np.array(rows, dtype=np.float64)
    keep = mask.admits(arr[:, 1], arr[:, 2], arr[:, 3] > 0, arr[:, 4])
    return arr[keep, 0].astype(np.int64)


def count(conn: sqlite3.Connection, flt: Filter) -> int:
    if flt.area_mask is None:
        where, params = flt.where("i")
        return conn.execute(f"SELECT count(*) FROM items i WHERE {where}", params).fetchone()[0]
    return int(matching_ids(conn, flt).size)


def time_span(conn: sqlite3.Connection) -> tuple[int, int] | None:
    row = conn.execute("SELECT min(t_ms), max(t_ms) FROM items").fetchone()
    return None if row[0] is None else (row[0], row[1])
