"""The ``sitmap`` command: one module per command, each with ``register(sub)``.

Adding a command is one file here and one name in :data:`COMMANDS`: the module's
``register`` adds its sub-parser and sets ``func`` (which returns the exit status).
Errors a user can act on (:class:`~desktop.core.errors.SitmapError`, ``ValueError``)
print one line and exit 1; anything else is a defect: its traceback goes to the log
file, the user sees one line saying where, and the exit status is 70.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from desktop import __version__
from desktop.cli.common import (EXIT_ERROR, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, add_audit_args,
                                add_db, add_filter_args, audit_fields, db_path, err, filter_from_args)

# The command modules, in the order ``sitmap --help`` lists them: a plain name is a module
# of this package; a dotted name is imported as written (a command kept elsewhere).
COMMANDS = ("window", "imports", "demo", "stats", "query", "export", "snapshot", "tiles", "live", "triage", "incident",
            "evidence", "video", "report", "audit", "erase", "purposes", "hold", "gazetteer", "geoparse",
            "minimise", "sync", "campaign", "appeal")

log = logging.getLogger("sitmap")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sitmap",
                                description="Situation map: public posts and officer field updates on one timeline.")
    p.add_argument("--version", action="version", version=f"sitmap {__version__}")
    p.add_argument("--smoke-test", action="store_true",
                   help="check that this installation works (offline, offscreen) and exit 0 or 1")
    add_db(p, top=True)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name if "." in name else f"desktop.cli.{name}").register(sub)
    for leaf in _leaf_parsers(p):  # who, why and the case are accepted by every command
        add_audit_args(leaf)
    return p


def _leaf_parsers(p: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers that run a command (``import``, ``incident create``…), each once."""
    out: list[argparse.ArgumentParser] = []
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                out += _leaf_parsers(child) or [child]
    return out


def _internal_error(exc: BaseException) -> int:
    """Log the traceback to the log file; tell the user one line and where the details are."""
    from desktop.core import paths

    logfile = paths.data_dir() / "sitmap.log"
    try:
        logfile.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(logfile, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        try:
            log.error("internal error in %s", " ".join(sys.argv), exc_info=exc)
        finally:
            log.removeHandler(handler)
            handler.close()
        where = f"details in {logfile}"
    except OSError:
        where = "the log file could not be written"
    err(f"internal error: {type(exc).__name__}: {exc} ({where})")
    return EXIT_INTERNAL


def main(argv: list[str] | None = None) -> int:
    from desktop.core.errors import SitmapError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.smoke_test:
        from desktop.ui.smoke import run_smoke_test

        return run_smoke_test()
    if args.command is None:
        from desktop.cli.window import run as open_window

        args.func = open_window
    try:
        from desktop.cli.common import reconcile

        reconcile(args)  # entries a stopped run committed but did not move
        if getattr(args, "purpose_is_code", False) and audit_fields(args)[1]:
            from desktop.core import purposes

            purposes.get(audit_fields(args)[1])  # an unknown code is refused, naming the known ones
        return args.func(args)
    except BrokenPipeError:  # the reader (e.g. `head`) has stopped: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except (SitmapError, ValueError, OSError) as exc:
        err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        err("interrupted; files not finished were not stored")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a defect: never a traceback on the user's screen
        return _internal_error(exc)


__all__ = ["COMMANDS", "EXIT_ERROR", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "add_filter_args", "build_parser",
           "db_path", "filter_from_args", "main"]


if __name__ == "__main__":
    sys.exit(main())
