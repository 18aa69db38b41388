"""The built-in KOSTAT 2018 districts (desktop.core.kostat): the shipped files, counts,
codes by prefix, qualified names, search and resolution by name."""

from __future__ import annotations

import hashlib

import pytest
import shapely

from desktop.core import kostat, paths
from desktop.core.geo import Area, AreaMask, GeoError

SHA256 = {
    kostat.SIDO: "af3999094b7ca9ef291d666a7ae6317454775c82a0ff5d3f470498b2265fbf6b",
    kostat.SIGUNGU: "f27afa0240e1a93f5befdc65ef9ea9e1d95584edf7173740391e8812a7896a9c",
    kostat.EMD: "8e338d9fbc67f5ade7524ad56cb0ad001a73c8c34a6f079f30d0d64bef88ce46",
}


@pytest.mark.parametrize("level", kostat.LEVELS)
def test_shipped_files_are_the_credited_originals(level):
    f = paths.resources_dir() / "boundaries" / kostat.FILES[level]
    assert hashlib.sha256(f.read_bytes()).hexdigest() == SHA256[level]
    readme = (paths.resources_dir() / "boundaries" / "README.md").read_text(encoding="utf-8")
    assert kostat.FILES[level] in readme and SHA256[level] in readme


def test_counts_and_codes_by_prefix():
    by = {lv: kostat.units(lv) for lv in kostat.LEVELS}
    assert {lv: len(u) for lv, u in by.items()} == {"sido": 17, "sigungu": 250, "emd": 3504}
    codes = {lv: {u["code"] for u in by[lv]} for lv in kostat.LEVELS}
    for lv in kostat.LEVELS:
        assert all(len(c) == kostat.CODE_LEN[lv] for c in codes[lv])
    # every 읍면동 lies in the 시군구 its code names, and that one in its 시도 (checked by geometry too)
    sgg = {u["code"]: u for u in by["sigungu"]}
    for u in by["emd"]:
        assert u["parent_codes"] == [u["code"][:2], u["code"][:5]]
        assert u["code"][:5] in codes["sigungu"] and u["code"][:2] in codes["sido"]
    for u in by["emd"][::50]:
        pt = shapely.Point(u["lon"], u["lat"])
        assert sgg[u["code"][:5]]["geometry"].buffer(0.005).contains(pt), u["qualified"]
    assert kostat.parents("1102055") == {"sido": "11", "sigungu": "11020"}


def test_unit_fields_and_qualified_names():
    myeong = kostat.resolve("명동")
    assert myeong["qualified"] == "서울특별시 중구 명동"
    assert myeong["parent_names"] == ["서울특별시", "중구"] and myeong["code"] == "1102055"
    assert myeong["name_eng"] == "Myeong-dong" and myeong["qualified_eng"] == "Myeong-dong, Jung-gu, Seoul"
    assert myeong["level"] == "emd" and 37.55 < myeong["lat"] < 37.57 and 126.97 < myeong["lon"] < 126.995
    assert 300 < myeong["radius_m"] < 1000  # equal-area radius of about 1 km²
    assert myeong["geometry"].contains(shapely.Point(myeong["lon"], myeong["lat"]))
    jongno = kostat.resolve("종로구")
    assert jongno["qualified"] == "서울특별시 종로구" and jongno["level"] == "sigungu" and jongno["code"] == "11010"
    # KOSTAT's one-word city 구 reads as two words, the short name stays findable
    jangan = kostat.resolve("경기도 수원시 장안구")
    assert jangan["name"] == "수원시 장안구" and "장안구" in jangan["aliases"]
    assert kostat.resolve("장안구")["code"] == jangan["code"]
    assert kostat.resolve("세종특별자치시")["level"] == "sido"
    assert all(set(u) >= {"code", "name", "name_eng", "parent_names", "level", "lat", "lon", "radius_m", "geometry"}
               for u in kostat.units("sido"))


def test_search_across_levels_in_korean_and_english():
    assert kostat.find("명동")[0]["qualified"] == "서울특별시 중구 명동"
    assert kostat.find("Myeong")[0]["qualified"] == "서울특별시 중구 명동"
    assert kostat.find("종로구")[0]["qualified"] == "서울특별시 종로구"
    assert kostat.find("Jongno")[0]["qualified"] == "서울특별시 종로구"
    assert kostat.find("서울")[0]["level"] == "sido"
    assert kostat.find("") == [] and kostat.find("없는이름xyz") == []


def test_ambiguous_and_unknown_names_say_the_candidates():
    with pytest.raises(GeoError) as e:
        kostat.resolve("중구")
    msg = str(e.value)
    assert "ambiguous" in msg and "서울특별시 중구, 부산광역시 중구" in msg and "울산광역시 중구" in msg
    assert kostat.resolve("부산 중구")["code"] == "21010"
    assert kostat.resolve("Busan Jung-gu")["code"] == "21010"
    assert kostat.resolve("서울특별시 중구")["code"] == "11020"
    assert kostat.resolve("11020")["name"] == "중구"
    with pytest.raises(GeoError, match="no built-in district"):
        kostat.resolve("아틀란티스구")
    with pytest.raises(GeoError, match="level"):
        kostat.units("county")


def test_a_unit_is_an_area_like_a_file_district():
    a = kostat.area(kostat.resolve("명동"))
    assert isinstance(a, Area) and a.name == "서울특별시 중구 명동" and a.properties["code"] == "1102055"
    mask = AreaMask([a])
    import numpy as np

    inside = mask.contains(np.array([37.5636, 37.5796]), np.array([126.9850, 126.9770]))  # 명동, 경복궁
    assert inside.tolist() == [True, False]
    gus = kostat.areas("sigungu")
    assert len(gus) == 250 and len({a.name for a in gus}) == 250  # qualified names never repeat
    assert len({a.name for a in kostat.areas("emd")}) == 3504


def test_district_option_on_the_command_line(tmp_path, capsys):
    import json

    from desktop.cache import Cache
    from desktop.cache.writer import write_records
    from desktop.cli import main
    from desktop.core.model import Item, Kind, Precision
    from desktop.session.options import FilterOptions, session_from_options

    db = tmp_path / "c.db"
    pts = [(37.5636, 126.9850)] * 4 + [(37.5759, 126.9769)] * 3 + [(35.1040, 129.0320)] * 2  # 명동, 광화문, 부산 중구
    c = Cache.open(db)
    write_records(c, [Item(kind=Kind.POST, source="x", source_id=str(i), t_ms=1_794_632_400_000 + i, lat=la, lon=lo,
                           precision=Precision.EXACT, text=f"현장 {i}") for i, (la, lo) in enumerate(pts)],
                  path="t", fmt="test")
    c.close()
    capsys.readouterr()
    assert main(["query", "--db", str(db), "--district", "종로구", "--format", "jsonl"]) == 0
    out = capsys.readouterr()
    assert len(out.out.strip().splitlines()) == 3 and "서울특별시 종로구" in out.err
    assert main(["query", "--db", str(db), "--district", "서울 중구 명동", "--district", "Busan Jung-gu",
                 "--format", "jsonl"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 6
    assert main(["query", "--db", str(db), "--district", "서울특별시", "--exclude-district", "명동",
                 "--format", "jsonl"]) == 0
    ids = {json.loads(ln)["id"] for ln in capsys.readouterr().out.strip().splitlines()}
    assert len(ids) == 3
    # ambiguous or unknown: one line naming the candidates, exit 1
    assert main(["query", "--db", str(db), "--district", "중구"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--district" in err and "서울특별시 중구, 부산광역시 중구, 대구광역시 중구" in err
    assert main(["query", "--db", str(db), "--district", "아틀란티스구"]) == 1
    assert "no built-in district" in capsys.readouterr().err
    # the same areas as a pick in the window: the session gets kostat.area values
    s = session_from_options(FilterOptions(district=["명동"]))
    assert [a.name for a in s.active_areas()] == ["서울특별시 중구 명동"]
    assert s.active_areas()[0] == kostat.area(kostat.resolve("1102055"))


def test_the_bundle_ships_the_three_levels():
    """build.spec copies resources/ whole (the boundaries with it), no trim drops them, and
    the frozen smoke test checks the three files are there and read."""
    import ast

    from desktop.ui import smoke
    from tests.conftest import ROOT

    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    assert '(str(ROOT / "resources"), "resources")' in spec
    trim = (ROOT / "scripts" / "bundle_trim.py").read_text(encoding="utf-8")
    assert "boundaries" not in trim and "kostat" not in trim
    ast.parse(spec)
    for level in kostat.LEVELS:
        assert f"boundaries/{kostat.FILES[level]}" in smoke.SHIPPED
    assert "built-in districts" in (ROOT / "desktop" / "ui" / "smoke.py").read_text(encoding="utf-8")
    size = sum((paths.resources_dir() / "boundaries" / f).stat().st_size for f in kostat.FILES.values())
    assert size < 3_000_000  # 2.4 MB for the three levels


def test_place_search_knows_the_builtin_districts():
    from desktop.basemap.places import PlaceIndex

    idx = PlaceIndex(cities=False)
    assert idx.add_builtin_districts() == 250 + 3504 and idx.add_builtin_districts() == 0  # once
    top = idx.search("명동", 3)[0]
    assert (top["name"], top["region"], top["code"]) == ("명동", "서울특별시 중구", "1102055")
    w, s, e, n = top["bbox"]
    assert w < top["lon"] < e and s < top["lat"] < n
    assert idx.search("부산 중구", 1)[0]["code"] == "21010"
    assert idx.search("Jongno", 1)[0]["name"] == "종로구"
    assert [r["region"] for r in idx.search("중구", 6)][:2] == ["서울특별시", "부산광역시"]
