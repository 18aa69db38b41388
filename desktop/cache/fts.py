"""The full-text index ``items_fts``: FTS5 over ``items`` (external content) with the
trigram tokenizer, so any substring of three or more characters is found, Hangul
included.

Since schema version 9 it keeps no positions (``detail=none``) and no column sizes
(``columnsize=0``): a third of the size. Searches ask it for a term's trigrams and check
the candidate rows' text (:mod:`desktop.core.textsearch`), whose check function every
cache connection gets from :func:`register`. Rows are added in bulk per batch
(``writer.derive_batch``), forgotten by the ``items_ad`` trigger.
"""

from __future__ import annotations

import sqlite3

from desktop.core.textsearch import FUNCTION, has_term

# The table as each design creates it: OLD is schema versions 1-8 (the benchmark measures
# both in one run), DDL is version 9 on.
OLD_DDL = ("CREATE VIRTUAL TABLE items_fts USING fts5 (text, author, content='items', content_rowid='id', "
           "tokenize='trigram')")
DDL = ("CREATE VIRTUAL TABLE items_fts USING fts5 (text, author, content='items', content_rowid='id', "
       "tokenize='trigram', detail=none, columnsize=0)")


def register(conn: sqlite3.Connection) -> None:
    """Make the search's row check callable from SQL on ``conn``."""
    conn.create_function(FUNCTION, 3, has_term, deterministic=True)
