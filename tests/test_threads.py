"""Conversation threads from a real cache: a Facebook post with its comments and a reply
to a comment (one Graph file and a separate comments response), and an X appeal with its
replies, a reply to a reply, and a reply whose parent the cache does not hold."""

from __future__ import annotations

from desktop.cache import Cache
from desktop.cache.threads import has_thread, thread
from desktop.importers import import_file
from tests.importers.tabular_helpers import FIXTURES


def _cache(tmp_path, *files):
    cache = Cache.open(tmp_path / "c.db")
    cache.set_meta("geoparse.on_import", "off")
    for f in files:
        import_file(cache, f, purpose="public-order")
    return cache


def _id(cache, sid):
    return cache.conn.execute("SELECT id FROM items WHERE source_id = ?", (sid,)).fetchone()[0]


def test_facebook_thread_from_any_member(tmp_path):
    fb = FIXTURES / "facebook"
    cache = _cache(tmp_path, fb / "page_feed.json", fb / "post_comments.json")
    post = "104857600123456_201234567890123"
    for member in (post, "201234567890123_300000000000002"):
        t = thread(cache.conn, _id(cache, member))
        assert t["root"] == post and not t["cut"]
        assert [(d["source_id"], d["depth"]) for d in t["items"]] == [
            (post, 0),
            ("201234567890123_300000000000001", 1),  # 10:05
            ("201234567890123_300000000000002", 2),  # the Page's answer to that comment
            ("201234567890123_300000000000003", 1),  # 10:07, no author
        ]
    # The visitor's post and the comments that came in their own response.
    t = thread(cache.conn, _id(cache, "201234567890456_310000000000002"))
    assert [d["source_id"] for d in t["items"]] == ["104857600123456_201234567890456",
                                                    "201234567890456_310000000000001",
                                                    "201234567890456_310000000000002",
                                                    "201234567890456_310000000000003"]
    cache.close()


def test_x_conversation(tmp_path):
    cache = _cache(tmp_path, FIXTURES / "x" / "conversation_v2.json")
    root = "1864600000000000001"
    t = thread(cache.conn, _id(cache, "1864600000000000003"))
    assert t["root"] == root
    assert [(d["source_id"], d["depth"], d["author"]) for d in t["items"]] == [
        (root, 0, "busanpolice"),
        ("1864600000000000002", 1, "seen_it"),
        ("1864600000000000003", 2, "busanpolice"),
        ("1864600000000000004", 1, "someone_bsn"),  # its parent is not in the cache: under the root
    ]
    assert t["items"][3]["text"] == "@someone I think I saw him near Jagalchi market <b>too</b>"
    row = cache.conn.execute("SELECT extra FROM items WHERE source_id = '1864600000000000002'").fetchone()[0]
    assert '"conversation_id": "1864600000000000001"' in row
    assert has_thread({"kind": "post", "source": "x", "reply_to": root})
    assert not has_thread({"kind": "post", "source": "x", "reply_to": None, "extra": {}})
    assert thread(cache.conn, 999999)["items"] == []
    cache.close()
