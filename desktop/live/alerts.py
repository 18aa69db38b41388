"""Alert rules and the engine that watches the live picture for them.

A rule is a value stored in the cache (``alert_rules``): a kind, parameters and an
optional area (GeoJSON geometry). Kinds:

- ``count``: at least ``min_count`` items matching hashtags/keywords/kinds inside the
  area within the last ``minutes``;
- ``spike``: the area's rate over the last ``minutes`` is at least ``factor`` times its
  own rate over the ``baseline_minutes`` before, with at least ``min_count`` items;
- ``emergency``: a unit declared an emergency (911 alert, ring the bell, in contact,
  geo-fence) and has not cancelled it;
- ``empty_area``: no unit inside the area for ``minutes`` or longer.

:class:`AlertEngine` is fed each commit's new item ids (it is a LiveWriter listener)
and a clock tick. Each rule fires once per episode, keyed by the rule and (for
emergencies) the unit; the episode clears when the condition ends and the rule is
armed again. Fired alerts are stored (``alerts``) before the callback hears of them,
and open episodes survive a restart, so reopening never repeats an alert.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from desktop.cache import Cache
from desktop.live.alert_rules import KINDS, AlertRule, Evaluator, Row, make_evaluator

__all__ = ["KINDS", "Alert", "AlertEngine", "AlertRule", "delete_rule", "load_rules", "recent_alerts", "save_rule",
           "set_rule_enabled"]

log = logging.getLogger(__name__)
_ROW_SQL = ("SELECT id, t_ms, lat, lon, kind, source, hashtags, text, unit_uid, callsign, extra, precision, radius_m "
            "FROM items")
_PARAMS_PER_QUERY = 900  # under SQLite's host-parameter limit


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    rule_id: int
    rule_name: str
    kind: str
    t_ms: int
    area_name: str | None
    message: str
    item_ids: tuple[int, ...]
    episode: str = ""
    cleared_ms: int | None = None


# --- storage -------------------------------------------------------------------------

def save_rule(cache: Cache, rule: AlertRule) -> AlertRule:
    """Insert (no id) or replace (with id) a rule; returns it with its id."""
    rule.check()
    row = (rule.name, rule.kind, json.dumps(rule.params, ensure_ascii=False), rule.area_name,
           json.dumps(rule.area) if rule.area else None, int(rule.enabled))
    with cache.transaction() as conn:
        if rule.id is None:
            rid = conn.execute("INSERT INTO alert_rules (name, kind, params, area_name, area, enabled, created_ms) "
                               "VALUES (?,?,?,?,?,?,?)", (*row, int(time.time() * 1000))).lastrowid
            return replace(rule, id=rid)
        conn.execute("UPDATE alert_rules SET name=?, kind=?, params=?, area_name=?, area=?, enabled=? WHERE id=?",
                     (*row, rule.id))
    return rule


def load_rules(conn, *, enabled_only: bool = True) -> list[AlertRule]:
    sql = "SELECT id, name, kind, params, area_name, area, enabled FROM alert_rules"
    rows = conn.execute(sql + (" WHERE enabled" if enabled_only else "") + " ORDER BY id").fetchall()
    return [AlertRule(name=r[1], kind=r[2], params=json.loads(r[3] or "{}"), area_name=r[4],
                      area=json.loads(r[5]) if r[5] else None, enabled=bool(r[6]), id=r[0]) for r in rows]


def delete_rule(cache: Cache, rule_id: int) -> None:
    with cache.transaction() as conn:
        _end_episodes(conn, rule_id)
        conn.execute("DELETE FROM alert_rules WHERE id = ?", (rule_id,))


def set_rule_enabled(cache: Cache, rule_id: int, enabled: bool) -> None:
    """Switch a rule on or off. Turning it off ends its open episodes: switched on again,
    it is armed afresh and fires for a condition that still holds."""
    with cache.transaction() as conn:
        if not enabled:
            _end_episodes(conn, rule_id)
        conn.execute("UPDATE alert_rules SET enabled = ? WHERE id = ?", (int(enabled), rule_id))


def _end_episodes(conn, rule_id: int) -> None:
    conn.execute("UPDATE alerts SET cleared_ms = ? WHERE rule_id = ? AND cleared_ms IS NULL",
                 (int(time.time() * 1000), rule_id))


def recent_alerts(conn, limit: int = 100) -> list[Alert]:
    rows = conn.execute(
        "SELECT a.id, a.rule_id, coalesce(r.name, ''), coalesce(r.kind, ''), a.t_ms, a.area_name, a.message, "
        "a.item_ids, a.episode, a.cleared_ms FROM alerts a LEFT JOIN alert_rules r ON r.id = a.rule_id "
        "ORDER BY a.t_ms DESC, a.id DESC LIMIT ?", (limit,)).fetchall()
    return [Alert(r[0], r[1], r[2], r[3], r[4], r[5], r[6], tuple(json.loads(r[7])), r[8], r[9]) for r in rows]


# --- the engine ----------------------------------------------------------------------

@dataclass
class _Slot:
    rule: AlertRule
    ev: Evaluator
    open: dict[str, int] = field(default_factory=dict)  # episode -> alert id


class AlertEngine:
    """Evaluates the enabled rules as items arrive and on a clock tick.

    ``on_alert(alert)`` is called after the alert is stored; ``on_clear(alert)`` when an
    episode ends. Safe to call from the writer thread and a tick thread at once.
    """

    def __init__(self, db_path: str | Path, on_alert: Callable[[Alert], None] | None = None, *,
                 on_clear: Callable[[Alert], None] | None = None, clock: Callable[[], int] | None = None):
        self.on_alert = on_alert
        self.on_clear = on_clear
        self.clock = clock or (lambda: int(time.time() * 1000))
        self._cache = Cache.open(db_path)
        self._lock = threading.RLock()
        self._slots: list[_Slot] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.reload_rules()

    @property
    def rules(self) -> list[AlertRule]:
        with self._lock:
            return [s.rule for s in self._slots]

    def reload_rules(self) -> None:
        """Read the enabled rules again (after the commander edited them) and refill
        their windows from the cache."""
        with self._lock:
            conn = self._cache.conn
            now = self.clock()
            open_eps: dict[int, dict[str, int]] = {}
            for aid, rid, ep in conn.execute("SELECT id, rule_id, episode FROM alerts WHERE cleared_ms IS NULL"):
                open_eps.setdefault(rid, {})[ep] = aid
            self._slots = []
            for rule in load_rules(conn):
                try:
                    ev = make_evaluator(rule)
                except ValueError as exc:
                    log.error("alert rule %s (%r) is unusable: %s", rule.id, rule.name, exc)
                    continue
                since = ev.history_since(now)
                if since is not None:
                    ev.feed(self._rows(f"{_ROW_SQL} WHERE t_ms >= ? ORDER BY t_ms", (since,)))
                self._slots.append(_Slot(rule, ev, open_eps.get(rule.id, {})))
            self._evaluate(now, units=True)

    def on_commit(self, new_item_ids: list[int], units_changed: bool, stats: object = None) -> list[Alert]:
        """The LiveWriter listener: read the new items, update the windows, evaluate."""
        with self._lock:
            if not self._slots:
                return []
            rows: list[Row] = []
            for k in range(0, len(new_item_ids), _PARAMS_PER_QUERY):
                part = new_item_ids[k:k + _PARAMS_PER_QUERY]
                rows += self._rows(f"{_ROW_SQL} WHERE id IN ({','.join('?' * len(part))})", part)
            rows.sort(key=lambda r: r.t_ms)
            for slot in self._slots:
                slot.ev.feed(rows)
            return self._evaluate(self.clock(), units=units_changed)

    def tick(self, now_ms: int | None = None) -> list[Alert]:
        """Evaluate at ``now_ms`` (default: the clock): windows slide, areas stay empty."""
        with self._lock:
            return self._evaluate(self.clock() if now_ms is None else now_ms, units=True)

    def start(self, interval_s: float = 5.0) -> "AlertEngine":
        """Tick on a thread of its own every ``interval_s`` seconds."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._ticker, args=(interval_s,), name="sitmap-alerts",
                                            daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def close(self) -> None:
        self.stop()
        self._cache.close()

    def _ticker(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            try:
                self.tick()
            except Exception:  # a locked cache now and then must not end the ticking
                log.exception("alert tick failed")

    # --- internals ---------------------------------------------------------------------
    def _rows(self, sql: str, params) -> list[Row]:
        return [Row.from_db(r) for r in self._cache.conn.execute(sql, tuple(params))]

    def _units(self) -> list[tuple]:
        return self._cache.conn.execute(
            "SELECT uid, callsign, cot_type, team, lat, lon, t_ms, stale_ms FROM units WHERE lat IS NOT NULL").fetchall()

    def _evaluate(self, now: int, *, units: bool) -> list[Alert]:
        unit_rows = self._units() if units and any(s.rule.kind == "empty_area" for s in self._slots) else None
        fired: list[Alert] = []
        cleared: list[Alert] = []
        for slot in self._slots:
            if slot.rule.kind == "empty_area" and unit_rows is None:
                continue
            active = slot.ev.evaluate(now, unit_rows)
            for episode, (message, ids) in active.items():
                if episode not in slot.open:
                    fired.append(self._store(slot, episode, now, message, ids))
            for episode in [e for e in slot.open if e not in active]:
                cleared.append(self._clear(slot, episode, now))
        for a in fired:
            self._call(self.on_alert, a)
        for a in cleared:
            self._call(self.on_clear, a)
        return fired

    def _store(self, slot: _Slot, episode: str, now: int, message: str, ids: list[int]) -> Alert:
        rule = slot.rule
        ids = ids[-500:]
        with self._cache.transaction() as conn:
            aid = conn.execute(
                "INSERT INTO alerts (rule_id, episode, t_ms, area_name, message, item_ids) VALUES (?,?,?,?,?,?)",
                (rule.id, episode, now, rule.area_name, message, json.dumps(ids))).lastrowid
        slot.open[episode] = aid
        return Alert(aid, rule.id, rule.name, rule.kind, now, rule.area_name, message, tuple(ids), episode)

    def _clear(self, slot: _Slot, episode: str, now: int) -> Alert:
        aid = slot.open.pop(episode)
        with self._cache.transaction() as conn:
            conn.execute("UPDATE alerts SET cleared_ms = ? WHERE id = ?", (now, aid))
            row = conn.execute("SELECT t_ms, message, item_ids FROM alerts WHERE id = ?", (aid,)).fetchone()
        rule = slot.rule
        return Alert(aid, rule.id, rule.name, rule.kind, row[0], rule.area_name, row[1], tuple(json.loads(row[2])),
                     episode, now)

    @staticmethod
    def _call(fn, alert: Alert) -> None:
        if fn is None:
            return
        try:
            fn(alert)
        except Exception:  # the window's handler failing must not lose later alerts
            log.exception("alert callback failed")
