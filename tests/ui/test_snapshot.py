"""`sitmap snapshot` renders the same map offscreen to a PNG."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage

from desktop.cli import main
from tests.ui.test_window import db  # noqa: F401 (fixture)

pytestmark = pytest.mark.webengine


def test_snapshot_writes_png_of_the_filtered_map(qtbot, db, tmp_path, capsys, js_errors):  # noqa: F811
    out = tmp_path / "map.png"
    assert main(["snapshot", "--db", str(db), "--out", str(out), "--size", "800x600", "--hashtag", "광화문"]) == 0
    msg = capsys.readouterr().out
    assert "120 items" in msg and "#광화문" in msg
    img = QImage(str(out))
    assert (img.width(), img.height()) == (800, 600)
    # The posts' blue is on the picture.
    blue = sum(1 for x in range(0, 800, 4) for y in range(0, 600, 4)
               if (lambda c: c.blue() > 180 and c.red() < 90 and c.green() < 140)(img.pixelColor(x, y)))
    assert blue > 20


def test_snapshot_bad_size_is_a_message(db, tmp_path, capsys):  # noqa: F811
    assert main(["snapshot", "--db", str(db), "--out", str(tmp_path / "m.png"), "--size", "big"]) == 1
    assert "WIDTHxHEIGHT" in capsys.readouterr().err
