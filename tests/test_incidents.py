"""Incidents in the cache: create, items, state and log, lookups by name or id, and
requests that cannot be carried out changing nothing."""

from __future__ import annotations

import pytest

from desktop.cache import Cache
from desktop.cache import incidents
from desktop.cache.writer import write_records
from desktop.core.model import Item, Kind, Precision
from desktop.core.triage import TriageError

T0 = 1_794_632_400_000
SQUARE = {"type": "Polygon", "coordinates": [[[126.97, 37.57], [126.98, 37.57], [126.98, 37.58], [126.97, 37.58],
                                              [126.97, 37.57]]]}


@pytest.fixture
def cache(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    write_records(c, [Item(kind=Kind.POST, source="x", source_id=str(i), t_ms=T0 + i * 60_000, lat=37.57,
                           lon=126.98, precision=Precision.EXACT, text=f"충돌 {i}") for i in range(8)],
                  path="t", fmt="test")
    yield c
    c.close()


def _all(conn) -> tuple:
    return tuple(conn.execute(f"SELECT * FROM {t}").fetchall() for t in ("incidents", "incident_items", "incident_log"))


def test_create_add_close_and_show(cache):
    conn = cache.conn
    iid = incidents.create(conn, "광화문 충돌", by="kim", item_ids=[3, 1], area=SQUARE, priority="urgent", t_ms=T0)
    other = incidents.create(conn, "시청 인파", by="kim", lat=37.5663, lon=126.9779)
    assert incidents.items_of(conn, iid) == [1, 3]  # in time order
    assert incidents.add_items(conn, iid, [3, 5], by="lee") == [5]  # 3 was there already
    assert incidents.remove_items(conn, iid, [1], by="lee") == [1]
    incidents.log(conn, iid, "기동대 2개 중대 배치", by="kim", item_id=5)
    inc = incidents.find(conn, "광화문 충돌")
    assert inc["id"] == iid and inc["area"] == SQUARE and inc["priority"] == "urgent"
    assert incidents.find(conn, iid)["name"] == incidents.find(conn, str(iid))["name"] == "광화문 충돌"
    assert incidents.find(conn, "없는 사건") is None and incidents.find(conn, 999) is None
    listed = incidents.list_incidents(conn)
    assert [d["id"] for d in listed] == [iid, other]  # urgent first
    assert listed[0]["items"] == 2 and listed[0]["latest_ms"] == T0 + 4 * 60_000  # item 5 is the fifth item
    assert listed[1]["items"] == 0 and listed[1]["latest_ms"] is None and listed[1]["lat"] == 37.5663
    incidents.set_state(conn, iid, "closed", by="kim", note="해산")
    assert incidents.get(conn, iid)["closed_ms"] is not None
    assert [d["id"] for d in incidents.list_incidents(conn)] == [other]
    assert [d["id"] for d in incidents.list_incidents(conn, None)] == [other, iid]
    log = incidents.log_of(conn, iid)
    assert [e["kind"] for e in log] == ["state", "items", "items", "items", "note", "state"]
    assert log[-1]["text"] == "open → closed: 해산" and log[4]["item_id"] == 5
    incidents.set_state(conn, iid, "open", by="kim")
    assert incidents.get(conn, iid)["closed_ms"] is None


@pytest.mark.parametrize("call, message", [
    (lambda c, i: incidents.add_items(c, i, [2, 42], by="kim"), "no item with id 42"),
    (lambda c, i: incidents.add_items(c, 77, [2], by="kim"), "no incident with id 77"),
    (lambda c, i: incidents.remove_items(c, i, [4], by="kim"), "item 4 not in incident"),
    (lambda c, i: incidents.set_state(c, i, "solved", by="kim"), "unknown incident state 'solved'"),
    (lambda c, i: incidents.set_state(c, i, "open", by="kim"), "already open"),
    (lambda c, i: incidents.create(c, "광화문", by="kim"), "already named '광화문'"),
    (lambda c, i: incidents.create(c, "new", by="kim", item_ids=[1, 50]), "no item with id 50"),
    (lambda c, i: incidents.create(c, "new", by="kim", priority="asap"), "unknown priority 'asap'"),
    (lambda c, i: incidents.create(c, "new", by="kim", area={"type": "Point", "coordinates": [1, 2]}), "polygon"),
    (lambda c, i: incidents.create(c, "new", by="kim", lat=95.0, lon=1.0), "not latitude,longitude"),
    (lambda c, i: incidents.create(c, "123", by="kim"), "digits only"),
    (lambda c, i: incidents.create(c, "new", by=""), "who makes the change"),
    (lambda c, i: incidents.log(c, i, "note", by="kim", task_id=5), "no task with id 5"),
])
def test_bad_requests_name_the_fault_and_change_nothing(cache, call, message):
    iid = incidents.create(cache.conn, "광화문", by="kim", item_ids=[1])
    before = _all(cache.conn)
    with pytest.raises(TriageError, match=message):
        call(cache.conn, iid)
    assert _all(cache.conn) == before and not cache.conn.in_transaction


def test_a_closed_incident_takes_no_items_until_reopened(cache):
    iid = incidents.create(cache.conn, "종료", by="kim")
    incidents.set_state(cache.conn, iid, "closed", by="kim")
    with pytest.raises(TriageError, match="is closed"):
        incidents.add_items(cache.conn, iid, [1], by="kim")
    again = incidents.create(cache.conn, "종료", by="kim")  # the name is free once closed
    assert incidents.find(cache.conn, "종료")["id"] == again
