"""Building an evidence package: the items a filter selects, with their history, in one zip.

The zip holds ``items.geojson`` and ``items.csv`` (UTF-8), ``raw/<id>.<ext>`` for every item
whose original payload the cache kept, ``map.png`` (rendered by the caller), ``report.pdf``
when the caller has one, ``triage_history.json``, ``incidents.json`` and
``incident_log.json`` for those items, and ``manifest.json``: who made it, when, the filter
(its description and its fields as canonical JSON, with a SHA-256 over both), the item
count, and the SHA-256 and size of every other file. :mod:`desktop.evidence.verify`
recomputes them.

The package is written under a temporary name next to ``out`` and renamed when complete,
so a failure or an interruption leaves no half-written zip.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from desktop.cache.query import iter_items
from desktop.core.errors import SitmapError
from desktop.core.filters import Filter
from desktop.core.timefmt import iso_utc

FORMAT = "sitmap-evidence/1"
MANIFEST = "manifest.json"
ITEMS_GEOJSON = "items.geojson"
ITEMS_CSV = "items.csv"
MAP_PNG = "map.png"
REPORT_PDF = "report.pdf"
TRIAGE_HISTORY = "triage_history.json"
INCIDENTS = "incidents.json"
INCIDENT_LOG = "incident_log.json"
RAW_DIR = "raw"

CSV_COLUMNS = ("id", "kind", "source", "source_id", "time", "lat", "lon", "precision", "radius_m", "author",
               "author_id", "text", "hashtags", "links", "lang", "place_name", "reply_to", "quote_of", "retweet_of",
               "callsign", "unit_uid", "raw_file")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CSV_TEXT = ("author", "text", "hashtags", "links", "place_name", "callsign")
_CHUNK = 500


class EvidenceError(SitmapError):
    """A package that cannot be written or read; the message names the file."""


def canonical_json(obj) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same value always gives the same bytes."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def filter_fields(flt: Filter) -> dict:
    """Every field that decides which items match, as plain JSON values (areas as GeoJSON)."""
    return {
        "start_ms": flt.start_ms,
        "end_ms": flt.end_ms,
        "start": iso_utc(flt.start_ms) if flt.start_ms is not None else None,
        "end": iso_utc(flt.end_ms) if flt.end_ms is not None else None,
        "bbox": list(flt.bbox) if flt.bbox is not None else None,
        "areas": [{"name": a.name, "exclude": a.exclude, "geometry": json.loads(json.dumps(a.to_geojson()))}
                  for a in flt.areas],
        "hashtags": list(flt.hashtags),
        "kinds": list(flt.kinds),
        "sources": list(flt.sources),
        "text": flt.text,
        "precisions": list(flt.precisions),
        "states": list(flt.states),
        "priorities": list(flt.priorities),
        "triage_tags": list(flt.triage_tags),
        "incident": flt.incident,
        "incident_name": flt.incident_name,
        # Only when set, so the digests of packages made before the option stay the same.
        **({"min_confidence": flt.min_confidence} if flt.min_confidence is not None else {}),
    }


def filter_digest(description: str, fields: dict) -> str:
    """SHA-256 of the canonical JSON of ``{"description": …, "fields": …}``."""
    return sha256_bytes(canonical_json({"description": description, "fields": fields}))


def file_digest(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


@dataclass
class PackageResult:
    path: Path
    items: int
    files: list[dict]
    omitted: dict[str, str] = field(default_factory=dict)
    raw: int = 0
    ids: list[int] = field(default_factory=list, repr=False)  # the packaged item ids (to put on hold)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def _raw_ext(raw: str) -> str:
    head = raw.lstrip()[:1]
    return "json" if head in ("{", "[") else "xml" if head == "<" else "txt"


def _record(row: dict, raw_file: str | None) -> dict:
    rec = {
        "id": row["id"], "kind": row["kind"], "source": row["source"], "source_id": row["source_id"],
        "time": iso_utc(row["t_ms"]), "t_ms": row["t_ms"], "author": row["author"], "author_id": row["author_id"],
        "text": row["text"], "hashtags": list(row["hashtags"]), "links": list(row["links"]),
        "precision": row["precision"], "radius_m": row["radius_m"], "lat": row["lat"], "lon": row["lon"],
        "lang": row["lang"], "place_name": row["place_name"], "reply_to": row["reply_to"],
        "quote_of": row["quote_of"], "retweet_of": row["retweet_of"], "callsign": row["callsign"],
        "unit_uid": row["unit_uid"], "raw_file": raw_file,
    }
    extra = row.get("extra") or {}
    if row["kind"] == "field_update":
        rec["cot_type"] = extra.get("cot_type")
    return rec


def _csv_row(rec: dict) -> list:
    out = dict(rec)
    out["hashtags"] = " ".join("#" + t for t in rec["hashtags"])
    out["links"] = " ".join(rec["links"])
    for c in _CSV_TEXT:
        v = out.get(c)
        # A cell starting like a formula would run in a spreadsheet; items.geojson keeps the text as it was.
        if isinstance(v, str) and v.startswith(_FORMULA_START):
            out[c] = "'" + v
    return ["" if out.get(c) is None else out[c] for c in CSV_COLUMNS]


def _raw_of(conn: sqlite3.Connection, ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for part in _chunks(ids):
        q = f"SELECT id, raw FROM items WHERE raw IS NOT NULL AND id IN ({','.join('?' * len(part))})"
        found.update(conn.execute(q, part).fetchall())
    return found


def _write_items(conn: sqlite3.Connection, flt: Filter, stage: Path) -> tuple[list[int], int]:
    """items.geojson, items.csv and raw/; returns the item ids and how many raw payloads."""
    ids: list[int] = []
    n_raw = 0
    raw_dir = stage / RAW_DIR
    description = flt.describe()
    with open(stage / ITEMS_GEOJSON, "w", encoding="utf-8", newline="\n") as gj, \
            open(stage / ITEMS_CSV, "w", encoding="utf-8-sig", newline="") as cf:
        w = csv.writer(cf)
        w.writerow(CSV_COLUMNS)
        gj.write('{"type": "FeatureCollection", "sitmap:filter": ' + json.dumps(description, ensure_ascii=False)
                 + ', "features": [\n')
        batch: list[dict] = []

        def flush() -> None:
            nonlocal n_raw
            raws = _raw_of(conn, [r["id"] for r in batch])
            for row in batch:
                raw_file = None
                raw = raws.get(row["id"])
                if raw is not None:
                    raw_dir.mkdir(exist_ok=True)
                    raw_file = f"{RAW_DIR}/{row['id']}.{_raw_ext(raw)}"
                    (stage / raw_file).write_bytes(raw.encode("utf-8"))
                    n_raw += 1
                rec = _record(row, raw_file)
                lat, lon = rec.pop("lat"), rec.pop("lon")
                geom = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
                feat = {"type": "Feature", "id": rec["id"], "geometry": geom, "properties": rec}
                gj.write((",\n" if ids else "") + json.dumps(feat, ensure_ascii=False, allow_nan=False))
                w.writerow(_csv_row({**rec, "lat": lat, "lon": lon}))
                ids.append(row["id"])
            batch.clear()

        for row in iter_items(conn, flt):
            batch.append(row)
            if len(batch) >= _CHUNK:
                flush()
        flush()
        gj.write("\n]}\n")
    return ids, n_raw


def _rows(conn: sqlite3.Connection, sql: str, keys: tuple[str, ...], ids: list[int]) -> list[dict]:
    out: list[dict] = []
    for part in _chunks(ids):
        out += [dict(zip(keys, r)) for r in conn.execute(sql.format(q=",".join("?" * len(part))), part)]
    return out


def _triage_history(conn: sqlite3.Connection, ids: list[int]) -> list[dict]:
    keys = ("id", "item_id", "t_ms", "by", "origin", "state", "priority", "tags", "duplicate_of", "note")
    rows = _rows(conn, f"SELECT {', '.join(keys)} FROM triage_history WHERE item_id IN ({{q}})", keys, ids)
    for r in rows:
        r["time"] = iso_utc(r["t_ms"])
        r["tags"] = json.loads(r["tags"]) if r["tags"] is not None else None
    return sorted(rows, key=lambda r: r["id"])


def _incidents(conn: sqlite3.Connection, ids: list[int]) -> tuple[list[dict], list[dict]]:
    """The incidents these items are (or were) part of, and every log row of those incidents."""
    inc_ids = {r["incident_id"] for r in _rows(
        conn, "SELECT DISTINCT incident_id FROM incident_items WHERE item_id IN ({q})", ("incident_id",), ids)}
    inc_ids |= {r["incident_id"] for r in _rows(
        conn, "SELECT DISTINCT incident_id FROM incident_log WHERE item_id IN ({q})", ("incident_id",), ids)}
    inc_list = sorted(inc_ids)
    keys = ("id", "name", "state", "priority", "lat", "lon", "area", "created_ms", "created_by", "updated_ms",
            "closed_ms")
    incidents = sorted(_rows(conn, f"SELECT {', '.join(keys)} FROM incidents WHERE id IN ({{q}})", keys, inc_list),
                       key=lambda r: r["id"])
    wanted = set(ids)
    for inc in incidents:
        inc["area"] = json.loads(inc["area"]) if inc["area"] else None
        members = [r[0] for r in conn.execute(
            "SELECT item_id FROM incident_items WHERE incident_id = ? ORDER BY item_id", (inc["id"],))]
        inc["items"] = len(members)
        inc["items_in_package"] = [i for i in members if i in wanted]
    lkeys = ("id", "incident_id", "t_ms", "by", "kind", "text", "item_id", "task_id")
    log = sorted(_rows(conn, f"SELECT {', '.join(lkeys)} FROM incident_log WHERE incident_id IN ({{q}})", lkeys,
                       inc_list), key=lambda r: r["id"])
    for r in log:
        r["time"] = iso_utc(r["t_ms"])
    return incidents, log


def _dump(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1, allow_nan=False) + "\n", encoding="utf-8")


def _all_files(stage: Path) -> list[str]:
    return sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())


def check_out(out: Path, overwrite: bool = False) -> Path:
    """``out`` if a package can be written there; EvidenceError naming it otherwise (checked
    before anything is rendered)."""
    out = Path(out)
    if out.suffix.lower() != ".zip":
        raise EvidenceError(f"{out}: an evidence package is a .zip file")
    if not out.parent.is_dir():
        raise EvidenceError(f"{out}: the folder {out.parent} does not exist")
    if out.exists() and not overwrite:
        raise EvidenceError(f"{out} already exists; choose another --out (a package is never overwritten)")
    return out


def _publish(part: Path, out: Path, overwrite: bool) -> None:
    """Give the finished zip its name; never over a file that appeared meanwhile (unless asked)."""
    if overwrite:
        os.replace(part, out)
        return
    try:
        os.link(part, out)  # fails if ``out`` exists, where a rename would replace it
    except FileExistsError:
        raise EvidenceError(f"{out} already exists; choose another --out (a package is never overwritten)") from None
    except OSError:  # a file system without hard links (FAT on a USB stick)
        if out.exists():
            raise EvidenceError(f"{out} already exists; choose another --out") from None
        os.replace(part, out)
        return
    part.unlink()


def build_package(conn: sqlite3.Connection, flt: Filter, out: Path, *, version: str, map_png: Path | None = None,
                  report_pdf: Path | None = None, omitted: dict[str, str] | None = None,
                  operator: str | None = None, case: str | None = None, created_ms: int | None = None,
                  overwrite: bool = False, audit_head: str | None = None) -> PackageResult:
    """Write the evidence package for ``flt`` to the zip ``out``. ``map_png`` and
    ``report_pdf`` are files already made (copied in as map.png and report.pdf);
    ``omitted`` says, per file name, why a file is not there. ``audit_head`` (``SEQ:HASH``)
    is the audit trail's head as the package is written, kept in the manifest (the
    package's own disclose entry follows it). Raises EvidenceError."""
    out = check_out(out, overwrite)
    for name, src in ((MAP_PNG, map_png), (REPORT_PDF, report_pdf)):
        if src is not None and not Path(src).is_file():
            raise EvidenceError(f"{src}: not found (wanted as {name})")
    created_ms = int(time.time() * 1000) if created_ms is None else int(created_ms)
    omitted = dict(omitted or {})
    description = flt.describe()
    fields = filter_fields(flt)

    with tempfile.TemporaryDirectory(prefix=".sitmap-evidence-", dir=out.parent) as tmp:
        stage = Path(tmp) / "package"
        stage.mkdir()
        ids, n_raw = _write_items(conn, flt, stage)
        if not n_raw:
            omitted.setdefault(RAW_DIR + "/", "the cache kept no original payloads for these items "
                                              "(import with --keep-raw to keep them)")
        _dump(stage / TRIAGE_HISTORY, _triage_history(conn, ids))
        incidents, log = _incidents(conn, ids)
        _dump(stage / INCIDENTS, incidents)
        _dump(stage / INCIDENT_LOG, log)
        if map_png is not None:
            shutil.copyfile(map_png, stage / MAP_PNG)
        if report_pdf is not None:
            shutil.copyfile(report_pdf, stage / REPORT_PDF)
        files = []
        for name in _all_files(stage):
            digest, size = file_digest(stage / name)
            files.append({"path": name, "sha256": digest, "size": size})
        manifest = {
            "format": FORMAT,
            "sitmap_version": version,
            "created_utc": iso_utc(created_ms - created_ms % 1000),
            "operator": operator,
            "case": case,
            "filter": {"description": description, "fields": fields, "sha256": filter_digest(description, fields),
                       "hashed": "SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of "
                                 "{\"description\": ..., \"fields\": ...}"},
            "items": len(ids),
            "raw_payloads": n_raw,
            "files": files,
            "omitted": omitted,
            "audit_head": {"head": audit_head,
                           "note": "the audit trail's head (SEQ:HASH) at the time of writing, before this "
                                   "package's own disclose entry; `sitmap audit verify --head` checks it"},
            "notes": ["items.geojson holds every text exactly as it is in the cache; in items.csv a text cell that "
                      "would start a spreadsheet formula (= + - @) begins with an apostrophe",
                      "times are UTC"],
        }
        _dump(stage / MANIFEST, manifest)
        part = out.with_name(f".{out.name}.{os.getpid()}.part")
        try:
            stamp = time.gmtime(created_ms / 1000)[:6]
            with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for name in [MANIFEST] + [f["path"] for f in files]:
                    info = zipfile.ZipInfo(name, date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    with open(stage / name, "rb") as src, zf.open(info, "w") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
            _publish(part, out, overwrite)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    return PackageResult(out, len(ids), files, omitted, n_raw, list(ids))

