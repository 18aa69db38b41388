"""Unit tracks (desktop.engine.unit_tracks) from one flat table sorted by (unit, time) give
what the earlier design, a table per unit, gave: the same units, latest reports, packed
tracks and staleness for any window, after adds in any order and after a snapshot."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from desktop.engine.columns import Columns, merge_slots
from desktop.engine.unit_tracks import NAMES, STALE_AFTER_MS, TRACK_POINTS, UnitTracks, _EXTRA_CACHE, pack_tracks, unpack_track

_STEPS = np.arange(TRACK_POINTS, dtype=np.float64)


class Reference:
    """The design before one flat sorted table: per unit code its own columns (kept as the reference)."""

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


T0 = 1_700_000_000_000


@pytest.fixture
def conn():
    c = sqlite3.connect(":memory:")
    c.execute("CREATE TABLE units (uid TEXT, team TEXT)")
    c.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, callsign TEXT, extra TEXT)")
    return c


def reports(rng, units: int, n: int, first_id: int, t_spread: int):
    """n reports of ``units`` units in no particular order, ids from ``first_id``; some NaN
    positions, some equal times, some codes of -1 (not a unit report)."""
    code = rng.integers(-1, units, n)
    t = T0 + rng.integers(0, t_spread, n) // 7 * 7  # equal times happen
    ids = first_id + rng.permutation(n)
    lat = 37.5 + rng.random(n) / 100
    lon = 127.0 + rng.random(n) / 100
    lat[rng.random(n) < 0.01] = np.nan
    return code, t, ids, lat, lon


def fill(conn, ids, rng) -> None:
    conn.executemany("INSERT OR REPLACE INTO items VALUES (?, ?, ?)", [
        (int(i), f"cs{int(i) % 17}", json.dumps({"course": float(i % 360), "stale_ms": T0 + int(i) * 3
                                                  if i % 5 == 0 else None, "emergency": "on" if i % 97 == 0 else None,
                                                  "team": "Red" if i % 3 else None}))
        for i in ids])


@pytest.mark.parametrize("units, per_add, adds", [(7, 200, 3), (40, 5000, 4), (3, 2000, 1)])
def test_flat_tracks_give_what_tracks_per_unit_gave(conn, tmp_path, units, per_add, adds):
    rng = np.random.default_rng(units * 1000 + per_add)
    names = [f"uid-{(u * 37) % 101:03d}" for u in range(units)]  # names do not sort like codes
    conn.executemany("INSERT INTO units VALUES (?, ?)", [(n, "Blue") for n in names])
    new, old = UnitTracks(), Reference()
    first = 1
    for _ in range(adds):
        code, t, ids, lat, lon = reports(rng, units, per_add, first, 3_600_000)
        fill(conn, ids, rng)
        first += per_add
        new.add(names, code, t, ids, lat, lon)
        old.add(names, code, t, ids, lat, lon)
        assert len(new) == len(old)
    windows = [(-(2**62), 2**62), (T0, T0 + 1), (T0 + 600_000, T0 + 1_800_000), (T0 + 10**9, T0 + 2 * 10**9),
               (T0 + 1_000_007, T0 + 1_000_007 + 6_000)]
    windows += [tuple(sorted(T0 + rng.integers(0, 3_600_000, 2))) for _ in range(10)]
    snap = tmp_path / "snap"
    snap.mkdir()
    reopened = UnitTracks.open(snap, names, new.save(snap))
    for start, end in windows:
        now = end if end < 2**62 else T0 + 3_600_000
        want = old.window(conn, start, end, now)
        assert repr(new.window(conn, start, end, now)) == repr(want)  # repr: NaN is not equal to itself
        assert repr(reopened.window(conn, start, end, now)) == repr(want)
    assert len(new.window(conn, -(2**62), 2**62, T0)) == units  # every unit has reports in the whole span
    assert any(u["track"] for u in want)


def test_long_tracks_are_thinned_like_before(conn):
    names = ["a", "b"]
    new, old = UnitTracks(), Reference()
    n = 3 * TRACK_POINTS + 17
    code = np.array([0] * n + [1] * (TRACK_POINTS + 1))
    t = T0 + np.arange(code.size) * 1000
    ids = np.arange(code.size) + 1
    lat, lon = 37.5 + ids / 1e6, 127.0 + ids / 1e6
    fill(conn, ids, None)
    for tracks in (new, old):
        tracks.add(names, code, t, ids, lat, lon)
    got = new.window(conn, -(2**62), 2**62, T0)
    assert repr(got) == repr(old.window(conn, -(2**62), 2**62, T0))
    assert [len(unpack_track(u["track"])) for u in got] == [TRACK_POINTS + 1] * 2
    assert new.window(conn, T0 + 5, T0 + 6, T0) == []
