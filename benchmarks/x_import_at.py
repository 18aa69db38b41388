"""One X v1.1 import by the Sitmap tree at ``ROOT`` (another commit's, extracted), as that
tree ships it: ``import_file`` choosing its own design for the file. Prints one JSON line:
{"accepted": N, "seconds": wall, "cpu": this process, "workers": its reading processes}.

    python benchmarks/x_import_at.py ROOT CAPTURE CACHE

Run by ``benchmarks.ingest --x-ref`` so an earlier design is measured in the same run, on the
same capture, as this tree's.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def main() -> None:
    root, capture, cache_path = sys.argv[1:4]
    sys.path.insert(0, root)
    import desktop
    from desktop.cache import Cache

    if not Path(desktop.__file__).resolve().is_relative_to(Path(root).resolve()):
        raise SystemExit(f"measuring {desktop.__file__}, not the tree at {root}")
    from desktop.importers import import_file
    from desktop.importers.base import ImportOptions

    cache = Cache.open(Path(cache_path))
    k0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0, c0 = time.perf_counter(), time.process_time()
    result = import_file(cache, Path(capture), fmt="x-v1", purpose="public-order", parallel=True,
                         options=ImportOptions(geoparse=False))
    spent, cpu = time.perf_counter() - t0, time.process_time() - c0
    k1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cache.close()
    print(json.dumps({"accepted": result.stats.accepted, "seconds": spent, "cpu": cpu,
                      "workers": (k1.ru_utime + k1.ru_stime) - (k0.ru_utime + k0.ru_stime)}))


if __name__ == "__main__":
    main()
