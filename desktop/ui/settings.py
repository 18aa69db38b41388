"""User settings kept between runs (language, tile server), in the data folder."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from desktop.core import paths


def store() -> QSettings:
    return QSettings(str(paths.data_dir() / "settings.ini"), QSettings.Format.IniFormat)


def load_language() -> str | None:
    v = store().value("ui/language", "")
    return v if v in ("ko", "en") else None


def save_language(lang: str) -> None:
    s = store()
    s.setValue("ui/language", lang)
    s.sync()
