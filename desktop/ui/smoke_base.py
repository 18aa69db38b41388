"""What the smoke test's checks share: the time limits and the runner that prints one
line per check (used by :mod:`desktop.ui.smoke` and :mod:`desktop.ui.smoke_page`)."""

from __future__ import annotations

import sys

HARD_TIMEOUT_S = 60
PAGE_TIMEOUT_S = 30  # first start of the web engine on a slow laptop takes several seconds
DRAW_TIMEOUT_S = 15


class Checks:
    """Runs named checks, prints ``ok`` or ``FAIL`` with the reason, counts failures."""

    def __init__(self, out=None) -> None:
        self.out = out or sys.stdout
        self.failed: list[str] = []
        self.passed = 0

    def run(self, name: str, fn) -> object:
        try:
            detail = fn()
        except Exception as exc:  # a check reports any failure; the next check still runs
            self.failed.append(name)
            self.say(f"FAIL  {name}: {type(exc).__name__}: {exc}")
            return None
        self.passed += 1
        self.say(f"ok    {name}" + (f": {detail}" if detail else ""))
        return detail

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)  # flushed: a hang must not swallow earlier lines
