"""Outgoing CoT: built safely and read back identically by the importer."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.importers.cot import parse_event
from desktop.live.cot_out import ALL_CHAT_ROOMS, chat_event, clean_text, marker_event, post_marker_event
from desktop.core.model import Item, Kind, Precision, Unit

T = 1_777_777_777_123


def test_spot_marker_round_trip():
    xml = marker_event("cmd-marker-1", 37.5700, 126.9769, callsign="집결지 A", remarks="여기로 모이세요\n2줄",
                       t_ms=T, stale_s=600, sender_uid="SITMAP-CMD")
    recs = parse_event(xml)
    assert len(recs) == 1  # a marker is not a unit
    it = recs[0]
    assert (it.t_ms, it.lat, it.lon, it.callsign, it.text) == (T, 37.57, 126.9769, "집결지 A", "여기로 모이세요\n2줄")
    assert it.extra["cot_type"] == "b-m-p-s-m" and it.extra["stale_ms"] == T + 600_000
    assert it.unit_uid == "SITMAP-CMD" and it.radius_m is None


def test_unit_report_round_trip():
    recs = parse_event(marker_event("U-9", 35.1, 129.0, cot_type="a-u-G", callsign="미상", t_ms=T, ce=15,
                                    team="Cyan", role="Team Lead", course=90, speed=2.5))
    item, unit = recs
    assert isinstance(unit, Unit) and unit.affiliation == "u" and unit.team == "Cyan" and unit.speed == 2.5
    assert item.radius_m == 15 and item.extra["course"] == 90


def test_chat_to_all_rooms():
    xml = chat_event("모두 확인 바랍니다 #공지", sender_uid="SITMAP-CMD", sender_callsign="지휘본부", t_ms=T,
                     message_id="m-1")
    root = ET.fromstring(xml)
    assert root.get("uid") == f"GeoChat.SITMAP-CMD.{ALL_CHAT_ROOMS}.m-1" and root.get("type") == "b-t-f"
    chat = root.find("detail/__chat")
    assert chat.get("chatroom") == chat.get("id") == ALL_CHAT_ROOMS
    assert root.find("detail/__chat/chatgrp").attrib == {"uid0": "SITMAP-CMD", "uid1": ALL_CHAT_ROOMS,
                                                          "id": ALL_CHAT_ROOMS}
    assert root.find("detail/remarks").get("to") == ALL_CHAT_ROOMS
    assert root.find("detail/marti") is None
    (it,) = parse_event(xml)
    assert it.text == "모두 확인 바랍니다 #공지" and it.hashtags == ("공지",)
    assert it.callsign == "지휘본부" and it.unit_uid == "SITMAP-CMD" and it.lat is None
    assert it.extra["chat"]["room"] == ALL_CHAT_ROOMS and it.extra["chat"]["message_id"] == "m-1"


def test_direct_chat_names_the_unit():
    xml = chat_event("순찰2 응답 바람", sender_uid="CMD", sender_callsign="지휘", to_uid="PATROL-2",
                     to_callsign="순찰2", t_ms=T, lat=37.5, lon=127.0)
    root = ET.fromstring(xml)
    assert root.find("detail/marti/dest").get("callsign") == "순찰2"
    assert root.find("detail/__chat/chatgrp").get("uid1") == "PATROL-2"
    assert root.find("detail/remarks").get("to") == "PATROL-2"
    (it,) = parse_event(xml)
    assert it.extra["chat"]["id"] == "PATROL-2" and it.extra["chat"]["room"] == "순찰2" and it.lat == 37.5


def test_post_marker_says_it_is_unverified_unless_someone_verified_it():
    post = Item(kind=Kind.POST, source="x", source_id="2121453134404042752", t_ms=T, text="광화문 앞 부상자 <2명> & 구급차",
                lat=37.5759, lon=126.9768, precision=Precision.EXACT, author="bom_han", links=("https://e.x/1",))
    xml = post_marker_event(post, sender_uid="CMD", t_ms=T + 5)
    (it,) = parse_event(xml)
    assert it.text.startswith("광화문 앞 부상자 <2명> & 구급차") and "@bom_han" in it.text and "https://e.x/1" in it.text
    assert it.text.rstrip().splitlines()[-2].endswith("unverified public post")
    assert it.callsign == "게시물 @bom_han"
    assert (it.lat, it.lon) == (37.5759, 126.9768)
    (v,) = parse_event(post_marker_event(post, sender_uid="CMD", t_ms=T + 6, verified_by="경위 김민수"))
    assert "verified by 경위 김민수" in v.text and v.callsign == "검증 @bom_han"
    assert it.source_id == f"sitmap-post-x-2121453134404042752@{T + 5}"
    with pytest.raises(ValueError):
        post_marker_event(Item(kind=Kind.POST, source="x", source_id="1", t_ms=T, text="no place"), sender_uid="C")


def test_hostile_text_cannot_change_the_document():
    evil = '"/><event uid="x"><![CDATA[ ]]></remarks></detail></event>\x00\x07\ud800 &amp; <!DOCTYPE'
    xml = marker_event(evil, 37.5, 127.0, callsign=evil, remarks=evil, t_ms=T)
    root = ET.fromstring(xml)
    assert [c.tag for c in root] == ["point", "detail"] and len(list(root.iter("event"))) == 1
    (it,) = parse_event(xml)
    assert it.text == clean_text(evil) and "\x00" not in it.text and "\x07" not in it.text


def test_long_remarks_are_cut():
    (it,) = parse_event(marker_event("m", 37.5, 127.0, remarks="가" * 50_000, t_ms=T))
    assert len(it.text) == 8000 and it.text.endswith("…")


def test_bad_position_refused():
    with pytest.raises(ValueError):
        marker_event("m", 91, 0)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300), st.text(min_size=1, max_size=40))
def test_any_text_round_trips(text, callsign):
    xml = chat_event(text, sender_uid="S", sender_callsign=callsign, t_ms=T, message_id="1")
    (it,) = parse_event(xml)
    # What survives is the cleaned text, normalised the way every item is (NFC, no NUL).
    expect = Item(kind=Kind.POST, source="t", source_id="1", t_ms=T, text=clean_text(text).strip()).text
    assert it.text == expect
