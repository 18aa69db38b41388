"""The installer bundle builds and its frozen smoke test passes (slow: minutes of building).

Run deliberately: ``./run-tests -m slow tests/test_bundle.py``.
"""

from __future__ import annotations

import platform
import subprocess

import pytest

from desktop import __version__
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_build_bundle_passes_its_frozen_smoke_test():
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "build-bundle")], cwd=ROOT, capture_output=True,
                          text=True, timeout=3600)
    out = proc.stdout
    assert proc.returncode == 0, out[-4000:] + proc.stderr[-4000:]
    # The smoke test ran the frozen program, every check passed, and the sizes were reported.
    assert "smoke test (frozen," in out
    assert not [ln for ln in out.splitlines() if ln.startswith("FAIL")]
    assert "smoke test passed" in out and "smoke test of the bundle: passed" in out
    assert "bundle: dist/sitmap" in out and "build time:" in out
    assert (ROOT / "dist" / f"sitmap-{__version__}-linux-{platform.machine()}.tar.gz").is_file()
