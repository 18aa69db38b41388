"""The `sitmap` command end to end: import, stats, query, and a kill mid-import."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from desktop.cli import build_parser, main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tweet(i: int, lat=37.5759, lon=126.9769) -> dict:
    t = datetime(2026, 11, 14, 5, 0, tzinfo=timezone.utc) + timedelta(seconds=i)
    return {
        "created_at": t.strftime("%a %b %d %H:%M:%S +0000 %Y"), "id": 1_900_000_000_000_000_000 + i,
        "id_str": str(1_900_000_000_000_000_000 + i), "text": f"광화문 집회 소식 {i} #광화문 #rally",
        "user": {"id_str": str(500 + i % 7), "screen_name": f"citizen{i % 7}"}, "lang": "ko",
        "coordinates": {"type": "Point", "coordinates": [lon, lat]},
        "entities": {"hashtags": [{"text": "광화문"}, {"text": "rally"}], "urls": []},
    }


def _jsonl(path, n: int, start: int = 0):
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(start, start + n):
            fh.write(json.dumps(_tweet(i), ensure_ascii=False) + "\n")
    return path


def test_import_stats_query_roundtrip(tmp_path, capsys):
    db = tmp_path / "c.db"
    src = _jsonl(tmp_path / "t.jsonl", 25)
    assert main(["import", str(src), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "25 new" in out and "(x-v1)" in out
    assert main(["--db", str(db), "import", str(src)]) == 0
    assert "0 new, 25 already in the cache" in capsys.readouterr().out
    assert main(["stats", "--db", str(db)]) == 0
    assert "items: 25" in capsys.readouterr().out
    out_file = tmp_path / "q.geojson"
    assert main(["query", "--db", str(db), "--hashtag", "광화문", "--from", "2026-11-14T14:00:10",
                 "--to", "2026-11-14T14:00:20", "--format", "geojson", "--out", str(out_file)]) == 0
    fc = json.loads(out_file.read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 10
    f = fc["features"][0]
    assert f["geometry"] == {"type": "Point", "coordinates": [126.9769, 37.5759]}
    props = f["properties"]
    for key in ("id", "kind", "source", "source_id", "time", "author", "text", "hashtags", "precision", "radius_m"):
        assert key in props
    assert props["time"] == "2026-11-14T05:00:10Z" and props["hashtags"] == ["광화문", "rally"]
    err = capsys.readouterr().err
    assert "note: times without a zone were read as Asia/Seoul" in err


def test_query_csv_and_jsonl(tmp_path, capsys):
    db = tmp_path / "c.db"
    main(["import", str(_jsonl(tmp_path / "t.jsonl", 5)), "--db", str(db)])
    capsys.readouterr()
    assert main(["query", "--db", str(db), "--format", "jsonl"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5 and json.loads(lines[0])["kind"] == "post"
    assert main(["query", "--db", str(db), "--format", "csv", "--text", "소식 3"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert len(rows) == 2 and rows[0].startswith("\ufeffid,kind,source")


def test_query_csv_has_a_bom_for_excel_unless_told_not_to(tmp_path, capsys):
    import csv

    db = tmp_path / "c.db"
    main(["import", str(_jsonl(tmp_path / "t.jsonl", 3)), "--db", str(db)])
    out, plain = tmp_path / "q.csv", tmp_path / "plain.csv"
    assert main(["query", "--db", str(db), "--format", "csv", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfid,kind,source")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3 and rows[0]["text"].startswith("광화문 집회 소식")
    assert main(["query", "--db", str(db), "--format", "csv", "--out", str(plain), "--no-bom"]) == 0
    assert plain.read_bytes().startswith(b"id,kind,source")
    assert main(["query", "--db", str(db), "--format", "jsonl", "--out", str(tmp_path / "q.jsonl")]) == 0
    assert (tmp_path / "q.jsonl").read_bytes()[:1] == b"{"  # only CSV gets the mark


def test_query_to_standard_output_is_utf8_whatever_the_locale(tmp_path):
    """A redirected standard output on Korean Windows is CP949: the mark and every post
    must still arrive as UTF-8, and CSV rows end in CRLF once, not CR CR LF."""
    import csv
    import io

    db = tmp_path / "c.db"
    main(["import", str(_jsonl(tmp_path / "t.jsonl", 3)), "--db", str(db)])
    con = __import__("sqlite3").connect(db)
    con.execute("UPDATE items SET text = text || ' 🚨 ✓' WHERE rowid = (SELECT min(rowid) FROM items)")
    con.commit()
    con.close()
    env = {**os.environ, "PYTHONPATH": ROOT, "PYTHONIOENCODING": "cp949"}
    cmd = [sys.executable, "-m", "desktop", "query", "--db", str(db), "--format", "csv"]
    res = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    assert res.returncode == 0, res.stderr.decode("utf-8", "replace")
    assert res.stdout.startswith(b"\xef\xbb\xbfid,kind,source") and b"\r\r\n" not in res.stdout
    rows = list(csv.DictReader(io.StringIO(res.stdout.decode("utf-8-sig"), newline="")))
    assert len(rows) == 3 and rows[0]["text"].endswith("🚨 ✓") and rows[1]["text"].startswith("광화문 집회")
    plain = subprocess.run(cmd + ["--no-bom"], env=env, capture_output=True, timeout=120)
    assert plain.returncode == 0 and plain.stdout.startswith(b"id,kind,source")
    js = subprocess.run(cmd[:-1] + ["jsonl"], env=env, capture_output=True, timeout=120)
    assert js.returncode == 0 and js.stdout[:1] == b"{" and "광화문" in js.stdout.decode("utf-8")


def test_rejected_file_leaves_cache_untouched(tmp_path, capsys):
    db = tmp_path / "c.db"
    main(["import", str(_jsonl(tmp_path / "t.jsonl", 3)), "--db", str(db)])
    bad = tmp_path / "bad.csv"
    bad.write_bytes("위도,경도\n".encode("utf-16"))
    assert main(["import", str(bad), "--db", str(db)]) == 1
    assert "rejected" in capsys.readouterr().err
    main(["stats", "--db", str(db), "--json"])
    assert json.loads(capsys.readouterr().out)["batches"] == 1


def test_errors_are_messages_not_tracebacks(tmp_path, capsys):
    assert main(["stats", "--db", str(tmp_path / "missing.db")]) == 1
    assert "does not exist" in capsys.readouterr().err
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00garbage" * 500)
    assert main(["import", str(_jsonl(tmp_path / "t.jsonl", 1)), "--db", str(junk)]) == 1
    assert "damaged or not a SQLite file" in capsys.readouterr().err


def test_every_command_is_documented_in_the_readme():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        if name == "open":
            continue
        assert f"sitmap {name}" in readme, f"README does not show 'sitmap {name}'"


def test_kill_mid_import_keeps_committed_files_and_rerun_completes(tmp_path):
    """SIGKILL while a big file is being written: earlier files stay, the big one is all
    or nothing, and running the same import again finishes it without duplicates."""
    db = tmp_path / "c.db"
    small = _jsonl(tmp_path / "small.jsonl", 100)
    big = _jsonl(tmp_path / "big.jsonl", 150_000, start=1000)
    env = {**os.environ, "PYTHONPATH": ROOT}
    cmd = [sys.executable, "-m", "desktop", "import", str(small), str(big), "--db", str(db), "--progress"]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    seen_big = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        if "big.jsonl" in line and "records read" in line:
            seen_big = True
            break
    assert seen_big, "the import never reported progress on the big file"
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    import sqlite3

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    n = conn.execute("SELECT count(*) FROM items").fetchone()[0]
    conn.close()
    assert n in (100, 150_100)
    rerun = subprocess.run(cmd[:-1], env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 150_100
    assert conn.execute("SELECT count(*) FROM (SELECT source_id FROM items GROUP BY source, source_id HAVING count(*) > 1)").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH '\"소식 \" AND \"식 1\" AND \" 14\" AND \"149\"'").fetchone()[0] > 0
    conn.close()


def test_every_command_module_registers_itself():
    """One file per command and one name in COMMANDS: each module adds its own sub-parser."""
    import importlib

    from desktop.cli import COMMANDS

    sub = build_parser()._subparsers._group_actions[0]
    for name in COMMANDS:
        mod = importlib.import_module(f"desktop.cli.{name}")  # a plain name: a module of desktop.cli
        assert callable(mod.register), name
    assert {"open", "import", "demo", "stats", "query", "snapshot", "tiles", "replay", "listen"} <= set(sub.choices)
    for cmd, parser in sub.choices.items():
        assert parser.get_default("func") is not None, f"{cmd} sets no func"


def test_a_new_command_plugs_in_with_one_registration(tmp_path, monkeypatch, capsys):
    """A command module written elsewhere plugs in by its name in COMMANDS alone."""
    import desktop.cli as cli

    pkg = tmp_path / "extra_cmds"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "hello.py").write_text(
        "from desktop.cli.common import add_db, db_path\n"
        "def run(args):\n    print('hello', db_path(args).name)\n    return 0\n"
        "def register(sub):\n    p = sub.add_parser('hello')\n    add_db(p)\n    p.set_defaults(func=run)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cli, "COMMANDS", cli.COMMANDS + ("extra_cmds.hello",))
    assert main(["hello", "--db", str(tmp_path / "x.db")]) == 0
    assert capsys.readouterr().out == "hello x.db\n"


def test_a_defect_is_one_line_and_exit_70_with_the_traceback_in_the_log(tmp_path, monkeypatch, capsys):
    import desktop.cli.stats as stats_cmd

    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path / "data"))

    def broken(_args):
        raise KeyError("a defect")

    monkeypatch.setattr(stats_cmd, "run", broken)
    main(["demo", "--db", str(tmp_path / "d.db"), "--size", "50"])
    capsys.readouterr()
    assert main(["stats", "--db", str(tmp_path / "d.db")]) == 70
    err = capsys.readouterr().err
    assert err.startswith("sitmap: internal error: KeyError: 'a defect' (details in ")
    assert "Traceback" not in err
    logfile = tmp_path / "data" / "sitmap.log"
    assert "Traceback" in logfile.read_text(encoding="utf-8") and "KeyError: 'a defect'" in logfile.read_text()


def test_triage_and_incidents_end_to_end(tmp_path, capsys, monkeypatch):
    """Triage items, open an incident, filter by both: `sitmap query` (SQL) and the index agree;
    a wrong id or state is one line, exit 1, and changes nothing."""
    import numpy as np

    from desktop.cache import Cache
    from desktop.cache.query import matching_ids
    from desktop.engine.index import ItemIndex

    db = tmp_path / "c.db"
    area = tmp_path / "square.geojson"
    area.write_text(json.dumps({"type": "Polygon", "coordinates": [[[126.97, 37.57], [126.98, 37.57], [126.98, 37.58],
                                                                    [126.97, 37.58], [126.97, 37.57]]]}))
    main(["import", str(_jsonl(tmp_path / "t.jsonl", 12)), "--db", str(db)])
    capsys.readouterr()
    monkeypatch.delenv("SITMAP_OPERATOR", raising=False)
    assert main(["triage", "1", "--state", "verified", "--db", str(db)]) == 1
    assert "--by NAME, or set SITMAP_OPERATOR" in capsys.readouterr().err
    monkeypatch.setenv("SITMAP_OPERATOR", "kim")
    assert main(["triage", "1", "2", "3", "--state", "verified", "--priority", "urgent", "--tag", "crowd",
                 "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "item 1: state new → verified, priority routine → urgent, +crowd" and len(out) == 3
    assert main(["triage", "4", "--duplicate-of", "1", "--note", "같은 영상", "--by", "lee", "--db", str(db)]) == 0
    assert capsys.readouterr().out == "item 4: state new → duplicate, duplicate of 1 (note: 같은 영상)\n"
    assert main(["triage", "5", "--state", "false", "--tag", "violence", "--origin", "officer", "--db", str(db)]) == 0
    assert "confirmed in the field" in capsys.readouterr().out

    def tables():
        with Cache.open_readonly(db) as c:
            return [c.conn.execute(f"SELECT * FROM {t}").fetchall()
                    for t in ("triage", "triage_history", "incidents", "incident_items", "incident_log")]

    before = tables()
    for argv, message in [(["triage", "1", "99", "--state", "closed"], "no item with id 99"),
                          (["triage", "1", "--state", "done"], "unknown triage state 'done'"),
                          (["triage", "x1", "--state", "closed"], "item id 'x1' is not a number"),
                          (["triage", "1", "--tag", "riot"], "unknown category 'riot'"),
                          (["incident", "add", "없는 사건", "--items", "1"], "no incident named or numbered '없는 사건'"),
                          (["incident", "create", "x", "--items", "1", "77"], "no item with id 77"),
                          (["incident", "create", "x", "--point", "37.5"], "--point '37.5'"),
                          (["query", "--incident", "9", "--format", "jsonl"], "--incident: no incident")]:
        assert main(argv + ["--db", str(db)]) == 1, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, (argv, err)
    assert tables() == before

    assert main(["incident", "create", "광화문 충돌", "--items", "1", "2", "6", "--area", str(area),
                 "--priority", "urgent", "--db", str(db)]) == 0
    assert capsys.readouterr().out == "incident 1 (광화문 충돌) opened, urgent, 3 items\n"
    assert main(["incident", "create", "시청", "--point", "37.5663,126.9779", "--db", str(db)]) == 0
    assert main(["incident", "add", "광화문 충돌", "--items", "7", "1", "--db", str(db)]) == 0
    assert "1 added, 4 items in all" in capsys.readouterr().out
    assert main(["incident", "list", "--json", "--db", str(db)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["items"]) for r in listed] == [("광화문 충돌", 4), ("시청", 0)]
    assert listed[0]["area"]["type"] == "Polygon"

    with Cache.open_readonly(db) as c:
        index = ItemIndex.load(c.conn)
        for args, flt_want in [(["--state", "verified"], 3), (["--state", "new"], 7), (["--priority", "urgent"], 3),
                               (["--tag", "crowd", "--tag", "violence"], 4), (["--incident", "광화문 충돌"], 4),
                               (["--incident", "1", "--state", "verified", "--state", "false"], 2)]:
            assert main(["query", "--format", "jsonl", "--db", str(db)] + args) == 0
            got = [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()]
            assert len(got) == flt_want, args
            from desktop.cli import build_parser
            from desktop.cli.common import filter_from_args

            flt = filter_from_args(build_parser().parse_args(["query"] + args), c)
            assert got == matching_ids(c.conn, flt).tolist() == index.id[index.select(flt, c.conn).pos].tolist()
            assert np.all(np.diff(got) != 0)

    assert main(["incident", "close", "광화문 충돌", "--note", "해산", "--db", str(db)]) == 0
    assert main(["incident", "close", "1", "--note", "again", "--db", str(db)]) == 1
    assert "already closed" in capsys.readouterr().err
    assert main(["incident", "list", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "시청" in out and "광화문 충돌" not in out
    assert main(["incident", "list", "--all", "--db", str(db)]) == 0
    assert "광화문 충돌" in capsys.readouterr().out
    assert main(["incident", "show", "광화문 충돌", "--db", str(db)]) == 0
    shown = capsys.readouterr().out
    assert "incident 1: 광화문 충돌  [closed, urgent]  an area" in shown
    assert "verified  urgent" in shown and "[crowd]" in shown and "open → closed: 해산" in shown
    assert "added items 1, 2, 6" in shown and "added item 7" in shown
