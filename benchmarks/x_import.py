"""How fast a v1.1 stream capture is read and imported.

    .venv/bin/python benchmarks/x_import.py [POSTS]

Builds a capture of POSTS lines (default 50,000) from the posts in
tests/fixtures/x/stream_v1.jsonl, each with a fresh id, then reports posts per second
for JSON decoding alone (the floor), for the importer's read(), and for a whole
import into a new cache, in one process and with the reader in a worker process (wall
clock counts there: this process only writes). The target for read() is 20,000 posts/s
on one core.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desktop.cache import Cache  # noqa: E402
from desktop.importers import import_file, twitter_v1  # noqa: E402
from desktop.importers.base import ImportContext, ImportOptions  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "x" / "stream_v1.jsonl"


def build_capture(path: Path, n: int) -> None:
    """Write ``n`` post lines cycling through the fixture's posts, each with a new id."""
    posts = []
    for line in FIXTURE.read_bytes().splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue  # the fixture's truncated last line
        if "id_str" in obj and "user" in obj:
            posts.append(obj)
    first_id = 1550707825439739904
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            post = posts[i % len(posts)]
            post["id"] = first_id + i * 4096
            post["id_str"] = str(post["id"])
            # The stream's own style: compact, raw UTF-8, slashes escaped.
            fh.write(json.dumps(post, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/") + "\r\n")


def rate(label: str, n: int, work) -> None:
    start, wall = time.process_time(), time.perf_counter()
    work()
    secs, wall = time.process_time() - start, time.perf_counter() - wall
    print(f"{label:<44} {n / secs:>10,.0f} posts/s of CPU here ({secs:.2f} s)  {n / wall:>10,.0f} posts/s wall clock")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with tempfile.TemporaryDirectory() as d:
        capture = Path(d) / "capture.jsonl"
        build_capture(capture, n)
        print(f"{n:,} posts, {capture.stat().st_size / n:,.0f} bytes a line")

        def decode_only():
            with open(capture, "rb") as fh:
                for line in fh:
                    json.loads(line.decode("utf-8"))

        rate("JSON decoding alone", n, decode_only)
        rate("twitter_v1.read()", n, lambda: sum(1 for _ in twitter_v1.read(capture, ImportContext(path=capture))))
        opts = ImportOptions(geoparse=False)
        for parallel, label in ((False, "import_file(), one process"), (True, "import_file(), reader in a worker")):
            cache = Cache.open(Path(d) / f"bench{parallel}.db")
            rate(label, n, lambda: import_file(cache, capture, fmt="x-v1", purpose="public-order", options=opts,
                                               parallel=parallel))
            cache.close()
        print(f"(the geoparser off; load average {' / '.join(f'{v:.2f}' for v in os.getloadavg())})")


if __name__ == "__main__":
    main()
