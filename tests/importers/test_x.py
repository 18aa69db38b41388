"""X/Twitter import into a real cache file: v1.1 streams and REST arrays, account
archives, X API v2 pages and stream lines; positions, precision, hashtags, relations,
deletes, scrub_geo, skips, refusals and format detection."""

from __future__ import annotations

import json

import pytest

from desktop.importers import detect_format, import_file
from desktop.importers import twitter_archive, twitter_v1, twitter_v2
from desktop.importers.base import ImportContext, ImportFailed, ImportOptions, place_radius_m
from tests.importers.tabular_helpers import (  # noqa: F401  (installed_formats is a fixture)
    FIXTURES, batch_notes, counts, installed_formats, items, open_cache, tags,
)

X = FIXTURES / "x"
STREAM_V1 = X / "stream_v1.jsonl"
TIMELINE_V1 = X / "timeline_v1.json"
ARCHIVE = X / "archive" / "data" / "tweets.js"
ARCHIVE_PART1 = X / "archive" / "data" / "tweets-part1.js"
ARCHIVE_2019 = X / "archive_2019" / "tweet.js"
SEARCH_V2 = X / "search_v2.json"
STREAM_V2 = X / "stream_v2.jsonl"

# Post ids in the fixtures.
A = "1550707825439739904"  # Gwanghwamun, exact, HTML-escaped text
G = "1550707825439739905"  # A + 1: the same number as a float; deleted before it arrives
B = "1550708702049218560"  # Seoul City Hall, decomposed Hangul hashtags
C = "1550708794323914755"  # place only: the Seoul box
D0 = "1550702263792603136"  # original with the Jongno-gu place (inside a retweet)
D = "1550709415080931328"  # retweet of D0, no position of its own
Q = "1550706017694715904"  # quoted post, exact
E = "1550709981311934464"  # quote of Q, compatibility mode (extended_tweet)
F = "1550710295884812288"  # Busan, #busanpolice
H = "1550710841144258560"  # deleted after it arrived
R = "1550711386403778561"  # reply to A
P1, P2, P3 = "1550708030960590848", "1550711071830990848", "1550712309150670848"  # scrub_geo user
T = "1550712560808902656"  # the truncated last line
A_TEXT = "광화문광장 집회 시작 & 행진 준비 중 🚶\u200d♀️🚶\u200d♂️ 세종대로 양방향 혼잡 #광화문 #집회 <현장>"

SEOUL_BOX = (126.764, 37.413, 127.184, 37.715)
JONGNO_BOX = (126.9516, 37.5610, 127.0232, 37.6318)


def centre(box):
    w, s, e, n = box
    return pytest.approx((s + n) / 2), pytest.approx((w + e) / 2), pytest.approx(place_radius_m(w, s, e, n))


def where_tagged(cache, tag):
    return {sid for (sid,) in cache.conn.execute(
        "SELECT i.source_id FROM item_tags t JOIN items i ON i.id = t.item_id WHERE t.tag = ?", (tag,))}


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return p


def v1_post(tid, **over):
    """A small but complete v1.1 post for the edge cases below."""
    tw = {"created_at": "Sat Jul 23 05:02:11 +0000 2022", "id": int(tid), "id_str": tid, "text": "광화문 현장 🚨",
          "user": {"id": 42, "id_str": "42", "screen_name": "field_cam", "location": "부산"},
          "geo": None, "coordinates": None, "place": None, "entities": {"hashtags": [], "urls": []}, "lang": "ko"}
    tw.update(over)
    return tw


# --- v1.1 stream ------------------------------------------------------------------

def test_v1_stream_counts_skips_and_notes(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, STREAM_V1, fmt="x-v1", purpose="public-order")
    s = result.stats
    assert (s.accepted, s.duplicates, s.skipped, s.deleted) == (12, 0, 2, 2)
    assert counts(cache) == (12, 1)
    reasons = {k.where: k.reason for k in result.skips}
    assert set(reasons) == {"line 14", "line 24"}
    assert "swapped" in reasons["line 14"] and "lat=129.0703 lon=35.1798" in reasons["line 14"]
    assert reasons["line 24"].startswith("truncated")
    notes = " | ".join(batch_notes(cache))
    assert "2 rate-limit notices; matching posts it did not deliver: at least 41" in notes
    assert "1 withheld-content notice" in notes and "FALLING_BEHIND" in notes


def test_v1_stream_positions_text_and_people(tmp_path):
    cache = open_cache(tmp_path)
    import_file(cache, STREAM_V1, fmt="x-v1", purpose="public-order")
    got = items(cache)

    a = got[A]
    assert (a["lat"], a["lon"], a["precision"], a["radius_m"]) == (37.5759, 126.9769, "exact", None)
    assert a["when"] == "2022-07-23T05:02:11Z"
    assert (a["source"], a["kind"], a["lang"]) == ("x", "post", "ko")
    assert (a["author"], a["author_id"]) == ("gwanghwamun_live", "1402231187395174401")
    assert a["place_name"] == "Jongno-gu, Seoul"  # the exact point keeps its place's name
    assert a["text"] == A_TEXT  # &amp; &lt; &gt; unescaped; the ZWJ emoji sequences whole

    c = got[C]  # place only: the box's centre and a radius covering it, never a corner
    lat, lon, radius = centre(SEOUL_BOX)
    assert (c["lat"], c["lon"], c["radius_m"], c["precision"]) == (lat, lon, radius, "place")
    assert c["place_name"] == "Seoul, Republic of Korea"

    f = got[F]  # Busan: [lon, lat] read the right way round; the profile location is ignored
    assert (f["lat"], f["lon"], f["precision"]) == (35.1798, 129.0703, "exact")
    assert where_tagged(cache, "busanpolice") == {F}  # the swapped Busan post was kept out

    assert got[Q]["lat"] == 37.5658 and got[Q]["lon"] == 126.9751
    # Every stored position is in the R-tree, and only those.
    positioned = {sid for sid, r in got.items() if r["lat"] is not None}
    assert positioned == {A, B, C, D0, Q, F, P3}
    assert cache.conn.execute("SELECT count(*) FROM items_geo").fetchone()[0] == len(positioned)


def test_v1_hashtags_are_nfc_and_casefolded(tmp_path):
    cache = open_cache(tmp_path)
    import_file(cache, STREAM_V1, fmt="x-v1", purpose="public-order")
    by_item = tags(cache)
    assert by_item[B] == {"서울시청", "안전"}  # sent decomposed (NFD), stored composed
    assert items(cache)[B]["text"].startswith("서울시청 앞")
    assert where_tagged(cache, "서울시청") == {B}
    assert by_item[A] == {"광화문", "집회"}
    assert where_tagged(cache, "광화문") == {A, D0, D}


def test_v1_retweet_and_quote_relations(tmp_path):
    cache = open_cache(tmp_path)
    import_file(cache, STREAM_V1, fmt="x-v1", purpose="public-order")
    got = items(cache)

    rt, orig = got[D], got[D0]
    assert rt["retweet_of"] == D0
    # The retweeter gets no position from the original's place.
    assert (rt["lat"], rt["lon"], rt["precision"], rt["place_name"]) == (None, None, "unknown", None)
    assert rt["author"] == "rt_bot_kr"
    # The outer text was cut; the stored one is the original's whole text.
    assert rt["text"].startswith("RT @jongno_news: [속보]") and "따라 주세요" in rt["text"]
    assert json.loads(rt["links"]) == ["https://news.example.kr/jongno/2022/07/23/traffic"]
    lat, lon, radius = centre(JONGNO_BOX)
    assert (orig["lat"], orig["lon"], orig["radius_m"], orig["precision"]) == (lat, lon, radius, "place")
    assert (orig["author"], orig["when"]) == ("jongno_news", "2022-07-23T04:40:05Z")

    quote = got[E]
    assert quote["quote_of"] == Q and quote["precision"] == "unknown"
    assert quote["text"].endswith("#집회 #안전 https://t.co/ZmQ0vTa1Bc")  # extended_tweet, not the cut "#집회… "
    assert tags(cache)[E] == {"집회", "안전"}  # from extended_tweet's entities, not the cut text's
    assert json.loads(quote["links"]) == [f"https://twitter.com/gwanghwamun_live/status/{Q}"]

    assert got[R]["reply_to"] == A


def test_v1_deletes_and_scrub_geo(tmp_path):
    cache = open_cache(tmp_path)
    import_file(cache, STREAM_V1, fmt="x-v1", purpose="public-order")
    got = items(cache)
    assert G not in got  # the delete came before the post
    assert H not in got  # the delete came after it
    assert A in got  # G's neighbour id: ids are compared as strings, never as floats
    assert T not in got
    # scrub_geo for user 3344556677 up to P2: P1 (before the message) and P2 (after it) lose
    # their positions; P3, newer than up_to, keeps its own.
    for sid in (P1, P2):
        assert (got[sid]["lat"], got[sid]["lon"], got[sid]["precision"]) == (None, None, "unknown")
    assert (got[P3]["lat"], got[P3]["lon"]) == (37.5796, 126.9701)
    assert cache.conn.execute("SELECT up_to_id FROM scrubs WHERE author_id = '3344556677'").fetchone() == (int(P2),)


def test_v1_reimport_adds_nothing(tmp_path):
    cache = open_cache(tmp_path)
    import_file(cache, STREAM_V1, fmt="x-v1", purpose="public-order")
    again = import_file(cache, STREAM_V1, fmt="x-v1", purpose="public-order")
    assert (again.stats.accepted, again.stats.duplicates) == (0, 12)
    assert counts(cache) == (12, 2)
    assert G not in items(cache) and H not in items(cache)


# --- v1.1 REST array ----------------------------------------------------------------

def test_v1_json_array_extended_mode(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, TIMELINE_V1, fmt="x-v1", purpose="public-order")
    assert (result.stats.accepted, result.stats.skipped) == (4, 1)
    assert [(k.where, k.reason) for k in result.skips] == [("record 3", "no created_at")]
    got = items(cache)

    r1 = got["1550722677470162944"]
    assert r1["text"].startswith("[안내] 광화문 → 시청 구간 <보행자 전용> 운영 중 & 차량 진입 금지 🚧")
    assert tags(cache)["1550722677470162944"] == {"광화문", "보행자전용"}

    country = got["1550723298227159040"]  # a country-sized place: a centre with a big radius, not a pin
    assert country["precision"] == "place" and country["radius_m"] > 400_000
    assert country["place_name"] == "Republic of Korea"

    no_geo = got["1550723759600574464"]  # user.location says 서울 종로구: not a position
    assert (no_geo["lat"], no_geo["lon"], no_geo["precision"]) == (None, None, "unknown")
    assert json.loads(no_geo["links"]) == ["https://news.example.kr/jongno/2022/07/23/update"]

    geo_only = got["1550724137087934465"]  # deprecated geo is [lat, lon]
    assert (geo_only["lat"], geo_only["lon"], geo_only["precision"]) == (37.57, 126.982, "exact")

    again = import_file(cache, TIMELINE_V1, fmt="x-v1", purpose="public-order")
    assert (again.stats.accepted, again.stats.duplicates) == (0, 4)


def test_v1_single_object_search_response_and_truncated_array(tmp_path):
    cache = open_cache(tmp_path)
    one = write(tmp_path, "one.json", json.dumps(v1_post("1550707825439739999"), ensure_ascii=False, indent=2))
    assert import_file(cache, one, fmt="x-v1", purpose="public-order").stats.accepted == 1

    resp = {"statuses": [v1_post("1550707825439740001"), 7], "search_metadata": {"count": 2}}
    result = import_file(cache, write(tmp_path, "search.json", json.dumps(resp)), fmt="x-v1", purpose="public-order")
    assert result.stats.accepted == 1
    assert [(k.where, k.reason) for k in result.skips] == [("line 1, post 2", "not a JSON object")]

    posts = [v1_post(str(1550707825439740100 + i)) for i in range(3)]
    cut = json.dumps(posts)[:-60]  # the file breaks off inside the third post
    result = import_file(cache, write(tmp_path, "cut.json", cut), fmt="x-v1", purpose="public-order")
    assert result.stats.accepted == 2
    assert result.skips[0].where == "record 3" and "rest of the file" in result.skips[0].reason


def test_v1_ids_and_odd_records(tmp_path):
    cache = open_cache(tmp_path)
    int_only = v1_post("1550707825439740201")
    del int_only["id_str"]  # a bare 19-digit number: read exactly, never through a float
    too_big = v1_post("1550707825439740202", id_str="18446744073709551615")  # past SQLite's integer
    lone = v1_post("1550707825439740203", text="깨진 이모지 \ud83d 끝")
    fiji_box = [[[177.0, -19.2], [177.0, -16.0], [-179.8, -16.0], [-179.8, -19.2]]]
    fiji = v1_post("1550707825439740204",
                   place={"full_name": "Fiji", "bounding_box": {"type": "Polygon", "coordinates": fiji_box}})
    lines = [json.dumps(int_only), json.dumps(too_big), json.dumps(lone), json.dumps(fiji),
             '{"disconnect":{"code":7,"stream_name":"sitmap-stream","reason":"admin logout"}}',
             '{"delete":{"direct_message":{"id":1,"user_id":2}}}', "[1, 2]", '{"friends":[1,2]}']
    result = import_file(cache, write(tmp_path, "odd.jsonl", "\n".join(lines) + "\n"), fmt="x-v1", purpose="public-order")
    got = items(cache)
    assert got["1550707825439740201"]["text"] == "광화문 현장 🚨"
    assert got["1550707825439740203"]["text"] == "깨진 이모지 \ufffd 끝"  # a lone surrogate cannot be stored
    f = got["1550707825439740204"]  # a box across the antimeridian is centred near 180°, not on 0°
    assert f["precision"] == "place" and abs(f["lon"]) > 178.5 and f["lat"] == pytest.approx(-17.6)
    reasons = {k.where: k.reason for k in result.skips}
    assert reasons["line 2"] == "no usable id_str"
    assert reasons["line 7"] == "not a JSON object"
    assert reasons["line 8"].startswith("neither a post nor a stream message")
    notes = " | ".join(result.stats.notes)
    assert "disconnected at line 5: admin logout" in notes and "1 delete notice not about posts" in notes


def test_keep_raw_stores_the_line(tmp_path):
    cache = open_cache(tmp_path)
    import_file(cache, STREAM_V1, fmt="x-v1", options=ImportOptions(keep_raw=True), purpose="public-order")
    raw = cache.conn.execute("SELECT raw FROM items WHERE source_id = ?", (A,)).fetchone()[0]
    assert raw == STREAM_V1.read_bytes().split(b"\r\n")[1].decode("utf-8")
    nested = cache.conn.execute("SELECT raw FROM items WHERE source_id = ?", (D0,)).fetchone()[0]
    assert json.loads(nested)["id_str"] == D0


# --- archives -------------------------------------------------------------------------

def test_archive_tweets_js(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, ARCHIVE, fmt="x-archive", purpose="public-order")
    assert (result.stats.accepted, result.stats.skipped) == (4, 1)
    assert [(k.where, k.reason) for k in result.skips] == [("record 5", "no usable id_str")]
    assert any("@gwanghwamun_live was taken from account.js" in n for n in result.stats.notes)
    got = items(cache)
    a = got[A]  # "id" is the mangled "1.55070782543973990E18"; id_str is the truth
    assert (a["lat"], a["lon"], a["precision"]) == (37.5759, 126.9769, "exact")  # numbers written as strings
    assert (a["author"], a["author_id"]) == ("gwanghwamun_live", "1402231187395174401")
    assert a["text"] == A_TEXT
    place = got["1550714825733115904"]
    lat, lon, radius = centre(JONGNO_BOX)
    assert (place["lat"], place["lon"], place["radius_m"]) == (lat, lon, radius)
    assert got["1550715580707835904"]["reply_to"] == R
    assert tags(cache)[A] == {"광화문", "집회"}

    part1 = import_file(cache, ARCHIVE_PART1, fmt="x-archive", purpose="public-order")
    assert part1.stats.accepted == 1 and counts(cache) == (5, 2)


def test_archive_and_stream_share_ids(tmp_path):
    cache = open_cache(tmp_path)
    import_file(cache, STREAM_V1, fmt="x-v1", purpose="public-order")
    result = import_file(cache, ARCHIVE, fmt="x-archive", purpose="public-order")
    assert (result.stats.accepted, result.stats.duplicates) == (3, 1)  # A was already in from the stream


def test_old_archive_without_wrapper_or_account(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, ARCHIVE_2019, fmt="x-archive", purpose="public-order")
    assert result.stats.accepted == 2
    assert any("no usable account.js" in n for n in result.stats.notes)
    got = items(cache)
    assert {r["author"] for r in got.values()} == {None}
    o2 = got["1161834897208250368"]
    assert (o2["lat"], o2["lon"], o2["when"]) == (35.1577, 129.0594, "2019-08-15T03:00:00Z")
    assert o2["text"] == "서면 교통 & 인파 정보 공유합니다"

    named = open_cache(tmp_path / "named")
    import_file(named, ARCHIVE_2019, fmt="x-archive", options=ImportOptions(author_field="busan_local"), purpose="public-order")
    assert {r["author"] for r in items(named).values()} == {"busan_local"}


# --- X API v2 ---------------------------------------------------------------------------

def test_v2_search_page(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, SEARCH_V2, fmt="x-v2", purpose="public-order")
    assert (result.stats.accepted, result.stats.skipped) == (8, 0)  # 7 posts and the included original
    notes = " | ".join(result.stats.notes)
    assert "stored without a position: 1 post whose place is missing" in notes
    assert "1 API error message" in notes and "deleted_acct" in notes
    got = items(cache)

    p1 = got["1550727408645095424"]  # geo.coordinates [lon, lat] wins over its place
    assert (p1["lat"], p1["lon"], p1["precision"], p1["place_name"]) == (37.5665, 126.978, "exact", "Jung-gu, Seoul")
    assert (p1["author"], p1["when"]) == ("cityhall_watch", "2022-07-23T06:20:00Z")
    p2 = got["1550727786132455425"]  # place joined from includes, bbox flat [W, S, E, N]
    lat, lon, radius = centre(JONGNO_BOX)
    assert (p2["lat"], p2["lon"], p2["radius_m"], p2["precision"]) == (lat, lon, radius, "place")
    p3 = got["1550727911961575426"]  # its place is not in includes
    assert (p3["lat"], p3["precision"]) == (None, "unknown")

    rt = got["1550728163619815427"]
    assert rt["retweet_of"] == D0 and rt["precision"] == "unknown"
    assert "따라 주세요" in rt["text"]
    assert got[D0]["precision"] == "place" and got[D0]["author"] == "jongno_news"

    long = got["1550728666936295428"]  # note_tweet: the whole long post and its hashtags
    assert long["text"].startswith("[부산경찰청 안내]") and long["text"].endswith("🚓🚦 #busanpolice #서면 #부산")
    assert tags(cache)["1550728666936295428"] == {"busanpolice", "서면", "부산"}

    reply = got["1550729170252775429"]
    assert (reply["reply_to"], reply["quote_of"]) == (A, Q)
    assert "여기도 마찬가지예요 >< 조심하세요" in reply["text"]


def test_v2_and_v1_store_a_post_once(tmp_path):
    cache = open_cache(tmp_path)
    import_file(cache, STREAM_V1, fmt="x-v1", purpose="public-order")
    result = import_file(cache, SEARCH_V2, fmt="x-v2", purpose="public-order")
    assert (result.stats.accepted, result.stats.duplicates) == (6, 2)  # F and D0 came from the stream


def test_v2_stream_lines(tmp_path):
    cache = open_cache(tmp_path)
    result = import_file(cache, STREAM_V2, fmt="x-v2", purpose="public-order")
    assert (result.stats.accepted, result.stats.skipped) == (3, 1)
    (skip,) = result.skips
    assert skip.where == "line 4" and "swapped" in skip.reason
    assert any("disconnected at line 7" in n for n in result.stats.notes)
    got = items(cache)
    s1 = got["1550737495946223616"]
    assert (s1["lat"], s1["lon"], s1["author"]) == (37.5759, 126.9769, "gwanghwamun_live")
    s2 = got["1550737642746863617"]
    lat, lon, radius = centre(SEOUL_BOX)
    assert (s2["lat"], s2["lon"], s2["radius_m"], s2["place_name"]) == (lat, lon, radius, "Seoul, Republic of Korea")
    s5 = got["1550738229949423619"]
    assert s5["text"] == "#busanpolice 서면 통제 해제 & 정상 운행" and tags(cache)[s5["source_id"]] == {"busanpolice"}


def test_v2_array_of_pages_and_malformed_pages(tmp_path):
    cache = open_cache(tmp_path)
    page = json.loads(SEARCH_V2.read_text(encoding="utf-8"))
    bad_includes = {"data": [{"id": "1550729170252775499", "text": "x", "created_at": "2022-07-23T06:30:00.000Z"}],
                    "includes": ["not", "a", "dict"]}
    no_time = {"data": [{"id": "1550729170252775500", "text": "시간 없음"}], "meta": {"result_count": 1}}
    path = write(tmp_path, "pages.json", json.dumps([page, bad_includes, no_time, {"meta": {"result_count": 0}}]))
    result = import_file(cache, path, fmt="x-v2", purpose="public-order")
    assert result.stats.accepted == 8
    reasons = {k.where: k.reason for k in result.skips}
    assert reasons["record 2"].startswith("unexpected structure")
    assert reasons["record 3, post 1"].startswith("no created_at")


# --- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt,name,data,why", [
    ("x-v1", "cp949.jsonl", '{"id_str":"1","text":"광화문"}\n{"id_str":"2"}\n'.encode("cp949"),
     "not UTF-8 text (invalid byte at line 1"),
    ("x-v1", "cp949-later.jsonl", '{"id_str":"1"}\n{"text":"광화문"}\n{"text":"시청"}\n'.encode("cp949"),
     "not UTF-8 text (invalid byte at line 2, column 10)"),
    ("x-v1", "words.jsonl", b"{ this is\nnot json at all\n", "not valid JSON"),
    ("x-v1", "html.json", b"<html><body>rate limited</body></html>", "not JSON"),
    ("x-v1", "empty.jsonl", b"  \r\n\r\n", "empty"),
    ("x-v2", "garbage.json", b"[nonsense", "not valid JSON"),
    ("x-archive", "tweets.js", b"window.YTD.tweets.part0 = ", "no '['"),
    ("x-archive", "like.js", b'window.YTD.like.part0 = [ {"like": {"tweetId": "1"}} ]', "'like' data"),
    ("x-archive", "not-archive.js", b"var x = [1, 2]", "does not start with window.YTD."),
])
def test_whole_file_refusals_leave_nothing(tmp_path, fmt, name, data, why):
    cache = open_cache(tmp_path)
    path = write(tmp_path, name, data)
    with pytest.raises(ImportFailed) as err:
        import_file(cache, path, fmt=fmt, purpose="public-order")
    assert why in err.value.reason and str(path) in str(err.value)
    assert counts(cache) == (0, 0)


def test_one_record_cut_inside_a_character_mid_file_is_only_a_skip(tmp_path):
    # A capture appended to after a reconnect: one record broken off inside "광", then more.
    good = [json.dumps(v1_post(str(1550707825439740400 + i)), ensure_ascii=False).encode("utf-8") for i in range(3)]
    broken = good[1][:good[1].index("광".encode("utf-8")) + 2]
    data = b"\n".join([good[0], broken + good[1], good[2]]) + b"\n"
    result = import_file(open_cache(tmp_path), write(tmp_path, "resumed.jsonl", data), fmt="x-v1", purpose="public-order")
    assert result.stats.accepted == 2
    assert [(k.where, k.reason.split(" (")[0]) for k in result.skips] == [("line 2", "not UTF-8 text")]


def test_truncated_hangul_on_the_last_line_is_only_a_skip(tmp_path):
    data = (json.dumps(v1_post("1550707825439740301"), ensure_ascii=False) + "\n").encode("utf-8")
    cut = json.dumps(v1_post("1550707825439740302"), ensure_ascii=False).encode("utf-8")
    cut = cut[:cut.index("광".encode("utf-8")) + 1]  # ends inside a three-byte character
    result = import_file(open_cache(tmp_path), write(tmp_path, "cut.jsonl", data + cut), fmt="x-v1", purpose="public-order")
    assert result.stats.accepted == 1
    assert [(k.where, k.reason.split(":")[0]) for k in result.skips] == [("line 2", "truncated")]


# --- detection --------------------------------------------------------------------------------

FIXTURE_FORMATS = [(STREAM_V1, "x-v1"), (TIMELINE_V1, "x-v1"), (ARCHIVE, "x-archive"), (ARCHIVE_PART1, "x-archive"),
                   (ARCHIVE_2019, "x-archive"), (SEARCH_V2, "x-v2"), (STREAM_V2, "x-v2")]


@pytest.mark.parametrize("path,fmt", FIXTURE_FORMATS, ids=lambda v: getattr(v, "name", v))
def test_detection_picks_the_format(installed_formats, path, fmt):
    assert detect_format(path) == fmt


def test_sniffers_from_content_not_names(tmp_path):
    sniffers = {"x-v1": twitter_v1.sniff, "x-v2": twitter_v2.sniff, "x-archive": twitter_archive.sniff}

    def winner(head: bytes):
        scores = {k: f(head, tmp_path / "data.txt") for k, f in sniffers.items()}
        best = max(scores.values())
        return next(k for k, v in scores.items() if v == best) if best else None

    assert winner(b'\n\n{"delete":{"status":{"id_str":"1"}}}\n{"limit":{"track":3}}') == "x-v1"
    assert winner(b'\xef\xbb\xbfwindow.YTD.tweet.part0 = [ {') == "x-archive"
    assert winner(b'{"data":{"id":"1","text":"a","author_id":"2"},"matching_rules":[{"id":155,"tag":"t"}]}') == "x-v2"
    assert winner(b'{"type":"FeatureCollection","features":[]}') is None
    assert winner(b'id,text,created_at\n1,a,2022') is None
    assert twitter_archive.sniff(b"window.YTD.like.part0 = [", tmp_path) == 10  # refused with a reason


def test_read_is_a_generator(tmp_path):
    ctx = ImportContext(path=STREAM_V1)
    gen = twitter_v1.read(STREAM_V1, ctx)
    assert iter(gen) is gen
    first = next(gen)
    assert first.__class__.__name__ == "DeleteItem" and first.source_id == G


def test_only_a_record_whose_json_escapes_a_surrogate_is_walked_for_one():
    from desktop.importers.jsonfile import may_hold_surrogates

    assert may_hold_surrogates('{"t": "\\ud83d\\ude00"}') and may_hold_surrogates('{"t": "\\uDC00"}')
    assert may_hold_surrogates(None)  # no text to look at: check the fields
    assert not may_hold_surrogates('{"t": "\\u5149 광화문"}') and not may_hold_surrogates('{"t": "plain"}')
