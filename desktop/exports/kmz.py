"""KMZ: the KML document (:mod:`desktop.exports.kml`) as ``doc.kml`` in a zip, streamed
into the archive."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Iterable

from desktop.exports import kml


def write(records: Iterable[dict], path: Path, *, title: str = "") -> int:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("doc.kml", "w", force_zip64=True) as raw:
            with io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as out:
                return kml.write_stream(records, out, title=title)
