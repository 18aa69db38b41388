"""``sitmap open`` (also what ``sitmap`` alone does): the map window on a cache.

``--operator/--purpose/--case`` (else $SITMAP_OPERATOR/$SITMAP_PURPOSE/$SITMAP_CASE) say
who works and why; when they say everything, the window starts without asking."""

from __future__ import annotations

from pathlib import Path

from desktop.cli.common import add_audit_args, add_db, db_path


def open_window(db: Path, who: dict | None = None) -> int:
    from desktop.ui.app import run_app

    return run_app(db, who=who)


def run(args) -> int:
    if getattr(args, "shared", None):  # read by the shared store panel (desktop.ui.panels.shared_store)
        import os

        os.environ["SITMAP_SHARED"] = args.shared
    who = {"operator": getattr(args, "operator", None) or getattr(args, "by", None),
           "purpose": getattr(args, "purpose", None), "case": getattr(args, "case", None)}
    return open_window(db_path(args), who)


def register(sub) -> None:
    o = sub.add_parser("open", help="open the map window (the default)")
    add_db(o)
    add_audit_args(o)
    o.add_argument("--shared", metavar="URL", default=None,
                   help="sync with the command post's shared store, postgresql://user@host:port/database")
    o.set_defaults(func=run)
