"""The interactive index at scale: snapshot validity, live appends in time order, the
incremental window sums and density cells, all checked against the cache itself."""

from __future__ import annotations

import base64

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from desktop.engine.areagrid import area_contains
from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.engine.columns import Columns, merge_slots, moved_positions
from desktop.core.filters import Filter
from desktop.core.geo import Area, AreaMask, area_from_geojson, circle
from desktop.engine.index import ItemIndex
from desktop.engine.mapdata import MapData, Request, View
from desktop.core.model import DeleteItem, Item, Kind, Precision, ScrubGeo
from desktop.cache.query import count, matching_ids

T0 = 1_794_632_400_000  # 2026-11-14 05:00 UTC
TAGS = ["광화문", "집회", "rally", "busanpolice", "서울"]
UNITS = ["U1", "U2", "U3"]
BOX = area_from_geojson("box", {"type": "Polygon", "coordinates": [[
    [126.97, 37.565], [126.99, 37.565], [126.99, 37.58], [126.97, 37.58], [126.97, 37.565]]]})


def make_items(n: int, seed: int, id_prefix: str, t_from: int = T0, t_span: int = 3 * 3600_000) -> list[Item]:
    """Posts and unit reports around central Seoul and Busan (some without a position, some chats)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        t = t_from + int(rng.integers(0, t_span))
        busan = rng.random() < 0.2
        lat = (35.16 if busan else 37.572) + rng.normal(0, 0.01)
        lon = (129.16 if busan else 126.98) + rng.normal(0, 0.01)
        if rng.random() < 0.15:
            u = UNITS[int(rng.integers(0, len(UNITS)))]
            chat = rng.random() < 0.2
            out.append(Item(kind=Kind.FIELD_UPDATE, source="tak", source_id=f"{id_prefix}u{i}", t_ms=t, lat=lat, lon=lon,
                            precision=Precision.EXACT, text="보고 현장", unit_uid=u, callsign=u.lower(),
                            extra={"team": "Cyan", "course": 90.0, "speed": 1.0, **({"chat": {"room": "All"}} if chat else {})}))
            continue
        tags = tuple(rng.choice(TAGS, size=int(rng.integers(0, 3)), replace=False))
        where = rng.random()
        out.append(Item(kind=Kind.POST, source="x" if rng.random() < 0.8 else "web", source_id=f"{id_prefix}{i}",
                        t_ms=t, lat=None if where < 0.05 else lat, lon=None if where < 0.05 else lon,
                        precision=Precision.UNKNOWN if where < 0.05 else Precision.EXACT,
                        text=f"집회 현장 {i} " + " ".join("#" + x for x in tags), hashtags=tags,
                        author=f"user{i % 17}", author_id=str(i % 17)))
    return out


@pytest.fixture
def cache(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    write_records(c, make_items(3000, 1, "a"), path="a", fmt="test")
    yield c
    c.close()


def assert_same(a: ItemIndex, b: ItemIndex) -> None:
    """Two indexes hold the same items in the same order (codes compared as the values they name)."""
    assert len(a) == len(b) and a.max_id == b.max_id
    for name in ("t", "id", "kind", "prec", "radius", "mx", "my"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.lat64, b.lat64, equal_nan=True) and np.array_equal(a.lon64, b.lon64, equal_nan=True)
    assert [a.sources[c] for c in a.src] == [b.sources[c] for c in b.src]
    assert np.all(np.diff(a.tag_item) >= 0) and np.all(np.diff(a.t) >= 0)
    ea = sorted(zip(a.tag_item.tolist(), (a.tags[c] for c in a.tag_of)))
    eb = sorted(zip(b.tag_item.tolist(), (b.tags[c] for c in b.tag_of)))
    assert ea == eb
    assert np.array_equal(a.positions_of(b.id), np.arange(len(b)))


def test_snapshot_is_used_until_the_cache_changes(cache):
    first = ItemIndex.load(cache.conn)
    assert first.snapshot_state == "rebuilt"
    again = ItemIndex.load(cache.conn)
    assert again.snapshot_state == "snapshot"
    assert_same(again, first)
    write_records(cache, make_items(200, 2, "b"), path="b", fmt="test")  # appends only
    extended = ItemIndex.load(cache.conn)
    assert extended.snapshot_state == "snapshot+append"
    assert_same(extended, ItemIndex.load(cache.conn, snapshot=False))
    # A delete of an older item is a rewrite: the snapshot no longer describes the cache.
    write_records(cache, [DeleteItem("x", "a5"), ScrubGeo("x", "3", "999999")], path="c", fmt="test")
    assert cache.get_meta("rewrites") == "1"
    rebuilt = ItemIndex.load(cache.conn)
    assert rebuilt.snapshot_state == "rebuilt"
    assert_same(rebuilt, ItemIndex.load(cache.conn, snapshot=False))
    flt = Filter(areas=(BOX,))
    assert np.array_equal(np.sort(rebuilt.id[rebuilt.select(flt).pos]), np.sort(matching_ids(cache.conn, flt)))


def test_append_new_keeps_time_order_and_equals_a_full_reload(cache):
    idx = ItemIndex.load(cache.conn)
    filters = [Filter(kinds=("post",), hashtags=("집회",)), Filter(areas=(BOX,)), Filter(text="현장 1", sources=("x",))]
    for f in filters:  # cached masks must learn the new rows
        idx.static_mask(f, cache.conn)
    late = make_items(300, 3, "late", t_from=T0 + 3600_000, t_span=3 * 3600_000)  # mostly out of order
    live = make_items(300, 4, "live", t_from=T0 + 3 * 3600_000, t_span=600_000)  # after everything
    write_records(cache, late, path="late", fmt="test")
    got = [idx.append_new(cache.conn, limit=97) for _ in range(4)]  # a bounded bite per call
    assert got == [97, 97, 97, 9] and idx.last_change.new_pos.size == 9
    write_records(cache, live, path="live", fmt="test")
    assert idx.append_new(cache.conn) == len(live)
    assert idx.last_change is not None and idx.last_change.new_pos.size == len(live)
    assert idx.append_new(cache.conn) == 0
    full = ItemIndex.load(cache.conn, snapshot=False)
    assert_same(idx, full)
    for f in filters:
        assert np.array_equal(idx.static_mask(f, cache.conn), full.static_mask(f, cache.conn)), f.describe()
        assert np.array_equal(idx.id[idx.select(f, cache.conn).pos], matching_ids(cache.conn, f))
    a, b = MapData(idx, cache.conn), MapData(full, cache.conn)
    assert a.units(Filter()) == b.units(Filter())
    assert [u["uid"] for u in a.units(Filter())] == UNITS


def _shown(page: dict) -> int:
    if page["mode"] == "points":
        return np.frombuffer(base64.b64decode(page["ids"]), np.float64).size
    return int(np.frombuffer(base64.b64decode(page["cells"]["count"]), np.uint32).sum())


VIEWS = [View((126.90, 37.50, 127.06, 37.64), 13), View((124.0, 33.0, 131.0, 39.0), 7),
         View((126.975, 37.570, 126.985, 37.575), 18)]


def test_map_counts_equal_query_counts_while_stepping_and_appending(cache, monkeypatch):
    monkeypatch.setattr("desktop.engine.mapdata.MAX_POINTS", 150)  # both points and density cells
    data = MapData(ItemIndex.load(cache.conn), cache.conn)
    modes = set()
    conn = cache.conn
    gen = 0
    for view in VIEWS:
        for base in (Filter(), Filter(kinds=("post",)), Filter(areas=(BOX,)), Filter(hashtags=("rally",))):
            for step in range(6):
                if step == 3:  # live items arrive between two slider steps, merged in several bites
                    write_records(cache, make_items(50, 100 + gen, f"s{gen}", t_from=T0 + 1800_000, t_span=3600_000),
                                  path=f"s{gen}", fmt="test")
                    while data.append_new(limit=17):
                        pass
                gen += 1
                s = T0 + step * 7 * 60_000
                flt = base.with_(start_ms=s, end_ms=s + 3600_000)
                res = data.compute(Request(gen=gen, flt=flt, view=view, areas=(BOX,)))
                assert res.total == count(conn, flt) == res.feed_ids.size
                assert np.array_equal(res.feed_ids, matching_ids(conn, flt)[::-1])
                page = res.page
                modes.add(page["mode"])
                assert _shown(page) == page["total"] == count(conn, flt.with_(bbox=tuple(page["bbox"])))
                assert res.area_counts["box"] == count(conn, flt.with_(areas=(BOX,)))
                fresh = MapData(data.index, conn).compute(Request(gen=gen, flt=flt, view=view, areas=(BOX,)))
                assert res.top_tags == fresh.top_tags and res.area_counts == fresh.area_counts
                assert res.page["total"] == fresh.page["total"]
                if page["mode"] == "density":
                    mine, theirs = page["cells"], fresh.page["cells"]
                    assert mine["count"] == theirs["count"] and mine["field"] == theirs["field"]
    assert modes == {"points", "density"}


def test_histogram_follows_live_appends(cache):
    data = MapData(ItemIndex.load(cache.conn), cache.conn)
    first = data.compute(Request(gen=1, flt=Filter(kinds=("post",))))
    assert first.histogram is not None
    assert data.compute(Request(gen=2, flt=Filter(kinds=("post",)))).histogram is None  # unchanged
    write_records(cache, make_items(100, 9, "h", t_from=T0 + 600_000, t_span=3600_000), path="h", fmt="test")
    assert [data.append_new(limit=60) for _ in range(3)] == [60, 40, 0]
    bin0, bms, posts, fld = data.compute(Request(gen=3, flt=Filter(kinds=("post",)))).histogram
    want_posts, want_fld = data.index.histogram(bin0, bms, posts.size, data.index.static_mask(Filter(kinds=("post",))))
    assert np.array_equal(posts, want_posts) and np.array_equal(fld, want_fld)
    assert posts.sum() == count(cache.conn, Filter(kinds=("post",)))


def test_area_grid_matches_exact_tests_on_and_near_the_boundary():
    rng = np.random.default_rng(5)
    poly = circle("c", 37.57, 126.98, 900).geometry.union(
        Polygon([(126.95, 37.55), (126.97, 37.55), (126.96, 37.575)]))
    hole = circle("h", 37.571, 126.981, 150, exclude=True)
    ring = np.asarray(poly.exterior.coords) if poly.geom_type == "Polygon" else np.vstack(
        [np.asarray(g.exterior.coords) for g in poly.geoms])
    lon = np.concatenate([rng.uniform(126.94, 127.0, 60_000), ring[:, 0], (ring[:-1, 0] + ring[1:, 0]) / 2])
    lat = np.concatenate([rng.uniform(37.54, 37.59, 60_000), ring[:, 1], (ring[:-1, 1] + ring[1:, 1]) / 2])
    lat[::97] = np.nan
    mask = AreaMask((Area("p", poly), hole))
    assert np.array_equal(area_contains(mask, lat, lon), mask.contains(lat, lon))
    assert shapely.intersects_xy(poly, ring[:, 0], ring[:, 1]).all()


def test_columns_merge_moves_only_the_suffix():
    rng = np.random.default_rng(2)
    old = np.sort(rng.integers(0, 1000, 500))
    cols = Columns(old.size)
    cols.add("t", old)
    cols.add("tag", np.arange(old.size))
    new = np.sort(rng.integers(600, 1200, 80))
    p, slots = merge_slots(cols["t"], new)
    assert p == np.searchsorted(old, new[0], "right")
    cols.merge(p, slots, {"t": new, "tag": -np.arange(1, 81)})
    assert np.array_equal(cols["t"], np.sort(np.concatenate([old, new]), kind="stable"))
    moved, new_pos = moved_positions(p, slots, old.size, new.size)
    assert np.array_equal(cols["tag"][new_pos], -np.arange(1, 81))
    assert np.array_equal(cols["tag"][moved], np.arange(p, old.size))
    assert np.array_equal(cols["tag"][:p], np.arange(p))


def _synthetic_index(lat: np.ndarray, lon: np.ndarray) -> ItemIndex:
    from desktop.engine.source import Rows

    n = lat.size
    cols = {"t": np.arange(n, dtype=np.int64) * 1000 + T0, "id": np.arange(1, n + 1, dtype=np.int64),
            "lat64": lat, "lon64": lon, "kind": np.zeros(n, np.uint8), "prec": np.zeros(n, np.uint8),
            "radius": np.zeros(n, np.float32), "src": np.zeros(n, np.uint16), "unit": np.full(n, -1, np.int32)}
    idx = ItemIndex()
    idx._build(Rows(cols, np.zeros(0, np.int64), np.zeros(0, np.int32), ["x"], [], []))
    return idx


def test_cell_index_masks_equal_exact_tests_also_for_live_items():
    rng = np.random.default_rng(8)
    jagged = Polygon([(126.95, 37.55), (126.99, 37.552), (126.975, 37.566), (127.0, 37.58), (126.96, 37.59)])
    ring = np.asarray(jagged.exterior.coords)
    lon = np.concatenate([rng.normal(126.975, 0.02, 80_000), ring[:, 0], (ring[:-1, 0] + ring[1:, 0]) / 2, [180.0]])
    lat = np.concatenate([rng.normal(37.57, 0.015, 80_000), ring[:, 1], (ring[:-1, 1] + ring[1:, 1]) / 2, [89.0]])
    lat[::101] = np.nan
    perm = rng.permutation(lat.size)  # boundary points land in both halves
    lat, lon = lat[perm], lon[perm]
    half = lat.size // 2
    idx = _synthetic_index(lat[:half], lon[:half])
    areas = (Area("j", jagged), circle("out", 37.571, 126.975, 300, exclude=True))
    flt = Filter(areas=areas)
    assert np.array_equal(idx._area_mask(flt), AreaMask(areas).contains(idx.lat64, idx.lon64))
    from desktop.engine.source import Rows

    n = lat.size - half
    rows = Rows({"t": T0 - 5_000 + np.arange(n, dtype=np.int64) * 7, "id": np.arange(half + 1, lat.size + 1, dtype=np.int64),
                 "lat64": lat[half:], "lon64": lon[half:], "kind": np.zeros(n, np.uint8), "prec": np.zeros(n, np.uint8),
                 "radius": np.zeros(n, np.float32), "src": np.zeros(n, np.uint16), "unit": np.full(n, -1, np.int32)},
                np.zeros(0, np.int64), np.zeros(0, np.int32), ["x"], [], [])
    idx._merge(rows, None)  # interleaved in time with the first half
    want = AreaMask(areas).contains(idx.lat64, idx.lon64)
    assert np.array_equal(idx._area_mask(flt), want)  # the cached mask, extended by the merge
    assert np.array_equal(idx.cells.contains(AreaMask(areas), idx), want)  # and afresh from the cells


def _triage_some(cache, seed: int, n: int = 400) -> None:
    """Random triage of ``n`` items (states, priorities, categories) and two incidents."""
    from desktop.cache import incidents, triage
    from desktop.core.triage import PRIORITIES, STATES, TriageChange

    rng = np.random.default_rng(seed)
    ids = [r[0] for r in cache.conn.execute("SELECT id FROM items ORDER BY id")]
    picked = rng.choice(ids, size=min(n, len(ids)), replace=False).tolist()
    for chunk in np.array_split(np.array(picked), 24):
        change = TriageChange(state=str(rng.choice(STATES[:4] + STATES[5:])), priority=str(rng.choice(PRIORITIES)),
                              add_tags=tuple(rng.choice(["crowd", "violence", "traffic"], size=int(rng.integers(0, 3)),
                                                        replace=False)))
        triage.apply(cache.conn, chunk.tolist(), change, by="test")
    triage.apply(cache.conn, picked[:5], TriageChange(priority="routine", remove_tags=("crowd",)), by="test")
    incidents.create(cache.conn, f"incident {seed}", by="test", item_ids=rng.choice(ids, 60, replace=False).tolist())


TRIAGE_FILTERS = [Filter(states=("verified",)), Filter(states=("new",)), Filter(states=("new", "false"), kinds=("post",)),
                  Filter(priorities=("urgent", "critical")), Filter(priorities=("routine",), hashtags=("rally",)),
                  Filter(triage_tags=("crowd",)), Filter(triage_tags=("violence", "traffic"), states=("review",)),
                  Filter(incident=1), Filter(incident=1, priorities=("critical",), areas=(BOX,)),
                  Filter(states=("actioned", "closed"), text="현장 1", sources=("x",))]


def test_triage_filters_equal_sql_through_changes_appends_and_snapshots(cache):
    from desktop.cache import triage
    from desktop.core.triage import STATE_CODE, TriageChange

    _triage_some(cache, 11)
    idx = ItemIndex.load(cache.conn)  # rebuilt: codes read from the triage table
    conn = cache.conn

    def check(index, label):
        for f in TRIAGE_FILTERS:
            want = matching_ids(conn, f)
            assert np.array_equal(index.id[index.select(f, conn).pos], want), (label, f.describe())
            s = T0 + 3600_000
            w = f.with_(start_ms=s, end_ms=s + 1800_000)
            assert np.array_equal(index.id[index.select(w, conn).pos], matching_ids(conn, w)), (label, w.describe())

    check(idx, "built")
    ids, st, pr = triage.codes(conn)
    assert np.array_equal(idx.state[idx.positions_of(ids)], st) and np.array_equal(idx.priority[idx.positions_of(ids)], pr)
    assert idx.snapshot_state == "rebuilt"
    assert [count(conn, f) > 0 for f in TRIAGE_FILTERS[:8]] == [True] * 8  # the filters select something
    # in place: the caller that wrote the change tells the index (cached masks are recomputed)
    some = idx.id[:50].tolist()
    triage.apply(conn, some, TriageChange(state="verified"), by="test")
    idx.set_triage(some, STATE_CODE["verified"], None)
    check(idx, "set_triage")
    # anything written elsewhere (another connection, an incident's items) is caught up by sync_triage
    from desktop.cache import incidents

    other = Cache.open(cache.path)
    triage.apply(other.conn, idx.id[60:90].tolist(), TriageChange(state="false", add_tags=("crowd",)), by="field",
                 origin="officer")
    incidents.add_items(other.conn, 1, idx.id[100:120].tolist(), by="test")
    other.close()
    assert idx.sync_triage(conn) and not idx.sync_triage(conn)
    check(idx, "sync")
    # new items, some triaged before the index merges them
    write_records(cache, make_items(200, 21, "t", t_from=T0 + 3000_000, t_span=3600_000), path="t", fmt="test")
    new_ids = [r[0] for r in conn.execute("SELECT id FROM items WHERE id > ? ORDER BY id", (idx.max_id,))]
    triage.apply(conn, new_ids[::3], TriageChange(state="review", priority="critical", add_tags=("traffic",)), by="test")
    incidents.add_items(conn, 1, new_ids[1::5], by="test")
    while idx.append_new(conn, limit=70):
        pass
    idx.sync_triage(conn)
    check(idx, "appended")
    # the snapshot carries no triage: opened again, the codes come from the table
    snap = ItemIndex.load(conn)
    assert snap.snapshot_state.startswith("snapshot")
    check(snap, "snapshot")
    assert np.array_equal(snap.state[snap.positions_of(idx.id)], idx.state)


def test_map_counts_follow_triage_changes(cache):
    from desktop.cache import incidents, triage
    from desktop.core.triage import TriageChange

    _triage_some(cache, 5)
    data = MapData(ItemIndex.load(cache.conn), cache.conn)
    view = VIEWS[0]
    for gen, f in enumerate([Filter(states=("verified",)), Filter(priorities=("urgent",)), Filter(triage_tags=("crowd",)),
                             Filter(incident=1)]):
        for step in range(3):
            flt = f.with_(start_ms=T0 + step * 600_000, end_ms=T0 + step * 600_000 + 3600_000)
            res = data.compute(Request(gen=gen, flt=flt, view=view, areas=(BOX,)))
            assert res.total == count(cache.conn, flt) and np.array_equal(res.feed_ids, matching_ids(cache.conn, flt)[::-1])
            assert res.area_counts["box"] == count(cache.conn, flt.with_(areas=(BOX,)))
            # triage moves between two steps of the same filter: the sums start over
            ids = matching_ids(cache.conn, flt)[:7].tolist()
            if ids:
                triage.apply(cache.conn, ids, TriageChange(state="closed", priority="critical",
                                                           remove_tags=("crowd",)), by="test")
            if ids and step == 1:
                incidents.remove_items(cache.conn, 1, [i for i in ids if i in incidents.items_of(cache.conn, 1)] or
                                       incidents.items_of(cache.conn, 1)[:1], by="test")
        res = data.compute(Request(gen=gen, flt=f))
        assert res.total == count(cache.conn, f)
        assert res.histogram is not None  # triage changed since the last update of this filter
        assert res.histogram[2].sum() + res.histogram[3].sum() == count(cache.conn, f)


PHRASE_TEXTS = ["광화문 집회 시작", "집회 광화문 앞", "광화문에서 집회", "광화문  집회 두 칸", "부상자 광화문 집회",
                "it's 100% a_b \\ NEAR(x y) * \"quoted\"", "집회"]


@pytest.mark.parametrize("text, want", [
    ('"광화문 집회"', {0, 4}),             # the phrase as typed: those words in that order, one space apart
    ("광화문 집회", {0, 1, 2, 3, 4}),       # both words anywhere
    ('"광화문 집회" 부상', {4}),            # a phrase and a word
    ('"집회', {0, 1, 2, 3, 4, 6}),          # a quote left open is closed at the end
    ('"광화문 집회', {0, 4}),               # … so a phrase being typed is already a phrase
    ('부상 "광화문 집회', {4}),
    ("“광화문 집회”", {0, 4}),              # typographic quotes are quotes
    ("광화문\x00집회", {0, 1, 2, 3, 4}),   # a NUL separates words, never ends the search
    ("100%", {5}), ("a_b", {5}), ("\\", {5}), ("NEAR(x", {5}), ("*", {5}), ("it's", {5}), ('"quoted"', {5}),
    ('""', set(range(7))),                  # nothing to look for: everything
])
def test_phrase_and_words_search_mean_the_same_in_sql_and_the_index(tmp_path, text, want):
    c = Cache.open(tmp_path / "p.db")
    try:
        write_records(c, [Item(kind=Kind.POST, source="x", source_id=str(k), t_ms=T0 + k, text=t, lat=37.57, lon=126.98,
                               precision=Precision.EXACT) for k, t in enumerate(PHRASE_TEXTS)], path="p", fmt="test")
        flt = Filter(text=text)
        by_sid = dict(c.conn.execute("SELECT id, CAST(source_id AS INTEGER) FROM items"))
        sql = {by_sid[i] for i in matching_ids(c.conn, flt).tolist()}
        idx = ItemIndex.load(c.conn)
        mem = {by_sid[i] for i in idx.id[idx.select(flt, c.conn).pos].tolist()}
        assert sql == mem == want, (text, sql, mem)
        d = flt.describe()
        if text.startswith('"광화문 집회"'):
            assert 'text has the phrase "광화문 집회"' in d
        if text == "광화문 집회":
            assert "text has all of: 광화문, 집회" in d
        # Live rows reach the index's cached text mask the same way.
        idx.static_mask(flt, c.conn)
        write_records(c, [Item(kind=Kind.POST, source="x", source_id=str(100 + k), t_ms=T0 + 100 + k, text=t, lat=37.57,
                               lon=126.98, precision=Precision.EXACT) for k, t in enumerate(PHRASE_TEXTS)],
                      path="p2", fmt="test")
        assert idx.append_new(c.conn) == len(PHRASE_TEXTS)
        by_sid = dict(c.conn.execute("SELECT id, CAST(source_id AS INTEGER) FROM items"))
        mem = {by_sid[i] for i in idx.id[idx.select(flt, c.conn).pos].tolist()}
        assert mem == want | {100 + k for k in want}
    finally:
        c.close()
