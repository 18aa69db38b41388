"""Unit positions for the map: each unit's reports in time order, so a window's latest
position and track are two binary searches per unit, not a query over every report.

The map shows, per unit, its latest position report in the time window (with course,
speed, team and staleness from that report) and its track through the window. Chat
messages are not position reports and are left out when the index is built.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from pathlib import Path

import numpy as np

from desktop.engine.columns import Columns

TRACK_POINTS = 300
STALE_AFTER_MS = 5 * 60_000  # a report without its own stale time goes stale after this
NAMES = ("t", "id", "lat", "lon")
_EXTRA_CACHE = 4096


def pack_track(lat: np.ndarray, lon: np.ndarray) -> str:
    """A track for the page: base64 of little-endian Int32 microdegrees [lat, lon, lat, lon, …]
    (6 decimals, about 10 cm; the page divides by 1e6). One short string instead of
    hundreds of JSON numbers: encoding 15 tracks of 301 points as number pairs took 4–8 ms
    of the GUI thread's ``json.dumps`` on every slider step, this takes a fraction of one,
    and the page tells an unchanged track by comparing two strings."""
    lat, lon = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.all():
        lat, lon = lat[ok], lon[ok]
    pts = np.empty((lat.size, 2), "<i4")
    pts[:, 0] = np.rint(lat * 1e6)
    pts[:, 1] = np.rint(lon * 1e6)
    return base64.b64encode(pts.tobytes()).decode("ascii")


def pack_tracks(lats: list[np.ndarray], lons: list[np.ndarray], sizes: list[int]) -> list[str]:
    """:func:`pack_track` of each (lat, lon) pair of arrays, converted in one pass."""
    if not sizes:
        return []
    return pack_flat(np.concatenate(lats), np.concatenate(lons), sizes)


def pack_flat(lat: np.ndarray, lon: np.ndarray, sizes: list[int]) -> list[str]:
    """:func:`pack_track` of consecutive runs of ``sizes`` points of ``lat`` and ``lon``."""
    if not sizes:
        return []
    lat, lon = np.asarray(lat, np.float64), np.asarray(lon, np.float64)
    ok = np.isfinite(lat) & np.isfinite(lon)
    every = bool(ok.all())
    pts = np.empty((lat.size, 2), "<i4")
    with np.errstate(invalid="ignore"):
        pts[:, 0] = np.rint((lat if every else np.where(ok, lat, 0.0)) * 1e6)
        pts[:, 1] = np.rint((lon if every else np.where(ok, lon, 0.0)) * 1e6)
    raw = pts.tobytes()
    out, at = [], 0
    for n in sizes:
        if every or ok[at:at + n].all():
            part = raw[at * 8:(at + n) * 8]
        else:
            part = pts[at:at + n][ok[at:at + n]].tobytes()
        out.append(binascii.b2a_base64(part, newline=False).decode("ascii"))
        at += n
    return out


def unpack_track(track: str) -> list[tuple[float, float]]:
    """The (lat, lon) points of a packed track (see :func:`pack_track`)."""
    pts = np.frombuffer(base64.b64decode(track), "<i4").reshape(-1, 2) / 1e6
    return list(zip(pts[:, 0].tolist(), pts[:, 1].tolist()))


# The flat table's sort key: unit code in the high bits, the report's time (clipped to about
# ±139 years around 1970, where no report falls) below it. One searchsorted finds every
# unit's window at once.
_T_BITS = 43
_T_HALF = 1 << (_T_BITS - 1)
_STEPS = np.arange(TRACK_POINTS, dtype=np.float64)  # the evenly spaced picks of a long track
_ALL_POINTS = np.arange(TRACK_POINTS + 1, dtype=np.int64)


def _key_of(code: np.ndarray, t) -> np.ndarray:
    t = np.clip(np.asarray(t, np.int64), -_T_HALF, _T_HALF - 1)
    return (np.asarray(code, np.int64) << _T_BITS) | (t + _T_HALF)


def _merged(old: np.ndarray, new: np.ndarray, dest: np.ndarray, held: np.ndarray) -> np.ndarray:
    """``old`` and ``new`` in one array: the new values at ``dest``, the old ones where ``held``
    (half the time of ``np.insert``)."""
    out = np.empty(held.shape[0], old.dtype)
    out[dest] = new
    out[held] = old
    return out


class UnitTracks:
    """Every unit's reports in one table (t, id, lat, lon columns) sorted by (unit code,
    time, id); ``names[code]`` is a unit's uid. A window's latest reports and tracks for
    hundreds of units are a few array operations, not a loop over the units (which was most
    of a redraw's time under a flood: 15 µs a unit)."""

    def __init__(self, names: list[str] | None = None) -> None:
        self.names: list[str] = list(names or [])
        self._key = np.zeros(0, np.int64)
        self._cols = {"t": np.zeros(0, np.int64), "id": np.zeros(0, np.int64),
                      "lat": np.zeros(0, np.float64), "lon": np.zeros(0, np.float64)}
        self._present = np.zeros(0, np.int64)  # the codes with reports, ascending
        self._extra: dict[int, tuple] = {}  # item id -> (callsign, parsed extra)

    def __len__(self) -> int:
        return int(self._key.shape[0])

    def add(self, names: list[str], code: np.ndarray, t: np.ndarray, ids: np.ndarray, lat: np.ndarray,
            lon: np.ndarray) -> None:
        """Reports (any order; ids higher than any already held); ``names`` may extend the table."""
        self.names = list(names)
        keep = code >= 0
        if not keep.any():
            return
        code = code[keep].astype(np.int64)
        key = _key_of(code, t[keep])
        order = np.lexsort((ids[keep], key))
        key = key[order]
        new = {"t": t[keep][order].astype(np.int64), "id": ids[keep][order].astype(np.int64),
               "lat": lat[keep][order].astype(np.float64), "lon": lon[keep][order].astype(np.float64)}
        if self._key.shape[0] == 0:
            self._key, self._cols = key, new
        else:
            # After the equal keys already held: their ids are lower. Mostly the end of each
            # unit's reports, so the rows after it move (numpy copies without the interpreter).
            at = np.searchsorted(self._key, key, "right")
            dest = at + np.arange(key.shape[0])  # the new rows' places in the merged table
            held = np.ones(self._key.shape[0] + key.shape[0], bool)
            held[dest] = False
            self._key = _merged(self._key, key, dest, held)
            self._cols = {name: _merged(self._cols[name], new[name], dest, held) for name in NAMES}
        self._present = np.union1d(self._present, code)

    # files ---------------------------------------------------------------------------
    def save(self, folder: Path) -> list[list[int]]:
        """All tracks as four flat files; returns [[code, start, stop], …] for :meth:`open`."""
        n = len(self)
        out = Columns(n)
        for name in NAMES:
            out.add(name, self._cols[name])
        out.save(folder / "units", 0)
        codes = self._key >> _T_BITS
        starts = np.searchsorted(codes, self._present, "left")
        stops = np.searchsorted(codes, self._present, "right")
        return [[int(u), int(a), int(b)] for u, a, b in zip(self._present, starts, stops)]

    @classmethod
    def open(cls, folder: Path, names: list[str], spans: list[list[int]]) -> "UnitTracks":
        tracks = cls(names)
        total = spans[-1][2] if spans else 0
        flat = Columns.open(folder / "units", list(NAMES), total)
        tracks._cols = {name: flat[name] for name in NAMES}
        codes = np.repeat(np.array([s[0] for s in spans], np.int64), [s[2] - s[1] for s in spans])
        tracks._key = _key_of(codes, tracks._cols["t"])
        tracks._present = np.array(sorted({s[0] for s in spans}), np.int64)
        return tracks

    # the map's question --------------------------------------------------------------
    def _latest_extra(self, conn: sqlite3.Connection, item_id: int) -> tuple:
        got = self._extra.get(item_id)
        if got is None:
            row = conn.execute("SELECT callsign, extra FROM items WHERE id = ?", (item_id,)).fetchone()
            got = (row[0], json.loads(row[1]) if row and row[1] else {}) if row else (None, {})
            if len(self._extra) > _EXTRA_CACHE:
                self._extra.clear()
            self._extra[item_id] = got
        return got

    def _fetch_latest(self, conn: sqlite3.Connection, latest: list[int]) -> None:
        """Read the latest reports' callsigns and extras not cached yet in a few queries (under
        a flood every unit has a new latest report at each result: one query per unit was
        hundreds of statements per redraw)."""
        want = [i for i in latest if i not in self._extra]
        if len(self._extra) + len(want) > _EXTRA_CACHE:
            self._extra.clear()
        for k in range(0, len(want), 900):  # within SQLite's bound on parameters
            part = want[k:k + 900]
            rows = conn.execute(f"SELECT id, callsign, extra FROM items WHERE id IN ({','.join('?' * len(part))})",
                                part).fetchall()
            for i, callsign, extra in rows:
                self._extra[i] = (callsign, json.loads(extra) if extra else {})

    def _spans(self, start_ms: int, end_ms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(codes, first, stop) of the units with reports in [start, end), by uid."""
        codes = self._present
        lo = codes << _T_BITS if start_ms < -_T_HALF else _key_of(codes, start_ms)
        hi = (codes + 1) << _T_BITS if end_ms > _T_HALF - 1 else _key_of(codes, end_ms)
        a, b = np.searchsorted(self._key, lo, "left"), np.searchsorted(self._key, hi, "left")
        some = a < b
        codes, a, b = codes[some], a[some], b[some]
        names = self.names
        order = sorted(range(codes.shape[0]), key=lambda j: names[codes[j]])
        return codes[order], a[order], b[order]

    def window(self, conn: sqlite3.Connection, start_ms: int, end_ms: int, now_ms: int) -> list[dict]:
        """Each unit's latest report in [start, end), its track (packed, see :func:`pack_track`:
        up to TRACK_POINTS evenly spaced reports plus the latest) and whether it is stale at ``now_ms``."""
        teams = dict(conn.execute("SELECT uid, team FROM units").fetchall())
        codes, a, b = self._spans(start_ms, end_ms)
        if not codes.shape[0]:
            return []
        cols = self._cols
        last = b - 1
        latest_ids = cols["id"][last].tolist()
        self._fetch_latest(conn, latest_ids)
        # Every track's picks at once: a short track is all its reports; a long one
        # TRACK_POINTS evenly spaced (truncated, as the per-unit design did) plus the latest.
        n = b - a
        long_ = n > TRACK_POINTS
        sizes = np.where(long_, TRACK_POINTS + 1, n)
        first = np.cumsum(sizes) - sizes
        picks = np.empty(int(sizes.sum()), np.int64)
        if long_.any():
            la, ln = a[long_], n[long_]
            rows = np.empty((la.shape[0], TRACK_POINTS + 1), np.int64)
            rows[:, :-1] = _STEPS[None, :] * (ln / TRACK_POINTS)[:, None]  # truncated on assignment
            rows[:, :-1] += la[:, None]
            rows[:, -1] = la + ln - 1
            picks[(first[long_][:, None] + _ALL_POINTS[None, :]).ravel()] = rows.ravel()
        short = ~long_
        if short.any():
            sn, sa, sf = n[short], a[short], first[short]
            within = np.arange(int(sn.sum()), dtype=np.int64) - np.repeat(np.cumsum(sn) - sn, sn)
            picks[np.repeat(sf, sn) + within] = np.repeat(sa, sn) + within
        tracks = pack_flat(cols["lat"][picks], cols["lon"][picks], sizes.tolist())
        names = self.names
        out = []
        for u, item_id, t_ms, lat, lon, track in zip(codes.tolist(), latest_ids, cols["t"][last].tolist(),
                                                     cols["lat"][last].tolist(), cols["lon"][last].tolist(), tracks):
            uid = names[u]
            callsign, ex = self._latest_extra(conn, item_id)
            stale_ms = ex.get("stale_ms") or (t_ms + STALE_AFTER_MS)
            out.append({
                "uid": uid, "track": track,
                "callsign": callsign, "t_ms": t_ms, "lat": lat, "lon": lon,
                "team": ex.get("team") or teams.get(uid),
                "course": ex.get("course"), "speed": ex.get("speed"), "stale_ms": ex.get("stale_ms"),
                "emergency": bool(ex.get("emergency")) and ex.get("emergency") != "cancel",
                "stale": bool(stale_ms < now_ms),
            })
        return out
