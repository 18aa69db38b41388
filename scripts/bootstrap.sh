#!/usr/bin/env bash
# Sets up everything Sitmap needs in .venv (idempotent; quick when nothing changed).
# Used by ./sitmap-demo and ./run-tests, so a fresh clone needs no other step.
set -euo pipefail
cd "$(dirname "$0")/.."

pick_python() {
  for p in python3.13 python3.12 python3.11 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$p"; return 0
    fi
  done
  return 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

if ! PY=$(pick_python); then
  echo "Sitmap needs Python 3.11 or newer; installing it from the system packages…" >&2
  as_root apt-get update -qq && as_root apt-get install -y -qq python3 python3-venv >/dev/null
  PY=$(pick_python) || { echo "no Python 3.11+ available" >&2; exit 1; }
fi

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    as_root apt-get update -qq && as_root apt-get install -y -qq python3-venv >/dev/null
    "$PY" -m venv .venv
  fi
fi

stamp=.venv/.sitmap-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing Sitmap and its packages into .venv…" >&2
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[test]'
  touch "$stamp"
fi

# QtWebEngine and Qt's X11 plugin need a few system libraries that minimal machines lack:
# the web engine fails to import without them; the X11 plugin only fails when a window
# opens ("could not load the Qt platform plugin xcb"), so its libraries are checked too.
qxcb=$(.venv/bin/python -c 'import pathlib, PySide6; print(pathlib.Path(PySide6.__file__).parent / "Qt/plugins/platforms/libqxcb.so")' 2>/dev/null || true)
missing_xcb=""
if [ -n "$qxcb" ] && [ -f "$qxcb" ] && command -v ldd >/dev/null; then
  missing_xcb=$(LD_LIBRARY_PATH="$(dirname "$qxcb")/../../lib" ldd "$qxcb" 2>/dev/null | awk '/not found/ {print $1}' | tr '\n' ' ')
fi
if [ -n "$missing_xcb" ] || ! .venv/bin/python -c 'from PySide6 import QtWebEngineCore' >/dev/null 2>&1; then
  [ -n "$missing_xcb" ] && echo "Qt's window plugin lacks: $missing_xcb" >&2
  echo "Installing the system libraries the map view needs…" >&2
  as_root apt-get update -qq || true
  as_root apt-get install -y -qq libnss3 libxkbcommon0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 \
    libdbus-1-3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libasound2 libxshmfence1 libgbm1 libxkbfile1 \
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 >/dev/null || true
fi

# The report tests read the PDFs back with poppler (pdftotext, pdftoppm).
if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
  echo "Installing poppler-utils (the report tests read PDFs with it)…" >&2
  as_root apt-get update -qq || true
  as_root apt-get install -y -qq poppler-utils >/dev/null || true
fi

# The shared store tests run a real PostgreSQL with PostGIS (tests/sync/pg.py starts it).
if [ ! -x /usr/lib/postgresql/15/bin/initdb ] || [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then
  echo "Installing PostgreSQL 15 and PostGIS (the shared store tests run a real server)…" >&2
  as_root apt-get update -qq || true
  as_root apt-get install -y -qq postgresql-15 postgresql-15-postgis-3 >/dev/null || true
fi
