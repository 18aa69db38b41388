"""The full-text index without positions (schema 9) finds exactly what the positional
one (schemas 1-8) found: the same rows, searched both ways, give the same ids."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.cache import Cache
from desktop.cache.fts import DDL, OLD_DDL
from desktop.cache.schema import APPLICATION_ID, MIGRATIONS
from desktop.cache.query import matching_ids
from desktop.cache.writer import write_records
from desktop.core import textsearch
from desktop.core.filters import MAX_LIKE_CLAUSES, Filter, parse_text
from desktop.core.fts_fold import FOLD
from desktop.core.model import Item, Kind, Precision

T0 = 1_763_096_400_000


def _old_text_where(a: str, terms: list[str], table: str) -> tuple[list[str], list]:
    """The search clauses of schemas 1-8 (filters._text_where before version 9), against ``table``."""
    clauses: list[str] = []
    params: list = []
    long = [t for t in terms if len(t) >= 3]
    short = [t for t in terms if len(t) < 3]

    def esc(term: str) -> str:
        return re.sub(r"([\\%_])", r"\\\1", term)

    if long:
        clauses.append(f"{a}.id IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)")
        params.append(" AND ".join('"' + t.replace('"', '""') + '"' for t in long))
    if len(short) <= MAX_LIKE_CLAUSES:
        for term in short:
            clauses.append(f"({a}.text LIKE ? ESCAPE '\\' OR {a}.author LIKE ? ESCAPE '\\')")
            pat = f"%{esc(term)}%"
            params += [pat, pat]
    else:
        clauses.append(f"NOT EXISTS (SELECT 1 FROM json_each(?) j WHERE NOT ({a}.text LIKE j.value ESCAPE '\\' "
                       f"OR coalesce({a}.author, '') LIKE j.value ESCAPE '\\'))")
        params.append(json.dumps([f"%{esc(t)}%" for t in short], ensure_ascii=False))
    return clauses, params


def old_ids(conn: sqlite3.Connection, typed: str) -> set[int]:
    clauses, params = _old_text_where("i", Filter(text=typed).text_terms(), "old_fts")
    return {r[0] for r in conn.execute(f"SELECT i.id FROM items i WHERE {' AND '.join(clauses) or '1'}", params)}


def new_ids(conn: sqlite3.Connection, typed: str) -> set[int]:
    return set(matching_ids(conn, Filter(text=typed)).tolist())


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """A cache (schema 9 index) with the schema 1-8 index beside it as ``old_fts``."""
    c = Cache.open(tmp_path_factory.mktemp("fts") / "c.db")
    c.conn.execute(OLD_DDL.replace("items_fts", "old_fts"))
    yield c
    c.close()


def fill(c: Cache, rows: list[tuple[str, str | None]]) -> None:
    c.conn.execute("DELETE FROM items")
    c.conn.execute("INSERT INTO old_fts (old_fts) VALUES ('delete-all')")
    write_records(c, [Item(kind=Kind.POST, source="x", source_id=str(k), t_ms=T0 + k, text=t, author=a,
                           lat=None, lon=None, precision=Precision.UNKNOWN) for k, (t, a) in enumerate(rows)],
                  path="t", fmt="test")
    c.conn.execute("INSERT INTO old_fts (old_fts) VALUES ('rebuild')")


# Hangul, ASCII in both cases, letters whose folding differs from str.lower (Kelvin sign,
# dotted I, long s, final sigma, micro), full-width Latin, Greek and Cyrillic, quotes,
# LIKE and FTS5 syntax, spaces.
ALPHABET = list("가나다광화문집회부상경찰abcABCkKsSσΣςµμ") + ["\u212a", "\u0130", "i", "\u017f", "\uff21", "\uff41",
                                                     "Д", "д", "É", "é", "ß", '"', "“", "'", "%", "_", "\\", "*",
                                                     "^", "(", ")", ":", "-", " ", " ", "\ufffe", "\U0001F600"]
_text = st.text(alphabet=ALPHABET, max_size=24)
_rows = st.lists(st.tuples(_text, st.one_of(st.none(), st.text(alphabet=ALPHABET, max_size=8))), min_size=1, max_size=25)


@st.composite
def rows_and_queries(draw):
    rows = draw(_rows)
    pieces = []
    for _ in range(draw(st.integers(1, 4))):
        text, author = draw(st.sampled_from(rows))
        src = draw(st.sampled_from([text, author or text]))
        a = draw(st.integers(0, max(0, len(src))))
        b = draw(st.integers(a, len(src)))
        piece = src[a:b]
        if draw(st.booleans()):
            piece = piece.swapcase()  # case folding on the index's side only
        if draw(st.booleans()):
            piece = '"' + piece + '"'
        pieces.append(piece)
    queries = [" ".join(pieces), draw(_text), '"' + " ".join(pieces)]
    return rows, queries


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=rows_and_queries())
def test_new_index_finds_what_the_old_one_found(both, case):
    rows, queries = case
    fill(both, rows)
    for typed in queries:
        assert new_ids(both.conn, typed) == old_ids(both.conn, typed), (rows, typed)


@pytest.mark.parametrize("typed", [
    "kelvin", "KELVIN", "\u212aelvin", "İstanbul", "istanbul", "ＡＢＣＤ", "ａｂｃｄ", "ΣΟΦΙΑ", "σοφια", "ςοφια",
    "광화문 집회", '"광화문 집회"', "광화문", "문 집회", "집회", "x", '"x AND y"', "NEAR(a b)", "a_b%", "\\'",
    " ".join(f"w{i}" for i in range(1500)), " ".join(f"word{i}" for i in range(40)), "\ufffe\ufffe\ufffe",
    "\ufffd\ufffd\ufffd", "\uffff\ufffe\ufffd", "광화문 집", "부상 경찰", "Kelvin \u212aelvin", "50%_x", "a_b%",
])
def test_fixed_cases_match_the_old_index(both, typed):
    fill(both, [("Kelvin \u212aELVIN kelvin", None), ("İSTANBUL istanbul", "ＡＢＣＤ"), ("ΣΟΦΙΑ σοφια", "ςοφια"),
                ("광화문 집회 부상", "경찰"), ("집회 광화문", None), ("x AND y", "a_b%"), ("\\'", "NEAR(a b)"),
                (" ".join(f"w{i}" for i in range(1500)), None), (" ".join(f"word{i}" for i in range(40)), "w1"),
                ("\uffff\ufffe\ufffd", None)])
    assert new_ids(both.conn, typed) == old_ids(both.conn, typed)


def test_the_fold_table_is_the_linked_sqlites():
    assert {k: chr(v) for k, v in FOLD.items()} == textsearch.derive_fold()


def test_version_9_rebuilds_an_old_index_in_the_new_design(tmp_path):
    p = tmp_path / "v8.db"
    conn = sqlite3.connect(p, isolation_level=None)
    for version, script in enumerate(MIGRATIONS[:8], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version={version};\nCOMMIT;")
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.execute("INSERT INTO batches (id, path, format, started_ms) VALUES (1, 'p', 'test', 0)")
    for k, (text, author) in enumerate([("광화문 집회 부상", "kim"), ("Busan POLICE", None), ("집회 광화문", "police")]):
        conn.execute("INSERT INTO items (kind, source, source_id, t_ms, precision, text, author, batch_id) "
                     "VALUES ('post', 'x', ?, ?, 'unknown', ?, ?, 1)", (str(k), T0 + k, text, author))
    conn.execute("INSERT INTO items_fts (items_fts) VALUES ('rebuild')")
    assert "detail=none" not in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'items_fts'").fetchone()[0]
    conn.close()
    c = Cache.open(p)
    try:
        sql = c.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'items_fts'").fetchone()[0]
        assert "".join(sql.split()) == "".join(DDL.split())  # what a new cache gets
        by_text = dict(c.conn.execute("SELECT id, text FROM items"))
        assert sorted(by_text[i] for i in new_ids(c.conn, "police")) == ["Busan POLICE", "집회 광화문"]
        assert sorted(by_text[i] for i in new_ids(c.conn, '"광화문 집회"')) == ["광화문 집회 부상"]
        assert c.conn.execute("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)") is not None
        c.conn.execute("DELETE FROM items WHERE text = 'Busan POLICE'")  # the trigger forgets it in the new table
        assert [by_text[i] for i in new_ids(c.conn, "police")] == ["집회 광화문"]
        c.conn.execute("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        c.close()


def test_a_parse_of_the_typed_text_is_what_both_ask_for():
    # The two designs differ only in how a term of three or more characters is asked.
    assert parse_text('"광화문 집회" 부상') == (["광화문 집회"], ["부상"])
    assert textsearch.match_expression(["광화문 집회"]) == '"광화문" AND "화문 " AND "문 집" AND " 집회"'
    assert textsearch.match_expression(['a"bc']) == '"a""b" AND """bc"'
    assert not textsearch.needs_check("광화문") and textsearch.needs_check("광화문 ")
    # Where case cannot matter the check is instr; a letter, or a character a letter folds into, needs folding.
    assert textsearch.case_blind("광화문 집회 2024!") and not textsearch.case_blind("광화문 a")
    assert not textsearch.case_blind("k") and not textsearch.case_blind("\u212a") and not textsearch.case_blind("\ufffd")
