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
    env.pop("QTWEBENGINE_CHROMIUM_FLAGS", None)  # the smoke test must add --no-sandbox itself
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env["SITMAP_SMOKE_NO_SANDBOX"] = "1"
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


def test_the_sandbox_is_turned_off_only_when_asked(monkeypatch):
    from desktop.ui.smoke import prepare_environment

    monkeypatch.delenv("QTWEBENGINE_CHROMIUM_FLAGS", raising=False)
    monkeypatch.delenv("SITMAP_SMOKE_NO_SANDBOX", raising=False)
    prepare_environment()
    assert "--no-sandbox" not in os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    monkeypatch.setenv("SITMAP_SMOKE_NO_SANDBOX", "1")
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--lang=ko")
    prepare_environment()
    assert os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] == "--lang=ko --no-sandbox"
