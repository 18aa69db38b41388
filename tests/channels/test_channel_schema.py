"""Cache schema v7: the public channel's tables in a real cache file (replies to complaints,
appeals and their responses), and an erased item taking its reply and appeal link along."""

from __future__ import annotations

import sqlite3

from desktop.cache import SCHEMA_VERSION, Cache
from desktop.cache.erase import erase
from desktop.cache.writer import write_records
from desktop.core.model import Item, Kind


def test_v7_tables_and_erasure_trigger(tmp_path):
    cache = Cache.open(tmp_path / "c.db")
    try:
        conn = cache.conn
        assert SCHEMA_VERSION >= 8
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger', 'index')")}
        assert {"triage_replies", "appeals", "appeal_responses", "items_ad_channel", "items_reply_to"} <= names
        write_records(cache, [Item(kind=Kind.POST, source="facebook", source_id="1_2", t_ms=1, text="민원")],
                      path="test", fmt="facebook-graph", purpose="public-order")
        item_id = conn.execute("SELECT id FROM items").fetchone()[0]
        with conn:
            conn.execute("INSERT INTO triage_replies VALUES (?, '답변함', 1, 'kim')", (item_id,))
            conn.execute("INSERT INTO appeals (channel, account, client_key, created_ms, created_by, updated_ms) "
                         "VALUES ('x', '@busanpolice', 'k1', 1, 'kim', 1)")
            conn.execute("INSERT INTO appeal_responses VALUES (1, ?)", (item_id,))
        try:
            with conn:
                conn.execute("UPDATE appeals SET state = 'posted'")
        except sqlite3.IntegrityError:
            pass
        else:
            raise AssertionError("an unknown appeal state was accepted")
        erase(cache, [item_id], reason="test")
        assert conn.execute("SELECT count(*) FROM triage_replies").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM appeal_responses").fetchone()[0] == 0
        assert conn.execute("SELECT state FROM appeals").fetchone()[0] == "draft"
    finally:
        cache.close()
