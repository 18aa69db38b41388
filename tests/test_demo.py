"""The demo incident: deterministic, plausible, and written by write_demo exactly as
the writer would write it."""

from __future__ import annotations

import json
import pickle
import re
from collections import Counter

import pytest

from desktop.cache import Cache
from desktop.cache.query import matching_ids
from desktop.core.filters import Filter
from desktop.cache.writer import write_records
from desktop.demo import generate, write_demo
from desktop.demo import generator, scenario, timeline
from desktop.core.model import Item, Kind, Precision, Unit
from desktop.demo.scenario import gazetteer_path
from desktop.geoparse import gazetteer
from desktop.geoparse.run import place_batch

SC = scenario.load()
CLOCK = scenario.Clock(SC)
SMALL = 3000
CAMPAIGN = {"busanpolice", "부산경찰", "안전부산"}


def items_of(records) -> list[Item]:
    return [r for r in records if isinstance(r, Item)]


@pytest.fixture(scope="module")
def records() -> list:
    return list(generate())


@pytest.fixture(scope="module")
def items(records) -> list[Item]:
    return items_of(records)


def test_same_seed_same_records(records):
    assert list(generate(seed=7)) == records


def test_same_seed_byte_identical_rows():
    a = [pickle.dumps(c.rows) for c in generator.chunks(11, 2000)]
    assert a == [pickle.dumps(c.rows) for c in generator.chunks(11, 2000)]


def test_other_seed_other_items():
    one, other = items_of(generate(seed=7, size=2000)), items_of(generate(seed=8, size=2000))
    assert len(other) == len(one) == 2000
    assert [i.source_id for i in other] != [i.source_id for i in one]
    assert [i.text for i in other] != [i.text for i in one]


def test_size_is_exact_and_keeps_proportions(items):
    assert len(items) == SC["default_size"] == 20_000
    small = items_of(generate(size=1000))
    assert len(small) == 1000
    share = sum(i.kind is Kind.FIELD_UPDATE for i in small) / 1000
    assert share == pytest.approx(SC["field_update_share"], abs=0.01)
    assert list(generate(size=0)) == []


def test_counts_by_kind_and_source(items):
    by = Counter((i.kind, i.source) for i in items)
    assert set(by) == {(Kind.POST, "x"), (Kind.FIELD_UPDATE, "tak")}
    assert by[(Kind.FIELD_UPDATE, "tak")] == 3000
    per_unit = Counter(i.unit_uid for i in items if i.kind is Kind.FIELD_UPDATE)
    assert set(per_unit) == {u["uid"] for u in SC["units"]}
    assert set(per_unit.values()) == {200}
    langs = Counter(i.lang for i in items if i.kind is Kind.POST)
    assert langs["ko"] > 2 * langs["en"] > 0


def test_ids_unique_and_plausible(items):
    ids = [(i.source, i.source_id) for i in items]
    assert len(set(ids)) == len(ids)
    for i in items:
        if i.kind is Kind.POST:
            assert re.fullmatch(r"\d{19}", i.source_id)
            assert (int(i.source_id) >> 22) + generator.SNOWFLAKE_EPOCH_MS == i.t_ms
        else:
            assert i.source_id == f"{i.unit_uid}@{i.t_ms}"


def test_times_inside_the_afternoon_and_ordered(items):
    assert CLOCK.start_ms == 1794628800000  # 2026-11-14 13:00 KST = 04:00 UTC
    ts = [i.t_ms for i in items]
    assert ts == sorted(ts)
    assert CLOCK.start_ms <= ts[0] and ts[-1] < CLOCK.end_ms


def test_positions_inside_south_korea(items):
    located = [i for i in items if i.lat is not None]
    # 60 % of posts come without coordinates (as in a real incident); the geoparser places most
    # of them from their text when the demo is written (tests/test_geoparse.py), not here.
    assert len(located) > 0.4 * len(items)
    for i in located:
        assert 33.0 <= i.lat <= 38.7 and 124.5 <= i.lon <= 131.0, i


def test_precision_fields(items):
    posts = [i for i in items if i.kind is Kind.POST]
    by = Counter(i.precision for i in posts)
    assert by[Precision.EXACT] and by[Precision.PLACE] and by[Precision.UNKNOWN]
    for i in posts:
        if i.precision is Precision.PLACE:
            assert 1000 <= i.radius_m <= 10_000 and i.place_name and i.lat is not None
        elif i.precision is Precision.UNKNOWN:
            assert i.lat is None and i.lon is None and i.radius_m is None
        else:
            assert i.lat is not None and i.radius_m is None


def test_field_updates_look_like_cot(items, records):
    fus = [i for i in items if i.kind is Kind.FIELD_UPDATE]
    for i in fus[:500]:
        assert i.precision is Precision.EXACT and 5 <= i.radius_m <= 15
        assert i.author == i.callsign and i.author_id == i.unit_uid
        assert set(i.extra) == {"cot_type", "how", "team", "course", "speed", "stale_ms"}
        assert i.extra["stale_ms"] == i.t_ms + 5 * 60_000 and i.extra["cot_type"] == "a-f-G-U-i-l"
        assert 0 <= i.extra["course"] < 360 and i.extra["speed"] >= 0
    texts = [i.text for i in fus if i.text]
    assert "\n" in "".join(texts) and any("행진" in t for t in texts)
    assert any(i.extra["speed"] > 0.5 for i in fus) and any(i.extra["speed"] == 0 for i in fus)
    units = [r for r in records if isinstance(r, Unit)]
    assert len(units) == len(fus) and units[0].affiliation == "f"


def test_scuffle_spikes_posts_in_its_block(items):
    s = SC["scuffle"]
    c = SC["places"][s["place"]]
    dlat = s["block_m"] / scenario.M_PER_DEG_LAT
    dlon = s["block_m"] / (scenario.M_PER_DEG_LON_EQ * 0.79)
    block = [i for i in items if i.kind is Kind.POST and i.lat is not None and i.precision is Precision.EXACT
             and abs(i.lat - c["lat"]) < dlat and abs(i.lon - c["lon"]) < dlon]
    t0, t1 = CLOCK.ms(s["start"]), CLOCK.ms(s["end"])
    during = sum(t0 <= i.t_ms < t1 for i in block) / ((t1 - t0) / 60_000)
    average = len(block) / ((CLOCK.end_ms - CLOCK.start_ms) / 60_000)
    assert during > 5 * average > 0


def test_busan_campaign_tags_in_busan(items):
    busan = [i for i in items if i.kind is Kind.POST and i.lat is not None and i.lat < 36]
    seoul = [i for i in items if i.kind is Kind.POST and i.lat is not None and i.lat > 37]
    assert len(busan) > 1000
    assert all(CAMPAIGN & set(i.hashtags) for i in busan)
    assert not any(CAMPAIGN & set(i.hashtags) for i in seoul)
    assert any("#부산경찰" in i.text for i in busan) and any("#busanpolice" in i.text for i in busan)


def test_hashtags_and_links_match_text(items):
    for i in items[:3000]:
        written = {t.casefold() for t in re.findall(r"#(\w+)", i.text)}
        assert written == set(i.hashtags)
        assert all(link in i.text for link in i.links)
    assert any(i.links for i in items)


def test_slices_join_up(monkeypatch):
    """Many small slices: still one time-ordered, duplicate-free timeline of exactly size items."""
    monkeypatch.setattr(timeline, "CHUNK", 700)
    its = items_of(generate(seed=3, size=5000))
    assert len(its) == 5000
    assert [i.t_ms for i in its] == sorted(i.t_ms for i in its)
    assert len({(i.source, i.source_id) for i in its}) == 5000
    assert set(Counter(i.unit_uid for i in its if i.unit_uid).values()) == {50}


def _dump(cache: Cache) -> list[tuple]:
    return cache.conn.execute("SELECT * FROM items ORDER BY id").fetchall()


def test_write_demo_matches_the_writer_and_is_idempotent(tmp_path):
    fast = Cache.open(tmp_path / "fast.db")
    stats = write_demo(fast, seed=5, size=SMALL)
    assert stats.accepted == SMALL and stats.duplicates == 0 and stats.units == 450  # unit reports, as the writer counts

    slow = Cache.open(tmp_path / "slow.db")
    # The writer's path with the same geoparser hook and the demo's landmarks (write_demo places
    # the posts without coordinates in its transaction, as an import does).
    gazetteer.import_rows(slow.conn, gazetteer.read_csv(gazetteer_path()), by="demo")
    slow_stats = write_records(slow, generate(seed=5, size=SMALL), path="demo:seed=5,size=3000", fmt="demo",
                               after_batch=lambda conn, batch: place_batch(conn, batch))
    assert (stats.accepted, stats.duplicates, stats.units) == (slow_stats.accepted, slow_stats.duplicates, slow_stats.units)
    assert _dump(fast) == _dump(slow)
    for table in ("item_tags", "items_geo"):
        q = f"SELECT * FROM {table} ORDER BY 1, 2"
        assert fast.conn.execute(q).fetchall() == slow.conn.execute(q).fetchall()
    q = "SELECT * FROM units ORDER BY uid"
    assert [r[:-1] for r in fast.conn.execute(q)] == [r[:-1] for r in slow.conn.execute(q)]
    assert fast.conn.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH '\"청계광\" AND \"계광장\"'").fetchone()[0] > 0
    fast.conn.execute("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')")

    indexes = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    assert fast.conn.execute(indexes).fetchall() == slow.conn.execute(indexes).fetchall()

    again = write_demo(fast, seed=5, size=SMALL)
    assert again.accepted == 0 and again.duplicates == SMALL
    assert fast.conn.execute("SELECT count(*) FROM items").fetchone()[0] == SMALL
    batches = fast.conn.execute("SELECT format, path, accepted, duplicates FROM batches ORDER BY id").fetchall()
    assert batches == [("demo", "demo:seed=5,size=3000", SMALL, 0), ("demo", "demo:seed=5,size=3000", 0, SMALL)]


def test_units_table_has_each_units_latest_report(tmp_path):
    cache = Cache.open(tmp_path / "c.db")
    write_demo(cache, size=SMALL)
    units = {r[0]: r for r in cache.conn.execute("SELECT uid, callsign, t_ms, stale_ms, lat, lon, team FROM units")}
    assert set(units) == {u["uid"] for u in SC["units"]}
    last = dict(cache.conn.execute("SELECT unit_uid, max(t_ms) FROM items WHERE unit_uid IS NOT NULL GROUP BY unit_uid"))
    for uid, (_, callsign, t, stale, lat, lon, team) in units.items():
        assert t == last[uid] and stale == t + 300_000 and lat is not None and team
        row = cache.conn.execute("SELECT lat, lon, callsign, extra FROM items WHERE unit_uid = ? AND t_ms = ?", (uid, t)).fetchone()
        assert row[:3] == (lat, lon, callsign) and json.loads(row[3])["team"] == team


def test_write_demo_honours_earlier_deletes(tmp_path):
    first_post = next(r for c in generator.chunks(5, SMALL) for r in c.rows if r[0] == "post")
    cache = Cache.open(tmp_path / "c.db")
    with cache.transaction() as conn:
        conn.execute("INSERT INTO tombstones (source, source_id) VALUES ('x', ?)", (first_post[2],))
    stats = write_demo(cache, seed=5, size=SMALL)
    assert stats.accepted == SMALL - 1 and stats.deleted == 1
    assert not cache.conn.execute("SELECT 1 FROM items WHERE source_id = ?", (first_post[2],)).fetchone()
    cache.conn.execute("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')")  # raises if out of step


def test_slices_drawn_in_a_worker_process_are_the_same(tmp_path, monkeypatch):
    """A big demo's slices come from a spawned worker process: the same rows, and the same cache."""
    here = [(c.rows, c.reports, c.latest) for c in generator.chunks(3, 4000)]
    there = [(c.rows, c.reports, c.latest) for c in generator.chunks_in_worker(3, 4000)]
    assert repr(there) == repr(here) and len(here[0][0]) == 4000  # repr: NaN stands for NULL, and NaN != NaN
    caches = []
    monkeypatch.setattr(generator, "a_core_is_free", lambda: True)
    for at in (10**9, 1):
        monkeypatch.setattr(generator, "WORKER_AT", at)
        c = Cache.open(tmp_path / f"w{at}.db")
        stats = write_demo(c, seed=5, size=SMALL, geoparse=False)
        c.conn.execute("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')")  # raises if out of step
        q = c.conn.execute
        derived = (q("SELECT tag, item_id, t_ms FROM item_tags ORDER BY 1, 2").fetchall(),
                   [sorted(matching_ids(c.conn, Filter(text=w))) for w in ("광화문", "집회", "경찰")])
        caches.append((stats.accepted, stats.units, _dump(c), derived,
                       c.conn.execute("SELECT * FROM units ORDER BY uid").fetchall()))
        c.close()
    assert caches[0][0] == SMALL and caches[0][:4] == caches[1][:4]  # rows, hashtags, searches
    assert caches[0][3][0] and all(caches[0][3][1])  # there was something to compare
    assert [r[:-1] for r in caches[0][4]] == [r[:-1] for r in caches[1][4]]


def test_leaving_the_worker_early_stops_it():
    it = generator.chunks_in_worker(3, 2 * timeline.CHUNK + 10)  # three slices; the queue holds two
    first = next(it)
    assert repr(first.rows[:100]) == repr(next(generator.chunks(3, 2 * timeline.CHUNK + 10)).rows[:100])
    it.close()  # the process is ended, not left drawing into a full queue
    import multiprocessing

    assert not [p for p in multiprocessing.active_children() if p.name == "sitmap-demo-draw"]
