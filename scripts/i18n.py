"""Keep the Korean catalogue in step with the code.

    .venv/bin/python scripts/i18n.py                 # update from the code, list what lacks Korean
    .venv/bin/python scripts/i18n.py --set "English=한국어" ...   # translate, then compile

It runs pyside6-lupdate over desktop/ui (keeping existing translations, dropping texts
the code no longer has), fills a missing translation from any other context with the
same English text, applies --set pairs, and compiles sitmap_ko.qm with pyside6-lrelease.
tests/ui/test_i18n.py fails while any interface text lacks Korean.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "resources" / "i18n" / "sitmap_ko.ts"
QM = TS.with_suffix(".qm")
BIN = Path(sys.executable).parent


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", action="append", default=[], metavar="ENGLISH=KOREAN")
    args = ap.parse_args()
    sources = sorted(str(p) for p in (ROOT / "desktop" / "ui").rglob("*.py"))
    subprocess.run([str(BIN / "pyside6-lupdate"), *sources, "-ts", str(TS), "-no-obsolete"], check=True,
                   capture_output=True)
    tree = ET.parse(TS)
    known = {}
    for m in tree.getroot().iter("message"):
        t = m.find("translation")
        if t is not None and t.text and t.get("type") is None:
            known.setdefault(m.findtext("source"), t.text)
    for pair in args.set:
        en, sep, ko = pair.partition("=")
        if not sep:
            ap.error(f"--set takes ENGLISH=KOREAN, not {pair!r}")
        known[en.replace("\\n", "\n")] = ko.replace("\\n", "\n")
    missing = []
    for ctx in tree.getroot().iter("context"):
        for m in ctx.iter("message"):
            src, t = m.findtext("source"), m.find("translation")
            if t.get("type") is None and t.text and src not in dict(p.partition("=")[::2] for p in args.set):
                continue
            if src in known:
                t.text = known[src]
                t.attrib.pop("type", None)
            else:
                missing.append((ctx.findtext("name"), src))
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    text = TS.read_text(encoding="utf-8").replace("<?xml version='1.0' encoding='utf-8'?>",
                                                 '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>', 1)
    TS.write_text(text, encoding="utf-8")
    subprocess.run([str(BIN / "pyside6-lrelease"), str(TS), "-qm", str(QM)], check=True, capture_output=True)
    for ctx, src in missing:
        print(f"no Korean yet: [{ctx}] {src!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
