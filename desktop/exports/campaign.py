"""A campaign's figures as JSON or CSV (``sitmap campaign report --format json|csv``).

Both take the figures as plain values (``Figures.to_json()`` of :mod:`desktop.campaigns`)
and write them under a temporary name, renamed when complete. JSON adds the period and
each time-series bin in KST and UTC; the CSV is long and tidy, one number (or one post's
text) per row: ``section, key, label, metric, value, time_kst, time_utc``. Text cells that
begin like a spreadsheet formula are defused as in the items' CSV export.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from desktop.core.atomic import write_atomic
from desktop.core.errors import SitmapError
from desktop.core.timefmt import fmt, iso_utc
from desktop.exports.csv import defuse

FORMATS = ("json", "csv")
CSV_HEADER = ("section", "key", "label", "metric", "value", "time_kst", "time_utc")


class CampaignExportError(SitmapError):
    """The campaign's figures could not be written (a bad path, a full disk)."""


def as_json(fig: dict, comparison: dict | None = None) -> dict:
    """The figures with the times spelt out (KST and UTC) beside the milliseconds."""
    out = dict(fig)
    c = fig["campaign"]
    out["period"] = {"from_kst": fmt(c["from_ms"]), "to_kst": fmt(c["to_ms"]), "from_utc": iso_utc(c["from_ms"]),
                     "to_utc": iso_utc(c["to_ms"])}
    ts = fig["time_series"]
    out["time_series"] = {**ts, "bins": [
        {"start_kst": fmt(ts["start_ms"] + i * ts["bin_ms"]), "start_utc": iso_utc(ts["start_ms"] + i * ts["bin_ms"]),
         "posts": n} for i, n in enumerate(ts["counts"])]}
    out["top_posts"] = [{**p, "time_kst": fmt(p["t_ms"]), "time_utc": iso_utc(p["t_ms"])} for p in fig["top_posts"]]
    if comparison is not None:
        out["comparison"] = comparison
    return out


def csv_rows(fig: dict, comparison: dict | None = None) -> list[tuple]:
    rows: list[tuple] = []
    c = fig["campaign"]

    def add(section, key, label, metric, value, t=None):
        rows.append((section, key, label, metric, value, fmt(t) if t is not None else "",
                     iso_utc(t) if t is not None else ""))

    add("campaign", "", c["name"], "from", "", c["from_ms"])
    add("campaign", "", c["name"], "to", "", c["to_ms"])
    add("campaign", "", c["name"], "hashtags", " ".join("#" + t for t in c["hashtags"]))
    add("campaign", "", c["name"], "keywords", ", ".join(c["keywords"]))
    add("campaign", "", c["name"], "areas", ", ".join(a["name"] for a in fig.get("area_names", [])))
    add("summary", "", "", "posts", fig["posts"])
    for k, v in fig["authors"].items():
        if k != "top":
            add("authors", "", "", k, v)
    for k, v in fig["geolocated"].items():
        add("geolocated", "", "", k, v)
    for k, v in fig["placement"].items():
        add("placement", "", "", k, v)
    ts = fig["time_series"]
    for i, n in enumerate(ts["counts"]):
        add("time", str(i), "", "posts", n, ts["start_ms"] + i * ts["bin_ms"])
    for d in fig["districts"]:
        for m in ("in", "exact", "place", "inferred", "possibly_in"):
            add("district", d["code"], d["name"], m, d[m])
    for lang, n in fig["languages"]:
        add("language", lang, "", "posts", n)
    for k in ("posts_with_counts", "posts_without_counts", "total", "impressions_estimated", "posts_with_followers",
              "potential_impressions_estimated", "reach_estimated"):
        add("engagement", "", "", k, fig["engagement"].get(k, 0))
    for rank, p in enumerate(fig["top_posts"], 1):
        key = f"{p['source']}:{p['source_id']}"
        add("top_post", key, p["author"] or "", "rank", rank, p["t_ms"])
        add("top_post", key, p["author"] or "", "engagement", p["engagement"], p["t_ms"])
        for m, v in p["metrics"].items():
            add("top_post", key, p["author"] or "", m, v, p.get("captured_ms"))
        add("top_post", key, p["author"] or "", "text", p["text"], p["t_ms"])
    if comparison is not None:
        for label, a, b in comparison["rows"]:
            add("compare", comparison["a"], label, "a", a)
            add("compare", comparison["b"], label, "b", b)
    return rows


def write(fig: dict, out: str | os.PathLike, fmt_name: str, comparison: dict | None = None) -> None:
    """Write ``fig`` as ``fmt_name`` ("json" or "csv") to ``out``."""
    out = Path(out)
    if fmt_name == "json":
        data = json.dumps(as_json(fig, comparison), ensure_ascii=False, indent=1).encode("utf-8") + b"\n"
    elif fmt_name == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(CSV_HEADER)
        for r in csv_rows(fig, comparison):
            w.writerow([defuse(v) for v in r])
        data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    else:
        raise CampaignExportError(f"unknown format {fmt_name!r}: json, csv or pdf")
    write_atomic(out, data, error=CampaignExportError)
