"""Erasures reach every workstation through the shared store: a user's erase, a retention
purge and a source's withdrawal made on one cache remove the item from the store and from
the other caches, leave no identifier waiting once delivered, and are not undone by a
workstation that imports the same item again."""

from __future__ import annotations

import psycopg

from desktop.audit import AuditLog

from desktop.cache import Cache, erase, holds, incidents, triage
from desktop.cache.writer import write_records
from desktop.core.model import DeleteItem, Item, Kind, Precision
from desktop.core.triage import TriageChange
from desktop.sync.runner import Sync
from tests.sync.helpers import T0, add_items, keys, local_id, posts, q

MARK = "ERASEMARK-파란우산"  # text only the erased item carries


def once(path, url):
    return Sync(path, url).once()


def marked(n_plain: int = 5) -> list[Item]:
    out = posts("p", n_plain)
    out.append(Item(kind=Kind.POST, source="x", source_id="secret1", t_ms=T0 + 99_000, text=f"{MARK} 광화문 앞",
                    lat=37.571, lon=126.976, precision=Precision.EXACT, author="target", author_id="u-secret"))
    return out


def _files_contain(folder, needle: bytes) -> list[str]:
    return [p.name for p in folder.iterdir() if p.is_file() and needle in p.read_bytes()]


def test_erase_on_one_workstation_reaches_the_store_and_the_others(tmp_path, shared_url):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    a, b = tmp_path / "a" / "a.db", tmp_path / "b" / "b.db"
    add_items(a, marked())
    once(a, shared_url)
    once(b, shared_url)
    assert ("x", "secret1") in keys(b)
    # B works on the post: triage, an incident with a note quoting it.
    with Cache.open(b) as c:
        sid = local_id(b, "secret1")
        triage.apply(c.conn, [sid], TriageChange(state="verified"), by="analyst-b")
        inc = incidents.create(c.conn, "집회", by="analyst-b", item_ids=[sid, local_id(b, "p1")])
        incidents.log(c.conn, inc, f"see: {MARK} 광화문 앞", by="analyst-b")
    once(b, shared_url)
    once(a, shared_url)
    with Cache.open(a) as c:
        stats = erase.erase(c, [local_id(a, "secret1")], reason="data subject request 2026-12")
        assert stats.items == 1
        # Linked: the identity waits for the store, nothing else.
        assert c.conn.execute("SELECT source, source_id, reason FROM sync_erasures").fetchall() == [
            ("x", "secret1", "erase")]
    s = once(a, shared_url)
    assert s.online
    assert q(a, "SELECT count(*) FROM sync_erasures")[0][0] == 0  # delivered: gone here
    with psycopg.connect(shared_url) as pg:
        assert pg.execute("SELECT count(*) FROM items WHERE source_id = 'secret1'").fetchone()[0] == 0
        assert pg.execute("SELECT count(*) FROM triage_history").fetchone()[0] == 0
        assert pg.execute("SELECT count(*) FROM incident_items i JOIN incidents n ON n.id = i.incident_id").fetchone()[0] == 1
        logs = [r[0] for r in pg.execute("SELECT text FROM incident_log")]
        assert not any(MARK in t for t in logs) and "(removed with an erased item)" in logs
        assert pg.execute("SELECT source, source_id, reason FROM erasures").fetchall() == [("x", "secret1", "erase")]
    once(b, shared_url)
    assert ("x", "secret1") not in keys(b) and len(keys(b)) == 5
    assert q(b, "SELECT count(*) FROM triage")[0][0] == 0
    assert q(b, "SELECT count(*) FROM sync_erasures")[0][0] == 0  # not sent back
    assert not any(MARK in r[0] for r in q(b, "SELECT text FROM incident_log"))
    with AuditLog.open(b) as log:  # B's own trail records what the store erased in its cache
        got = [e for e in log.entries(action="erase")]
        assert len(got) == 1 and got[0].detail["from"] == "shared store" and got[0].objects["items"] == 1
        assert got[0].detail["reasons"] == {"erase": 1} and log.verify().ok
    with Cache.open(b) as c:
        assert erase.compact(c)
    assert _files_contain(tmp_path / "b", MARK.encode()) == []
    # A third workstation importing the same export later does not bring it back to the store.
    c3 = tmp_path / "c.db"
    add_items(c3, marked())
    once(c3, shared_url)
    with psycopg.connect(shared_url) as pg:
        assert pg.execute("SELECT count(*) FROM items WHERE source_id = 'secret1'").fetchone()[0] == 0
    once(c3, shared_url)
    assert ("x", "secret1") not in keys(c3)  # and its own copy goes as the erasure arrives


def test_purge_elsewhere_keeps_what_this_workstation_holds(tmp_path, shared_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add_items(a, posts("p", 4))
    once(a, shared_url)
    once(b, shared_url)
    with Cache.open(b) as c:
        holds.add(c, [local_id(b, "p2")], reason="case 2026-77 evidence", by="analyst-b")
    with Cache.open(a) as c:
        stats = erase.purge(c, older_than_days=1, now_ms=T0 + 10 * 86_400_000)
        assert stats.items == 4
    once(a, shared_url)
    s = Sync(b, shared_url).once()
    assert s.online
    assert keys(b) == [("x", "p2")]  # held here as evidence: retention elsewhere does not take it
    with psycopg.connect(shared_url) as pg:
        assert pg.execute("SELECT count(*) FROM items").fetchone()[0] == 0


def test_withdrawal_reaches_the_others_with_its_tombstone(tmp_path, shared_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add_items(a, posts("p", 3))
    once(a, shared_url)
    once(b, shared_url)
    with Cache.open(a) as c:
        st = write_records(c, [DeleteItem("x", "p1")], path="deletes.jsonl", fmt="x", purpose="public-order")
        assert st.deleted == 1
    once(a, shared_url)
    once(b, shared_url)
    assert ("x", "p1") not in keys(b)
    assert q(b, "SELECT source, source_id FROM tombstones") == [("x", "p1")]
    add_items(b, posts("p", 3))  # the same export imported again on B: the withdrawn post stays out
    assert ("x", "p1") not in keys(b)


def test_an_unlinked_cache_keeps_no_identifier_of_what_it_erased(tmp_path):
    a = tmp_path / "a.db"
    add_items(a, marked())
    with Cache.open(a) as c:
        erase.erase(c, [local_id(a, "secret1")], reason="request")
        assert c.conn.execute("SELECT count(*) FROM sync_erasures").fetchone()[0] == 0


def test_records_are_pruned_and_a_workstation_away_longer_catches_up(tmp_path, shared_url):
    a, b, c3 = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    add_items(a, posts("p", 4))
    for p in (a, b, c3):
        once(p, shared_url)
    # C goes away for longer than the store keeps erasure records.
    with psycopg.connect(shared_url) as pg:
        ws_c = q(c3, "SELECT value FROM meta WHERE key = 'sync.workstation'")[0][0]
        pg.execute("UPDATE workstations SET last_seen = now() - interval '40 days' WHERE id = %s", (ws_c,))
    with Cache.open(a) as c:
        erase.erase(c, [local_id(a, "p0"), local_id(a, "p3")], reason="request")
    once(a, shared_url)
    once(b, shared_url)  # B has them; C is past the horizon
    once(a, shared_url)  # the next push prunes the records everyone recent has
    with psycopg.connect(shared_url) as pg:
        assert pg.execute("SELECT count(*) FROM erasures").fetchone()[0] == 0
        floor = int(pg.execute("SELECT value FROM store_meta WHERE key = 'erasures_pruned_to'").fetchone()[0])
        assert floor > 0
    assert ("x", "p0") in keys(c3)
    s = once(c3, shared_url)
    assert s.online
    assert keys(c3) == [("x", "p1"), ("x", "p2")] == keys(b)


def test_scrub_geo_reaches_the_store_and_the_others_and_holds_for_later_pushes(tmp_path, shared_url):
    from desktop.core.model import ScrubGeo

    a, b, c3 = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    mk = lambda k, author: Item(kind=Kind.POST, source="x", source_id=str(1000 + k), t_ms=T0 + k * 1000,  # noqa: E731
                                text=f"post {k}", lat=37.5 + k * 1e-3, lon=127.0, precision=Precision.EXACT,
                                author=author, author_id=author)
    export = [mk(k, "u1" if k < 4 else "u2") for k in range(6)]
    add_items(a, export[:5])
    Sync(a, shared_url).once()
    Sync(b, shared_url).once()
    with Cache.open(a) as c:  # u1 asks to forget the positions of its posts up to 1002
        write_records(c, [ScrubGeo("x", "u1", "1002")], path="scrub.jsonl", fmt="x", purpose="public-order")
    assert Sync(a, shared_url).once().pushed >= 1
    with psycopg.connect(shared_url) as pg:
        rows = dict(pg.execute("SELECT source_id, lat IS NULL AND geom IS NULL FROM items").fetchall())
    assert rows == {"1000": True, "1001": True, "1002": True, "1003": False, "1004": False}
    Sync(b, shared_url).once()
    placed = dict(q(b, "SELECT source_id, lat IS NULL FROM items"))
    assert placed == {"1000": 1, "1001": 1, "1002": 1, "1003": 0, "1004": 0}
    assert q(b, "SELECT source, author_id, up_to_id FROM scrubs") == [("x", "u1", 1002)]
    assert Sync(b, shared_url).once().pushed == 0  # the rule is not sent back
    # A workstation that had the same export (with positions) pushes it later: still forgotten.
    add_items(c3, export)
    Sync(c3, shared_url).once()
    with psycopg.connect(shared_url) as pg:
        assert pg.execute("SELECT count(*) FROM items WHERE source_id IN ('1000', '1001', '1002') "
                          "AND lat IS NOT NULL").fetchone()[0] == 0
        assert pg.execute("SELECT lat IS NOT NULL FROM items WHERE source_id = '1005'").fetchone()[0]
    assert dict(q(c3, "SELECT source_id, lat IS NULL FROM items"))["1001"] == 1  # and in its cache too
