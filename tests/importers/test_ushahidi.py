"""Ushahidi v2 and v3 exports into a real cache file."""

from __future__ import annotations

import pytest

from desktop.importers import csvfile, detect_format, import_file, ushahidi
from desktop.importers.base import ImportFailed, ImportOptions
from tests.importers.tabular_helpers import (  # noqa: F401  (installed_formats is a fixture)
    FIXTURES, batch_notes, counts, installed_formats, items, open_cache, tags,
)

USH = FIXTURES / "ushahidi"


def test_v2_export(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, USH / "v2_export.csv", fmt="ushahidi", purpose="public-order")
    assert (result.stats.accepted, result.stats.skipped) == (2, 2)
    got = items(cache)
    assert set(got) == {"101", "102"}  # source_id is the '#' column
    a = got["101"]
    assert (a["lat"], a["lon"], a["precision"], a["source"]) == (37.5759, 126.9769, "exact", "ushahidi")
    assert a["when"] == "2024-03-01T05:00:00Z"  # server-local 14:00 read as KST
    assert a["text"] == "광화문 집회 인원 급증\n무대 앞 인파 밀집, 압사 우려 😰 #안전"  # title + description
    assert a["place_name"] == "광화문광장"
    assert a["author"] == "지현 이"
    assert a["extra"] == {"approved": True, "verified": False}
    assert tags(cache) == {"101": {"집회", "인파_밀집", "안전"}, "102": {"교통_통제"}}
    reasons = {s.where: s.reason for s in result.skips}
    assert "swapped" in reasons["line 4"]
    assert reasons["line 5"] == "no date"
    assert any("Asia/Seoul" in n for n in batch_notes(cache))


def test_v3_export_with_hxl_row(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, USH / "v3_export.csv", fmt="ushahidi", purpose="public-order")
    assert (result.stats.accepted, result.stats.skipped) == (3, 0)  # the HXL row is not a report
    got = items(cache)
    a, b, c = got["5001"], got["5002"], got["5003"]
    assert (a["lat"], a["lon"]) == (37.5761, 126.9768)
    assert (b["lat"], b["lon"]) == (37.5657, 126.9770)
    assert (c["lat"], c["precision"]) == (None, "unknown")  # no location: timeline only
    assert [r["when"] for r in (a, b, c)] == ["2024-03-01T05:00:00Z", "2024-03-01T05:10:00Z", "2024-03-01T05:20:00Z"]
    assert a["text"] == "광화문 북측 응급환자 발생 🚑\n무대 뒤편에서 쓰러진 시민 1명"
    assert a["extra"] == {"status": "published", "survey": "현장 제보"}
    assert tags(cache)["5001"] == {"응급", "인파_밀집"}
    assert tags(cache)["5002"] == {"교통_통제", "시청역"}
    assert any("no location" in n for n in result.stats.notes)


def test_v3_created_utc_is_not_shifted(tmp_path):
    p = tmp_path / "v3.csv"
    p.write_text("Post ID,Created (UTC),Title,Description,위치.lat,위치.lon\n"
                 "#meta +id,#date +created,#meta +title,#description,#geo +lat,#geo +lon\n"
                 "9,2024-03-01 05:00:00,제목,본문 🙂,37.5759,126.9769\n", encoding="utf-8")
    cache = open_cache(tmp_path)
    result = import_file(cache, p, fmt="ushahidi", purpose="public-order")
    it = items(cache)["9"]
    assert (it["when"], it["lat"], it["lon"]) == ("2024-03-01T05:00:00Z", 37.5759, 126.9769)
    assert not any("Asia/Seoul" in n for n in result.stats.notes)


def test_reimport_adds_nothing(tmp_path):
    cache = open_cache(tmp_path)
    for name in ("v2_export.csv", "v3_export.csv"):
        import_file(cache, USH / name, fmt="ushahidi", purpose="public-order")
        again = import_file(cache, USH / name, fmt="ushahidi", purpose="public-order")
        assert again.stats.accepted == 0
    assert counts(cache) == (5, 4)


def test_detection_prefers_ushahidi_over_csv(installed_formats):
    for name in ("v2_export.csv", "v3_export.csv"):
        head = (USH / name).read_bytes()
        assert ushahidi.sniff(head, USH / name) > csvfile.sniff(head, USH / name) > 0
        assert detect_format(USH / name) == "ushahidi"


def test_generic_csv_is_not_ushahidi(tmp_path):
    head = (FIXTURES / "csv" / "korean_bom.csv").read_bytes()
    assert ushahidi.sniff(head, FIXTURES / "csv" / "korean_bom.csv") == 0
    cache = open_cache(tmp_path)
    with pytest.raises(ImportFailed, match="not an Ushahidi export"):
        import_file(cache, FIXTURES / "csv" / "tab_separated.tsv", fmt="ushahidi", purpose="public-order")
    assert counts(cache) == (0, 0)


def test_cp949_v2_export_and_options(tmp_path):
    p = tmp_path / "v2_cp949.csv"
    p.write_bytes(("#,INCIDENT TITLE,INCIDENT DATE,LOCATION,DESCRIPTION,CATEGORY,LATITUDE,LONGITUDE,APPROVED,VERIFIED\r\n"
                   "7,종로 교통 통제,2024-03-01 14:00:00,종로,종각역 부근,교통,37.5702,126.9831,YES,YES\r\n").encode("cp949"))
    cache = open_cache(tmp_path)
    result = import_file(cache, p, fmt="ushahidi", options=ImportOptions(tz="UTC"), purpose="public-order")
    it = items(cache)["7"]
    assert it["when"] == "2024-03-01T14:00:00Z" and it["text"] == "종로 교통 통제\n종각역 부근"
    assert any("CP949" in n for n in result.stats.notes)
