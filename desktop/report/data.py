"""What a situation report says, read from the cache for one filter: plain values, no
layout (:mod:`desktop.report.sitrep` lays them out).

Everything is answered by SQL over the cache (the reference the map is checked
against), with the filter's areas tested exactly on the rows SQL returns.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

import numpy as np

from desktop.cache.incidents import list_incidents
from desktop.core.filters import Filter
from desktop.core.geo import AreaMask

# Histogram intervals to choose from (ms): the first that gives at most MAX_BINS bins.
_STEPS_MIN = (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)
MAX_BINS = 48
BUSIEST = 3  # intervals marked on the histogram
TOP_TAGS = 12
MAX_ROWS = 60  # rows of each item table; the rest is counted


@dataclass
class Histogram:
    start_ms: int
    step_ms: int
    counts: list[int]
    busiest: list[int]  # bin indexes, busiest first


@dataclass
class TagMove:
    tag: str
    total: int
    first: int   # in the first half of the period
    second: int  # in the second half


@dataclass
class TaskRow:
    code: str
    unit: str
    state: str
    sent_ms: int
    ack_ms: int | None  # time to acknowledge (ms), None when not acknowledged


@dataclass
class IncidentRow:
    id: int
    name: str
    state: str
    priority: str
    items: int
    created_ms: int
    tasks: list[TaskRow] = field(default_factory=list)


@dataclass
class ItemRow:
    id: int
    t_ms: int
    kind: str
    who: str  # author or callsign
    text: str
    place: str
    lat: float | None = None
    lon: float | None = None


@dataclass
class AlertRow:
    t_ms: int
    area: str
    message: str
    cleared_ms: int | None
    acknowledged_ms: int | None


@dataclass
class ReportData:
    """One report's content. Times are UTC ms; ``start_ms``/``end_ms`` the period."""

    start_ms: int
    end_ms: int
    total: int
    posts: int
    field_updates: int
    histogram: Histogram
    areas: list[tuple[str, int]]  # (area or province name, items), most first
    areas_by: str  # "area" (the filter's areas) or "province"
    tags: list[TagMove]
    incidents: list[IncidentRow]
    verified: list[ItemRow]
    verified_total: int
    field: list[ItemRow]
    field_total: int
    alerts: list[AlertRow]
    # per area of the filter: {"exact", "place", "inferred", "possibly_in"} (core.uncertainty)
    area_detail: dict = field(default_factory=dict)


def _matching(conn: sqlite3.Connection, flt: Filter) -> dict[str, np.ndarray]:
    where, params = flt.where("i")
    rows = conn.execute(f"SELECT i.id, i.t_ms, i.lat, i.lon, i.kind = 'post', i.precision IN ('place', 'inferred'), "
                        f"coalesce(i.radius_m, 0), CASE i.precision WHEN 'exact' THEN 0 WHEN 'place' THEN 1 "
                        f"WHEN 'inferred' THEN 2 ELSE 3 END FROM items i WHERE {where} ORDER BY i.t_ms, i.id",
                        params).fetchall()
    cols = {
        "id": np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
        "t": np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows)),
        "lat": np.fromiter((np.nan if r[2] is None else r[2] for r in rows), dtype=np.float64, count=len(rows)),
        "lon": np.fromiter((np.nan if r[3] is None else r[3] for r in rows), dtype=np.float64, count=len(rows)),
        "post": np.fromiter((bool(r[4]) for r in rows), dtype=bool, count=len(rows)),
        "uncertain": np.fromiter((bool(r[5]) for r in rows), dtype=bool, count=len(rows)),
        "radius": np.fromiter((r[6] for r in rows), dtype=np.float64, count=len(rows)),
        "prec": np.fromiter((r[7] for r in rows), dtype=np.uint8, count=len(rows)),
    }
    mask = flt.area_mask
    if mask is not None and len(rows):
        keep = mask.admits(cols["lat"], cols["lon"], cols["uncertain"], cols["radius"])
        cols = {k: v[keep] for k, v in cols.items()}
    return cols


def period(conn: sqlite3.Connection, flt: Filter) -> tuple[int, int]:
    """The filter's time window; an open side is the first or last item's time (the whole
    cache when it is empty: the current hour)."""
    start, end = flt.start_ms, flt.end_ms
    if start is None or end is None:
        lo, hi = conn.execute("SELECT min(t_ms), max(t_ms) FROM items").fetchone()
        if lo is None:
            import time

            hi = int(time.time() * 1000)
            lo = hi - 3_600_000
        tick = 600_000  # an open side read from the items goes out to whole ten minutes
        start = lo // tick * tick if start is None else start
        end = -(-(hi + 1) // tick) * tick if end is None else end
    if end <= start:
        end = start + 60_000
    return int(start), int(end)


def histogram(t: np.ndarray, start_ms: int, end_ms: int) -> Histogram:
    span = end_ms - start_ms
    step = _STEPS_MIN[-1] * 60_000
    for m in _STEPS_MIN:
        if span / (m * 60_000) <= MAX_BINS:
            step = m * 60_000
            break
    n = max(1, -(-span // step))
    counts = np.bincount(((t - start_ms) // step).clip(0, n - 1), minlength=n) if len(t) else np.zeros(n, np.int64)
    order = np.argsort(-counts, kind="stable")
    busiest = [int(i) for i in order[:BUSIEST] if counts[i] > 0]
    return Histogram(start_ms, int(step), [int(c) for c in counts], busiest)


def _areas(flt: Filter, lat: np.ndarray, lon: np.ndarray, english: bool, uncertain: np.ndarray | None = None,
           radius: np.ndarray | None = None) -> tuple[list[tuple[str, int]], str]:
    inc = [a for a in flt.areas if not a.exclude]
    if inc:
        unc = np.zeros(lat.shape[0], bool) if uncertain is None else uncertain
        rad = np.zeros(lat.shape[0]) if radius is None else radius
        out = [(a.name, int(AreaMask([a]).admits(lat, lon, unc, rad).sum())) for a in inc]
        return sorted(out, key=lambda x: -x[1]), "area"
    import shapely

    from desktop.core.provinces import province_names

    ok = ~(np.isnan(lat) | np.isnan(lon))
    if not ok.any():
        return [], "province"
    pts = np.round(np.column_stack([lon[ok], lat[ok]]), 4)  # ~10 m: one lookup per place, not per item
    uniq, inverse = np.unique(pts, axis=0, return_inverse=True)
    names = province_names(list(shapely.points(uniq)), english=english)
    per = np.bincount(inverse.reshape(-1), minlength=len(uniq))
    counts: dict[str, int] = {}
    other = "Outside Korea" if english else "국외·미상"
    for name, n in zip(names, per):
        key = name or other
        counts[key] = counts.get(key, 0) + int(n)
    return sorted(counts.items(), key=lambda x: -x[1]), "province"


def _tags(conn: sqlite3.Connection, ids: np.ndarray, start_ms: int, end_ms: int) -> list[TagMove]:
    if not len(ids):
        return []
    rows = conn.execute("SELECT tag, item_id, t_ms FROM item_tags WHERE t_ms >= ? AND t_ms < ?",
                        (start_ms, end_ms)).fetchall()
    if not rows:
        return []
    item = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    keep = np.isin(item, ids)
    mid = start_ms + (end_ms - start_ms) // 2
    moves: dict[str, list[int]] = {}
    for (tag, _, t), k in zip(rows, keep):
        if k:
            m = moves.setdefault(tag, [0, 0])
            m[0 if t < mid else 1] += 1
    top = sorted(moves.items(), key=lambda x: (-(x[1][0] + x[1][1]), x[0]))[:TOP_TAGS]
    return [TagMove(tag, a + b, a, b) for tag, (a, b) in top]


def _incidents(conn: sqlite3.Connection, start_ms: int, end_ms: int) -> list[IncidentRow]:
    out = []
    for inc in list_incidents(conn, states=("open", "monitoring", "closed")):
        in_period = conn.execute(
            "SELECT count(*) FROM incident_items x JOIN items i ON i.id = x.item_id "
            "WHERE x.incident_id = ? AND i.t_ms >= ? AND i.t_ms < ?", (inc["id"], start_ms, end_ms)).fetchone()[0]
        created_in = start_ms <= inc["created_ms"] < end_ms
        if not (in_period or created_in or inc["state"] != "closed"):
            continue
        row = IncidentRow(inc["id"], inc["name"], inc["state"], inc["priority"], int(inc["items"] or 0),
                          int(inc["created_ms"]))
        for code, uid, callsign, state, sent, ack in conn.execute(
                "SELECT code, unit_uid, callsign, state, sent_ms, acknowledged_ms FROM tasks "
                "WHERE incident_id = ? ORDER BY sent_ms, id", (inc["id"],)):
            row.tasks.append(TaskRow(code, callsign or uid, state, int(sent),
                                     None if ack is None else max(0, int(ack) - int(sent))))
        out.append(row)
    return out


def _item_rows(conn: sqlite3.Connection, flt: Filter, extra: str, ids: np.ndarray) -> tuple[list[ItemRow], int]:
    """Items of the filter (already matched: ``ids``) that also meet ``extra``, oldest first."""
    if not len(ids):
        return [], 0
    where, params = flt.where("i")
    rows = conn.execute(
        f"SELECT i.id, i.t_ms, i.kind, coalesce(i.callsign, i.author, i.unit_uid, ''), i.text, "
        f"coalesce(i.place_name, ''), i.lat, i.lon FROM items i WHERE {where} AND {extra} ORDER BY i.t_ms, i.id", params).fetchall()
    if flt.area_mask is not None:
        keep = set(ids.tolist())
        rows = [r for r in rows if r[0] in keep]
    return [ItemRow(*r) for r in rows[:MAX_ROWS]], len(rows)


def _alerts(conn: sqlite3.Connection, start_ms: int, end_ms: int) -> list[AlertRow]:
    return [AlertRow(int(t), area or "", msg, cl, ack) for t, area, msg, cl, ack in conn.execute(
        "SELECT t_ms, area_name, message, cleared_ms, acknowledged_ms FROM alerts WHERE t_ms >= ? AND t_ms < ? "
        "ORDER BY t_ms, id", (start_ms, end_ms))]


def gather(conn: sqlite3.Connection, flt: Filter, *, english: bool = False) -> ReportData:
    """The report's content for ``flt`` (its time window, or the cache's span when open)."""
    start, end = period(conn, flt)
    flt = flt.with_(start_ms=start, end_ms=end)
    m = _matching(conn, flt)
    verified, n_verified = _item_rows(conn, flt, "i.kind = 'post' AND i.id IN "
                                      "(SELECT item_id FROM triage WHERE state = 'verified')", m["id"])
    field_rows, n_field = _item_rows(conn, flt, "i.kind = 'field_update' AND i.text != ''", m["id"])
    areas, areas_by = _areas(flt, m["lat"], m["lon"], english, m["uncertain"], m["radius"])
    detail = _area_detail(conn, flt, m) if areas_by == "area" else {}
    return ReportData(
        start_ms=start, end_ms=end, total=len(m["id"]), posts=int(m["post"].sum()),
        field_updates=int((~m["post"]).sum()), histogram=histogram(m["t"], start, end),
        areas=areas, areas_by=areas_by, tags=_tags(conn, m["id"], start, end),
        incidents=_incidents(conn, start, end), verified=verified, verified_total=n_verified,
        field=field_rows, field_total=n_field, alerts=_alerts(conn, start, end), area_detail=detail)


def _area_detail(conn: sqlite3.Connection, flt: Filter, m: dict) -> dict:
    """Each included area's items by precision, and how many place or inferred items are
    only "possibly in" it (never in its count; see desktop.cache.query.area_breakdown)."""
    from desktop.cache.query import area_breakdown

    out = {}
    for a in (x for x in flt.areas if not x.exclude):
        keep = AreaMask([a]).admits(m["lat"], m["lon"], m["uncertain"], m["radius"])
        by = np.bincount(m["prec"][keep], minlength=4)
        out[a.name] = {"exact": int(by[0]), "place": int(by[1]), "inferred": int(by[2]),
                       "possibly_in": area_breakdown(conn, flt, a)["possibly_in"]}
    return out


__all__ = ["AlertRow", "Histogram", "IncidentRow", "ItemRow", "ReportData", "TagMove", "TaskRow", "gather",
           "histogram", "period"]
