"""Writing query results: GeoJSON FeatureCollection, CSV, or JSON lines, always UTF-8."""

from __future__ import annotations

import csv
import io
import json
import sys
from contextlib import contextmanager
from typing import IO, Iterable, Iterator

from desktop.core.timefmt import iso_utc

CSV_COLUMNS = ("id", "kind", "source", "source_id", "time", "lat", "lon", "precision", "radius_m", "author", "text",
               "hashtags", "place_name", "callsign", "unit_uid")


def public_record(row: dict) -> dict:
    """The exported shape of one item (shared by every output format)."""
    rec = {
        "id": row["id"],
        "kind": row["kind"],
        "source": row["source"],
        "source_id": row["source_id"],
        "time": iso_utc(row["t_ms"]),
        "author": row["author"],
        "text": row["text"],
        "hashtags": list(row["hashtags"]),
        "links": list(row["links"]),
        "precision": row["precision"],
        "radius_m": row["radius_m"],
        "lat": row["lat"],
        "lon": row["lon"],
        "lang": row["lang"],
        "place_name": row["place_name"],
        "reply_to": row["reply_to"],
        "quote_of": row["quote_of"],
        "retweet_of": row["retweet_of"],
    }
    if row["kind"] == "field_update":
        rec["callsign"] = row["callsign"]
        rec["unit_uid"] = row["unit_uid"]
        extra = row.get("extra") or {}
        rec["cot_type"] = extra.get("cot_type")
    return rec


def write_geojson(rows: Iterable[dict], out: IO[str], description: str | None = None) -> int:
    """Stream a FeatureCollection (never holds all features in memory)."""
    n = 0
    out.write('{"type": "FeatureCollection",')
    if description:
        out.write(f' "sitmap:filter": {json.dumps(description, ensure_ascii=False)},')
    out.write(' "features": [\n')
    for row in rows:
        rec = public_record(row)
        lat, lon = rec.pop("lat"), rec.pop("lon")
        geom = {"type": "Point", "coordinates": [lon, lat]} if lat is not None else None
        feat = {"type": "Feature", "id": rec["id"], "geometry": geom, "properties": rec}
        out.write((",\n" if n else "") + json.dumps(feat, ensure_ascii=False))
        n += 1
    out.write("\n]}\n")
    return n


def write_jsonl(rows: Iterable[dict], out: IO[str]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(public_record(row), ensure_ascii=False) + "\n")
        n += 1
    return n


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_TEXT_COLUMNS = ("author", "text", "hashtags", "place_name", "callsign")


def _defuse(value: str) -> str:
    # Post text is hostile: a cell starting with '=' would run as a formula in a spreadsheet.
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(rows: Iterable[dict], out: IO[str]) -> int:
    """CSV for spreadsheets; text cells that would start a formula get a leading apostrophe."""
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    n = 0
    for row in rows:
        rec = public_record(row)
        rec["hashtags"] = " ".join("#" + t for t in rec["hashtags"])
        for c in _TEXT_COLUMNS:
            if isinstance(rec.get(c), str):
                rec[c] = _defuse(rec[c])
        w.writerow(["" if rec.get(c) is None else rec.get(c) for c in CSV_COLUMNS])
        n += 1
    return n


WRITERS = {"geojson": write_geojson, "jsonl": write_jsonl, "csv": write_csv}

BOM = "\ufeff"


@contextmanager
def open_output(path: str | None, fmt: str, *, bom: bool = True) -> Iterator[IO[str]]:
    """The text stream a query is written to: the file ``path``, else standard output.

    Both are UTF-8 whatever the locale (a redirected standard output on Korean Windows
    would otherwise be CP949, which cannot hold every post) with no newline translation
    (the CSV writer ends rows itself). CSV starts with a UTF-8 byte-order mark unless
    ``bom`` is False: Excel reads a CSV without one in the ANSI code page and garbles
    Hangul. Other formats never get one.
    """
    if path:
        out: IO[str] = open(path, "w", encoding="utf-8", newline="")
    else:
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # a text-only stand-in (an embedding host): write to it as it is
            out = sys.stdout
        else:
            sys.stdout.flush()
            out = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    try:
        if fmt == "csv" and bom:
            out.write(BOM)
        yield out
    finally:
        if path:
            out.close()
        elif out is not sys.stdout:
            try:
                out.flush()
            finally:
                out.detach()  # standard output itself stays open for whatever follows
