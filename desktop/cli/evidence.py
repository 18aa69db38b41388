"""``sitmap evidence --out case-123.zip [filter]`` and ``sitmap verify-package case-123.zip``.

The package itself is :mod:`desktop.evidence` (no Qt); this command renders the map PNG
offscreen first (unless ``--no-map``) and the situation report with it (``sitmap report``,
unless ``--no-report``), and hands both in.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from desktop.cli.common import (EXIT_ERROR, EXIT_OK, add_audit_args, add_db, add_filter_args, audit, audit_head,
                                db_path, drain, err, filter_from_args, staged)

MAP_SIZE = (1600, 1000)


def _report(args, db: Path, flt, png: Path | None, tmp: Path, operator: str | None) -> tuple[Path | None, str | None]:
    """The situation report PDF for the filter (``sitmap report``), or why there is none."""
    from desktop.cache import Cache
    from desktop.core.errors import SitmapError
    from desktop.report import build_report

    if args.no_report:
        return None, "left out with --no-report"
    pdf = tmp / "report.pdf"
    try:
        with Cache.open_readonly(db) as cache:
            build_report(cache.conn, flt, pdf, lang=args.report_lang, operator=operator or "",
                         purpose=args.case or "", map_png=png)
    except SitmapError as exc:
        err(f"note: the situation report could not be made ({exc}); the package has none")
        return None, f"the situation report could not be made: {exc}"
    return pdf, None


def build(args, db: Path, flt, out: Path) -> int:
    """Render the map, then write the package; shared with ``sitmap export --evidence``."""
    from desktop import __version__
    from desktop.cache import Cache, holds
    from desktop.evidence.package import MAP_PNG, REPORT_PDF, build_package, check_out

    check_out(out)  # a wrong --out is one line before anything is rendered
    operator = (args.operator or os.environ.get("SITMAP_OPERATOR") or "").strip() or None
    omitted: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="sitmap-evidence-") as tmp_name:
        tmp = Path(tmp_name)
        png = None
        if args.no_map:
            omitted[MAP_PNG] = "left out with --no-map"
        else:
            headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
            if sys.platform.startswith("linux") and headless:
                os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
            from desktop.ui.snapshot import SnapshotFailed, run_snapshot

            png = tmp / MAP_PNG
            try:
                run_snapshot(db, flt, png, MAP_SIZE, "items")
            except SnapshotFailed as exc:
                err(f"{out}: not written: the map could not be rendered ({exc}); --no-map leaves it out")
                return EXIT_ERROR
        pdf, why = _report(args, db, flt, png, tmp, operator)
        if pdf is None:
            omitted[REPORT_PDF] = why or "no report"
        with Cache.open_readonly(db) as cache:
            res = build_package(cache.conn, flt, out, version=__version__, map_png=png, report_pdf=pdf,
                                omitted=omitted, operator=operator, case=args.case, audit_head=audit_head(args))
    # What went into a package is evidence: retention keeps it (sitmap hold list / remove).
    reason = f"evidence package {out.name}" + (f", case {args.case}" if args.case else "")
    with Cache.open(db, create=False) as cache:
        held = holds.add(cache, res.ids, reason=reason, by=operator, audit=staged(args, "alter"))
        drain(args, cache)
    from desktop.cache.erase import id_ranges

    audit(args, "disclose", objects={"filter": flt.describe(), "items": id_ranges(res.ids)},
          detail={"format": "evidence", "file": str(out), "count": res.items, "raw": res.raw,
                  "files": len(res.files)})
    print(f"{out}: {res.items} items ({flt.describe()}), {len(res.files)} files, {res.raw} raw payloads")
    print(f"  {held} items put on hold ({reason}); the others were held already")
    print(f"  audit head {audit_head(args)} (the manifest has the head before this package's entry)")
    for name, why in res.omitted.items():
        print(f"  not included: {name}: {why}")
    return EXIT_OK


def run_evidence(args) -> int:
    from desktop.cache import Cache

    db = db_path(args)
    with Cache.open_readonly(db) as cache:
        flt = filter_from_args(args, cache)
    return build(args, db, flt, Path(args.out))


def run_verify(args) -> int:
    from desktop.evidence.verify import verify_package

    res = verify_package(Path(args.package))
    m = res.manifest or {}
    if res.ok:
        print(f"{args.package}: OK: {res.files} files and the filter match the manifest "
              f"({res.items} items, case {m.get('case') or '-'}, made {m.get('created_utc')})")
        return EXIT_OK
    for p in res.problems:
        print(f"{args.package}: {p}")
    print(f"{args.package}: FAILED: {len(res.problems)} problem{'s' if len(res.problems) != 1 else ''}")
    return EXIT_ERROR


def add_package_args(p) -> None:
    """The options of a package beyond the filter (also used by ``sitmap export --evidence``)."""
    p.add_argument("--operator", metavar="NAME", help="who makes the package (default: $SITMAP_OPERATOR)")
    p.add_argument("--case", metavar="REF", help="the case reference written in the manifest")
    p.add_argument("--no-map", action="store_true", help="leave the map image out (no offscreen rendering)")
    p.add_argument("--no-report", action="store_true", help="leave the situation report (report.pdf) out")
    p.add_argument("--report-lang", choices=["ko", "en"], default="ko", help="the report's language (default ko)")


def register(sub) -> None:
    p = sub.add_parser("evidence", help="write an evidence package (zip with items, map, history and hashes)")
    add_db(p)
    add_filter_args(p)
    p.add_argument("--out", required=True, metavar="ZIP")
    add_package_args(p)
    add_audit_args(p)
    p.set_defaults(func=run_evidence)
    v = sub.add_parser("verify-package", help="check an evidence package against its manifest (exit 0 or 1)")
    v.add_argument("package", metavar="ZIP")
    v.set_defaults(func=run_verify)
