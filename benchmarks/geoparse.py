"""How fast is the geoparser? One process, one thread (run it under ``taskset -c 0`` for
one core), well under a minute:

    .venv/bin/python -m benchmarks.geoparse [--posts 20000]

Prints the one-off costs (the built-in gazetteer read from the shipped boundaries, the
Korean analyser's model, the parser built over ~4,200 districts and the demo's landmarks)
and posts per second for: the labelled evaluation set (tricky posts: most need the
analyser), the demo incident's posts (every post parsed, no memo), and an import of the
demo's posts without coordinates through the real writer with and without the geoparser
(what it adds to an import, per post, with its UPDATEs in the same transaction).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _rate(fn, texts, min_s: float = 2.0) -> float:
    # CPU time of this process: posts per second of one core, whatever else the machine runs.
    n, t0 = 0, time.process_time()
    while True:
        for t in texts:
            fn(t)
        n += len(texts)
        dt = time.process_time() - t0
        if dt >= min_s:
            return n / dt


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=20_000, help="demo items to generate")
    args = ap.parse_args()

    from desktop.core import paths
    from desktop.geoparse import builtin, gazetteer, morph
    from desktop.geoparse.parser import Geoparser
    from desktop.geoparse.run import in_memory_builtin

    t0 = time.perf_counter()
    builtin.entries()
    t1 = time.perf_counter()
    morph.analyser()
    morph.tokens("시작")
    t2 = time.perf_counter()
    marks = [gazetteer.Entry(100_000 + i, "user", "landmark", r["name"], tuple(r["aliases"]), None, None, r["lat"],
                             r["lon"], r["radius_m"])
             for i, r in enumerate(gazetteer.read_csv(paths.project_data_dir() / "demo_gazetteer.csv"))]
    parser = Geoparser(in_memory_builtin() + marks)
    t3 = time.perf_counter()
    print(f"built-in gazetteer from the boundaries: {t1 - t0:.2f} s; analyser model: {t2 - t1:.2f} s; "
          f"parser over {len(parser.places)} entries: {t3 - t2:.2f} s")

    evals = [json.loads(line)["text"] for line in (ROOT / "tests/fixtures/geoparse_eval.jsonl").read_text().splitlines()]
    print(f"evaluation set ({len(evals)} tricky posts): {_rate(parser.parse, evals):,.0f} posts/s")

    from desktop.core.model import Item
    from desktop.demo import generate

    items = [r for r in generate(seed=7, size=args.posts) if isinstance(r, Item) and r.kind.value == "post"]
    texts = [i.text for i in items]
    print(f"demo posts ({len(texts)}, {len(set(texts))} distinct texts, each parsed): "
          f"{_rate(parser.parse, texts):,.0f} posts/s")
    calls = [0]
    real = morph.tokens

    def counted(text):
        calls[0] += 1
        return real(text)

    morph.tokens = counted
    for t in texts:
        parser.parse(t)
    morph.tokens = real
    print(f"  the analyser was asked about {calls[0] / len(texts):.0%} of them")

    from desktop.cache import Cache
    from desktop.cache.writer import write_records
    from desktop.geoparse import gazetteer as gz
    from desktop.geoparse.run import place_batch
    from dataclasses import replace

    unplaced = [replace(i, lat=None, lon=None, radius_m=None, place_name=None, precision=type(i.precision)("unknown"))
                for i in items]
    with tempfile.TemporaryDirectory() as d:
        timings = {}
        for name, hook in (("without", None), ("with", lambda c, b: place_batch(c, b))):
            with Cache.open(Path(d) / f"{name}.db") as cache:
                gz.import_rows(cache.conn, gz.read_csv(paths.project_data_dir() / "demo_gazetteer.csv"))
                gz.ensure_builtin(cache.conn)
                from desktop.geoparse.run import parser_for

                parser_for(cache.conn)  # built before timing, as a running Sitmap has it
                t0 = time.perf_counter()
                write_records(cache, unplaced, path=name, fmt="bench", purpose="public-order", after_batch=hook)
                timings[name] = time.perf_counter() - t0
                placed = cache.conn.execute("SELECT count(*) FROM items WHERE precision = 'inferred'").fetchone()[0]
        extra = timings["with"] - timings["without"]
        print(f"import of {len(unplaced)} posts without coordinates: {timings['without']:.2f} s without the geoparser, "
              f"{timings['with']:.2f} s with it ({placed} placed; {extra / len(unplaced) * 1e6:.0f} µs a post, "
              f"repeated texts parsed once)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
