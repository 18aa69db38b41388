"""Cursor-on-Target: the file importer into a real cache, parse_event, and the stream framer."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

import desktop.importers as importers
from desktop.cache import Cache
from desktop.importers import ImportOptions, detect_format, import_file
from desktop.importers.base import BadRecord, ImportFailed
from desktop.importers.cot import parse_event
from desktop.importers.xmlsafe import CotStreamParser, Dropped, parse_bytes, XmlRefused
from desktop.core.model import DeleteUnit, Item, Precision, Unit, to_ms

FIX = Path(__file__).parent.parent / "fixtures" / "cot"
SINGLE = FIX / "single_event.xml"
STREAM = FIX / "stream.xml"
LAUGHS = FIX / "billion_laughs.xml"


def utc_ms(*args: int) -> int:
    return to_ms(datetime(*args, tzinfo=timezone.utc))


@pytest.fixture
def cache(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    yield c
    c.close()


@pytest.fixture
def known_formats(monkeypatch):
    """Detection over the importers that exist yet (others are being written alongside)."""
    present = []
    for fmt in importers.FORMATS:
        try:
            importers._module(fmt)
        except ImportError:
            continue
        present.append(fmt)
    monkeypatch.setattr(importers, "FORMATS", tuple(present))


def items(cache: Cache) -> list[dict]:
    cur = cache.conn.execute("SELECT * FROM items ORDER BY t_ms, source_id")
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur]


def units(cache: Cache) -> dict[str, dict]:
    cur = cache.conn.execute("SELECT * FROM units")
    cols = [d[0] for d in cur.description]
    return {row[0]: dict(zip(cols, row)) for row in cur}


def count(cache: Cache, table: str) -> int:
    return cache.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# --- the file importer ----------------------------------------------------------------

def test_single_police_unit_event(cache):
    result = import_file(cache, SINGLE, purpose="public-order")
    assert result.format == "cot"
    assert (result.stats.accepted, result.stats.units, result.stats.skipped) == (1, 1, 0)
    [row] = items(cache)
    assert row["kind"] == "field_update" and row["source"] == "tak"
    assert row["t_ms"] == utc_ms(2024, 6, 1, 5, 12, 33) + 123
    assert row["source_id"] == f"ANDROID-7f3c2a91d4e05b68@{row['t_ms']}"
    assert (row["lat"], row["lon"], row["precision"], row["radius_m"]) == (37.5759, 126.9769, "exact", 9.9)
    assert row["text"] == "광화문광장 북측 인파 약 3,000명 🚨\n세종대왕상 앞 폴리스라인 유지 중\n#광화문 #인파관리"
    assert (row["author"], row["callsign"], row["unit_uid"]) == ("종로12", "종로12", "ANDROID-7f3c2a91d4e05b68")
    assert json.loads(row["hashtags"]) == ["광화문", "인파관리"]
    extra = json.loads(row["extra"])
    assert extra["cot_type"] == "a-f-G-U-i-l" and extra["how"] == "m-g"
    assert (extra["team"], extra["role"], extra["course"], extra["speed"], extra["battery"]) == (
        "Cyan", "Team Lead", 182.4, 1.35, 76)
    # Nine fraction digits in stale, three in time, none in start: all read.
    assert extra["stale_ms"] == utc_ms(2024, 6, 1, 5, 18, 33) + 123
    assert extra["emergency"] is None
    # Unknown children are kept verbatim in the detail.
    assert '<x-jongno-unit shift="주간" vehicle="12가3456" />' in extra["detail"]
    assert extra["detail"].startswith("<detail>") and extra["detail"].endswith("</detail>")
    u = units(cache)["ANDROID-7f3c2a91d4e05b68"]
    assert (u["callsign"], u["affiliation"], u["team"], u["role"]) == ("종로12", "f", "Cyan", "Team Lead")
    assert (u["lat"], u["lon"], u["t_ms"], u["stale_ms"]) == (37.5759, 126.9769, row["t_ms"], extra["stale_ms"])
    assert (u["course"], u["speed"]) == (182.4, 1.35)
    # Full-text search finds Hangul in the remarks.
    hit = cache.conn.execute("SELECT rowid FROM items_fts WHERE items_fts MATCH '\"폴리스\" AND \"리스라\" AND \"스라인\"'").fetchall()
    assert len(hit) == 1


def test_concatenated_stream(cache):
    result = import_file(cache, STREAM, purpose="public-order")
    s = result.stats
    # 12 events: 2 control messages, 1 delete, 1 without a fix (skipped), 8 items.
    assert (s.accepted, s.duplicates, s.units, s.skipped) == (8, 0, 5, 1)
    assert [(k.where, k.reason) for k in result.skips] == [
        ("event 11", "coordinates are 0,0 (null island): no real position")]
    rows = items(cache)
    assert len(rows) == 8
    # Control messages and the 0,0 report are never mapped.
    assert not [r for r in rows if r["source_id"].startswith(("protouid", "takPing", "ANDROID-jongno21"))]
    assert all(r["lat"] is not None and abs(r["lat"]) > 1 for r in rows)
    assert count(cache, "items_geo") == 8

    by_id = {r["source_id"]: r for r in rows}
    first = by_id[f"ANDROID-jongno12@{utc_ms(2024, 6, 1, 5, 10) + 500}"]
    assert first["text"] == "세종대로 사거리 도착\n교통 통제 지원 중 👮"
    assert first["radius_m"] == 4.8
    second = by_id[f"ANDROID-jongno12@{utc_ms(2024, 6, 1, 5, 11)}"]
    assert second["radius_m"] is None and second["precision"] == "exact"  # ce 9999999 = unknown
    assert json.loads(second["extra"])["hae"] is None

    # Units: the latest report per uid wins, a late older report changes nothing, MAPO-3 was deleted.
    u = units(cache)
    assert set(u) == {"ANDROID-jongno12", "ANDROID-jongno15"}
    j12 = u["ANDROID-jongno12"]
    assert (j12["callsign"], j12["t_ms"], j12["lat"], j12["lon"]) == (
        "JONGNO-12", utc_ms(2024, 6, 1, 5, 11), 37.5752, 126.9771)
    assert j12["stale_ms"] == utc_ms(2024, 6, 1, 5, 17) + 100
    assert (j12["course"], j12["speed"], j12["team"]) == (12.5, 1.2, "Blue")
    assert u["ANDROID-jongno15"]["callsign"] == "종로15"
    # The deleted unit's history stays on the timeline.
    mapo = [r for r in rows if r["unit_uid"] == "ANDROID-mapo3"]
    assert len(mapo) == 1 and mapo[0]["text"] == "서울광장 지원 </event> 종료 예정"
    assert "<shift_log><event n=\"1\">교대 시작</event>" in json.loads(mapo[0]["extra"])["detail"]


def test_geochat_message(cache):
    import_file(cache, STREAM, purpose="public-order")
    [chat] = [r for r in items(cache) if json.loads(r["extra"])["cot_type"] == "b-t-f"]
    assert chat["text"] == "세종대로 남측 차량 정체 😵\n</event> 같은 글자가 보여도 무시 #세종대로"
    assert (chat["author"], chat["author_id"], chat["unit_uid"]) == ("JONGNO-12", "ANDROID-jongno12", "ANDROID-jongno12")
    assert (chat["lat"], chat["lon"]) == (37.5752, 126.9771)  # the sender's position
    assert chat["t_ms"] == utc_ms(2024, 6, 1, 5, 12) + 40
    extra = json.loads(chat["extra"])
    assert extra["chat"] == {"room": "All Chat Rooms", "id": "All Chat Rooms", "sender_uid": "ANDROID-jongno12",
                             "message_id": "6f1d2c3b-8a7e-4b2d-9c1f-0e5a4d3c2b1a", "parent": "RootContactGroup"}
    assert json.loads(chat["hashtags"]) == ["세종대로"]
    assert not [k for k in units(cache) if k.startswith("GeoChat")]


def test_emergency_and_cancel(cache):
    import_file(cache, STREAM, purpose="public-order")
    flagged = [(json.loads(r["extra"])["emergency"], r) for r in items(cache)]
    flagged = [(e, r) for e, r in flagged if e]
    assert [e for e, _ in flagged] == ["b-a-o-tbl", "cancel"]
    alert = flagged[0][1]
    assert alert["text"] == "경찰관 1명 부상, 구급 지원 요청 🚑"
    assert (alert["unit_uid"], alert["callsign"]) == ("ANDROID-jongno15", "종로15-Alert")
    assert (alert["lat"], alert["lon"]) == (37.5712, 126.9779)
    assert "ANDROID-jongno15-9-1-1" not in units(cache)


def test_reimport_adds_nothing(cache):
    import_file(cache, STREAM, purpose="public-order")
    again = import_file(cache, STREAM, purpose="public-order")
    assert (again.stats.accepted, again.stats.duplicates) == (0, 8)
    assert count(cache, "items") == 8
    assert set(units(cache)) == {"ANDROID-jongno12", "ANDROID-jongno15"}


def test_entity_attack_is_refused_with_nothing_written(cache):
    with pytest.raises(ImportFailed) as err:
        import_file(cache, LAUGHS, purpose="public-order")
    assert str(LAUGHS) in str(err.value) and "DOCTYPE" in err.value.reason
    assert count(cache, "items") == 0 and count(cache, "batches") == 0 and count(cache, "units") == 0


def test_external_entity_is_refused(cache, tmp_path):
    p = tmp_path / "xxe.xml"
    p.write_text('<?xml version="1.0"?><!DOCTYPE event [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                 '<event uid="a" type="a-f-G" time="2024-06-01T05:00:00Z"><point lat="37.5" lon="127.0"/>'
                 '<detail><remarks>&x;</remarks></detail></event>', encoding="utf-8")
    with pytest.raises(ImportFailed, match="DOCTYPE"):
        import_file(cache, p, fmt="cot", purpose="public-order")
    assert count(cache, "batches") == 0


@pytest.mark.parametrize("content, reason", [
    (b"this is not XML at all\n", "no <event>"),
    (b'{"type": "FeatureCollection"}', "no <event>"),
    (b"<kml><Document/></kml>", "no <event>"),
])
def test_not_cot_is_refused(cache, tmp_path, content, reason):
    p = tmp_path / "x.xml"
    p.write_bytes(content)
    with pytest.raises(ImportFailed, match=reason):
        import_file(cache, p, fmt="cot", purpose="public-order")
    assert count(cache, "batches") == 0


def test_damaged_stream_skips_with_where(cache, tmp_path):
    good = SINGLE.read_bytes()
    p = tmp_path / "damaged.xml"
    p.write_bytes(good + b"\x00\x01 line noise \n" + good.replace(b"05:12:33.123Z", b"05:13:00Z")
                  + b'<event uid="x" type="a-f-G" time="not a time"><point lat="37" lon="127"/></event>'
                  + b'<event uid="y" type="a-f-G" time="2024-06-01T05:00:00Z"><point lat="37.5" lon="127.0"/><det')
    result = import_file(cache, p, purpose="public-order")
    assert result.stats.accepted == 2
    assert [k.where for k in result.skips] == ["after event 1", "event 3", "event 4"]
    assert "not a CoT event" in result.skips[0].reason
    assert "unrecognised time" in result.skips[1].reason
    assert "cut short at the end" in result.skips[2].reason


def test_detection(known_formats, tmp_path):
    assert detect_format(SINGLE) == "cot"
    assert detect_format(STREAM) == "cot"
    assert detect_format(LAUGHS) == "cot"  # detected, then refused by the reader
    p = tmp_path / "bare.cot"
    p.write_bytes(b"\xef\xbb\xbf\n  <event version='2.0' uid='a'/>")
    assert detect_format(p) == "cot"


def test_keep_raw(cache):
    import_file(cache, SINGLE, options=ImportOptions(keep_raw=True), purpose="public-order")
    [row] = items(cache)
    assert row["raw"].startswith('<event version="2.0" uid="ANDROID-7f3c2a91d4e05b68"')


# --- parse_event -----------------------------------------------------------------------

EVENT = ('<event version="2.0" uid="{uid}" type="{type}" how="m-g" time="{time}" start="{time}" '
         'stale="2024-06-01T05:20:00Z"><point lat="{lat}" lon="{lon}" hae="0" ce="{ce}" le="0"/>'
         '<detail>{detail}</detail></event>')


def ev(**kw) -> bytes:
    args = dict(uid="ANDROID-1", type="a-f-G-U-i-l", time="2024-06-01T05:00:00Z", lat=37.57, lon=126.98, ce=5,
                detail='<contact callsign="종로12"/>')
    args.update(kw)
    return EVENT.format(**args).encode("utf-8")


def test_parse_event_position_report():
    item, unit = parse_event(ev(), where="event 1")
    assert isinstance(item, Item) and isinstance(unit, Unit)
    assert item.precision is Precision.EXACT and item.radius_m == 5.0
    assert unit.affiliation == "f" and unit.callsign == "종로12"


@pytest.mark.parametrize("ce, radius", [("9999999", None), ("9999999.0", None), ("999999", None), ("-1", None),
                                        ("nan", None), ("12.5", 12.5), ("0", 0.0)])
def test_parse_event_error_radius(ce, radius):
    item, _ = parse_event(ev(ce=ce), where="event 1")
    assert item.radius_m == radius


def test_parse_event_control_and_delete():
    assert parse_event(ev(type="t-x-takp-q", lat=0, lon=0), where="e") == []
    assert parse_event(b'<event uid="takPing" type="t-x-c-t" time="2024-06-01T05:00:00Z"/>', where="e") == []
    recs = parse_event(ev(type="t-x-d-d", lat=0, lon=0, detail='<link uid="ANDROID-9" relation="none"/>'), where="e")
    assert recs == [DeleteUnit(uid="ANDROID-9")]
    with pytest.raises(BadRecord, match="names no uid"):
        parse_event(ev(type="t-x-d-d", detail=""), where="e")


def test_parse_event_emergency_in_position_report():
    item, unit = parse_event(ev(detail='<emergency type="911 Alert">종로12</emergency>'), where="e")
    assert item.extra["emergency"] == "b-a-o-tbl"
    [item] = parse_event(ev(type="b-a-o-pan"), where="e")  # an alert is not a map unit
    assert item.extra["emergency"] == "b-a-o-pan"


def test_parse_event_hostile_affiliation():
    _, unit = parse_event(ev(type="a-h-G"), where="e")
    assert unit.affiliation == "h"


@pytest.mark.parametrize("data, message", [
    (b"<event", "not well-formed"),
    (b"<point lat='1' lon='2'/>", "not a CoT event"),
    (ev(uid=""), "no uid"),
    (ev(time="2024-06-01T05:00:00+99:00"), "invalid time"),
    (ev(time="yesterday"), "unrecognised time"),
    (ev(lat=95), "out of range"),
    (ev(lat="abc"), "not numbers"),
    (ev(lat=0, lon=0), "0,0"),
    (ev(type="t-k"), "tasking message"),
    (b'<!DOCTYPE event><event uid="a" type="a-f-G" time="2024-06-01T05:00:00Z"/>', "DOCTYPE"),
    (b'<event uid="a" type="a-f-G" time="2024-06-01T05:00:00Z"><detail>' + b"<a>" * 3000 + b"</a>" * 3000
     + b"</detail></event>", "nested too deeply"),
])
def test_parse_event_bad(data, message):
    with pytest.raises(BadRecord, match=message) as err:
        parse_event(data, where="event 7")
    assert err.value.where == "event 7"


def test_chat_without_fix_is_kept_unpositioned():
    detail = '<__chat chatroom="All Chat Rooms" id="All Chat Rooms" senderCallsign="종로12"/><remarks>위치 없음</remarks>'
    [item] = parse_event(ev(type="b-t-f", lat=0, lon=0, detail=detail), where="e")
    assert item.lat is None and item.precision is Precision.UNKNOWN and item.text == "위치 없음"


def test_safe_parse_refuses_doctype_without_entities():
    with pytest.raises(XmlRefused, match="DOCTYPE"):
        parse_bytes(b'<!DOCTYPE event SYSTEM "http://example.org/x.dtd"><event/>')
    with pytest.raises(XmlRefused, match="over the 10-byte limit"):
        parse_bytes(b"<event uid='long'/>", max_bytes=10)


# --- the stream framer -----------------------------------------------------------------

def frames_of(data: bytes, step: int | None = None, **kw) -> tuple[list[bytes], CotStreamParser]:
    p = CotStreamParser(**kw)
    if step is None:
        return p.feed(data), p
    out: list[bytes] = []
    for i in range(0, len(data), step):
        out += p.feed(data[i:i + step])
    return out, p


def test_framer_splits_fixture_stream():
    data = STREAM.read_bytes()
    events, p = frames_of(data)
    assert len(events) == 12 and p.dropped == 0
    assert all(e.startswith(b"<event ") and e.endswith((b"</event>", b"/>")) for e in events)
    assert events[4].startswith(b'<event version="2.0" uid="takPing"') and events[4].endswith(b"/>")
    # Every read size, down to single bytes (which split Hangul and emoji), gives the same events.
    for step in (1, 2, 3, 7, 64, 4096):
        assert frames_of(data, step)[0] == events


def test_framer_resyncs_after_garbage_and_truncation():
    one = ev()
    data = (b"\r\n  \x00\x00 keep-alive \n" + one + b"garbage<html>" + b"<?xml version='1.0'?>"
            + one[:60] + b"<?xml version='1.0'?>\n" + one + b"   ")
    events, p = frames_of(data)
    assert events == [one, one]
    assert p.dropped == 3  # leading noise, "garbage<html>", the event cut short by a new declaration
    assert frames_of(data, 1)[0] == events and frames_of(data, 1)[1].dropped == 3


def test_framer_drops_oversized_events():
    big = ev(detail="<remarks>" + "가" * 30_000 + "</remarks>")  # 90 KB of Hangul
    small = ev()
    for step in (None, 1000, 1):
        events, p = frames_of(small + big + small, step)
        assert events == [small, small] and (p.dropped, p.oversized) == (1, 1)


def test_framer_nested_event_elements_and_cdata():
    tricky = (b'<event uid="a" type="a-f-G" time="2024-06-01T05:00:00Z"><detail note="a>b \'/event>\' &quot;">'
              b'<event/><event><event x="1"></event></event><![CDATA[</event><event>]]><!-- </event> -->'
              b'<remarks>&lt;/event&gt;</remarks></detail></event>')
    events, p = frames_of(tricky + b"\n" + tricky)
    assert events == [tricky, tricky] and p.dropped == 0


def test_framer_cut_inside_a_tag_resyncs_at_the_next_event():
    one = ev()
    for cut in (10, 80, 170, 200):
        events, p = frames_of(one[:cut] + one)
        assert events == [one] and p.dropped == 1, cut


def test_framer_close_reports_unfinished_event():
    p = CotStreamParser()
    assert p.feed(ev()[:50]) == []
    assert p.close() == [Dropped("unfinished")]
    assert p.dropped == 1
    assert p.feed(ev()) == [ev()]  # usable again after close


def test_framer_flags_doctype():
    p = CotStreamParser()
    p.feed(LAUGHS.read_bytes())
    assert p.saw_dtd


def test_events_wrapper_unknown_accuracy_and_control_messages(cache):
    """An <events> root is CoT without --format; ce=9999999 is 'accuracy unknown', a real
    ce is the radius; pings and receipts are counted in the summary, not dropped silently."""
    path = FIX / "events_wrapper.xml"
    assert detect_format(path) == "cot"
    res = import_file(cache, path, purpose="public-order")
    assert (res.stats.accepted, res.stats.skipped) == (2, 0)
    rows = {r[0]: r for r in cache.conn.execute("SELECT unit_uid, radius_m, precision, extra FROM items")}
    assert rows["U1"][1] is None and json.loads(rows["U1"][3])["accuracy"] == "unknown"
    assert rows["U2"][1] == 12.5 and "accuracy" not in json.loads(rows["U2"][3])
    notes = res.stats.notes
    assert "2 control messages read, not stored as items: 1 chat delivery receipt, 1 ping" in notes
    assert any("accuracy unknown" in n for n in notes)
    assert not any("not a CoT event" in s.reason for s in res.skips)


def _event(uid: str, ctype: str, minute: int, point: str = 'lat="37.57" lon="126.97" hae="10" ce="7" le="5"',
           detail: str = "") -> str:
    t = f"2026-11-14T05:{minute:02d}:00Z"
    return (f'<event version="2.0" uid="{uid}" type="{ctype}" time="{t}" start="{t}" stale="2026-11-14T06:00:00Z" '
            f'how="m-g"><point {point}/><detail>{detail}</detail></event>')


def test_events_wrapper_after_a_long_prolog_and_every_control_message_counted(cache, tmp_path):
    """An <events> root after 5 kB of comment is still CoT without --format; ce is the radius,
    9999999 or no ce is 'accuracy unknown' with the position kept as a device fix; pings,
    receipts, deletes and other t-x control messages are counted, never skipped or dropped."""
    body = "\n".join([
        _event("U1", "a-f-G-U-C", 0, detail='<contact callsign="기동1"/>'),
        _event("U2", "a-f-G-U-C", 1, point='lat="37.571" lon="126.971" hae="9999999" ce="9999999" le="9999999"'),
        _event("U3", "a-f-G-U-C", 2, point='lat="37.572" lon="126.972"'),  # no ce at all
        _event("U4", "a-f-G-U-C", 3),
        _event("ping1", "t-x-c-t", 4, point='lat="0" lon="0" ce="9999999"'),
        _event("ping2", "t-x-c-t", 5, point='lat="0" lon="0" ce="9999999"'),
        _event("del", "t-x-d-d", 6, detail='<link uid="U4" relation="none" type="a-f-G-U-C"/>'),
        _event("mission", "t-x-m-c", 7, point='lat="0" lon="0"'),
        _event("read", "b-t-f-r", 8, point='lat="0" lon="0"', detail='<__chatreceipt messageId="m1"/>'),
        _event("task", "t-k", 9),
    ])
    path = tmp_path / "wrapped.cot"
    path.write_bytes(("\ufeff<?xml version='1.0' encoding='UTF-8'?>\n<!-- " + "주석 " * 1000 + "-->\n"
                      f"<events>\n{body}\n</events>\n").encode("utf-8"))
    assert detect_format(path) == "cot"
    res = import_file(cache, path, purpose="public-order")
    assert (res.stats.accepted, res.stats.skipped) == (4, 1)
    assert [(k.where, k.reason) for k in res.skips] == [("event 10", "tasking message t-k is not shown on the map")]
    rows = {r["unit_uid"]: r for r in items(cache)}
    assert (rows["U1"]["radius_m"], rows["U1"]["precision"]) == (7.0, "exact")
    assert "accuracy" not in json.loads(rows["U1"]["extra"])
    for uid in ("U2", "U3"):
        assert (rows[uid]["radius_m"], rows[uid]["precision"]) == (None, "exact")
        assert json.loads(rows[uid]["extra"])["accuracy"] == "unknown"
    assert set(units(cache)) == {"U1", "U2", "U3"}  # U4 was deleted
    notes = res.stats.notes
    assert ("5 control messages read, not stored as items: 1 chat read receipt, 1 other control message, 2 pings, "
            "1 delete (the units were removed from the map)") in notes
    assert ("2 positions with accuracy unknown (ce=9999999, or no ce): no error radius stored, "
            "marked 'accuracy unknown'") in notes
    assert "events read from an <events> wrapper" in notes


def test_other_control_messages_are_not_records():
    assert parse_event(ev(type="t-x-m-c", lat=0, lon=0), where="e") == []
    assert parse_event(ev(type="t-x-c-t-r", lat=0, lon=0), where="e") == []
