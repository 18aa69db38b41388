"""Alert rule values and their evaluators (pure logic: no cache, no threads).

An evaluator is fed items (in time order when possible) and asked, at a moment
``now``, which episodes are active: ``{episode: (message, item ids)}``. The engine
(:mod:`desktop.live.alerts`) turns changes in that answer into stored alerts.
"""

from __future__ import annotations

import bisect
import json
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import shapely

from desktop.core.geo import GeoError, area_from_geojson
from desktop.core.uncertainty import UNCERTAIN, admit, radius_limit
from desktop.core.model import normalise_tag

KINDS = ("count", "spike", "emergency", "empty_area")
EMERGENCY_NAMES = {"b-a-o-tbl": "911 alert", "b-a-o-pan": "ring the bell", "b-a-o-opn": "in contact",
                   "b-a-g": "geo-fence breached"}
MAX_WINDOW_ITEMS = 200_000  # per rule; a window larger than this keeps its newest items


@dataclass(frozen=True)
class AlertRule:
    """One rule. ``params`` by kind:

    - count: ``min_count``, ``minutes``, optional ``hashtags``, ``keywords``, ``kinds``, ``sources``
    - spike: ``minutes``, ``factor``, ``min_count``, ``baseline_minutes`` (60), and the same filters
    - emergency: optional ``types`` (default: every emergency but a cancel)
    - empty_area: ``minutes``, optional ``unit_types`` (type prefixes, default ``["a-f"]``), ``teams``
    """

    name: str
    kind: str
    params: dict = field(default_factory=dict)
    area: dict | None = None  # GeoJSON geometry (WGS84); None = everywhere
    area_name: str | None = None
    enabled: bool = True
    id: int | None = None

    @classmethod
    def count(cls, name: str, min_count: int, minutes: float, *, area: dict | None = None,
              area_name: str | None = None, **filters) -> "AlertRule":
        return cls(name, "count", {"min_count": min_count, "minutes": minutes, **filters}, area, area_name)

    @classmethod
    def spike(cls, name: str, minutes: float, factor: float, min_count: int, *, baseline_minutes: float = 60,
              area: dict | None = None, area_name: str | None = None, **filters) -> "AlertRule":
        return cls(name, "spike", {"minutes": minutes, "factor": factor, "min_count": min_count,
                                   "baseline_minutes": baseline_minutes, **filters}, area, area_name)

    @classmethod
    def emergency(cls, name: str = "Emergency", *, area: dict | None = None, area_name: str | None = None,
                  **params) -> "AlertRule":
        return cls(name, "emergency", params, area, area_name)

    @classmethod
    def empty_area(cls, name: str, area: dict, minutes: float, *, area_name: str | None = None,
                   **params) -> "AlertRule":
        return cls(name, "empty_area", {"minutes": minutes, **params}, area, area_name or name)

    def check(self) -> None:
        """Raise ValueError when the rule cannot be evaluated."""
        make_evaluator(self)


@dataclass(slots=True)
class Row:
    """The fields of an item the rules look at."""

    id: int
    t_ms: int
    lat: float | None
    lon: float | None
    kind: str
    source: str
    hashtags: tuple[str, ...]
    text: str
    unit_uid: str | None
    callsign: str | None
    emergency: str | None
    precision: str = "exact"
    radius_m: float = 0.0  # a place or inferred item's uncertainty (core.uncertainty)

    @classmethod
    def from_db(cls, r: tuple) -> "Row":
        emergency = None
        if r[10] and '"emergency"' in r[10]:
            try:
                emergency = json.loads(r[10]).get("emergency")
            except (ValueError, AttributeError):
                emergency = None
        more = (r[11] or "exact", float(r[12] or 0.0)) if len(r) > 12 else ()
        return cls(r[0], r[1], r[2], r[3], r[4], r[5], tuple(json.loads(r[6] or "[]")), r[7] or "", r[8], r[9],
                   emergency, *more)


def _fold(s: str) -> str:
    return unicodedata.normalize("NFC", s).casefold()


class Evaluator:
    def __init__(self, rule: AlertRule):
        self.rule = rule
        p = rule.params
        self.geom = None
        if rule.area is not None:
            self.geom = area_from_geojson(rule.area_name or rule.name, rule.area).geometry
            shapely.prepare(self.geom)
            self.limit = radius_limit(self.geom)
        self.minutes = float(p.get("minutes", 0) or 0)
        self.tags = {normalise_tag(t) for t in p.get("hashtags", ()) if normalise_tag(t)}
        self.words = [_fold(w) for w in p.get("keywords", ()) if w.strip()]
        self.kinds = set(p.get("kinds", ()))
        self.sources = set(p.get("sources", ()))
        self.where = f" in {rule.area_name}" if rule.area_name else ""

    def inside(self, lat: float | None, lon: float | None, precision: str = "exact", radius_m: float = 0.0) -> bool:
        """In the rule's area as the map counts it: a place or inferred item only when its
        circle is not much larger than the area (core.uncertainty.admit)."""
        if self.geom is None:
            return True
        if lat is None or lon is None:
            return False
        centre = np.array([bool(shapely.intersects_xy(self.geom, lon, lat))])
        return bool(admit(centre, np.array([precision in UNCERTAIN]), np.array([radius_m or 0.0]), self.limit)[0])

    def matches(self, r: Row) -> bool:
        if self.kinds and r.kind not in self.kinds:
            return False
        if self.sources and r.source not in self.sources:
            return False
        if self.tags or self.words:
            hit = bool(self.tags and self.tags.intersection(r.hashtags))
            if not hit and self.words:
                text = _fold(r.text)
                hit = any(w in text for w in self.words)
            if not hit:
                return False
        return self.inside(r.lat, r.lon, r.precision, r.radius_m)

    def history_since(self, now: int) -> int | None:
        """How far back the cache must be read to fill this rule at start; None = not at all."""
        return None

    def feed(self, rows: Iterable[Row]) -> None:
        pass

    def evaluate(self, now: int, units: list[tuple] | None) -> dict[str, tuple[str, list[int]]]:
        raise NotImplementedError


class _Window(Evaluator):
    """Matching items kept sorted by time, trimmed to what the rule can still need."""

    span_min = 0.0

    def __init__(self, rule: AlertRule):
        super().__init__(rule)
        if self.minutes <= 0:
            raise ValueError("minutes must be positive")
        self.t: list[int] = []
        self.ids: list[int] = []
        self._seen: set[int] = set()

    def history_since(self, now: int) -> int:
        return now - int(self.span_min * 60_000)

    def feed(self, rows: Iterable[Row]) -> None:
        for r in rows:
            if r.id in self._seen or not self.matches(r):
                continue
            k = bisect.bisect_right(self.t, r.t_ms)  # late arrivals keep the window sorted
            self.t.insert(k, r.t_ms)
            self.ids.insert(k, r.id)
            self._seen.add(r.id)
        if len(self.t) > MAX_WINDOW_ITEMS:
            self._trim(len(self.t) - MAX_WINDOW_ITEMS)

    def _trim(self, k: int) -> None:
        for i in self.ids[:k]:
            self._seen.discard(i)
        del self.t[:k], self.ids[:k]

    def prune(self, now: int) -> None:
        self._trim(bisect.bisect_left(self.t, now - int(self.span_min * 60_000)))

    def between(self, a: int, b: int) -> tuple[int, int]:
        """Index range of items with a <= t <= b."""
        return bisect.bisect_left(self.t, a), bisect.bisect_right(self.t, b)


class CountEvaluator(_Window):
    def __init__(self, rule: AlertRule):
        super().__init__(rule)
        self.span_min = self.minutes
        self.min_count = int(rule.params.get("min_count", 0))
        if self.min_count < 1:
            raise ValueError("min_count must be at least 1")

    def evaluate(self, now, units):
        self.prune(now)
        i, j = self.between(now - int(self.minutes * 60_000), now)
        n = j - i
        if n < self.min_count:
            return {}
        return {"": (f"{self.rule.name}: {n} matching items{self.where} in the last {self.minutes:g} min "
                     f"(threshold {self.min_count})", self.ids[i:j])}


class SpikeEvaluator(_Window):
    def __init__(self, rule: AlertRule):
        super().__init__(rule)
        p = rule.params
        self.baseline = float(p.get("baseline_minutes", 60))
        self.factor = float(p.get("factor", 0))
        self.min_count = int(p.get("min_count", 1))
        if self.baseline <= 0 or self.factor <= 0 or self.min_count < 1:
            raise ValueError("baseline_minutes and factor must be positive, min_count at least 1")
        self.span_min = self.minutes + self.baseline

    def evaluate(self, now, units):
        self.prune(now)
        # Recent: (now - minutes, now]; baseline: the baseline_minutes before that.
        cut = now - int(self.minutes * 60_000)
        i, j = bisect.bisect_right(self.t, cut), bisect.bisect_right(self.t, now)
        recent = j - i
        base = i - bisect.bisect_right(self.t, cut - int(self.baseline * 60_000))
        rate, base_rate = recent / self.minutes, base / self.baseline
        if recent < self.min_count or rate < self.factor * base_rate:
            return {}
        vs = f"{base_rate:.2f}/min before" if base else "none before"
        return {"": (f"{self.rule.name}: {recent} items{self.where} in the last {self.minutes:g} min "
                     f"({rate:.2f}/min vs {vs}, threshold ×{self.factor:g})", self.ids[i:j])}


class EmergencyEvaluator(Evaluator):
    HISTORY_MIN = 24 * 60  # an emergency older than a day is read back at start only if not cancelled

    def __init__(self, rule: AlertRule):
        super().__init__(rule)
        self.types = set(rule.params.get("types", ()))
        self.state: dict[str, tuple[int, str | None, int, str | None, float | None, float | None]] = {}

    def history_since(self, now):
        return now - self.HISTORY_MIN * 60_000

    def feed(self, rows):
        for r in rows:
            if r.emergency is None or r.kind != "field_update":
                continue
            uid = r.unit_uid or r.callsign or f"item {r.id}"
            last = self.state.get(uid)
            if last is not None and r.t_ms < last[0]:
                continue  # an older report arriving late changes nothing
            if r.emergency == "cancel":
                self.state[uid] = (r.t_ms, None, r.id, r.callsign, r.lat, r.lon)
            elif (not self.types or r.emergency in self.types) and self.inside(r.lat, r.lon):
                self.state[uid] = (r.t_ms, r.emergency, r.id, r.callsign, r.lat, r.lon)

    def evaluate(self, now, units):
        out = {}
        for uid, (t, em, item_id, callsign, lat, lon) in self.state.items():
            if em is None:
                continue
            at = f" at {lat:.5f}, {lon:.5f}" if lat is not None else ""
            out[uid] = (f"EMERGENCY {callsign or uid}: {EMERGENCY_NAMES.get(em, em)}{at}", [item_id])
        return out


class EmptyAreaEvaluator(Evaluator):
    def __init__(self, rule: AlertRule):
        super().__init__(rule)
        if self.geom is None:
            raise ValueError("an empty-area rule needs an area")
        if self.minutes <= 0:
            raise ValueError("minutes must be positive")
        self.unit_types = tuple(rule.params.get("unit_types", ("a-f",)))
        self.teams = set(rule.params.get("teams", ()))
        self.empty_since: int | None = None

    def evaluate(self, now, units):
        present = any(
            lat is not None and (stale is None or stale > now) and ctype.startswith(self.unit_types)
            and (not self.teams or team in self.teams) and self.inside(lat, lon)
            for _uid, _cs, ctype, team, lat, lon, _t, stale in units or ())
        if present:
            self.empty_since = None
            return {}
        if self.empty_since is None:
            self.empty_since = now
        if now - self.empty_since < self.minutes * 60_000:
            return {}
        gone = (now - self.empty_since) // 60_000
        return {"": (f"{self.rule.name}: no unit in {self.rule.area_name or 'the area'} for {gone} min "
                     f"(limit {self.minutes:g} min)", [])}


_EVALUATORS = {"count": CountEvaluator, "spike": SpikeEvaluator, "emergency": EmergencyEvaluator,
               "empty_area": EmptyAreaEvaluator}


def make_evaluator(rule: AlertRule) -> Evaluator:
    if rule.kind not in _EVALUATORS:
        raise ValueError(f"unknown rule kind {rule.kind!r} (one of: {', '.join(KINDS)})")
    try:
        return _EVALUATORS[rule.kind](rule)
    except GeoError as exc:
        raise ValueError(str(exc)) from None
    except (TypeError, KeyError, AttributeError) as exc:
        raise ValueError(f"rule parameters are not usable: {exc}") from None
