"""GeoJSON (RFC 7946): one FeatureCollection, WGS84 longitude/latitude, written as it streams.

Every item is a Feature (an item without a position has ``"geometry": null``); its
properties are :data:`~desktop.exports.fields.FIELDS`, lists as JSON arrays. Text is
encoded by :mod:`json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from desktop.exports.fields import has_position


def write(records: Iterable[dict], path: Path, *, title: str = "", audit_head: str | None = None) -> int:
    """``audit_head`` (``SEQ:HASH``: the audit trail's head as the file is written, before the
    export's own disclose entry) becomes the top-level member "sitmap:audit_head"."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        head = {"type": "FeatureCollection", "name": "items"}
        if title:
            head["sitmap:filter"] = title
        if audit_head:
            head["sitmap:audit_head"] = audit_head
        # The head's own keys, then the features streamed one line each.
        out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n')
        for rec in records:
            geom = {"type": "Point", "coordinates": [rec["lon"], rec["lat"]]} if has_position(rec) else None
            feat = {"type": "Feature", "id": rec["id"], "geometry": geom, "properties": rec}
            out.write((",\n" if n else "") + json.dumps(feat, ensure_ascii=False))
            n += 1
        out.write("\n]}\n")
    return n
