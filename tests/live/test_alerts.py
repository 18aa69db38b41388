"""Alert rules: count, spike, emergency and empty-area episodes, stored and de-duplicated."""

from __future__ import annotations

import json

import pytest

from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.core.geo import circle
from desktop.importers.cot import parse_event
from desktop.live.alerts import (AlertEngine, AlertRule, delete_rule, load_rules, recent_alerts, save_rule,
                                 set_rule_enabled)
from desktop.live.cot_out import marker_event
from desktop.live.writer import LiveWriter
from desktop.core.model import Item, Kind, Precision, Unit
from tests.live.helpers import wait_for

NOW = 1_777_777_000_000
MIN = 60_000
GWANGHWAMUN = json.loads(json.dumps(circle("광화문", 37.5759, 126.9768, 400).to_geojson()))
GWANG_IN, GWANG_OUT = (37.5760, 126.9770), (37.5665, 126.9900)


class Clock:
    def __init__(self, t=NOW):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture
def cache(tmp_path):
    c = Cache.open(tmp_path / "a.db")
    yield c
    c.close()


_n = [0]


def post(t, pos=GWANG_IN, tags=("집회",), text="광화문 상황"):
    _n[0] += 1
    lat, lon = pos if pos else (None, None)
    return Item(kind=Kind.POST, source="x", source_id=str(1000 + _n[0]), t_ms=t, text=text, lat=lat, lon=lon,
                precision=Precision.EXACT if pos else Precision.UNKNOWN, hashtags=tags)


def put(cache, records) -> list[int]:
    write_records(cache, records, path="t", fmt="live:t")
    b = cache.conn.execute("SELECT max(id) FROM batches").fetchone()[0]
    return [r[0] for r in cache.conn.execute("SELECT id FROM items WHERE batch_id = ?", (b,))]


def engine_for(cache, clock, *rules):
    for r in rules:
        save_rule(cache, r)
    fired, cleared = [], []
    eng = AlertEngine(cache.path, fired.append, on_clear=cleared.append, clock=clock)
    return eng, fired, cleared


def test_count_rule_fires_once_per_episode_and_rearms(cache):
    clock = Clock()
    rule = AlertRule.count("광화문 집회 글", 3, 10, hashtags=["#집회"], area=GWANGHWAMUN, area_name="광화문")
    eng, fired, cleared = engine_for(cache, clock, rule)
    ids = put(cache, [post(NOW - 2 * MIN), post(NOW - MIN, pos=GWANG_OUT), post(NOW - MIN, tags=("교통",)),
                      post(NOW - MIN, pos=None)])
    assert eng.on_commit(ids, False) == []
    ids = put(cache, [post(NOW - MIN)])
    assert eng.on_commit(ids, False) == []
    ids = put(cache, [post(NOW)])
    (a,) = eng.on_commit(ids, False)
    assert fired == [a] and a.area_name == "광화문" and "3 matching items in 광화문" in a.message
    assert len(a.item_ids) == 3
    eng.on_commit(put(cache, [post(NOW)]), False)  # a fourth: same episode, no new alert
    assert len(fired) == 1
    clock.t = NOW + 11 * MIN
    assert eng.tick() == [] and len(cleared) == 1 and cleared[0].id == a.id
    eng.on_commit(put(cache, [post(clock.t) for _ in range(3)]), False)
    assert len(fired) == 2
    rows = recent_alerts(cache.conn)
    assert [r.cleared_ms for r in rows] == [None, NOW + 11 * MIN]
    eng.close()


def test_keyword_and_kind_filters(cache):
    clock = Clock()
    rule = AlertRule.count("부상", 2, 5, keywords=["부상자"], kinds=["post"])
    eng, fired, _ = engine_for(cache, clock, rule)
    eng.on_commit(put(cache, [post(NOW, tags=(), text="부상자 발생"), post(NOW, tags=(), text="교통 정체"),
                              post(NOW, tags=(), text="여기도 부상자")]), False)
    assert len(fired) == 1 and len(fired[0].item_ids) == 2
    eng.close()


def test_spike_against_own_baseline(cache):
    clock = Clock()
    # Baseline: 6 posts spread over the hour before the last 5 minutes (0.1/min).
    put(cache, [post(NOW - 5 * MIN - k * 10 * MIN) for k in range(6)])
    rule = AlertRule.spike("급증", 5, 3.0, 5, baseline_minutes=60, area=GWANGHWAMUN, area_name="광화문")
    eng, fired, cleared = engine_for(cache, clock, rule)  # the baseline is read back from the cache
    eng.on_commit(put(cache, [post(NOW - k * 30_000) for k in range(4)]), False)
    assert fired == []  # 4 < min_count
    eng.on_commit(put(cache, [post(NOW)]), False)
    (a,) = fired
    assert "5 items in 광화문 in the last 5 min" in a.message and "0.10/min before" in a.message
    clock.t = NOW + 6 * MIN
    eng.tick()
    assert len(cleared) == 1
    eng.close()


def test_spike_not_fired_when_baseline_is_as_busy(cache):
    clock = Clock()
    put(cache, [post(NOW - 5 * MIN - k * MIN) for k in range(60)])  # 1/min all hour
    eng, fired, _ = engine_for(cache, clock, AlertRule.spike("급증", 5, 3.0, 5))
    eng.on_commit(put(cache, [post(NOW - k * MIN) for k in range(5)]), False)  # 1/min: no spike
    assert fired == []
    eng.close()


def _emergency(uid: str, ctype: str, t: int):
    return parse_event(marker_event(f"{uid}-9-1-1", 37.57, 126.98, cot_type=ctype, sender_uid=uid, callsign=uid,
                                    t_ms=t))


def test_emergency_until_cancelled(cache):
    clock = Clock()
    eng, fired, cleared = engine_for(cache, clock, AlertRule.emergency())
    eng.on_commit(put(cache, _emergency("PATROL-3", "b-a-o-tbl", NOW)), False)
    (a,) = fired
    assert a.episode == "PATROL-3" and "EMERGENCY PATROL-3: 911 alert" in a.message
    eng.on_commit(put(cache, _emergency("PATROL-3", "b-a-o-pan", NOW + 1000)), False)
    eng.on_commit(put(cache, _emergency("PATROL-4", "b-a-o-opn", NOW + 1000)), False)
    assert [f.episode for f in fired] == ["PATROL-3", "PATROL-4"]
    eng.on_commit(put(cache, _emergency("PATROL-3", "b-a-o-can", NOW + 2000)), False)
    assert [c.episode for c in cleared] == ["PATROL-3"]
    eng.on_commit(put(cache, _emergency("PATROL-3", "b-a-o-tbl", NOW + 500)), False)  # older, arriving late
    assert len(fired) == 2
    eng.on_commit(put(cache, _emergency("PATROL-3", "b-a-o-tbl", NOW + 3000)), False)
    assert len(fired) == 3
    eng.close()
    # A restart keeps open episodes open: nothing is announced twice.
    again, fired2, _ = engine_for(cache, clock)
    assert fired2 == [] and len(again.rules) == 1
    again.close()


def _unit(uid, t, pos):
    return Unit(uid=uid, callsign=uid, cot_type="a-f-G-U-i-l", affiliation="f", t_ms=t, stale_ms=t + 10 * MIN,
                lat=pos[0], lon=pos[1])


def test_empty_area(cache):
    clock = Clock()
    put(cache, [_unit("U-1", NOW, GWANG_IN)])
    eng, fired, cleared = engine_for(cache, clock, AlertRule.empty_area("광화문 공백", GWANGHWAMUN, 5))
    put(cache, [_unit("U-1", NOW + MIN, GWANG_OUT)])
    clock.t = NOW + MIN
    eng.on_commit([], True)
    clock.t = NOW + 5 * MIN
    assert eng.tick() == []
    clock.t = NOW + 6 * MIN
    (a,) = eng.tick()
    assert "no unit in 광화문 공백 for 5 min" in a.message
    clock.t = NOW + 7 * MIN
    assert eng.tick() == []  # still the same episode
    put(cache, [_unit("U-1", clock.t, GWANG_IN)])
    eng.on_commit([], True)
    assert len(cleared) == 1
    # A unit whose report went stale no longer counts as present.
    clock.t = NOW + 30 * MIN
    eng.tick()
    clock.t = NOW + 36 * MIN
    assert len(eng.tick()) == 1
    eng.close()


def test_rules_are_values_in_the_cache(cache):
    r = save_rule(cache, AlertRule.count("a", 2, 5, hashtags=["x"], area=GWANGHWAMUN, area_name="광화문"))
    assert r.id is not None
    (back,) = load_rules(cache.conn)
    assert back == r
    save_rule(cache, AlertRule("off", "count", {"min_count": 1, "minutes": 1}, enabled=False))
    assert len(load_rules(cache.conn)) == 1 and len(load_rules(cache.conn, enabled_only=False)) == 2
    with pytest.raises(ValueError):
        save_rule(cache, AlertRule("no area", "empty_area", {"minutes": 5}))
    with pytest.raises(ValueError):
        save_rule(cache, AlertRule("bad", "sometimes", {}))
    with pytest.raises(ValueError):
        save_rule(cache, AlertRule.count("bad area", 1, 1, area={"type": "Point", "coordinates": [1, 2]}))
    delete_rule(cache, r.id)
    assert load_rules(cache.conn) == []


def test_a_rule_switched_off_no_longer_fires_and_is_armed_again_when_on(cache):
    clock = Clock()
    eng, fired, _ = engine_for(cache, clock, AlertRule.emergency())
    (rule,) = eng.rules
    eng.on_commit(put(cache, _emergency("PATROL-7", "b-a-o-tbl", NOW)), False)
    assert len(fired) == 1
    set_rule_enabled(cache, rule.id, False)
    eng.reload_rules()
    assert eng.rules == [] and recent_alerts(cache.conn)[0].cleared_ms is not None  # its episode ended
    (off,) = load_rules(cache.conn, enabled_only=False)
    assert off.enabled is False and off.name == rule.name
    eng.on_commit(put(cache, _emergency("PATROL-8", "b-a-o-tbl", NOW + 1000)), False)
    assert len(fired) == 1  # off: nothing fires
    set_rule_enabled(cache, rule.id, True)
    eng.reload_rules()  # on again: both emergencies still hold, and are announced afresh
    assert sorted(a.episode for a in fired[1:]) == ["PATROL-7", "PATROL-8"]
    eng.close()


def test_engine_as_writer_listener(tmp_path):
    db = tmp_path / "live.db"
    with Cache.open(db) as c:
        save_rule(c, AlertRule.count("세 건", 3, 10))
    import time as _time

    now = int(_time.time() * 1000)
    fired = []
    eng = AlertEngine(db, fired.append)
    w = LiveWriter(db, purpose="public-order").start()
    w.add_listener(eng.on_commit)
    try:
        w.put([post(now - k) for k in range(3)], "jsonl")
        assert wait_for(lambda: len(fired) == 1)
    finally:
        w.stop()
        eng.close()
    assert len(fired[0].item_ids) == 3
