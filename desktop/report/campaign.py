"""A campaign's report as a PDF, in Korean or English, through the situation report's
machinery (:class:`desktop.report.sitrep._Doc`: fonts, header, footer, tables, the
histogram).

It takes the campaign's figures as plain JSON values (``Figures.to_json()`` of
:mod:`desktop.campaigns`, optionally ``compare()`` of a second campaign) and lays them out:
the definition, the period in KST and UTC, the summary, posts over time, the districts
(counted in, by precision, and possibly in), authors, languages, placement, top posts by
engagement with the time the counts were captured, and a comparison. Post text and names
are drawn as plain text (markdown off). The file appears only when complete.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from types import SimpleNamespace

from desktop.core.timefmt import fmt, fmt_range
from desktop.report.data import BUSIEST, Histogram
from desktop.report.sitrep import LANGS, ReportError, _Doc, _write_atomic, plain

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Campaign report",
        "footer": "Sitmap campaign report",
        "campaign": "Campaign",
        "hashtags": "Hashtags",
        "keywords": "Keywords",
        "areas": "Areas",
        "all_areas": "anywhere",
        "summary": "Summary",
        "posts": "Posts",
        "unique_authors": "Unique authors",
        "new_authors": "New authors (first seen in the period)",
        "returning_authors": "Returning authors (seen before the period)",
        "posts_by_new": "Posts by new authors",
        "exact": "Located exactly",
        "place": "Located by a named place",
        "inferred": "Located by inference from the text",
        "unknown": "Not located",
        "time_series": "Posts over time",
        "districts": "By district",
        "districts_note": ("A post with an uncertainty circle counts in a district only when the circle is small enough "
                           "for it; {vague} posts were too vague for any district and are counted as 'possibly in' "
                           "every district their circle reaches. {outside} located posts are in no district, "
                           "{unplaced} have no position."),
        "district": "District",
        "in": "In",
        "possibly_in": "Possibly in",
        "no_districts": "No post of the campaign is in a built-in district.",
        "languages": "Languages",
        "language": "Language",
        "count": "Posts",
        "und": "not given",
        "top_posts": "Top posts by engagement",
        "engagement_note": ("Engagement is the sum of likes, reposts, replies, quotes, bookmarks, reactions, comments "
                            "and shares as the source gave them ({with_} of {posts} posts have counts), as captured "
                            "at the time shown. Impressions are the source's estimate: {impressions}."),
        "audience_note": ("From the authors' follower counts when read ({with_f} posts), estimated: potential "
                          "impressions {potential} (followers per post), reach {reach} (followers of the distinct "
                          "authors). Neither is what people saw."),
        "no_engagement": "No post of the campaign came with engagement counts.",
        "when": "Time",
        "author": "Author",
        "text": "Text",
        "engagement": "Engagement",
        "captured": "Counts as of",
        "compare": "Compared with {other}",
        "figure": "Figure",
        "shared_authors": "authors in both",
    },
    "ko": {
        "title": "캠페인 보고서",
        "footer": "Sitmap 캠페인 보고서",
        "campaign": "캠페인",
        "hashtags": "해시태그",
        "keywords": "키워드",
        "areas": "지역",
        "all_areas": "전체",
        "summary": "요약",
        "posts": "게시물",
        "unique_authors": "작성자 수",
        "new_authors": "신규 작성자 (기간 중 처음 등장)",
        "returning_authors": "재참여 작성자 (기간 전에도 등장)",
        "posts_by_new": "신규 작성자의 게시물",
        "exact": "정확한 위치",
        "place": "장소명으로 위치",
        "inferred": "본문에서 추정한 위치",
        "unknown": "위치 없음",
        "time_series": "시간대별 게시물",
        "districts": "지역별",
        "districts_note": ("불확실성 원이 있는 게시물은 원이 그 지역에 비해 충분히 작을 때만 지역에 포함됩니다. "
                           "{vague}건은 어느 지역에도 포함하기에 너무 모호하여, 원이 닿는 모든 지역에 '포함 가능'으로 "
                           "따로 셉니다. 위치가 있는 {outside}건은 어느 지역에도 없고, {unplaced}건은 위치가 없습니다."),
        "district": "지역",
        "in": "포함",
        "possibly_in": "포함 가능",
        "no_districts": "캠페인 게시물 중 기본 행정구역에 있는 것이 없습니다.",
        "languages": "언어",
        "language": "언어",
        "count": "게시물",
        "und": "표시 없음",
        "top_posts": "참여도 상위 게시물",
        "engagement_note": ("참여도는 출처가 제공한 좋아요, 리포스트, 답글, 인용, 북마크, 반응, 댓글, 공유의 합입니다 "
                            "(게시물 {posts}건 중 {with_}건에 수치가 있음). 수치는 표시된 수집 시각 기준입니다. "
                            "노출 수는 출처의 추정치입니다: {impressions}."),
        "audience_note": ("수집 당시 작성자 팔로워 수(게시물 {with_f}건) 기준 추정: 잠재 노출 {potential}(게시물별 "
                          "팔로워 합), 도달 {reach}(서로 다른 작성자의 팔로워 합). 실제로 본 사람 수가 아닙니다."),
        "no_engagement": "참여도 수치가 있는 캠페인 게시물이 없습니다.",
        "when": "시각",
        "author": "작성자",
        "text": "본문",
        "engagement": "참여도",
        "captured": "수집 시각",
        "compare": "{other}와(과) 비교",
        "figure": "항목",
        "shared_authors": "양쪽 모두의 작성자",
    },
}

# The comparison's rows (figures.COMPARE_ROWS) in Korean.
COMPARE_KO = {
    "posts": "게시물", "unique authors": "작성자 수", "new authors": "신규 작성자", "returning authors": "재참여 작성자",
    "exact": "정확한 위치", "by place": "장소명 위치", "by inference": "추정 위치", "not located": "위치 없음",
    "in districts": "지역에 포함", "districts reached": "게시물이 있는 지역 수",
    "posts with engagement counts": "참여도 수치가 있는 게시물", "engagement": "참여도",
    "impressions (estimated)": "노출 수 (추정)", "potential impressions (estimated)": "잠재 노출 (추정)",
    "reach (estimated)": "도달 (추정)", "busiest bin": "가장 많은 구간의 게시물", "authors in both": "양쪽 모두의 작성자",
}


def _n(v) -> str:
    return f"{v:,}" if isinstance(v, int) else str(v)


def _render(fig: dict, lang: str, *, operator: str, purpose: str, generated_ms: int, comparison: dict | None,
            audit_head: str | None) -> bytes:
    L = LABELS[lang]
    doc = _Doc(lang, {"title": L["title"], "footer": L["footer"]})
    pdf = doc.pdf
    S = doc.L  # the situation report's labels (period, generated, operator…) with this title and footer
    c = fig["campaign"]
    pdf.set_font("nanum", size=20)
    pdf.set_text_color(20, 70, 130)
    pdf.cell(0, 12, L["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    doc.field(L["campaign"], plain(c["name"], 200))
    doc.field(L["hashtags"], " ".join("#" + t for t in c["hashtags"]) or S["none"])
    doc.field(L["keywords"], ", ".join(plain(k, 100) for k in c["keywords"]) or S["none"])
    doc.field(L["areas"], ", ".join(plain(a["name"], 100) for a in fig.get("area_names", [])) or L["all_areas"])
    doc.field(S["period"], fmt_range(c["from_ms"], c["to_ms"]))
    doc.field(S["period_utc"], fmt_range(c["from_ms"], c["to_ms"], "UTC"))
    doc.field(S["generated"], f"{fmt(generated_ms)}  ({fmt(generated_ms, 'UTC')})")
    doc.field(S["operator"], plain(operator, 120))
    doc.field(S["purpose"], plain(purpose, 600))
    if audit_head:
        doc.field(S["audit_head"], audit_head)

    doc.heading(L["summary"])
    a, g = fig["authors"], fig["geolocated"]
    rows = [[L["posts"], _n(fig["posts"])], [L["unique_authors"], _n(a.get("unique", 0))],
            [L["new_authors"], _n(a.get("new", 0))], [L["returning_authors"], _n(a.get("returning", 0))],
            [L["posts_by_new"], _n(a.get("posts_by_new", 0))]]
    rows += [[L[k], _n(g.get(k, 0))] for k in ("exact", "place", "inferred", "unknown")]
    doc.table([L["summary"], L["count"]], rows, (120, 60), align=("LEFT", "RIGHT"))

    doc.heading(L["time_series"])
    ts = fig["time_series"]
    counts = ts["counts"]
    order = sorted(range(len(counts)), key=lambda i: (-counts[i], i))
    busiest = [i for i in order[:BUSIEST] if counts[i] > 0]
    doc.histogram(SimpleNamespace(histogram=Histogram(ts["start_ms"], ts["bin_ms"], counts, busiest)))

    doc.heading(L["districts"] + (f" ({plain(fig['boundaries'], 60)})" if fig.get("boundaries") else ""))
    p = fig["placement"]
    doc.para(L["districts_note"].format(vague=_n(p.get("vague", 0)), outside=_n(p.get("outside", 0)),
                                        unplaced=_n(p.get("unplaced", 0))), size=8.5)
    pdf.ln(1)
    if fig["districts"]:
        key = "name_eng" if lang == "en" else "name"
        rows = [[plain(d.get(key) or d["name"], 60), _n(d["in"]), _n(d["exact"]), _n(d["place"]), _n(d["inferred"]),
                 _n(d["possibly_in"])] for d in fig["districts"][:40]]
        doc.table([L["district"], L["in"], L["exact"], L["place"], L["inferred"], L["possibly_in"]], rows,
                  (62, 20, 24, 24, 24, 26), align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"))
    else:
        doc.para(L["no_districts"])

    doc.heading(L["languages"])
    doc.table([L["language"], L["count"]], [[L["und"] if k == "und" else plain(k, 20), _n(v)]
                                             for k, v in fig["languages"][:12]], (120, 60), align=("LEFT", "RIGHT"))

    doc.heading(L["top_posts"])
    e = fig["engagement"]
    doc.para(L["engagement_note"].format(with_=_n(e.get("posts_with_counts", 0)), posts=_n(fig["posts"]),
                                         impressions=_n(e.get("impressions_estimated", 0))), size=8.5)
    if e.get("posts_with_followers"):
        doc.para(L["audience_note"].format(with_f=_n(e["posts_with_followers"]),
                                           potential=_n(e.get("potential_impressions_estimated", 0)),
                                           reach=_n(e.get("reach_estimated", 0))), size=8.5)
    pdf.ln(1)
    if fig["top_posts"]:
        rows = [[fmt(t["t_ms"]), plain(t["author"] or "", 30), plain(t["text"], 160), _n(t["engagement"]),
                 fmt(t["captured_ms"]) if t.get("captured_ms") else S["none"]] for t in fig["top_posts"]]
        doc.table([L["when"], L["author"], L["text"], L["engagement"], L["captured"]], rows, (28, 26, 80, 18, 28),
                  size=8, align=("LEFT", "LEFT", "LEFT", "RIGHT", "LEFT"))
    else:
        doc.para(L["no_engagement"])

    if comparison:
        doc.heading(L["compare"].format(other=plain(comparison["b"], 80)))
        rows = [[COMPARE_KO.get(r[0], r[0]) if lang == "ko" else r[0], _n(r[1]), _n(r[2])]
                for r in comparison["rows"]]
        doc.table([L["figure"], plain(comparison["a"], 40), plain(comparison["b"], 40)], rows, (90, 45, 45),
                  align=("LEFT", "RIGHT", "RIGHT"))
    try:
        return bytes(pdf.output())
    except Exception as exc:  # noqa: BLE001 (the library failing on content: said as one line)
        raise ReportError(f"the campaign report could not be laid out: {type(exc).__name__}: {exc}") from None


def build_campaign_report(figures: dict, out: str | os.PathLike, *, lang: str = "ko", operator: str = "",
                          purpose: str = "", comparison: dict | None = None, generated_ms: int | None = None,
                          audit_head: str | None = None) -> None:
    """Write the PDF of a campaign's ``figures`` (``Figures.to_json()``) to ``out``;
    ``comparison`` (``compare(a, b)``) adds a side-by-side table. Raises ReportError."""
    if lang not in LANGS:
        raise ReportError(f"unknown report language {lang!r}: use ko or en")
    logging.getLogger("fpdf").setLevel(logging.ERROR)
    generated_ms = int(time.time() * 1000) if generated_ms is None else int(generated_ms)
    blob = _render(figures, lang, operator=operator, purpose=purpose, generated_ms=generated_ms,
                   comparison=comparison, audit_head=audit_head)
    _write_atomic(Path(out), blob)
