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

from desktop.engine.columns import Columns, merge_slots

TRACK_POINTS = 300
STALE_AFTER_MS = 5 * 60_000  # a report without its own stale time goes stale after this
NAMES = ("t", "id", "lat", "lon")
_EXTRA_CACHE = 4096
_STEPS = np.arange(TRACK_POINTS, dtype=np.float64)  # the evenly spaced picks of a long track


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
    lat, lon = np.concatenate(lats).astype(np.float64), np.concatenate(lons).astype(np.float64)
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


class UnitTracks:
    """Per unit code (``names[code]`` is its uid): its reports as t, id, lat, lon columns."""

    def __init__(self, names: list[str] | None = None) -> None:
        self.names: list[str] = list(names or [])
        self._tracks: dict[int, Columns] = {}
        self._extra: dict[int, tuple] = {}  # item id -> (callsign, parsed extra)

    def __len__(self) -> int:
        return sum(c.n for c in self._tracks.values())

    def add(self, names: list[str], code: np.ndarray, t: np.ndarray, ids: np.ndarray, lat: np.ndarray,
            lon: np.ndarray) -> None:
        """Reports (any order; ids higher than any already held); ``names`` may extend the table."""
        self.names = list(names)
        keep = code >= 0
        if not keep.any():
            return
        code, t, ids, lat, lon = code[keep], t[keep], ids[keep], lat[keep], lon[keep]
        order = np.lexsort((ids, t, code))
        code, t, ids, lat, lon = code[order], t[order], ids[order], lat[order], lon[order]
        bounds = np.flatnonzero(np.diff(code)) + 1
        for a, b in zip(np.r_[0, bounds], np.r_[bounds, code.size]):
            u = int(code[a])
            new = {"t": t[a:b], "id": ids[a:b], "lat": lat[a:b], "lon": lon[a:b]}
            cols = self._tracks.get(u)
            if cols is None:
                cols = self._tracks[u] = Columns(0)
                for name in NAMES:
                    cols.add(name, np.zeros(0, new[name].dtype))
            p, slots = merge_slots(cols["t"], new["t"])
            cols.merge(p, slots, new)

    # files ---------------------------------------------------------------------------
    def save(self, folder: Path) -> list[list[int]]:
        """All tracks as four flat files; returns [[code, start, stop], …] for :meth:`open`."""
        spans, flat = [], {name: [] for name in NAMES}
        at = 0
        for u in sorted(self._tracks):
            cols = self._tracks[u]
            for name in NAMES:
                flat[name].append(cols[name])
            spans.append([u, at, at + cols.n])
            at += cols.n
        out = Columns(at)
        for name, dt in zip(NAMES, (np.int64, np.int64, np.float64, np.float64)):
            out.add(name, np.concatenate(flat[name]) if flat[name] else np.zeros(0, dt))
        out.save(folder / "units", 0)
        return spans

    @classmethod
    def open(cls, folder: Path, names: list[str], spans: list[list[int]]) -> "UnitTracks":
        tracks = cls(names)
        total = spans[-1][2] if spans else 0
        flat = Columns.open(folder / "units", list(NAMES), total)
        for u, a, b in spans:
            cols = Columns(b - a)
            for name in NAMES:
                cols.adopt(name, flat[name][a:b])
            tracks._tracks[u] = cols
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

    def _spans(self, start_ms: int, end_ms: int) -> list[tuple[int, Columns, int, int]]:
        """(unit code, its columns, first, stop) of each unit with reports in [start, end), by uid."""
        out = []
        for u, cols in self._tracks.items():
            t = cols["t"]
            a, b = int(t.searchsorted(start_ms)), int(t.searchsorted(end_ms))
            if a < b:
                out.append((u, cols, a, b))
        names = self.names
        out.sort(key=lambda s: names[s[0]])
        return out

    def _fetch_latest(self, conn: sqlite3.Connection, spans: list) -> None:
        """Read the latest reports' callsigns and extras not cached yet in a few queries (under
        a flood every unit has a new latest report at each result: one query per unit was
        hundreds of statements per redraw)."""
        want = [i for i in (int(cols["id"][b - 1]) for _, cols, _, b in spans) if i not in self._extra]
        if len(self._extra) + len(want) > _EXTRA_CACHE:
            self._extra.clear()
        for k in range(0, len(want), 900):  # within SQLite's bound on parameters
            part = want[k:k + 900]
            rows = conn.execute(f"SELECT id, callsign, extra FROM items WHERE id IN ({','.join('?' * len(part))})",
                                part).fetchall()
            for i, callsign, extra in rows:
                self._extra[i] = (callsign, json.loads(extra) if extra else {})

    def window(self, conn: sqlite3.Connection, start_ms: int, end_ms: int, now_ms: int) -> list[dict]:
        """Each unit's latest report in [start, end), its track (packed, see :func:`pack_track`:
        up to TRACK_POINTS evenly spaced reports plus the latest) and whether it is stale at ``now_ms``."""
        teams = dict(conn.execute("SELECT uid, team FROM units").fetchall())
        spans = self._spans(start_ms, end_ms)
        self._fetch_latest(conn, spans)
        # Every unit's track points gathered at once and packed in one pass (a pack per unit
        # was most of a redraw's time with hundreds of units).
        lats, lons, sizes, cols_of = [], [], [], []
        picks, scratch = np.empty(TRACK_POINTS + 1, np.int64), np.empty(TRACK_POINTS, np.float64)
        for _, cols, a, b in spans:
            n = b - a
            lat, lon = cols["lat"], cols["lon"]
            cols_of.append((lat, lon, cols["t"], cols["id"]))
            if n > TRACK_POINTS:  # evenly spaced reports plus the latest
                np.multiply(_STEPS, n / TRACK_POINTS, out=scratch)
                picks[:-1] = scratch  # truncated, as astype(int) would
                picks[:-1] += a
                picks[-1] = b - 1
                lats.append(lat[picks])
                lons.append(lon[picks])
                sizes.append(TRACK_POINTS + 1)
            else:
                lats.append(lat[a:b])
                lons.append(lon[a:b])
                sizes.append(n)
        tracks = pack_tracks(lats, lons, sizes)
        out = []
        names = self.names
        for (u, _, _, b), (lat, lon, t, ids), track in zip(spans, cols_of, tracks):
            uid = names[u]
            last = b - 1
            callsign, ex = self._latest_extra(conn, int(ids[last]))
            t_ms = int(t[last])
            stale_ms = ex.get("stale_ms") or (t_ms + STALE_AFTER_MS)
            out.append({
                "uid": uid, "track": track,
                "callsign": callsign, "t_ms": t_ms, "lat": float(lat[last]), "lon": float(lon[last]),
                "team": ex.get("team") or teams.get(uid),
                "course": ex.get("course"), "speed": ex.get("speed"), "stale_ms": ex.get("stale_ms"),
                "emergency": bool(ex.get("emergency")) and ex.get("emergency") != "cancel",
                "stale": bool(stale_ms < now_ms),
            })
        return out
