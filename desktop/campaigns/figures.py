"""A campaign's figures, computed from the cache each time they are asked for.

A post belongs to a campaign when it is a public post (kind ``post``) of the period
``[from_ms, to_ms)`` with any of the campaign's hashtags or any of its keywords in its text
(case-insensitive for Latin letters), and, when the campaign has areas, when it counts as in
one of them by :mod:`desktop.core.uncertainty`'s rule (a post without a position is then
left out: nothing says it was there).

Districts are the built-in KOSTAT 2018 units (:mod:`desktop.core.kostat`, 시군구 by
default). An exact post counts in the district its point is in. A post with an uncertainty
circle (a place the source named, or a position inferred from the text) counts in the
district its centre is in when the circle is small enough for it (radius at most 1.5 × the
district's equal-area radius, the same rule as everywhere else); otherwise it is *too vague
for a district* and is counted apart, and every district its circle reaches counts it as
*possibly in* (never added to the district's own count). Posts without a position are
*unplaced*; exact points in no district (at sea, abroad) are *outside*. So
``sum(in) + vague + outside + unplaced == posts``.

Engagement comes from ``items.extra["metrics"]`` (:mod:`desktop.core.engagement`): only
the sources that give counts have them, and each count is as of its ``captured_ms``.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from desktop.campaigns.store import Campaign
from desktop.core import engagement

STEPS_MIN = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)
MAX_BINS = 96
TOP_POSTS = 10
LEVELS = ("sido", "sigungu", "emd")


@dataclass
class Figures:
    """What a campaign's view, its report and ``sitmap campaign show`` say. :meth:`to_json`
    gives it as plain JSON values."""

    campaign: Campaign
    computed_ms: int
    level: str
    posts: int = 0
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)
    bin0_ms: int = 0
    bin_ms: int = 60_000
    bins: list[int] = field(default_factory=list)
    districts: list[dict] = field(default_factory=list)  # code, name, name_eng, in, exact, place, inferred, possibly_in
    placement: dict = field(default_factory=dict)  # in_districts, vague, outside, unplaced
    precision: dict = field(default_factory=dict)  # exact, place, inferred, unknown
    authors: dict = field(default_factory=dict)  # unique, new, returning, posts_by_new, posts_by_returning
    languages: list[list] = field(default_factory=list)  # [lang, count], most first; "und" = not given
    sources: list[list] = field(default_factory=list)
    engagement: dict = field(default_factory=dict)  # posts_with_counts, total, impressions (estimated), by source
    top_posts: list[dict] = field(default_factory=list)
    author_keys: frozenset = field(default_factory=frozenset, repr=False)
    area_names: list[dict] = field(default_factory=list)  # kind, value, name (a district's qualified name)
    boundaries: str | None = None  # a loaded boundary set's name, when the districts are its features

    def to_json(self) -> dict:
        return {
            "campaign": self.campaign.to_json(), "area_names": self.area_names, "computed_ms": self.computed_ms,
            "level": self.level, **({"boundaries": self.boundaries} if self.boundaries else {}),
            "posts": self.posts,
            "time_series": {"start_ms": self.bin0_ms, "bin_ms": self.bin_ms, "counts": list(self.bins)},
            "districts": self.districts, "placement": self.placement, "geolocated": self.precision,
            "authors": self.authors, "languages": self.languages, "sources": self.sources,
            "engagement": self.engagement, "top_posts": self.top_posts,
        }

    def peak(self) -> tuple[int, int] | None:
        """(start_ms, count) of the busiest bin, or None without posts."""
        if not self.bins or not max(self.bins):
            return None
        i = int(np.argmax(self.bins))
        return self.bin0_ms + i * self.bin_ms, int(self.bins[i])


def bin_step(span_ms: int) -> int:
    """The bin width (ms) for a period: the smallest of :data:`STEPS_MIN` giving at most MAX_BINS bins."""
    for m in STEPS_MIN:
        if span_ms / (m * 60_000) <= MAX_BINS:
            return m * 60_000
    return STEPS_MIN[-1] * 60_000


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def matching_rows(conn: sqlite3.Connection, c: Campaign) -> list[tuple]:
    """The public posts of the campaign's period with any of its hashtags or keywords (its
    areas not applied): id, t_ms, lat, lon, precision, radius_m, source, author_id, author,
    lang, extra, in time order."""
    conds, params = [], []
    if c.hashtags:
        conds.append(f"i.id IN (SELECT item_id FROM item_tags WHERE tag IN ({', '.join('?' * len(c.hashtags))}) "
                     "AND t_ms >= ? AND t_ms < ?)")
        params += [*c.hashtags, c.from_ms, c.to_ms]
    for k in c.keywords:
        conds.append("i.text LIKE ? ESCAPE '\\'")
        params.append(_like(k))
    if not conds:
        return []
    sql = ("SELECT i.id, i.t_ms, i.lat, i.lon, i.precision, coalesce(i.radius_m, 0), i.source, i.author_id, i.author, "
           "i.lang, i.extra FROM items i WHERE i.kind = 'post' AND i.t_ms >= ? AND i.t_ms < ? "
           f"AND ({' OR '.join(conds)}) ORDER BY i.t_ms, i.id")
    return conn.execute(sql, [c.from_ms, c.to_ms, *params]).fetchall()


def campaign_areas(conn: sqlite3.Connection, c: Campaign) -> list:
    """The campaign's areas as :class:`~desktop.core.geo.Area` values (a saved area removed
    since is named in the error)."""
    from desktop.campaigns.store import CampaignError
    from desktop.core import kostat
    from desktop.core.geo import GeoError, area_from_geojson

    out = []
    for kind, value in c.areas:
        if kind == "saved":
            row = conn.execute("SELECT geometry FROM areas WHERE name = ?", (value,)).fetchone()
            if row is None:
                raise CampaignError(f"campaign {c.name!r}: its saved area {value!r} no longer exists")
            out.append(area_from_geojson(value, row[0]))
        else:
            try:
                out.append(kostat.area(kostat.resolve(value)))
            except GeoError as exc:
                raise CampaignError(f"campaign {c.name!r}: {exc}") from None
    return out


def _district_name(code: str) -> str:
    from desktop.core import kostat
    from desktop.core.geo import GeoError

    try:
        return kostat.resolve(code)["qualified"]
    except GeoError:
        return code


def compute(conn: sqlite3.Connection, c: Campaign, *, level: str = "sigungu", top: int = TOP_POSTS,
            now_ms: int | None = None, boundaries: "BoundarySet | None" = None) -> Figures:
    """The figures of campaign ``c`` over the cache ``conn`` (see the module's text); per
    built-in district of ``level``, or per feature of a loaded ``boundaries`` set (a police
    station's precincts, say)."""
    from desktop.core import kostat

    level = "loaded" if boundaries is not None else kostat.level_of(level)
    f = Figures(campaign=c, computed_ms=int(time.time() * 1000) if now_ms is None else int(now_ms), level=level,
                boundaries=boundaries.name if boundaries is not None else None)
    f.area_names = [{"kind": k, "value": v, "name": v if k == "saved" else _district_name(v)} for k, v in c.areas]
    rows = matching_rows(conn, c)
    n = len(rows)
    ids = np.fromiter((r[0] for r in rows), np.int64, n)
    t = np.fromiter((r[1] for r in rows), np.int64, n)
    lat = np.fromiter((np.nan if r[2] is None else r[2] for r in rows), np.float64, n)
    lon = np.fromiter((np.nan if r[3] is None else r[3] for r in rows), np.float64, n)
    prec = np.array([r[4] for r in rows], dtype=object) if n else np.zeros(0, object)
    radius = np.fromiter((r[5] for r in rows), np.float64, n)
    uncertain = (prec == "place") | (prec == "inferred") if n else np.zeros(0, bool)
    if c.areas and n:
        from desktop.core.geo import AreaMask

        mask = AreaMask(campaign_areas(conn, c))
        keep = ~np.isnan(lat) & mask.admits(np.nan_to_num(lat), np.nan_to_num(lon), uncertain, radius)
        sel = np.flatnonzero(keep)
        rows = [rows[i] for i in sel]
        ids, t, lat, lon, prec, radius, uncertain = ids[sel], t[sel], lat[sel], lon[sel], prec[sel], radius[sel], \
            uncertain[sel]
        n = len(rows)
    f.posts, f.ids = n, ids
    # posts over time
    f.bin0_ms, f.bin_ms = c.from_ms, bin_step(c.to_ms - c.from_ms)
    nb = max(1, -(-(c.to_ms - c.from_ms) // f.bin_ms))
    f.bins = np.bincount(((t - c.from_ms) // f.bin_ms).clip(0, nb - 1), minlength=nb).astype(int).tolist() if n \
        else [0] * nb
    # how posts were placed
    pc = Counter(prec.tolist())
    f.precision = {p: int(pc.get(p, 0)) for p in ("exact", "place", "inferred", "unknown")}
    f.districts, f.placement = districts(lat, lon, prec, radius, level,
                                         index=boundaries.index() if boundaries is not None else None)
    # who posted
    _authors(conn, f, rows)
    f.languages = [[k, v] for k, v in Counter((r[9] or "und") for r in rows).most_common()]
    f.sources = [[k, v] for k, v in Counter(r[6] for r in rows).most_common()]
    _engagement(conn, f, rows, top)
    return f


def districts(lat: np.ndarray, lon: np.ndarray, prec: np.ndarray, radius: np.ndarray, level: str = "sigungu",
              *, index: tuple | None = None) -> tuple[list[dict], dict]:
    """Per built-in district (or per unit of ``index``, a loaded set's): the posts counted in
    it (by precision) and those only possibly in it; and the placement totals (in_districts,
    vague, outside, unplaced)."""
    import shapely

    from desktop.core.uncertainty import M_PER_DEG, circle_reaches

    n = lat.shape[0]
    placed = ~np.isnan(lat)
    placement = {"in_districts": 0, "vague": 0, "outside": 0, "unplaced": int((~placed).sum())}
    if not placed.any():
        return [], placement
    units, geoms, tree, limits = index if index is not None else _district_index(level)
    k = np.flatnonzero(placed)
    qi, qg = tree.query(shapely.points(lon[k], lat[k]), predicate="intersects")
    where = np.full(n, -1, np.int64)
    where[k[qi[::-1]]] = qg[::-1]  # the first district each point is in (boundaries touch only at edges)
    unc = np.isin(prec, ("place", "inferred")) & (radius > 0)
    r32 = radius.astype(np.float32)
    has = where >= 0
    admitted = has & (~unc | (r32 <= limits[np.maximum(where, 0)]))
    counts: dict[int, dict] = {}
    for i in np.flatnonzero(admitted):
        d = counts.setdefault(int(where[i]), {"in": 0, "exact": 0, "place": 0, "inferred": 0, "possibly_in": 0})
        d["in"] += 1
        p = prec[i]
        if p in d:
            d[p] += 1
    vague = placed & unc & ~admitted
    placement["in_districts"] = int(admitted.sum())
    placement["vague"] = int(vague.sum())
    placement["outside"] = int((placed & ~admitted & ~vague).sum())
    # possibly in: each distinct vague circle against the districts its box reaches
    v = np.flatnonzero(vague)
    if v.size:
        circles = np.unique(np.column_stack([lat[v], lon[v], radius[v]]), axis=0, return_counts=True)
        (cl, cnt) = circles
        dlat = cl[:, 2] / M_PER_DEG
        dlon = dlat / np.maximum(0.05, np.cos(np.radians(cl[:, 0])))
        boxes = shapely.box(cl[:, 1] - dlon, cl[:, 0] - dlat, cl[:, 1] + dlon, cl[:, 0] + dlat)
        bi, bg = tree.query(boxes, predicate="intersects")
        for g in np.unique(bg):
            sel = bi[bg == g]
            hit = circle_reaches(geoms[g], cl[sel, 0], cl[sel, 1], cl[sel, 2])
            m = int(cnt[sel][hit].sum())
            if m:
                counts.setdefault(int(g), {"in": 0, "exact": 0, "place": 0, "inferred": 0, "possibly_in": 0})
                counts[int(g)]["possibly_in"] += m
    out = []
    for g, d in counts.items():
        u = units[g]
        out.append({"code": u["code"], "name": u["qualified"], "name_eng": u["qualified_eng"],
                    **({"key": u["key"]} if "key" in u else {}), **d})
    out.sort(key=lambda d: (-d["in"], -d["possibly_in"], d["code"]))
    return out, placement


class BoundarySet:
    """A loaded boundary file as the campaign's districts: one unit per polygon feature,
    named by its name property (as the map's district context names it), keyed by the
    feature's row in the file (``key``, what the map's loaded layer is coloured by) and coded
    by its own code property where it has one."""

    def __init__(self, name: str, gdf) -> None:
        from desktop.core.geo import clean_geometry

        self.name = name
        self.units: list[dict] = []
        for idx, r in gdf.iterrows():
            label = _first(r, ("name", "NAME", "SIG_KOR_NM", "adm_nm"))
            if r.geometry is None or r.geometry.is_empty or not label:
                continue
            eng = _first(r, ("name_eng", "SIG_ENG_NM")) or ""
            self.units.append({"key": str(idx), "code": str(_first(r, ("code", "SIG_CD")) or idx),
                               "qualified": str(label), "qualified_eng": str(eng),
                               "geometry": clean_geometry(str(label), r.geometry)})
        if not self.units:
            from desktop.campaigns.store import CampaignError

            raise CampaignError(f"{name}: no feature of the boundary file has a name (name, NAME, SIG_KOR_NM or adm_nm)")
        self._index = None

    @classmethod
    def read(cls, path) -> "BoundarySet":
        """A boundary file geopandas reads (GeoJSON, Shapefile, GeoPackage…), in WGS84."""
        from pathlib import Path

        from desktop.core.geo import read_boundaries

        return cls(Path(path).name, read_boundaries(path))

    def index(self) -> tuple:
        if self._index is None:
            import shapely

            from desktop.core.uncertainty import radius_limit

            geoms = [u["geometry"] for u in self.units]
            self._index = (self.units, geoms, shapely.STRtree(geoms),
                           np.array([radius_limit(g) for g in geoms], np.float32))
        return self._index


def _first(row, names: tuple) -> object:
    for n in names:
        v = row.get(n)
        if v is not None and not (isinstance(v, float) and math.isnan(v)) and str(v).strip():
            return v
    return None


@lru_cache(maxsize=3)
def _district_index(level: str):
    """A level's units, their geometries, an STRtree over them and each one's radius limit
    (built once per level: the boundaries never change while Sitmap runs)."""
    import shapely

    from desktop.core import kostat
    from desktop.core.uncertainty import radius_limit

    units = kostat.units(level)
    geoms = [u["geometry"] for u in units]
    return units, geoms, shapely.STRtree(geoms), np.array([radius_limit(g) for g in geoms], np.float32)


def _author_key(r: tuple) -> tuple[str, str, bool] | None:
    if r[7]:
        return (r[6], str(r[7]), True)
    if r[8]:
        return (r[6], str(r[8]), False)
    return None


def _authors(conn: sqlite3.Connection, f: Figures, rows: list[tuple]) -> None:
    posts_by: Counter = Counter()
    for r in rows:
        key = _author_key(r)
        if key is not None:
            posts_by[key] += 1
    returning = set()
    for key in posts_by:
        src, who, is_id = key
        col = "author_id" if is_id else "author"
        if conn.execute(f"SELECT 1 FROM items WHERE source = ? AND {col} = ? AND t_ms < ? LIMIT 1",
                        (src, who, f.campaign.from_ms)).fetchone():
            returning.add(key)
    f.author_keys = frozenset((k[0], k[1]) for k in posts_by)
    f.authors = {
        "unique": len(posts_by), "new": len(posts_by) - len(returning), "returning": len(returning),
        "posts_by_new": sum(v for k, v in posts_by.items() if k not in returning),
        "posts_by_returning": sum(v for k, v in posts_by.items() if k in returning),
        "no_author": sum(1 for r in rows if _author_key(r) is None),
        "top": [[k[1] if not k[2] else _name_of(rows, k), v] for k, v in posts_by.most_common(5)],
    }


def _name_of(rows: list[tuple], key: tuple) -> str:
    for r in rows:
        if r[6] == key[0] and str(r[7]) == key[1]:
            return r[8] or r[7]
    return key[1]


def _audience(rows: list[tuple]) -> dict:
    """The estimated audience from the authors' follower counts when the posts were read
    (``extra.author_followers``; core.engagement): potential impressions sum them post by
    post, reach sums each distinct author's once (their largest count). Estimates: neither
    is what people saw."""
    posts = impressions = 0
    by_author: dict = {}
    for r in rows:
        extra = r[10]
        if not extra or '"author_followers"' not in extra:
            continue
        try:
            n = json.loads(extra)["author_followers"]["n"]
        except (ValueError, KeyError, TypeError):
            continue
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            continue
        posts += 1
        impressions += n
        key = _author_key(r)
        if key is not None:
            by_author[key] = max(n, by_author.get(key, 0))
    return {"posts_with_followers": posts, "potential_impressions_estimated": impressions,
            "reach_estimated": sum(by_author.values())}


def _engagement(conn: sqlite3.Connection, f: Figures, rows: list[tuple], top: int) -> None:
    scored = []
    total = impressions = 0
    by_source: Counter = Counter()
    for r in rows:
        extra = r[10]
        if not extra or '"metrics"' not in extra:
            continue
        try:
            m = json.loads(extra).get("metrics")
        except (ValueError, AttributeError):
            continue
        s = engagement.score(m)
        if s is None:
            continue
        total += s
        by_source[r[6]] += 1
        imp = m.get("impressions")
        if isinstance(imp, int) and not isinstance(imp, bool):
            impressions += imp
        scored.append((s, r[1], r[0], m))
    scored.sort(key=lambda x: (-x[0], -x[1], x[2]))
    f.engagement = {"posts_with_counts": len(scored), "posts_without_counts": len(rows) - len(scored),
                    "total": total, "impressions_estimated": impressions,
                    "by_source": [[k, v] for k, v in by_source.most_common()], **_audience(rows)}
    best = scored[:top]
    if not best:
        f.top_posts = []
        return
    texts = {i: (src, sid, text, author) for i, src, sid, text, author in conn.execute(
        f"SELECT id, source, source_id, text, author FROM items WHERE id IN ({', '.join('?' * len(best))})",
        [b[2] for b in best])}
    f.top_posts = []
    for s, t_ms, iid, m in best:
        src, sid, text, author = texts.get(iid, ("", "", "", None))
        f.top_posts.append({"id": iid, "source": src, "source_id": sid, "t_ms": t_ms, "author": author, "text": text,
                            "engagement": s,
                            "metrics": {k: m[k] for k in engagement.ALL_KEYS if k in m},
                            "captured_ms": m.get("captured_ms")})


COMPARE_ROWS = (
    ("posts", lambda f: f.posts),
    ("unique authors", lambda f: f.authors.get("unique", 0)),
    ("new authors", lambda f: f.authors.get("new", 0)),
    ("returning authors", lambda f: f.authors.get("returning", 0)),
    ("exact", lambda f: f.precision.get("exact", 0)),
    ("by place", lambda f: f.precision.get("place", 0)),
    ("by inference", lambda f: f.precision.get("inferred", 0)),
    ("not located", lambda f: f.precision.get("unknown", 0)),
    ("in districts", lambda f: f.placement.get("in_districts", 0)),
    ("districts reached", lambda f: sum(1 for d in f.districts if d["in"])),
    ("posts with engagement counts", lambda f: f.engagement.get("posts_with_counts", 0)),
    ("engagement", lambda f: f.engagement.get("total", 0)),
    ("impressions (estimated)", lambda f: f.engagement.get("impressions_estimated", 0)),
    ("potential impressions (estimated)", lambda f: f.engagement.get("potential_impressions_estimated", 0)),
    ("reach (estimated)", lambda f: f.engagement.get("reach_estimated", 0)),
    ("busiest bin", lambda f: (f.peak() or (None, 0))[1]),
)


def compare(a: Figures, b: Figures) -> dict:
    """Two campaigns side by side: one row per figure ([label, a, b]), the authors they
    share, the leading districts and languages of each."""
    rows = [[label, get(a), get(b)] for label, get in COMPARE_ROWS]
    shared = len(a.author_keys & b.author_keys)
    rows.append(["authors in both", shared, shared])
    return {
        "a": a.campaign.name, "b": b.campaign.name, "rows": rows,
        "top_districts": [[d["name"] for d in a.districts[:5]], [d["name"] for d in b.districts[:5]]],
        "languages": [a.languages[:5], b.languages[:5]],
    }
