"""The channel tests' parts: the loopback stand-in service, and a real file-backed keyring
backend (keyrings.alt's plaintext file in the test's folder) selected explicitly."""

from __future__ import annotations

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from tests.channels.server import StandIn


@pytest.fixture
def standin():
    s = StandIn().start()
    yield s
    s.stop()


@pytest.fixture
def file_keyring(tmp_path, monkeypatch):
    before = keyring.get_keyring()
    kr = PlaintextKeyring()
    kr.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")
    keyring.set_keyring(kr)
    monkeypatch.setenv("SITMAP_DATA_DIR", str(tmp_path / "data"))
    # The same backend for commands run as processes.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    yield kr
    keyring.set_keyring(before)
