"""TAK data packages: one zip a TAK device imports (data package import, or sent to it
over the network), holding the posts a filter selects as KML and shapes as CoT files.

The layout devices expect: ``MANIFEST/manifest.xml`` (a ``MissionPackageManifest``
version 2 whose ``Configuration`` names the package's uid and name and whose
``Contents`` lists every other entry by its ``zipEntry``), then the entries in a folder
named after the package's uid: ``posts.kml`` (:mod:`desktop.exports.kml`, streamed) and
one ``.cot`` file per shape. The shapes arrive as finished CoT documents (built by the
live layer, :mod:`desktop.live.shapes`, and handed in by the command), so this module
needs nothing above it. Every document is written by ElementTree; the zip is written
under a temporary name and renamed when complete.
"""

from __future__ import annotations

import io
import os
import re
import sqlite3
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Callable, Iterable

from desktop.cache.query import count
from desktop.core.errors import SitmapError
from desktop.core.filters import Filter
from desktop.exports import fields, kml
from desktop.exports.errors import ExportCancelled, ExportError
from desktop.exports.run import ExportResult, replacing

MANIFEST = "MANIFEST/manifest.xml"
POSTS = "posts.kml"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def entry_name(uid: str) -> str:
    """A file name for a shape's uid (letters, digits, dot, dash and underscore only)."""
    return (_SAFE.sub("_", uid).strip("._") or "shape")[:120] + ".cot"


def manifest_xml(package_uid: str, name: str, entries: list[tuple[str, dict[str, str]]]) -> bytes:
    """The manifest: ``entries`` are (zipEntry, parameters) in the order they are in the zip."""
    root = ET.Element("MissionPackageManifest", {"version": "2"})
    conf = ET.SubElement(root, "Configuration")
    for key, value in (("uid", package_uid), ("name", name), ("onReceiveDelete", "false")):
        ET.SubElement(conf, "Parameter", {"name": key, "value": kml.clean(value)})
    contents = ET.SubElement(root, "Contents")
    for zip_entry, params in entries:
        content = ET.SubElement(contents, "Content", {"ignore": "false", "zipEntry": zip_entry})
        for key, value in params.items():
            ET.SubElement(content, "Parameter", {"name": key, "value": kml.clean(value)})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write(records: Iterable[dict], path: Path, *, shapes: Iterable[tuple[str, bytes]] = (), title: str = "",
          name: str = "Sitmap", package_uid: str | None = None) -> tuple[int, int]:
    """Write the package to ``path``: the posts of ``records`` as KML and ``shapes``
    ((uid, CoT XML) pairs) as CoT files. Returns (placemarks, shapes) written."""
    package_uid = package_uid or str(uuid.uuid4())
    folder = _SAFE.sub("_", package_uid)[:64] or "sitmap"
    entries: list[tuple[str, dict[str, str]]] = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        kml_entry = f"{folder}/{POSTS}"
        with zf.open(kml_entry, "w", force_zip64=True) as raw:
            with io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as out:
                placemarks = kml.write_stream(records, out, title=title)
        entries.append((kml_entry, {"name": POSTS, "contentType": "KML"}))
        used: set[str] = set()
        n = 0
        for uid, xml in shapes:
            fname = entry_name(uid)
            while fname in used:
                fname = fname[:-4] + "_.cot"
            used.add(fname)
            zf.writestr(f"{folder}/{fname}", xml)
            entries.append((f"{folder}/{fname}", {"uid": uid, "name": fname}))
            n += 1
        zf.writestr(MANIFEST, manifest_xml(package_uid, name, entries))
    return placemarks, n


def export_package(conn: sqlite3.Connection, flt: Filter, out: str | os.PathLike, *,
                   shapes: Iterable[tuple[str, bytes]] = (), name: str | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   should_cancel: Callable[[], bool] | None = None) -> tuple[ExportResult, int]:
    """The items ``flt`` selects (their positions as KML) and ``shapes`` as a TAK data
    package at ``out``, which appears only when complete. Returns the result and the
    number of shapes; :class:`ExportError` names a file that cannot be written."""
    out = Path(out)
    total = count(conn, flt)
    if progress is not None:
        progress(0, total)
    recs = fields.records(conn, flt, total=total, progress=progress, should_cancel=should_cancel)
    title = flt.describe()
    try:
        with replacing(out) as tmp:
            n, n_shapes = write(recs, tmp, shapes=list(shapes), title=title, name=name or out.stem)
    except fields.Cancelled:
        raise ExportCancelled(f"export to {out} cancelled; no file was written") from None
    except SitmapError:
        raise
    except OSError as exc:
        raise ExportError(f"{out}: could not be written ({exc.strerror or exc}); no file was left") from None
    return ExportResult(out, "tak-package", n, total), n_shapes
