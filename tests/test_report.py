"""The situation report: content from the cache, the PDF read back with poppler."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timezone

import numpy as np
import pytest

from desktop.cache import Cache
from desktop.core.filters import Filter
from desktop.core.model import Item, Kind, Precision
from desktop.core.triage import TriageChange
from desktop.report import LABELS, ReportError, build_report

HOSTILE = '<script>alert(1)</script> ]]> "quoted", 광화문 🚨'
FIELD_NOTE = "광화문 북측 인파 증가 **bold** <b>not markup</b> & 통제선 유지"
T0 = int(datetime(2026, 11, 14, 6, 0, tzinfo=timezone.utc).timestamp() * 1000)  # 15:00 KST

needs_poppler = pytest.mark.skipif(not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
                                   reason="poppler-utils (pdftotext, pdftoppm) is not installed: scripts/bootstrap.sh")


def make_report_cache(path) -> dict:
    """The demo incident plus a hostile post, a field update before the demo's first one (the
    table shows the oldest), verified posts, an incident with a task, an alert."""
    from desktop.cache import incidents, tasks, triage
    from desktop.cache.writer import write_records
    from desktop.demo.generator import write_demo

    cache = Cache.open(path)
    write_demo(cache, seed=7, size=3000)
    write_records(cache, [
        Item(kind=Kind.POST, source="x", source_id="hostile-1", t_ms=T0, text=HOSTILE, lat=37.5759, lon=126.9769,
             precision=Precision.EXACT, author="<b>author</b>", hashtags=("광화문",)),
        Item(kind=Kind.FIELD_UPDATE, source="tak", source_id="note-1", t_ms=T0 - 2 * 3_600_000 + 30_000, text=FIELD_NOTE,
             lat=37.5745, lon=126.9770, precision=Precision.EXACT, callsign="종로1", unit_uid="u-jongno1"),
    ], path="report-test", fmt="test")
    conn = cache.conn
    hostile = conn.execute("SELECT id FROM items WHERE source_id = 'hostile-1'").fetchone()[0]
    posts = [r[0] for r in conn.execute("SELECT id FROM items WHERE kind = 'post' AND text != '' "
                                        "AND source_id != 'hostile-1' ORDER BY t_ms LIMIT 4")]
    triage.apply(conn, [hostile] + posts, TriageChange(state="verified"), by="김경위")
    inc = incidents.create(conn, "광화문 인파 <i>밀집</i>", by="김경위", item_ids=[hostile] + posts[:2],
                           lat=37.5759, lon=126.9769, priority="urgent")
    task = tasks.create(conn, unit_uid="u-jongno1", callsign="종로1", text="광화문 북측 확인", lat=37.5759,
                        lon=126.9769, by="김경위", incident_id=inc, t_ms=T0)
    tasks.mark(conn, task["id"], "acknowledged", t_ms=T0 + 150_000)
    with conn:
        conn.execute("INSERT INTO alerts (t_ms, area_name, message, item_ids) VALUES (?, ?, ?, '[]')",
                     (T0 + 300_000, "광화문", "인파 급증 <b>x</b>: 15분에 120건"))
    cache.close()
    return {"hostile": hostile, "posts": posts, "incident": inc, "task": task["code"]}


@pytest.fixture(scope="module")
def report_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "demo.db"
    info = make_report_cache(path)
    return path, info


def pdf_text(pdf) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def flat(text: str) -> str:
    """The text with line breaks (a wrapped table cell) read as spaces."""
    return " ".join(text.split())


def page_pngs(pdf, tmp_path) -> list:
    prefix = tmp_path / pdf.stem
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(prefix)], check=True)
    return sorted(tmp_path.glob(f"{pdf.stem}-*.png"))


def assert_not_blank(pngs) -> None:
    from PIL import Image

    assert pngs
    for p in pngs:
        with Image.open(p) as im:
            px = np.asarray(im.convert("L"), dtype=np.float64)
        assert px.std() > 5, f"{p.name} looks blank"


def map_png(path) -> None:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (700, 500), (170, 200, 230))
    d = ImageDraw.Draw(im)
    d.ellipse((300, 200, 360, 260), fill=(220, 40, 40))
    im.save(path)


@needs_poppler
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_report_sections_and_plain_text(report_db, tmp_path, lang):
    db, info = report_db
    png = tmp_path / "map.png"
    map_png(png)
    out = tmp_path / f"sitrep-{lang}.pdf"
    with Cache.open_readonly(db) as cache:
        data = build_report(cache.conn, Filter(), out, lang=lang, operator="김경위 <b>", purpose="교대 인수인계 & 보고",
                            map_png=png)
    assert data.total == 3002 and data.verified_total == 5
    assert [i.name for i in data.incidents] == ["광화문 인파 <i>밀집</i>"]
    assert data.incidents[0].tasks[0].ack_ms == 150_000
    assert len(data.alerts) == 1
    text = pdf_text(out)
    body = flat(text)
    L = LABELS[lang]
    for key in ("title", "period", "period_utc", "generated", "operator", "purpose", "timeline", "busiest",
                "areas_province", "tags", "incidents", "alerts", "verified", "field"):
        assert flat(L[key]) in body, key
    assert HOSTILE in body  # the post exactly, as plain text
    assert "<b>author</b>" in body and "김경위 <b>" in body and "교대 인수인계 & 보고" in body
    assert flat(FIELD_NOTE) in body
    assert "광화문 인파 <i>밀집</i>" in body and "인파 급증 <b>x</b>: 15분에 120건" in body
    assert info["task"] in body and "종로1" in body
    assert ("서울특별시" if lang == "ko" else "Seoul") in body
    assert "2026-11-14" in body and "KST" in body and "UTC" in body
    if lang == "ko":
        assert "상황 보고서" in body and "확인된 게시물" in body and "긴급" in body
    assert text.count("\f") >= 3  # a few pages
    assert_not_blank(page_pngs(out, tmp_path))


@needs_poppler
def test_report_counts_per_district(report_db, tmp_path, boundaries):
    from desktop.core.geo import areas_from_file

    db, _ = report_db
    areas = tuple(areas_from_file(boundaries, "name=종로구")) + tuple(areas_from_file(boundaries, "name=해운대구"))
    start = T0 - 3_600_000
    flt = Filter(areas=areas, start_ms=start, end_ms=T0 + 3_600_000)
    out = tmp_path / "districts.pdf"
    with Cache.open_readonly(db) as cache:
        data = build_report(cache.conn, flt, out, lang="en")
        from desktop.cache.query import count

        total = count(cache.conn, flt)
    assert data.areas_by == "area"
    names = dict(data.areas)
    assert set(names) == {"종로구", "해운대구"} and names["종로구"] > 0
    assert sum(names.values()) == total == data.total
    body = flat(pdf_text(out))
    assert "Items per area" in body and "종로구" in body and "해운대구" in body
    assert "2026-11-14 14:00–16:00 KST" in body and "2026-11-14 05:00–07:00 UTC" in body


def test_histogram_marks_the_busiest_intervals():
    from desktop.report.data import histogram

    t = np.array([0, 1, 2, 600_000, 600_001, 1_800_000], dtype=np.int64)
    h = histogram(t, 0, 3_600_000)
    assert h.step_ms == 120_000 and len(h.counts) == 30 and sum(h.counts) == 6
    assert h.busiest[0] == 0 and h.counts[0] == 3 and len(h.busiest) == 3


def test_hashtags_move_between_halves(report_db):
    from desktop.report.data import gather

    db, _ = report_db
    with Cache.open_readonly(db) as cache:
        data = gather(cache.conn, Filter())
        n = cache.conn.execute("SELECT count(*) FROM item_tags WHERE tag = ?", (data.tags[0].tag,)).fetchone()[0]
    top = data.tags[0]
    assert top.total == top.first + top.second == n
    assert [t.total for t in data.tags] == sorted((t.total for t in data.tags), reverse=True)


def test_errors_leave_no_file(report_db, tmp_path):
    db, _ = report_db
    with Cache.open_readonly(db) as cache:
        with pytest.raises(ReportError, match="does not exist"):
            build_report(cache.conn, Filter(), tmp_path / "nowhere" / "r.pdf")
        bad = tmp_path / "map.png"
        bad.write_bytes(b"not a png")
        with pytest.raises(ReportError, match="map image"):
            build_report(cache.conn, Filter(), tmp_path / "r.pdf", map_png=bad)
        with pytest.raises(ReportError, match="language"):
            build_report(cache.conn, Filter(), tmp_path / "r.pdf", lang="fr")
    assert list(tmp_path.iterdir()) == [bad]


def test_plain_text_is_one_clean_line():
    from desktop.report.sitrep import plain

    assert plain("a\x00b\u202e c\n\n d\t") == "a b c d"
    assert plain("가" * 300, 10) == "가" * 9 + "…"
