"""Filters as values: one object says which items the commander is looking at.

It yields a parameterised SQL fragment (for the cache) and a human description
(for the status line and exports). Areas are checked exactly with shapely after an
index prefilter on their envelope, because SQLite has no polygon test.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property

from desktop.core import textsearch
from desktop.core.geo import Area, AreaMask
from desktop.core.model import Kind, Precision, normalise_tag
from desktop.core.timefmt import fmt_range
from desktop.core.triage import TriageError, check_priority, check_state
from desktop.core.uncertainty import confidence_where

KIND_NAMES = {"post": "posts", "field_update": "field updates"}


# Typographic and full-width double quotes open and close a phrase like '"'.
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\uff02": '"'})
# NUL ends a string inside SQLite's LIKE and FTS parsers; lone surrogates cannot be encoded.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# Short terms past this many are checked in one correlated subquery instead of one clause
# each (a pasted post can hold hundreds of words; SQLite's expression depth is 1000).
MAX_LIKE_CLAUSES = 16


def parse_text(text: str) -> tuple[list[str], list[str]]:
    """A search as typed: (quoted phrases, other words), each without repeats.

    ``"광화문 집회" 부상`` finds items whose text has "광화문 집회" (those words, in that
    order, one space apart) and also 부상 anywhere. Unquoted words must all appear,
    anywhere, in any order. A quote left open is closed at the end (``"광화문 집`` is the
    phrase "광화문 집"), so a phrase being typed narrows as it grows. Runs of spaces in a
    phrase count as one; “curly” and full-width quotes work like '"'. Nothing typed is
    ever read as a query operator: NEAR, AND, *, ^, %, _, ', backslashes are literal.
    """
    s = unicodedata.normalize("NFC", _SURROGATE_RE.sub("\ufffd", str(text)))
    s = _CONTROL_RE.sub(" ", s).translate(_QUOTES)
    parts = s.split('"')  # outside, inside, outside, …; an odd count of quotes leaves the last part inside
    phrases = [" ".join(p.split()) for p in parts[1::2]]
    words = " ".join(parts[0::2]).split()
    return list(dict.fromkeys(p for p in phrases if p)), list(dict.fromkeys(words))


def _like_escape(term: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", term)


def _text_where(a: str, terms: list[str]) -> tuple[list[str], list]:
    """SQL clauses (all must hold) for text that contains every term, in its text or author."""
    clauses: list[str] = []
    params: list = []
    long = [t for t in terms if len(t) >= 3]
    short = [t for t in terms if len(t) < 3]
    if long:
        # Trigram index: any substring of three or more characters, Hangul included; one
        # MATCH of quoted trigrams joined by AND, so no term is ever an operator. The index
        # keeps no positions, so a term longer than one trigram is then checked in the
        # candidate rows, folding case as the index does: instr where case cannot matter
        # (Hangul, digits), else LIKE (ASCII case) answers most rows and the exact check
        # (textsearch.has_term) the rest.
        clauses.append(f"{a}.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
        params.append(textsearch.match_expression(long))
        check = [t for t in long if textsearch.needs_check(t)]
        fn = textsearch.FUNCTION
        if len(check) <= MAX_LIKE_CLAUSES:
            for term in check:
                if textsearch.case_blind(term):
                    clauses.append(f"(instr({a}.text, ?) OR instr(coalesce({a}.author, ''), ?))")
                    params += [term, term]
                    continue
                clauses.append(f"({a}.text LIKE ? ESCAPE '\\' OR coalesce({a}.author, '') LIKE ? ESCAPE '\\' "
                               f"OR {fn}({a}.text, {a}.author, ?))")
                pat = f"%{_like_escape(term)}%"
                params += [pat, pat, term]
        else:
            clauses.append(f"NOT EXISTS (SELECT 1 FROM json_each(?) j WHERE NOT (instr({a}.text, j.value) "
                           f"OR instr(coalesce({a}.author, ''), j.value) OR {fn}({a}.text, {a}.author, j.value)))")
            params.append(json.dumps(check, ensure_ascii=False))
    # Too short for trigrams (e.g. two-syllable Korean words): scan the rows left.
    if len(short) <= MAX_LIKE_CLAUSES:
        for term in short:
            clauses.append(f"({a}.text LIKE ? ESCAPE '\\' OR {a}.author LIKE ? ESCAPE '\\')")
            pat = f"%{_like_escape(term)}%"
            params += [pat, pat]
    else:
        clauses.append(f"NOT EXISTS (SELECT 1 FROM json_each(?) j WHERE NOT ({a}.text LIKE j.value ESCAPE '\\' "
                       f"OR coalesce({a}.author, '') LIKE j.value ESCAPE '\\'))")
        params.append(json.dumps([f"%{_like_escape(t)}%" for t in short], ensure_ascii=False))
    return clauses, params


def describe_text(text: str) -> list[str]:
    """How a search reads: 'text has the phrase "광화문 집회"', 'text has all of: 광화문, 집회'."""
    phrases, words = parse_text(text)
    out = []
    if phrases:
        quoted = ", ".join(f'"{p}"' for p in phrases)
        out.append(("text has the phrase " if len(phrases) == 1 else "text has all the phrases ") + quoted)
    if len(words) == 1:
        out.append(f'text "{words[0]}"')
    elif words:
        out.append("text has all of: " + ", ".join(words))
    return out


@dataclass(frozen=True)
class Filter:
    """Which items to show. Empty fields mean 'no restriction'. Times are UTC ms, [start, end)."""

    start_ms: int | None = None
    end_ms: int | None = None
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    areas: tuple[Area, ...] = ()
    hashtags: tuple[str, ...] = ()  # any of these
    kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    text: str = ""
    precisions: tuple[str, ...] = ()
    states: tuple[str, ...] = ()  # triage states; an item nobody triaged is 'new'
    priorities: tuple[str, ...] = ()  # an item nobody triaged is 'routine'
    triage_tags: tuple[str, ...] = ()  # any of these triage categories
    incident: int | None = None  # items of this incident
    min_confidence: float | None = None  # hide place/inferred positions less sure than this (0..1; None: all)
    area_label: str | None = field(default=None, compare=False)  # how to name the areas in descriptions
    incident_name: str | None = field(default=None, compare=False)  # the incident's name, for descriptions

    def __post_init__(self) -> None:
        object.__setattr__(self, "hashtags", tuple(dict.fromkeys(t for t in map(normalise_tag, self.hashtags) if t)))
        for k in self.kinds:
            Kind(k)  # raises ValueError for an unknown kind
        for p in self.precisions:
            Precision(p)
        object.__setattr__(self, "states", tuple(dict.fromkeys(check_state(x) for x in self.states)))
        object.__setattr__(self, "priorities", tuple(dict.fromkeys(check_priority(x) for x in self.priorities)))
        object.__setattr__(self, "triage_tags", tuple(dict.fromkeys(t.strip() for t in self.triage_tags if t.strip())))
        if self.incident is not None:
            if isinstance(self.incident, bool) or not isinstance(self.incident, int) or self.incident < 1:
                raise TriageError(f"incident {self.incident!r} is not an incident id")
        if self.min_confidence is not None:
            c = self.min_confidence
            if isinstance(c, bool) or not isinstance(c, (int, float)) or not (0.0 <= float(c) <= 1.0):
                raise ValueError(f"location confidence {c!r} is not a number from 0 to 1")
            object.__setattr__(self, "min_confidence", float(c))
        if self.bbox is not None:
            w, s, e, n = self.bbox
            if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= n <= 90):
                raise ValueError(f"bbox {self.bbox} is not west,south,east,north in degrees")
        if self.start_ms is not None and self.end_ms is not None and self.end_ms < self.start_ms:
            raise ValueError("the time window ends before it starts")

    def with_(self, **changes) -> "Filter":
        return replace(self, **changes)

    @property
    def uses_triage(self) -> bool:
        """Whether the filter depends on triage or incidents (which change without new items)."""
        return bool(self.states or self.priorities or self.triage_tags or self.incident is not None)

    @property
    def needs_position(self) -> bool:
        return self.bbox is not None or bool(self.areas)

    @cached_property
    def area_mask(self) -> AreaMask | None:
        mask = AreaMask(self.areas) if self.areas else None
        return mask if mask is not None and mask.active else None

    def text_terms(self) -> list[str]:
        """Every term the text must contain (phrases whole, then single words): all of them."""
        phrases, words = parse_text(self.text)
        return phrases + words

    def where(self, alias: str = "i") -> tuple[str, list]:
        """SQL condition over ``items AS alias`` and its parameters (areas only prefiltered)."""
        a = alias
        clauses: list[str] = []
        params: list = []
        if self.start_ms is not None:
            clauses.append(f"{a}.t_ms >= ?")
            params.append(self.start_ms)
        if self.end_ms is not None:
            clauses.append(f"{a}.t_ms < ?")
            params.append(self.end_ms)
        if self.kinds:
            clauses.append(f"{a}.kind IN ({','.join('?' * len(self.kinds))})")
            params += list(self.kinds)
        if self.sources:
            clauses.append(f"{a}.source IN ({','.join('?' * len(self.sources))})")
            params += list(self.sources)
        if self.precisions:
            clauses.append(f"{a}.precision IN ({','.join('?' * len(self.precisions))})")
            params += list(self.precisions)
        if self.min_confidence is not None:
            clause, values = confidence_where(a, self.min_confidence)
            clauses.append(clause)
            params += values
        for col, values, default in (("state", self.states, "new"), ("priority", self.priorities, "routine")):
            if not values:
                continue
            marks = ",".join("?" * len(values))
            if default in values:  # items with no triage row count as the default
                clauses.append(f"{a}.id NOT IN (SELECT item_id FROM triage WHERE {col} NOT IN ({marks}))")
            else:
                clauses.append(f"{a}.id IN (SELECT item_id FROM triage WHERE {col} IN ({marks}))")
            params += list(values)
        if self.triage_tags:
            clauses.append(f"{a}.id IN (SELECT t.item_id FROM triage t, json_each(t.tags) j "
                           f"WHERE j.value IN ({','.join('?' * len(self.triage_tags))}))")
            params += list(self.triage_tags)
        if self.incident is not None:
            clauses.append(f"{a}.id IN (SELECT item_id FROM incident_items WHERE incident_id = ?)")
            params.append(self.incident)
        if self.hashtags:
            clauses.append(f"{a}.id IN (SELECT item_id FROM item_tags WHERE tag IN ({','.join('?' * len(self.hashtags))}))")
            params += list(self.hashtags)
        text_clauses, text_params = _text_where(a, self.text_terms())
        clauses += text_clauses
        params += text_params
        boxes = []
        if self.bbox is not None:
            boxes.append(self.bbox)
        if self.area_mask is not None and self.area_mask.envelope() is not None:
            boxes.append(self.area_mask.envelope())
        if self.needs_position:
            clauses.append(f"{a}.lat IS NOT NULL")
        for w, s, e, n in boxes:
            # Answered by the (lat, lon) index.
            clauses.append(f"{a}.lat BETWEEN ? AND ? AND {a}.lon BETWEEN ? AND ?")
            params += [s, n, w, e]
        return (" AND ".join(clauses) or "1"), params

    def describe(self, zone: str = "Asia/Seoul") -> str:
        """'posts in 종로구, 2026-11-14 14:00–16:00 KST, #busanpolice, text "집회"'."""
        kinds = [KIND_NAMES[k] for k in self.kinds] if self.kinds else ["posts and field updates"]
        parts = [" and ".join(kinds)]
        if self.areas:
            inc = [x.name for x in self.areas if not x.exclude]
            exc = [x.name for x in self.areas if x.exclude]
            where = self.area_label or (", ".join(inc) if inc else "")
            if where:
                parts[0] += f" in {where}"
            if exc:
                parts[0] += f" outside {', '.join(exc)}"
        if self.bbox is not None:
            parts.append("in box " + ",".join(f"{v:.4f}" for v in self.bbox))
        if self.start_ms is not None and self.end_ms is not None:
            parts.append(fmt_range(self.start_ms, self.end_ms, zone))
        elif self.start_ms is not None:
            parts.append("from " + fmt_range(self.start_ms, self.start_ms, zone).split("–")[0])
        elif self.end_ms is not None:
            parts.append("until " + fmt_range(self.end_ms, self.end_ms, zone).split("–")[0])
        if self.hashtags:
            parts.append(" or ".join("#" + t for t in self.hashtags))
        if self.sources:
            parts.append("from " + ", ".join(self.sources))
        parts += describe_text(self.text)
        if self.precisions:
            parts.append("precision " + "/".join(self.precisions))
        if self.min_confidence is not None:
            parts.append(f"location confidence ≥ {self.min_confidence:.2f}")
        if self.states:
            parts.append("state " + "/".join(self.states))
        if self.priorities:
            parts.append("priority " + "/".join(self.priorities))
        if self.triage_tags:
            parts.append("tagged " + " or ".join(self.triage_tags))
        if self.incident is not None:
            parts.append(f"in incident {self.incident}" + (f" ({self.incident_name})" if self.incident_name else ""))
        return ", ".join(parts)
