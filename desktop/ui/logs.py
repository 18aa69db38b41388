"""Sitmap's log: ``sitmap.log`` in the data folder gets everything at ``SITMAP_LOG``'s level
(INFO by default); the terminal only warnings unless ``SITMAP_LOG`` is set."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from desktop.core import paths

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_file_handlers: dict[Path, logging.Handler] = {}


def log_level() -> str:
    return os.environ.get("SITMAP_LOG", "INFO").upper()


def debug_logging() -> bool:
    return log_level() == "DEBUG"


def file_handler(path: Path) -> logging.Handler | None:
    """One handler per log file, shared by every logger that writes there (None if unwritable)."""
    path = Path(path)
    if path not in _file_handlers:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(path, encoding="utf-8", delay=True)
        except OSError:
            return None
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        _file_handlers[path] = handler
    return _file_handlers[path]


def setup_logging() -> None:
    """The log file gets SITMAP_LOG's level (INFO); stderr only warnings unless SITMAP_LOG is set."""
    level = log_level()
    console = logging.StreamHandler()
    console.setLevel(level if "SITMAP_LOG" in os.environ else logging.WARNING)
    handlers: list[logging.Handler] = [console]
    fh = file_handler(log_path())
    if fh is not None:
        handlers.append(fh)
    logging.basicConfig(level=level, format=LOG_FORMAT, handlers=handlers)


def log_path() -> Path:
    return paths.data_dir() / "sitmap.log"
