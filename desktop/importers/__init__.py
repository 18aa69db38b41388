"""Importers: detect a file's format from its content and read it into records.

Each format is a module with ``NAME``, ``sniff(head, path)`` and ``read(path, ctx)``
(see :mod:`desktop.importers.base`). :func:`import_file` runs one file through its
importer into the cache in a single transaction.

May import: :mod:`desktop.cache`, :mod:`desktop.core`. No Qt.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from desktop.cache import Cache
from desktop.cache.generation import compact_due
from desktop.cache.writer import keeps_raw, write_records
from desktop.importers import pipeline
from desktop.importers.base import BadRecord, ImportContext, ImportFailed, ImportOptions, Skip
from desktop.importers.jsonfile import OneProcess
from desktop.core import purposes
from desktop.core.model import ImportStats

# Module names under desktop.importers, in the order ties are broken.
FORMAT_MODULES = {
    "cot": "cot",
    "kml": "kml",
    "x-archive": "twitter_archive",
    "x-v2": "twitter_v2",
    "x-v1": "twitter_v1",
    "facebook-graph": "facebook_graph",
    "facebook-export": "facebook_export",
    "geojson": "geojson",
    "ushahidi": "ushahidi",
    "csv": "csvfile",
}
FORMATS = tuple(FORMAT_MODULES)
SNIFF_BYTES = 64 * 1024

__all__ = ["FORMATS", "ImportFailed", "ImportOptions", "ImportResult", "detect_format", "import_file", "BadRecord", "Skip"]


def _module(fmt: str):
    return importlib.import_module(f"desktop.importers.{FORMAT_MODULES[fmt]}")


def detect_format(path: Path) -> str:
    """The format whose sniffer is surest about the file's first bytes."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise ImportFailed(path, f"cannot read: {exc.strerror or exc}") from None
    if not head.strip():
        raise ImportFailed(path, "file is empty")
    best, best_score = None, 0
    for fmt in FORMATS:
        score = _module(fmt).sniff(head, path)
        if score > best_score:
            best, best_score = fmt, score
    if best is None:
        raise ImportFailed(path, "format not recognised (use --format to choose one of: " + ", ".join(FORMATS) + ")")
    return best


@dataclass
class ImportResult:
    path: str
    format: str
    stats: ImportStats
    skips: list[Skip] = field(default_factory=list)

    def summary(self) -> str:
        s = self.stats
        parts = [f"{self.path} ({self.format}): {s.accepted} new"]
        if s.duplicates:
            parts.append(f"{s.duplicates} already in the cache")
        if s.skipped:
            parts.append(f"{s.skipped} skipped")
        if s.deleted:
            parts.append(f"{s.deleted} withdrawn")
        if s.units:
            parts.append(f"{s.units} unit reports")
        return ", ".join(parts)


def import_file(
    cache: Cache,
    path: str | Path,
    *,
    fmt: str | None = None,
    options: ImportOptions | None = None,
    progress: Callable[[int], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    operator: str | None = None,
    purpose: str | None = None,
    case_ref: str | None = None,
    parallel: bool | None = None,
) -> ImportResult:
    """Import one file atomically. Raises ImportFailed (nothing written) or CacheError.

    ``parallel`` reads the file in a worker process while this one writes (both cores;
    :mod:`desktop.importers.pipeline`); None decides by the file's size.

    No purpose, no collection: ``purpose`` (a code of :mod:`desktop.core.purposes`) must be
    given, and ``case_ref`` where the purpose needs one, else PurposeError names the file
    before anything is read or written. The three are kept on the file's batch row."""
    p = Path(path)
    purposes.require(purpose, f"importing {p}", case_ref)
    if not p.is_file():
        raise ImportFailed(p, "no such file" if not p.exists() else "not a regular file")
    if fmt is None:
        fmt = detect_format(p)
    elif fmt not in FORMAT_MODULES:
        raise ImportFailed(p, f"unknown format {fmt!r} (choose one of: {', '.join(FORMATS)})")
    ctx = ImportContext(path=p, options=options or ImportOptions())
    if parallel is None:
        parallel = pipeline.worthwhile(p)
    reader = None
    beside = False
    if parallel:
        module, keep = FORMAT_MODULES[fmt], keeps_raw(cache.conn, ctx.options.keep_raw)
        readers = pipeline.readers_for(module, p)
        beside = pipeline.index_beside(readers)
        reader = (pipeline.PieceReader(module, p, ctx, keep, readers) if readers > 1
                  else pipeline.Reader(module, p, ctx, keep))
        records = iter(reader)
    else:
        records = _module(fmt).read(p, ctx)
    try:
        size = p.stat().st_size
    except OSError:
        size = 0
    try:
        stats = write_records(
            cache, records, path=str(p), fmt=fmt, keep_raw=ctx.options.keep_raw, progress=progress,
            should_cancel=should_cancel, notes=lambda: ctx.notes, skipped=lambda: ctx.skipped,
            operator=operator, purpose=purpose, case_ref=case_ref,
            after_batch=_geoparser(ctx) if ctx.options.geoparse else None,
            expected_items=size // 1000,  # a guess (a post is 1-5 kB): decides deferring indexes
            index_beside=beside,  # cores to spare: the full-text index built by a process of its own
        )
    except OneProcess:  # a piece held a line that is not UTF-8: the file is judged whole, in one reader
        reader.close()
        reader = None
        return import_file(cache, p, fmt=fmt, options=options, progress=progress, should_cancel=should_cancel,
                           operator=operator, purpose=purpose, case_ref=case_ref, parallel=False)
    finally:
        if reader is not None:
            reader.close()
    if compact_due(cache.conn):  # the file withdrew earlier items or positions: leave no trace of them
        from desktop.cache.erase import compact

        if not compact(cache):
            stats.notes.append("withdrawn items are erased, but another program holds the cache open, so its files still "
                     "hold their bytes until the next compaction (sitmap purge, or the window's daily run)")
    return ImportResult(str(p), fmt, stats, list(ctx.skips))


def _geoparser(ctx: ImportContext):
    """The batch hook placing the file's posts without coordinates from their text."""
    def run(conn, batch_id: int) -> None:
        from desktop.geoparse.run import place_batch

        summary, error = place_batch(conn, batch_id)
        if error:
            ctx.note(f"geoparser: {error}")
        elif summary is not None and summary.posts:
            ctx.note(f"geoparser: {summary.line()}")
    return run
