"""The areas saved in the cache, as the session holds them.

Saved areas come into a session at start, and later when another workstation's arrive
through the shared store: :func:`merge` adds the new ones and replaces those whose shape
changed, keeping whether each one filters (active) and is outlined (visible), so an area
the commander has switched on stays on when a colleague edits it.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace

from desktop.core.geo import Area, GeoError, area_from_geojson
from desktop.live.shapes import saved_properties
from desktop.session.model import Session

log = logging.getLogger("sitmap.areas")


def read(conn: sqlite3.Connection) -> list[Area]:
    """Every saved area of the cache, in the order saved; unusable ones are logged and left out."""
    out = []
    for name, geom, exc in conn.execute("SELECT name, geometry, exclude FROM areas ORDER BY id"):
        try:
            area = area_from_geojson(name, geom, bool(exc))
            props = saved_properties(geom)
            if props:  # a circle stays a circle (TAK receives it as one); an area from TAK says so
                area = replace(area, properties=props)
            out.append(area)
        except GeoError as e:
            log.warning("saved area %s unusable: %s", name, e)
    return out


def merge(session: Session, areas: list[Area], *, active: bool = False) -> list[str]:
    """Add ``areas`` as saved areas of ``session``: new ones with ``active`` (outlined), a
    changed one in place with its active and visible flags kept, unchanged ones left alone.
    Returns the names added or changed."""
    changed = []
    with session.batch():
        for area in areas:
            old = session.area(area.name)
            if old is not None and old.saved and old.area == area and old.area.properties == area.properties:
                continue
            session.add_area(area, active=old.active if old is not None else active,
                             visible=old.visible if old is not None else True, saved=True)
            changed.append(area.name)
    return changed
