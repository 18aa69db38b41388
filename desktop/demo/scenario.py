"""The demo scenario as data: loading ``data/demo_scenario.json`` and turning it into
arrays the generator can index with numpy (rendered texts, hashtag sets, routes,
time profiles).

Nothing here draws random numbers; the generator owns all randomness so that one
seed gives one timeline.
"""

from __future__ import annotations

import itertools
import json
import math
import string
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from desktop.core.model import normalise_tag
from desktop.core.paths import project_data_dir

M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQ = 111_320.0


def scenario_path() -> Path:
    return project_data_dir() / "demo_scenario.json"


def gazetteer_path() -> Path:
    """The scenario's landmarks (squares, stations, police box, rally points) for the geoparser."""
    return project_data_dir() / "demo_gazetteer.csv"


def _nfc(obj):
    # Text from the file reaches the cache as-is, so it must already be in the form
    # Item normalises to; otherwise the bulk path and the Item path would differ.
    if isinstance(obj, str):
        return unicodedata.normalize("NFC", obj)
    if isinstance(obj, list):
        return [_nfc(v) for v in obj]
    if isinstance(obj, dict):
        return {_nfc(k): _nfc(v) for k, v in obj.items()}
    return obj


def load(path: str | Path | None = None) -> dict:
    """The scenario file as a dict, all strings NFC."""
    p = Path(path) if path else scenario_path()
    with open(p, encoding="utf-8") as fh:
        return _nfc(json.load(fh))


class Clock:
    """Local wall-clock times of the scenario's day ("15:30") to UTC milliseconds."""

    def __init__(self, sc: dict):
        sign = -1 if sc["utc_offset"].startswith("-") else 1
        hh, mm = sc["utc_offset"].lstrip("+-").split(":")
        self.tz = timezone(sign * timedelta(hours=int(hh), minutes=int(mm)))
        self.day = datetime.fromisoformat(sc["date"]).replace(tzinfo=self.tz)
        self.start_ms = self.ms(sc["start"])
        self.end_ms = self.ms(sc["end"])

    def ms(self, hhmm: str) -> int:
        hh, mm = hhmm.split(":")
        dt = self.day + timedelta(hours=int(hh), minutes=int(mm))
        return int(dt.timestamp()) * 1000


# --- texts -------------------------------------------------------------------------------

@dataclass
class TextPool:
    """Rendered texts, grouped by template so a template is chosen before its slot
    values (a template with many slot combinations is not more frequent)."""

    texts: np.ndarray  # object array of str
    offsets: np.ndarray  # first text of each template
    counts: np.ndarray  # texts per template

    def pick(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Indices into ``texts`` for n draws."""
        t = rng.integers(0, len(self.offsets), n)
        return self.offsets[t] + (rng.random(n) * self.counts[t]).astype(np.int64)


def _fields(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def render(templates: list[str], slots: dict[str, list[str]], fixed: dict[str, str] | None = None) -> TextPool:
    """Every template filled with every combination of its slot values."""
    fixed = fixed or {}
    texts: list[str] = []
    offsets, counts = [], []
    for tpl in templates:
        names = [f for f in dict.fromkeys(_fields(tpl)) if f not in fixed]
        offsets.append(len(texts))
        for combo in itertools.product(*(slots[n] for n in names)):
            texts.append(tpl.format(**fixed, **dict(zip(names, combo))))
        counts.append(len(texts) - offsets[-1])
    return TextPool(np.array(texts, dtype=object), np.array(offsets, np.int64), np.array(counts, np.int64))


@dataclass
class TagPool:
    """Hashtag sets. Index 0 is the empty set; each set has its text before the body,
    its text after the body, and its JSON as the cache stores it."""

    prefix: np.ndarray
    suffix: np.ndarray
    json: np.ndarray
    by_count: list[np.ndarray]  # indices of the sets with k tags
    p_count: np.ndarray

    def pick(self, rng: np.random.Generator, n: int) -> np.ndarray:
        k = rng.choice(len(self.p_count), size=n, p=self.p_count)
        out = np.zeros(n, np.int64)
        for j, idx in enumerate(self.by_count):
            m = k == j
            if m.any() and len(idx):
                out[m] = idx[rng.integers(0, len(idx), int(m.sum()))]
        return out


def tag_pool(spec: dict) -> TagPool:
    """Ordered tag sets of 0..3 tags; with ``lead`` every non-empty set starts with one of them."""
    lead, pool = spec.get("lead", []), spec["pool"]
    p = np.array(spec["counts"], float)
    if lead:
        p[0] = 0.0  # a campaign post always carries a campaign tag
    p = p / p.sum()
    sets: list[tuple[str, ...]] = [()]
    by_count: list[list[int]] = [[0]]
    for k in range(1, len(p)):
        found = []
        if lead:
            combos = ((first, *rest) for first in lead for rest in itertools.permutations(pool, k - 1))
        else:
            combos = itertools.permutations(pool, k)
        for c in combos:
            found.append(len(sets))
            sets.append(c)
        by_count.append(found)
    prefix, suffix, js = [], [], []
    for s in sets:
        written = " ".join("#" + t for t in s)
        prefix.append(written + " " if s else "")
        suffix.append(" " + written if s else "")
        norm = list(dict.fromkeys(normalise_tag(t) for t in s))
        js.append(json.dumps(norm, ensure_ascii=False))  # the same call the writer makes
    return TagPool(np.array(prefix, dtype=object), np.array(suffix, dtype=object), np.array(js, dtype=object),
                   [np.array(b, np.int64) for b in by_count], p)


def emoji_pool(spec: dict) -> np.ndarray:
    """Index 0 is no emoji; the rest carry their leading space."""
    return np.array([""] + [" " + e for e in spec["pool"]], dtype=object)


# --- time profiles -----------------------------------------------------------------------

class Profile:
    """A piecewise-linear rate over the day and its normalised cumulative (the CDF)."""

    def __init__(self, clock: Clock, knots: list[tuple[int, float]], grid: np.ndarray):
        kt = np.array([k[0] for k in knots], float)
        kr = np.array([k[1] for k in knots], float)
        rate = np.interp(grid, kt, kr, left=0.0, right=0.0)
        cum = np.concatenate([[0.0], np.cumsum((rate[1:] + rate[:-1]) * 0.5)])
        self.grid = grid
        self.cdf = cum / cum[-1] if cum[-1] > 0 else np.linspace(0.0, 1.0, len(grid))

    def at(self, t_ms) -> np.ndarray:
        return np.interp(t_ms, self.grid, self.cdf)

    def inverse(self, u: np.ndarray) -> np.ndarray:
        return np.interp(u, self.cdf, self.grid)


def time_grid(clock: Clock) -> np.ndarray:
    """One point a second over the day; fine enough for minute-scale bursts."""
    return np.arange(clock.start_ms, clock.end_ms + 1, 1000, dtype=float)


# --- geometry ----------------------------------------------------------------------------

def offset(lat: np.ndarray, lon: np.ndarray, east_m: np.ndarray, north_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move points by metres east/north (flat-earth; exact enough within a few km)."""
    return lat + north_m / M_PER_DEG_LAT, lon + east_m / (M_PER_DEG_LON_EQ * np.cos(np.radians(lat)))


class Polyline:
    """A path in (lat, lon), walked by distance in metres."""

    def __init__(self, points: list[list[float]], closed: bool = False):
        pts = [tuple(p) for p in points]
        if closed and pts[0] != pts[-1]:
            pts.append(pts[0])
        self.lat = np.array([p[0] for p in pts], float)
        self.lon = np.array([p[1] for p in pts], float)
        lat0 = math.radians(float(self.lat.mean()))
        self.ey = np.diff(self.lat) * M_PER_DEG_LAT  # segment vectors in metres
        self.ex = np.diff(self.lon) * M_PER_DEG_LON_EQ * math.cos(lat0)
        seg = np.hypot(self.ex, self.ey)
        self.cum = np.concatenate([[0.0], np.cumsum(seg)])
        self.length = float(self.cum[-1])
        self.seg = seg

    def at(self, d: np.ndarray, side_m: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """Points at distance d along the path, shifted side_m to the right of travel."""
        d = np.clip(d, 0.0, self.length)
        lat = np.interp(d, self.cum, self.lat)
        lon = np.interp(d, self.cum, self.lon)
        if np.ndim(side_m) == 0 and side_m == 0.0:
            return lat, lon
        i = np.clip(np.searchsorted(self.cum, d, side="right") - 1, 0, len(self.seg) - 1)
        n = np.where(self.seg[i] > 0, self.seg[i], 1.0)
        # Right of the direction of travel: (ey, -ex) rotated from (ex, ey).
        return offset(lat, lon, side_m * self.ey[i] / n, -side_m * self.ex[i] / n)


def course_speed(lat0, lon0, lat1, lon1, dt_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Course (degrees from north) and speed (m/s) between two fixes, rounded as CoT sends them."""
    dy = (lat1 - lat0) * M_PER_DEG_LAT
    dx = (lon1 - lon0) * M_PER_DEG_LON_EQ * np.cos(np.radians(lat0))
    speed = np.round(np.hypot(dx, dy) / dt_s, 1)
    course = np.round(np.degrees(np.arctan2(dx, dy)) % 360.0, 1)
    course = np.where(speed > 0, course, 0.0) % 360.0
    return course, speed
