"""The window's language and fonts: Korean or English catalogues, the bundled Hangul font.

Kept apart from :mod:`desktop.ui.app` so the window can switch language without
importing the start-up code that builds it.
"""

from __future__ import annotations

import os
from pathlib import Path

from desktop.core import paths


def load_fonts() -> str | None:
    """Register the bundled Korean font and the emoji font; returns the Korean family so
    Hangul renders anywhere (:func:`font_families` gives the whole fallback list)."""
    from PySide6.QtGui import QFontDatabase

    family = None
    for f in sorted((paths.resources_dir() / "fonts").glob("*.ttf")):
        fid = QFontDatabase.addApplicationFont(str(f))
        if fid >= 0 and family is None:
            fams = QFontDatabase.applicationFontFamilies(fid)
            family = fams[0] if fams else None
    for f in sorted((paths.resources_dir() / "fonts" / "emoji").glob("*.woff2")):
        QFontDatabase.addApplicationFont(str(f))  # Noto Emoji, in Unicode-range subsets
    return family


EMOJI_FAMILY = "Noto Emoji"


def font_families(default: str, korean: str | None) -> list[str]:
    """The window's font fallback: the system's, then Hangul, then emoji (never boxes)."""
    from PySide6.QtGui import QFontDatabase

    out = [default]
    if korean and korean not in out:
        out.append(korean)
    if EMOJI_FAMILY in QFontDatabase.families():
        out.append(EMOJI_FAMILY)
    return out


def install_translations(app, language: str | None = None) -> str:
    """Korean or English UI: the setting, else the system locale."""
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    lang = language or os.environ.get("SITMAP_LANG") or QLocale.system().name().split("_")[0]
    for old in getattr(app, "_sitmap_translators", []):  # switching language: the old ones go
        app.removeTranslator(old)
    app._sitmap_translators = []  # keep references: Qt does not own them
    if lang == "ko":
        for qm_dir, name in ((paths.resources_dir() / "i18n", "sitmap_ko"),
                             (Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)), "qtbase_ko")):
            tr = QTranslator(app)
            if tr.load(name, str(qm_dir)):
                app.installTranslator(tr)
                app._sitmap_translators.append(tr)
    return lang
