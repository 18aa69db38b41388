"""Running one export: the format, the output file (written under a temporary name,
renamed when complete), progress and cancel."""

from __future__ import annotations

import importlib
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from desktop.cache.query import count
from desktop.core.errors import SitmapError
from desktop.core.filters import Filter
from desktop.exports import fields
from desktop.exports.errors import ExportCancelled, ExportError

FORMATS = ("geojson", "csv", "gpkg", "kml", "kmz")
SUFFIXES = {"geojson": ".geojson", "csv": ".csv", "gpkg": ".gpkg", "kml": ".kml", "kmz": ".kmz"}
_BY_SUFFIX = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".gpkg": "gpkg", ".kml": "kml",
              ".kmz": "kmz"}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    count: int  # items written (KML and KMZ: the items with a position)
    matched: int  # items the filter selects

    def summary(self) -> str:
        left = self.matched - self.count
        note = f" ({left} without a position left out)" if left else ""
        return f"{self.count} items written to {self.path}{note}"


def format_for(path: str | os.PathLike, fmt: str | None = None) -> str:
    """``fmt`` if given (checked), else the format the file's suffix names; ExportError otherwise."""
    if fmt:
        if fmt not in FORMATS:
            raise ExportError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in _BY_SUFFIX:
        raise ExportError(f"{path}: say which format (one of {', '.join(FORMATS)}); the name's ending does not tell")
    return _BY_SUFFIX[suffix]


def check_out(out: str | os.PathLike) -> None:
    """ExportError naming ``out`` when it cannot be written (no such folder, a folder, read-only)."""
    out = Path(out)
    folder = out.parent
    if not folder.exists():
        raise ExportError(f"{out}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise ExportError(f"{out}: {folder} is not a folder")
    if out.is_dir():
        raise ExportError(f"{out} is a folder; give a file name")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"{out}: the folder {folder} cannot be written to")


def _remove(tmp: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        except OSError:
            pass


@contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """A temporary path beside ``out``; renamed to ``out`` when the block completes, removed otherwise."""
    check_out(out)
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.partial{out.suffix}")  # the suffix kept: GDAL checks it
    _remove(tmp)
    try:
        yield tmp
        for suffix in ("-journal", "-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        os.replace(tmp, out)
    except BaseException:
        _remove(tmp)
        raise


def export(conn: sqlite3.Connection, flt: Filter, fmt: str | None, out: str | os.PathLike, *,
           progress: Callable[[int, int], None] | None = None, should_cancel: Callable[[], bool] | None = None,
           title: str | None = None, audit_head: str | None = None) -> ExportResult:
    """Write the items ``flt`` selects to ``out`` in ``fmt`` (None: from the file's suffix).

    ``audit_head`` (``SEQ:HASH``) goes into a GeoJSON file as "sitmap:audit_head" (the other
    formats have no place for it; the command prints it).

    ``progress(n_done, n_total)`` is called as rows are written; when ``should_cancel()``
    answers true the export stops with :class:`ExportCancelled` and leaves no file. A
    file that cannot be written raises :class:`ExportError` naming it; ``out`` appears
    only when it is complete."""
    out = Path(out)
    fmt = format_for(out, fmt)
    writer = importlib.import_module(f"desktop.exports.{fmt}")
    check_out(out)
    total = count(conn, flt)
    if progress is not None:
        progress(0, total)
    recs = fields.records(conn, flt, total=total, progress=progress, should_cancel=should_cancel)
    try:
        with replacing(out) as tmp:
            more = {"audit_head": audit_head} if audit_head and fmt == "geojson" else {}
            n = writer.write(recs, tmp, title=title if title is not None else flt.describe(), **more)
    except fields.Cancelled:
        raise ExportCancelled(f"export to {out} cancelled; no file was written") from None
    except SitmapError:
        raise
    except OSError as exc:
        raise ExportError(f"{out}: could not be written ({exc.strerror or exc}); no file was left") from None
    return ExportResult(out, fmt, n, total)


def export_cache(db: str | os.PathLike, flt: Filter, fmt: str | None, out: str | os.PathLike, **kw) -> ExportResult:
    """:func:`export` on its own read-only connection to the cache file ``db`` (safe on any thread)."""
    from desktop.cache import Cache

    with Cache.open_readonly(Path(db)) as cache:
        return export(cache.conn, flt, fmt, out, **kw)
