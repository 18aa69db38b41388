"""The cache file: schema versions, atomic imports, and clear errors for bad files."""

from __future__ import annotations

import os
import sqlite3

import pytest

from desktop.cache import SCHEMA_VERSION, Cache, CacheError
from desktop.cache.writer import write_records
from desktop.core.model import DeleteItem, Item, Kind, Precision, ScrubGeo


def _post(i: int, **kw) -> Item:
    base = dict(kind=Kind.POST, source="x", source_id=str(1000 + i), t_ms=1_763_000_000_000 + i * 1000,
                text=f"광화문 집회 {i} #광화문", lat=37.5759, lon=126.9769, precision=Precision.EXACT,
                hashtags=("광화문",), author="kim", author_id="42")
    base.update(kw)
    return Item(**base)


def test_new_cache_is_wal_and_versioned(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    assert c.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert c.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    c.close()


def test_the_cache_as_a_sqlite_utils_database_shares_its_connection(tmp_path):
    import subprocess
    import sys

    with Cache.open(tmp_path / "c.db") as c:
        write_records(c, [Item(kind=Kind.POST, source="x", source_id="1", t_ms=1, text="광화문")], path="t", fmt="t")
        assert c.db["items"].count == 1 and c.db.conn is c.conn
        assert next(c.db["items"].rows)["text"] == "광화문"
    # Opening a cache, its writer loaded, imports neither sqlite_utils nor pandas (which it imports).
    code = ("import sys; from desktop.cache import Cache; from desktop.cache.writer import write_records; "
            f"c = Cache.open({str(tmp_path / 'd.db')!r}); c.close(); "
            "print('sqlite_utils' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_newer_schema_is_refused_and_left_alone(tmp_path):
    p = tmp_path / "c.db"
    Cache.open(p).close()
    conn = sqlite3.connect(p)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    conn.close()
    before = p.read_bytes()
    with pytest.raises(CacheError, match="newer Sitmap"):
        Cache.open(p)
    with pytest.raises(CacheError, match="newer Sitmap"):
        Cache.open_readonly(p)
    assert p.read_bytes() == before


def test_foreign_sqlite_file_is_refused(tmp_path):
    p = tmp_path / "other.db"
    conn = sqlite3.connect(p)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(CacheError, match="not a Sitmap cache"):
        Cache.open(p)


def test_corrupted_file_gives_clear_error_and_is_kept(tmp_path):
    p = tmp_path / "c.db"
    p.write_bytes(b"this is not a database at all" * 200)
    before = p.read_bytes()
    with pytest.raises(CacheError, match="damaged or not a SQLite file"):
        Cache.open(p)
    assert p.read_bytes() == before


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_file_gives_clear_error(tmp_path):
    p = tmp_path / "c.db"
    Cache.open(p).close()
    p.chmod(0o444)
    with pytest.raises(CacheError, match="read-only"):
        c = Cache.open(p)
        write_records(c, [_post(1)], path="t", fmt="test")


def test_read_only_connection_cannot_write(tmp_path):
    p = tmp_path / "c.db"
    Cache.open(p).close()
    c = Cache.open_readonly(p)
    with pytest.raises(CacheError, match="read-only"):
        write_records(c, [_post(1)], path="t", fmt="test")


def test_locked_cache_gives_clear_error(tmp_path, monkeypatch):
    import desktop.cache.db as dbmod

    p = tmp_path / "c.db"
    Cache.open(p).close()
    other = sqlite3.connect(p, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 100)
    c = Cache.open(p)
    c.conn.execute("PRAGMA busy_timeout=100")
    with pytest.raises(CacheError, match="locked by another program"):
        write_records(c, [_post(1)], path="t", fmt="test")
    other.execute("ROLLBACK")
    assert write_records(c, [_post(1)], path="t", fmt="test").accepted == 1


def test_reimport_is_a_no_op_and_derived_rows_follow(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    s1 = write_records(c, [_post(i) for i in range(50)], path="a", fmt="test")
    s2 = write_records(c, [_post(i) for i in range(50)], path="a", fmt="test")
    assert (s1.accepted, s2.accepted, s2.duplicates) == (50, 0, 50)
    q = lambda sql: c.conn.execute(sql).fetchone()[0]  # noqa: E731
    assert q("SELECT count(*) FROM items") == 50
    assert q("SELECT count(*) FROM item_tags WHERE tag='광화문'") == 50
    assert q("SELECT count(*) FROM items_geo") == 50
    assert q("SELECT count(*) FROM items_fts WHERE items_fts MATCH '\"광화문\" AND \"화문 \" AND \"문 집\" AND \" 집회\"'") == 50


def test_failure_mid_file_rolls_back_the_whole_file(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    write_records(c, [_post(0)], path="first", fmt="test")

    def records():
        for i in range(1, 20_000):
            yield _post(i)
            if i == 12_345:
                raise RuntimeError("reader crashed")

    with pytest.raises(RuntimeError):
        write_records(c, records(), path="second", fmt="test")
    assert c.conn.execute("SELECT count(*) FROM items").fetchone()[0] == 1
    assert c.conn.execute("SELECT count(*) FROM batches").fetchone()[0] == 1


def test_delete_before_tweet_and_scrub_geo(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    st = write_records(c, [DeleteItem("x", "1003"), _post(3), _post(4), _post(9)], path="a", fmt="test")
    assert st.accepted == 2 and st.deleted == 1
    write_records(c, [ScrubGeo("x", "42", "1004")], path="b", fmt="test")
    rows = dict(c.conn.execute("SELECT source_id, lat FROM items").fetchall())
    assert rows == {"1004": None, "1009": 37.5759}
    assert c.conn.execute("SELECT count(*) FROM items_geo").fetchone()[0] == 1
    # An older post of the scrubbed user arriving later is stored without position.
    write_records(c, [_post(1)], path="c", fmt="test")
    assert c.conn.execute("SELECT lat, precision FROM items WHERE source_id='1001'").fetchone() == (None, "unknown")


def test_text_is_nfc_normalised(tmp_path):
    import unicodedata

    c = Cache.open(tmp_path / "c.db")
    nfd = unicodedata.normalize("NFD", "집회 #광화문")
    write_records(c, [_post(1, text=nfd, hashtags=(unicodedata.normalize("NFD", "광화문"),))], path="a", fmt="test")
    text, tags = c.conn.execute("SELECT text, hashtags FROM items").fetchone()
    assert text == "집회 #광화문" and "광화문" in tags
    assert c.conn.execute("SELECT count(*) FROM item_tags WHERE tag = '광화문'").fetchone()[0] == 1


def test_full_disk_gives_clear_error_and_keeps_data(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    write_records(c, [_post(i) for i in range(10)], path="a", fmt="test")
    pages = c.conn.execute("PRAGMA page_count").fetchone()[0]
    c.conn.execute(f"PRAGMA max_page_count={pages + 2}")  # the file cannot grow: as on a full disk
    big = [_post(100 + i, text="가" * 2000) for i in range(2000)]
    with pytest.raises(CacheError, match="disk is full"):
        write_records(c, big, path="b", fmt="test")
    assert c.conn.execute("SELECT count(*) FROM items").fetchone()[0] == 10
