"""Writing a whole file at once: into a temporary file beside it, flushed to disk, then
renamed over the target, so a reader never sees half a file and a failed write leaves the
old one (or none). The new file gets an ordinary file's permissions, not mkstemp's
owner-only ones."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(out: str | os.PathLike, data: bytes, *, error: type[Exception], what: str = "") -> None:
    """Write ``data`` to ``out``; a failure raises ``error`` with one line naming the file
    ("cannot write {what}{out}: …")."""
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise error(f"cannot write {what}{out}: the folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise error(f"cannot write {what}{out}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, out)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise error(f"cannot write {what}{out}: {exc.strerror or exc}") from None
