"""The audit head in what is handed over: an export's and a report's command output print the
head that includes their own disclose entry; the GeoJSON file ("sitmap:audit_head") and the PDF
carry the head at the time of writing, the entry just before theirs. A noted head verifies."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from desktop.audit import AuditLog
from desktop.cli import main
from tests.test_retention import _fill


def _head(db) -> str:
    with AuditLog.open(db) as log:
        seq, h = log.head()
    return f"{seq}:{h}"


def test_export_prints_the_head_with_its_entry_and_geojson_keeps_the_one_before(tmp_path, capsys):
    db = tmp_path / "c.db"
    _fill(db)
    assert main(["hold", "add", "1", "--reason", "r", "--db", str(db)]) == 0  # something in the trail
    before = _head(db)
    out = tmp_path / "out.geojson"
    assert main(["export", "--out", str(out), "--db", str(db), "--operator", "kim"]) == 0
    printed = capsys.readouterr().out
    after = _head(db)
    assert after != before and int(after.split(":")[0]) == int(before.split(":")[0]) + 1
    assert f"audit head {after} (this export's entry" in printed
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["sitmap:audit_head"] == before and doc["type"] == "FeatureCollection" and len(doc["features"]) == 16
    with AuditLog.open(db) as log:
        assert log.verify(head=after).ok and log.verify(head=before).ok
        assert log.entries()[-1].detail["file"] == str(out)
    csv = tmp_path / "out.csv"
    assert main(["export", "--out", str(csv), "--db", str(db)]) == 0
    assert f"audit head {_head(db)}" in capsys.readouterr().out


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed")
@pytest.mark.parametrize("lang, label", [("en", "the audit trail's head at the time of writing"),
                                         ("ko", "작성 시점의 감사 기록 헤드")])
def test_report_pdf_has_the_head_at_the_time_of_writing(tmp_path, capsys, lang, label):
    db = tmp_path / "c.db"
    _fill(db)
    assert main(["hold", "add", "2", "--reason", "r", "--db", str(db)]) == 0
    before = _head(db)
    pdf = tmp_path / "sitrep.pdf"
    assert main(["report", "--out", str(pdf), "--no-map", "--lang", lang, "--db", str(db)]) == 0
    printed = capsys.readouterr().out
    after = _head(db)
    assert f"audit head {after} (this report's entry" in printed
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True).stdout
    flat = "".join(text.decode("utf-8").split())  # a long hash may wrap across lines
    assert "".join(label.split()) in flat
    assert f"{before}{''.join(label.split())}" in flat and after not in flat
