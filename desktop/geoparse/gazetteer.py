"""The cache's gazetteer table: built-in administrative units and the agency's landmarks.

Built-in rows (origin 'builtin') are loaded from the shipped boundaries at first use and
replaced when :data:`builtin.VERSION` changes; user rows (origin 'user': squares,
stations, police boxes, rally points) come from ``sitmap gazetteer import FILE.csv``
and are never touched by a reload.

The CSV has the columns ``name,aliases,lat,lon,radius_m``; aliases are separated by
``|`` and may be Korean or English. A file with any bad row is rejected whole (the
error names the file and the line) and changes nothing; importing the same file again
adds nothing (an entry is the same when its name and position are).
"""

from __future__ import annotations

import csv
import json
import math
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import SitmapError
from desktop.geoparse import builtin

META_KEY = "gazetteer.builtin"
COLUMNS = ("name", "aliases", "lat", "lon", "radius_m")
MAX_RADIUS_M = 50_000.0
MAX_ROWS = 100_000
MAX_FIELD = 500


class GazetteerError(SitmapError):
    """A gazetteer file or entry cannot be used; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    origin: str
    kind: str
    name: str
    aliases: tuple[str, ...]
    code: str | None
    parent: str | None
    lat: float
    lon: float
    radius_m: float

    def as_json(self) -> dict:
        return {"id": self.id, "origin": self.origin, "kind": self.kind, "name": self.name,
                "aliases": list(self.aliases), "code": self.code, "parent": self.parent,
                "lat": self.lat, "lon": self.lon, "radius_m": self.radius_m}


def ensure_builtin(conn: sqlite3.Connection) -> bool:
    """Load (or replace) the built-in entries when the cache lacks this version of them.
    Runs inside the caller's transaction when there is one, else in its own. True when
    it loaded them."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
    if row and row[0] == builtin.VERSION:
        return False
    rows = builtin.entries()
    now = int(time.time() * 1000)
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM gazetteer WHERE origin = 'builtin'")
        conn.executemany(
            "INSERT INTO gazetteer (origin, kind, name, aliases, code, parent, lat, lon, radius_m, added_ms, added_by) "
            "VALUES ('builtin', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            [(r["kind"], r["name"], json.dumps(r["aliases"], ensure_ascii=False), r["code"], r["parent"],
              r["lat"], r["lon"], r["radius_m"], now) for r in rows])
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (META_KEY, builtin.VERSION))
    except BaseException:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    if own:
        conn.execute("COMMIT")
    return True


def entries(conn: sqlite3.Connection, origin: str | None = None) -> list[Entry]:
    sql = "SELECT id, origin, kind, name, aliases, code, parent, lat, lon, radius_m FROM gazetteer"
    args: tuple = ()
    if origin:
        sql += " WHERE origin = ?"
        args = (origin,)
    out = []
    for r in conn.execute(sql + " ORDER BY id", args):
        try:
            aliases = tuple(a for a in json.loads(r[4] or "[]") if isinstance(a, str))
        except ValueError:
            aliases = ()
        out.append(Entry(r[0], r[1], r[2], r[3], aliases, r[5], r[6], r[7], r[8], r[9]))
    return out


def stamp(conn: sqlite3.Connection) -> tuple:
    """Changes whenever the gazetteer does (a parser built for another stamp is rebuilt)."""
    return tuple(conn.execute("SELECT count(*), coalesce(max(id), 0), coalesce(sum(added_ms), 0) FROM gazetteer")
                 .fetchone())


def _number(value: str, what: str, where: str, lo: float, hi: float) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise GazetteerError(f"{where}: {what} {value!r} is not a number") from None
    if not math.isfinite(x) or not lo <= x <= hi:
        raise GazetteerError(f"{where}: {what} {x} is out of range ({lo}..{hi})")
    return x


def read_csv(path: str | Path) -> list[dict]:
    """The file's entries, checked; GazetteerError naming the file and line otherwise."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise GazetteerError(f"{p}: cannot read: {exc.strerror or exc}") from None
    for enc in ("utf-8-sig", "cp949"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise GazetteerError(f"{p}: not UTF-8 or CP949 text")
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        raise GazetteerError(f"{p}: the file is empty (expected the columns {','.join(COLUMNS)})")
    cols = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in cols and c != "aliases"]
    if missing:
        raise GazetteerError(f"{p}: line 1: missing column(s) {', '.join(missing)} (expected {','.join(COLUMNS)})")
    at = {c: cols.index(c) for c in COLUMNS if c in cols}
    out: list[dict] = []
    seen: set[tuple] = set()
    for line_no, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{p}: line {line_no}"
        if len(out) >= MAX_ROWS:
            raise GazetteerError(f"{where}: more than {MAX_ROWS} entries")
        if len(row) < len(cols):
            raise GazetteerError(f"{where}: {len(row)} columns, expected {len(cols)}")
        name = " ".join(row[at["name"]].split())
        if not name:
            raise GazetteerError(f"{where}: the name is empty")
        if len(name) > MAX_FIELD:
            raise GazetteerError(f"{where}: the name is longer than {MAX_FIELD} characters")
        if any(ord(ch) < 32 for ch in name):
            raise GazetteerError(f"{where}: the name holds control characters")
        aliases = []
        if "aliases" in at:
            for a in row[at["aliases"]].split("|"):
                a = " ".join(a.split())
                if a and a != name and a not in aliases and len(a) <= MAX_FIELD and not any(ord(c) < 32 for c in a):
                    aliases.append(a)
        lat = _number(row[at["lat"]].strip(), "lat", where, -90, 90)
        lon = _number(row[at["lon"]].strip(), "lon", where, -180, 180)
        radius = _number(row[at["radius_m"]].strip(), "radius_m", where, 1, MAX_RADIUS_M)
        key = (name, round(lat, 7), round(lon, 7))
        if key in seen:
            continue
        seen.add(key)
        out.append({"name": name, "aliases": aliases, "lat": lat, "lon": lon, "radius_m": radius})
    if not out:
        raise GazetteerError(f"{p}: no entries (expected the columns {','.join(COLUMNS)})")
    return out


def import_rows(conn: sqlite3.Connection, rows: list[dict], *, by: str | None = None) -> tuple[int, int]:
    """Add user entries in one transaction; an entry already there (same name and
    position) gets the file's aliases and radius. Returns (added, updated)."""
    now = int(time.time() * 1000)
    added = updated = 0
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        for r in rows:
            aliases = json.dumps(r["aliases"], ensure_ascii=False)
            old = conn.execute("SELECT id, aliases, radius_m FROM gazetteer WHERE origin = 'user' AND name = ? "
                               "AND lat = ? AND lon = ?", (r["name"], r["lat"], r["lon"])).fetchone()
            if old is None:
                conn.execute(
                    "INSERT INTO gazetteer (origin, kind, name, aliases, code, parent, lat, lon, radius_m, added_ms, "
                    "added_by) VALUES ('user', 'landmark', ?, ?, NULL, NULL, ?, ?, ?, ?, ?)",
                    (r["name"], aliases, r["lat"], r["lon"], r["radius_m"], now, by))
                added += 1
            elif (old[1], old[2]) != (aliases, r["radius_m"]):
                conn.execute("UPDATE gazetteer SET aliases = ?, radius_m = ?, added_ms = ?, added_by = ? WHERE id = ?",
                             (aliases, r["radius_m"], now, by, old[0]))
                updated += 1
    except BaseException:
        if own and conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    if own:
        conn.execute("COMMIT")
    return added, updated


def import_csv(conn: sqlite3.Connection, path: str | Path, *, by: str | None = None) -> tuple[int, int]:
    """Check the whole file, then add its entries (see :func:`import_rows`)."""
    return import_rows(conn, read_csv(path), by=by)


def remove(conn: sqlite3.Connection, name: str) -> int:
    """Remove the user entries of that name (built-in ones cannot be removed); how many."""
    with_tx = not conn.in_transaction
    if with_tx:
        conn.execute("BEGIN IMMEDIATE")
    try:
        n = conn.execute("DELETE FROM gazetteer WHERE origin = 'user' AND name = ?", (name.strip(),)).rowcount
    except BaseException:
        if with_tx and conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    if with_tx:
        conn.execute("COMMIT")
    if not n:
        raise GazetteerError(f"no entry of the agency's gazetteer is named {name!r} (sitmap gazetteer list shows them)")
    return n
