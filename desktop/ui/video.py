"""`sitmap replay-video`: the map over time, rendered offscreen frame by frame.

The same page as the window and `sitmap snapshot` (``MapView`` fed by ``MapData``): the
view is fitted once to the items of the whole period, then for each frame the filter's
time window moves on by one step, the page draws it, the view is grabbed, and the frame's
time is written on it (plain text, ``QPainter``). Frames go to a GIF (Pillow) or an MP4
(imageio with its ffmpeg), written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from desktop.core.errors import SitmapError
from desktop.engine.mapdata import MapData, Request, View
from desktop.ui.events import wait_until as _wait

SUFFIXES = (".gif", ".mp4")
MAX_FRAMES = 1000


class VideoFailed(SitmapError):
    """The video could not be made (the page did not draw, or the file could not be written)."""


@dataclass(frozen=True)
class Frame:
    """One frame's time window, [start_ms, end_ms), and its caption."""

    start_ms: int
    end_ms: int
    caption: str


def frame_windows(start_ms: int, end_ms: int, step_ms: int, window_ms: int | None) -> list[tuple[int, int]]:
    """The frames' windows: each ends one step after the last (the final one at ``end_ms``)
    and reaches back ``window_ms`` (None: to ``start_ms``), never before ``start_ms``."""
    if step_ms <= 0:
        raise ValueError("--step must be longer than zero")
    if end_ms <= start_ms:
        raise ValueError("--to must be after --from")
    n = -(-(end_ms - start_ms) // step_ms)
    if n > MAX_FRAMES:
        raise ValueError(f"{n} frames is more than {MAX_FRAMES}: take a longer --step or a shorter period")
    out = []
    for k in range(1, n + 1):
        t = min(start_ms + k * step_ms, end_ms)
        out.append((start_ms if window_ms is None else max(start_ms, t - window_ms), t))
    return out


def _qimage_to_pil(img):
    from PIL import Image
    from PySide6.QtGui import QImage

    rgb = img.convertToFormat(QImage.Format.Format_RGB888)
    return Image.frombuffer("RGB", (rgb.width(), rgb.height()), bytes(rgb.constBits()), "raw", "RGB",
                            rgb.bytesPerLine(), 1).copy()


def _caption(img, text: str) -> None:
    """The caption in a dark box at the top left (drawn as plain text)."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QFont, QPainter

    p = QPainter(img)
    try:
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        f = QFont(p.font())
        f.setPixelSize(max(12, img.height() // 32))
        f.setBold(True)
        p.setFont(f)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextSingleLine)
        box = p.boundingRect(QRect(0, 0, img.width(), img.height()), flags, text).adjusted(-8, -4, 8, 4)
        box.moveTo(48, 10)  # right of the zoom buttons
        p.fillRect(box, QColor(20, 24, 32, 200))
        p.setPen(QColor(255, 255, 255))
        p.drawText(box.adjusted(8, 4, -8, -4), flags, text)
    finally:
        p.end()


def _bounds(data: MapData, flt) -> list[float] | None:
    import numpy as np

    res = data.compute(Request(gen=1, flt=flt))
    if not res.feed_ids.size:
        return None
    idx = data.index
    pos = idx.positions_of(res.feed_ids)
    lat, lon = idx.lat64[pos], idx.lon64[pos]
    ok = ~np.isnan(lat)
    if not ok.any():
        return None
    # 1st–99th percentile, so one stray post does not zoom out to the whole country.
    la = np.percentile(lat[ok], [1, 99]) if ok.sum() > 50 else [lat[ok].min(), lat[ok].max()]
    lo = np.percentile(lon[ok], [1, 99]) if ok.sum() > 50 else [lon[ok].min(), lon[ok].max()]
    return [float(lo[0]), float(la[0]), float(lo[1]), float(la[1])]


def render_frames(db: Path, flt, frames: list[Frame], size: tuple[int, int], *, settle_s: float = 0.15) -> Iterator:
    """Yield one PIL image per frame: ``flt`` with the frame's time window, captioned.
    Raises VideoFailed when the page does not start or draw."""
    from desktop.cache import Cache
    from desktop.engine.index import ItemIndex
    from desktop.engine.loading import text_progress
    from desktop.ui.app import make_app
    from desktop.ui.map_view import MapView

    app = make_app()
    cache = Cache.open_readonly(db)
    view = None
    try:
        data = MapData(ItemIndex.load(cache.conn, progress=text_progress(sys.stderr)), cache.conn)  # the first open says how far
        view = MapView()
        view.resize(*size)
        view.show()
        if not _wait(app, lambda: view.bridge.is_ready, 60):
            raise VideoFailed("the map page did not start (is QtWebEngine installed?)")
        views: list[dict] = []
        view.bridge.viewChanged.connect(views.append)
        bounds = _bounds(data, flt.with_(start_ms=frames[0].start_ms, end_ms=frames[-1].end_ms)) if frames else None
        if bounds:
            n0 = len(views)
            view.bridge.send({"type": "fit", "bounds": bounds, "maxZoom": 16})
            _wait(app, lambda: len(views) > n0, 10)
        v = views[-1] if views else None
        map_view = View(v["bounds"], v["zoom"], v["width"], v["height"]) if v else None
        drawn: list[int] = []
        view.bridge.rendered.connect(lambda d: drawn.append(d["gen"]))
        if flt.areas:
            view.bridge.send({"type": "areas", "areas": [
                {"id": a.name, "name": a.name, "geometry": a.to_geojson(), "exclude": a.exclude, "visible": True,
                 "count": None, "selected": True} for a in flt.areas]})
        for k, fr in enumerate(frames):
            gen = k + 2
            res = data.compute(Request(gen=gen, flt=flt.with_(start_ms=fr.start_ms, end_ms=fr.end_ms), view=map_view))
            if res.page:
                view.bridge.send(res.page)
            view.bridge.send({"type": "units", "units": res.units})
            if res.page and not _wait(app, lambda: gen in drawn, 20):
                raise VideoFailed(f"the map page did not draw frame {k + 1} ({fr.caption})")
            _wait(app, lambda: False, settle_s)  # let the compositor paint the frame
            img = view.grab().toImage()
            _caption(img, f"{fr.caption} · {res.total} items")
            yield _qimage_to_pil(img)
        if view.map_page.js_errors:
            raise VideoFailed("page errors: " + "; ".join(view.map_page.js_errors))
    finally:
        if view is not None:
            view.shutdown()
            view.deleteLater()
        cache.close()


def _write_gif(frames, path: Path, fps: float) -> int:
    from PIL import Image

    pal = [im.convert("P", palette=Image.Palette.ADAPTIVE, colors=255) for im in frames]
    if not pal:
        raise VideoFailed(f"{path}: no frames")
    pal[0].save(path, format="GIF", save_all=True, append_images=pal[1:], duration=int(round(1000 / fps)), loop=0,
                optimize=False, disposal=1)
    return len(pal)


def _write_mp4(frames, path: Path, fps: float) -> int:
    import imageio.v2 as imageio
    import numpy as np

    n = 0
    with imageio.get_writer(path, format="FFMPEG", mode="I", fps=fps, codec="libx264", pixelformat="yuv420p",
                            macro_block_size=2, ffmpeg_log_level="error") as w:
        for im in frames:
            w.append_data(np.asarray(im))
            n += 1
    if not n:
        raise VideoFailed(f"{path}: no frames")
    return n


def write_video(db: Path, flt, frames: list[Frame], out: Path, size: tuple[int, int], fps: float,
                progress: Callable[[int], None] | None = None) -> int:
    """Render ``frames`` and write them to ``out`` (.gif or .mp4); returns the frame count."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise VideoFailed(f"{out}: a replay video is a .gif or an .mp4 file")
    if not out.parent.is_dir():
        raise VideoFailed(f"{out}: the folder {out.parent} does not exist")
    if suffix == ".mp4" and (size[0] % 2 or size[1] % 2):
        raise VideoFailed(f"{out}: an MP4 needs an even width and height (--size)")

    def counted():
        for k, im in enumerate(render_frames(Path(db), flt, frames, size), 1):
            if progress:
                progress(k)
            yield im

    part = out.with_name(f".{out.stem}.{os.getpid()}.part{suffix}")  # the writers go by the suffix
    try:
        n = (_write_gif if suffix == ".gif" else _write_mp4)(counted(), part, fps)
        os.replace(part, out)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise VideoFailed(f"{out}: cannot be written ({exc})") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return n
