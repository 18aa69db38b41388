"""The session model: one object says what the commander is looking at and doing.

Panels of the window and commands of the CLI read and change a :class:`Session`; its
fields announce their changes (see :mod:`desktop.core.evented`). The filter the map,
the feed, ``sitmap query`` and exports apply is always :meth:`Session.filter`, so two
views of one session cannot disagree on it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from desktop.core.evented import Evented
from desktop.core.filters import Filter
from desktop.core.geo import Area

ZONES = ("Asia/Seoul", "UTC")
KINDS = ("post", "field_update")
PRECISIONS = ("exact", "place", "inferred", "unknown")

# The fields that change which items are shown (a change means a new query).
FILTER_FIELDS = frozenset({"window", "bbox", "areas", "hashtags", "kinds", "sources", "text", "precisions",
                           "min_confidence", "states", "priorities", "triage_tags", "incident"})


@dataclass(frozen=True)
class AreaEntry:
    """An area the session knows: whether it filters (active), is outlined (visible) and
    is saved in the cache."""

    area: Area
    active: bool = True
    visible: bool = True
    saved: bool = False

    @property
    def name(self) -> str:
        return self.area.name


@dataclass(eq=False)
class Session(Evented):
    """What one commander's view holds. Values are immutable; assign to change them.

    Times are UTC milliseconds; ``window`` is [start, end). Empty tuples mean "no
    restriction" (all kinds, all sources…), as in :class:`Filter`.
    """

    db_path: Path | None = None
    span: tuple[int, int] | None = None  # what the cache holds, widened by imports and live items
    window: tuple[int, int] | None = None
    bbox: tuple[float, float, float, float] | None = None
    areas: tuple[AreaEntry, ...] = ()
    hashtags: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    text: str = ""
    precisions: tuple[str, ...] = ()
    min_confidence: float | None = None  # hide place/inferred positions less sure than this (None: all)
    states: tuple[str, ...] = ()  # triage states (desktop.core.triage.STATES)
    priorities: tuple[str, ...] = ()
    triage_tags: tuple[str, ...] = ()  # triage categories, any of
    incident: int | None = None  # only the items of this incident
    incident_name: str | None = None  # its name, for the description
    known_sources: tuple[str, ...] = ()
    selected: int | None = None
    selection_origin: str = ""  # "map", "feed" or another panel's name: who selected it
    live: bool = False
    zone: str = "Asia/Seoul"
    heat: bool = False
    view: object | None = None  # desktop.engine.mapdata.View of the map, when there is one
    operator: str | None = None
    purpose: str | None = None  # a code of desktop.core.purposes; None: a view-only session (no collection)
    case_ref: str | None = None  # the case reference the purpose may need
    boundaries: str | None = None  # the boundary file loaded as the map's district context (its path)

    # the filter --------------------------------------------------------------------------
    def filter(self) -> Filter:
        start, end = self.window if self.window else (None, None)
        return Filter(start_ms=start, end_ms=end, bbox=self.bbox, areas=self.active_areas(),
                      hashtags=self.hashtags, kinds=self.kinds, sources=self.sources,
                      text=self.text.strip(), precisions=self.precisions, min_confidence=self.min_confidence,
                      states=self.states,
                      priorities=self.priorities, triage_tags=self.triage_tags, incident=self.incident,
                      incident_name=self.incident_name if self.incident is not None else None)

    # areas -------------------------------------------------------------------------------
    def area(self, name: str) -> AreaEntry | None:
        return next((e for e in self.areas if e.name == name), None)

    def area_names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.areas)

    def active_areas(self) -> tuple[Area, ...]:
        return tuple(e.area for e in self.areas if e.active)

    def add_area(self, area: Area, *, active: bool = True, visible: bool = True, saved: bool = False) -> None:
        """Add an area, replacing one of the same name (its place in the list kept)."""
        entry = AreaEntry(area, active, visible, saved)
        if self.area(area.name) is not None:
            self.areas = tuple(entry if e.name == area.name else e for e in self.areas)
        else:
            self.areas = self.areas + (entry,)

    def change_area(self, name: str, **changes) -> None:
        """``active``, ``visible``, ``saved`` or ``exclude`` of one area."""
        exclude = changes.pop("exclude", None)
        out = []
        for e in self.areas:
            if e.name == name:
                if exclude is not None and exclude != e.area.exclude:
                    a = e.area
                    e = replace(e, area=Area(a.name, a.geometry, bool(exclude), a.properties))
                e = replace(e, **changes)
            out.append(e)
        self.areas = tuple(out)

    def remove_area(self, name: str) -> None:
        self.areas = tuple(e for e in self.areas if e.name != name)

    # selection ---------------------------------------------------------------------------
    def select(self, item_id: int | None, origin: str = "") -> None:
        """Select an item (or none); ``origin`` says where, so a view does not echo its own pick."""
        with self.batch():
            self.selection_origin = origin
            self.selected = item_id

    # hashtags ----------------------------------------------------------------------------
    def toggle_hashtag(self, tag: str, on: bool) -> None:
        tags = [t for t in self.hashtags if t != tag]
        if on:
            tags.append(tag)
        self.hashtags = tuple(tags)

    # time --------------------------------------------------------------------------------
    def widen_span(self, start: int, end: int) -> tuple[int, int]:
        """New data only ever widens the span."""
        if self.span is not None:
            start, end = min(start, self.span[0]), max(end, self.span[1])
        self.span = (start, end)
        return self.span


__all__ = ["AreaEntry", "FILTER_FIELDS", "KINDS", "PRECISIONS", "Session", "ZONES"]
