"""`sitmap report`: the situation report with the map rendered offscreen by the real page."""

from __future__ import annotations

import pytest

from desktop.cli import main
from tests.test_report import HOSTILE, assert_not_blank, flat, make_report_cache, needs_poppler, page_pngs, pdf_text

pytestmark = pytest.mark.webengine


@pytest.fixture(scope="module")
def report_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("report-cli") / "demo.db"
    make_report_cache(path)
    return path


@needs_poppler
def test_report_command_in_korean_with_the_map(qtbot, report_db, tmp_path, capsys, js_errors):
    out = tmp_path / "sitrep.pdf"
    assert main(["report", "--db", str(report_db), "--out", str(out), "--lang", "ko", "--operator", "김경위",
                 "--purpose", "교대 보고", "--from", "2026-11-14T14:00", "--to", "2026-11-14T17:00"]) == 0
    assert f"{out}: " in capsys.readouterr().out
    body = flat(pdf_text(out))
    for label in ("상황 보고서", "기간 내 지도", "시간대별 추이", "가장 많은 구간", "시도별 건수", "주요 해시태그", "사건",
                  "발생한 경보", "확인된 게시물", "현장 경찰 보고", "서울특별시", "김경위", "교대 보고"):
        assert label in body, label
    assert HOSTILE in body
    assert "2026-11-14 14:00–17:00 KST" in body and "2026-11-14 05:00–08:00 UTC" in body
    pngs = page_pngs(out, tmp_path)
    assert len(pngs) >= 3
    assert_not_blank(pngs)


def test_report_command_errors_are_one_line(report_db, tmp_path, capsys):
    assert main(["report", "--db", str(report_db), "--out", str(tmp_path / "no" / "r.pdf"), "--no-map"]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err
    assert main(["report", "--db", str(report_db), "--out", str(tmp_path / "r.pdf"), "--no-map",
                 "--from", "yesterday-ish"]) == 1
    assert "yesterday-ish" in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists()
