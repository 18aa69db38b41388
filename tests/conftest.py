"""Shared fixtures. Qt runs offscreen; QtWebEngine as root needs --no-sandbox (tests only)."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    if "--no-sandbox" not in flags:
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = (flags + " --no-sandbox").strip()
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1") if os.geteuid() == 0 else None

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
BOUNDARIES = ROOT.parent / "shared" / "data" / "boundaries" / "skorea_municipalities_geo_simple.json"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """No test touches the user's files: data dir and settings go to a temp folder."""
    d = tmp_path_factory.mktemp("sitmap-data")
    monkeypatch.setenv("SITMAP_DATA_DIR", str(d))
    monkeypatch.delenv("SITMAP_DB", raising=False)
    # CLI runs collect for a purpose ("no purpose, no collection"); a test that checks the
    # refusal deletes it. The Qt-free functions are always given one explicitly.
    monkeypatch.setenv("SITMAP_PURPOSE", "public-order")
    for name in ("SITMAP_OPERATOR", "SITMAP_CASE"):
        monkeypatch.delenv(name, raising=False)
    # Passwords and tokens a test saves go to a keyring file of its own, never the user's
    # (commands run as processes find the same one).
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    before = keyring.get_keyring()
    kr = PlaintextKeyring()
    kr.file_path = str(d / "keyring" / "keyring_pass.cfg")
    keyring.set_keyring(kr)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(d / "xdg"))
    yield
    keyring.set_keyring(before)


@pytest.fixture
def boundaries() -> Path:
    if not BOUNDARIES.exists():
        pytest.skip(f"Korean district boundaries not found at {BOUNDARIES}")
    return BOUNDARIES


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A cache holding the default demo incident (written once per test session)."""
    from desktop.cache import Cache
    from desktop.demo.generator import write_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    cache = Cache.open(path)
    write_demo(cache, seed=7)
    cache.close()
    return path


SLOW_TIMEOUT_S = 2400  # the installer bundle is built in the slow tier: minutes, not seconds


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("slow") is not None and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(SLOW_TIMEOUT_S))
