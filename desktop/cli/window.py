"""``sitmap open`` (also what ``sitmap`` alone does): the map window on a cache."""

from __future__ import annotations

from pathlib import Path

from desktop.cli.common import add_db, db_path


def open_window(db: Path) -> int:
    from desktop.ui.app import run_app

    return run_app(db)


def run(args) -> int:
    return open_window(db_path(args))


def register(sub) -> None:
    o = sub.add_parser("open", help="open the map window (the default)")
    add_db(o)
    o.set_defaults(func=run)
