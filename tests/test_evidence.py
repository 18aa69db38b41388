"""`sitmap evidence` and `sitmap verify-package`: what the package holds, and every way a
changed package is caught."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from desktop.cli import main

HOSTILE = '<script>alert(1)</script> ]]> "q", 광화문 🚨\n둘째 줄'
HOSTILE_RAW = json.dumps({"id_str": "hostile-1", "text": HOSTILE}, ensure_ascii=False)


@pytest.fixture(scope="module")
def ev_db(tmp_path_factory) -> tuple[Path, int]:
    """A small demo cache, one hostile post (raw payload kept), triaged and in an incident."""
    from desktop.cache import Cache
    from desktop.cache import incidents, triage
    from desktop.cache.query import time_span
    from desktop.cache.writer import write_records
    from desktop.core.model import Item, Kind, Precision
    from desktop.core.triage import TriageChange
    from desktop.demo.generator import write_demo

    path = tmp_path_factory.mktemp("evidence") / "demo.db"
    cache = Cache.open(path)
    write_demo(cache, seed=7, size=2000)
    t0, t1 = time_span(cache.conn)
    t = (t0 + t1) // 2
    write_records(cache, [Item(kind=Kind.POST, source="x", source_id="hostile-1", t_ms=t, text=HOSTILE,
                               lat=37.5759, lon=126.9769, precision=Precision.EXACT, author="=cmd|' /C calc'!A0",
                               hashtags=("광화문",), raw=HOSTILE_RAW)],
                  path="hostile.jsonl", fmt="test", keep_raw=True)
    hid = cache.conn.execute("SELECT id FROM items WHERE source_id = 'hostile-1'").fetchone()[0]
    triage.apply(cache.conn, [hid], TriageChange(state="verified", priority="urgent", note="확인 </script>"),
                 by="kim")
    inc = incidents.create(cache.conn, "광장 집회", by="kim", item_ids=[hid])
    incidents.log(cache.conn, inc, "현장 도착 ]]>", by="lee", item_id=hid)
    cache.close()
    return path, hid


def _window(db: Path) -> list[str]:
    """A two-hour window around the hostile post, as typed options."""
    from desktop.cache import Cache
    from desktop.core.timefmt import iso_utc

    with Cache.open_readonly(db) as c:
        t = c.conn.execute("SELECT t_ms FROM items WHERE source_id = 'hostile-1'").fetchone()[0]
    return ["--from", iso_utc(t - 3_600_000), "--to", iso_utc(t + 3_600_000)]


def _make(db: Path, out: Path, *extra: str) -> None:
    assert main(["evidence", "--db", str(db), "--out", str(out), "--no-map", "--operator", "김경위",
                 "--case", "case-123", *extra]) == 0


@pytest.fixture(scope="module")
def package(ev_db, tmp_path_factory) -> tuple[Path, list[str]]:
    db, _ = ev_db
    out = tmp_path_factory.mktemp("pkg") / "case-123.zip"
    flt = _window(db) + ["--kind", "post"]
    _make(db, out, *flt)
    return out, flt


def _rewrite(src: Path, dst: Path, change) -> Path:
    """Copy a zip entry by entry; ``change(name, data)`` returns new data, or None to drop it."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = change(name, zin.read(name))
            if data is not None:
                zout.writestr(name, data)
    return dst


def test_package_holds_the_files_and_the_hostile_text_exactly(ev_db, package, tmp_path, capsys):
    import geopandas as gpd

    db, hid = ev_db
    out, flt = package
    assert main(["query", "--db", str(db), "--format", "jsonl", "--out", str(tmp_path / "q.jsonl"), *flt]) == 0
    expected = [json.loads(line)["id"] for line in (tmp_path / "q.jsonl").read_text(encoding="utf-8").splitlines()]
    assert hid in expected and 10 < len(expected) < 2000

    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        for name in ("manifest.json", "items.geojson", "items.csv", "triage_history.json", "incidents.json",
                     "incident_log.json", f"raw/{hid}.json", "report.pdf"):
            assert name in names, name
        assert "map.png" not in names
        assert zf.read("report.pdf").startswith(b"%PDF-")
        zf.extractall(tmp_path / "x")
    x = tmp_path / "x"
    manifest = json.loads((x / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["items"] == len(expected)
    assert manifest["operator"] == "김경위" and manifest["case"] == "case-123"
    assert manifest["created_utc"].endswith("Z") and manifest["sitmap_version"]
    assert manifest["filter"]["fields"]["kinds"] == ["post"] and "posts" in manifest["filter"]["description"]
    assert len(manifest["filter"]["sha256"]) == 64
    assert "map.png" in manifest["omitted"] and "report.pdf" not in manifest["omitted"]
    assert {f["path"] for f in manifest["files"]} == names - {"manifest.json"}

    gdf = gpd.read_file(x / "items.geojson")
    assert len(gdf) == len(expected) and sorted(gdf["id"]) == sorted(expected)
    row = gdf[gdf["id"] == hid].iloc[0]
    assert row["text"] == HOSTILE and row["raw_file"] == f"raw/{hid}.json"
    assert (row.geometry.x, row.geometry.y) == (126.9769, 37.5759)

    with open(x / "items.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["id"]) for r in rows] == expected
    mine = next(r for r in rows if int(r["id"]) == hid)
    assert mine["text"] == HOSTILE
    assert mine["author"] == "'=cmd|' /C calc'!A0"  # would run as a formula in a spreadsheet
    assert (x / f"raw/{hid}.json").read_text(encoding="utf-8") == HOSTILE_RAW

    history = json.loads((x / "triage_history.json").read_text(encoding="utf-8"))
    assert [(h["item_id"], h["state"], h["note"]) for h in history] == [(hid, "verified", "확인 </script>")]
    incidents = json.loads((x / "incidents.json").read_text(encoding="utf-8"))
    assert [i["name"] for i in incidents] == ["광장 집회"] and incidents[0]["items_in_package"] == [hid]
    log = json.loads((x / "incident_log.json").read_text(encoding="utf-8"))
    assert "현장 도착 ]]>" in [r["text"] for r in log]

    assert main(["verify-package", str(out)]) == 0
    assert ": OK:" in capsys.readouterr().out
    assert not [p for p in out.parent.iterdir() if p.name != out.name]  # no temporary files left


def test_one_changed_byte_is_named(package, tmp_path, capsys):
    out, _ = package

    def flip(name, data):
        if name != "items.csv":
            return data
        b = bytearray(data)
        b[len(b) // 2] ^= 0x01
        return bytes(b)

    bad = _rewrite(out, tmp_path / "bad.zip", flip)
    assert main(["verify-package", str(bad)]) == 1
    text = capsys.readouterr().out
    assert "items.csv: differs" in text and "FAILED: 1 problem" in text


def test_a_removed_and_an_added_file_are_named(package, tmp_path, capsys):
    out, _ = package
    gone = _rewrite(out, tmp_path / "gone.zip", lambda n, d: None if n == "triage_history.json" else d)
    assert main(["verify-package", str(gone)]) == 1
    assert "triage_history.json: missing" in capsys.readouterr().out

    extra = tmp_path / "extra.zip"
    _rewrite(out, extra, lambda n, d: d)
    with zipfile.ZipFile(extra, "a") as zf:
        zf.writestr("raw/planted.json", b"{}")
    assert main(["verify-package", str(extra)]) == 1
    text = capsys.readouterr().out
    assert "raw/planted.json: extra" in text and "FAILED: 1 problem" in text


def test_an_altered_filter_in_the_manifest_is_caught(package, tmp_path, capsys):
    out, _ = package

    def widen(name, data):
        if name != "manifest.json":
            return data
        m = json.loads(data)
        m["filter"]["fields"]["kinds"] = []
        return json.dumps(m, ensure_ascii=False).encode("utf-8")

    assert main(["verify-package", str(_rewrite(out, tmp_path / "f.zip", widen))]) == 1
    assert "manifest.json: the filter differs from its SHA-256" in capsys.readouterr().out

    def reword(name, data):
        if name != "manifest.json":
            return data
        m = json.loads(data)
        m["filter"]["description"] = "posts and field updates"
        return json.dumps(m).encode("utf-8")

    assert main(["verify-package", str(_rewrite(out, tmp_path / "d.zip", reword))]) == 1
    assert "the filter differs" in capsys.readouterr().out


def test_user_errors_are_one_line_naming_the_file(ev_db, package, tmp_path, capsys):
    db, _ = ev_db
    out, _ = package
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    assert main(["verify-package", str(junk)]) == 1
    assert capsys.readouterr().err.strip() == f"sitmap: {junk}: not a zip file (File is not a zip file)"

    nomanifest = tmp_path / "plain.zip"
    with zipfile.ZipFile(nomanifest, "w") as zf:
        zf.writestr("a.txt", "x")
    assert main(["verify-package", str(nomanifest)]) == 1
    assert "no manifest.json" in capsys.readouterr().err

    assert main(["verify-package", str(tmp_path / "absent.zip")]) == 1
    assert "absent.zip: not found" in capsys.readouterr().err

    before = out.read_bytes()
    assert main(["evidence", "--db", str(db), "--out", str(out), "--no-map", "--no-report"]) == 1
    assert "already exists" in capsys.readouterr().err and out.read_bytes() == before

    assert main(["evidence", "--db", str(db), "--out", str(tmp_path / "case.tar"), "--no-map"]) == 1
    assert "is a .zip file" in capsys.readouterr().err
    assert main(["evidence", "--db", str(db), "--out", str(tmp_path / "nope" / "c.zip")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_an_interrupted_package_leaves_nothing(ev_db, tmp_path, monkeypatch):
    import desktop.evidence.package as pkg

    db, _ = ev_db

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(pkg, "_dump", boom)
    out = tmp_path / "half.zip"
    assert main(["evidence", "--db", str(db), "--out", str(out), "--no-map", "--no-report"]) == 130
    assert list(tmp_path.iterdir()) == []


def test_export_evidence_makes_the_same_package(ev_db, tmp_path, capsys):
    from desktop.evidence.verify import verify_package

    db, _ = ev_db
    out = tmp_path / "via-export.zip"
    assert main(["export", "--evidence", "--db", str(db), "--out", str(out), "--no-map", "--no-report",
                 "--kind", "field_update", "--case", "C-9"]) == 0
    res = verify_package(out)
    assert res.ok and res.manifest["case"] == "C-9" and res.manifest["filter"]["fields"]["kinds"] == ["field_update"]
    assert main(["query", "--db", str(db), "--kind", "field_update", "--format", "jsonl",
                 "--out", str(tmp_path / "q.jsonl")]) == 0
    assert res.items == len((tmp_path / "q.jsonl").read_text(encoding="utf-8").splitlines())
    with zipfile.ZipFile(out) as zf:
        assert "report.pdf" not in zf.namelist()
        assert "--no-report" in json.loads(zf.read("manifest.json"))["omitted"]["report.pdf"]


@pytest.mark.webengine
def test_the_package_carries_the_map(ev_db, tmp_path, capsys):
    from PIL import Image

    db, _ = ev_db
    out = tmp_path / "with-map.zip"
    assert main(["evidence", "--db", str(db), "--out", str(out), "--hashtag", "광화문"]) == 0
    with zipfile.ZipFile(out) as zf:
        img = Image.open(io.BytesIO(zf.read("map.png")))
        assert img.format == "PNG" and img.size == (1600, 1000)
        assert "map.png" not in json.loads(zf.read("manifest.json"))["omitted"]
    assert main(["verify-package", str(out)]) == 0
