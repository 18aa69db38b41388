"""CSV in UTF-8 with a byte-order mark (Excel on a Korean Windows reads Hangul right only
with it), one row per item, the columns of :data:`~desktop.exports.fields.FIELDS`.

Quoting is the :mod:`csv` module's. Lists are joined (hashtags and categories with a
space, incident names with ``; ``). A text cell that begins like a spreadsheet formula
(``=``, ``+``, ``-``, ``@``, tab, carriage return) gets a leading ``'`` so a spreadsheet
shows it instead of running it, as ``sitmap query --format csv`` does.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable

from desktop.exports.fields import FIELDS, TEXT_FIELDS, flat

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write(records: Iterable[dict], path: Path, *, title: str = "") -> int:
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        w = csv.writer(out)
        w.writerow(FIELDS)
        for rec in records:
            row = flat(rec)
            for f in TEXT_FIELDS:
                row[f] = defuse(row[f])
            w.writerow([row[f] for f in FIELDS])
            n += 1
    return n
