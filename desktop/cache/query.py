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


def area_breakdown(conn: sqlite3.Connection, flt: Filter, area) -> dict:
    """How many of ``flt``'s items (its own areas replaced by ``area``) count as in ``area``,
    by precision, and how many place or inferred items are only "possibly in" it: their
    circle reaches the area but the rule (core.uncertainty) does not count them. The same
    numbers the window's per-area counts show."""
    from desktop.core.geo import Area, AreaMask
    from desktop.core.uncertainty import possibly_in

    one = Area(area.name, area.geometry, False)
    f = flt.with_(areas=(one,))
    mask = AreaMask([one])
    where, params = f.where("i")
    rows = conn.execute(f"SELECT i.lat, i.lon, i.precision, coalesce(i.radius_m, 0) FROM items i WHERE {where}",
                        params).fetchall()
    out = {"area": area.name, "items": 0, "exact": 0, "place": 0, "inferred": 0, "possibly_in": 0}
    if rows:
        lat = np.array([r[0] for r in rows], np.float64)
        lon = np.array([r[1] for r in rows], np.float64)
        prec = [r[2] for r in rows]
        keep = mask.admits(lat, lon, np.array([p in UNCERTAIN for p in prec], bool),
                           np.array([r[3] for r in rows], np.float64))
        out["items"] = int(keep.sum())
        for p, k in zip(prec, keep):
            if k and p in out:
                out[p] += 1
    # Possibly in: uncertain items whose circle may reach the area, from anywhere around it.
    env = mask.envelope()
    reach = conn.execute("SELECT max(radius_m) FROM items WHERE precision IN ('place', 'inferred')").fetchone()[0]
    if env is not None and reach:
        pad_lat = float(reach) / 111_320.0
        pad_lon = pad_lat / max(0.05, float(np.cos(np.radians(max(abs(env[1]), abs(env[3]))))))
        g = flt.with_(areas=(), precisions=tuple(p for p in (flt.precisions or UNCERTAIN) if p in UNCERTAIN))
        if g.precisions:
            where, params = g.where("i")
            cand = conn.execute(f"SELECT i.lat, i.lon, coalesce(i.radius_m, 0) FROM items i WHERE {where} "
                                "AND i.radius_m > 0 AND i.lat BETWEEN ? AND ? AND i.lon BETWEEN ? AND ?",
                                params + [env[1] - pad_lat, env[3] + pad_lat, env[0] - pad_lon,
                                          env[2] + pad_lon]).fetchall()
            if cand:
                a = np.array(cand, np.float64)
                unc = np.ones(a.shape[0], bool)
                admitted = mask.admits(a[:, 0], a[:, 1], unc, a[:, 2])
                out["possibly_in"] = int(possibly_in(mask.include, admitted, unc, a[:, 0], a[:, 1], a[:, 2]).sum())
    return out
