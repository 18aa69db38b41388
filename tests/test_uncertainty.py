"""Uncertain positions: when a place or inferred item counts as in an area, "possibly in",
the location confidence, and the index agreeing with the cache on all of it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.cache import Cache
from desktop.cache.query import count, matching_ids
from desktop.cache.writer import write_records
from desktop.core.filters import Filter
from desktop.core.geo import AreaMask, areas_from_file, circle
from desktop.core.model import Item, Kind, Precision
from desktop.core.uncertainty import (K_AREA, PLACE_CONFIDENCE, admit, confidence_sql, equivalent_radius_m,
                                      possibly_in, radius_limit)
from desktop.engine.index import ItemIndex

T0 = 1_763_096_400_000
CITY_HALL = (37.5666, 126.9784)  # where the city-wide "서울특별시" places sit
GWANGHWAMUN = (37.5759, 126.9769)


def _jongno(boundaries):
    return areas_from_file(boundaries, "code=11010")[0]


def _classify(area, lat, lon, prec, radius):
    m = AreaMask([area])
    lat, lon, radius = np.array(lat, float), np.array(lon, float), np.array(radius, float)
    unc = np.array([p in ("place", "inferred") for p in prec])
    inside = m.admits(lat, lon, unc, radius)
    return inside, possibly_in(m.include, inside, unc, lat, lon, radius)


def test_the_rule_on_circles_and_a_district(boundaries):
    jongno = _jongno(boundaries)
    r_eq = equivalent_radius_m(jongno.geometry)
    assert 2_000 < r_eq < 3_500  # 종로구 is about 24 km²
    lat = [GWANGHWAMUN[0], CITY_HALL[0], 37.5700, GWANGHWAMUN[0], 37.5550]
    lon = [GWANGHWAMUN[1], CITY_HALL[1], 126.9830, GWANGHWAMUN[1], 126.9780]
    prec = ["inferred", "place", "inferred", "exact", "inferred"]
    radius = [250, 14_000, r_eq, 0, 2_000]
    inside, possibly = _classify(jongno, lat, lon, prec, radius)
    assert inside[0] and not possibly[0]  # centre inside, small circle: in
    assert CITY_HALL and AreaMask([jongno]).contains(np.array([CITY_HALL[0]]), np.array([CITY_HALL[1]]))[0]
    assert not inside[1] and possibly[1]  # the city-wide circle on a point inside 종로구: possibly in
    assert inside[2] and not possibly[2]  # a circle the size of the district itself: in
    assert inside[3] and not possibly[3]  # an exact point inside: in
    # 37.555 N lies in 중구, just south of 종로구; a 2 km circle reaches over the border.
    assert not AreaMask([jongno]).contains(np.array([lat[4]]), np.array([lon[4]]))[0]
    assert not inside[4] and possibly[4]  # centre outside but overlapping: possibly in


def test_far_circles_are_neither_in_nor_possibly_in(boundaries):
    jongno = _jongno(boundaries)
    inside, possibly = _classify(jongno, [35.1587], [129.1604], ["inferred"], [3_000])  # Haeundae
    assert not inside[0] and not possibly[0]
    inside, possibly = _classify(jongno, [35.1587], [129.1604], ["exact"], [0])
    assert not inside[0] and not possibly[0]


def test_the_limit_is_compared_in_float32():
    area = circle("c", *GWANGHWAMUN, 1_000)
    limit = radius_limit(area.geometry)
    assert limit == np.float32(K_AREA * equivalent_radius_m(area.geometry))
    up = np.nextafter(limit, np.float32(np.inf))
    centre = np.ones(3, bool)
    got = admit(centre, np.ones(3, bool), np.array([limit, up, float(limit) + 1e-9]), limit)
    # float64 radii that round to the limit in float32 are in, like the index sees them
    assert got.tolist() == [True, False, True]


@pytest.mark.parametrize("t", [0.0, 0.3, 0.5, 0.8, 1.0, 0.123456789, 1e-9])
def test_confidence_sql_bound_matches_float32(t):
    op, bound = confidence_sql(t)
    ft = np.float32(t)
    probe = [t, float(ft), bound, np.nextafter(bound, 2.0), np.nextafter(bound, -1.0),
             float(np.nextafter(ft, np.float32(-1))), float(np.nextafter(ft, np.float32(2)))]
    for c in probe:
        if not 0 <= c <= 1:
            continue
        sql = c >= bound if op == ">=" else c > bound
        assert sql == bool(np.float32(c) >= ft), (t, c)


def test_filter_validates_and_describes_min_confidence():
    assert "location confidence ≥ 0.60" in Filter(min_confidence=0.6).describe()
    with pytest.raises(ValueError, match="confidence"):
        Filter(min_confidence=1.5)
    with pytest.raises(ValueError, match="confidence"):
        Filter(min_confidence=True)


# --- the index and the cache agree -------------------------------------------------------

RADII = [0.0, 250.0, 800.0, 1_500.0, 2_400.0, 2_999.0, 4_000.0, 14_000.0]
CONF = [0.05, 0.3, 0.299999999, 0.5, 0.6, 0.8, 0.95, 1.0]


def _items(seed: int, n: int, first: int, t0: int):
    rng = np.random.default_rng(seed)
    out, conf = [], {}
    for k in range(n):
        p = ("exact", "place", "inferred", "inferred", "unknown")[k % 5]
        lat = 37.55 + rng.random() * 0.05
        lon = 126.95 + rng.random() * 0.06
        sid = str(first + k)
        if p == "unknown":
            out.append(Item(kind=Kind.POST, source="x", source_id=sid, t_ms=t0 + k * 1000, text="어딘가",
                            precision=Precision.UNKNOWN))
            continue
        if k % 17 == 0:
            lat, lon = CITY_HALL
        r = 0.0 if p == "exact" else RADII[int(rng.integers(len(RADII)))]
        out.append(Item(kind=Kind.POST, source="x", source_id=sid, t_ms=t0 + k * 1000, text="현장", lat=lat, lon=lon,
                        precision=Precision(p), radius_m=r or None))
        if p == "inferred" and k % 7:  # some inferred items lack their inference row
            conf[sid] = CONF[int(rng.integers(len(CONF)))]
    return out, conf


def _write(c: Cache, items, conf) -> None:
    write_records(c, items, path="t", fmt="test")
    with c.conn:
        for sid, v in conf.items():
            item_id, r = c.conn.execute("SELECT id, radius_m FROM items WHERE source_id = ?", (sid,)).fetchone()
            c.conn.execute("INSERT INTO geo_inferences (item_id, confidence, radius_m, evidence, gazetteer_id, t_ms) "
                           "VALUES (?, ?, ?, ?, NULL, ?)",
                           (item_id, v, r or 0, json.dumps({"matched": ["광화문"], "method": "landmark"}), T0))


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """A cache of exact, place and inferred items around 종로구 and 중구, and an index built
    from its first half that then merged the second half as live rows."""
    c = Cache.open(tmp_path_factory.mktemp("u") / "c.db")
    a, ca = _items(1, 300, 0, T0)
    b, cb = _items(2, 200, 1000, T0 + 100_000)
    _write(c, a, ca)
    idx = ItemIndex.load(c.conn)
    _write(c, b, cb)
    idx.append_new(c.conn)
    yield c, idx
    c.close()


_AREA_CHOICES = ["none", "jongno", "junggu", "both", "circle", "jongno-minus-circle"]


def _areas(choice, boundaries):
    if choice == "none":
        return ()
    if choice == "circle":
        return (circle("c", 37.565, 126.98, 1_600),)
    j, g = areas_from_file(boundaries, "code=11010")[0], areas_from_file(boundaries, "code=11020")[0]
    if choice == "jongno":
        return (j,)
    if choice == "junggu":
        return (g,)
    if choice == "both":
        return (j, g)
    return (j, circle("c", 37.5759, 126.9769, 400, exclude=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choice=st.sampled_from(_AREA_CHOICES),
       min_conf=st.one_of(st.none(), st.sampled_from([0.0, 0.3, 0.5, 0.6, 0.8, 1.0]), st.floats(0, 1)),
       precisions=st.sampled_from([(), ("inferred",), ("place", "inferred"), ("exact", "unknown")]),
       start=st.one_of(st.none(), st.integers(T0, T0 + 400_000)))
def test_index_matches_sql_with_uncertain_items(mixed, boundaries, choice, min_conf, precisions, start):
    c, idx = mixed
    flt = Filter(areas=_areas(choice, boundaries), min_confidence=min_conf, precisions=precisions, start_ms=start)
    want = np.sort(matching_ids(c.conn, flt))
    got = np.sort(idx.id[idx.select(flt, c.conn).pos])
    assert np.array_equal(want, got), flt.describe()
    assert count(c.conn, flt) == want.size


def test_min_confidence_keeps_exact_and_hides_weak_guesses(mixed):
    c, idx = mixed
    all_n = count(c.conn, Filter())
    strict = Filter(min_confidence=0.9)
    kept = {r[0] for r in c.conn.execute("SELECT precision FROM items WHERE id IN (%s)"
                                         % ",".join(map(str, matching_ids(c.conn, strict).tolist())))}
    assert "exact" in kept and "unknown" in kept and "place" not in kept  # place items are 0.5
    n_exact = count(c.conn, Filter(precisions=("exact", "unknown")))
    n_sure = c.conn.execute("SELECT count(*) FROM items i JOIN geo_inferences g ON g.item_id = i.id "
                            "WHERE i.precision = 'inferred' AND g.confidence >= 0.9").fetchone()[0]
    assert count(c.conn, strict) == n_exact + n_sure < all_n
    assert count(c.conn, Filter(min_confidence=PLACE_CONFIDENCE, precisions=("place",))) == \
        count(c.conn, Filter(precisions=("place",)))
    # the index column: 1 for exact, the fixed value for places, the inference for inferred
    ex = idx.prec == 0
    assert np.all(idx.conf[ex] == 1.0) and np.all(idx.conf[idx.prec == 1] == np.float32(PLACE_CONFIDENCE))
    assert np.isnan(idx.conf[idx.prec == 3]).all()


def test_per_area_counts_of_the_map_equal_the_cache(mixed, boundaries):
    from desktop.cache.query import area_breakdown
    from desktop.engine.mapdata import MapData, Request, View

    c, idx = mixed
    areas = tuple(_areas("both", boundaries)) + (circle("c", 37.565, 126.98, 1_600),)
    md = MapData(idx, c.conn)
    for flt in (Filter(), Filter(min_confidence=0.6), Filter(start_ms=T0 + 50_000, end_ms=T0 + 250_000),
                Filter(precisions=("inferred",))):
        res = md.compute(Request(1, flt, View((126.9, 37.5, 127.1, 37.65), 12), areas=areas))
        for a in areas:
            want = area_breakdown(c.conn, flt, a)
            got = res.area_detail[a.name]
            assert got == {k: want[k] for k in got}, (a.name, flt.describe())
            assert got["items"] == got["exact"] + got["place"] + got["inferred"]
    assert sum(res.area_detail[a.name]["possibly_in"] for a in areas) > 0


def test_cli_min_confidence_and_stats_per_area(mixed, boundaries, capsys):
    from desktop.cli import main

    c, _ = mixed
    db = str(c.path)
    assert main(["query", "--db", db, "--min-confidence", "0.9", "--format", "jsonl"]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    assert len(rows) == count(c.conn, Filter(min_confidence=0.9)) and rows
    assert {r["precision"] for r in rows} <= {"exact", "unknown", "inferred"}
    assert main(["query", "--db", db, "--min-confidence", "2"]) == 1
    assert "--min-confidence" in capsys.readouterr().err
    assert main(["stats", "--db", db, "--area", f"{boundaries}:code=11010"]) == 0
    out = capsys.readouterr().out
    assert "종로구:" in out and "possibly in:" in out and "exact" in out
    assert main(["stats", "--db", db, "--json", "--area", f"{boundaries}:code=11010", "--min-confidence", "0.5"]) == 0
    per = json.loads(capsys.readouterr().out)["per_area"][0]
    want = __import__("desktop.cache.query", fromlist=["x"]).area_breakdown(
        c.conn, Filter(min_confidence=0.5), areas_from_file(boundaries, "code=11010")[0])
    assert per == want


def test_report_areas_say_exact_place_inferred_and_possibly_in(mixed, boundaries, tmp_path):
    from desktop.cache.query import area_breakdown
    from desktop.report.sitrep import build_report

    c, _ = mixed
    areas = tuple(_areas("both", boundaries))
    flt = Filter(areas=areas, start_ms=T0, end_ms=T0 + 600_000)
    out = tmp_path / "r.pdf"
    data = build_report(c.conn, flt, out, lang="en")
    assert data.areas_by == "area" and set(data.area_detail) == {a.name for a in areas}
    for name, n in data.areas:
        d = data.area_detail[name]
        assert d["exact"] + d["place"] + d["inferred"] == n
        want = area_breakdown(c.conn, flt, next(a for a in areas if a.name == name))
        assert d == {k: want[k] for k in d} and want["items"] == n
    assert any(d["possibly_in"] for d in data.area_detail.values())
    assert out.stat().st_size > 0


def test_per_area_counts_follow_live_items(tmp_path, boundaries):
    from desktop.cache.query import area_breakdown
    from desktop.engine.mapdata import MapData, Request, View

    c = Cache.open(tmp_path / "live.db")
    a, ca = _items(5, 150, 0, T0)
    _write(c, a, ca)
    idx = ItemIndex.load(c.conn)
    md = MapData(idx, c.conn)
    areas = tuple(_areas("both", boundaries))
    view = View((126.9, 37.5, 127.1, 37.65), 12)
    md.compute(Request(1, Filter(), view, areas=areas))
    b, cb = _items(6, 150, 5000, T0 + 50_000)  # live rows, some of them earlier than the newest
    _write(c, b, cb)
    assert md.append_new() == 150
    res = md.compute(Request(2, Filter(), view, areas=areas))
    for ar in areas:
        want = area_breakdown(c.conn, Filter(), ar)
        assert res.area_detail[ar.name] == {k: want[k] for k in res.area_detail[ar.name]}
    c.close()


def test_alert_rules_count_an_area_as_the_map_does(boundaries):
    from shapely.geometry import mapping

    from desktop.live.alert_rules import AlertRule, Evaluator, Row

    jongno = _jongno(boundaries)
    ev = Evaluator(AlertRule("종로 인파", "count", {"min_count": 1, "minutes": 5}, area=mapping(jongno.geometry),
                             area_name="종로구"))
    lat, lon = CITY_HALL
    assert ev.inside(lat, lon)  # an exact point at City Hall is in 종로구's outline
    assert not ev.inside(lat, lon, "place", 14_000)  # a city-wide place on the same point is not
    assert ev.inside(GWANGHWAMUN[0], GWANGHWAMUN[1], "inferred", 250)
    city = Row.from_db((1, T0, lat, lon, "post", "x", "[]", "서울", None, None, None, "place", 14_000))
    near = Row.from_db((2, T0, GWANGHWAMUN[0], GWANGHWAMUN[1], "post", "x", "[]", "광화문", None, None, None,
                        "inferred", 250))
    assert not ev.matches(city) and ev.matches(near)
