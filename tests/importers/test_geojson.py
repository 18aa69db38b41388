"""GeoJSON import into a real cache file: points, times, hashtags, CRS handling, refusals."""

from __future__ import annotations

import json

import pytest

from desktop.importers import detect_format, geojson, import_file
from desktop.importers.base import ImportFailed, ImportOptions
from tests.importers.tabular_helpers import (  # noqa: F401  (installed_formats is a fixture)
    FIXTURES, batch_notes, counts, installed_formats, items, open_cache, tags,
)

GJ = FIXTURES / "geojson"


def write_json(tmp_path, doc, name="f.geojson", ascii=False):
    p = tmp_path / name
    p.write_text(json.dumps(doc, ensure_ascii=ascii), encoding="utf-8")
    return p


def point(lon, lat, props, fid=None):
    f = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}
    if fid is not None:
        f["id"] = fid
    return f


def test_feature_collection_points_times_and_skips(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, GJ / "gwanghwamun_posts.geojson", fmt="geojson", purpose="public-order")
    assert (result.stats.accepted, result.stats.skipped) == (4, 4)
    got = items(cache)
    assert len(got) == 4

    a = got["gh-001"]
    assert (a["lat"], a["lon"], a["precision"]) == (37.5759, 126.9769, "exact")
    assert a["when"] == "2024-03-01T05:05:00Z"  # 14:05+09:00
    assert a["author"] == "seoul_watch"
    assert a["source"] == "geojson" and a["kind"] == "post"

    b = got["2"]  # a numeric feature id, stored as a string
    assert (b["lat"], b["lon"]) == (37.5663, 126.9779)  # Seoul City Hall
    assert b["when"] == "2024-03-01T05:10:00Z"  # epoch milliseconds
    assert b["author"] == "citizen_kim"  # "User", matched case-insensitively

    naive = [r for sid, r in got.items() if sid.startswith("sha1:")]
    assert len(naive) == 1  # no id anywhere: a stable hash
    assert naive[0]["when"] == "2024-03-01T05:20:00Z"  # 14:20 with no zone, read as KST
    assert naive[0]["author"] == "박순경" and "세종대로" in naive[0]["text"]

    c = got["gh-008"]  # a one-point MultiPoint with a 300 m radius
    assert (c["lat"], c["lon"], c["precision"], c["radius_m"]) == (37.5688, 126.9783, "place", 300.0)

    reasons = {s.where: s.reason for s in result.skips}
    assert reasons["feature 4"] == "no geometry"
    assert "swapped" in reasons["feature 5"] and "lat=126.9769" in reasons["feature 5"]
    assert reasons["feature 6"].startswith("not a point")
    assert reasons["feature 7"] == "no time"

    assert any("Asia/Seoul" in n for n in batch_notes(cache))


def test_hashtags_from_properties_and_text(tmp_path):
    cache = open_cache(tmp_path)
    import_file(cache, GJ / "gwanghwamun_posts.geojson", fmt="geojson", purpose="public-order")
    t = tags(cache)
    assert t["gh-001"] == {"교통통제", "광화문", "집회"}
    assert t["2"] == {"교통", "안전", "시청"}  # "tags": "교통 안전" plus #시청 in the text
    assert t["gh-008"] == {"청계광장"}


def test_reimport_adds_nothing(tmp_path):
    cache = open_cache(tmp_path)
    import_file(cache, GJ / "gwanghwamun_posts.geojson", fmt="geojson", purpose="public-order")
    again = import_file(cache, GJ / "gwanghwamun_posts.geojson", fmt="geojson", purpose="public-order")
    assert (again.stats.accepted, again.stats.duplicates) == (0, 4)
    assert counts(cache) == (4, 2)


def test_single_feature_with_altitude(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, GJ / "single_feature.geojson", fmt="geojson", purpose="public-order")
    assert result.stats.accepted == 1
    it = items(cache)["single-1"]
    assert (it["lat"], it["lon"], it["when"]) == (37.5759, 126.9769, "2024-03-01T06:00:00Z")
    assert it["author"] == "종로서_상황실" and it["text"].startswith("광화문역")
    assert tags(cache)["single-1"] == {"광화문역"}


def test_projected_crs_is_reprojected(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, GJ / "epsg5179_points.geojson", fmt="geojson", purpose="public-order")
    assert result.stats.accepted == 2
    got = items(cache)
    assert got["101"]["lat"] == pytest.approx(37.5759, abs=1e-6)
    assert got["101"]["lon"] == pytest.approx(126.9769, abs=1e-6)
    assert got["102"]["lat"] == pytest.approx(37.5663, abs=1e-6)
    assert got["102"]["lon"] == pytest.approx(126.9779, abs=1e-6)
    assert got["101"]["when"] == "2024-03-01T04:00:00Z"
    assert any("EPSG::5179" in n and "WGS84" in n for n in result.stats.notes)


@pytest.mark.parametrize("name", ["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326"])
def test_wgs84_crs_is_left_alone(tmp_path, name):
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": name}},
           "features": [point(126.9769, 37.5759, {"time": "2024-03-01T05:00:00Z"}, "w")]}
    cache = open_cache(tmp_path)
    import_file(cache, write_json(tmp_path, doc), fmt="geojson", purpose="public-order")
    it = items(cache)["w"]
    assert (it["lat"], it["lon"]) == (37.5759, 126.9769)


@pytest.mark.parametrize("crs", [
    {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}},
    {"type": "link", "properties": {"href": "http://example.org/crs", "type": "proj4"}},
    "EPSG:5179",
])
def test_unknown_crs_is_refused_and_nothing_kept(tmp_path, crs):
    doc = {"type": "FeatureCollection", "crs": crs,
           "features": [point(953809.83, 1953075.51, {"time": "2024-03-01T05:00:00Z"}, "m")]}
    cache = open_cache(tmp_path)
    with pytest.raises(ImportFailed):
        import_file(cache, write_json(tmp_path, doc), fmt="geojson", purpose="public-order")
    assert counts(cache) == (0, 0)


def test_metres_without_crs_are_never_plotted(tmp_path):
    doc = {"type": "FeatureCollection",
           "features": [point(953809.83, 1953075.51, {"time": "2024-03-01T05:00:00Z"}, "m")]}
    cache = open_cache(tmp_path)
    result = import_file(cache, write_json(tmp_path, doc), fmt="geojson", purpose="public-order")
    assert result.stats.accepted == 0
    assert "out of range" in result.skips[0].reason


@pytest.mark.parametrize("content", [b"", b"not json at all", b"{\"type\": \"Topology\"}", b"[1, 2, 3]",
                                     b"{\"type\": \"FeatureCollection\", \"features\": 5}", b"\xff\xfe\x00{"])
def test_not_geojson_is_refused(tmp_path, content):
    p = tmp_path / "bad.geojson"
    p.write_bytes(content)
    cache = open_cache(tmp_path)
    with pytest.raises(ImportFailed):
        import_file(cache, p, fmt="geojson", purpose="public-order")
    assert counts(cache) == (0, 0)


def test_field_overrides(tmp_path):
    doc = {"type": "FeatureCollection", "features": [
        point(126.9769, 37.5759, {"보고시각": "2024-03-01 09:00", "비고": "현장 메모 #메모", "담당": "1팀", "관리번호": "A-7",
                                  "time": "1999-01-01T00:00:00Z"}),
    ]}
    p = write_json(tmp_path, doc)
    cache = open_cache(tmp_path)
    opts = ImportOptions(time_field="보고시각", text_field="비고", author_field="담당", id_field="관리번호",
                         source="jongno-cctv", tz="UTC")
    result = import_file(cache, p, fmt="geojson", options=opts, purpose="public-order")
    assert result.stats.accepted == 1
    it = items(cache)["A-7"]
    assert (it["source"], it["when"], it["text"], it["author"]) == ("jongno-cctv", "2024-03-01T09:00:00Z",
                                                                     "현장 메모 #메모", "1팀")
    assert any("UTC as given by --tz" in n for n in result.stats.notes)


def test_naming_a_missing_field_refuses_the_file(tmp_path):
    p = GJ / "gwanghwamun_posts.geojson"
    cache = open_cache(tmp_path)
    with pytest.raises(ImportFailed, match="보고시각"):
        import_file(cache, p, fmt="geojson", options=ImportOptions(time_field="보고시각"), purpose="public-order")
    assert counts(cache) == (0, 0)


def test_unknown_zone_option_refuses_the_file(tmp_path):
    cache = open_cache(tmp_path)
    with pytest.raises(ImportFailed, match="Mars/Olympus"):
        import_file(cache, GJ / "gwanghwamun_posts.geojson", fmt="geojson", options=ImportOptions(tz="Mars/Olympus"), purpose="public-order")
    assert counts(cache) == (0, 0)


def test_odd_values_are_skipped_not_fatal(tmp_path):
    doc = {"type": "FeatureCollection", "features": [
        point(126.9769, 37.5759, {"time": "2024-03-01T05:00:00Z", "text": "깨진 서로게이트 \ud800 😀"}, "s"),
        point(10**400, 37.5, {"time": "2024-03-01T05:00:00Z"}, "big"),
        point(True, 37.5, {"time": "2024-03-01T05:00:00Z"}, "bool"),
        point(126.97, 37.57, {"time": 10**400}, "bigtime"),
        point(126.97, 37.57, {"time": "어제 오후"}, "words"),
        point(0, 0, {"time": "2024-03-01T05:00:00Z"}, "null-island"),
        "not a feature",
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [126.97, 37.57]}, "properties": [1]},
    ]}
    cache = open_cache(tmp_path)
    # A lone surrogate only exists as a JSON escape, so this file is written in ASCII.
    result = import_file(cache, write_json(tmp_path, doc, ascii=True), fmt="geojson", purpose="public-order")
    assert result.stats.accepted == 1 and result.stats.skipped == 7
    assert items(cache)["s"]["text"] == "깨진 서로게이트 \ufffd 😀"
    assert [s.where for s in result.skips] == [f"feature {n}" for n in range(2, 9)]


def test_spreadsheet_rounded_ids_get_a_hash(tmp_path):
    doc = {"type": "FeatureCollection", "features": [
        point(126.9769, 37.5759, {"time": "2024-03-01T05:00:00Z", "id": "1.76446E+18", "text": "하나"}),
        point(126.9779, 37.5663, {"time": "2024-03-01T05:01:00Z", "id": "1.76446E+18", "text": "둘"}),
    ]}
    cache = open_cache(tmp_path)
    result = import_file(cache, write_json(tmp_path, doc), fmt="geojson", purpose="public-order")
    assert result.stats.accepted == 2
    assert all(sid.startswith("sha1:") for sid in items(cache))
    assert any("1.76446E+18" in n for n in result.stats.notes)


def test_detection_picks_geojson(installed_formats):
    for name in ("gwanghwamun_posts.geojson", "single_feature.geojson", "epsg5179_points.geojson"):
        assert detect_format(GJ / name) == "geojson"


def test_sniff_scores():
    assert geojson.sniff(b'{"type": "FeatureCollection", "features": []}', GJ / "x.json") == 60
    assert geojson.sniff(b'{"type":"Feature","geometry":null}', GJ / "x.json") == 40
    assert geojson.sniff(b"id,lat,lon\n1,2,3\n", GJ / "x.csv") == 0
    assert geojson.sniff(b"<kml/>", GJ / "x.geojson") == 0


def test_time_property_vocabulary_and_the_property_used_is_said(tmp_path):
    doc = {"type": "FeatureCollection", "features": [
        point(126.9769, 37.5759, {"접수일시": "2026-11-14 14:03", "내용": "광화문 앞"}),
        point(126.9769, 37.5759, {"접수일시": "2026-11-14 14:04", "내용": "시청 앞"}),
        point(126.9769, 37.5759, {"발생시각": "2026-11-14 오후 2:05", "내용": "종각"}),
    ]}
    cache = open_cache(tmp_path)
    result = import_file(cache, write_json(tmp_path, doc), fmt="geojson", purpose="public-order")
    assert result.stats.accepted == 3
    assert sorted(r["when"] for r in items(cache).values()) == [
        "2026-11-14T05:03:00Z", "2026-11-14T05:04:00Z", "2026-11-14T05:05:00Z"]
    assert "time from properties '접수일시' (2), '발생시각' (1), features differ" in result.stats.notes
    one = {"type": "FeatureCollection", "features": [point(126.9769, 37.5759, {"time": "2026-11-14T05:00:00Z"})]}
    cache = open_cache(tmp_path / "b")
    assert "time from property 'time'" in import_file(cache, write_json(tmp_path, one, "b.geojson"), purpose="public-order").stats.notes
