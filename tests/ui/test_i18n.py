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
