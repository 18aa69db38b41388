"""Minimisation: keep less about people as time passes, with nothing of the old values left.

The settings live in the cache's ``meta`` table (``minimise.<key>``), so they travel with the
cache and apply to every path that writes to it:

- ``keep_raw`` (``yes``/``no``, default ``yes``): ``no`` means no original payload is stored,
  even for an import asked to keep them (``writer.write_records`` reads it), and a run drops
  the payloads already stored, except those of items held as evidence.
- ``pseudonymise_after_days`` (default off): posts older than that, not linked to an incident
  and not on hold, have ``author`` and ``author_id`` replaced by a keyed pseudonym, "~" and the
  first 16 hex digits of HMAC-SHA256(secret, source + ":" + (author_id or author)); the secret
  is random per cache (``minimise.secret``, made at the first run that needs it), so one author
  maps to one pseudonym within a cache and to another in the next cache. Their raw payload
  (which holds the handle) is dropped and their full-text entry rewritten.
- ``coarsen_after_days`` (default off) and ``coarsen_grid_m`` (default 500): exact positions of
  posts older than that (same exceptions) are snapped to the centre of a grid cell of that
  size; precision becomes 'place' and ``radius_m`` the cell's half diagonal.

:func:`run` does both in one transaction with ``secure_delete`` on, stages its audit entry
(counts only, never content) in the same transaction, counts as a rewrite
(``writer.bump_generation``) so an index snapshot is rebuilt, and then compacts the file with
:func:`desktop.cache.erase.compact` (WAL checkpoint, VACUUM), so the old handles and positions
are in neither the cache file nor its WAL. The caller deletes the index snapshot.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import sqlite3
import time
from dataclasses import dataclass

from desktop.cache.db import Cache, explain
from desktop.cache.outbox import Staged, stage
from desktop.cache.writer import bump_generation

PREFIX = "minimise."
DEFAULTS = {"keep_raw": "yes", "pseudonymise_after_days": "off", "coarsen_after_days": "off",
            "coarsen_grid_m": "500"}
SECRET_KEY = PREFIX + "secret"
PSEUDONYM_MARK = "~"
_DAY_MS = 86_400_000
_M_PER_DEG = 111_320.0  # metres per degree of latitude (and of longitude at the equator)


class MinimiseError(ValueError):
    """A setting that cannot be used (the message names it)."""


@dataclass
class MinimiseStats:
    pseudonymised: int = 0  # posts whose author and author id became a pseudonym
    coarsened: int = 0  # exact positions snapped to the grid
    raw_dropped: int = 0  # original payloads removed
    dry_run: bool = False
    compacted: bool = False

    def counts(self) -> dict[str, int]:
        return {"pseudonymised": self.pseudonymised, "coarsened": self.coarsened, "raw_dropped": self.raw_dropped}

    def summary(self) -> str:
        verb = "would " if self.dry_run else ""
        return (f"{verb}pseudonymise {self.pseudonymised} posts' authors, {verb}coarsen {self.coarsened} exact "
                f"positions, {verb}drop {self.raw_dropped} raw payloads")


def _check(key: str, value: str) -> str:
    value = str(value).strip().lower()
    if key not in DEFAULTS:
        raise MinimiseError(f"unknown minimisation setting {key!r}: one of {', '.join(DEFAULTS)}")
    if key == "keep_raw":
        if value in ("yes", "true", "on", "1"):
            return "yes"
        if value in ("no", "false", "off", "0"):
            return "no"
        raise MinimiseError(f"keep_raw={value!r}: yes or no")
    if key.endswith("_after_days") and value in ("off", "", "none", "never"):
        return "off"
    try:
        number = float(value)
    except ValueError:
        raise MinimiseError(f"{key}={value!r}: a number" + (" of days, or off" if key.endswith("days") else " of metres"))
    if not math.isfinite(number) or number <= 0 or (key == "coarsen_grid_m" and not 10 <= number <= 100_000):
        raise MinimiseError(f"{key}={value!r}: " + ("between 10 and 100000 metres" if key == "coarsen_grid_m"
                                                    else "a positive number of days, or off"))
    return f"{number:g}"


def settings(conn: sqlite3.Connection) -> dict[str, str]:
    """The settings in force (defaults where the cache has none); never the secret."""
    stored = dict(conn.execute("SELECT substr(key, ?), value FROM meta WHERE key LIKE ? AND key != ?",
                               (len(PREFIX) + 1, PREFIX + "%", SECRET_KEY)).fetchall())
    return {k: stored.get(k, v) for k, v in DEFAULTS.items()}


def has_secret(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM meta WHERE key = ?", (SECRET_KEY,)).fetchone() is not None


def set_settings(cache: Cache, values: dict[str, str], *, audit: Staged | None = None) -> dict[str, str]:
    """Store settings (checked first: nothing is stored if one is wrong); returns those in force."""
    checked = {k.strip(): _check(k.strip(), v) for k, v in values.items()}
    try:
        with cache.transaction() as conn:
            for k, v in checked.items():
                conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                             "value = excluded.value", (PREFIX + k, v))
            if audit is not None and checked:
                stage(conn, audit, objects={"minimise": sorted(checked)}, detail={"settings": checked})
    except sqlite3.Error as exc:
        raise explain(cache.path, exc) from None
    return settings(cache.conn)


def keep_raw(conn: sqlite3.Connection) -> bool:
    """False when the cache's setting says no original payloads are kept."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (PREFIX + "keep_raw",)).fetchone()
    return not (row and row[0] == "no")


def pseudonym(secret: bytes, source: str, author_id: str | None, author: str | None) -> str:
    """"~" + the first 16 hex digits of HMAC-SHA256(secret, source:author_id-or-author)."""
    who = author_id if author_id else (author or "")
    return PSEUDONYM_MARK + hmac.new(secret, f"{source}:{who}".encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def snap(lat: float, lon: float, grid_m: float) -> tuple[float, float]:
    """The centre of the grid cell (``grid_m`` on a side) holding the point: rows of equal
    latitude steps, each row's longitude step set by its centre's latitude."""
    dlat = grid_m / _M_PER_DEG
    row = math.floor(lat / dlat)
    c_lat = (row + 0.5) * dlat
    dlon = grid_m / (_M_PER_DEG * max(math.cos(math.radians(c_lat)), 1e-6))
    c_lon = (math.floor(lon / dlon) + 0.5) * dlon
    return round(max(-90.0, min(90.0, c_lat)), 7), round(max(-180.0, min(180.0, c_lon)), 7)


# Items minimisation leaves alone: linked to an incident, or held as evidence.
_SPARED = ("i.id NOT IN (SELECT item_id FROM incident_items) AND i.id NOT IN (SELECT item_id FROM holds)")


def active(s: dict[str, str]) -> bool:
    """Whether these settings ask a run to change anything."""
    return s["keep_raw"] == "no" or s["pseudonymise_after_days"] != "off" or s["coarsen_after_days"] != "off"


def _days(value: str) -> float | None:
    return None if value == "off" else float(value)


def run(cache: Cache, *, now_ms: int | None = None, dry_run: bool = False, audit: Staged | None = None,
        compact_after: bool = True) -> MinimiseStats:
    """Apply the settings to what is in the cache now (see the module text)."""
    from desktop.cache.erase import compact

    now = int(time.time() * 1000) if now_ms is None else int(now_ms)
    conn = cache.conn
    s = settings(conn)
    pseudo_days, coarse_days = _days(s["pseudonymise_after_days"]), _days(s["coarsen_after_days"])
    grid = float(s["coarsen_grid_m"])
    stats = MinimiseStats(dry_run=dry_run)
    pseudo_sql = (f"SELECT i.id, i.source, i.author_id, i.author, i.text, i.raw IS NOT NULL FROM items i WHERE i.kind = 'post' "
                  f"AND i.t_ms < ? AND {_SPARED} AND ((i.author_id IS NOT NULL AND substr(i.author_id, 1, 1) != '~') "
                  f"OR (i.author_id IS NULL AND i.author IS NOT NULL AND substr(i.author, 1, 1) != '~'))")
    coarse_sql = (f"SELECT i.id, i.lat, i.lon FROM items i WHERE i.kind = 'post' AND i.precision = 'exact' "
                  f"AND i.lat IS NOT NULL AND i.t_ms < ? AND {_SPARED}")
    raw_sql = "SELECT count(*) FROM items WHERE raw IS NOT NULL AND id NOT IN (SELECT item_id FROM holds)"
    try:
        if dry_run:
            if pseudo_days is not None:
                rows = conn.execute(pseudo_sql, (now - int(pseudo_days * _DAY_MS),)).fetchall()
                stats.pseudonymised, stats.raw_dropped = len(rows), sum(1 for r in rows if r[5])
            if coarse_days is not None:
                stats.coarsened = len(conn.execute(coarse_sql, (now - int(coarse_days * _DAY_MS),)).fetchall())
            if s["keep_raw"] == "no":
                stats.raw_dropped = conn.execute(raw_sql).fetchone()[0]  # counts the pseudonymised ones too
            stats.compacted = True  # nothing to rewrite
            return stats
        before = conn.execute("PRAGMA secure_delete").fetchone()[0]
        conn.execute("PRAGMA secure_delete = ON")  # the old values' bytes are zeroed, not just unlinked
        try:
            with cache.transaction():
                if pseudo_days is not None:
                    rows = conn.execute(pseudo_sql, (now - int(pseudo_days * _DAY_MS),)).fetchall()
                    if rows:
                        row = conn.execute("SELECT value FROM meta WHERE key = ?", (SECRET_KEY,)).fetchone()
                        if row is None:
                            row = (secrets.token_hex(32),)
                            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (SECRET_KEY, row[0]))
                        key = bytes.fromhex(row[0])
                        fts_old, fts_new, updates = [], [], []
                        for item_id, source, author_id, author, text, _ in rows:
                            p = pseudonym(key, source, author_id, author)
                            fts_old.append(("delete", item_id, text, author or ""))
                            fts_new.append((item_id, text, p))
                            updates.append((p, p, item_id))
                        stats.raw_dropped += sum(1 for r in rows if r[5])
                        conn.executemany("INSERT INTO items_fts (items_fts, rowid, text, author) VALUES (?, ?, ?, ?)",
                                         fts_old)
                        conn.executemany("UPDATE items SET author = ?, author_id = ?, raw = NULL WHERE id = ?", updates)
                        conn.executemany("INSERT INTO items_fts (rowid, text, author) VALUES (?, ?, ?)", fts_new)
                        stats.pseudonymised = len(rows)
                if coarse_days is not None:
                    rows = conn.execute(coarse_sql, (now - int(coarse_days * _DAY_MS),)).fetchall()
                    radius = grid * math.sqrt(2) / 2
                    conn.executemany("UPDATE items SET lat = ?, lon = ?, precision = 'place', radius_m = ? WHERE id = ?",
                                     [(*snap(lat, lon, grid), radius, item_id) for item_id, lat, lon in rows])
                    stats.coarsened = len(rows)
                if s["keep_raw"] == "no":
                    stats.raw_dropped += conn.execute(
                        "UPDATE items SET raw = NULL WHERE raw IS NOT NULL AND id NOT IN (SELECT item_id FROM holds)"
                    ).rowcount
                changed = stats.pseudonymised or stats.coarsened or stats.raw_dropped
                if changed:
                    if stats.pseudonymised:  # merge the segments that still hold the old authors
                        conn.execute("INSERT INTO items_fts (items_fts) VALUES ('optimize')")
                    bump_generation(conn, rewrote=True)
                if audit is not None:  # every run is recorded, with its counts
                    stage(conn, audit, objects={"minimise": "run"},
                          detail={"counts": stats.counts(), "settings": s})
        finally:
            conn.execute(f"PRAGMA secure_delete = {int(before)}")
    except sqlite3.Error as exc:
        raise explain(cache.path, exc) from None
    if compact_after and (stats.pseudonymised or stats.coarsened or stats.raw_dropped):
        stats.compacted = compact(cache)
    else:
        stats.compacted = True
    return stats
