"""Where Sitmap keeps its files. One place, so tests and the frozen app can redirect it.

``SITMAP_DATA_DIR`` moves everything (cache, settings, logs); ``SITMAP_DB`` or ``--db``
picks another cache file.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP = "sitmap"


def data_dir() -> Path:
    override = os.environ.get("SITMAP_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP, appauthor=False))


def default_db() -> Path:
    env = os.environ.get("SITMAP_DB")
    return Path(env) if env else data_dir() / "cache.db"


def resources_dir() -> Path:
    """The shipped resources/ folder (inside the bundle when frozen)."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def project_data_dir() -> Path:
    """The shipped data/ folder (demo scenario)."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "data"
    return Path(__file__).resolve().parents[2] / "data"
