"""``sitmap purposes [--json]``: the purposes Sitmap collects for (code, labels in Korean and
English, legal basis, retention period), from the purpose list in force."""

from __future__ import annotations

import json
import sys

from desktop.cli.common import EXIT_OK


def run(args) -> int:
    from desktop.core import purposes

    listed = purposes.load()
    if args.json:
        doc = {"source": str(purposes.source_path()),
               "purposes": [{"code": p.code, "label_ko": p.label_ko, "label_en": p.label_en,
                             "legal_basis_ko": p.legal_basis_ko, "legal_basis_en": p.legal_basis_en,
                             "retention_days": p.retention_days, "case_required": p.case_required}
                            for p in listed]}
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    print(f"purposes from {purposes.source_path()}")
    for p in listed:
        case = ", needs --case" if p.case_required else ""
        print(f"\n{p.code}  (kept {p.retention_days} days{case})")
        print(f"  {p.label_ko}")
        print(f"  {p.label_en}")
        print(f"  법적 근거: {p.legal_basis_ko}")
        print(f"  legal basis: {p.legal_basis_en}")
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("purposes", help="list the purposes Sitmap collects for, with legal basis and retention")
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(func=run, purpose_is_code=False)  # the list is what one reads to find a code
