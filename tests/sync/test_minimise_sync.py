"""Minimisation is one policy for the command post: settings made on one workstation reach the
store, which minimises its own rows at once (and every old row pushed later), and the other
workstations, which adopt them (their audit trail says so) and minimise their copies; a
workstation joining later gets the store's pseudonyms, never the handles."""

from __future__ import annotations

import time

import psycopg

from desktop.audit import AuditLog
from desktop.cache import Cache, incidents
from desktop.cache import minimise
from desktop.core.model import Item, Kind, Precision
from desktop.sync.runner import Sync
from tests.sync.helpers import add_items, local_id

DAY = 86_400_000


def people(prefix: str, days_ago: float, n: int = 3) -> list[Item]:
    t0 = int(time.time() * 1000) - int(days_ago * DAY)
    return [Item(kind=Kind.POST, source="x", source_id=f"{prefix}{k}", t_ms=t0 + k * 1000, text=f"{prefix} 광장 {k}",
                 lat=37.5759123 + k * 1e-4, lon=126.9769456 + k * 1e-4, precision=Precision.EXACT,
                 author=f"Handle{prefix}{k}", author_id=f"90{k}{len(prefix)}") for k in range(n)]


def store_rows(url: str) -> dict:
    with psycopg.connect(url) as pg:
        return {r[0]: r[1:] for r in pg.execute("SELECT source_id, author, author_id, precision, lat FROM items")}


def policy(url: str) -> str:
    with psycopg.connect(url) as pg:
        return pg.execute("SELECT value FROM store_meta WHERE key = 'minimise'").fetchone()[0]


def test_settings_made_on_one_workstation_minimise_the_store_and_the_others(tmp_path, shared_url):
    a, b, c = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    add_items(a, people("old", 40) + people("new", 1), name="posts.json")
    with Cache.open(a) as cache:  # one old post is in an incident: it keeps its author everywhere
        incidents.create(cache.conn, "광장 집회", by="kim", item_ids=[local_id(a, "old2")])
    Sync(a, shared_url, since_ms=None).once()
    Sync(b, shared_url, since_ms=None).once()
    assert store_rows(shared_url)["old0"][0] == "Handleold0"

    # A sets the policy; its push takes it to the store, which minimises its rows at once.
    with Cache.open(a) as cache:
        minimise.set_settings(cache, {"pseudonymise_after_days": "30", "coarsen_after_days": "30"})
    assert Sync(a, shared_url).once().pushed >= 1
    rows = store_rows(shared_url)
    for k in (0, 1):
        author, author_id, precision, _lat = rows[f"old{k}"]
        assert author.startswith("~") and author == author_id and precision == "place"
    assert rows["old2"][0] == "Handleold2" and rows["old2"][2] == "exact"  # in an incident
    assert rows["new0"][0] == "Handlenew0" and rows["new0"][2] == "exact"  # recent
    assert Sync(a, shared_url).once().pushed == 0  # agreed: nothing goes twice

    # B adopts it, says so in its own trail, and its next run minimises its copies.
    Sync(b, shared_url).once()
    with Cache.open(b) as cache:
        s = minimise.settings(cache.conn)
        assert (s["pseudonymise_after_days"], s["coarsen_after_days"]) == ("30", "30")
        stats = minimise.run(cache)
        assert stats.pseudonymised == 2 and stats.coarsened == 2
        handles = {r[0] for r in cache.conn.execute("SELECT author FROM items")}
    assert "Handleold0" not in handles and "Handleold2" in handles
    with AuditLog.open(b) as log:
        (e,) = [e for e in log.entries(action="alter") if (e.detail or {}).get("from") == "shared store"]
    assert e.detail["settings"]["pseudonymise_after_days"] == "30"
    before = policy(shared_url)
    Sync(b, shared_url).once()
    assert policy(shared_url) == before  # adopted, not sent back (only B's audit entries go up)

    # An old post pushed later (an archive imported on B) is minimised in the store too.
    add_items(b, people("archive", 60, 1), name="archive.json")
    Sync(b, shared_url).once()
    assert store_rows(shared_url)["archive0"][0].startswith("~")

    # A workstation joining later has no handle of the old posts to begin with.
    Sync(c, shared_url, since_ms=None).once()
    with Cache.open(c) as cache:
        got = {sid: a_ for sid, a_ in cache.conn.execute("SELECT source_id, author FROM items")}
    assert got["old0"].startswith("~") and got["archive0"].startswith("~") and got["new0"] == "Handlenew0"

    # B changes the policy back (off): the store keeps it as it now is, and A adopts it.
    with Cache.open(b) as cache:
        minimise.set_settings(cache, {"coarsen_after_days": "off"})
    Sync(b, shared_url).once()
    Sync(a, shared_url).once()
    with Cache.open(a) as cache:
        assert minimise.settings(cache.conn)["coarsen_after_days"] == "off"
        assert minimise.settings(cache.conn)["pseudonymise_after_days"] == "30"


def test_a_cache_with_its_own_settings_is_not_overwritten_before_it_pushes(tmp_path, shared_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    with Cache.open(a) as cache:
        minimise.set_settings(cache, {"keep_raw": "no"})
    Sync(a, shared_url).once()
    with Cache.open(b) as cache:  # B had chosen its own before it ever met the store
        minimise.set_settings(cache, {"pseudonymise_after_days": "7"})
    Sync(b, shared_url).once()  # its push goes first: its settings are the store's now
    Sync(a, shared_url).once()
    with Cache.open(a) as cache:
        s = minimise.settings(cache.conn)
    assert s["pseudonymise_after_days"] == "7" and s["keep_raw"] == "yes"


def test_the_store_looks_at_all_its_rows_again_as_they_age(tmp_path, shared_url):
    from desktop.sync import minimise as shared

    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add_items(a, people("aging", 29), name="posts.json")  # not old enough yet
    with Cache.open(a) as cache:
        minimise.set_settings(cache, {"pseudonymise_after_days": "30"})
    Sync(a, shared_url).once()
    assert not store_rows(shared_url)["aging0"][0].startswith("~")
    with psycopg.connect(shared_url) as pg:
        policy = shared.fetch(pg.cursor())["settings"]
        assert not shared.full_pass_due(pg.cursor(), policy)  # just done
        later = int(time.time() * 1000) + 2 * DAY
        assert shared.full_pass_due(pg.cursor(), policy, now_ms=later)
        got = shared.run_in_store(pg.cursor(), policy, now_ms=later)
    assert got["pseudonymised"] == 3 and store_rows(shared_url)["aging0"][0].startswith("~")
    Sync(b, shared_url, since_ms=None).once()
    with Cache.open(b) as cache:
        assert all(r[0].startswith("~") for r in cache.conn.execute("SELECT author FROM items"))
