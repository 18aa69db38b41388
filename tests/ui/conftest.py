"""Fixtures for the real QtWebEngine page and window (offscreen)."""

from __future__ import annotations

import logging

import pytest

from desktop.ui.webpage import register_scheme

register_scheme()  # before the QApplication that pytest-qt creates


@pytest.fixture(autouse=True)
def _who_works(monkeypatch):
    """Every window starts knowing who works and why (no start dialog), and purges nothing
    by itself: tests that need the dialog or the purge change these."""
    monkeypatch.setenv("SITMAP_OPERATOR", "test-operator")
    monkeypatch.setenv("SITMAP_PURPOSE", "public-order")
    monkeypatch.delenv("SITMAP_CASE", raising=False)
    monkeypatch.setenv("SITMAP_DAILY_PURGE", "0")
    yield


@pytest.fixture
def js_errors(caplog):
    """Fails the test if the page logged a JavaScript error."""
    caplog.set_level(logging.WARNING, logger="sitmap.page.js")
    yield caplog
    errors = [r.getMessage() for r in caplog.records if r.name == "sitmap.page.js" and r.levelno >= logging.ERROR]
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def map_view(qtbot, js_errors):
    """A MapView whose page has loaded Leaflet and whose bridge said ready."""
    from desktop.ui.map_view import MapView

    view = MapView()
    view.resize(900, 700)
    view.show()
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.bridge.is_ready, timeout=30000)
    yield view
    view.shutdown()


def run_js(qtbot, view, script: str):
    """Evaluate a constant script (never built from data) and return its result."""
    box = {}
    view.page().runJavaScript(script, 0, lambda r: box.setdefault("r", r))
    qtbot.waitUntil(lambda: "r" in box, timeout=10000)
    return box["r"]
