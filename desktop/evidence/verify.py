"""Checking an evidence package: every file's SHA-256 and size against its manifest, no file
missing or added, and the filter's hash recomputed from the filter the manifest states.

Nothing is extracted: each entry is hashed as it is read from the zip, and reading stops
once an entry is longer than the manifest says.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from desktop.evidence.package import FORMAT, MANIFEST, EvidenceError, filter_digest

_MAX_MANIFEST = 64 << 20


@dataclass
class Verification:
    path: Path
    problems: list[str] = field(default_factory=list)
    files: int = 0
    items: int | None = None
    manifest: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _hash_entry(zf: zipfile.ZipFile, name: str, limit: int) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with zf.open(name) as fh:
        while block := fh.read(1 << 20):
            size += len(block)
            if size > limit:
                break
            h.update(block)
    return h.hexdigest(), size


def _read_manifest(zf: zipfile.ZipFile, path: Path) -> dict:
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise EvidenceError(f"{path}: no {MANIFEST} in the package") from None
    if info.file_size > _MAX_MANIFEST:
        raise EvidenceError(f"{path}: {MANIFEST} is too large to be a manifest")
    try:
        manifest = json.loads(zf.read(MANIFEST).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise EvidenceError(f"{path}: {MANIFEST} is not JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT \
            or not isinstance(manifest.get("files"), list):
        raise EvidenceError(f"{path}: {MANIFEST} is not a Sitmap evidence manifest ({FORMAT})")
    return manifest


def verify_package(path: Path) -> Verification:
    """Check the package ``path``; problems name each file. Raises EvidenceError when the
    file is not a zip or has no readable manifest."""
    path = Path(path)
    if not path.is_file():
        raise EvidenceError(f"{path}: not found")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise EvidenceError(f"{path}: not a zip file ({exc})") from None
    res = Verification(path)
    with zf:
        manifest = res.manifest = _read_manifest(zf, path)
        res.items = manifest.get("items")
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
        for name, n in Counter(names).items():
            if n > 1:
                res.problems.append(f"{name}: appears {n} times in the zip")
        present = set(names)
        listed: set[str] = set()
        for entry in manifest["files"]:
            try:
                name, want, size = str(entry["path"]), str(entry["sha256"]), int(entry["size"])
            except (KeyError, TypeError, ValueError):
                res.problems.append(f"{MANIFEST}: a file entry without path, sha256 and size: {entry!r}")
                continue
            listed.add(name)
            res.files += 1
            if name not in present:
                res.problems.append(f"{name}: missing")
                continue
            try:
                got, got_size = _hash_entry(zf, name, size)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:  # a damaged entry (CRC, truncation)
                res.problems.append(f"{name}: cannot be read ({exc})")
                continue
            if got_size != size:
                said = "longer than" if got_size > size else f"{got_size} bytes, not"
                res.problems.append(f"{name}: differs (size {said} the manifest's {size} bytes)")
            elif got != want:
                res.problems.append(f"{name}: differs (SHA-256 {got}, the manifest says {want})")
        for name in sorted(present - listed - {MANIFEST}):
            res.problems.append(f"{name}: extra (not in the manifest)")
        flt = manifest.get("filter")
        if not isinstance(flt, dict) or "fields" not in flt or "description" not in flt:
            res.problems.append(f"{MANIFEST}: no filter")
        else:
            try:
                got = filter_digest(flt["description"], flt["fields"])
            except (TypeError, ValueError):
                got = None
            if got != flt.get("sha256"):
                res.problems.append(f"{MANIFEST}: the filter differs from its SHA-256 "
                                    f"({got}, the manifest says {flt.get('sha256')})")
    return res
