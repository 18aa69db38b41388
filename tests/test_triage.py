"""Triage in the cache: changes in one transaction, an append-only history, the officer's
word, categories, and a cache of schema 2 upgraded in place."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from desktop.cache import Cache, SCHEMA_VERSION
from desktop.cache import triage
from desktop.cache.schema import APPLICATION_ID, MIGRATIONS
from desktop.cache.writer import write_records
from desktop.core.errors import SitmapError
from desktop.core.model import Item, Kind, Precision
from desktop.core.triage import PRIORITY_CODE, STATE_CODE, Triage, TriageChange, TriageError

T0 = 1_794_632_400_000


def _items(n: int = 10) -> list[Item]:
    return [Item(kind=Kind.POST, source="x", source_id=str(i), t_ms=T0 + i * 1000, lat=37.57, lon=126.98,
                 precision=Precision.EXACT, text=f"집회 {i}") for i in range(n)]


@pytest.fixture
def cache(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    write_records(c, _items(), path="t", fmt="test")
    yield c
    c.close()


def _snapshot(conn) -> tuple:
    return (conn.execute("SELECT * FROM triage ORDER BY item_id").fetchall(),
            conn.execute("SELECT * FROM triage_history ORDER BY id").fetchall())


def test_apply_get_and_history(cache):
    conn = cache.conn
    assert triage.get(conn, [1, 2]) == {1: Triage(1), 2: Triage(2)}
    got = triage.apply(conn, [1, 2], TriageChange(state="review", priority="urgent", add_tags=("crowd",)),
                       by="kim", t_ms=T0)
    assert [t.state for t in got] == ["review", "review"] and got[0].tags == ("crowd",)
    triage.apply(conn, [1], TriageChange(state="verified", add_tags=("violence",), remove_tags=("crowd",),
                                         note="영상 확인"), by="lee", t_ms=T0 + 1)
    now = triage.get(conn, [1, 2, 3])
    assert now[1] == Triage(1, "verified", "urgent", ("violence",), None, False, T0 + 1, "lee")
    assert now[2].state == "review" and now[3] == Triage(3)
    h = triage.history(conn, 1)
    assert [(r["state"], r["priority"], r["tags"], r["note"], r["by"]) for r in h] == [
        ("review", "urgent", ["crowd"], None, "kim"), ("verified", None, ["violence"], "영상 확인", "lee")]
    # only a note: a history row, the values stay
    triage.apply(conn, [2], TriageChange(note="still checking"), by="kim")
    assert triage.history(conn, 2)[-1]["state"] is None and triage.history(conn, 2)[-1]["note"] == "still checking"
    # a duplicate names the item it repeats; leaving the state drops the link
    triage.apply(conn, [3], TriageChange(state="duplicate", duplicate_of=1), by="kim")
    assert triage.get(conn, [3])[3].duplicate_of == 1
    triage.apply(conn, [3], TriageChange(state="false"), by="kim")
    assert triage.get(conn, [3])[3].duplicate_of is None
    ids, st, pr = triage.codes(conn)
    assert ids.tolist() == [1, 2, 3] and st.dtype == np.uint8
    assert st.tolist() == [STATE_CODE["verified"], STATE_CODE["review"], STATE_CODE["false"]]
    assert pr.tolist() == [PRIORITY_CODE["urgent"], PRIORITY_CODE["urgent"], 0]


def test_history_is_append_only(cache):
    triage.apply(cache.conn, [1], TriageChange(state="review"), by="kim")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        cache.conn.execute("UPDATE triage_history SET state = 'closed'")
    assert triage.history(cache.conn, 1)[0]["state"] == "review"


@pytest.mark.parametrize("ids, change, by, message", [
    ([1, 99, 98], TriageChange(state="verified"), "kim", "no item with id 99, 98"),
    ([1], TriageChange(state="duplicate", duplicate_of=77), "kim", "no item with id 77"),
    ([1], TriageChange(state="duplicate", duplicate_of=1), "kim", "duplicate of itself"),
    ([1], TriageChange(add_tags=("riot",)), "kim", "unknown category 'riot'"),
    ([1], TriageChange(), "kim", "nothing to change"),
    ([1], TriageChange(state="review"), " ", "who makes the change"),
    ([], TriageChange(state="review"), "kim", "no items"),
])
def test_bad_requests_change_nothing(cache, ids, change, by, message):
    triage.apply(cache.conn, [2], TriageChange(state="review"), by="kim")
    before = _snapshot(cache.conn)
    with pytest.raises(TriageError, match=message):
        triage.apply(cache.conn, ids, change, by=by)
    assert _snapshot(cache.conn) == before
    assert not cache.conn.in_transaction


def test_unknown_values_are_refused_before_anything():
    with pytest.raises(TriageError, match="unknown triage state 'fake'"):
        TriageChange(state="fake")
    with pytest.raises(TriageError, match="unknown priority"):
        TriageChange(priority="asap")
    assert issubclass(TriageError, SitmapError)


def test_officer_confirms_and_a_commander_state_change_clears_it(cache):
    conn = cache.conn
    triage.apply(conn, [1], TriageChange(state="verified"), by="commander kim")
    [t] = triage.apply(conn, [1], TriageChange(state="verified"), by="unit-7", origin="officer")
    assert t.officer and triage.get(conn, [1])[1].officer
    h = triage.history(conn, 1)
    assert h[-1]["origin"] == "officer" and h[-1]["state"] == "verified"  # the confirmation is recorded
    triage.apply(conn, [1], TriageChange(add_tags=("crowd",)), by="kim")
    assert triage.get(conn, [1])[1].officer  # tags alone leave the confirmation
    triage.apply(conn, [1], TriageChange(state="actioned"), by="kim")
    assert not triage.get(conn, [1])[1].officer
    with pytest.raises(TriageError, match="origin"):
        triage.apply(conn, [1], TriageChange(state="closed"), by="kim", origin="robot")


def test_categories_are_data(cache):
    conn = cache.conn
    names = [n for n, _ in triage.categories(conn)]
    assert names[:2] == ["crowd", "violence"] and dict(triage.categories(conn))["medical"] == "응급 의료"
    triage.add_category(conn, "fire", "화재")
    assert triage.categories(conn)[-1] == ("fire", "화재")
    triage.apply(conn, [4], TriageChange(add_tags=("fire", "crowd")), by="kim")
    assert triage.get(conn, [4])[4].tags == ("fire", "crowd")
    with pytest.raises(TriageError, match="already exists"):
        triage.add_category(conn, "fire", "불")
    with pytest.raises(TriageError, match="one word"):
        triage.add_category(conn, "two words", "두 단어")


def test_a_schema_2_cache_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for version, script in enumerate(MIGRATIONS[:2]):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version={version + 1};\n"
                           f"PRAGMA application_id={APPLICATION_ID};\nCOMMIT;")
    conn.execute("INSERT INTO items (kind, source, source_id, t_ms, precision, text) "
                 "VALUES ('post', 'x', '1', ?, 'unknown', '옛 글')", (T0,))
    conn.execute("INSERT INTO alert_rules (name, kind, created_ms) VALUES ('r', 'count', 0)")
    conn.close()
    with pytest.raises(SitmapError, match="uses schema 2"):
        Cache.open_readonly(path)
    with Cache.open(path) as c:
        assert c.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert c.conn.execute("SELECT text FROM items").fetchall() == [("옛 글",)]
        assert c.conn.execute("SELECT count(*) FROM alert_rules").fetchone()[0] == 1
        assert triage.get(c.conn, [1])[1] == Triage(1)
        triage.apply(c.conn, [1], TriageChange(state="verified", priority="critical"), by="kim")
    with Cache.open_readonly(path) as c:
        assert triage.get(c.conn, [1])[1].priority == "critical"
        assert len(triage.categories(c.conn)) == 5
