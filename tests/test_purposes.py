"""No purpose, no collection: imports and live feeds refuse to start without a purpose, and
what they store keeps who collected it and why (batches.operator/purpose/case_ref)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from desktop.audit import AuditLog
from desktop.cache import Cache
from desktop.cli import main
from desktop.core.model import Item, Kind, Precision
from desktop.core.purposes import PurposeError
from desktop.importers import import_file
from desktop.live.writer import LiveWriter
from tests.test_cli import _jsonl


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_import_file_refuses_without_a_purpose_and_writes_nothing(tmp_path):
    db = tmp_path / "c.db"
    src = _jsonl(tmp_path / "t.jsonl", 5)
    cache = Cache.open(db)
    try:
        for kwargs, words in (({}, "no purpose given"), ({"purpose": "sightseeing"}, "unknown purpose 'sightseeing'"),
                              ({"purpose": "investigation"}, "needs a case reference")):
            with pytest.raises(PurposeError) as exc:
                import_file(cache, src, **kwargs)
            assert str(src) in str(exc.value) or "unknown purpose" in str(exc.value)
            assert words in str(exc.value)
        assert cache.conn.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
        assert cache.conn.execute("SELECT count(*) FROM items").fetchone()[0] == 0
        res = import_file(cache, src, operator="kim", purpose="investigation", case_ref="2026-1114")
        assert res.stats.accepted == 5
        row = cache.conn.execute("SELECT operator, purpose, case_ref FROM batches").fetchall()
        assert row == [("kim", "investigation", "2026-1114")]
    finally:
        cache.close()


def test_cli_import_refused_leaves_the_cache_unchanged(tmp_path, capsys, monkeypatch):
    db = tmp_path / "c.db"
    src = _jsonl(tmp_path / "t.jsonl", 5)
    assert main(["import", str(src), "--db", str(db), "--operator", "kim"]) == 0
    before = _files(tmp_path)
    capsys.readouterr()
    monkeypatch.delenv("SITMAP_PURPOSE")
    other = _jsonl(tmp_path / "u.jsonl", 5, start=100)
    before["u.jsonl"] = other.read_bytes()
    assert main(["import", str(other), "--db", str(db)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(other) in err[0] and "no purpose given" in err[0] and "public-order" in err[0]
    assert main(["import", str(other), "--db", str(db), "--purpose", "nope"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown purpose 'nope'" in err[0] and "missing-person" in err[0]
    assert _files(tmp_path) == before  # nothing written: not the cache, not its WAL, not the audit log
    assert main(["import", str(other), "--db", str(db), "--purpose", "traffic-safety", "--case", "T-1"]) == 0
    with Cache.open(db) as cache:
        rows = cache.conn.execute("SELECT operator, purpose, case_ref FROM batches ORDER BY id").fetchall()
    assert rows == [("kim", "public-order", None), (None, "traffic-safety", "T-1")]


def _post(i: int, source: str = "x") -> Item:
    return Item(kind=Kind.POST, source=source, source_id=str(i), t_ms=1_700_000_000_000 + i, lat=37.57,
                lon=126.97, precision=Precision.EXACT, text=f"live {i}", author="someone", author_id="42")


def test_live_writer_refuses_without_a_purpose(tmp_path):
    db = tmp_path / "live.db"
    with pytest.raises(PurposeError, match="the live feeds: no purpose given"):
        LiveWriter(db).start()
    assert not db.exists()


def test_live_writer_keeps_the_purpose_and_logs_collection_per_feed(tmp_path):
    db = tmp_path / "live.db"
    w = LiveWriter(db, batch_s=0.005, batch_max=50, operator="lee", purpose="public-order", case_ref="C-9",
                   audit_every_s=0.4).start()
    try:
        for i in range(0, 600, 10):
            w.put([_post(j) for j in range(i, i + 10)], "x-stream")
            w.put([_post(j, "tak") for j in range(i, i + 10)], "tak-udp")
            time.sleep(0.005)
        assert w.flush()
        time.sleep(0.5)  # the first entries come due while the feeds go quiet
        w.put([_post(1000)], "x-stream")
        assert w.flush()
    finally:
        w.stop()
    with Cache.open(db) as cache:
        batches = cache.conn.execute("SELECT id, path, operator, purpose, case_ref FROM batches ORDER BY id").fetchall()
        assert cache.conn.execute("SELECT count(*) FROM items").fetchone()[0] == 1201
    assert len(batches) > 4
    assert {b[2:] for b in batches} == {("lee", "public-order", "C-9")}
    with AuditLog.open(db) as log:
        entries = log.entries(action="collect")
        assert log.verify().ok
    assert len(entries) < len(batches)  # aggregated, not one per commit
    by_feed: dict[str, list] = {}
    for e in entries:
        assert (e.operator, e.purpose, e.case_ref) == ("lee", "public-order", "C-9")
        by_feed.setdefault(e.objects["feed"], []).append(e)
    assert set(by_feed) == {"x-stream", "tak-udp"}
    assert len(by_feed["x-stream"]) >= 2  # at least one when due, and one at stop for the late post
    assert by_feed["x-stream"][-1].detail["new"] == 1 or len(by_feed["x-stream"]) > 2
    assert sum(e.detail["new"] for e in by_feed["x-stream"]) == 601
    assert sum(e.detail["records"] for e in by_feed["tak-udp"]) == 600
    for feed, es in by_feed.items():
        ids = [b[0] for b in batches if b[1] == feed]
        assert es[0].objects["batches"][0] == min(ids) and es[-1].objects["batches"][1] == max(ids)
        assert sum(e.detail["commits"] for e in es) == len(ids)


def test_every_command_accepts_operator_purpose_and_case(tmp_path, monkeypatch):
    import argparse

    from desktop.cli import COMMANDS, _leaf_parsers, build_parser
    from desktop.cli.common import audit_fields

    parser = build_parser()
    leaves = _leaf_parsers(parser)
    names = {lp.prog.removeprefix("sitmap ") for lp in leaves}
    assert {"import", "stats", "purposes", "audit verify", "incident create", "listen", "erase", "purge"} <= names
    assert len(leaves) >= len(COMMANDS)
    for lp in leaves:
        for opt in ("--operator", "--purpose", "--case"):
            assert opt in lp._option_string_actions, f"{lp.prog} does not accept {opt}"
        ns = argparse.Namespace()
        for opt, value in (("--operator", "kim"), ("--purpose", "campaign"), ("--case", "R-7")):
            action = lp._option_string_actions[opt]
            setattr(ns, action.dest, value)
        assert audit_fields(ns) == ("kim", "campaign", "R-7"), lp.prog
    args = parser.parse_args(["stats", "--operator", "kim", "--purpose", "campaign", "--case", "R-7"])
    assert audit_fields(args) == ("kim", "campaign", "R-7")
    monkeypatch.setenv("SITMAP_OPERATOR", "lee")
    monkeypatch.setenv("SITMAP_PURPOSE", "missing-person")
    monkeypatch.setenv("SITMAP_CASE", "M-1")
    assert audit_fields(parser.parse_args(["stats"])) == ("lee", "missing-person", "M-1")
    assert audit_fields(parser.parse_args(["audit", "head", "--purpose", "campaign"])) == ("lee", "campaign", "M-1")


def test_unknown_purpose_is_refused_by_any_command(tmp_path, capsys, monkeypatch):
    db = tmp_path / "c.db"
    assert main(["stats", "--db", str(db), "--purpose", "curiosity"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown purpose 'curiosity'" in err
    for code in ("public-order", "missing-person", "traffic-safety", "campaign", "investigation"):
        assert code in err
    monkeypatch.setenv("SITMAP_PURPOSE", "curiosity")
    assert main(["stats", "--db", str(db)]) == 1
    assert "unknown purpose 'curiosity'" in capsys.readouterr().err
    assert main(["purposes"]) == 0  # the list itself is always shown: it is where the codes are found
    assert not db.exists()


def test_sitmap_purposes_lists_codes_labels_basis_and_retention(capsys):
    import json

    assert main(["purposes"]) == 0
    out = capsys.readouterr().out
    assert "public-order  (kept 730 days)" in out and "investigation  (kept 1825 days, needs --case)" in out
    assert "집회·행사 질서 유지 및 안전 관리" in out and "Road Traffic Act" in out
    assert main(["purposes", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    by_code = {p["code"]: p for p in doc["purposes"]}
    assert list(by_code) == ["public-order", "missing-person", "traffic-safety", "campaign", "investigation"]
    assert by_code["traffic-safety"]["retention_days"] == 365 and by_code["investigation"]["case_required"]
    assert by_code["missing-person"]["label_ko"] == "실종자 수색"
    assert by_code["campaign"]["legal_basis_en"].startswith("Act on the Performance")
