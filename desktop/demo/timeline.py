"""The demo timeline as rows, made with numpy in time slices.

The day is cut into slices of about :data:`CHUNK` items; each slice draws from its
own random stream seeded by (seed, slice), and every count is fixed before anything
is drawn, so the same ``seed`` and ``size`` always give the same rows in the same
order. Rows are plain tuples (see :data:`ROW_COLUMNS`) so the bulk writer can hand
them to SQLite without building objects.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Iterator

import numpy as np

from desktop.demo import scenario as scn
from desktop.core.model import Item, Kind, Precision, Unit

CHUNK = 100_000  # items per time slice; part of what a seed means, so never derived from the machine
SNOWFLAKE_EPOCH_MS = 1288834974657  # post ids look like real 64-bit status ids: time << 22 | worker | sequence
NAN = float("nan")

# Columns a chunk row carries, in order. Missing numbers are NaN (SQLite stores NaN as
# NULL) and missing text is "" (the insert wraps it in nullif), because binding None
# through the sqlite3 module is several times slower than binding a float or a str.
ROW_COLUMNS = ("kind", "source", "source_id", "t_ms", "lat", "lon", "precision", "radius_m", "text", "author",
               "author_id", "lang", "place_name", "hashtags", "links", "unit_uid", "callsign", "extra")
NULLABLE_TEXT = frozenset({"lang", "place_name", "unit_uid", "callsign", "extra"})
_PRECISIONS = np.array(["exact", "place", "unknown"], dtype=object)
_LINK_ALPHABET = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)


@dataclass
class Chunk:
    """One time slice: rows in time order (see :data:`ROW_COLUMNS`), how many of them
    are unit reports, and per unit its last report as (t_ms, lat, lon, course, speed)."""

    rows: list[tuple]
    reports: int = 0
    latest: dict[str, tuple] = field(default_factory=dict)


# --- the plan: everything that does not depend on the slice -------------------------------

class _Stream:
    def __init__(self, spec: dict, plan: "_Plan", n: int):
        self.name, self.n = spec["name"], n
        self.region = spec.get("region", "seoul")
        self.profile = scn.Profile(plan.clock, [(plan.clock.ms(t), r) for t, r in spec["profile"]], plan.grid)
        self.where = spec["where"]
        pr = spec["precision"]
        self.p_prec = np.array([pr.get("exact", 0), pr.get("place", 0), pr.get("unknown", 0)], float)
        self.p_prec /= self.p_prec.sum()
        self.p_ko = spec["lang"].get("ko", 0.0)
        self.tags = scn.tag_pool(spec["hashtags"])
        self.emoji = scn.emoji_pool(spec["emoji"])
        self.p_emoji = spec["emoji"]["share"]
        self.p_link = spec.get("link_share", 0.0)
        off = spec.get("official") or {"share": 0.0, "accounts": []}
        self.p_official = off["share"] if off["accounts"] else 0.0
        self.official = np.array([a[0] for a in off["accounts"]], dtype=object)
        self.official_ids = np.array([a[1] for a in off["accounts"]], dtype=object)
        # Engagement counts as X v2 gives them (public_metrics), kept in extra["metrics"]; drawn
        # from a random stream of their own so the rest of the day does not move.
        self.engagement = spec.get("engagement")
        self.key = zlib.crc32(self.name.encode())
        # Place-only posts name an area; each centre may have its own list.
        default = plan.area_choice(spec["areas"])
        if self.where["type"] == "around":
            cs = self.where["centres"]
            self.c_lat = np.array([plan.sc["places"][c["place"]]["lat"] for c in cs])
            self.c_lon = np.array([plan.sc["places"][c["place"]]["lon"] for c in cs])
            self.c_spread = np.array([c["spread_m"] for c in cs], float)
            w = np.array([c["weight"] for c in cs], float)
            self.c_p = w / w.sum()
            self.area_groups = [plan.area_choice(c["areas"]) if "areas" in c else default for c in cs]
        else:
            cs = [{}]
            self.area_groups = [default]
        # Texts per centre: the stream's own plus any that only make sense at that place.
        slots, own = plan.sc["slots"], spec["templates"]
        self.texts = [{lang: scn.render(own[lang] + c.get("templates", {}).get(lang, []), slots) for lang in ("ko", "en")}
                      for c in cs]

    def positions(self, rng: np.random.Generator, t: np.ndarray, plan: "_Plan"):
        n = len(t)
        if self.where["type"] == "march":
            d = plan.march_front(t) - rng.random(n) * plan.march_column_m
            lat, lon = plan.march.at(d, rng.normal(0.0, plan.march_width_m / 4, n))
            return lat, lon, np.zeros(n, np.int64)
        grp = rng.choice(len(self.c_p), size=n, p=self.c_p)
        s = self.c_spread[grp]
        lat, lon = scn.offset(self.c_lat[grp], self.c_lon[grp], rng.normal(0.0, 1.0, n) * s, rng.normal(0.0, 1.0, n) * s)
        return lat, lon, grp


class _Unit:
    def __init__(self, spec: dict, index: int, plan: "_Plan", n: int):
        d = plan.sc["unit_defaults"]
        self.index, self.n = index, n
        self.uid, self.callsign, self.team = spec["uid"], spec["callsign"], spec["team"]
        self.role = spec.get("role")
        self.cot_type, self.how = spec.get("cot_type", d["cot_type"]), d["how"]
        self.affiliation = d["affiliation"]
        self.stale_ms = int(d["stale_min"] * 60_000)
        self.p_remarks, self.jitter_m, self.ce = d["remarks_share"], d["jitter_m"], d["ce_m"]
        self.route = spec["route"]
        fixed = json.dumps({"cot_type": self.cot_type, "how": self.how, "team": self.team}, ensure_ascii=False)
        self.extra_head = fixed[:-1] + ', "course": '
        if self.route["type"] == "loop":
            self.loop = scn.Polyline(self.route["points"], closed=True)
        elif self.route["type"] == "track":
            pts = self.route["points"]
            self.tk_t = np.array([plan.clock.ms(p[0]) for p in pts], float)
            self.tk_lat = np.array([p[1] for p in pts])
            self.tk_lon = np.array([p[2] for p in pts])
        busan = spec.get("region") == "busan"
        phases = ["busan"] if busan else [p[1] for p in plan.sc["phases"]]
        self.phase_starts = np.array([plan.clock.start_ms] if busan else [plan.clock.ms(p[0]) for p in plan.sc["phases"]])
        self.remarks = [scn.render(plan.sc["remarks"][ph], plan.sc["slots"], {"area": spec["area_ko"]}) for ph in phases]

    def at(self, t: np.ndarray, plan: "_Plan") -> tuple[np.ndarray, np.ndarray]:
        kind = self.route["type"]
        if kind == "loop":
            d = (self.route["speed_mps"] * (t - plan.clock.start_ms) / 1000.0) % self.loop.length
            return self.loop.at(d)
        if kind == "track":
            return np.interp(t, self.tk_t, self.tk_lat), np.interp(t, self.tk_t, self.tk_lon)
        d = plan.march_front(t) - self.route["behind_m"]
        return plan.march.at(d, float(self.route["side_m"]))


class _Plan:
    def __init__(self, seed: int, size: int, sc: dict):
        self.seed, self.size, self.sc = seed, size, sc
        self.clock = clock = scn.Clock(sc)
        self.grid = scn.time_grid(clock)
        names = list(sc["areas"])
        self.area_index = {a: i for i, a in enumerate(names)}
        self.area_lat = np.array([sc["areas"][a]["lat"] for a in names])
        self.area_lon = np.array([sc["areas"][a]["lon"] for a in names])
        self.area_r = np.array([float(sc["areas"][a]["radius_m"]) for a in names])
        self.area_ko = np.array([sc["areas"][a]["name_ko"] for a in names], dtype=object)
        self.area_en = np.array([sc["areas"][a]["name_en"] for a in names], dtype=object)
        m = sc["march"]
        self.march = scn.Polyline(m["route"])
        self.march_t0, self.march_t1 = clock.ms(m["start"]), clock.ms(m["end"])
        self.march_column_m, self.march_width_m = float(m["column_m"]), float(m["width_m"])

        n_fu = int(round(size * sc["field_update_share"])) if sc["units"] else 0
        n_posts = size - n_fu
        specs = list(sc["streams"]) + [_scuffle_stream(sc)]
        counts = _apportion(n_posts, [s["share"] for s in specs])
        self.streams = [_Stream(s, self, n) for s, n in zip(specs, counts)]
        per_unit = _apportion(n_fu, [1.0] * len(sc["units"])) if sc["units"] else []
        self.units = [_Unit(u, i, self, n) for i, (u, n) in enumerate(zip(sc["units"], per_unit))]
        self._authors(seed)
        self._slices()

    def area_choice(self, pairs: list) -> tuple[np.ndarray, np.ndarray]:
        ids = np.array([self.area_index[a] for a, _ in pairs], np.int64)
        p = np.array([w for _, w in pairs], float)
        return ids, p / p.sum()

    def march_front(self, t: np.ndarray) -> np.ndarray:
        frac = np.clip((t - self.march_t0) / (self.march_t1 - self.march_t0), 0.0, 1.0)
        return frac * self.march.length

    def _authors(self, seed: int) -> None:
        """Per region, a pool of accounts; a few post a lot, most post once or twice."""
        a = self.sc["authors"]
        rng = np.random.default_rng([seed, 0xA07])
        first, second = np.array(a["first"], dtype=object), np.array(a["second"], dtype=object)
        self.authors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for region in sorted({s.region for s in self.streams}):
            posts = sum(s.n for s in self.streams if s.region == region)
            n = max(a[region]["min"], posts // a[region]["per_posts"])
            digits = rng.integers(0, 10_000, n).astype(str).astype(object)
            digits = np.where(rng.random(n) < 0.45, "", digits)
            handles = first[rng.integers(0, len(first), n)] + second[rng.integers(0, len(second), n)] + digits
            ids = rng.integers(10**8, 2 * 10**18, n, dtype=np.int64).astype(str).astype(object)
            self.authors[region] = (handles, ids)

    def _slices(self) -> None:
        """Slice the day so each slice holds about CHUNK items, and count per slice."""
        k = max(1, math.ceil(self.size / CHUNK))
        span = self.clock.end_ms - self.clock.start_ms
        mix = sum(s.n * s.profile.cdf for s in self.streams)
        mix = mix + sum(u.n for u in self.units) * (self.grid - self.clock.start_ms) / span
        if not np.any(mix):
            mix = self.grid - self.clock.start_ms
        cdf = mix / mix[-1]
        b = np.rint(np.interp(np.arange(1, k) / k, cdf, self.grid)).astype(np.int64)
        self.bounds = np.unique(np.concatenate([[self.clock.start_ms], b, [self.clock.end_ms]]))
        # Cumulative rounding: each stream's slice counts add up to its total exactly.
        self.slice_counts = [np.diff(np.rint(s.n * s.profile.at(self.bounds)).astype(np.int64)) for s in self.streams]
        per_slice = np.sum(self.slice_counts, axis=0)
        self.posts_before = np.concatenate([[0], np.cumsum(per_slice)[:-1]])


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split total by weights exactly (largest remainder, ties to the earlier)."""
    w = np.array(weights, float)
    share = total * w / w.sum()
    out = np.floor(share).astype(np.int64)
    rest = total - int(out.sum())
    order = np.argsort(-(share - out), kind="stable")
    out[order[:rest]] += 1
    return [int(v) for v in out]


def _scuffle_stream(sc: dict) -> dict:
    """The scuffle as a stream: a fast rise, a plateau, a short tail."""
    s = sc["scuffle"]
    clock = scn.Clock(sc)
    t0, t1 = clock.ms(s["start"]), clock.ms(s["end"])
    ramp, tail = s["ramp_min"] * 60_000, s["tail_min"] * 60_000

    def hhmm(ms: int) -> str:
        m = (ms - clock.day.timestamp() * 1000) / 60_000
        return f"{int(m // 60):02d}:{int(m % 60):02d}"

    spec = {k: s[k] for k in ("share", "precision", "areas", "lang", "hashtags", "emoji", "link_share", "templates")}
    spec.update(name="scuffle", where={"type": "around", "centres": [{"place": s["place"], "weight": 1.0, "spread_m": s["spread_m"]}]},
                profile=[[hhmm(t0), 0.0], [hhmm(t0 + ramp), 1.0], [hhmm(t1), 1.0], [hhmm(t1 + tail), 0.0]])
    return spec


def _mix(seed: int, a: int, b: np.ndarray) -> np.ndarray:
    """Counter-based uniform [0, 1) from (seed, a, b): a unit's report times do not
    depend on how the day is sliced."""
    with np.errstate(over="ignore"):
        x = np.uint64(seed & 0xFFFFFFFF) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(a) * np.uint64(0xD1B54A32D192ED03)
        x = x ^ b.astype(np.uint64)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


# --- one slice ----------------------------------------------------------------------------

def _posts(plan: _Plan, st: _Stream, rng: np.random.Generator, a: int, b: int, n: int) -> dict:
    lo, hi = st.profile.at(a), st.profile.at(b)
    t = np.clip(np.floor(st.profile.inverse(lo + (hi - lo) * rng.random(n))), a, b - 1).astype(np.int64)
    lat, lon, grp = st.positions(rng, t, plan)
    lat, lon = scn.offset(lat, lon, rng.normal(0.0, 4.0, n), rng.normal(0.0, 4.0, n))  # phone GPS noise
    prec = rng.choice(3, size=n, p=st.p_prec)
    area = np.zeros(n, np.int64)
    for g, (ids, p) in enumerate(st.area_groups):
        m = grp == g
        area[m] = ids[rng.choice(len(ids), size=int(m.sum()), p=p)]
    place, unknown = prec == 1, prec == 2
    lat = np.where(unknown, NAN, np.round(np.where(place, plan.area_lat[area], lat), 6))
    lon = np.where(unknown, NAN, np.round(np.where(place, plan.area_lon[area], lon), 6))
    ko = rng.random(n) < st.p_ko
    body = np.empty(n, dtype=object)
    for g, pools in enumerate(st.texts):
        m = grp == g
        if m.any():
            c = int(m.sum())
            body[m] = np.where(ko[m], pools["ko"].texts[pools["ko"].pick(rng, c)], pools["en"].texts[pools["en"].pick(rng, c)])
    tags = st.tags.pick(rng, n)
    front = rng.random(n) < 0.15  # some people lead with their hashtags
    emoji = np.where(rng.random(n) < st.p_emoji, rng.integers(1, len(st.emoji), n), 0)
    has_link = rng.random(n) < st.p_link
    links = np.full(n, "", dtype=object)
    links_json = np.full(n, "[]", dtype=object)
    if has_link.any():
        codes = _LINK_ALPHABET[rng.integers(0, 62, (int(has_link.sum()), 10))]
        urls = "https://t.co/" + codes.view("S10").ravel().astype("U10").astype(object)
        links[has_link] = " " + urls
        links_json[has_link] = '["' + urls + '"]'
    text = (st.tags.prefix[np.where(front, tags, 0)] + body + st.emoji[emoji]
            + st.tags.suffix[np.where(front, 0, tags)] + links)
    handles, ids = plan.authors[st.region]
    who = (len(handles) * rng.random(n) ** 2).astype(np.int64)  # skewed: low indices post most
    author, author_id = handles[who], ids[who]
    off = None
    if st.p_official:
        off = rng.random(n) < st.p_official
        pick = rng.integers(0, len(st.official), int(off.sum()))
        author[off], author_id[off] = st.official[pick], st.official_ids[pick]
    extra = _metrics(plan, st, a, n, off, who) if st.engagement else np.full(n, "", dtype=object)
    return {
        "extra": extra,
        "t_ms": t, "lat": lat, "lon": lon, "precision": _PRECISIONS[prec],
        "radius_m": np.where(place, plan.area_r[area], NAN), "text": text, "author": author, "author_id": author_id,
        "lang": np.where(ko, "ko", "en").astype(object),
        "place_name": np.where(place, np.where(ko, plan.area_ko[area], plan.area_en[area]), "").astype(object),
        "hashtags": st.tags.json[tags], "links": links_json,
    }


def _metrics(plan: _Plan, st: _Stream, a: int, n: int, official, who: np.ndarray) -> np.ndarray:
    """extra["metrics"] JSON for a share of the posts: likes, reposts, replies, quotes and
    impressions, as counted an hour after the scenario's end; official accounts get more.
    The same posts carry their author's follower count (``author_followers``), one count per
    author (skewed: a few accounts have most of the followers; official ones tens of thousands)."""
    spec = st.engagement
    frng = np.random.default_rng([plan.seed, 4, zlib.crc32(str(st.region).encode())])
    per_author = np.exp(frng.normal(5.3, 1.5, len(plan.authors[st.region][0]))).astype(np.int64)
    followers = per_author[who]
    if official is not None:
        followers = np.where(official, 48_000 + (who % 7) * 3_100, followers)
    rng = np.random.default_rng([plan.seed, 3, st.key, a])
    has = rng.random(n) < spec["share"]
    boost = np.where(official, spec.get("official_factor", 1.0), 1.0) if official is not None else np.ones(n)
    likes = rng.poisson(rng.gamma(0.8, spec["likes_mean"] / 0.8, n) * boost)
    reposts = rng.binomial(likes, 0.25)
    replies = rng.binomial(likes, 0.12)
    quotes = rng.binomial(reposts, 0.1)
    impressions = (likes + 1) * rng.integers(20, 90, n)
    captured = plan.clock.end_ms + 3_600_000
    out = np.full(n, "", dtype=object)
    for i in np.flatnonzero(has):
        out[i] = (f'{{"metrics": {{"likes": {likes[i]}, "reposts": {reposts[i]}, "replies": {replies[i]}, '
                  f'"quotes": {quotes[i]}, "impressions": {impressions[i]}, "captured_ms": {captured}, '
                  f'"from": "x-v2"}}, "author_followers": {{"n": {followers[i]}, "captured_ms": {captured}}}}}')
    return out


def _reports(plan: _Plan, u: _Unit, rng: np.random.Generator, a: int, b: int) -> dict | None:
    if not u.n:
        return None
    start, span = plan.clock.start_ms, plan.clock.end_ms - plan.clock.start_ms
    step = span / u.n
    k = np.arange(max(0, math.floor((a - start) / step) - 2), min(u.n, math.ceil((b - start) / step) + 2))
    # Jitter of at most ±0.3 of a step keeps each unit's reports in order and apart.
    t = np.floor(start + (k + 0.5 + 0.6 * _mix(plan.seed, u.index + 1, k) - 0.3) * step).astype(np.int64)
    t = t[(t >= a) & (t < b)]
    n = len(t)
    if not n:
        return None
    tf = t.astype(float)
    lat0, lon0 = u.at(tf, plan)
    course, speed = scn.course_speed(lat0, lon0, *u.at(tf + 5000.0, plan), 5.0)
    lat, lon = scn.offset(lat0, lon0, rng.normal(0.0, u.jitter_m, n), rng.normal(0.0, u.jitter_m, n))
    ce = np.round(u.ce[0] + (u.ce[1] - u.ce[0]) * rng.random(n), 1)
    phase = np.clip(np.searchsorted(u.phase_starts, t, side="right") - 1, 0, len(u.remarks) - 1)
    text = np.full(n, "", dtype=object)
    has = rng.random(n) < u.p_remarks
    for ph, pool in enumerate(u.remarks):
        m = has & (phase == ph)
        if m.any():
            text[m] = pool.texts[pool.pick(rng, int(m.sum()))]
    stale = t + u.stale_ms
    # json.dumps of the same dict, written out: numbers print as repr() in both, and the
    # strings are encoded once per unit. A test holds the two to the same bytes.
    head = u.extra_head
    extra = [f'{head}{c!r}, "speed": {v!r}, "stale_ms": {x}}}'
             for c, v, x in zip(course.tolist(), speed.tolist(), stale.tolist())]
    const = lambda v: np.full(n, v, dtype=object)  # noqa: E731
    return {
        "t_ms": t, "lat": np.round(lat, 6), "lon": np.round(lon, 6), "precision": const("exact"), "radius_m": ce,
        "text": text, "author": const(u.callsign), "author_id": const(u.uid), "lang": const(""),
        "place_name": const(""), "hashtags": const("[]"), "links": const("[]"),
        "source_id": u.uid + "@" + t.astype(str).astype(object), "unit_uid": const(u.uid),
        "callsign": const(u.callsign), "extra": np.array(extra, dtype=object),
        "_latest": (int(t[-1]), float(np.round(lat[-1], 6)), float(np.round(lon[-1], 6)), float(course[-1]), float(speed[-1])),
    }


def _slice(plan: _Plan, k: int) -> Chunk:
    a, b = int(plan.bounds[k]), int(plan.bounds[k + 1])
    rng = np.random.default_rng([plan.seed, 1, k])
    parts = [_posts(plan, st, rng, a, b, int(c[k])) for st, c in zip(plan.streams, plan.slice_counts) if c[k]]
    cols = ["t_ms", "lat", "lon", "precision", "radius_m", "text", "author", "author_id", "lang", "place_name",
            "hashtags", "links", "extra"]
    if parts:
        posts = {c: np.concatenate([p[c] for p in parts]) for c in cols}
    else:
        posts = {c: np.array([], dtype=np.int64 if c == "t_ms" else object) for c in cols}
    order = np.argsort(posts["t_ms"], kind="stable")
    posts = {c: v[order] for c, v in posts.items()}
    n_posts = len(order)
    if n_posts:
        seq = (plan.posts_before[k] + np.arange(n_posts)) & 0xFFF
        worker = rng.integers(0, 1024, n_posts)
        sid = ((posts["t_ms"] - SNOWFLAKE_EPOCH_MS) << 22) | (worker << 12) | seq
        posts["source_id"] = sid.astype(str).astype(object)
    empty = np.full(n_posts, "", dtype=object)
    posts.update(kind=np.full(n_posts, "post", dtype=object), source=np.full(n_posts, "x", dtype=object),
                 unit_uid=empty, callsign=empty)
    latest = {}
    reps = []
    for u in plan.units:
        r = _reports(plan, u, rng, a, b)
        if r:
            latest[u.uid] = r.pop("_latest")
            n = len(r["t_ms"])
            r.update(kind=np.full(n, "field_update", dtype=object), source=np.full(n, "tak", dtype=object))
            reps.append(r)
    allp = [posts] + reps
    order = np.argsort(np.concatenate([p["t_ms"] for p in allp]), kind="stable")
    columns = [np.concatenate([p[c] for p in allp]).tolist() for c in ROW_COLUMNS]
    rows = list(zip(*columns))
    # Reordering the finished tuples is cheaper than reordering 18 object arrays.
    rows = list(itemgetter(*order.tolist())(rows)) if len(rows) > 1 else rows
    return Chunk(rows, sum(len(r["t_ms"]) for r in reps), latest)


# --- reading the rows -------------------------------------------------------------------------------

def chunks(seed: int = 7, size: int | None = None, sc: dict | None = None) -> Iterator[Chunk]:
    """The demo as time-ordered slices of rows; what :func:`generate` and the bulk writer read."""
    sc = sc or scn.load()
    n = int(sc["default_size"]) if size is None else int(size)
    if n < 0 or seed < 0:
        raise ValueError(f"seed and size must be 0 or more, not seed={seed} size={n}")
    if n == 0:
        return
    plan = _Plan(int(seed), n, sc)
    for k in range(len(plan.bounds) - 1):
        yield _slice(plan, k)


def row_to_item(row: tuple) -> Item:
    """The Item a chunk row stands for (the writer turns it back into the same row)."""
    (kind, source, source_id, t_ms, lat, lon, precision, radius_m, text, author, author_id, lang, place_name,
     hashtags, links, unit_uid, callsign, extra) = row
    return Item(
        kind=Kind(kind), source=source, source_id=source_id, t_ms=t_ms, text=text,
        lat=None if lat != lat else lat, lon=None if lon != lon else lon, precision=Precision(precision),
        radius_m=None if radius_m != radius_m else radius_m, author=author, author_id=author_id,
        lang=lang or None, place_name=place_name or None, hashtags=tuple(json.loads(hashtags)),
        links=tuple(json.loads(links)), unit_uid=unit_uid or None, callsign=callsign or None,
        extra=json.loads(extra) if extra else None,
    )


def unit_roles(sc: dict | None = None) -> dict[str, dict]:
    """Per unit uid, its fixed attributes from the scenario (callsign, team, role, types)."""
    sc = sc or scn.load()
    d = sc["unit_defaults"]
    return {u["uid"]: {"callsign": u["callsign"], "team": u["team"], "role": u.get("role"),
                       "cot_type": u.get("cot_type", d["cot_type"]), "affiliation": d["affiliation"],
                       "stale_ms": int(d["stale_min"] * 60_000)} for u in sc["units"]}


def make_unit(uid: str, info: dict, t_ms: int, lat: float, lon: float, course: float, speed: float) -> Unit:
    """A unit's state as of one report."""
    return Unit(uid=uid, callsign=info["callsign"], cot_type=info["cot_type"], affiliation=info["affiliation"],
                t_ms=t_ms, stale_ms=t_ms + info["stale_ms"], lat=lat, lon=lon, team=info["team"], role=info["role"],
                course=course, speed=speed)
