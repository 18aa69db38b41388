"""Filters as values: SQL, descriptions, areas from real boundary files, and the
in-memory index agreeing with the cache exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.core.filters import Filter, parse_text
from desktop.core.geo import GeoError, area_from_geojson, areas_from_file, circle
from desktop.engine.index import ItemIndex
from desktop.core.model import Item, Kind, Precision
from desktop.cache.query import count, iter_items, matching_ids

T0 = 1_763_096_400_000  # 2025-11-14 05:00 UTC = 14:00 KST

PLACES = {
    "jongno": (37.5759, 126.9769),  # Gwanghwamun, Jongno-gu (11010)
    "junggu": (37.5636, 126.9850),  # Myeong-dong, Jung-gu (11020)
    "haeundae": (35.1587, 129.1604),  # Busan Haeundae-gu (21090)
}


def _items():
    out = []
    i = 0
    for name, (lat, lon) in PLACES.items():
        for k in range(30):
            i += 1
            kind = Kind.FIELD_UPDATE if k % 5 == 0 else Kind.POST
            tags = ("busanpolice",) if name == "haeundae" else ("광화문",) if k % 2 else ("집회", "rally")
            out.append(Item(kind=kind, source="tak" if kind == Kind.FIELD_UPDATE else "x", source_id=str(i),
                            t_ms=T0 + k * 60_000, lat=lat + k * 1e-5, lon=lon, precision=Precision.EXACT,
                            text=f"{name} 경찰 집회 현장 {k} " + " ".join("#" + t for t in tags), hashtags=tags,
                            author=f"user{k}"))
    out.append(Item(kind=Kind.POST, source="x", source_id="nopos", t_ms=T0, text="위치 없음 경찰", precision=Precision.UNKNOWN))
    out.append(Item(kind=Kind.POST, source="x", source_id="place", t_ms=T0 + 1, text="서울 어딘가", lat=37.56, lon=126.99,
                    precision=Precision.PLACE, radius_m=8000))
    return out


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    c = Cache.open(tmp_path_factory.mktemp("f") / "c.db")
    write_records(c, _items(), path="t", fmt="test")
    yield c
    c.close()


@pytest.fixture(scope="module")
def index(cache):
    return ItemIndex.load(cache.conn)


def test_time_window_is_half_open(cache):
    assert count(cache.conn, Filter(start_ms=T0, end_ms=T0 + 60_000)) == 3 + 2  # k=0 in 3 places + 2 extras
    assert count(cache.conn, Filter(start_ms=T0 + 60_000, end_ms=T0 + 120_000)) == 3


def test_hashtag_kind_source_precision(cache):
    assert count(cache.conn, Filter(hashtags=("#BusanPolice",))) == 30
    assert count(cache.conn, Filter(kinds=("field_update",))) == 18
    assert count(cache.conn, Filter(sources=("tak",))) == 18
    assert count(cache.conn, Filter(precisions=("place",))) == 1


def test_hangul_text_search_short_and_long(cache):
    # Two syllables: shorter than a trigram, answered by a scan.
    assert count(cache.conn, Filter(text="경찰")) == 91
    # Three or more: the trigram index.
    assert count(cache.conn, Filter(text="haeundae 현장")) == 30
    assert count(cache.conn, Filter(text="집회 현장")) == 90


def test_polygon_from_real_district_file(cache, boundaries):
    jongno = areas_from_file(boundaries, "code=11010")
    assert len(jongno) == 1 and jongno[0].name == "종로구"
    assert count(cache.conn, Filter(areas=tuple(jongno))) == 30
    busan = areas_from_file(boundaries, "code=21090")
    assert count(cache.conn, Filter(areas=tuple(jongno + busan))) == 60  # areas combine as a union
    minus = Filter(areas=(area_from_geojson("seoul box", {"type": "Polygon", "coordinates": [[
        [126.9, 37.5], [127.1, 37.5], [127.1, 37.6], [126.9, 37.6], [126.9, 37.5]]]}),
        areas_from_file(boundaries, "code=11020", exclude=True)[0]))
    assert count(cache.conn, minus) == 30  # Jongno remains; Jung-gu (and the place post in it) cut out


def test_pick_errors_name_the_problem(boundaries):
    with pytest.raises(GeoError, match="no property 'kode'"):
        areas_from_file(boundaries, "kode=11010")
    with pytest.raises(GeoError, match="no feature with code=99999"):
        areas_from_file(boundaries, "code=99999")


def test_circle_area(cache):
    lat, lon = PLACES["junggu"]
    assert count(cache.conn, Filter(areas=(circle("c", lat, lon, 200),))) == 30


def test_description_is_human(boundaries):
    f = Filter(start_ms=T0, end_ms=T0 + 2 * 3600_000, hashtags=("busanpolice",), kinds=("post",),
               areas=tuple(areas_from_file(boundaries, "code=11010")), text="집회")
    d = f.describe()
    assert d == 'posts in 종로구, 2025-11-14 14:00–16:00 KST, #busanpolice, text "집회"'


def test_description_says_phrase_or_all_words():
    assert Filter(text="광화문 집회").describe() == "posts and field updates, text has all of: 광화문, 집회"
    assert Filter(text='"광화문 집회"').describe() == 'posts and field updates, text has the phrase "광화문 집회"'
    assert Filter(text='"광화문  집회" 부상').describe() == ('posts and field updates, text has the phrase "광화문 집회", '
                                                          'text "부상"')
    assert Filter(text='"광화문 집').describe() == 'posts and field updates, text has the phrase "광화문 집"'
    assert Filter(text='"a" "b c"').describe().endswith('text has all the phrases "a", "b c"')
    assert Filter(text='"').describe() == "posts and field updates"


@pytest.mark.parametrize("typed, phrases, words", [
    ('"광화문 집회"', ["광화문 집회"], []),
    ("광화문 집회 광화문", [], ["광화문", "집회"]),                  # repeats count once
    ('"광화문 집회', ["광화문 집회"], []),                             # an open quote is closed at the end
    ('부상 "광화문   집회" "" 경찰', ["광화문 집회"], ["부상", "경찰"]),  # runs of spaces are one; "" is nothing
    ("“광화문 집회” ＂부상＂", ["광화문 집회", "부상"], []),            # typographic and full-width quotes
    ("a\x00b\x1fc", [], ["a", "b", "c"]),                            # control characters separate words
    ("\ud800x", [], ["\ufffdx"]),                                     # a lone surrogate cannot reach SQLite
    ("\u1100\u1161\u11ab", [], ["간"]),                               # decomposed Hangul (macOS) is NFC
    ("NEAR(a b) * ^ - + : AND OR NOT", [], ["NEAR(a", "b)", "*", "^", "-", "+", ":", "AND", "OR", "NOT"]),
])
def test_parse_text(typed, phrases, words):
    assert parse_text(typed) == (phrases, words)


HOSTILE = ["광화문 집회 시작", "집회 광화문 앞", "광화문에서 집회", "it's 100% a_b \\ NEAR(x y) * ^ \"q\" {a b}",
           "x AND y OR z", "e.g. 5\" screen", "가 나 다 라 마 바 사 아 자 차 카 타 파 하 거 너 더 러 머", "간단"]


def _reference(texts: list[str], authors: list[str], typed: str) -> set[int]:
    """What a search means, in plain Python: every phrase and word is a substring of the text or the author."""
    phrases, words = parse_text(typed)
    return {k for k, (t, a) in enumerate(zip(texts, authors)) if all(w in t or w in a for w in phrases + words)}


@pytest.mark.parametrize("typed", [
    '"광화문 집회"', "광화문 집회", '"광화문 집회', '집회 "광화문', "NEAR(x", "NEAR", "*", "^", '"q"', '\\"q\\"', "{a b}",
    "AND", "x AND y", '"x AND y"', "OR", "100%", "%", "_", "a_b", "\\", "'", "it's", '5"', '5" screen', '"', '""',
    "e.g.", "가 나 다 라 마 바 사 아 자 차 카 타 파 하 거 너 더 러",      # more short words than one clause each
    "가 나 다 라 마 바 사 아 자 차 카 타 파 하 거 너 더 없",
    "가 나 다 라 마 바 사 아 자 차 카 타 파 하 거 너 더 러 광화문", "가 나 다 라 마 바 사 아 자 차 카 타 파 하 거 너 더 no",
    "nobody", "no", "간단 no",
    " ".join(f"w{i}" for i in range(1500)),                            # a pasted wall of words: no error
    "a\x00b", "\ud800", "“광화문 집회”", "간단", "\u1100\u1161\u11ab",
])
def test_hostile_search_is_literal_in_sql_and_the_index(tmp_path, typed):
    texts = HOSTILE
    authors = ["", "", "", "", "", "", "nobody", "nobody"]  # '' is no author (NULL)
    c = Cache.open(tmp_path / "h.db")
    try:
        write_records(c, [Item(kind=Kind.POST, source="x", source_id=str(k), t_ms=T0 + k, text=t, author=a or None,
                               lat=37.57, lon=126.98, precision=Precision.EXACT)
                          for k, (t, a) in enumerate(zip(texts, authors))], path="h", fmt="test")
        by_sid = dict(c.conn.execute("SELECT id, CAST(source_id AS INTEGER) FROM items"))
        flt = Filter(text=typed)
        sql = {by_sid[i] for i in matching_ids(c.conn, flt).tolist()}
        idx = ItemIndex.load(c.conn)
        mem = {by_sid[i] for i in idx.id[idx.select(flt, c.conn).pos].tolist()}
        assert sql == mem == _reference(texts, authors, typed), typed
        assert count(c.conn, flt) == len(sql)
        flt.describe()
    finally:
        c.close()


def test_rows_carry_decoded_fields(cache):
    row = next(iter_items(cache.conn, Filter(hashtags=("rally",), kinds=("post",)), limit=1))
    assert row["hashtags"] == ["집회", "rally"] and row["kind"] == "post"


_filters = st.builds(
    Filter,
    start_ms=st.one_of(st.none(), st.integers(T0 - 60_000, T0 + 40 * 60_000)),
    end_ms=st.none(),
    hashtags=st.lists(st.sampled_from(["busanpolice", "광화문", "집회", "nope"]), max_size=2).map(tuple),
    kinds=st.sampled_from([(), ("post",), ("field_update",)]),
    sources=st.sampled_from([(), ("x",), ("tak",), ("x", "tak")]),
    text=st.sampled_from(["", "경찰", "현장 1", "haeundae", "없음", '"집회 현장"', '"현장 1"', '"경찰 집회" haeundae',
                          '"haeundae 경찰', '현장 "1 #', "“집회 현장”", '"현장 2" "경찰 집회"', "NEAR(집회", '"', "100% a_b",
                          "\\ ' *", "j o n g 경 찰 집 회 현 장 # 광 화 문 1 2", "집회\x00현장"]),
    precisions=st.sampled_from([(), ("exact",), ("place", "unknown")]),
    bbox=st.sampled_from([None, (126.9, 37.5, 127.1, 37.6), (129.0, 35.0, 129.3, 35.3)]),
    min_confidence=st.sampled_from([None, 0.0, 0.5, 0.51, 1.0]),  # more in test_uncertainty.py
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flt=_filters, width=st.integers(0, 50 * 60_000))
def test_index_matches_sql_exactly(cache, index, flt, width):
    if flt.start_ms is not None:
        flt = flt.with_(end_ms=flt.start_ms + width)
    want = np.sort(matching_ids(cache.conn, flt))
    got = np.sort(index.id[index.select(flt, cache.conn).pos])
    assert np.array_equal(want, got), flt.describe()


def test_index_area_matches_sql(cache, index, boundaries):
    areas = tuple(areas_from_file(boundaries, "code=11010") + areas_from_file(boundaries, "code=11020", exclude=True))
    flt = Filter(areas=areas, start_ms=T0, end_ms=T0 + 10 * 60_000)
    assert np.array_equal(np.sort(matching_ids(cache.conn, flt)), np.sort(index.id[index.select(flt, cache.conn).pos]))
