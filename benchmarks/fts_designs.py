"""The full-text index designs side by side on the same rows.

    .venv/bin/python -m benchmarks.fts_designs [--size 200000] [--batch 5000] [--repeat 3]

Each design is built over the demo's texts and authors in its own cache-shaped file
(``items`` plus the FTS5 table over it): once in one statement after the rows are in
(what an import does), and batch by batch (what the live writer does). Then the same
searches run against each, through the query shape the filters use; every design must
find exactly the ids the old one finds. Size is the file's growth over the items alone.
The designs are measured in rounds (round robin) and each figure is the best of its
rounds, so a change in the machine's load does not favour one design.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from desktop.cache import fts  # noqa: E402
from desktop.core import textsearch  # noqa: E402
from desktop.demo.generator import chunks  # noqa: E402
from benchmarks.ingest import machine  # noqa: E402

BASE = "CREATE VIRTUAL TABLE items_fts USING fts5 (text, author, content='items', content_rowid='id', tokenize='trigram'"
DESIGNS = {
    "old: detail=full (versions 1-8)": (BASE + ")", False),
    "detail=full, columnsize=0": (BASE + ", columnsize=0)", False),
    "detail=column": (BASE + ", detail=column)", True),
    "detail=none": (BASE + ", detail=none)", True),
    "new: detail=none, columnsize=0": (BASE + ", detail=none, columnsize=0)", True),
    "contentless, detail=none, columnsize=0": (
        "CREATE VIRTUAL TABLE items_fts USING fts5 (text, author, content='', tokenize='trigram', detail=none, "
        "columnsize=0)", True),
}
SEARCHES = ["광화문", "광화문 집회", '"집회 현장"', "경찰", "police", "Busan", '"busan police"', "haeundae 현장",
            "서울시청", "xyzq"]


def rows(size: int) -> list[tuple]:
    out = []
    for chunk in chunks(7, size):
        out.extend((r[8], r[9] or None) for r in chunk.rows)
    return out


def new_file(path: Path, data: list[tuple]) -> sqlite3.Connection:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, text TEXT NOT NULL, author TEXT, batch_id INTEGER)")
    conn.execute("CREATE INDEX items_batch ON items (batch_id)")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO items (text, author, batch_id) VALUES (?, ?, ?)",
                     ((t, a, k // BATCH) for k, (t, a) in enumerate(data)))
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    fts.register(conn)
    return conn


BATCH = 5000


def size_of(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]


def search_sql(typed: str, check: bool) -> tuple[str, list]:
    """The search as the filters build it (``check``: the index has no positions, schema 9),
    or as schemas 1-8 built it (one FTS5 phrase per term)."""
    from desktop.core.filters import MAX_LIKE_CLAUSES, Filter, parse_text

    if check:
        where, params = Filter(text=typed).where("i")
        return f"SELECT i.id FROM items i WHERE {where}", params
    phrases, words = parse_text(typed)
    terms = phrases + words
    long = [t for t in terms if len(t) >= 3]
    short = [t for t in terms if len(t) < 3]
    assert len(short) <= MAX_LIKE_CLAUSES
    clauses, params = [], []
    if long:
        clauses.append("i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
        params.append(textsearch.phrase_expression(long))
    for t in short:
        clauses.append("(i.text LIKE ? ESCAPE '\\' OR i.author LIKE ? ESCAPE '\\')")
        params += [f"%{t}%", f"%{t}%"]
    return "SELECT i.id FROM items i WHERE " + " AND ".join(clauses or ["1"]), params


def measure(path: Path, data: list[tuple], ddl: str, check: bool, reference: dict, name: str) -> list:
    """[seconds to build in one statement, seconds batch by batch, bytes, seconds per search]."""
    n = len(data)
    conn = new_file(path, data)
    try:
        base = size_of(conn)
        conn.execute(ddl)
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO items_fts (rowid, text, author) SELECT id, text, coalesce(author, '') FROM items")
        conn.execute("COMMIT")
        one = time.perf_counter() - t0
        grown = size_of(conn) - base
        conn.execute("DROP TABLE items_fts")
        conn.execute(ddl)
        t0 = time.perf_counter()
        for b in range(0, (n + BATCH - 1) // BATCH):
            conn.execute("BEGIN")
            conn.execute("INSERT INTO items_fts (rowid, text, author) SELECT id, text, coalesce(author, '') "
                         "FROM items WHERE batch_id = ?", (b,))
            conn.execute("COMMIT")
        batched = time.perf_counter() - t0
        times = []
        for typed in SEARCHES:
            sql, params = search_sql(typed, check)
            t0 = time.perf_counter()
            got = {r[0] for r in conn.execute(sql, params)}
            times.append(time.perf_counter() - t0)
            if typed in reference and got != reference[typed]:
                raise SystemExit(f"{name}: {typed!r} found {len(got)} items, the old design {len(reference[typed])}")
            reference.setdefault(typed, got)
        return [one, batched, grown, times]
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    global BATCH
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=5000, help="rows per batch for the incremental build")
    ap.add_argument("--repeat", type=int, default=3, help="rounds over the designs; the best of each is shown")
    ap.add_argument("--dir", type=Path, default=None)
    args = ap.parse_args(argv)
    BATCH = args.batch
    before = machine()
    data = rows(args.size)
    n = len(data)
    reference: dict[str, set] = {}
    best: dict[str, list] = {}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        # Round robin, the best of each: the machine's load moves while the designs are measured.
        for rnd in range(args.repeat):
            for name, (ddl, check) in DESIGNS.items():
                print(f"round {rnd + 1}: {name} …", file=sys.stderr)
                got_one = measure(Path(tmp) / "f.db", data, ddl, check, reference, name)
                if name not in best:
                    best[name] = got_one
                else:
                    b = best[name]
                    best[name] = [min(b[0], got_one[0]), min(b[1], got_one[1]), got_one[2],
                                  [min(x, y) for x, y in zip(b[3], got_one[3])]]
    results = [(name, *best[name]) for name in DESIGNS]
    per_m = 1_000_000 / n
    print(f"{n:,} rows (demo texts and authors); batches of {BATCH:,} rows for the incremental build\n")
    head = ["design", "build s/M (one go)", f"build s/M ({BATCH:,}/batch)", "MB/M", "search ms (median)",
            "search ms (worst)"]
    cells = [head]
    for name, one, batched, grown, times in results:
        ts = sorted(times)
        cells.append([name, f"{one * per_m:.1f}", f"{batched * per_m:.1f}", f"{grown * per_m / 2**20:.0f}",
                      f"{ts[len(ts) // 2] * 1000:.1f}", f"{ts[-1] * 1000:.1f}"])
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    for k, r in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            print("  ".join("-" * w for w in widths))
    print("\nsearches: " + ", ".join(SEARCHES) + " (same ids from every design: checked)")
    print(f"\nmachine: {before}")
    print(f"after:   load average {' / '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
