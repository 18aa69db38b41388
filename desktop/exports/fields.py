"""The fields every export carries, and the records they are read into.

:data:`FIELDS` is the one list of exported fields, in column order. :func:`records`
streams the items a filter selects (``desktop.cache.query.iter_items``) and adds each
item's triage and incident names, looked up a batch at a time, so memory stays flat
however many items match. Lists (hashtags, categories, incident names) stay lists here;
:func:`flat` turns a record into text cells for the formats that have no lists.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Callable, Iterator

from desktop.cache import triage as triage_store
from desktop.cache.query import iter_items
from desktop.core.filters import Filter
from desktop.core.timefmt import KST, iso_utc

FIELDS = ("id", "kind", "source", "source_id", "time_utc", "time_kst", "author", "text", "hashtags", "precision",
          "radius_m", "place", "lat", "lon", "state", "priority", "tags", "incidents", "callsign")
LIST_FIELDS = ("hashtags", "tags", "incidents")
NUMBER_FIELDS = ("id", "radius_m", "lat", "lon")
TEXT_FIELDS = tuple(f for f in FIELDS if f not in NUMBER_FIELDS)
# How flat formats join a list: hashtags and categories never hold spaces; incident names may.
JOINERS = {"hashtags": " ", "tags": " ", "incidents": "; "}
BATCH = 2000


class Cancelled(Exception):
    """Raised by :func:`records` when ``should_cancel()`` says so (turned into ExportCancelled)."""


def iso_kst(ms: int) -> str:
    dt = datetime.fromtimestamp(ms / 1000, tz=KST)
    return dt.isoformat(timespec="milliseconds" if ms % 1000 else "seconds")


def _incident_names(conn: sqlite3.Connection, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for k in range(0, len(ids), triage_store.CHUNK):
        part = ids[k: k + triage_store.CHUNK]
        rows = conn.execute("SELECT ii.item_id, n.name FROM incident_items ii JOIN incidents n ON n.id = ii.incident_id "
                            f"WHERE ii.item_id IN ({','.join('?' * len(part))}) ORDER BY ii.item_id, n.id", part)
        for item_id, name in rows:
            out.setdefault(item_id, []).append(name)
    return out


def _record(row: dict, tri, incidents: list[str]) -> dict:
    return {
        "id": row["id"], "kind": row["kind"], "source": row["source"], "source_id": row["source_id"],
        "time_utc": iso_utc(row["t_ms"]), "time_kst": iso_kst(row["t_ms"]), "author": row["author"],
        "text": row["text"], "hashtags": list(row["hashtags"]), "precision": row["precision"],
        "radius_m": row["radius_m"], "place": row["place_name"], "lat": row["lat"], "lon": row["lon"],
        "state": tri.state, "priority": tri.priority, "tags": list(tri.tags), "incidents": incidents,
        "callsign": row["callsign"],
    }


def _batch(conn: sqlite3.Connection, rows: list[dict]) -> list[dict]:
    ids = [r["id"] for r in rows]
    tri = triage_store.get(conn, ids)
    inc = _incident_names(conn, ids)
    return [_record(r, tri[r["id"]], inc.get(r["id"], [])) for r in rows]


def records(conn: sqlite3.Connection, flt: Filter, *, total: int = 0,
            progress: Callable[[int, int], None] | None = None,
            should_cancel: Callable[[], bool] | None = None, batch: int | None = None) -> Iterator[dict]:
    """The exported records of the items ``flt`` selects, in time order.

    ``progress(n_done, total)`` is called after each batch; ``should_cancel()`` is asked
    before each batch and raises :class:`Cancelled` when it answers true."""
    batch = batch or BATCH
    done = 0
    pending: list[dict] = []
    if should_cancel is not None and should_cancel():
        raise Cancelled()
    for row in iter_items(conn, flt):
        pending.append(row)
        if len(pending) >= batch:
            yield from _batch(conn, pending)
            done += len(pending)
            pending = []
            if progress is not None:
                progress(done, total)
            if should_cancel is not None and should_cancel():
                raise Cancelled()
    if pending:
        yield from _batch(conn, pending)
        done += len(pending)
    if progress is not None:
        progress(done, total)


def flat(rec: dict) -> dict:
    """``rec`` with its lists joined into text (see :data:`JOINERS`)."""
    out = dict(rec)
    for f in LIST_FIELDS:
        out[f] = JOINERS[f].join(rec[f])
    return out


def has_position(rec: dict) -> bool:
    return rec["lat"] is not None and rec["lon"] is not None
