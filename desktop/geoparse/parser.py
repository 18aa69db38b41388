"""Placing a post from its text: find place names, check them, disambiguate, score.

**Finding.** Every name and alias of the gazetteer is a key of one dict (Hangul names
as written, Latin ones as tuples of lower-case words), with the set of their prefixes
beside it, so a post costs a few dict lookups per word, never a loop over names. In a
run of Hangul the longest name starting at the run's start is taken, then the longest
one right after it (서울종로구, 부산진구청 → 부산진구 + 청); Latin words are matched
longest first (Seoul City Hall, Jongno-gu, Jongno).

**Checking**, with the Korean analyser (:mod:`morph`) only where needed:

- what follows the name inside the word is a particle or a place word (종로구에서,
  광화문 앞, 시청역, 구청): accepted without the analyser;
- anything else (중구난방, 서구적): the analyser must see a word boundary at both
  ends of the name (a noun starting there and ending there, 우 + 1 + 동 included);
- a name that is also a common noun (the analyser tags it NNG on its own: 시청,
  서면, 우동) and 동구 are accepted only with a sign of a place: tagged NNP in the
  post, a hashtag, a place word next to it (앞, 역, 광장, 방향 …), or another name
  of the post that encloses it or lies in it (해운대 … 우동, 부산 서면). Rules name
  the common uses and reject them outright: 드라마/방송 시청 and 시청하다/시청률,
  서면으로 제출, 우동 한 그릇, 동구 밖.

**Disambiguating.** A name with several entries (중구 in six cities; 591 동 names
repeat) keeps those that another name of the same post encloses or lies in (부산 중구;
종로구 사직동; 중구 명동). When that does not decide, the post gets no position,
unless all the candidates lie in one unit: then that unit, at its radius, with low
confidence. A landmark of the agency (origin 'user') beats an administrative match,
unless the name right before it is a unit it is not in (부산 시청 is not Seoul's).

**Confidence**, by what matched:

=================================================  ==========  ======================
what placed the post                               confidence  radius
=================================================  ==========  ======================
a landmark, confirmed by a unit it lies in          0.90       the landmark's
a landmark                                         0.85       the landmark's
a landmark, another landmark named too             0.70       the landmark's
a 동 (읍면동 or 법정동), confirmed by context       0.70       the 동's extent
a 동                                                0.60       the 동's extent
a 시군구 (or a 시 of several 구), with context      0.55       its extent
a 시군구                                            0.50       its extent
a 시도 only                                         0.30       its extent
ambiguous, all candidates in one unit: that unit    0.20       that unit's extent
the user's profile location only                   ≤ 0.15     what it names
ambiguous, or nothing found                        no position
=================================================  ==========  ======================

Measured on the labelled set in ``tests/fixtures/geoparse_eval.jsonl`` (``sitmap
geoparse --evaluate``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from desktop.geoparse import morph
from desktop.geoparse.gazetteer import Entry

LEVEL = {"sido": 1, "si": 1.5, "sigungu": 2, "emd": 3, "legal_dong": 3, "landmark": 4}

CONFIDENCE = {
    "landmark+context": 0.90, "landmark": 0.85, "landmark+other": 0.70,
    "dong+context": 0.70, "dong": 0.60, "gu+context": 0.55, "gu": 0.50, "sido": 0.30,
    "enclosing": 0.20, "profile": 0.15,
}

_HANGUL_RUN = re.compile(r"[가-힣0-9·]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
_HANGUL = re.compile(r"[가-힣]")

# What may follow a name inside a word without asking the analyser: particles and place words.
FAST_SUFFIXES = tuple(sorted((
    "에서", "에선", "에서는", "에서도", "에서의", "으로", "에", "에는", "에도", "의", "은", "는", "이", "가",
    "을", "를", "도", "까지", "부터", "와", "과", "랑", "이랑", "쪽", "앞", "앞에서", "역", "청", "일대", "근처",
    "부근", "인근", "주변", "방향", "방면", "사거리", "네거리", "삼거리", "광장", "입구", "출구", "시내", "내",
    "측", "일원", "주민센터", "행정복지센터", "파출소", "지구대", "경찰", "사무소",
), key=len, reverse=True))
# Words after (or inside the word after) a name that say it is a place.
PLACE_WORDS = frozenset((
    "앞", "역", "광장", "방향", "방면", "쪽", "근처", "일대", "주변", "부근", "인근", "사거리", "네거리", "삼거리",
    "로터리", "입구", "출구", "일원", "청", "구청", "시청", "앞쪽", "건너편", "맞은편", "주민센터", "파출소", "지구대",
))
# Common uses of names that are also common words: (name, previous words, next words).
COMMON_USES = {
    "시청": ({"드라마", "방송", "영상", "뉴스", "중계", "생중계", "유튜브", "본방", "티비", "tv", "예능", "영화", "경기",
             "재방송", "동영상", "시청자"}, {"률", "자", "층", "소감", "후기", "하", "했", "중"}),
    "서면": (set(), {"제출", "작성", "통보", "답변", "보고", "동의", "계약", "질의", "합의", "신청", "요청", "경고", "사과"}),
    "우동": ({"튀김", "유부", "냄비", "어묵", "카레", "볶음", "김치"},
             {"한", "그릇", "먹", "맛집", "국물", "면", "면발", "사리", "집", "가게", "한그릇", "곱빼기"}),
    "동구": (set(), {"밖"}),
}
MAX_TEXT = 5_000  # characters of a post looked at (a post naming its place later is rare)
MAX_NAMES = 30  # distinct names of one post weighed against each other
NOUN_TAGS = frozenset(("NNP", "NNG", "NNB", "NR", "SN", "SL", "W_HASHTAG", "XSN"))


def _km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    p = math.pi / 180
    x = (b_lon - a_lon) * p * math.cos((a_lat + b_lat) * p / 2)
    y = (b_lat - a_lat) * p
    return 6371.0 * math.hypot(x, y)


@dataclass(slots=True)
class Place:
    entry: Entry
    level: float
    codes: tuple[str, ...]


@dataclass(slots=True)
class Mention:
    key: str  # the gazetteer name or alias matched
    start: int
    end: int
    word: str  # the word of the post holding it
    places: list[Place]
    weak: bool = False  # a common word: kept only with support from another name
    hashtag: bool = False
    ambiguous_at_first: bool = False
    unchecked: bool = False  # a common word the analyser has not been asked about yet
    rest: str = ""  # what follows the name inside its word


@dataclass(frozen=True, slots=True)
class Inference:
    lat: float
    lon: float
    radius_m: float
    confidence: float
    entry: Entry
    method: str  # 'landmark' | 'admin' | 'context'
    matched: tuple[str, ...]
    words: tuple[str, ...]
    profile: bool = False

    def evidence(self) -> dict:
        e = self.entry
        return {"matched": list(self.matched), "entry": {"id": e.id, "name": e.name, "kind": e.kind, "origin": e.origin},
                "method": self.method, "words": list(self.words), "profile": self.profile}


@dataclass(frozen=True, slots=True)
class Result:
    status: str  # 'placed' | 'ambiguous' | 'none'
    inference: Inference | None = None
    candidates: tuple[str, ...] = ()  # for 'ambiguous': the names it could be


def contains(a: Place, b: Place) -> bool:
    """Does ``a`` enclose ``b`` (a larger unit holding it)?"""
    if a.level >= b.level:
        return False
    if a.codes and b.codes:
        return any(bc.startswith(ac) for ac in a.codes for bc in b.codes)
    return (a.entry.radius_m >= b.entry.radius_m
            and _km(a.entry.lat, a.entry.lon, b.entry.lat, b.entry.lon) * 1000 <= a.entry.radius_m * 1.5)


class Geoparser:
    """Built once per gazetteer (a few hundred milliseconds); :meth:`parse` per post."""

    def __init__(self, entries: list[Entry], *, use_morphology: bool = True):
        self.use_morphology = use_morphology
        self.places: list[Place] = []
        self.ko: dict[str, list[int]] = {}
        self.ko_prefix: set[str] = set()
        self.en: dict[tuple[str, ...], list[int]] = {}
        self.en_first: set[str] = set()
        self.en_max = 1
        self.ko_multi: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self._tag_alone: dict[str, str] = {}
        self.by_code: dict[str, Place] = {}
        for e in entries:
            codes = tuple(c for c in (e.code or "").split(",") if c) if e.origin == "builtin" else ()
            pl = Place(e, LEVEL.get(e.kind, 4 if e.origin == "user" else 3), codes)
            idx = len(self.places)
            self.places.append(pl)
            if e.origin == "builtin" and e.kind in ("sido", "sigungu", "emd") and e.code:
                self.by_code[e.code] = pl
            for name in (e.name, *e.aliases):
                self._add(name, idx)

    def _add(self, name: str, idx: int) -> None:
        name = " ".join(name.split())
        if not name:
            return
        if _HANGUL.search(name):
            key = name.replace(" ", "")
            if len(key) < 2:
                return
            lst = self.ko.setdefault(key, [])
            if idx not in lst:
                lst.append(idx)
            for i in range(1, len(key) + 1):
                self.ko_prefix.add(key[:i])
            words = tuple(name.split(" "))
            if len(words) > 1:  # 이순신 동상, 덕수궁 대한문: matched word by word too
                multi = self.ko_multi.setdefault(words[0], [])
                if (words, key) not in multi:
                    multi.append((words, key))
                    multi.sort(key=lambda w: -len(w[0]))
        else:
            words = tuple(_LATIN_WORD.findall(name.lower()))
            if not words or (len(words) == 1 and len(words[0]) < 3):
                return
            lst = self.en.setdefault(words, [])
            if idx not in lst:
                lst.append(idx)
            self.en_first.add(words[0])
            self.en_max = max(self.en_max, len(words))

    # --- finding -------------------------------------------------------------------------
    def _korean(self, text: str) -> list[tuple[str, int, int, str, str, bool]]:
        """(key, start, end, word, rest of the word after the name, hashtag)."""
        out = []
        runs = list(_HANGUL_RUN.finditer(text))
        skip_to = 0
        for k, m in enumerate(runs):
            if k < skip_to:
                continue
            if len(out) >= 4 * MAX_NAMES:
                break
            run, base = m.group(), m.start()
            hashtag = base > 0 and text[base - 1] == "#"
            multi = self._multi(text, runs, k) if run in self.ko_multi else None
            if multi is not None:
                key, n, end = multi
                last = runs[k + n - 1]
                out.append((key, base, end, text[base:last.end()], text[end:last.end()], hashtag))
                skip_to = k + n
                continue
            i = 0
            while i < len(run) - 1:
                best = 0
                j = i + 1
                while j <= len(run) and run[i:j] in self.ko_prefix:
                    if run[i:j] in self.ko:
                        best = j
                    j += 1
                if not best:
                    break
                out.append((run[i:best], base + i, base + best, run, run[best:], hashtag))
                i = best
                if len(out) >= 4 * MAX_NAMES:
                    break
        return out

    def _multi(self, text: str, runs: list, k: int) -> tuple[str, int, int] | None:
        """A name of several words starting at run ``k`` (words apart by one space; the
        last may carry a particle): (key, words used, end offset)."""
        for words, key in self.ko_multi[runs[k].group()]:
            n = len(words)
            if k + n > len(runs):
                continue
            ok = True
            for w in range(1, n):
                prev, cur = runs[k + w - 1], runs[k + w]
                if text[prev.end():cur.start()] != " ":
                    ok = False
                    break
                word = cur.group()
                if not (word == words[w] if w < n - 1 else word.startswith(words[w])):
                    ok = False
                    break
            if ok:
                return key, n, runs[k + n - 1].start() + len(words[-1])
        return None

    def _latin(self, text: str) -> list[tuple[str, int, int]]:
        low = text.lower()
        words = [(m.group(), m.start(), m.end()) for m in _LATIN_WORD.finditer(low)]
        out = []
        i = 0
        while i < len(words):
            if words[i][0] not in self.en_first:
                i += 1
                continue
            for n in range(min(self.en_max, len(words) - i), 0, -1):
                key = tuple(w[0] for w in words[i:i + n])
                if key in self.en:
                    out.append((" ".join(key), words[i][1], words[i + n - 1][2]))
                    i += n
                    break
            else:
                i += 1
        return out

    def _common_noun(self, key: str) -> bool:
        if key in COMMON_USES:
            return True
        if len(key) > 3 or not self.use_morphology:
            return False
        tag = self._tag_alone.get(key)
        if tag is None:
            tag = self._tag_alone[key] = morph.tag_alone(key)
        return tag == "NNG"

    def mentions(self, text: str) -> list[Mention]:
        found = self._korean(text)
        out: list[Mention] = []
        toks = None
        for key, s, e, word, rest, hashtag in found:
            common = self._common_noun(key)
            fast = rest == "" or rest.startswith(FAST_SUFFIXES) or not self.use_morphology
            mention = Mention(key, s, e, word, [self.places[i] for i in self.ko[key]], hashtag=hashtag, rest=rest)
            if (fast or hashtag) and not common:  # #광화문집회: a hashtag joins words without spaces
                out.append(mention)
                continue
            if hashtag and rest == "":
                out.append(mention)
                continue
            if common and not hashtag and not text[e:].lstrip(" ").startswith(tuple(PLACE_WORDS)) and all(
                    p.entry.kind in ("emd", "legal_dong") and key == p.entry.name[:-1] for p in mention.places):
                # A 동 said without 동 that is also a common word (이동, 사이, 광장), with no place
                # word after it, can only be kept with support from another name: the analyser
                # is asked about it (below) only when the post has one.
                mention.weak = True
                mention.unchecked = True
                out.append(mention)
                continue
            if toks is None:
                toks = morph.tokens(text) if self.use_morphology else []
            verdict = self._check(key, s, e, rest, toks, common)
            if verdict == "reject":
                continue
            mention.weak = verdict == "weak"
            out.append(mention)
        for key, s, e in self._latin(text):
            out.append(Mention(key, s, e, text[s:e], [self.places[i] for i in self.en[tuple(key.split())]]))
        if any(m.unchecked for m in out):
            if any(not m.weak for m in out):
                if toks is None:
                    toks = morph.tokens(text) if self.use_morphology else []
                kept = []
                for m in out:
                    if m.unchecked:
                        verdict = self._check(m.key, m.start, m.end, m.rest, toks, True)
                        if verdict == "reject":
                            continue
                        m.weak = verdict == "weak"
                    kept.append(m)
                out = kept
            else:
                out = [m for m in out if not m.unchecked]  # nothing could support them
        for m in out:
            m.ambiguous_at_first = len({id(p.entry) for p in m.places}) > 1
        return out

    def _check(self, key: str, s: int, e: int, rest: str, toks: list, common: bool) -> str:
        """'ok', 'weak' (a common word: needs another name's support) or 'reject'."""
        if not toks:
            return "weak" if common else "ok"
        first = next((k for k, t in enumerate(toks) if t.start <= s < t.end), None)
        if first is None:
            return "reject"
        t0 = toks[first]
        if t0.tag == "W_HASHTAG":
            return "ok"
        if t0.start != s:
            return "reject"  # the name starts inside another word
        last = first
        while last < len(toks) and toks[last].end < e:
            last += 1
        if last >= len(toks):
            return "reject"
        span = toks[first:last + 1]
        if span[-1].end != e:
            # A longer proper noun made of the name and a place word (서울시청) is still the place;
            # another name that starts like it (세종로, a street) or a common word is not.
            tail = span[0].form[e - s:] if len(span) == 1 else ""
            if span[0].tag == "NNP" and tail and tail.startswith(tuple(PLACE_WORDS)):
                return "ok"
            return "reject"
        if span[0].tag not in NOUN_TAGS:
            return "reject"
        prev = toks[first - 1].form.lower() if first > 0 else ""
        nxt = toks[last + 1] if last + 1 < len(toks) else None
        if nxt is not None and nxt.tag in ("XSV", "XSA", "XSV-I", "XSA-I") and nxt.start == e:
            return "reject"  # 시청하다, 서면하다: a verb made from the noun
        if nxt is not None and nxt.start == e and nxt.tag == "XSN" and nxt.form in ("적", "풍", "식"):
            return "reject"  # 서구적, 서구풍: an adjective or manner, not the district
        uses = COMMON_USES.get(key)
        if uses:
            before, after = uses
            following = [t.form.lower() for t in toks[last + 1:last + 4]]
            if prev in before or (following and following[0] in after) or \
                    (len(following) > 1 and following[0] in ("으로", "로") and following[1] in after):
                return "reject"
        if not common:
            return "ok"
        if len(span) == 1 and span[0].tag == "NNP":
            return "ok"
        if nxt is not None and (nxt.form in PLACE_WORDS or any(rest.startswith(w) for w in PLACE_WORDS if rest)):
            return "ok"
        return "weak"

    # --- deciding ------------------------------------------------------------------------
    def parse(self, text: str, profile: str | None = None) -> Result:
        """Place one post (and, when its text names nothing, its author's profile location)."""
        res = self._decide(self.mentions((text or "")[:MAX_TEXT]))
        if res.status == "placed" or not profile:
            return res
        prof = self._decide(self.mentions(profile[:MAX_TEXT]))
        if prof.status != "placed":
            return res
        inf = prof.inference
        return Result("placed", Inference(inf.lat, inf.lon, inf.radius_m, min(inf.confidence, CONFIDENCE["profile"]),
                                          inf.entry, inf.method, inf.matched, inf.words, profile=True))

    def _decide(self, mentions: list[Mention]) -> Result:
        if not mentions:
            return Result("none")
        # A name said again adds nothing: the first saying of each, and a bounded number of
        # names, so a hostile text repeating names cannot make a post slow.
        seen: set[str] = set()
        mentions = [m for m in mentions if not (m.key in seen or seen.add(m.key))][:MAX_NAMES]
        # Support: another name of the post encloses this candidate or lies in it.
        supported: list[list[bool]] = []
        for i, m in enumerate(mentions):
            flags = []
            for p in m.places:
                ok = False
                for j, o in enumerate(mentions):
                    if j == i or o.key == m.key:
                        continue
                    if any(contains(q, p) or contains(p, q) for q in o.places):
                        ok = True
                        break
                flags.append(ok)
            supported.append(flags)
        narrowed: list[tuple[Mention, list[Place], bool]] = []
        for i, m in enumerate(mentions):
            places, flags = m.places, supported[i]
            if any(flags):
                places = [p for p, f in zip(places, flags) if f]
            elif m.weak:
                continue  # a common word with nothing around it saying it is a place
            if m.weak and not any(f and self._finer_support(m, p, mentions) for p, f in zip(m.places, flags)):
                continue  # a common word needs a 시군구 or finer around it, not just a 시도 (서울 … 광장)
            # A 동 named without 동 (신촌) yields to a district or landmark of that name (강남 = 강남구).
            bare = [p for p in places if p.entry.kind in ("emd", "legal_dong") and m.key == p.entry.name[:-1]]
            if bare and len(bare) < len(places):
                places = [p for p in places if p not in bare]
            # A 법정동 and its own 행정동 (Itaewon: 이태원동, 이태원1동, 이태원2동) are one place: the 법정동.
            legal = {c for p in places if p.entry.kind == "legal_dong" for c in p.codes}
            if legal:
                places = [p for p in places if not (p.entry.kind == "emd" and p.codes and p.codes[0] in legal)]
            # A landmark right after a unit it is not in (부산 시청) is not that landmark.
            prev = next((o for o in reversed(mentions) if o.end <= m.start and m.start - o.end <= 1), None)
            if prev is not None and prev.places and all(p.entry.origin == "builtin" for p in prev.places):
                kept = [p for p in places if p.entry.origin != "user" or any(contains(q, p) for q in prev.places)]
                places = kept
            if places:
                narrowed.append((m, places, any(flags)))
        if not narrowed:
            return Result("none")
        matched = tuple(dict.fromkeys(m.key for m, _, _ in narrowed))
        # Landmarks first.
        marks = [(m, ps, sup) for m, ps, sup in narrowed if any(p.entry.origin == "user" for p in ps)]
        for m, ps, sup in marks:
            ps = [p for p in ps if p.entry.origin == "user"]
            distinct = {(round(p.entry.lat, 4), round(p.entry.lon, 4)) for p in ps}
            if len(distinct) != 1:
                continue
            others = {o.key for o, ops, _ in marks if o is not m and
                      any(_km(p.entry.lat, p.entry.lon, ps[0].entry.lat, ps[0].entry.lon) > 0.3 for p in ops)}
            conf = CONFIDENCE["landmark+other"] if others else (
                CONFIDENCE["landmark+context"] if sup else CONFIDENCE["landmark"])
            e = ps[0].entry
            method = "context" if m.ambiguous_at_first and sup else "landmark"
            return Result("placed", Inference(e.lat, e.lon, e.radius_m, conf, e, method, matched,
                                              tuple(dict.fromkeys(x.word for x, _, _ in narrowed))))
        # Administrative names: the most specific one that is resolved.
        best: tuple | None = None
        ambiguous: list[str] = []
        for m, ps, sup in narrowed:
            ps = [p for p in ps if p.entry.origin == "builtin"]
            if not ps:
                continue
            if len({id(p.entry) for p in ps}) == 1:
                cand = (ps[0].level, ps[0], sup, m, False)
            else:
                ambiguous.append(m.key)
                enc = self._enclosing(ps)
                if enc is None:
                    continue
                cand = (enc.level - 0.01, enc, False, m, True)
            if best is None or cand[0] > best[0]:
                best = cand
        if best is None:
            return Result("ambiguous" if ambiguous else "none", candidates=tuple(dict.fromkeys(ambiguous)))
        level, place, sup, m, enclosing = best
        e = place.entry
        if enclosing:
            conf = CONFIDENCE["enclosing"]
        elif place.level >= 3:
            conf = CONFIDENCE["dong+context" if sup else "dong"]
        elif place.level >= 1.5:
            conf = CONFIDENCE["gu+context" if sup else "gu"]
        else:
            conf = CONFIDENCE["sido"]
        method = "context" if m.ambiguous_at_first and sup and not enclosing else "admin"
        return Result("placed", Inference(e.lat, e.lon, e.radius_m, conf, e, method, matched,
                                          tuple(dict.fromkeys(x.word for x, _, _ in narrowed))))

    @staticmethod
    def _finer_support(m: Mention, p: Place, mentions: list[Mention]) -> bool:
        """Is ``p`` enclosed by, or enclosing, a candidate of another mention at 시군구 level or finer?"""
        for o in mentions:
            if o is m or o.key == m.key:
                continue
            for q in o.places:
                if q.level >= 1.5 and (contains(q, p) or contains(p, q)):
                    return True
        return False

    def _enclosing(self, places: list[Place]) -> Place | None:
        """The smallest built-in unit holding every candidate (by code), or None."""
        codes = [p.codes for p in places]
        if not all(codes):
            return None
        for n in (5, 2):
            heads = {c[:n] for cs in codes for c in cs}
            if len(heads) == 1:
                return self.by_code.get(heads.pop())
        return None
