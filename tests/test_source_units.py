"""Each row's unit code, as the index reads it (desktop.engine.source), names the row's
unit: with hundreds of units, units new since the last read, chat messages and items
that are not unit reports, on the full read, the live read and the span reader."""

from __future__ import annotations

import numpy as np

from desktop.cache import Cache
from desktop.cache.writer import write_records
from desktop.core.model import Item, Kind, Precision
from desktop.engine import source

UNITS = 600


def reports(first: int, n: int, units: int) -> list[Item]:
    out = []
    for i in range(first, first + n):
        u = f"ANDROID-{(i * 7919) % units:04d}"
        chat = i % 53 == 0
        out.append(Item(kind=Kind.FIELD_UPDATE, source="tak", source_id=f"r{i}", t_ms=1_700_000_000_000 + i * 10,
                        text="msg" if chat else "", lat=37.5 + (i % 100) / 1e4, lon=127.0, precision=Precision.EXACT,
                        unit_uid=u, extra={"chat": True} if chat else None))
        if i % 11 == 0:  # a post among them: no unit
            out.append(Item(kind=Kind.POST, source="x", source_id=f"p{i}", t_ms=1_700_000_000_000 + i * 10,
                            text="post", lat=None, lon=None, precision=Precision.UNKNOWN))
    return out


def expected(cache: Cache, after: int = 0) -> dict[int, str | None]:
    """Per item id, the unit of a drawn report (None for anything else), from SQL."""
    return {i: (u if k == "field_update" and lat is not None and not (extra and '"chat"' in extra) else None)
            for i, k, u, lat, extra in cache.conn.execute(
                "SELECT id, kind, unit_uid, lat, extra FROM items WHERE id > ? ORDER BY id", (after,))}


def named(rows: source.Rows) -> dict[int, str | None]:
    return {int(i): (rows.units[c] if c >= 0 else None) for i, c in zip(rows.cols["id"], rows.cols["unit"])}


def test_unit_codes_name_each_rows_unit(tmp_path):
    c = Cache.open(tmp_path / "c.db")
    write_records(c, reports(0, 3000, UNITS // 2), path="a", fmt="cot", purpose="public-order")
    first = source.read_all(c.conn)
    assert len(first.units) == UNITS // 2
    got = named(first)
    assert got == expected(c) and sum(v is not None for v in got.values()) > 2500
    top = max(got)
    write_records(c, reports(3000, 3000, UNITS), path="b", fmt="cot", purpose="public-order")  # new units too
    later = source.read_since(c.conn, top, first.sources, first.tags, first.units)
    assert later.units[: UNITS // 2] == first.units and len(later.units) == UNITS
    assert named(later) == expected(c, top)
    whole = source.read_all(c.conn)  # the temporary table is filled again for each read
    assert named(whole) == expected(c)
    span = source.SpanReader(c.conn, whole.sources, whole.units, whole.tags)
    cols, _, _ = span.read(0, 2**62, 2**62)
    by_id = {int(i): (whole.units[u] if u >= 0 else None) for i, u in zip(cols["id"], cols["unit"])}
    assert by_id == expected(c) and np.all(np.diff(cols["t"]) >= 0)
