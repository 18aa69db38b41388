"""Filter options as a user types them (``--from 14:00``, ``--area gu.json:code=11110``,
``--district 종로구``)
turned into a session: the one path from words to a :class:`~desktop.core.filters.Filter`.

The command line's filter options, saved views and (later) report and export dialogs
all go through :func:`apply_options`, so a filter means the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.errors import OptionError
from desktop.core import kostat
from desktop.core.geo import GeoError, area_from_geojson, areas_from_file
from desktop.core.triage import TriageError, check_priority, check_state
from desktop.importers.base import BadRecord, ImportContext, ImportOptions, parse_time
from desktop.session.model import Session


@dataclass
class FilterOptions:
    """The filter as text. Times without a zone are read in ``tz`` (default Asia/Seoul)."""

    start: str | None = None
    end: str | None = None
    tz: str | None = None
    bbox: str | None = None
    area: list[str] = field(default_factory=list)  # FILE or FILE:PROP=VALUE
    exclude_area: list[str] = field(default_factory=list)
    saved_area: list[str] = field(default_factory=list)  # names of areas saved in the cache
    district: list[str] = field(default_factory=list)  # built-in KOSTAT districts by name or code
    exclude_district: list[str] = field(default_factory=list)
    hashtag: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    text: str = ""
    precision: list[str] = field(default_factory=list)
    min_confidence: str | float | None = None  # 0..1: hide place/inferred positions less sure than this
    state: list[str] = field(default_factory=list)  # triage states
    priority: list[str] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)  # triage categories
    incident: str | None = None  # NAME or ID of an incident in the cache

    @classmethod
    def from_namespace(cls, ns) -> "FilterOptions":
        """From an argparse namespace (or any object) with these attribute names."""
        return cls(**{k: getattr(ns, k) for k in cls.__dataclass_fields__ if getattr(ns, k, None) is not None})


def split_area(spec: str) -> tuple[str, str | None]:
    """``FILE:PROP=VALUE`` → (FILE, PROP=VALUE); a Windows drive letter stays in FILE."""
    head, sep, tail = spec.rpartition(":")
    if sep and "=" in tail and head:
        return head, tail
    return spec, None


def _confidence(value) -> float | None:
    """``--min-confidence 0.6``: a number from 0 to 1 (None or empty: no minimum)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        c = float(value)
    except (TypeError, ValueError):
        raise OptionError(f"--min-confidence: {value!r} is not a number (write e.g. 0.6)") from None
    if not 0.0 <= c <= 1.0:
        raise OptionError(f"--min-confidence: {value!r} is not between 0 and 1")
    return c


def _time(value: str | None, ctx: ImportContext) -> int | None:
    if value is None:
        return None
    try:
        return parse_time(value, ctx)
    except BadRecord as exc:
        raise OptionError(f"time {value!r}: {exc}") from None


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    try:
        box = tuple(float(v) for v in value.split(","))
    except ValueError:
        box = ()
    if len(box) != 4:
        raise OptionError("--bbox takes four numbers: west,south,east,north")
    return box  # type: ignore[return-value]


def apply_options(session: Session, opts: FilterOptions, cache=None, notes: list[str] | None = None) -> Session:
    """Set the session's filter from ``opts`` (one event); ``cache`` resolves saved areas.

    Raises :class:`OptionError` or :class:`~desktop.core.geo.GeoError` naming the option
    or file at fault. Notes (e.g. the zone a time was read in) go to ``notes``.
    """
    ctx = ImportContext(path=Path("--from/--to"), options=ImportOptions(tz=opts.tz))
    start, end = _time(opts.start, ctx), _time(opts.end, ctx)
    if notes is not None:
        notes.extend(ctx.notes)
    areas = []
    for spec in opts.area:
        path, pick = split_area(spec)
        areas += areas_from_file(path, pick)
    for spec in opts.exclude_area:
        path, pick = split_area(spec)
        areas += areas_from_file(path, pick, exclude=True)
    for names, exclude, option in ((opts.district, False, "--district"), (opts.exclude_district, True, "--exclude-district")):
        for name in names:
            try:
                areas.append(kostat.area(kostat.resolve(name), exclude))
            except GeoError as exc:
                raise OptionError(f"{option}: {exc}") from None
    for name in opts.saved_area:
        if cache is None:
            raise OptionError("--saved-area needs a cache")
        row = cache.conn.execute("SELECT geometry, exclude FROM areas WHERE name = ?", (name,)).fetchone()
        if not row:
            raise OptionError(f"no saved area named {name!r}")
        areas.append(area_from_geojson(name, row[0], bool(row[1])))
    for value, check, option in ((opts.state, check_state, "--state"), (opts.priority, check_priority, "--priority")):
        for v in value:
            try:
                check(v)
            except TriageError as exc:
                raise OptionError(f"{option}: {exc}") from None
    if opts.tag and cache is not None:
        from desktop.cache.triage import categories

        known = [n for n, _ in categories(cache.conn)]
        for t in opts.tag:
            if t.strip() not in known:
                raise OptionError(f"--tag: unknown category {t!r}: use one of {', '.join(known)}")
    incident = incident_name = None
    if opts.incident is not None and str(opts.incident).strip():
        if cache is None:
            raise OptionError("--incident needs a cache")
        from desktop.cache.incidents import find

        found = find(cache.conn, str(opts.incident).strip())
        if found is None:
            raise OptionError(f"--incident: no incident named or numbered {str(opts.incident).strip()!r}")
        incident, incident_name = found["id"], found["name"]
    if start is not None and end is not None and end < start:
        raise OptionError("the time window ends before it starts (--to is before --from)")
    min_confidence = _confidence(opts.min_confidence)
    with session.batch():
        session.window = None if start is None and end is None else (start, end)
        session.bbox = _bbox(opts.bbox)
        session.areas = ()
        for a in areas:
            session.add_area(a)
        session.update(hashtags=tuple(opts.hashtag), kinds=tuple(opts.kind), sources=tuple(opts.source),
                       text=opts.text or "", precisions=tuple(opts.precision), states=tuple(opts.state),
                       priorities=tuple(opts.priority), triage_tags=tuple(opts.tag), incident=incident,
                       incident_name=incident_name, min_confidence=min_confidence)
    try:
        session.filter()
    except ValueError as exc:  # e.g. a bounding box out of range
        raise OptionError(str(exc)) from None
    return session


def session_from_options(opts: FilterOptions, cache=None, notes: list[str] | None = None, **fields) -> Session:
    return apply_options(Session(**fields), opts, cache, notes)


__all__ = ["FilterOptions", "apply_options", "session_from_options", "split_area"]
