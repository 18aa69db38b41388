"""Text search over the trigram full-text index without positions.

The cache's ``items_fts`` (FTS5, trigram tokenizer) keeps no positions since schema
version 9 (``detail=none``, see :mod:`desktop.cache.fts`). A term of three or more
characters is asked of the index as all of its trigrams (quoted, so never an operator):
exact for a term of exactly three characters (one trigram), a superset for a longer one,
whose rows are then checked with :func:`has_term`, registered on every cache connection
as ``sitmap_has_term``. The check folds case exactly as the trigram tokenizer does
(:data:`FOLD`, derived from SQLite by :func:`derive_fold`; a test compares the two), so
results are the same as the positional index's phrase queries gave.
"""

from __future__ import annotations

import sqlite3

from desktop.core.fts_fold import FOLD

FUNCTION = "sitmap_has_term"


def fold(s: str) -> str:
    """``s`` case folded as the trigram tokenizer folds it (one character for one)."""
    return s.translate(FOLD)


def has_term(text: str | None, author: str | None, term: str | None) -> int:
    """1 when the folded ``term`` is a substring of the folded text or author."""
    if term is None:
        return 0
    t = term.translate(FOLD)
    if text and t in text.translate(FOLD):
        return 1
    return 1 if author and t in author.translate(FOLD) else 0


# Characters some other character folds into ("k" for the Kelvin sign, "σ" for "ς"…).
_FOLD_TARGETS = frozenset(FOLD.values())


def case_blind(term: str) -> bool:
    """Whether case cannot matter for ``term``: none of its characters folds or is folded
    into, so a folded text holds it exactly where the text itself does (``instr``
    answers; Hangul, digits and most punctuation are such characters)."""
    return not any(ord(c) in FOLD or ord(c) in _FOLD_TARGETS for c in term)


def _quoted(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def trigrams(term: str) -> list[str]:
    """The term's trigrams, each once, in order."""
    return list(dict.fromkeys(term[i:i + 3] for i in range(len(term) - 2)))


def match_expression(terms: list[str]) -> str:
    """An FTS5 query for rows holding every trigram of every term (each at least three
    characters long); every trigram is quoted, so nothing typed is an operator."""
    grams: dict[str, None] = {}
    for t in terms:
        grams.update(dict.fromkeys(trigrams(t)))
    return " AND ".join(_quoted(g) for g in grams)


def phrase_expression(terms: list[str]) -> str:
    """Schema versions 1-8 (positions kept): one phrase per term."""
    return " AND ".join(_quoted(t) for t in terms)


def needs_check(term: str) -> bool:
    """Whether the index's answer for ``term`` is a superset to be checked row by row."""
    return len(term) > 3


def derive_fold() -> dict[int, str]:
    """The trigram tokenizer's case folding, read from the linked SQLite: one document of
    every code point up to U+1FFFF (none above folds), where the first character of the
    trigram at each position is that position's code point folded."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE f USING fts5 (t, tokenize='trigram')")
        conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab (f, 'instance')")
        cps = [cp for cp in range(1, 0x20000) if not 0xD800 <= cp <= 0xDFFF]
        conn.execute("INSERT INTO f VALUES (?)", ("".join(map(chr, cps)) + "  ",))
        out: dict[int, str] = {}
        for term, offset in conn.execute("SELECT term, offset FROM v"):
            if offset < len(cps) and term[0] != chr(cps[offset]):
                out[cps[offset]] = term[0]
        return out
    finally:
        conn.close()
