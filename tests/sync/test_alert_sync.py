"""Fired alerts are shared: an alert the engine raised on one workstation (the ingest node,
say) reaches the others with its items, its clearing follows, nothing comes back as an
echo, the receiving workstation's own engine neither repeats nor clears it, and an erasure
takes the item out of the alert on every side."""

from __future__ import annotations

import json
import time

import psycopg

from desktop.cache import Cache, erase
from desktop.live.alerts import AlertEngine, AlertRule, recent_alerts, save_rule
from desktop.sync import alerts as shared_alerts
from desktop.sync.runner import Sync
from tests.sync.helpers import add_items, local_id, posts

MIN = 60_000


def alerts_of(path) -> list[tuple]:
    with Cache.open(path) as c:
        return [(a.message, a.cleared_ms is not None, len(a.item_ids)) for a in recent_alerts(c.conn)]


def test_an_alert_fired_on_one_workstation_reaches_the_others_and_clears_there(tmp_path, shared_url):
    a, b = tmp_path / "node.db", tmp_path / "desk.db"
    now = int(time.time() * 1000)
    with Cache.open(a) as c:
        save_rule(c, AlertRule(name="광화문 집결", kind="count", params={"min_count": 3, "minutes": 30}))
    Sync(a, shared_url).once()
    Sync(b, shared_url).once()  # the rule is on B too (rules are shared)
    clock, cleared = [now], []
    engine = AlertEngine(a, clock=lambda: clock[0], on_clear=cleared.append)
    add_items(a, posts("g", 4, t0=now - 5 * MIN))
    with Cache.open(a) as c:
        ids = [r[0] for r in c.conn.execute("SELECT id FROM items ORDER BY id")]
    fired = engine.on_commit(ids, False)
    assert len(fired) == 1 and "4 matching items" in fired[0].message

    s = Sync(a, shared_url).once()
    assert s.pushed >= 5  # the items and the alert
    got = Sync(b, shared_url).once()
    (elsewhere,) = got.alerts
    assert elsewhere.new and elsewhere.rule_name == "광화문 집결" and elsewhere.kind == "count"
    assert elsewhere.message == fired[0].message and len(elsewhere.item_ids) == 4
    with Cache.open(b) as c:
        (mine,) = recent_alerts(c.conn)
        assert mine.rule_id is None and mine.cleared_ms is None  # not this workstation's rule episode
        keys = {tuple(r) for r in c.conn.execute(f"SELECT source, source_id FROM items WHERE id IN "
                                                  f"({','.join(map(str, mine.item_ids))})")}
        assert keys == {("x", f"g{k}") for k in range(4)}
    with Cache.open(a) as c:
        ws_a = c.conn.execute("SELECT value FROM meta WHERE key = 'sync.workstation'").fetchone()[0]
    assert elsewhere.workstation == ws_a
    # Nothing comes back, and B's own engine neither repeats nor clears A's alert.
    assert Sync(b, shared_url).once().pushed == 0
    other = AlertEngine(b, clock=lambda: now + 60 * MIN)
    other.tick(now + 60 * MIN)
    other.close()
    assert alerts_of(b) == [(fired[0].message, False, 4)]

    # A's episode ends (the items leave the window): the clearing reaches B.
    clock[0] = now + 60 * MIN
    assert engine.tick(clock[0]) == []
    engine.close()
    assert [x.cleared_ms for x in cleared] == [clock[0]]
    Sync(a, shared_url).once()
    got = Sync(b, shared_url).once()
    assert [(x.new, x.cleared_ms) for x in got.alerts] == [(False, clock[0])]
    assert alerts_of(b) == [(fired[0].message, True, 4)]
    assert Sync(a, shared_url).once().pushed == 0 and Sync(b, shared_url).once().pushed == 0

    # An erasure on A takes the item out of the alert in the store and on B.
    with Cache.open(a) as c:
        erase.erase(c, [local_id(a, "g1")], reason="data subject request")
    Sync(a, shared_url).once()
    Sync(b, shared_url).once()
    assert alerts_of(a) == alerts_of(b) == [(fired[0].message, True, 3)]
    with psycopg.connect(shared_url) as pg:
        assert pg.execute("SELECT count(*) FROM alert_items").fetchone()[0] == 3
        assert pg.execute("SELECT count(*) FROM alerts").fetchone()[0] == 1


def test_an_alert_waits_for_its_items_and_says_where_it_came_from(tmp_path, shared_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    now = int(time.time() * 1000)
    add_items(a, posts("w", 2, t0=now - MIN))
    with Cache.open(a) as c:
        rule = save_rule(c, AlertRule(name="two", kind="count", params={"min_count": 2, "minutes": 30}))
        c.conn.execute("INSERT INTO alerts (rule_id, episode, t_ms, area_name, message, item_ids) VALUES "
                       "(?, '', ?, NULL, 'two: 2 matching items', ?)",
                       (rule.id, now, json.dumps([local_id(a, "w0"), local_id(a, "w1")])))
        c.conn.commit()
    Sync(a, shared_url).once()
    with Cache.open(a) as c:
        ws_a = c.conn.execute("SELECT value FROM meta WHERE key = 'sync.workstation'").fetchone()[0]
    Sync(b, shared_url).once()
    with Cache.open(b) as c:
        (got,) = recent_alerts(c.conn)
        store = c.conn.execute("SELECT key, value FROM meta WHERE key LIKE 'sync.%.alert.l%'").fetchall()
    assert len(store) == 1 and len(got.item_ids) == 2
    assert json.loads(store[0][1])["rule"] == "two" and json.loads(store[0][1])["ws"] == ws_a

    class St:  # origin() reads through a link's state
        def __init__(self, path):
            self.prefix = store[0][0][: store[0][0].index("alert.l")]
            self.conn = Cache.open(path).conn

        def get_key(self, name):
            r = self.conn.execute("SELECT value FROM meta WHERE key = ?", (self.prefix + name,)).fetchone()
            return r[0] if r else None

    assert shared_alerts.origin(St(b), got.id)["rule"] == "two"
    assert shared_alerts.origin(St(b), got.id + 999) is None
