"""``sitmap campaign``: definitions, figures, compare, reports (JSON, CSV, PDF read back
with pdftotext) and their audit entries, over the demo cache."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess

import pytest

from desktop.audit import AuditLog
from desktop.cache import Cache
from desktop.cli import main

NAME = "부산경찰 아동학대 예방 #byhand"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from desktop.demo.generator import write_demo

    db = tmp_path_factory.mktemp("campaign") / "demo.db"
    with Cache.open(db) as cache:
        write_demo(cache, seed=7, size=4000)
    return db


@pytest.fixture(autouse=True)
def who(monkeypatch):
    monkeypatch.setenv("SITMAP_OPERATOR", "김경위")
    monkeypatch.setenv("SITMAP_PURPOSE", "campaign")


def entries(db):
    with AuditLog.open(db) as log:
        return [(e.action, e.objects, e.detail) for e in log.entries()]


def test_add_show_compare_remove(demo_db, tmp_path, capsys):
    db = tmp_path / "c.db"
    shutil.copy(demo_db, db)
    assert main(["campaign", "add", "해운대 kids", "--tag", "#Kids", "--tag", "byhand", "--from", "2026-11-14T14:00",
                 "--to", "2026-11-14T19:00", "--area", "해운대구", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "#kids #byhand" in out and "14:00–19:00 KST" in out and "부산광역시 해운대구" in out
    assert main(["campaign", "add", "bad", "--tag", "x", "--from", "2026-11-14T14:00", "--to", "2026-11-14T13:00",
                 "--db", str(db)]) == 1
    assert "ends before it starts" in capsys.readouterr().err
    assert main(["campaign", "list", "--json", "--db", str(db)]) == 0
    names = {c["name"] for c in json.loads(capsys.readouterr().out)}
    assert names == {NAME, "안전부산", "해운대 kids"}
    assert main(["campaign", "show", "해운대 kids", "--json", "--db", str(db)]) == 0
    fig = json.loads(capsys.readouterr().out)
    assert fig["posts"] > 0 and [d["code"] for d in fig["districts"] if d["in"]] == ["21090"]
    with Cache.open_readonly(db) as cache:
        n = cache.conn.execute(
            "SELECT count(DISTINCT i.id) FROM items i JOIN item_tags t ON t.item_id = i.id WHERE i.kind = 'post' "
            "AND t.tag IN ('kids', 'byhand') AND i.t_ms >= ? AND i.t_ms < ? AND i.lat IS NOT NULL",
            (fig["campaign"]["from_ms"], fig["campaign"]["to_ms"])).fetchone()[0]
    assert fig["posts"] < n  # only those that count in 해운대구
    assert main(["campaign", "show", NAME, "--utc", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert "05:00–10:00 UTC" in text and "14:00–19:00 KST" in text and "possibly in" in text
    assert main(["campaign", "compare", NAME, "안전부산", "--db", str(db)]) == 0
    assert "authors in both" in capsys.readouterr().out
    assert main(["campaign", "edit", "해운대 kids", "--name", "해운대", "--no-areas", "--db", str(db)]) == 0
    assert main(["campaign", "remove", "해운대", "--db", str(db)]) == 0
    assert main(["campaign", "show", "해운대", "--db", str(db)]) == 1
    assert "no campaign named '해운대'" in capsys.readouterr().err
    log = entries(db)
    alters = [(o, d["change"]) for a, o, d in log if a == "alter"]
    assert alters == [({"campaign": "해운대 kids"}, "campaign add"), ({"campaign": "해운대"}, "campaign edit"),
                      ({"campaign": "해운대"}, "campaign remove")]
    consults = [o for a, o, d in log if a == "consult"]
    assert consults[0]["campaign"] == "해운대 kids" and consults[0]["items"]
    assert consults[-1]["campaigns"] == [NAME, "안전부산"]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed")
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_pdf_report_reads_back(demo_db, tmp_path, lang, capsys):
    db = tmp_path / "c.db"
    shutil.copy(demo_db, db)
    out = tmp_path / "r.pdf"
    assert main(["campaign", "report", NAME, "--format", "pdf", "--out", str(out), "--lang", lang,
                 "--compare", "안전부산", "--db", str(db)]) == 0
    text = " ".join(subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], check=True, capture_output=True,
                                   text=True).stdout.split())
    with Cache.open_readonly(db) as cache:
        from desktop.campaigns import compute, get

        f = compute(cache.conn, get(cache.conn, NAME))
    assert NAME in text and "#busanpolice #byhand #kids #childabuseprevention" in text
    assert "2026-11-14 14:00–19:00 KST" in text and "2026-11-14 05:00–10:00 UTC" in text
    assert f"{f.posts:,}" in text
    top = f.districts[0]
    assert (top["name"] if lang == "ko" else top["name_eng"]) in text
    assert ("캠페인 보고서" if lang == "ko" else "Campaign report") in text
    assert ("안전부산와(과) 비교" if lang == "ko" else "Compared with 안전부산") in text
    assert f.top_posts[0]["author"] in text
    (action, objects, detail), = [e for e in entries(db) if e[0] == "disclose"]
    assert objects["campaign"] == NAME and detail["format"] == "campaign pdf" and detail["lang"] == lang
    assert sum(b - a + 1 for a, b in objects["items"]) >= f.posts


def test_json_and_csv_reports(demo_db, tmp_path, capsys):
    db = tmp_path / "c.db"
    shutil.copy(demo_db, db)
    j, c = tmp_path / "r.json", tmp_path / "r.csv"
    assert main(["campaign", "report", NAME, "--format", "json", "--out", str(j), "--db", str(db)]) == 0
    assert main(["campaign", "report", NAME, "--format", "csv", "--out", str(c), "--db", str(db)]) == 0
    fig = json.loads(j.read_text(encoding="utf-8"))
    assert fig["period"] == {"from_kst": "2026-11-14 14:00 KST", "to_kst": "2026-11-14 19:00 KST",
                             "from_utc": "2026-11-14T05:00:00Z", "to_utc": "2026-11-14T10:00:00Z"}
    assert sum(b["posts"] for b in fig["time_series"]["bins"]) == fig["posts"]
    with open(c, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    got = {(r["section"], r["metric"]): r["value"] for r in rows if r["section"] in ("summary", "authors")}
    assert got[("summary", "posts")] == str(fig["posts"])
    assert got[("authors", "unique")] == str(fig["authors"]["unique"])
    district = {r["key"]: r["value"] for r in rows if r["section"] == "district" and r["metric"] == "in"}
    assert district == {d["code"]: str(d["in"]) for d in fig["districts"]}
    assert [r["value"] for r in rows if r["metric"] == "text"] == [p["text"] for p in fig["top_posts"]]
    assert main(["campaign", "report", NAME, "--format", "csv", "--out", str(tmp_path / "no" / "r.csv"),
                 "--db", str(db)]) == 1
    assert "does not exist" in capsys.readouterr().err
