"""`sitmap replay-video`: the offscreen map over time, one captioned frame per step."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.cli import main

PERIOD = ["--from", "2026-11-14T14:00", "--to", "2026-11-14T15:00"]


@pytest.fixture(scope="module")
def video_db(tmp_path_factory) -> Path:
    from desktop.cache import Cache
    from desktop.demo.generator import write_demo

    path = tmp_path_factory.mktemp("video") / "demo.db"
    cache = Cache.open(path)
    write_demo(cache, seed=7, size=2000)
    cache.close()
    return path


def test_frame_windows_step_through_the_period():
    from desktop.ui.video import frame_windows

    m = 60_000
    assert frame_windows(0, 60 * m, 15 * m, None) == [(0, 15 * m), (0, 30 * m), (0, 45 * m), (0, 60 * m)]
    assert frame_windows(0, 50 * m, 20 * m, 30 * m) == [(0, 20 * m), (10 * m, 40 * m), (20 * m, 50 * m)]
    with pytest.raises(ValueError, match="more than"):
        frame_windows(0, 10_000 * m, m, None)


@pytest.mark.webengine
def test_gif_has_one_frame_per_step_and_the_map_moves(qtbot, video_db, tmp_path, capsys, js_errors):
    from PIL import Image, ImageChops

    out = tmp_path / "march.gif"
    assert main(["replay-video", "--db", str(video_db), "--out", str(out), *PERIOD, "--step", "15min",
                 "--window", "30min", "--size", "480x320"]) == 0
    assert "4 frames" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["march.gif"]  # no temporary file left
    with Image.open(out) as gif:
        assert gif.n_frames == 4 and gif.size == (480, 320)
        frames = []
        for k in range(gif.n_frames):
            gif.seek(k)
            frames.append(gif.convert("RGB"))
    below_caption = (0, 60, 480, 320)
    first, last = (f.crop(below_caption) for f in (frames[0], frames[-1]))
    assert ImageChops.difference(first, last).getbbox() is not None  # the items moved on
    captions = [f.crop((40, 0, 480, 50)) for f in frames]
    assert all(ImageChops.difference(a, b).getbbox() for a, b in zip(captions, captions[1:]))  # each time written


@pytest.mark.webengine
def test_mp4_through_imageio(qtbot, video_db, tmp_path, capsys, js_errors):
    import imageio.v2 as imageio

    out = tmp_path / "march.mp4"
    assert main(["replay-video", "--db", str(video_db), "--out", str(out), *PERIOD, "--step", "20min",
                 "--size", "320x240", "--hashtag", "광화문"]) == 0
    reader = imageio.get_reader(out)
    try:
        assert reader.count_frames() == 3 and tuple(reader.get_meta_data()["size"]) == (320, 240)
    finally:
        reader.close()


def test_wrong_options_are_one_line_and_write_nothing(video_db, tmp_path, capsys):
    base = ["replay-video", "--db", str(video_db), *PERIOD]
    assert main([*base, "--out", str(tmp_path / "m.avi")]) == 1
    assert "m.avi: a replay video is a .gif or an .mp4 file" in capsys.readouterr().err
    assert main([*base, "--out", str(tmp_path / "m.gif"), "--step", "soon"]) == 1
    assert "--step takes a duration" in capsys.readouterr().err
    assert main([*base, "--out", str(tmp_path / "m.gif"), "--step", "1s"]) == 1
    assert "more than 1000" in capsys.readouterr().err
    assert main([*base, "--out", str(tmp_path / "m.mp4"), "--size", "321x240"]) == 1
    assert "even width and height" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
