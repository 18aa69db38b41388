"""Korean and English interface: translation files load and the window speaks Korean."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from desktop.ui.app import install_translations, load_fonts


@pytest.fixture
def korean(qapp):
    lang = install_translations(qapp, "ko")
    yield lang
    for tr in getattr(qapp, "_sitmap_translators", []):
        qapp.removeTranslator(tr)


def test_korean_translation_loads_and_labels_change(qtbot, korean):
    from desktop.ui.filters_panel import FiltersPanel

    assert korean == "ko"
    panel = FiltersPanel()
    qtbot.addWidget(panel)
    assert panel.kind_posts.text() == "공개 게시물"
    assert panel.kind_field.text() == "경찰 현장 보고"
    assert "한글" in panel.search.placeholderText()


def test_english_is_the_fallback(qtbot, qapp):
    install_translations(qapp, "en")
    from desktop.ui.filters_panel import FiltersPanel

    panel = FiltersPanel()
    qtbot.addWidget(panel)
    assert panel.kind_posts.text() == "Public posts"


def test_bundled_korean_font_registers():
    from PySide6.QtGui import QFont, QFontMetrics

    family = load_fonts()
    assert family and "Nanum" in family
    fm = QFontMetrics(QFont(family, 12))
    assert all(fm.inFontUcs4(ord(ch)) for ch in "광화문집회")
    assert QApplication.instance() is not None


def test_every_interface_string_has_a_korean_translation(tmp_path):
    """Each tr() text in the window's code is in the shipped Korean file, translated."""
    import shutil
    import subprocess
    import sys
    import xml.etree.ElementTree as ET
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    lupdate = shutil.which("pyside6-lupdate") or str(Path(sys.executable).with_name("pyside6-lupdate"))
    sources = sorted(str(p) for p in (root / "desktop" / "ui").rglob("*.py"))
    fresh = tmp_path / "fresh.ts"
    subprocess.run([lupdate, *sources, "-ts", str(fresh)], check=True, capture_output=True)

    def messages(path, finished_only):
        out = set()
        for ctx in ET.parse(path).getroot().iter("context"):
            name = ctx.findtext("name")
            for m in ctx.iter("message"):
                t = m.find("translation")
                if not finished_only or (t is not None and t.text and t.get("type") is None):
                    out.add((name, m.findtext("source")))
        return out

    wanted = messages(fresh, finished_only=False)
    shipped = messages(root / "resources" / "i18n" / "sitmap_ko.ts", finished_only=True)
    assert len(wanted) > 150
    assert not sorted(wanted - shipped), "untranslated (run pyside6-lupdate, translate, pyside6-lrelease)"
    # The compiled file the app loads has them too (pyside6-lrelease was run after editing).
    from PySide6.QtCore import QTranslator

    tr = QTranslator()
    assert tr.load("sitmap_ko", str(root / "resources" / "i18n"))
    assert not sorted((c, s) for c, s in wanted if not tr.translate(c, s)), "run pyside6-lrelease"


def test_emoji_in_posts_have_glyphs_in_the_window():
    """Every emoji the demo's posts use has a glyph in the window's font fallback (the
    bundled Noto Emoji), so none shows as a box on a machine without an emoji font."""
    import sqlite3

    from PySide6.QtGui import QFont, QFontMetrics

    from desktop.cache import Cache
    from desktop.demo.generator import write_demo
    from desktop.ui.translations import EMOJI_FAMILY, font_families

    korean = load_fonts()
    families = font_families(QApplication.font().family(), korean)
    assert families[-1] == EMOJI_FAMILY
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        c = Cache.open(Path(d) / "demo.db")
        write_demo(c, seed=7, size=3000)
        c.close()
        texts = [t for (t,) in sqlite3.connect(Path(d) / "demo.db").execute("SELECT text FROM items")]
    emoji = {ch for t in texts for ch in (t or "") if ord(ch) >= 0x1F000 or 0x2600 <= ord(ch) <= 0x27BF}
    assert len(emoji) > 10
    metrics = [QFontMetrics(QFont(f, 12)) for f in families]
    missing = sorted(ch for ch in emoji if not any(m.inFontUcs4(ord(ch)) for m in metrics))
    assert not missing, f"no glyph for {missing}"


def test_status_line_describes_the_filter_in_korean(qtbot, korean):
    """The status line was English in the Korean interface; phrases and words are told apart."""
    from desktop.core.filters import Filter
    from desktop.core.geo import Area
    from desktop.ui.filter_text import FilterText, describe, text_terms
    from shapely.geometry import box

    assert text_terms('"광화문 집회" 부상 "" 경찰') == (["광화문 집회"], ["부상", "경찰"])
    t0 = 1_763_096_400_000  # 2025-11-14 14:00 KST
    flt = Filter(start_ms=t0, end_ms=t0 + 7_200_000, kinds=("post",), hashtags=("광화문", "rally"),
                 areas=(Area("종로구", box(126.9, 37.5, 127.0, 37.6)),), text='"광화문 집회"')
    text = FilterText().describe(flt)
    assert text.startswith("종로구의 게시물, ") and "#광화문 또는 #rally" in text
    assert "본문에 구절 “광화문 집회”" in text and "KST" in text
    assert "본문에 광화문, 집회 모두" in describe(flt.with_(text="광화문 집회"))
    for english in ("posts", " in ", " or ", "text"):
        assert english not in text
