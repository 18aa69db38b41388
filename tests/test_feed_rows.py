"""The feed's Qt-free loader and the web address check behind "Open source in browser"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from desktop.engine import feed_rows
from desktop.cache import Cache, CacheError
from desktop.cache.writer import write_records
from desktop.engine.feed_rows import RowLoader, source_url
from desktop.core.model import Item, Kind, Precision

KST = ZoneInfo("Asia/Seoul")
T = int(datetime(2026, 11, 14, 16, 42, 5, tzinfo=KST).timestamp() * 1000)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "feed.db"
    cache = Cache.open(path)
    items = [Item(kind=Kind.POST, source="x", source_id=str(1000 + i), t_ms=T + i * 1000, text=f"글 {i}",
                  author=f"user{i}", hashtags=("부산", "test"), links=("https://example.org/a",),
                  lat=35.1, lon=129.0, precision=Precision.PLACE, radius_m=3200.0)
             for i in range(1200)]
    items.append(Item(kind=Kind.FIELD_UPDATE, source="cot", source_id="u-1", t_ms=T, text="줄 하나\n줄 둘",
                      unit_uid="ANDROID-1", callsign="부산11", extra={"cot_type": "a-f-G-U-C", "emergency": True}))
    write_records(cache, items, path="t", fmt="test")
    cache.close()
    return path


def test_load_by_ids_decodes_rows(db):
    with RowLoader(db) as loader:
        ids = [r for r in range(1, 11)]
        rows = loader.load(np.array(ids, dtype=np.int64))  # numpy ids work as well as ints
        assert sorted(rows) == ids
        r = rows[3]
        assert r["kind"] == "post" and r["text"] == "글 2" and r["author"] == "user2"
        assert r["hashtags"] == ["부산", "test"] and r["links"] == ["https://example.org/a"]
        assert r["extra"] is None and r["precision"] == "place" and r["radius_m"] == 3200.0
        last = loader.load([1201])[1201]
        assert last["kind"] == "field_update" and last["extra"]["emergency"] is True
        assert last["callsign"] == "부산11"


def test_load_splits_into_queries_of_500(db):
    loader = RowLoader(db)
    statements: list[str] = []
    loader._cache.conn.set_trace_callback(statements.append)
    rows = loader.load(list(range(1, 1202)))
    assert len(rows) == 1201
    selects = [s for s in statements if s.startswith("SELECT")]
    assert len(selects) == 3  # 500 + 500 + 201
    loader.close()


def test_missing_ids_are_absent_and_empty_is_fine(db):
    with RowLoader(db) as loader:
        assert loader.load([]) == {}
        assert set(loader.load([1, 99999])) == {1}


def test_loader_is_read_only(db):
    with RowLoader(db) as loader:
        with pytest.raises(Exception):
            loader._cache.conn.execute("DELETE FROM items")


def test_loader_refuses_missing_file(tmp_path):
    with pytest.raises(CacheError):
        RowLoader(tmp_path / "nope.db")


@pytest.mark.parametrize("item, url", [
    ({"source": "x", "source_id": "1857", "author": "busan_police", "links": []},
     "https://x.com/busan_police/status/1857"),
    ({"source": "x", "source_id": "1857", "author": None, "links": []}, "https://x.com/i/web/status/1857"),
    ({"source": "x", "source_id": "1857", "author": "a/b?c#d", "links": []}, "https://x.com/a%2Fb%3Fc%23d/status/1857"),
    ({"source": "x", "source_id": "1857", "author": "<b>x</b>", "links": []},
     "https://x.com/%3Cb%3Ex%3C%2Fb%3E/status/1857"),
    ({"source": "csv", "source_id": "1", "links": ["javascript:alert(1)", "https://ok.example/p?q=1"]},
     "https://ok.example/p?q=1"),
    ({"source": "csv", "source_id": "1", "links": ["HTTP://Example.org/"]}, "HTTP://Example.org/"),
    ({"source": "csv", "source_id": "1", "links": ["javascript:alert(1)"]}, None),
    ({"source": "csv", "source_id": "1", "links": ["data:text/html,<script>alert(1)</script>"]}, None),
    ({"source": "csv", "source_id": "1", "links": ["file:///etc/passwd"]}, None),
    ({"source": "csv", "source_id": "1", "links": [" javascript:alert(1)"]}, None),
    ({"source": "csv", "source_id": "1", "links": ["java\tscript:alert(1)"]}, None),
    ({"source": "csv", "source_id": "1", "links": ["https://"]}, None),
    ({"source": "csv", "source_id": "1", "links": ["//evil.example/x"]}, None),
    ({"source": "csv", "source_id": "1", "links": [None, 5]}, None),
    ({"source": "csv", "source_id": "1", "links": []}, None),
])
def test_source_url(item, url):
    assert source_url(item) == url


def test_helpers():
    assert feed_rows.first_line("\n  첫 줄  \n둘째") == "첫 줄"
    long = "가" * 500
    assert feed_rows.first_line(long) == "가" * 199 + "…"
    assert feed_rows.first_line(None) == ""
    assert feed_rows.dual_time(T, KST) == "2026-11-14 16:42:05 KST · 07:42:05 UTC"
    early = int(datetime(2026, 11, 14, 8, 0, tzinfo=KST).timestamp() * 1000)
    assert feed_rows.dual_time(early, KST) == "2026-11-14 08:00:00 KST · 2026-11-13 23:00:00 UTC"
    assert feed_rows.location_text("place", 3200) == "place, ±3.2 km"
    assert feed_rows.location_text("exact", 8) == "exact, ±8 m"
    assert feed_rows.location_text("unknown", None) == "unknown"
    assert feed_rows.course_speed(245.0, 3.2) == "245° · 3.2 m/s (11.5 km/h)"
    assert feed_rows.course_speed(None, True) == ""
    assert feed_rows.who({"kind": "field_update", "callsign": "부산11", "author": None}) == "부산11"
    assert feed_rows.who({"kind": "post", "author": "a", "callsign": None}) == "a"
