"""``sitmap export --tak-package``: the zip read back with zipfile and an XML parser — the
manifest names every entry and every entry exists, the posts are a KML with one
Placemark per item with a position, the areas and open incidents are CoT shapes that
Sitmap's own CoT reader takes back; hostile names stay text; the file appears only when
complete; one disclose entry in the audit trail."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
import zipfile

import pytest

from desktop.audit import AuditLog
from desktop.cache import Cache, incidents
from desktop.cache.writer import write_records
from desktop.cli import main
from desktop.core.geo import circle
from desktop.core.model import Item, Kind, Precision
from desktop.importers.cot import DrawnShape, parse_event
from desktop.live.shapes import station_of

T0 = 1_794_632_400_000
KML = "{http://www.opengis.net/kml/2.2}"
HOSTILE = '<script>alert("x")</script> & "광장" ]]>'


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "c.db"
    with Cache.open(path) as c:
        items = [Item(kind=Kind.POST, source="x", source_id=str(i), t_ms=T0 + i * 60_000, lat=37.57 + i / 1000,
                      lon=126.97 + i / 1000, precision=Precision.EXACT, text=f"광화문 {i}", author=f"citizen{i}")
                 for i in range(12)]
        items.append(Item(kind=Kind.POST, source="x", source_id="nowhere", t_ms=T0, text="위치 없음"))
        write_records(c, items, path="t", fmt="test")
        with c.transaction() as conn:
            for name, geom in ((HOSTILE, circle("a", 37.57, 126.98, 200).to_geojson()),
                               ("시청 앞", {"type": "Polygon", "coordinates": [[[126.977, 37.565], [126.979, 37.565],
                                                                               [126.979, 37.567], [126.977, 37.565]]]})):
                conn.execute("INSERT INTO areas (name, geometry, exclude, created_ms) VALUES (?, ?, 0, ?)",
                             (name, json.dumps(geom), int(time.time() * 1000)))
        incidents.create(c.conn, "광화문 집회", by="kim", lat=37.5759, lon=126.9769)
        closed = incidents.create(c.conn, "끝난 사건", by="kim", lat=37.5, lon=127.0)
        incidents.set_state(c.conn, closed, "closed", by="kim")
    return path


def test_tak_package_round_trip(db, tmp_path, capsys):
    out = tmp_path / "pkg.zip"
    assert main(["export", "--db", str(db), "--tak-package", str(out), "--operator", "kim",
                 "--purpose", "public-order"]) == 0
    assert "12 items written" in capsys.readouterr().out
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        manifest = ET.fromstring(zf.read("MANIFEST/manifest.xml"))
        assert manifest.tag == "MissionPackageManifest" and manifest.get("version") == "2"
        conf = {p.get("name"): p.get("value") for p in manifest.find("Configuration")}
        assert conf["uid"] and conf["name"] == "pkg"
        entries = [c.get("zipEntry") for c in manifest.find("Contents")]
        assert entries and all(e in names for e in entries)
        assert names == set(entries) | {"MANIFEST/manifest.xml"}

        kml_entry = next(e for e in entries if e.endswith(".kml"))
        doc = ET.fromstring(zf.read(kml_entry))
        assert len(doc.findall(f".//{KML}Placemark")) == 12  # the one without a position is left out

        shapes = [parse_event(zf.read(e))[0] for e in entries if e.endswith(".cot")]
    station = None
    with Cache.open_readonly(db) as c:
        station = station_of(c.conn)
    assert station and all(isinstance(s, DrawnShape) or s.extra["cot_type"] == "b-m-p-s-m" for s in shapes)
    areas = {s.name: s for s in shapes if isinstance(s, DrawnShape)}
    assert set(areas) == {HOSTILE, "시청 앞"}  # the hostile name as text
    assert areas[HOSTILE].kind == "polygon" and len(areas[HOSTILE].points) == 73
    assert all(s.uid.startswith("sitmap-area-") for s in areas.values())
    assert [m.source_id.split("@")[0] for m in shapes if not isinstance(m, DrawnShape)] == [
        f"sitmap-{station}-incident-1"]
    markers = [s for s in shapes if not isinstance(s, DrawnShape)]
    assert [m.callsign for m in markers] == ["광화문 집회"]  # the closed incident is not in it

    with AuditLog.open(db) as log:
        last = log.entries()[-1]
    assert last.action == "disclose" and last.detail["format"] == "tak-package" and last.detail["shapes"] == 3
    assert last.detail["count"] == 12 and last.operator == "kim"


def test_tak_package_with_a_filter_and_bad_arguments(db, tmp_path, capsys):
    out = tmp_path / "few.zip"
    assert main(["export", "--db", str(db), "--tak-package", str(out), "--text", "광화문 3",
                 "--purpose", "public-order"]) == 0
    with zipfile.ZipFile(out) as zf:
        kml_entry = next(n for n in zf.namelist() if n.endswith(".kml"))
        assert len(ET.fromstring(zf.read(kml_entry)).findall(f".//{KML}Placemark")) == 1
    assert main(["export", "--db", str(db), "--tak-package", str(tmp_path / "no" / "x.zip")]) == 1
    assert main(["export", "--db", str(db), "--tak-package", str(out), "--out", str(tmp_path / "y.geojson")]) == 1
    assert main(["export", "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and "--tak-package writes its own file" in err and "--out FILE" in err
    assert "Traceback" not in err
