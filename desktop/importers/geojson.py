"""GeoJSON (RFC 7946) point features as posts.

Properties are free-form, so the time, text, author and id are found by guessing
common names (case-insensitively) unless the user names them. Points are
``[lon, lat]``; a pair that is out of range is kept aside, never swapped. Old files
may name a projected CRS in a ``crs`` member: those are reprojected to WGS84, since
plotting metres as degrees would put every point off the map.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from desktop.importers import fields as F
from desktop.importers.base import BadRecord, ImportContext, ImportFailed, hashtags_in, links_in, read_bytes
from desktop.core.model import Item, Kind, Record

NAME = "geojson"

_COLLECTION_RE = re.compile(rb'"type"\s*:\s*"FeatureCollection"')
_FEATURE_RE = re.compile(rb'"type"\s*:\s*"Feature"')
# Names that mean plain WGS84 longitude/latitude in GeoJSON practice (files that say
# EPSG:4326 still write lon,lat, so no axis swap either).
_WGS84 = {
    "urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "ogc:crs84", "crs84",
    "epsg:4326", "urn:ogc:def:crs:epsg::4326", "urn:ogc:def:crs:epsg:6.6:4326",
    "http://www.opengis.net/def/crs/ogc/1.3/crs84", "http://www.opengis.net/def/crs/epsg/0/4326",
}


def sniff(head: bytes, path: Path) -> int:
    """60 for a FeatureCollection; 40 for a lone Feature or a .geojson object.

    A bare Feature scores lower because other formats embed them (X v2 places carry
    GeoJSON Features in ``includes``), and their own sniffers should win there.
    """
    if _COLLECTION_RE.search(head):
        return 60
    is_object = head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")
    if is_object and (_FEATURE_RE.search(head) or str(path).lower().endswith(".geojson")):
        return 40
    return 0


def read(path: Path, ctx: ImportContext) -> Iterator[Record]:
    """Yield one POST item per usable point feature."""
    F.check_options(path, ctx)
    doc = _load(path, ctx)
    features = _features(path, doc)
    to_wgs84 = _transformer(path, doc.get("crs"), ctx)
    _check_named_fields(path, ctx, features)
    source = F.source_name(ctx, NAME)
    ids = F.MangledIds()
    time_from: dict[str, int] = {}  # property name -> features whose time it gave
    for n, feature in enumerate(features, start=1):
        where = f"feature {n}"
        try:
            item = _item(feature, ctx, source, to_wgs84, ids, time_from)
        except BadRecord as exc:
            ctx.skip(where, F.reason(exc))
            continue
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:
            # Free-form properties can hold anything; one odd feature must not cost the file.
            ctx.skip(where, F.reason(f"unreadable feature ({type(exc).__name__}: {exc})"))
            continue
        if ctx.options.keep_raw:
            try:
                item.raw = F.clean(json.dumps(feature, ensure_ascii=False, allow_nan=True))
            except (ValueError, TypeError, RecursionError):
                item.raw = None
        yield item
    if time_from:
        ctx.note(_time_note(time_from, ctx))
    ids.report(ctx)


def _time_note(time_from: dict[str, int], ctx: ImportContext) -> str:
    """'time from property '작성시간'', or the few properties that gave it when features differ."""
    def label(name: str) -> str:
        name = " ".join(name.split())
        return repr(name if len(name) <= 40 else name[:39] + "…")

    given = " (as given by --time-field)" if ctx.options.time_field else ""
    if len(time_from) == 1:
        return f"time from property {label(next(iter(time_from)))}{given}"
    top = sorted(time_from.items(), key=lambda kv: -kv[1])
    shown = ", ".join(f"{label(k)} ({v:,})" for k, v in top[:3])
    more = f" and {len(top) - 3} more" if len(top) > 3 else ""
    return f"time from properties {shown}{more}, features differ"


def _load(path: Path, ctx: ImportContext) -> Any:
    data = read_bytes(path)
    text = _decode(path, data, ctx)
    try:
        return json.loads(text)
    except RecursionError:
        raise ImportFailed(path, "not GeoJSON: JSON nested too deeply") from None
    except ValueError as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise ImportFailed(path, f"not JSON{where}: {getattr(exc, 'msg', exc)}") from None


def _decode(path: Path, data: bytes, ctx: ImportContext) -> str:
    enc = ctx.options.encoding
    if enc:
        try:
            return data.decode(enc)
        except LookupError:
            raise ImportFailed(path, f"unknown encoding {enc!r}") from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ImportFailed(path, f"not {enc} text (invalid byte at line {line}, offset {exc.start})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        first = exc
    # RFC 7946 says UTF-8, but Korean public-data portals still hand out CP949 files.
    try:
        text = data.decode("cp949")
    except UnicodeDecodeError:
        line = data[: first.start].count(b"\n") + 1
        raise ImportFailed(path, f"neither UTF-8 nor CP949 text (invalid byte at line {line}, offset {first.start})") from None
    ctx.note("file is not UTF-8; read as CP949 (Korean Windows encoding)")
    return text


def _features(path: Path, doc: Any) -> list:
    if not isinstance(doc, dict):
        raise ImportFailed(path, "not GeoJSON: the top level is not an object")
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise ImportFailed(path, "not GeoJSON: the FeatureCollection has no 'features' list")
        return features
    if kind == "Feature":
        return [doc]
    raise ImportFailed(path, f"not a GeoJSON FeatureCollection or Feature (type is {kind!r})"[:300])


def _transformer(path: Path, crs: Any, ctx: ImportContext):
    """None for WGS84 files; otherwise a function (x, y) -> (lon, lat)."""
    if crs is None:
        return None
    if not isinstance(crs, dict):
        raise ImportFailed(path, "the 'crs' member is not an object; cannot tell what the coordinates are")
    props = crs.get("properties") if isinstance(crs.get("properties"), dict) else {}
    kind = crs.get("type")
    if kind == "name":
        name = props.get("name")
    elif isinstance(kind, str) and kind.upper() == "EPSG":  # the 2008 draft's form
        name = f"EPSG:{props.get('code')}"
    else:
        raise ImportFailed(path, f"coordinate reference system of type {str(kind)[:40]!r} is not supported; "
                                 "convert the file to WGS84")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise ImportFailed(path, "the 'crs' member names no coordinate reference system")
    if name.strip().casefold() in _WGS84:
        return None
    import pyproj  # only files with a crs member pay for loading it

    try:
        src = pyproj.CRS.from_user_input(name.strip())
    except Exception as exc:  # CRSError, and pyproj raises plain errors for odd strings
        raise ImportFailed(path, f"unknown coordinate reference system {name!r}; convert the file to WGS84 "
                                 f"({type(exc).__name__})") from None
    if not (src.is_projected or src.is_geographic):
        raise ImportFailed(path, f"coordinate reference system {name!r} ({src.name}) is not a map projection")
    try:
        tr = pyproj.Transformer.from_crs(src, "EPSG:4326", always_xy=True)
    except Exception as exc:
        raise ImportFailed(path, f"cannot convert {name!r} ({src.name}) to WGS84: {exc}") from None
    ctx.note(f"coordinates reprojected from {name} ({src.name}) to WGS84")

    def to_wgs84(x: float, y: float) -> tuple[float, float]:
        try:
            return tr.transform(x, y)
        except Exception as exc:  # ProjError for points outside the projection's domain
            raise BadRecord(f"cannot reproject {x}, {y} from {name}: {exc}") from None

    return to_wgs84


def _check_named_fields(path: Path, ctx: ImportContext, features: list) -> None:
    """A field the user named must exist in at least one feature; a typo would skip them all."""
    opts = ctx.options
    wanted = {"--time-field": opts.time_field, "--text-field": opts.text_field,
              "--author-field": opts.author_field, "--id-field": opts.id_field}
    wanted = {flag: name for flag, name in wanted.items() if name}
    if not wanted:
        return
    present: set[str] = set()
    for f in features:
        props = f.get("properties") if isinstance(f, dict) else None
        if isinstance(props, dict):
            present.update(F.key(k) for k in props)
    for flag, name in wanted.items():
        if F.key(name) not in present:
            raise ImportFailed(path, f"no feature has a property named {name!r} (given by {flag})")


def _item(feature: Any, ctx: ImportContext, source: str, to_wgs84, ids: F.MangledIds,
          time_from: dict[str, int] | None = None) -> Item:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise BadRecord("not a Feature object")
    props = feature.get("properties")
    if props is None:
        props = {}
    if not isinstance(props, dict):
        raise BadRecord("'properties' is not an object")
    names = F.index_names(props)

    def name_of(candidates: tuple[str, ...], chosen: str | None = None) -> str | None:
        return names.get(F.key(chosen)) if chosen else F.pick(names, [c for c in candidates if _has(props, names, c)])

    def get(candidates: tuple[str, ...], chosen: str | None = None) -> Any:
        name = name_of(candidates, chosen)
        return props.get(name) if name is not None else None

    lon, lat = _point(feature.get("geometry"), to_wgs84)
    lat, lon = F.latlon(lat, lon)
    opts = ctx.options
    time_name = name_of(F.TIME_NAMES, opts.time_field)
    t_raw = props.get(time_name) if time_name is not None else None
    if t_raw is None:
        raise BadRecord("no time")
    t_ms = F.time_ms(t_raw, ctx)
    if time_from is not None and (time_from.get(time_name) or len(time_from) < 50):  # a bound for hostile files
        time_from[time_name] = time_from.get(time_name, 0) + 1
    text = F.scalar_text(get(F.TEXT_NAMES, opts.text_field)) or ""
    author_raw = get(F.AUTHOR_NAMES, opts.author_field)
    if isinstance(author_raw, dict):  # a nested user object
        author_raw = next((author_raw[k] for k in ("screen_name", "username", "name") if k in author_raw), None)
    author = F.scalar_text(author_raw)
    tags = F.split_tags(get(F.TAG_NAMES)) + hashtags_in(text)
    precision, radius = F.precision_of(lambda c: get(c))
    source_id = F.record_id(_feature_id(feature, get, opts.id_field, ctx, ids), t_ms, lat, lon, text)
    return Item(
        kind=Kind.POST, source=source, source_id=source_id, t_ms=t_ms, text=text, lat=lat, lon=lon,
        precision=precision, radius_m=radius, author=author, place_name=F.scalar_text(get(F.PLACE_NAMES)),
        hashtags=tuple(tags), links=tuple(links_in(text)),
    )


def _has(props: dict, names: dict[str, str], candidate: str) -> bool:
    """A candidate counts only when its value is present and non-empty."""
    name = names.get(F.key(candidate))
    if name is None:
        return False
    v = props.get(name)
    return v is not None and v != "" and v != []


def _point(geometry: Any, to_wgs84) -> tuple[Any, Any]:
    """The [lon, lat] of a Point (or a one-point MultiPoint), reprojected if the file says so."""
    if geometry is None:
        raise BadRecord("no geometry")
    if not isinstance(geometry, dict):
        raise BadRecord("geometry is not an object")
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "MultiPoint" and isinstance(coords, list):
        if len(coords) != 1:
            raise BadRecord(f"not a point (MultiPoint with {len(coords)} points)")
        coords = coords[0]
    elif kind != "Point":
        raise BadRecord(f"not a point ({str(kind)[:40]})")
    if not isinstance(coords, list) or len(coords) < 2:
        raise BadRecord("point has no coordinates")
    x, y = coords[0], coords[1]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (x, y)):
        raise BadRecord(f"coordinates are not numbers: {str(coords)[:80]}")
    if to_wgs84 is not None:
        x, y = to_wgs84(float(x), float(y))
    return x, y


def _feature_id(feature: dict, get, id_field: str | None, ctx: ImportContext, ids: F.MangledIds) -> str | None:
    raw = get((), id_field) if id_field else feature.get("id")
    if raw is None and not id_field:
        raw = get(F.ID_NAMES)
    if isinstance(raw, float):
        # Past 2**53 a float id has lost digits; a hash at least stays stable.
        if raw.is_integer() and abs(raw) < 2**53:
            return str(int(raw))
        ctx.note("some feature ids were not exact numbers; those features got a stable hash as id")
        return None
    return ids.usable(F.scalar_text(raw))
