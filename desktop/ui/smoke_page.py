"""The Qt half of the smoke test: font, translations, and the real map page drawing the
demo incident through the real URL scheme (see :mod:`desktop.ui.smoke`)."""

from __future__ import annotations

from pathlib import Path

import shiboken6

from desktop.core import paths
from desktop.ui.smoke_base import DRAW_TIMEOUT_S, PAGE_TIMEOUT_S, Checks
from desktop.ui.events import wait_until as _wait


def check_font() -> str:
    from PySide6.QtGui import QFontDatabase

    if "NanumGothic" not in QFontDatabase.families():
        raise RuntimeError("the bundled Korean font did not register")
    return "NanumGothic registered (Hangul renders without system fonts)"


def check_translations() -> str:
    """Sitmap's own Korean strings, Qt's, and the web engine's locale packs."""
    from PySide6.QtCore import QLibraryInfo, QTranslator

    qt_dir = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    for name, folder in (("sitmap_ko", paths.resources_dir() / "i18n"), ("qtbase_ko", qt_dir)):
        if not QTranslator().load(name, str(folder)):
            raise RuntimeError(f"cannot load {name}.qm from {folder}")
    locales = qt_dir / "qtwebengine_locales"
    missing = [p for p in ("ko.pak", "en-US.pak") if not (locales / p).is_file()]
    if missing:
        raise RuntimeError(f"no {', '.join(missing)} in {locales}")
    return f"sitmap_ko, qtbase_ko, web engine locales ({qt_dir})"


def _run_js(app, view, script: str, timeout_s: float = 5):
    """Evaluates a constant script (never built from data) and returns its result."""
    box: dict = {}
    view.page().runJavaScript(script, 0, lambda r: box.setdefault("r", r))
    if not _wait(app, lambda: "r" in box, timeout_s):
        raise RuntimeError(f"no answer to {script!r}")
    return box["r"]


def check_page(app, view) -> str:
    if not _wait(app, lambda: view.bridge.is_ready, PAGE_TIMEOUT_S):
        raise RuntimeError(f"the page did not say ready within {PAGE_TIMEOUT_S} s "
                           f"(served: {', '.join(view.scheme_handler.served) or 'nothing'})")
    kind = _run_js(app, view, "typeof L")
    if kind != "object":
        raise RuntimeError(f"typeof L is {kind!r}: Leaflet did not load")
    version = _run_js(app, view, "L.version")
    served = view.scheme_handler.served
    if "/vendor/leaflet/leaflet.js" not in served:
        raise RuntimeError("Leaflet was not served by the app scheme")
    return f"Leaflet {version} over sitmap://app ({len(served)} assets), bridge ready"


def _extent(index) -> list[float]:
    """The 1st–99th percentile box of the items, so one stray post does not zoom out."""
    import numpy as np

    lat, lon = index.lat64, index.lon64
    ok = ~np.isnan(lat)
    if not ok.any():
        raise RuntimeError("the demo cache has no positioned items")
    la = np.percentile(lat[ok], [1, 99])
    lo = np.percentile(lon[ok], [1, 99])
    return [float(lo[0]), float(la[0]), float(lo[1]), float(la[1])]


def check_render(app, view, db: Path, views: list, drawn: list) -> str:
    """The window's path: index → MapData.compute for the page's view → bridge → drew."""
    from desktop.cache import Cache
    from desktop.core.filters import Filter
    from desktop.engine.index import ItemIndex
    from desktop.engine.mapdata import MapData, Request, View

    cache = Cache.open_readonly(db)
    try:
        data = MapData(ItemIndex.load(cache.conn), cache.conn)
        n0 = len(views)
        view.bridge.send({"type": "fit", "bounds": _extent(data.index), "maxZoom": 16})
        if not _wait(app, lambda: len(views) > n0, 10) and not views:
            raise RuntimeError("the page reported no view")
        v = views[-1]
        res = data.compute(Request(gen=2, flt=Filter(), view=View(v["bounds"], v["zoom"], v["width"], v["height"])))
        if not res.page:
            raise RuntimeError("nothing to send to the page")
        view.bridge.send(res.page)
        if not _wait(app, lambda: any(d["gen"] == 2 for d in drawn), DRAW_TIMEOUT_S):
            raise RuntimeError(f"the page did not report drawing within {DRAW_TIMEOUT_S} s")
    finally:
        cache.close()
    d = [d for d in drawn if d["gen"] == 2][-1]
    if d["points"] + d["cells"] <= 0:
        raise RuntimeError(f"the page drew nothing ({d})")
    return f"{res.total} items, {res.in_view} in view: {d['mode']}, {d['points']} points, {d['cells']} cells"


def check_no_errors(map_page, page_errors: list[str]) -> str:
    errors = list(map_page.js_errors) + page_errors
    if errors:
        raise RuntimeError("; ".join(errors[:5]))
    return "none"


def check_offline(guard, map_page) -> str:
    """The page asked for nothing outside the app: nothing blocked, nothing external."""
    problems = []
    if guard.blocked:
        problems.append(f"blocked {len(guard.blocked)}: {', '.join(guard.blocked[:3])}")
    if guard.external:
        problems.append(f"external {len(guard.external)}: {', '.join(guard.external[:3])}")
    if map_page.refused:
        problems.append(f"refused navigation: {', '.join(map_page.refused[:3])}")
    if problems:
        raise RuntimeError("; ".join(problems))
    return "no request left sitmap://app"


def run_page_checks(checks: Checks, db: Path) -> None:
    from desktop.ui.app import make_app
    from desktop.ui.map_view import MapView

    app = make_app()
    checks.run("Korean font", check_font)
    checks.run("translations", check_translations)
    view = MapView()
    page_errors: list[str] = []
    views: list[dict] = []
    drawn: list[dict] = []
    # Errors the page's own handlers catch come over the bridge, not the console.
    view.bridge.pageLog.connect(lambda level, msg: page_errors.append(msg) if level == "error" else None)
    view.bridge.viewChanged.connect(views.append)
    view.bridge.rendered.connect(drawn.append)
    view.resize(1000, 700)
    view.show()
    try:
        if checks.run("map page", lambda: check_page(app, view)):
            checks.run("render demo incident", lambda: check_render(app, view, db, views, drawn))
        _wait(app, lambda: False, 0.3)  # late console messages arrive on the next turns
        checks.run("JavaScript errors", lambda: check_no_errors(view.map_page, page_errors))
        checks.run("offline", lambda: check_offline(view.guard, view.map_page))
    finally:
        # Deleted now, not later: the process exits right after, and a page that outlives
        # its profile at exit crashes the web engine (exit code 139 instead of ours).
        view.shutdown()
        shiboken6.delete(view)
        _wait(app, lambda: False, 0.2)
