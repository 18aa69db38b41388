"""Exports: each format read back by an independent reader, counts equal to `sitmap query`,
hostile text intact, cancel and bad folders leave no file."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from desktop.cache import Cache
from desktop.cache import incidents, triage
from desktop.cache.query import count
from desktop.cache.writer import write_records
from desktop.cli import main
from desktop.core.filters import Filter
from desktop.core.model import Item, Kind, Precision
from desktop.core.triage import TriageChange
from desktop.exports import FORMATS, ExportCancelled, ExportError, export, export_cache
from desktop.exports.fields import FIELDS

T0 = 1_794_632_400_000  # 2026-11-14T05:00:00Z
HOSTILE = ('<script>alert("x")</script> ]]> "quoted", comma\nsecond line\n\u202e역방향 한글 광화문 집회 🚓🔥 '
           "&amp; <![CDATA[ x ]]> 'single'")
KML = "{http://www.opengis.net/kml/2.2}"


def _items() -> list[Item]:
    out = []
    for i in range(30):
        out.append(Item(kind=Kind.POST, source="x", source_id=str(i), t_ms=T0 + i * 60_000, lat=37.57 + i / 1000,
                        lon=126.97 + i / 1000, precision=Precision.EXACT, text=f"광화문 {i} #광화문",
                        author=f"citizen{i}", hashtags=("광화문", "rally")))
    out.append(Item(kind=Kind.POST, source="x", source_id="hostile", t_ms=T0 + 31 * 60_000, lat=37.5759, lon=126.9769,
                    precision=Precision.PLACE, radius_m=500.0, text=HOSTILE, author='<b>"작성자"</b>, ]]>',
                    place_name="종로구, <서울>", hashtags=("광화문",)))
    out.append(Item(kind=Kind.FIELD_UPDATE, source="tak", source_id="u1", t_ms=T0 + 32 * 60_000, lat=37.571,
                    lon=126.976, precision=Precision.EXACT, text="현장 도착", callsign="종로-1 \u202e<x>",
                    unit_uid="ANDROID-1"))
    out.append(Item(kind=Kind.POST, source="x", source_id="nowhere", t_ms=T0 + 33 * 60_000, text="위치 없음 🙂"))
    return out


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "c.db"
    c = Cache.open(path)
    write_records(c, _items(), path="t", fmt="test")
    hostile = c.conn.execute("SELECT id FROM items WHERE source_id = 'hostile'").fetchone()[0]
    triage.apply(c.conn, [1, 2, 3, hostile], TriageChange(state="verified", priority="urgent", add_tags=("crowd",)),
                 by="kim")
    triage.apply(c.conn, [4], TriageChange(state="false", add_tags=("violence", "crowd")), by="kim")
    incidents.create(c.conn, '광화문 "충돌", <1>', by="kim", item_ids=[1, hostile])
    incidents.create(c.conn, "시청", by="kim", item_ids=[hostile])
    c.close()
    return path


def _hostile_id(db: Path) -> int:
    with Cache.open_readonly(db) as c:
        return c.conn.execute("SELECT id FROM items WHERE source_id = 'hostile'").fetchone()[0]


def _query_count(db: Path, capsys, *flt: str) -> int:
    capsys.readouterr()
    assert main(["query", "--db", str(db), "--format", "jsonl", *flt]) == 0
    return len(capsys.readouterr().out.strip().splitlines())


def _read_csv(path: Path) -> list[dict]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _read_kml(path: Path) -> ET.Element:
    if path.suffix == ".kmz":
        with zipfile.ZipFile(path) as zf:
            assert zf.namelist() == ["doc.kml"]
            return ET.fromstring(zf.read("doc.kml"))
    return ET.parse(path).getroot()


def _kml_data(pm: ET.Element) -> dict:
    return {d.get("name"): d.findtext(f"{KML}value") for d in pm.iter(f"{KML}Data")}


@pytest.mark.parametrize("flt", [[], ["--state", "verified"], ["--state", "new"], ["--tag", "crowd"],
                                 ["--incident", "시청"], ["--kind", "field_update"], ["--hashtag", "rally"]])
def test_counts_equal_sitmap_query_in_every_format(db, tmp_path, capsys, flt):
    import geopandas as gpd
    import pyogrio

    expected = _query_count(db, capsys, *flt)
    with_position = expected - (1 if not flt or flt == ["--state", "new"] else 0)  # the item without a position
    for fmt in FORMATS:
        out = tmp_path / f"out.{fmt}"
        assert main(["export", "--db", str(db), "--format", fmt, "--out", str(out), *flt]) == 0
        printed = capsys.readouterr().out
        assert str(out) in printed
        if fmt in ("gpkg", "geojson"):
            if fmt == "gpkg":
                assert [name for name, _ in pyogrio.list_layers(out)] == ["items"]
            gdf = gpd.read_file(out)
            assert gdf.crs.to_epsg() == 4326 and len(gdf) == expected, fmt
            assert printed.startswith(f"{expected} items written")
        elif fmt == "csv":
            assert len(_read_csv(out)) == expected
        else:
            root = _read_kml(out)
            assert root.tag == f"{KML}kml"
            assert len(root.findall(f"{KML}Document/{KML}Placemark")) == with_position, fmt
            assert printed.startswith(f"{with_position} items written")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out.")) == sorted(
        f"out.{f}" for f in FORMATS)
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_hostile_text_survives_every_format_exactly(db, tmp_path):
    import geopandas as gpd

    hid = _hostile_id(db)
    author = '<b>"작성자"</b>, ]]>'
    flt = Filter()
    for fmt in FORMATS:
        export_cache(db, flt, fmt, tmp_path / f"h.{fmt}")

    fc = json.loads((tmp_path / "h.geojson").read_text(encoding="utf-8"))
    props = next(f["properties"] for f in fc["features"] if f["id"] == hid)
    assert props["text"] == HOSTILE and props["author"] == author and props["place"] == "종로구, <서울>"
    assert props["incidents"] == ['광화문 "충돌", <1>', "시청"] and props["tags"] == ["crowd"]
    assert props["state"] == "verified" and props["priority"] == "urgent" and props["radius_m"] == 500.0
    assert props["time_utc"] == "2026-11-14T05:31:00Z" and props["time_kst"] == "2026-11-14T14:31:00+09:00"
    assert set(props) == set(FIELDS)
    nowhere = next(f for f in fc["features"] if f["properties"]["text"] == "위치 없음 🙂")
    assert nowhere["geometry"] is None

    gdf = gpd.read_file(tmp_path / "h.gpkg", layer="items")
    row = gdf[gdf["id"] == hid].iloc[0]
    assert row["text"] == HOSTILE and row["author"] == author
    assert row["incidents"] == '광화문 "충돌", <1>; 시청' and (row.geometry.x, row.geometry.y) == (126.9769, 37.5759)
    assert list(gdf.columns[:-1]) == list(FIELDS)

    rows = _read_csv(tmp_path / "h.csv")
    assert list(rows[0]) == list(FIELDS)
    row = next(r for r in rows if r["id"] == str(hid))
    assert row["text"] == HOSTILE and row["author"] == author and row["hashtags"] == "광화문"
    assert row["incidents"] == '광화문 "충돌", <1>; 시청' and row["lat"] == "37.5759"
    unit = next(r for r in rows if r["kind"] == "field_update")
    assert unit["callsign"] == "종로-1 \u202e<x>"

    for fmt in ("kml", "kmz"):
        root = _read_kml(tmp_path / f"h.{fmt}")
        pm = next(p for p in root.iter(f"{KML}Placemark") if p.get("id") == f"item-{hid}")
        assert pm.findtext(f"{KML}description") == HOSTILE and pm.findtext(f"{KML}name") == author
        assert pm.findtext(f"{KML}TimeStamp/{KML}when") == "2026-11-14T05:31:00Z"
        assert pm.findtext(f"{KML}styleUrl") == "#post-verified-urgent"
        assert pm.findtext(f"{KML}Point/{KML}coordinates") == "126.9769,37.5759"
        data = _kml_data(pm)
        assert data["text"] == HOSTILE and data["incidents"] == '광화문 "충돌", <1>; 시청'
        styles = {s.get("id") for s in root.iter(f"{KML}Style")}
        for pm in root.iter(f"{KML}Placemark"):
            assert pm.findtext(f"{KML}styleUrl")[1:] in styles
        unit = next(p for p in root.iter(f"{KML}Placemark") if _kml_data(p)["kind"] == "field_update")
        assert unit.findtext(f"{KML}name") == "종로-1 \u202e<x>"
        assert unit.findtext(f"{KML}styleUrl") == "#field_update"


def test_a_spreadsheet_formula_is_shown_not_run(tmp_path):
    path = tmp_path / "c.db"
    c = Cache.open(path)
    write_records(c, [Item(kind=Kind.POST, source="x", source_id="f", t_ms=T0, text='=HYPERLINK("http://x")',
                           lat=37.5, lon=127.0, precision=Precision.EXACT)], path="t", fmt="test")
    c.close()
    export_cache(path, Filter(), "csv", tmp_path / "f.csv")
    assert _read_csv(tmp_path / "f.csv")[0]["text"] == '\'=HYPERLINK("http://x")'


def test_control_characters_do_not_break_kml(tmp_path):
    path = tmp_path / "c.db"
    c = Cache.open(path)
    write_records(c, [Item(kind=Kind.POST, source="x", source_id="f", t_ms=T0, text="a\x01b\x1bc",
                           lat=37.5, lon=127.0, precision=Precision.EXACT)], path="t", fmt="test")
    c.close()
    export_cache(path, Filter(), "kml", tmp_path / "f.kml")
    pm = next(_read_kml(tmp_path / "f.kml").iter(f"{KML}Placemark"))
    assert pm.findtext(f"{KML}description") == "a\ufffdb\ufffdc"


@pytest.mark.parametrize("fmt", FORMATS)
def test_cancel_leaves_no_file_and_progress_is_reported(db, tmp_path, monkeypatch, fmt):
    from desktop.exports import fields

    monkeypatch.setattr(fields, "BATCH", 5)
    seen: list[tuple[int, int]] = []
    with Cache.open_readonly(db) as c:
        total = count(c.conn, Filter())
        res = export(c.conn, Filter(), fmt, tmp_path / f"ok.{fmt}", progress=lambda d, t: seen.append((d, t)))
        assert res.matched == total and seen[0] == (0, total) and seen[-1] == (total, total)
        assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) > 3
        out = tmp_path / f"cancelled.{fmt}"
        calls = []
        with pytest.raises(ExportCancelled, match="no file was written"):
            export(c.conn, Filter(), fmt, out, should_cancel=lambda: calls.append(1) or len(calls) > 2)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if "cancelled" in p.name or "partial" in p.name]


def test_a_failed_export_keeps_the_old_file_and_leaves_no_partial(db, tmp_path, monkeypatch):
    from desktop.exports import geojson

    out = tmp_path / "keep.geojson"
    out.write_text("old", encoding="utf-8")

    def boom(records, path, *, title=""):
        Path(path).write_text("half", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(geojson, "write", boom)
    with pytest.raises(ExportError, match="keep.geojson: could not be written"):
        export_cache(db, Filter(), "geojson", out)
    assert out.read_text(encoding="utf-8") == "old"
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_bad_output_is_one_line(db, tmp_path, capsys):
    for out, fmt, message in [(tmp_path / "missing" / "x.csv", [], "the folder"),
                              (tmp_path, ["--format", "csv"], "is a folder"),
                              (tmp_path / "x.txt", [], "say which format")]:
        capsys.readouterr()
        assert main(["export", "--db", str(db), "--out", str(out), *fmt]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"sitmap: {out}") and message in err, err
    assert not (tmp_path / "missing").exists()


def test_the_format_follows_the_file_name(db, tmp_path, capsys):
    assert main(["export", "--db", str(db), "--out", str(tmp_path / "a.kmz"), "--progress"]) == 0
    assert zipfile.is_zipfile(tmp_path / "a.kmz")
    assert "of 33 items" in capsys.readouterr().err
