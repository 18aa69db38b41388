"""Waiting on the Qt event loop without a window's exec(): offscreen renders and checks."""

from __future__ import annotations

import time


def wait_until(app, cond, timeout_s: float) -> bool:
    """Process events until ``cond()`` is true or ``timeout_s`` passes; returns whether it held."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        app.processEvents()
        if cond():
            return True
        time.sleep(0.01)
    return False
