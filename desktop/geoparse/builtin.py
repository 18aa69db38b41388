"""The built-in gazetteer: Korea's administrative units from the shipped KOSTAT 2018
boundaries (시도 17, 시군구 250, 읍면동 3,504; KOGL Type 1, credited in About), with a
centroid and a radius for each, and the names people actually write as aliases.

Aliases, all derived from the data, never typed by hand:

- 시도: the short form (서울특별시 → 서울, 서울시; 경기도 → 경기), the English name
  (Seoul, Gyeonggi-do and Gyeonggi);
- 시군구: the name without its 구/군/시 when that leaves two syllables or more
  (종로구 → 종로, 해운대구 → 해운대; 중구 keeps only 중구), the English name with and
  without its suffix (Jongno-gu, Jongno); a 구 of a city (수원시장안구) is also known
  as 장안구 and 수원시 장안구, and the city itself (수원시, 수원) becomes a unit of kind
  ``si`` covering its 구;
- 읍면동: the English name without the romanised numeral ("U 1(il)-dong" → u 1-dong), the
  name without 동 (이태원동 → 이태원; two syllables or more) and its romanised form without
  number and suffix (Itaewon; five letters or more);
  numbered 행정동 of one 시군구 (우1동, 우2동, 우3동) give their 법정동 (우동, kind
  ``legal_dong``), because people name legal dongs more than administrative ones.

The centre and radius come from :func:`desktop.core.kostat.units` (the radius is that of
the circle with the unit's area, in metres): a district's extent, not a bound.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

# Bumped when the derived entries change: the cache's built-in rows are then replaced.
VERSION = "kostat2018-5"

_SIDO_SUFFIX = re.compile(r"(특별자치시|특별자치도|특별시|광역시|도)$")
_NUMBERED = re.compile(r"^(.+?)\d+(?:·\d+)*동$")
_ROMAN_NUM = re.compile(r"\((?:il|i|sam|sa|o|yuk|chil|pal|gu|sip)\)", re.I)


def units(level: str) -> list[dict]:
    """Each unit of a level as {code, name, name_eng, lat, lon, radius_m}, from the shared
    reading of the shipped boundaries (:func:`desktop.core.kostat.units`: the centre inside
    the unit, the equal-area radius)."""
    return list(_units(level))


@lru_cache(maxsize=3)
def _units(level: str) -> tuple[dict, ...]:
    from desktop.core import kostat

    return tuple({"code": str(u["code"]), "name": str(u["name"]), "name_eng": str(u["name_eng"] or ""),
                  "lat": round(u["lat"], 6), "lon": round(u["lon"], 6), "radius_m": round(max(u["radius_m"], 100.0), 1)}
                 for u in kostat.units(level))


def _english(name_eng: str, name: str = "") -> list[str]:
    """'Jongno-gu' → ['Jongno-gu', 'Jongno']; 'U 1(il)-dong' → ['U 1-dong']. The name
    without its suffix only where the Korean one has two syllables or more before it
    (종로구 → Jongno; 중구 and 동구 keep Jung-gu and Dong-gu: "jung" and "dong" alone are
    other words)."""
    e = _ROMAN_NUM.sub("", name_eng).replace("  ", " ").strip()
    if not e or not re.fullmatch(r"[A-Za-z0-9 .'·-]+", e):
        return []
    out = [e]
    m = re.fullmatch(r"(.+?)[- ](gu|gun|si|do)", e, re.I)
    if m and len(m.group(1)) >= 4 and not re.search(r"\d", m.group(1)) and len(name.replace(" ", "")) >= 3:
        out.append(m.group(1))
    return out


def _bare(name: str) -> list[str]:
    """A 동 as people say it without 동 (이태원동 → 이태원, 신촌동 → 신촌), when that leaves
    two syllables or more and no number; a bare name that is also a common word (사직,
    중앙) is then placed only with context (see parser)."""
    if name.endswith("동") and len(name) >= 3 and not re.search(r"[0-9·]|가$", name[:-1]):
        return [name[:-1]]
    return []


def _bare_english(name_eng: str) -> list[str]:
    """The romanised 동 without number and suffix ("Itaewon 1(il)-dong" → Itaewon), when
    that is one word of five letters or more (shorter ones are English words: Sang, Dong)."""
    e = _ROMAN_NUM.sub("", name_eng)
    m = re.fullmatch(r"\s*([A-Za-z]+)[\s-]*\d*[\s-]*dong\s*", e, re.I)
    return [m.group(1)] if m and len(m.group(1)) >= 5 else []


def _merge(members: list[dict]) -> tuple[float, float, float]:
    """The centre and the radius of a circle as large as the members together."""
    lat = sum(m["lat"] for m in members) / len(members)
    lon = sum(m["lon"] for m in members) / len(members)
    return round(lat, 6), round(lon, 6), round(math.sqrt(sum(m["radius_m"] ** 2 for m in members)), 1)


def entries() -> list[dict]:
    """The built-in gazetteer's rows: {kind, name, aliases, code, parent, lat, lon, radius_m}."""
    rows: list[dict] = []
    sido = {u["code"]: u for u in units("sido")}
    for u in sido.values():
        short = _SIDO_SUFFIX.sub("", u["name"])
        aliases = []
        if u["name"].endswith("도") and len(short) == 3 and short[-1] in "남북":
            aliases.append(short[0] + short[2])  # 충청북도 → 충북, as everyone writes it
        elif len(short) >= 2 and short != u["name"]:
            aliases.append(short)
            if u["name"].endswith("시"):
                aliases.append(short + "시")
        aliases += _english(u["name_eng"], u["name"])
        rows.append({"kind": "sido", "name": u["name"], "aliases": aliases, "code": u["code"], "parent": None,
                     "lat": u["lat"], "lon": u["lon"], "radius_m": u["radius_m"]})
    sgg = {u["code"]: u for u in units("sigungu")}
    cities: dict[tuple[str, str], list[dict]] = {}
    for u in sgg.values():
        province = sido.get(u["code"][:2], {}).get("name")
        name = u["name"]
        aliases: list[str] = []
        m = re.fullmatch(r"(.+시) ?(.+구)", name)
        if m:  # 수원시장안구: a 구 of a city
            aliases += [m.group(2), f"{m.group(1)} {m.group(2)}"]
            cities.setdefault((m.group(1), u["code"][:2]), []).append(u)
            base = m.group(2)
        else:
            base = name
            aliases += _english(u["name_eng"], name)
        if base[-1] in "구군시" and len(base) >= 3:
            aliases.append(base[:-1])
        rows.append({"kind": "sigungu", "name": name, "aliases": aliases, "code": u["code"], "parent": province,
                     "lat": u["lat"], "lon": u["lon"], "radius_m": u["radius_m"]})
    for (city, sido_code), members in sorted(cities.items()):
        lat, lon, radius = _merge(members)
        aliases = [city[:-1]] if len(city) >= 3 else []
        rows.append({"kind": "si", "name": city, "aliases": aliases, "code": ",".join(sorted(m["code"] for m in members)),
                     "parent": sido.get(sido_code, {}).get("name"), "lat": lat, "lon": lon, "radius_m": radius})
    legal: dict[tuple[str, str], list[dict]] = {}
    for u in units("emd"):
        parent_u = sgg.get(u["code"][:5])
        province = sido.get(u["code"][:2], {}).get("name")
        parent = f"{province} {parent_u['name']}" if parent_u and province else (province or None)
        rows.append({"kind": "emd", "name": u["name"],
                     "aliases": _english(u["name_eng"]) + _bare(u["name"]) + _bare_english(u["name_eng"]),
                     "code": u["code"],
                     "parent": parent, "lat": u["lat"], "lon": u["lon"], "radius_m": u["radius_m"]})
        m = _NUMBERED.match(u["name"])
        if m and "가" not in m.group(1)[-1:]:
            legal.setdefault((m.group(1) + "동", u["code"][:5]), []).append(dict(u, parent=parent))
    names = {r["name"] for r in rows if r["kind"] == "emd"}
    for (name, _sgg), members in sorted(legal.items()):
        if name in names and any(r["name"] == name and r["code"][:5] == _sgg for r in rows if r["kind"] == "emd"):
            continue  # the 행정동 of that name exists in the same 시군구
        lat, lon, radius = _merge(members)
        rows.append({"kind": "legal_dong", "name": name,
                     "aliases": _bare(name) + sorted({a for m in members for a in _bare_english(m["name_eng"])}),
                     "code": ",".join(sorted(m["code"] for m in members)), "parent": members[0]["parent"],
                     "lat": lat, "lon": lon, "radius_m": radius})
    return rows
