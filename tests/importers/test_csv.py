"""CSV import into a real cache file: encodings, delimiters, column detection, broken
quotes, swapped coordinates, spreadsheet-rounded ids."""

from __future__ import annotations

import pytest

from desktop.importers import csvfile, detect_format, import_file
from desktop.importers.base import ImportContext, ImportFailed, ImportOptions
from tests.importers.tabular_helpers import (  # noqa: F401  (installed_formats is a fixture)
    FIXTURES, batch_notes, counts, installed_formats, items, open_cache, tags,
)

CSV = FIXTURES / "csv"


def write(tmp_path, text: str, name="f.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_utf8_bom_with_korean_headers(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, CSV / "korean_bom.csv", fmt="csv", purpose="public-order")
    assert (result.stats.accepted, result.stats.skipped) == (3, 2)
    got = sorted(items(cache).values(), key=lambda r: r["t_ms"])
    assert [r["when"] for r in got] == ["2024-03-01T05:00:00Z", "2024-03-01T05:10:00Z", "2024-03-01T05:30:00Z"]
    assert [(r["lat"], r["lon"]) for r in got] == [(37.5759, 126.9769), (37.5663, 126.9779), (37.5688, 126.9783)]
    assert got[0]["author"] == "시민제보" and got[0]["text"].startswith("광화문 광장")
    assert got[1]["text"] == '서울광장 앞 "세종대로" 통제, 우회 바람 🚧 #시청'
    assert got[2]["text"] == "청계광장 부근\n두 줄로 쓴 제보 👥 #청계광장"  # a quoted line break is one record
    assert all(r["source"] == "csv" and r["precision"] == "exact" for r in got)
    reasons = {s.where: s.reason for s in result.skips}
    assert "swapped" in reasons["line 4"]
    assert reasons["line 5"] == "no time"
    notes = batch_notes(cache)
    assert any("UTF-8 with a byte-order mark" in n for n in notes)
    assert any("Asia/Seoul" in n and "by default" in n for n in notes)
    assert set().union(*tags(cache).values()) == {"광화문", "집회", "시청", "청계광장"}


def test_reimport_adds_nothing(tmp_path):
    cache = open_cache(tmp_path)
    import_file(cache, CSV / "korean_bom.csv", fmt="csv", purpose="public-order")
    again = import_file(cache, CSV / "korean_bom.csv", fmt="csv", purpose="public-order")
    assert (again.stats.accepted, again.stats.duplicates) == (0, 3)
    assert counts(cache) == (3, 2)


def test_cp949_file(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, CSV / "cp949_reports.csv", fmt="csv", purpose="public-order")
    assert result.stats.accepted == 3
    got = sorted(items(cache).values(), key=lambda r: r["t_ms"])
    assert got[0]["text"] == "광화문 광장 집회 시작 #광화문" and got[0]["author"] == "종로경찰서"
    assert "똠양꿍" in got[2]["text"]  # only in CP949, not EUC-KR
    assert got[1]["when"] == "2024-03-01T05:30:00Z"
    assert any("CP949" in n for n in result.stats.notes)


def test_encoding_option(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, CSV / "cp949_reports.csv", fmt="csv", options=ImportOptions(encoding="cp949"), purpose="public-order")
    assert result.stats.accepted == 3
    assert any("--encoding" in n for n in result.stats.notes)
    with pytest.raises(ImportFailed, match="klingon"):
        import_file(cache, CSV / "cp949_reports.csv", fmt="csv", options=ImportOptions(encoding="klingon"), purpose="public-order")
    with pytest.raises(ImportFailed, match="line 2"):
        import_file(cache, CSV / "tab_separated.tsv", fmt="csv", options=ImportOptions(encoding="ascii"), purpose="public-order")
    assert counts(cache) == (3, 1)


def test_undecodable_file_names_line_and_offset(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes(b"id,time,lat,lon\n1,2024-03-01 14:00,37.5,126.9\n2,\xff\xff,37.5,126.9\n")
    cache = open_cache(tmp_path)
    with pytest.raises(ImportFailed) as err:
        import_file(cache, p, fmt="csv", purpose="public-order")
    assert "line 3" in err.value.reason and "offset 48" in err.value.reason
    assert counts(cache) == (0, 0)


def test_combined_lat_lon_column(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, CSV / "latlon_combined.csv", fmt="csv", purpose="public-order")
    got = items(cache)
    assert (got["c-1"]["lat"], got["c-1"]["lon"]) == (37.5759, 126.9769)
    assert (got["c-2"]["lat"], got["c-2"]["lon"]) == (37.5663, 126.9779)
    assert got["c-1"]["when"] == "2024-03-01T05:00:00Z"
    assert tags(cache)["c-1"] == {"교통통제", "광화문"}
    assert [s.where for s in result.skips] == ["line 4"]


def test_wkt_column(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, CSV / "wkt_points.csv", fmt="csv", purpose="public-order")
    got = items(cache)
    assert (got["w-1"]["lat"], got["w-1"]["lon"], got["w-1"]["author"]) == (37.5759, 126.9769, "현장1팀")
    assert (got["w-2"]["lat"], got["w-2"]["lon"]) == (37.5663, 126.9779)
    assert got["w-2"]["when"] == "2024-03-01T05:05:00Z"
    assert result.skips[0].where == "line 4" and "WKT point" in result.skips[0].reason


def test_tab_separated(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, CSV / "tab_separated.tsv", fmt="csv", purpose="public-order")
    assert result.stats.accepted == 2
    got = sorted(items(cache).values(), key=lambda r: r["t_ms"])
    assert [(r["lat"], r["lon"], r["when"]) for r in got] == [
        (37.5759, 126.9769, "2024-03-01T05:00:00Z"), (37.5663, 126.9779, "2024-03-01T05:20:00Z")]
    assert got[1]["text"] == "시청 앞 버스 우회 운행 중 🚌, 참고 바람"


def test_semicolon_with_decimal_commas(tmp_path):
    p = write(tmp_path, "Date;Latitude;Longitude;Text\n2024-03-01T05:00:00Z;37,5759;126,9769;세미콜론 파일 🇰🇷\n")
    cache = open_cache(tmp_path)
    import_file(cache, p, fmt="csv", purpose="public-order")
    (it,) = items(cache).values()
    assert (it["lat"], it["lon"], it["text"]) == (37.5759, 126.9769, "세미콜론 파일 🇰🇷")


def test_spreadsheet_rounded_ids_are_not_used(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, CSV / "spreadsheet_ids.csv", fmt="csv", purpose="public-order")
    assert result.stats.accepted == 3  # the two rounded ids are equal, but the rows are not
    ids = set(items(cache))
    assert "1764460000000000123" in ids
    assert "1.76446E+18" not in ids
    assert sum(sid.startswith("sha1:") for sid in ids) == 2
    assert any("1.76446E+18" in n and "2 ids" in n for n in result.stats.notes)
    again = import_file(cache, CSV / "spreadsheet_ids.csv", fmt="csv", purpose="public-order")
    assert again.stats.accepted == 0  # the hashes are stable


def test_unterminated_quote_mid_file_skips_the_merged_lines(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, CSV / "unterminated_quote.csv", fmt="csv", purpose="public-order")
    assert set(items(cache)) == {"q-1", "q-4"}
    (skip,) = result.skips
    assert skip.where == "line 3" and "quote" in skip.reason and "3–4" in skip.reason


def test_unterminated_quote_to_end_of_file_refuses_the_file(tmp_path):
    cache = open_cache(tmp_path)
    with pytest.raises(ImportFailed) as err:
        import_file(cache, CSV / "unterminated_to_eof.csv", fmt="csv", purpose="public-order")
    assert err.value.reason.startswith("line 3:") and "quote" in err.value.reason
    assert counts(cache) == (0, 0)


def test_wrong_field_count_is_skipped_with_line(tmp_path):
    p = write(tmp_path, "id,time,lat,lon,text\na,2024-03-01T05:00:00Z,37.5,126.9,ok\n"
                        "b,2024-03-01T05:00:00Z,37.5,126.9,쉼표가, 섞인 글\nc,2024-03-01T05:00:00Z,37.5,126.9,ok,,\n")
    cache = open_cache(tmp_path)
    result = import_file(cache, p, fmt="csv", purpose="public-order")
    assert set(items(cache)) == {"a", "c"}  # trailing empty fields are tolerated
    assert [(s.where, s.reason) for s in result.skips] == [("line 3", "6 fields, the header has 5")]


def test_every_row_swapped_refuses_the_file(tmp_path):
    cache = open_cache(tmp_path)
    with pytest.raises(ImportFailed) as err:
        import_file(cache, CSV / "all_swapped.csv", fmt="csv", purpose="public-order")
    assert "swapped" in err.value.reason and "--lat-field" in err.value.reason
    assert counts(cache) == (0, 0)


def test_lat_lon_field_options(tmp_path):
    cache = open_cache(tmp_path)
    # The user says which column is which: the swapped file reads correctly.
    result = import_file(cache, CSV / "all_swapped.csv", fmt="csv", options=ImportOptions(lat_field="LON", lon_field="lat"), purpose="public-order")
    assert result.stats.accepted == 3
    assert (items(cache)["s-1"]["lat"], items(cache)["s-1"]["lon"]) == (37.5759, 126.9769)
    with pytest.raises(ImportFailed, match="위도2"):
        import_file(cache, CSV / "korean_bom.csv", fmt="csv", options=ImportOptions(lat_field="위도2", lon_field="경도"), purpose="public-order")
    with pytest.raises(ImportFailed, match="작성시각"):
        import_file(cache, CSV / "korean_bom.csv", fmt="csv", options=ImportOptions(time_field="작성시각"), purpose="public-order")


def test_timezone_and_source_options(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, CSV / "korean_bom.csv", fmt="csv", options=ImportOptions(tz="UTC", source="112-calls"), purpose="public-order")
    got = sorted(items(cache).values(), key=lambda r: r["t_ms"])
    assert got[0]["when"] == "2024-03-01T14:00:00Z" and got[0]["source"] == "112-calls"
    assert any("UTC as given by --tz" in n for n in result.stats.notes)


def test_rows_without_position_stay_on_the_timeline(tmp_path):
    p = write(tmp_path, "id,time,lat,lon,text\na,2024-03-01T05:00:00Z,,,위치 없음\nb,2024-03-01T05:00:00Z,37.5,,반쪽\n"
                        "c,2024-03-01T05:00:00Z,37.5759,126.9769,있음\n")
    cache = open_cache(tmp_path)
    result = import_file(cache, p, fmt="csv", purpose="public-order")
    got = items(cache)
    assert (got["a"]["lat"], got["a"]["precision"]) == (None, "unknown")
    assert got["c"]["precision"] == "exact"
    assert result.skips[0].where == "line 3" and "only one" in result.skips[0].reason
    assert any("no position" in n for n in result.stats.notes)


@pytest.mark.parametrize("text, match", [
    ("id,time,text\n1,2024-03-01T05:00:00Z,위치 열 없음\n", "no position columns"),
    ("id,lat,lon,text\n1,37.5,126.9,시간 열 없음\n", "no time column"),
    ("\n\n", "empty"),
    ("id,x,y,time\n1,197000.5,551000.2,2024-03-01T05:00:00Z\n", "no row has a usable position"),
])
def test_files_that_cannot_work_are_refused(tmp_path, text, match):
    cache = open_cache(tmp_path)
    with pytest.raises(ImportFailed, match=match):
        import_file(cache, write(tmp_path, text), fmt="csv", purpose="public-order")
    assert counts(cache) == (0, 0)


def test_rows_are_streamed(tmp_path):
    # The first row comes out before the reader has seen the broken end of the file.
    p = write(tmp_path, "id,time,lat,lon,text\na,2024-03-01T05:00:00Z,37.5759,126.9769,먼저\n"
                        + "".join(f"r{i},2024-03-01T05:00:00Z,37.5,126.9,행\n" for i in range(1000))
                        + 'z,2024-03-01T05:00:00Z,37.5,126.9,"끝까지 열린 따옴표\n')
    rows = csvfile.read(p, ImportContext(path=p))
    assert next(rows).source_id.startswith("a#")
    with pytest.raises(ImportFailed, match="line 1003"):
        list(rows)


def test_detection_picks_csv(installed_formats):
    for name in ("korean_bom.csv", "cp949_reports.csv", "latlon_combined.csv", "wkt_points.csv", "tab_separated.tsv",
                 "spreadsheet_ids.csv", "all_swapped.csv"):
        assert detect_format(CSV / name) == "csv", name


def test_decomposed_hangul_headers_and_tags(tmp_path):
    import unicodedata

    text = "작성일시,위도,경도,내용\n2024-03-01 14:00:00,37.5759,126.9769,맥에서 저장한 파일 #광화문\n"
    cache = open_cache(tmp_path)
    result = import_file(cache, write(tmp_path, unicodedata.normalize("NFD", text)), fmt="csv", purpose="public-order")
    assert result.stats.accepted == 1
    (it,) = items(cache).values()
    assert it["text"] == "맥에서 저장한 파일 #광화문" and it["when"] == "2024-03-01T05:00:00Z"
    assert list(tags(cache).values()) == [{"광화문"}]


def test_unclosed_quote_in_a_long_file_stops_at_the_field_limit(tmp_path):
    body = "".join(f"r{i},2024-03-01T05:00:00Z,37.5,126.9,행 {i}\n" for i in range(6000))
    p = write(tmp_path, 'id,time,lat,lon,text\na,2024-03-01T05:00:00Z,37.5,126.9,"열린 따옴표\n' + body)
    cache = open_cache(tmp_path)
    with pytest.raises(ImportFailed, match="^.*line 2: a field starting here runs on past"):
        import_file(cache, p, fmt="csv", purpose="public-order")
    assert counts(cache) == (0, 0)


def test_two_exports_numbering_rows_alike_do_not_merge(tmp_path):
    from desktop.cache import Cache
    from desktop.importers import import_file

    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text("id,lat,lon,time,text\n1,37.57,126.97,2026-11-14 14:00,광화문 A\n", encoding="utf-8")
    b.write_text("id,lat,lon,time,text\n1,35.15,129.06,2026-11-14 14:05,서면 B\n", encoding="utf-8")
    cache = Cache.open(tmp_path / "c.db")
    assert import_file(cache, a, purpose="public-order").stats.accepted == 1
    assert import_file(cache, b, purpose="public-order").stats.accepted == 1
    assert import_file(cache, b, purpose="public-order").stats.accepted == 0  # the same file again is still a no-op


@pytest.mark.parametrize("column", ["작성시간", "등록일시", "발생일시", "시각", "timestamp", "datetime", "Created_At",
                                    "작성 시간", "작성_일시", "접수일시", "신고 일시", "발생시각", "Created At", "createdAt",
                                    "Date/Time", "date-time", "TIME_STAMP", "Event Time", "일시", "시간", "time", "날짜"])
def test_time_column_vocabulary_and_the_column_used_is_said(tmp_path, column):
    cache = open_cache(tmp_path)
    p = write(tmp_path, f"위도,경도,{column},내용\n37.5759,126.9769,2026-11-14 14:03,광화문 앞 인파\n")
    result = import_file(cache, p, fmt="csv", purpose="public-order")
    assert result.stats.accepted == 1
    (got,) = items(cache).values()
    assert got["when"] == "2026-11-14T05:03:00Z"  # read in Asia/Seoul
    assert any(n == f"time from column '{column}'" for n in batch_notes(cache)), batch_notes(cache)


def test_date_and_time_in_two_columns_are_joined(tmp_path):
    cache = open_cache(tmp_path)
    p = write(tmp_path, "날짜,시간,위도,경도,내용\n2026-11-14,14:03,37.5759,126.9769,첫째\n"
                        "2026-11-14,14:05:30,37.5759,126.9769,둘째\n,14:07,37.5759,126.9769,날짜 없음\n")
    result = import_file(cache, p, fmt="csv", purpose="public-order")
    assert (result.stats.accepted, result.stats.skipped) == (2, 1)
    assert sorted(r["when"] for r in items(cache).values()) == ["2026-11-14T05:03:00Z", "2026-11-14T05:05:30Z"]
    assert "without a date" in result.skips[0].reason and result.skips[0].where == "line 4"
    assert "time from columns '날짜' (date) and '시간' (time of day)" in batch_notes(cache)


@pytest.mark.parametrize("date_col, time_col, day, tod", [
    ("일자", "시각", "2026-11-14", "14:03"),
    ("date", "time", "2026-11-14", "2:03 PM"),
    ("Date", "Time", "2026/11/14", "02:03:00 pm"),
    ("작성일", "작성시간", "2026. 11. 14.", "오후 2:03"),
    ("등록 일자", "등록 시각", "2026-11-14 00:00:00", "1899-12-30 14:03:00"),  # Excel's date and time cells
    ("날짜", "시간", "2026년 11월 14일", "14시 03분"),
])
def test_split_date_and_time_columns_in_the_forms_spreadsheets_write(tmp_path, date_col, time_col, day, tod):
    cache = open_cache(tmp_path)
    p = write(tmp_path, f"{date_col},{time_col},위도,경도,내용\n{day},{tod},37.5759,126.9769,광화문\n")
    result = import_file(cache, p, fmt="csv", purpose="public-order")
    assert (result.stats.accepted, result.stats.skipped) == (1, 0), result.skips
    (got,) = items(cache).values()
    assert got["when"] == "2026-11-14T05:03:00Z"
    assert f"time from columns '{date_col}' (date) and '{time_col}' (time of day)" in batch_notes(cache)


def test_a_full_time_column_wins_over_a_time_of_day_and_mixed_rows_are_said(tmp_path):
    cache = open_cache(tmp_path)
    p = write(tmp_path, "time,timestamp,lat,lon\n14:03,2026-11-14 15:00,37.5759,126.9769\n")
    import_file(cache, p, fmt="csv", purpose="public-order")
    (got,) = items(cache).values()
    assert got["when"] == "2026-11-14T06:00:00Z" and "time from column 'timestamp'" in batch_notes(cache)
    cache = open_cache(tmp_path / "b")
    p = write(tmp_path, "날짜,시간,위도,경도\n2026-11-14,2026-11-14 15:00,37.5759,126.9769\n"
                        "2026-11-14,14:03,37.5759,126.9769\n", name="b.csv")
    import_file(cache, p, fmt="csv", purpose="public-order")
    assert sorted(r["when"] for r in items(cache).values()) == ["2026-11-14T05:03:00Z", "2026-11-14T06:00:00Z"]
    assert ("time from column '시간'; for 1 row(s) that give only the time of day, the date from '날짜'"
            in batch_notes(cache))


def test_the_notes_name_every_guessed_column(tmp_path):
    cache = open_cache(tmp_path)
    p = write(tmp_path, "작성 일시,위도,경도,내용,작성자,해시태그,장소,반경\n"
                        "2026-11-14 14:03,37.5759,126.9769,광화문 앞,시민1,집회,광화문광장,30\n")
    result = import_file(cache, p, fmt="csv", options=ImportOptions(tz="UTC"), purpose="public-order")
    assert result.stats.accepted == 1
    notes = batch_notes(cache)
    assert ("columns: position from '위도'/'경도', text from '내용', author from '작성자', hashtags from '해시태그', "
            "place from '장소', radius from '반경'") in notes
    assert "time from column '작성 일시'" in notes
    (got,) = items(cache).values()
    assert (got["when"], got["author"], got["place_name"], got["radius_m"]) == ("2026-11-14T14:03:00Z", "시민1",
                                                                                 "광화문광장", 30.0)


def test_no_text_column_is_said_and_hostile_names_stay_one_short_line(tmp_path):
    cache = open_cache(tmp_path)
    long_name = "x" * 500
    p = write(tmp_path, f'"작성\n시간",lat,lon,{long_name}\n2026-11-14 14:03,37.5759,126.9769,1\n')
    result = import_file(cache, p, fmt="csv", options=ImportOptions(time_field="작성\n시간"), purpose="public-order")
    assert result.stats.accepted == 1
    notes = batch_notes(cache)
    assert any(n.startswith("no text column") and "--text-field" in n for n in notes)
    assert "time from column '작성 시간' (as given by --time-field)" in notes
    assert all("\n" not in n and len(n) < 1000 for n in notes)


@pytest.mark.parametrize("value, want", [
    ("2026-11-14 오후 2:03:00", "2026-11-14T05:03:00Z"),
    ("2026. 11. 14. 오후 2:03", "2026-11-14T05:03:00Z"),
    ("2026. 11. 14. 오전 12:30:05", "2026-11-13T15:30:05Z"),   # 오전 12시 is just after midnight
    ("2026-11-14 오후 12:10", "2026-11-14T03:10:00Z"),          # 오후 12시 is noon
    ("2026년 11월 14일 (토) 14시 03분", "2026-11-14T05:03:00Z"),
    ("2026/11/14 2:03 PM", "2026-11-14T05:03:00Z"),
    ("2026-1-5 9:07", "2026-01-05T00:07:00Z"),
])
def test_local_time_forms(value, want):
    from desktop.importers.base import parse_time
    from tests.importers.tabular_helpers import utc

    assert utc(parse_time(value, ImportContext(path=None))) == want  # no zone: Asia/Seoul


@pytest.mark.parametrize("value", ["2026-11-14 오후 13:00", "2026-11-14 오후 2:03 PM", "2026-13-01 1:00",
                                   "2026-11-14" + " " * 5000 + "x", "오후 2:03", "2026-11-14 25:00"])
def test_local_time_forms_refuse_what_they_cannot_mean(value):
    from desktop.importers.base import BadRecord, parse_time

    with pytest.raises(BadRecord):
        parse_time(value, ImportContext(path=None))
