"""Offline place search: districts from a boundary file, cities from the shipped GeoNames extract."""

from __future__ import annotations

import pytest

from desktop.basemap.places import ATTRIBUTION, PlaceIndex, load_cities, normalize

SMALL = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"code": "11010", "name": "종로구", "name_eng": "Jongno-gu", "base_year": "2013"},
     "geometry": {"type": "Polygon", "coordinates": [[[126.95, 37.57], [127.02, 37.57], [127.02, 37.60], [126.95, 37.60], [126.95, 37.57]]]}},
    {"type": "Feature", "properties": {"code": "11020", "name": "중구", "name_eng": "Jung-gu", "base_year": "2013"},
     "geometry": {"type": "Polygon", "coordinates": [[[126.97, 37.55], [127.02, 37.55], [127.02, 37.57], [126.97, 37.57], [126.97, 37.55]]]}},
    {"type": "Feature", "properties": {"code": "21020", "name": "중구", "name_eng": "Jung-gu", "base_year": "2013"},
     "geometry": {"type": "Polygon", "coordinates": [[[129.02, 35.09], [129.04, 35.09], [129.04, 35.11], [129.02, 35.11], [129.02, 35.09]]]}},
]}


@pytest.fixture(scope="module")
def cities():
    return load_cities()


@pytest.fixture
def index(cities):
    idx = PlaceIndex()
    idx._cities = cities  # loaded once per module: it is the slow part
    return idx


def test_normalize():
    assert normalize("Jongno-gu") == normalize("jongno gu") == "jongnogu"
    assert normalize("Yŏngju") == "yongju"
    assert normalize("  종로 구 ") == "종로구"


def test_districts_by_hangul_english_prefix_and_code(index):
    index.add_boundaries(SMALL)
    assert index.search("종로")[0]["name"] == "종로구"
    assert index.search("jongno")[0]["name"] == "종로구"
    assert index.search("Jongno-gu")[0]["kind"] == "district"
    hit = index.search("11010")[0]
    assert hit["name"] == "종로구" and hit["code"] == "11010"
    w, s, e, n = hit["bbox"]
    assert w <= hit["lon"] <= e and s <= hit["lat"] <= n


def test_same_name_districts_are_told_apart_by_region(index):
    index.add_boundaries(SMALL)
    both = [r for r in index.search("중구") if r["kind"] == "district"]
    assert [r["region"] for r in both] == ["서울 / Seoul", "부산 / Busan"]  # code order: Seoul first
    busan = index.search("부산 중구")[0]
    assert busan["code"] == "21020"
    assert index.search("busan jung-gu")[0]["code"] == "21020"


def test_korean_cities_in_hangul_and_english(index):
    for q in ("서울", "Seoul", "seoul"):
        top = index.search(q)[0]
        assert top["kind"] == "city" and top["name"] == "서울" and top["country"] == "KR"
        assert abs(top["lat"] - 37.57) < 0.2 and abs(top["lon"] - 126.98) < 0.2
    assert index.search("부산")[0]["name_eng"] == "Busan"
    assert index.search("Busan")[0]["name"] == "부산"
    assert index.search("Tokyo")[0]["country"] == "JP"


def test_substring_and_ranking(index):
    index.add_boundaries(SMALL)
    got = index.search("로구", limit=5)  # a substring of 종로구
    assert got and got[0]["name"] == "종로구"
    busan = index.search("busa", limit=5)  # prefix: the big city before smaller ones
    assert busan[0]["name_eng"] == "Busan"
    assert index.search("") == [] and index.search("zzqqxx") == []
    assert len(index.search("a", limit=3)) == 3


def test_real_boundary_file(boundaries, cities):
    idx = PlaceIndex()
    idx._cities = cities
    assert idx.add_boundaries(boundaries) == 251
    gangnam = idx.search("강남구")[0]
    assert gangnam["kind"] == "district" and gangnam["name_eng"] == "Gangnam-gu" and gangnam["region"] == "서울 / Seoul"
    assert idx.search("haeundae")[0]["name"] == "해운대구"


def test_no_cities_when_asked_and_attribution():
    idx = PlaceIndex(cities=False)
    idx.add_boundaries(SMALL)
    assert {r["kind"] for r in idx.search("구")} == {"district"}
    assert "GeoNames" in ATTRIBUTION and "CC BY" in ATTRIBUTION
