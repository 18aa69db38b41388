"""KML 2.2: one Placemark per item with a position, styled by kind and triage.

Every element is built with :mod:`xml.etree.ElementTree`, which escapes the text; the
document is streamed (each Placemark is serialised on its own, inside a ``<kml>`` whose
default namespace is KML 2.2), so memory does not grow with the number of items. Name
and description are plain text: the name is the author or callsign, the description
the item's text; every exported field is also in ``ExtendedData``. Characters XML 1.0
cannot hold (most control characters) become U+FFFD. Styles: ``post`` and
``field_update``, each with ``-verified`` or ``-false`` for the triage state and
``-urgent`` for urgent or critical items.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import IO, Iterable

from desktop.exports.fields import FIELDS, flat, has_position

NS = "http://www.opengis.net/kml/2.2"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Icon colours are aabbggrr.
KIND_COLOURS = {"post": "ff2e9bff", "field_update": "ffd77a1f"}
STATE_COLOURS = {"verified": "ff3cb43c", "false": "ff8c8c8c"}
ICON = "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"


def clean(value) -> str:
    """``value`` as text XML 1.0 can carry."""
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def style_id(rec: dict) -> str:
    sid = rec["kind"] if rec["kind"] in KIND_COLOURS else "post"
    if rec["state"] in STATE_COLOURS:
        sid += "-" + rec["state"]
    if rec["priority"] in ("urgent", "critical"):
        sid += "-urgent"
    return sid


def _styles() -> list[ET.Element]:
    out = []
    for kind, colour in KIND_COLOURS.items():
        for state in ("", "verified", "false"):
            for urgent in (False, True):
                sid = kind + (f"-{state}" if state else "") + ("-urgent" if urgent else "")
                st = ET.Element("Style", id=sid)
                icon = ET.SubElement(st, "IconStyle")
                ET.SubElement(icon, "color").text = STATE_COLOURS.get(state, colour)
                ET.SubElement(icon, "scale").text = "1.4" if urgent else "0.9"
                ET.SubElement(ET.SubElement(icon, "Icon"), "href").text = ICON
                label = ET.SubElement(st, "LabelStyle")
                ET.SubElement(label, "scale").text = "0.8" if urgent else "0"
                out.append(st)
    return out


def placemark(rec: dict) -> ET.Element:
    pm = ET.Element("Placemark", id=f"item-{rec['id']}")
    name = rec["callsign"] if rec["kind"] == "field_update" and rec["callsign"] else rec["author"]
    ET.SubElement(pm, "name").text = clean(name or f"item {rec['id']}")
    ET.SubElement(pm, "description").text = clean(rec["text"])
    ET.SubElement(ET.SubElement(pm, "TimeStamp"), "when").text = rec["time_utc"]
    ET.SubElement(pm, "styleUrl").text = "#" + style_id(rec)
    ext = ET.SubElement(pm, "ExtendedData")
    row = flat(rec)
    for f in FIELDS:
        if row[f] is None:
            continue
        data = ET.SubElement(ext, "Data", name=f)
        ET.SubElement(data, "value").text = clean(row[f])
    point = ET.SubElement(pm, "Point")
    ET.SubElement(point, "coordinates").text = f"{rec['lon']!r},{rec['lat']!r}"
    return pm


def _text(el: ET.Element) -> str:
    return ET.tostring(el, encoding="unicode")


def write_stream(records: Iterable[dict], out: IO[str], *, title: str = "") -> int:
    """The KML document on the text stream ``out``; returns the Placemarks written."""
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<kml xmlns="{NS}"><Document>\n')
    doc_name = ET.Element("name")
    doc_name.text = "Sitmap"
    out.write(_text(doc_name) + "\n")
    if title:
        desc = ET.Element("description")
        desc.text = clean(title)
        out.write(_text(desc) + "\n")
    for st in _styles():
        out.write(_text(st) + "\n")
    n = 0
    for rec in records:
        if not has_position(rec):
            continue
        out.write(_text(placemark(rec)) + "\n")
        n += 1
    out.write("</Document></kml>\n")
    return n


def write(records: Iterable[dict], path: Path, *, title: str = "") -> int:
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        return write_stream(records, out, title=title)
