"""Facebook import into a real cache file: Graph API feed and comments responses (nested
comments, paging, a missing ``from``, ``+0000`` offsets, ``place.location``) and Meta's
personal-data export of a Page (mojibake repaired, ``upload_ip`` dropped); threads, skips
with record numbers, hostile text kept as data, detection, and ``sitmap import``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from desktop.importers import detect_format, import_file
from desktop.importers.base import ImportContext, ImportFailed, ImportOptions
from desktop.importers.facebook_export import repair, repair_text
from tests.importers.tabular_helpers import FIXTURES, batch_notes, counts, items, open_cache, tags

FB = FIXTURES / "facebook"
FEED, COMMENTS = FB / "page_feed.json", FB / "post_comments.json"
DYI_POSTS, DYI_COMMENTS = FB / "dyi_posts.json", FB / "dyi_comments.json"
POST = "104857600123456_201234567890123"
VISITOR = "104857600123456_201234567890456"
C1, C2, C3 = (f"201234567890123_30000000000000{n}" for n in (1, 2, 3))


def imported(tmp_path, *paths, **kw):
    cache = open_cache(tmp_path)
    results = [import_file(cache, p, purpose="public-order", **kw) for p in paths]
    return cache, results


def test_detection():
    assert detect_format(FEED) == "facebook-graph"
    assert detect_format(COMMENTS) == "facebook-graph"
    assert detect_format(DYI_POSTS) == "facebook-export"
    assert detect_format(DYI_COMMENTS) == "facebook-export"
    for x in (FIXTURES / "x").glob("*.json*"):  # the X files are still theirs
        assert not detect_format(x).startswith("facebook")


def test_graph_feed_posts_comments_and_threads(tmp_path):
    cache, (res,) = imported(tmp_path, FEED)
    got = items(cache)
    assert res.format == "facebook-graph" and res.stats.accepted == 6
    assert [str(s) for s in res.skips] == ["record 1, entry 4: no usable post id ('201234567890999')",
                                           "record 1, entry 5: no time"]
    post = got[POST]
    assert (post["source"], post["kind"], post["when"]) == ("facebook", "post", "2026-12-06T10:00:00Z")
    assert post["author"] == "부산경찰청" and post["author_id"] == "104857600123456"
    assert (post["precision"], post["lat"], post["lon"], post["radius_m"]) == ("place", 35.10625, 129.03238, 100.0)
    assert post["place_name"] == "부산광역시 중구청"
    metrics = post["extra"]["metrics"]
    assert {k: metrics[k] for k in ("reactions", "comments", "shares", "from")} == \
        {"reactions": 42, "comments": 3, "shares": 7, "from": "facebook"}
    assert metrics["captured_ms"] > 1_700_000_000_000
    assert "https://www.facebook.com/busanpolice/posts/201234567890123" in json.loads(post["links"])
    assert tags(cache)[POST] == {"부산경찰", "busanpolice"}
    # Comments are items of their own, answering the post; a reply answers its comment.
    assert got[C1]["reply_to"] == POST and got[C1]["extra"]["thread"] == POST
    assert got[C2]["reply_to"] == C1 and got[C2]["extra"]["thread"] == POST
    assert got[C1]["when"] == "2026-12-06T10:05:12Z" and got[C1]["precision"] == "unknown"
    # No 'from' (the app cannot moderate the Page): kept, without an author, and said so.
    assert got[C3]["author"] is None and got[C3]["author_id"] is None
    assert got[C3]["text"] == "<script>alert('x')</script> 광안리 쪽은 괜찮나요? 👀"  # data, as written
    assert any("1 comment(s) without an author" in n for n in batch_notes(cache))
    # A place named only by its city is a wide place, not a pin.
    story = got["104857600123456_201234567890789"]
    assert story["text"] == "부산경찰청 updated their cover photo." and story["radius_m"] == 5000.0


def test_comments_response_names_its_post_from_paging(tmp_path):
    cache, (res,) = imported(tmp_path, COMMENTS)
    got = items(cache)
    assert res.stats.accepted == 3
    assert [str(s) for s in res.skips] == ["record 1, entry 4: unrecognised time 'not a time'"]
    for sid in ("201234567890456_310000000000001", "201234567890456_310000000000002"):
        assert got[sid]["reply_to"] == VISITOR and got[sid]["extra"]["thread"] == VISITOR
    assert got["201234567890456_310000000000003"]["author_id"] == "5550004"
    assert got["201234567890456_310000000000003"]["author"] is None


def test_comments_are_geoparsed_on_import(tmp_path):
    from desktop.cache import Cache

    cache = Cache.open(tmp_path / "g.db")  # the geoparser on, as the cache's default
    import_file(cache, FEED, purpose="public-order")
    import_file(cache, COMMENTS, purpose="public-order")
    got = items(cache)
    # '해운대 구남로' in a comment without coordinates is placed in Haeundae by its text.
    c = got["201234567890456_310000000000001"]
    assert c["precision"] == "inferred" and 35.15 < c["lat"] < 35.2 and 129.1 < c["lon"] < 129.2
    assert got[POST]["precision"] == "place"  # a position of its own is kept
    cache.close()


def test_reimport_is_a_no_op(tmp_path):
    cache, (a, b) = imported(tmp_path, FEED, FEED)
    assert a.stats.accepted == 6 and b.stats.accepted == 0 and b.stats.duplicates == 6


def test_export_repairs_mojibake_and_drops_upload_ip(tmp_path):
    cache, (posts, comments) = imported(tmp_path, DYI_POSTS, DYI_COMMENTS, options=ImportOptions(keep_raw=True))
    texts = {r["text"]: r for r in items(cache).values()}
    biff = texts["남포동 BIFF광장 주말 인파 안전관리 실시합니다 👮 #부산경찰"]
    assert (biff["precision"], biff["lat"], biff["lon"], biff["place_name"]) == ("place", 35.0982, 129.0287,
                                                                                  "부산 남포동 BIFF광장")
    assert biff["when"] == "2026-12-06T10:00:00Z" and biff["source"] == "facebook"
    appeal = texts["실종 아동을 찾습니다. 7세 남아, 노란 점퍼 🙏 스마트 국민제보 앱으로 제보 부탁드립니다"]
    seen = texts["자갈치시장 앞에서 비슷한 아이를 봤어요"]
    assert seen["author"] == "최유진" and seen["reply_to"] == appeal["source_id"]
    assert texts["Already English text stays as it is: café"]["author"] == "Sam"
    assert "<img src=x onerror=alert(1)> 서면 쪽은요?" in texts
    assert texts["광복로에 차가 너무 막혀요 ㅠㅠ 교통경찰 배치 부탁드려요"]["extra"]["title"] == \
        "정하늘님이 부산경찰청님의 게시물에 댓글을 남겼습니다."
    assert [str(s) for s in posts.skips] == ["record 3: unrecognised time 'soon'",
                                             "record 4: no post or comment text and no time"]
    assert [str(s) for s in comments.skips] == ["record 1, comments_v2, entry 3: not a JSON object"]
    # The uploader's address is in the file but nowhere in the cache, raw payloads included.
    assert b"211.234.10.77" in DYI_POSTS.read_bytes()
    cache.close()
    for f in tmp_path.iterdir():
        if f.is_file():
            assert b"211.234.10.77" not in f.read_bytes(), f


def test_repair_text():
    assert repair_text("ë¶\u0080ì\u0082°") == "부산"
    assert repair_text("café") == "café" and repair_text("부산 café") == "부산 café"
    assert repair_text("Ã(") == "Ã("  # not UTF-8 bytes: left as it is
    assert repair({"a": [{"upload_ip": "1.2.3.4", "b": "ì\u0095\u0088"}]}) == {"a": [{"b": "안"}]}


def test_refused_files_leave_the_cache_unchanged(tmp_path):
    cache = open_cache(tmp_path)
    for name, body in (("cut.json", b'{"data": [{"id": "1_2", "created_time": "2026-12-06T10:00:00+00'),
                       ("latin1.json", '{"comments_v2": [{"timestamp": 1, "title": "\xe9"}]}'.encode("latin-1"))):
        p = tmp_path / name
        p.write_bytes(body)
        fmt = "facebook-graph" if name == "cut.json" else "facebook-export"
        with pytest.raises(ImportFailed) as exc:
            import_file(cache, p, fmt=fmt, purpose="public-order")
        assert str(p) in str(exc.value)
    assert counts(cache) == (0, 0)


def test_sitmap_import_command(tmp_path):
    db = tmp_path / "cli.db"
    out = subprocess.run([sys.executable, "-m", "desktop", "import", "--db", str(db), "--purpose", "public-order",
                          "--no-geoparse", str(FEED), str(DYI_COMMENTS)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "page_feed.json (facebook-graph): 6 new, 2 skipped" in out.stdout
    assert "dyi_comments.json (facebook-export): 2 new, 1 skipped" in out.stdout
    assert "Traceback" not in out.stderr
