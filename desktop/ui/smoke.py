"""`sitmap --smoke-test`: proves that this build of Sitmap works on this machine, offline.

A field laptop gets an installer and no developer. This runs the parts that break when
an installer leaves something out: the shipped resources, the bundled time zones and
translations, the Korean font, every importer (they are loaded by name, so a bundle can
silently miss one), GDAL and PROJ reading a boundary file, the demo incident written to
a cache, and the real map page served through the real URL scheme, drawing that
incident. It prints one line per check and returns 0 only if every check passed.

It never needs the network: everything is made in a temporary folder, and a check fails
if the page so much as tried to reach outside the app. A watchdog ends the process with
exit code 1 if the whole run takes longer than ``HARD_TIMEOUT_S``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from desktop import __version__
from desktop.core import paths
from desktop.ui.smoke_base import HARD_TIMEOUT_S, Checks

# Two 1 km squares near Seoul City Hall in Korea 2000 / Unified CS, the projection
# Korean boundary files use; read back they must land at about 127.0 E, 37.56 N.
KOREA_CRS = "EPSG:5179"
SQUARES = [(953_000, 1_951_000), (955_000, 1_951_000)]
SHIPPED = ["web/sitmap.js", "web/canvas_layers.js", "web/vendor/protomaps-leaflet/protomaps-leaflet.js",
           "fonts/NanumGothic-Regular.ttf", "fonts/emoji/noto-emoji-5-400-normal.woff2", "i18n/sitmap_ko.qm",
           "basemap/land.json", "boundaries/kostat2018-skorea-provinces-2018-topo-simple.json",
           "boundaries/kostat2018-skorea-municipalities-2018-topo-simple.json",
           "boundaries/kostat2018-skorea-submunicipalities-2018-topo-simple.json"]


def prepare_environment() -> None:
    """Offscreen when there is no display. The web engine's sandbox is decided where the
    window decides it (:func:`desktop.ui.webengine.prepare_chromium`, through ``make_app``):
    on, except as root, where Chromium cannot use it and the run says so on stderr."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _within_bundle(path: Path | str | None, what: str) -> str:
    """Says where a data folder is; when frozen it must be inside the bundle, not the system."""
    if not path:
        raise RuntimeError(f"no {what} found")
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle and not Path(path).resolve().is_relative_to(Path(bundle).resolve()):
        raise RuntimeError(f"{what} {path} is outside the bundle")
    return str(path)


def check_resources() -> str:
    res = paths.resources_dir()
    missing = [p for p in SHIPPED if not (res / p).is_file()]
    scenario = paths.project_data_dir() / "demo_scenario.json"
    if not scenario.is_file():
        missing.append(str(scenario))
    if missing:
        raise RuntimeError("missing " + ", ".join(missing))
    return str(res.parent)


def check_timezone() -> str:
    """Asia/Seoul from the bundled tz database, with the system's hidden (field laptops may lack it)."""
    import zoneinfo
    from datetime import datetime

    saved = zoneinfo.TZPATH
    zoneinfo.reset_tzpath(to=[])
    try:
        seoul = zoneinfo.ZoneInfo.no_cache("Asia/Seoul")
    finally:
        zoneinfo.reset_tzpath(to=saved)
    off = datetime(2026, 11, 14, 12, tzinfo=seoul).utcoffset()
    if off is None or off.total_seconds() != 9 * 3600:
        raise RuntimeError(f"Asia/Seoul offset is {off}")
    return "Asia/Seoul is UTC+09:00 (bundled tzdata)"


def check_importers() -> str:
    import importlib

    from desktop.importers import FORMAT_MODULES

    for fmt, mod in FORMAT_MODULES.items():
        m = importlib.import_module(f"desktop.importers.{mod}")
        if not (callable(getattr(m, "sniff", None)) and callable(getattr(m, "read", None))):
            raise RuntimeError(f"{fmt}: module {mod} has no sniff/read")
    return ", ".join(FORMAT_MODULES)


def check_modules_by_name() -> str:
    """The window's panels, which are loaded by name (a bundle could miss one)."""
    from desktop.ui.panels import PANELS, panel_classes

    panels = panel_classes()
    if [p.name for p in panels] != list(PANELS):
        raise RuntimeError("panel names do not match their modules")
    return ", ".join(PANELS)


def check_places() -> str:
    """The offline place search's GeoNames cities (read from the package's data folder)."""
    from desktop.basemap.places import load_cities

    cities = load_cities()
    if not any(c.name == "서울" for c in cities):
        raise RuntimeError(f"{len(cities)} cities and no 서울")
    return f"{len(cities)} GeoNames cities, 서울 among them"


def check_live_decoding() -> str:
    """A field update as a TAK protobuf datagram, decoded the way live feeds decode it
    (the protobuf runtime is a compiled module the bundle must carry)."""
    from takproto.proto import TakMessage

    from desktop.live.codec import datagram_records

    m = TakMessage()
    ev = m.cotEvent
    ev.type, ev.uid, ev.how = "a-f-G-U-i-l", "SMOKE-1", "m-g"
    ev.sendTime, ev.startTime, ev.staleTime = 1_777_777_777_000, 1_777_777_777_000, 1_777_778_077_000
    ev.lat, ev.lon, ev.hae, ev.ce, ev.le = 37.5663, 126.9779, 999999.0, 12.0, 999999.0
    ev.detail.contact.callsign = "순찰1"
    records = datagram_records(b"\xbf\x01\xbf" + m.SerializeToString())
    if not records:
        raise RuntimeError("the datagram gave no records")
    return f"TAK protobuf datagram -> {len(records)} records"


def check_geo_data() -> str:
    import pyogrio
    import pyproj.datadir

    proj = Path(pyproj.datadir.get_data_dir())
    if not (proj / "proj.db").is_file():
        raise RuntimeError(f"no proj.db in {proj}")
    _within_bundle(proj, "PROJ data")
    gdal = _within_bundle(pyogrio.get_gdal_data_path(), "GDAL data")
    return f"GDAL {pyogrio.__gdal_version_string__}, data {gdal}; PROJ data {proj}"


def check_builtin_districts() -> str:
    """The shipped KOSTAT 2018 districts read (TopoJSON through GDAL) at all three levels."""
    from desktop.core import kostat

    counts = [len(kostat.units(level)) for level in kostat.LEVELS]
    if counts != [17, 250, 3504]:
        raise RuntimeError(f"expected 17/250/3504 districts, read {counts}")
    u = kostat.resolve("명동")
    return f"{'/'.join(map(str, counts))} (시도/시군구/읍면동); 명동 = {u['qualified']} ({u['code']})"


def check_geoparser() -> str:
    """The Korean analyser's model loads (it is the bundle's largest part) and a post is
    placed from its text: a particle read off, a name repeated across cities decided."""
    from desktop.geoparse import morph
    from desktop.geoparse.parser import Geoparser
    from desktop.geoparse.run import in_memory_builtin

    tags = {t.form: t.tag for t in morph.tokens("종로구에서 집회")}
    if not any(form == "종로구" for form in tags):
        raise RuntimeError(f"the analyser did not split the particle off: {tags}")
    parser = Geoparser(in_memory_builtin())
    res = parser.parse("부산 중구 남포동에서 실종 아동 목격")
    inf = res.inference
    if res.status != "placed" or inf is None or not (35.0 < inf.lat < 35.2 and 128.9 < inf.lon < 129.1):
        raise RuntimeError(f"'부산 중구 남포동' was not placed in Busan: {res}")
    return f"'부산 중구 남포동에서' placed at {inf.lat:.3f}, {inf.lon:.3f} ±{inf.radius_m:.0f} m ({inf.confidence:.2f})"


def check_shared_store_driver() -> str:
    """The shared store's driver and its compiled part load (no server is needed)."""
    import psycopg

    return f"psycopg {psycopg.__version__}, libpq {psycopg.pq.version()} ({psycopg.pq.__impl__})"


def check_boundaries(tmp: Path, driver: str, suffix: str) -> str:
    """Writes two polygons in the Korean projection and reads them back as WGS84 areas."""
    import geopandas as gpd
    from shapely.geometry import box

    from desktop.core.geo import areas_from_file

    gdf = gpd.GeoDataFrame({"name": ["중구 A", "중구 B"]},
                           geometry=[box(x, y, x + 1000, y + 1000) for x, y in SQUARES], crs=KOREA_CRS)
    f = tmp / f"districts{suffix}"
    gdf.to_file(f, driver=driver)
    areas = areas_from_file(f)
    if [a.name for a in areas] != ["중구 A", "중구 B"]:
        raise RuntimeError(f"read back {[a.name for a in areas]}")
    lon, lat = areas[0].geometry.centroid.coords[0]
    if not (126.9 < lon < 127.1 and 37.5 < lat < 37.6):
        raise RuntimeError(f"reprojected to {lon:.4f}, {lat:.4f}, not Seoul")
    return f"2 polygons {KOREA_CRS} -> WGS84 at {lon:.4f} E {lat:.4f} N"


def check_demo(db: Path) -> str:
    from desktop.cache import Cache
    from desktop.demo.generator import write_demo

    cache = Cache.open(db)
    try:
        stats = write_demo(cache, seed=7)
    finally:
        cache.close()
    if stats.accepted <= 0:
        raise RuntimeError("the demo wrote no items")
    return f"{stats.accepted} items in a temporary cache"


def run_smoke_test() -> int:
    """Run every check; 0 when all passed, 1 otherwise (or when the watchdog fires)."""
    prepare_environment()
    checks = Checks()
    t0 = time.monotonic()

    def expire() -> None:
        checks.say(f"FAIL  smoke test: no result within {HARD_TIMEOUT_S} s (hard timeout)")
        os._exit(1)

    watchdog = threading.Timer(HARD_TIMEOUT_S, expire)
    watchdog.daemon = True
    watchdog.start()
    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    checks.say(f"Sitmap {__version__} smoke test ({frozen}, Python {sys.version.split()[0]}, {sys.platform})")
    try:
        with tempfile.TemporaryDirectory(prefix="sitmap-smoke-") as tmp:
            tmp_path = Path(tmp)
            checks.run("resources", check_resources)
            checks.run("time zones", check_timezone)
            checks.run("importers", check_importers)
            checks.run("window panels", check_modules_by_name)
            checks.run("place search", check_places)
            checks.run("live feed decoding", check_live_decoding)
            checks.run("GDAL and PROJ data", check_geo_data)
            checks.run("built-in districts", check_builtin_districts)
            checks.run("geoparser", check_geoparser)
            checks.run("shared store driver", check_shared_store_driver)
            checks.run("GeoPackage boundaries", lambda: check_boundaries(tmp_path, "GPKG", ".gpkg"))
            checks.run("GeoJSON boundaries", lambda: check_boundaries(tmp_path, "GeoJSON", ".geojson"))
            db = tmp_path / "smoke.db"
            if checks.run("demo cache", lambda: check_demo(db)):
                try:
                    from desktop.ui.smoke_page import run_page_checks

                    run_page_checks(checks, db)
                except Exception as exc:  # Qt itself failed to start: still one line, still exit 1
                    checks.failed.append("window toolkit")
                    checks.say(f"FAIL  window toolkit: {type(exc).__name__}: {exc}")
            else:
                checks.say("FAIL  map page: not tried (no demo cache to draw)")
                checks.failed.append("map page")
    finally:
        watchdog.cancel()
    dt = time.monotonic() - t0
    if checks.failed:
        checks.say(f"smoke test FAILED: {len(checks.failed)} of {len(checks.failed) + checks.passed} checks "
                   f"({', '.join(checks.failed)}) in {dt:.1f} s")
        return 1
    checks.say(f"smoke test passed: {checks.passed} checks in {dt:.1f} s")
    return 0


def main() -> None:
    """Entry for ``python -m desktop.ui.smoke`` (the same as ``sitmap --smoke-test``)."""
    sys.exit(run_smoke_test())


if __name__ == "__main__":
    main()
