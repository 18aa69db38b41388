"""`sitmap --smoke-test` passes from the source tree (the bundle's test is tests/test_bundle.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.webengine


def _env() -> dict:
    env = dict(os.environ)
    # The smoke test must make its own sandbox decision (as root: off, with a warning).
    env.pop("QTWEBENGINE_CHROMIUM_FLAGS", None)
    env.pop("QTWEBENGINE_DISABLE_SANDBOX", None)
    return env


def test_smoke_test_passes_unfrozen():
    # A subprocess: the smoke test owns its QApplication and web engine flags, which
    # must be set before Qt starts, and its watchdog may end the process.
    proc = subprocess.run([sys.executable, "-m", "desktop.ui.smoke"], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=120)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert not [ln for ln in lines if ln.startswith("FAIL")]
    for name in ("map page", "render demo incident", "GeoPackage boundaries", "GeoJSON boundaries",
                 "JavaScript errors", "offline", "time zones"):
        assert any(ln.startswith(f"ok    {name}") for ln in lines), f"no ok line for {name}: {proc.stdout}"
    assert lines[-1].startswith("smoke test passed")


def test_smoke_test_reports_a_failing_check(tmp_path):
    from desktop.ui.smoke import Checks

    out = tmp_path / "out.txt"
    with open(out, "w") as fh:
        checks = Checks(fh)
        checks.run("fine", lambda: "detail")
        checks.run("broken", lambda: 1 / 0)
    assert out.read_text().splitlines() == ["ok    fine: detail", "FAIL  broken: ZeroDivisionError: division by zero"]
    assert checks.failed == ["broken"] and checks.passed == 1


def test_smoke_test_ends_itself_when_a_check_hangs():
    hang = ("import sys, time; import desktop.ui.smoke as s; s.HARD_TIMEOUT_S = 1; "
            "s.check_resources = lambda: time.sleep(30); sys.exit(s.run_smoke_test())")
    proc = subprocess.run([sys.executable, "-c", hang], cwd=ROOT, env=_env(), capture_output=True, text=True,
                          timeout=20)
    assert proc.returncode == 1
    assert "FAIL  smoke test: no result within 1 s (hard timeout)" in proc.stdout


def test_the_sandbox_is_off_only_as_root_and_then_said(monkeypatch):
    from desktop.ui.webengine import chromium_flags, sandbox_decision

    assert sandbox_decision(1000, {}) == (True, "")
    on, why = sandbox_decision(0, {})
    assert not on and "root" in why
    assert sandbox_decision(1000, {"QTWEBENGINE_CHROMIUM_FLAGS": "--lang=ko --no-sandbox"})[0] is False
    assert chromium_flags("--lang=ko", sandbox=False, debug=False) == "--lang=ko --no-sandbox --log-level=3"
    assert chromium_flags("--lang=ko", sandbox=True, debug=False) == "--lang=ko --log-level=3"
    assert "--enable-logging=stderr" in chromium_flags("", sandbox=True, debug=True)
    assert chromium_flags("--log-level=1", sandbox=True, debug=False) == "--log-level=1"  # the user's choice stays


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_as_root_the_smoke_test_warns_that_the_sandbox_is_off():
    proc = subprocess.run([sys.executable, "-m", "desktop.ui.smoke"], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert "warning: the map's web engine runs without its sandbox (running as root" in proc.stderr


def test_engine_noise_goes_to_the_log_not_the_terminal():
    from desktop.ui.webengine import is_engine_noise

    assert is_engine_noise("warning", "qt.webenginecontext", "GL Type: disabled")
    assert is_engine_noise("warning", "default", "QStandardPaths: XDG_RUNTIME_DIR not set, defaulting to '/tmp'")
    assert is_engine_noise("warning", "default", "This plugin does not support propagateSizeHints()")
    assert not is_engine_noise("warning", "qt.qpa.plugin", "Could not load the Qt platform plugin \"xcb\"")
    assert not is_engine_noise("critical", "qt.webengine", "anything critical")
    assert not is_engine_noise("warning", "default", "a message of Sitmap's own")


def test_the_window_shows_a_lasting_notice_when_the_sandbox_is_off(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMainWindow

    from desktop.ui.webengine import ChromiumSetup, show_sandbox_notice

    win = QMainWindow()
    qtbot.addWidget(win)
    assert show_sandbox_notice(win, ChromiumSetup(True, "", "", None)) is None
    off = ChromiumSetup(False, "running as root, where Chromium cannot use its sandbox", "--no-sandbox", None)
    label = show_sandbox_notice(win, off, "ko")
    assert label.text() == "⚠ 웹 샌드박스 꺼짐" and label.textFormat() == Qt.TextFormat.PlainText
    assert "root" in label.toolTip() and "일반 사용자" in label.toolTip()
    assert "root" in win.statusBar().currentMessage()
