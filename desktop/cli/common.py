"""What every ``sitmap`` command shares: exit codes, messages, the cache option and the
filter options.

A command module uses these so that ``--db`` and the filter options mean the same in
every command; the filter itself is built by :mod:`desktop.session.options`, the one
path from typed options to a :class:`~desktop.core.filters.Filter` (the window's saved
views use it too).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.core import paths
from desktop.core.triage import PRIORITIES, STATES

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
EXIT_INTERNAL = 70  # a defect in Sitmap: the details are in the log file
EXIT_INTERRUPTED = 130


def err(msg: str) -> None:
    """One line on stderr, prefixed ``sitmap:``."""
    print(f"sitmap: {msg}", file=sys.stderr)


def add_db(p: argparse.ArgumentParser, top: bool = False) -> None:
    """``--db PATH``, accepted before or after the command (a sub-command's default must not
    hide the top-level one, hence SUPPRESS)."""
    p.add_argument("--db", metavar="PATH", default=None if top else argparse.SUPPRESS,
                   help="cache file (default: $SITMAP_DB or the user data folder)")


def db_path(args) -> Path:
    return Path(args.db) if getattr(args, "db", None) else paths.default_db()


def add_filter_args(p: argparse.ArgumentParser) -> None:
    """The filter options; their names are :class:`~desktop.session.options.FilterOptions`' fields."""
    g = p.add_argument_group("filter")
    g.add_argument("--from", dest="start", metavar="TIME", help="start, ISO 8601 (no zone: --tz)")
    g.add_argument("--to", dest="end", metavar="TIME", help="end (exclusive), ISO 8601")
    g.add_argument("--tz", default=None, help="zone for times written without one (default Asia/Seoul)")
    g.add_argument("--bbox", metavar="W,S,E,N", help="bounding box in degrees")
    g.add_argument("--area", action="append", default=[], metavar="FILE[:PROP=VALUE]",
                   help="boundary file (GeoJSON, Shapefile, GeoPackage…); optionally one feature, "
                        "e.g. districts.json:code=11110")
    g.add_argument("--exclude-area", action="append", default=[], metavar="FILE[:PROP=VALUE]",
                   help="leave out items in this area")
    g.add_argument("--saved-area", action="append", default=[], metavar="NAME", help="an area saved in the cache")
    g.add_argument("--district", action="append", default=[], metavar="NAME",
                   help="a built-in Korean district (KOSTAT 2018 시도, 시군구 or 읍면동) by Korean or English name or "
                        "code: 종로구, 'Busan Jung-gu', '서울 중구 명동', 11010 (a name in several cities lists them)")
    g.add_argument("--exclude-district", action="append", default=[], metavar="NAME",
                   help="leave out items in this built-in district")
    g.add_argument("--hashtag", action="append", default=[], metavar="TAG", help="any of these hashtags (without #)")
    g.add_argument("--kind", action="append", default=[], choices=["post", "field_update"])
    g.add_argument("--source", action="append", default=[], metavar="NAME",
                   help="x, tak, geojson, csv, kml, ushahidi, sitmap…")
    g.add_argument("--text", default="", help='words the text must all contain, and "a phrase" in double quotes '
                                            '(Hangul works; substring match)')
    g.add_argument("--precision", action="append", default=[], choices=["exact", "place", "inferred", "unknown"])
    g.add_argument("--min-confidence", dest="min_confidence", metavar="0..1", default=None,
                   help="hide place and inferred positions less sure than this (exact items always pass; "
                        "a place from the source counts as 0.5)")
    g.add_argument("--state", action="append", default=[], choices=list(STATES),
                   help="triage state, any of these (an item nobody triaged is new)")
    g.add_argument("--priority", action="append", default=[], choices=list(PRIORITIES),
                   help="triage priority, any of these (an item nobody triaged is routine)")
    g.add_argument("--tag", action="append", default=[], metavar="CATEGORY",
                   help="triage category, any of these (crowd, violence, traffic, missing_person, medical…)")
    g.add_argument("--incident", metavar="NAME|ID", help="only the items of this incident")


def filter_from_args(args, cache=None):
    """The :class:`~desktop.core.filters.Filter` the filter options describe; notes (the
    zone a time was read in) go to stderr. Raises OptionError/GeoError naming the option."""
    from desktop.session.options import FilterOptions, session_from_options

    notes: list[str] = []
    flt = session_from_options(FilterOptions.from_namespace(args), cache, notes).filter()
    for n in notes:
        err(f"note: {n}")
    return flt


def add_by(p: argparse.ArgumentParser) -> None:
    """``--by NAME``: who makes a change (default $SITMAP_OPERATOR)."""
    p.add_argument("--by", metavar="NAME", default=None,
                   help="who makes the change, kept in the history (default: $SITMAP_OPERATOR)")


def operator(args) -> str:
    """The name given with --by or in $SITMAP_OPERATOR; OptionError when there is none."""
    import os

    from desktop.core.errors import OptionError

    name = (getattr(args, "by", None) or os.environ.get("SITMAP_OPERATOR") or "").strip()
    if not name:
        raise OptionError("say who makes the change: --by NAME, or set SITMAP_OPERATOR")
    return name


def add_audit_args(p: argparse.ArgumentParser) -> None:
    """``--operator NAME --purpose CODE --case REF``, written in the audit trail (defaults
    $SITMAP_OPERATOR, $SITMAP_PURPOSE, $SITMAP_CASE). An option the command already has (the
    report's --purpose, the evidence package's --operator and --case) is used as it is; where
    the command has ``--by``, ``--operator`` is another name for it."""
    have = set(p._option_string_actions)
    g = p.add_argument_group("audit trail")
    for opt, meta, env, what in (("--operator", "NAME", "SITMAP_OPERATOR", "who does this"),
                                 ("--purpose", "CODE", "SITMAP_PURPOSE", "why (the purpose code)"),
                                 ("--case", "REF", "SITMAP_CASE", "the case reference")):
        if opt == "--operator" and "--by" in have and opt not in have:  # one name for the history and the trail
            g.add_argument(opt, dest="by", metavar=meta, default=None, help="the same as --by")
        elif opt not in have:
            g.add_argument(opt, metavar=meta, default=None, help=f"{what}, kept in the audit trail (default: ${env})")
            if opt == "--purpose" and p.get_default("purpose_is_code") is None:
                p.set_defaults(purpose_is_code=True)  # checked against the purpose list before the command runs


def audit_fields(args) -> tuple[str | None, str | None, str | None]:
    """(operator, purpose, case_ref) from :func:`add_audit_args`' options, else ``--by``, else
    $SITMAP_OPERATOR, $SITMAP_PURPOSE, $SITMAP_CASE (None where nothing says)."""
    import os

    def pick(*values):
        return next((v.strip() for v in values if isinstance(v, str) and v.strip()), None)

    return (pick(getattr(args, "operator", None), getattr(args, "by", None), os.environ.get("SITMAP_OPERATOR")),
            pick(getattr(args, "purpose", None), os.environ.get("SITMAP_PURPOSE")),
            pick(getattr(args, "case", None), os.environ.get("SITMAP_CASE")))


def audit_head(args) -> str | None:
    """The audit trail's head beside the cache ``args`` names, ``SEQ:HASH`` (None when nothing
    has been recorded): printed in what is handed over so it can be checked later."""
    from desktop.audit import AuditError, AuditLog

    try:
        with AuditLog.open(db_path(args), create=False) as log:
            head = log.head()
    except AuditError:
        return None
    return f"{head[0]}:{head[1]}" if head else None


def audit(args, action: str, *, objects=None, detail=None):
    """Append one entry to the audit trail beside the cache ``args`` names (after the action
    succeeded) and return it; who, why and the case come from :func:`add_audit_args`' options,
    else ``--by``, else the environment."""
    import os

    from desktop.audit import AuditLog

    def pick(*values):
        return next((v.strip() for v in values if isinstance(v, str) and v.strip()), None)

    with AuditLog.open(db_path(args)) as log:
        return log.record(action, operator=pick(getattr(args, "operator", None), getattr(args, "by", None),
                                                os.environ.get("SITMAP_OPERATOR")),
                          purpose=pick(getattr(args, "purpose", None), os.environ.get("SITMAP_PURPOSE")),
                          case_ref=pick(getattr(args, "case", None), os.environ.get("SITMAP_CASE")),
                          objects=objects, detail=detail)


def staged(args, action: str, *, objects=None, detail=None):
    """An audit entry for a write path to commit with its change (desktop.cache.outbox);
    :func:`drain` then moves it into the audit trail. Who, why and the case as in :func:`audit`."""
    from desktop.cache.outbox import Staged, Who

    op, purpose, case_ref = audit_fields(args)
    return Staged(action, Who(op, purpose, case_ref), objects=objects, detail=detail)


def drain(args, cache) -> list:
    """Move the entries ``cache``'s changes staged into the audit trail beside it; returns them."""
    from desktop.audit import AuditLog

    with AuditLog.open(db_path(args)) as log:
        return log.drain(cache.conn)


def reconcile(args) -> None:
    """Before a command: entries a stopped run staged but did not move are moved now."""
    from desktop.audit import reconcile as move

    if getattr(args, "db", None) or paths.default_db().exists():
        move(db_path(args))


def item_ranges(conn, flt) -> list[list[int]]:
    """The ids a filter selects as ``[[first, last], …]``: how a disclosure names what it
    handed over, so that "Who saw this…" finds it for any item it covered."""
    from desktop.cache.erase import id_ranges
    from desktop.cache.query import matching_ids

    return id_ranges(int(i) for i in matching_ids(conn, flt))
