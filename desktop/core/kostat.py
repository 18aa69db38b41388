"""The built-in Korean districts: KOSTAT 2018 census boundaries at three levels.

``resources/boundaries/`` ships the 시도 (17), 시군구 (250) and 읍면동 (3,504) outlines as
TopoJSON (KOGL Type 1, credited in About and in the map attribution). A unit's KOSTAT
census code says where it sits: 2 digits 시도, 5 digits 시군구 (its first 2 are the 시도),
7 digits 읍면동 (its first 5 are the 시군구), e.g. ``1102055`` = 서울특별시 (11) 중구 (11020)
명동. The parents are found by that prefix; a test checks every code has its parents.

Names are qualified by the enclosing units ("서울특별시 종로구", "서울특별시 중구 명동"),
because names repeat (중구 is in six cities, 사직동 in several). KOSTAT writes the 구 of a
city that has them in one word ("수원시장안구"); Sitmap shows it as "수원시 장안구" and
keeps the short "장안구" as an alias.

``units(level)`` is the gazetteer's view (plain dicts); ``frame(level)`` the GeoDataFrame;
``find``/``resolve`` search by Korean or English name across levels; ``area`` turns a
unit into an ``Area`` exactly like a district picked from a boundary file.

The radius of a unit (``radius_m``) is its **equal-area radius**, sqrt(area / π), the area
measured in the Korean equal-area-enough projection EPSG:5179 (UTM-K); its centre is the
area centroid, or a point inside the polygon when the centroid falls outside it.

geopandas is imported lazily (about a second); each level is read once (lru_cache).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from shapely.geometry.base import BaseGeometry

from desktop.core import paths
from desktop.core.geo import Area, GeoError, clean_geometry

SIDO, SIGUNGU, EMD = "sido", "sigungu", "emd"
LEVELS = (SIDO, SIGUNGU, EMD)
CODE_LEN = {SIDO: 2, SIGUNGU: 5, EMD: 7}
LABELS = {SIDO: "시도", SIGUNGU: "시군구", EMD: "읍면동"}
FILES = {
    SIDO: "kostat2018-skorea-provinces-2018-topo-simple.json",
    SIGUNGU: "kostat2018-skorea-municipalities-2018-topo-simple.json",
    EMD: "kostat2018-skorea-submunicipalities-2018-topo-simple.json",
}
COUNTS = {SIDO: 17, SIGUNGU: 250, EMD: 3504}
CREDIT = ("출처: 통계청 통계지리정보서비스 (SGIS, Statistics Korea), 2018, "
          "via github.com/southkorea/southkorea-maps (KOGL Type 1)")
ATTRIBUTION = "Districts: 통계청 SGIS (Statistics Korea) 2018, KOGL Type 1"

_ALIASES = {"시도": SIDO, "시군구": SIGUNGU, "읍면동": EMD, "province": SIDO, "district": SIGUNGU,
            "municipality": SIGUNGU, "submunicipality": EMD, "dong": EMD, "1": SIDO, "2": SIGUNGU, "3": EMD}
_CITY_GU = re.compile(r"^(.+?시)(.+[구])$")  # 수원시장안구 -> 수원시 장안구
_CITY_GU_ENG = re.compile(r"^(.+?)si(.+)gu$")


def level_of(level: str) -> str:
    """"sido" / "sigungu" / "emd", also written 시도 / 시군구 / 읍면동."""
    key = str(level).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in LEVELS:
        raise GeoError(f"district level {level!r}: use one of 시도, 시군구, 읍면동 ({', '.join(LEVELS)})")
    return key


def _display(name: str, name_eng: str) -> tuple[str, str, list[str]]:
    """KOSTAT's one-word city 구 split in two, and the short name kept as an alias."""
    m = _CITY_GU.match(name)
    if not m:
        return name, name_eng, []
    city, gu = m.groups()
    me = _CITY_GU_ENG.match(name_eng or "")
    eng = f"{me.group(1).capitalize()}-si {me.group(2).capitalize()}-gu" if me else name_eng
    return f"{city} {gu}", eng, [gu, name]


@lru_cache(maxsize=3)
def frame(level: str):
    """The level as a GeoDataFrame (EPSG:4326): code, name, name_eng, aliases, level,
    parent_codes, parent_names, parent_names_eng, qualified, qualified_eng, lat, lon,
    radius_m, geometry. Read once; treat it as read-only."""
    import geopandas as gpd

    level = level_of(level)
    path = paths.resources_dir() / "boundaries" / FILES[level]
    if not path.is_file():
        raise GeoError(f"{path}: the built-in {LABELS[level]} boundaries are missing (a damaged install?)")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:
        raise GeoError(f"{path}: cannot read the built-in boundaries ({exc})") from None
    gdf = gdf.set_crs(4326, allow_override=True)
    gdf["code"] = gdf["code"].astype(str)
    gdf["geometry"] = [clean_geometry(f"{n} ({c})", g) for n, c, g in zip(gdf["name"], gdf["code"], gdf.geometry)]
    names, engs, aliases = zip(*(_display(str(n), str(e)) for n, e in zip(gdf["name"], gdf["name_eng"])))
    gdf["name"], gdf["name_eng"], gdf["aliases"] = list(names), list(engs), list(aliases)
    gdf["level"] = level
    # parents by code prefix
    parents = [lv for lv in LEVELS if CODE_LEN[lv] < CODE_LEN[level]]
    lookups = {lv: _names_by_code(lv) for lv in parents}
    pc, pn, pe = [], [], []
    for code in gdf["code"]:
        codes = [code[:CODE_LEN[lv]] for lv in parents]
        for lv, c in zip(parents, codes):
            if c not in lookups[lv]:
                raise GeoError(f"{path}: {code} has no enclosing {LABELS[lv]} {c}")
        pc.append(codes)
        pn.append([lookups[lv][c][0] for lv, c in zip(parents, codes)])
        pe.append([lookups[lv][c][1] for lv, c in zip(parents, codes)])
    gdf["parent_codes"], gdf["parent_names"], gdf["parent_names_eng"] = pc, pn, pe
    gdf["qualified"] = [" ".join(_dedupe(p + [n])) for p, n in zip(pn, gdf["name"])]
    gdf["qualified_eng"] = [", ".join(reversed(_dedupe(p + [n]))) for p, n in zip(pe, gdf["name_eng"])]
    # centre and equal-area radius, measured in UTM-K (metres)
    metric = gdf.geometry.to_crs(5179)
    centroids = metric.centroid.to_crs(4326)
    inside = [c if g.contains(c) else g.representative_point() for c, g in zip(centroids, gdf.geometry)]
    gdf["lat"] = [p.y for p in inside]
    gdf["lon"] = [p.x for p in inside]
    gdf["radius_m"] = [math.sqrt(a / math.pi) for a in metric.area]
    cols = ["code", "name", "name_eng", "aliases", "level", "parent_codes", "parent_names", "parent_names_eng",
            "qualified", "qualified_eng", "lat", "lon", "radius_m", "geometry"]
    return gdf[cols].sort_values("code").reset_index(drop=True)


def _dedupe(parts: list[str]) -> list[str]:
    """세종특별자치시 세종시 조치원읍: a 시군구 that repeats its 시도 is left out."""
    out: list[str] = []
    for p in parts:
        if out and (p == out[-1] or (p.endswith("시") and out[-1].startswith(p[:-1]))):
            continue
        out.append(p)
    return out


@lru_cache(maxsize=3)
def _names_by_code(level: str) -> dict[str, tuple[str, str]]:
    gdf = frame(level)
    return {c: (n, e) for c, n, e in zip(gdf["code"], gdf["name"], gdf["name_eng"])}


def units(level: str) -> list[dict]:
    """Every unit of a level as a plain dict: code, name, name_eng, aliases (other names the
    unit goes by), parent_names (enclosing units, outermost first, e.g. ["서울특별시", "중구"]),
    parent_codes, qualified ("서울특별시 중구 명동"), qualified_eng, level, lat, lon (the centre,
    inside the unit), radius_m (equal-area radius, metres) and geometry (shapely, WGS84).
    A new list each call; the geometries are shared."""
    gdf = frame(level)
    out = []
    for row in gdf.itertuples(index=False):
        out.append({
            "code": row.code, "name": row.name, "name_eng": row.name_eng, "aliases": list(row.aliases),
            "parent_names": list(row.parent_names), "parent_names_eng": list(row.parent_names_eng),
            "parent_codes": list(row.parent_codes), "qualified": row.qualified, "qualified_eng": row.qualified_eng,
            "level": row.level, "lat": float(row.lat), "lon": float(row.lon), "radius_m": float(row.radius_m),
            "geometry": row.geometry,
        })
    return out


def parents(code: str) -> dict[str, str]:
    """The enclosing units of a code by prefix: {"sido": "11", "sigungu": "11020"} for 1102055."""
    code = str(code)
    return {lv: code[:CODE_LEN[lv]] for lv in LEVELS if CODE_LEN[lv] < len(code)}


def _norm(s: str) -> str:
    return re.sub(r"[\s\-·.,_']", "", str(s)).casefold()


@lru_cache(maxsize=1)
def _search_index() -> list[tuple[int, int, str, tuple[str, ...], dict]]:
    rows = []
    for li, level in enumerate(LEVELS):
        for u in units(level):
            keys = [u["name"], u["name_eng"], *u["aliases"], u["qualified"], u["qualified_eng"],
                    " ".join(u["parent_names"] + [u["name"]])]
            rows.append((li, int(u["code"]), u["code"], tuple(dict.fromkeys(_norm(k) for k in keys if k)), u))
    return rows


def find(text: str, limit: int | None = 50, levels=LEVELS) -> list[dict]:
    """Units whose Korean or English name (or qualified name) matches ``text``: exact names
    first, then prefixes, then substrings; within each, 시도 before 시군구 before 읍면동,
    then by code. "명동" and "Myeong" find 서울특별시 중구 명동; "종로구" the 시군구."""
    q = _norm(text)
    if not q:
        return []
    wanted = {level_of(lv) for lv in levels}
    hits = []
    for li, icode, code, keys, u in _search_index():
        if u["level"] not in wanted:
            continue
        if q == keys[0]:
            rank = 0
        elif q in keys:
            rank = 1
        elif any(k.startswith(q) for k in keys):
            rank = 2
        elif any(q in k for k in keys):
            rank = 3
        else:
            continue
        hits.append((rank, li, icode, u))
    hits.sort(key=lambda h: h[:3])
    out = [h[3] for h in hits]
    return out[:limit] if limit else out


def resolve(text: str, levels=LEVELS) -> dict:
    """The one unit ``text`` names (an exact name, alias or qualified name, Korean or English,
    or a census code); GeoError listing the candidates when it names several or none."""
    t = str(text).strip()
    if t.isdigit() and len(t) in (2, 5, 7):
        level = next(lv for lv in LEVELS if CODE_LEN[lv] == len(t))
        for u in units(level):
            if u["code"] == t:
                return u
        raise GeoError(f"district {t!r}: no built-in {LABELS[level]} has that code")
    q = _norm(t)
    exact = [u for _li, _c, _code, keys, u in _search_index()
             if u["level"] in {level_of(lv) for lv in levels} and q in keys]
    if not exact and len(t.split()) > 1:  # "부산 중구", "서울 중구 명동": short names of the parents
        *outer, last = t.split()
        exact = [u for _li, _c, _code, keys, u in _search_index()
                 if u["level"] in {level_of(lv) for lv in levels} and _norm(last) in keys[:3 + len(u["aliases"])]
                 and all(any(_norm(p).startswith(_norm(o)) for p in u["parent_names"] + u["parent_names_eng"])
                         for o in outer)]
    if len(exact) == 1 or (exact and len({u["qualified"] for u in exact}) == 1):
        return exact[0]  # 세종특별자치시 is a 시도 and its own 시군구: the larger unit
    if len(exact) > 1:
        # one level's exact name beats substring-like matches of another (서울특별시 vs 서울특별시 종로구)
        full = [u for u in exact if _norm(u["qualified"]) == q or _norm(u["qualified_eng"]) == q]
        if len(full) == 1:
            return full[0]
        shown = ", ".join(u["qualified"] for u in exact[:12]) + (", …" if len(exact) > 12 else "")
        raise GeoError(f"district {t!r} is ambiguous: {shown} (write it with its city, e.g. "
                       f"{exact[0]['qualified']!r}, or give its code {exact[0]['code']})")
    near = find(t, 8, levels)
    hint = f" (did you mean: {', '.join(u['qualified'] for u in near)}?)" if near else ""
    raise GeoError(f"district {t!r}: no built-in district has that name{hint}")


def area(unit: dict, exclude: bool = False) -> Area:
    """A unit as an area, named by its qualified name, with its code and level as properties."""
    props = {"code": unit["code"], "name": unit["name"], "name_eng": unit["name_eng"],
             "level": unit["level"], "source": "kostat2018"}
    return Area(unit["qualified"], unit["geometry"], exclude, props)


def areas(level: str, exclude: bool = False) -> list[Area]:
    """Every unit of a level as an area (3,504 for 읍면동), named by its qualified name."""
    return [area(u, exclude) for u in units(level)]


def geometry(code: str) -> BaseGeometry:
    return resolve(code)["geometry"]


__all__ = ["ATTRIBUTION", "CREDIT", "EMD", "LEVELS", "SIDO", "SIGUNGU", "area", "areas", "find", "frame", "geometry", "level_of",
           "parents", "resolve", "units"]
