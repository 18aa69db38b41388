"""Drop folder and JSON-lines tailing."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from desktop.cache import Cache
from desktop.importers import ImportFailed
from desktop.live.files import DropFolderWatcher, JsonlTailer
from desktop.live.writer import LiveWriter
from tests.live.helpers import Collector, wait_for

GEOJSON = ('{"type":"FeatureCollection","features":[' + ",".join(
    '{"type":"Feature","id":"f%d","geometry":{"type":"Point","coordinates":[127.0,37.5]},'
    '"properties":{"time":"2026-05-01T03:00:00Z","text":"드롭 %d"}}' % (k, k) for k in range(20)) + "]}")


def _v1(k: int, text: str = "광화문 #집회") -> dict:
    return {"created_at": "Fri May 01 03:00:00 +0000 2026", "id_str": str(1_900_000_000_000_000_000 + k),
            "text": text, "user": {"id_str": "42", "screen_name": "seoul_kim"},
            "coordinates": {"type": "Point", "coordinates": [126.977, 37.5759]}}


def _line(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")


def test_drop_folder_waits_for_a_stable_size_and_imports_once(tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    calls = []
    w = DropFolderWatcher(folder, lambda p: calls.append((p.name, p.stat().st_size)) or "ok")
    f = folder / "reports.geojson"
    data = GEOJSON.encode()
    f.write_bytes(data[:100])
    assert w.poll() == 0  # first sight
    with open(f, "ab") as fh:
        fh.write(data[100:300])
    assert w.poll() == 0  # still growing
    with open(f, "ab") as fh:
        fh.write(data[300:])
    assert w.poll() == 0
    assert w.poll() == 1 and calls == [("reports.geojson", len(data))]
    assert w.poll() == 0 and w.poll() == 0  # done stays done
    (folder / ".hidden.json").write_text("{}")
    (folder / "half.csv.part").write_text("a,b")
    (folder / "empty.csv").write_text("")
    w.poll(), w.poll()
    assert len(calls) == 1
    with open(f, "ab") as fh:
        fh.write(b"\n")  # changed: imported again (a no-op for what is already stored)
    w.poll()
    assert w.poll() == 1 and len(calls) == 2


def test_drop_folder_into_the_cache_through_the_writer(tmp_path):
    db = tmp_path / "c.db"
    folder = tmp_path / "drop"
    folder.mkdir()
    writer = LiveWriter(db, purpose="public-order").start()
    got = []
    writer.add_listener(lambda ids, u, s: got.append(ids))
    w = DropFolderWatcher(folder, writer.import_file, interval=0.05).start()
    try:
        (folder / "a.geojson").write_text(GEOJSON, encoding="utf-8")
        (folder / "bad.json").write_text('{"not": "anything we read"}', encoding="utf-8")
        assert wait_for(lambda: len(w.results) == 2)
        assert wait_for(lambda: w.status.messages == 1 and w.status.malformed == 1)
        assert "bad.json refused" in w.status.last_error
    finally:
        w.stop()
        writer.stop()
    assert sum(len(g) for g in got) == 20
    assert isinstance(dict((p.name, r) for p, r in w.results)["bad.json"], ImportFailed)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 20


def test_jsonl_partial_lines_wait(tmp_path):
    p = tmp_path / "cap.jsonl"
    t = JsonlTailer(p)
    assert list(t.lines()) == []  # not there yet
    line = _line(_v1(1))
    p.write_bytes(line + line[:25])
    assert list(t.lines()) == [line[:-1]]
    assert list(t.lines()) == []
    with open(p, "ab") as fh:
        fh.write(line[25:40])
    assert list(t.lines()) == []
    with open(p, "ab") as fh:
        fh.write(line[40:] + b"\n")  # the rest, then a keep-alive blank line
    assert list(t.lines()) == [line[:-1], b""]


def test_jsonl_truncation_restarts(tmp_path):
    p = tmp_path / "cap.jsonl"
    p.write_bytes(_line(_v1(1)) + _line(_v1(2)))
    t = JsonlTailer(p)
    assert len(list(t.lines())) == 2
    p.write_bytes(_line(_v1(3)))  # truncated and rewritten, shorter than before
    assert [json.loads(x)["id_str"][-1] for x in t.lines()] == ["3"]


def test_jsonl_rotation_finishes_the_old_file_first(tmp_path):
    p = tmp_path / "cap.jsonl"
    p.write_bytes(_line(_v1(1)))
    t = JsonlTailer(p)
    assert len(list(t.lines())) == 1
    with open(p, "ab") as fh:
        fh.write(_line(_v1(2)) + _line(_v1(3))[:-1])  # the writer's last line, without newline
    os.rename(p, tmp_path / "cap.jsonl.1")
    p.write_bytes(_line(_v1(4)))
    ids = [json.loads(x)["id_str"][-1] for x in t.lines()]
    assert ids == ["2", "3", "4"]
    t.stop()


def test_jsonl_poll_converts_v1_v2_and_control_lines(tmp_path):
    p = tmp_path / "cap.jsonl"
    v2 = {"data": {"id": "1900000000000000099", "text": "부산 #안전", "created_at": "2026-05-01T03:00:01.000Z",
                   "author_id": "7", "edit_history_tweet_ids": ["1900000000000000099"]},
          "includes": {"users": [{"id": "7", "username": "busan_lee"}]}, "matching_rules": [{"id": 1, "tag": "x"}]}
    p.write_bytes(_line(_v1(1)) + _line(v2) + b"{broken json\n" + _line({"delete": {"status": {"id_str": "5"}}})
                  + _line({"limit": {"track": 3}}) + b"\n" + _line({"id_str": "1", "created_at": "nonsense"}))
    col = Collector()
    t = JsonlTailer(p, col, label="capture")
    t.poll()
    items = col.items()
    assert [i.author for i in items] == ["seoul_kim", "busan_lee"]
    assert items[0].hashtags == ("집회",) and items[1].hashtags == ("안전",)
    assert all(i.extra["feed"] == "capture" for i in items)
    assert any(type(r).__name__ == "DeleteItem" for r in col.records)
    st = t.status
    assert st.messages == 4 and st.malformed == 2 and "line 7" in st.last_error


def test_jsonl_overlong_line_dropped(tmp_path, monkeypatch):
    import desktop.live.files as files

    monkeypatch.setattr(files, "MAX_LINE_BYTES", 1000)
    p = tmp_path / "cap.jsonl"
    p.write_bytes(b'{"x": "' + b"a" * 5000 + b'"}\n' + _line(_v1(1)))
    t = JsonlTailer(p)
    lines = list(t.lines())
    assert len(lines) == 1 and json.loads(lines[0])["id_str"].endswith("1")
    assert t.status.dropped == 1


def test_jsonl_tail_thread_into_writer(tmp_path):
    db = tmp_path / "c.db"
    p = tmp_path / "cap.jsonl"
    writer = LiveWriter(db, purpose="public-order").start()
    t = JsonlTailer(p, writer, interval=0.02).start()
    try:
        with open(p, "ab") as fh:
            for k in range(30):
                fh.write(_line(_v1(k)))
                fh.flush()
        assert wait_for(lambda: writer.stats().committed == 30)
    finally:
        t.stop()
        writer.stop()
    with Cache.open(db) as c:
        assert c.conn.execute("SELECT count(*) FROM items WHERE source = 'x'").fetchone()[0] == 30


def test_drop_folder_retries_when_the_cache_was_not_ready(tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "a.geojson").write_text(GEOJSON, encoding="utf-8")
    attempts = []

    def importer(p):
        attempts.append(p.name)
        if len(attempts) == 1:
            raise RuntimeError("the live writer is not running")
        return "ok"

    w = DropFolderWatcher(folder, importer)
    w.poll()
    assert w.poll() == 0 and "not imported yet" in w.status.last_error
    assert w.poll() == 1 and w.poll() == 0 and attempts == ["a.geojson", "a.geojson"]
