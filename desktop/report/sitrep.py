"""The situation report as a PDF, in Korean or English.

:func:`build_report` reads the report's content (:func:`desktop.report.data.gather`)
and lays it out with fpdf2: title, period (KST and UTC), generation time, operator and
purpose, the map (a PNG the caller rendered), the timeline with its busiest intervals
marked, items per area or province, top hashtags and how they moved, incidents with
their tasks, alerts, verified posts and officer field updates.

Every label is in :data:`LABELS` in both languages. Text from the cache (posts, names,
alert messages) and from the user (operator, purpose) is drawn as plain text with the
library's text calls (markdown off): it is never read as markup. Hangul comes from the
bundled NanumGothic, emoji from the bundled Noto Emoji. The file is written under a
temporary name and renamed when complete, so a failure leaves no half-written PDF.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import time
from pathlib import Path
from typing import Callable

from desktop.core import paths
from desktop.core.atomic import write_atomic
from desktop.core.errors import SitmapError
from desktop.core.filters import Filter
from desktop.core.timefmt import fmt, fmt_range
from desktop.report.data import ReportData, gather


class ReportError(SitmapError):
    """The report could not be made (a bad output path, a missing font, an unreadable map image)."""


LANGS = ("ko", "en")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Situation report",
        "footer": "Sitmap situation report",
        "page": "page {n} of {total}",
        "period": "Period",
        "period_utc": "Period (UTC)",
        "generated": "Generated",
        "operator": "Operator",
        "purpose": "Purpose",
        "audit_head": "Audit head",
        "audit_head_note": "the audit trail's head at the time of writing, before this report's own entry",
        "filter": "Filter",
        "none": "—",
        "everything": "everything in the cache for the period",
        "summary": "Summary",
        "summary_text": "{total} items: {posts} public posts, {field} officer field updates.",
        "map": "Map of the period",
        "no_map": "The map was not rendered for this report.",
        "timeline": "Timeline",
        "timeline_note": "Items per {step}; the busiest intervals are marked in red.",
        "busiest": "Busiest intervals",
        "busiest_row": "{rank}. {when}: {n} items",
        "no_items": "No items in the period.",
        "areas_area": "Items per area",
        "areas_province": "Items per province",
        "exact": "Exact",
        "place": "Place",
        "inferred": "Inferred",
        "possibly_in": "Possibly in",
        "possibly_note": "Exact, place and inferred add up to the items. Possibly in: place or inferred items whose "
                         "circle reaches the area but is too large to count in it; not among the items.",
        "area": "Area",
        "province": "Province",
        "items": "Items",
        "share": "Share",
        "tags": "Top hashtags",
        "tags_note": "First half: until {mid}; second half: from {mid}.",
        "tag": "Hashtag",
        "first_half": "1st half",
        "second_half": "2nd half",
        "trend": "Trend",
        "rising": "rising",
        "falling": "falling",
        "steady": "steady",
        "new": "new",
        "no_tags": "No hashtags in the period.",
        "incidents": "Incidents",
        "incident": "Incident",
        "state": "State",
        "priority": "Priority",
        "created": "Opened",
        "tasks": "Tasks (unit, state, time to acknowledge)",
        "no_tasks": "no tasks",
        "not_acked": "not acknowledged",
        "no_incidents": "No incidents.",
        "alerts": "Alerts that fired",
        "time": "Time",
        "message": "Message",
        "status": "Status",
        "cleared": "cleared {t}",
        "acknowledged": "acknowledged",
        "active": "active",
        "no_alerts": "No alerts fired in the period.",
        "verified": "Verified posts",
        "field": "Officer field updates",
        "who": "From",
        "text": "Text",
        "place": "Place",
        "more": "Showing {shown} of {total}, oldest first.",
        "no_verified": "No verified posts in the period.",
        "no_field": "No field updates in the period.",
        "min": "{n} min",
        "hour": "{n} h",
        "day": "{n} d",
        "st_open": "open", "st_monitoring": "monitoring", "st_closed": "closed",
        "pr_routine": "routine", "pr_urgent": "urgent", "pr_critical": "critical",
        "ts_sent": "sent", "ts_delivered": "delivered", "ts_acknowledged": "acknowledged",
        "ts_on_scene": "on scene", "ts_done": "done", "ts_cancelled": "cancelled",
    },
    "ko": {
        "title": "상황 보고서",
        "footer": "Sitmap 상황 보고서",
        "page": "{n} / {total} 쪽",
        "period": "기간",
        "period_utc": "기간 (UTC)",
        "generated": "작성 시각",
        "operator": "작성자",
        "purpose": "목적",
        "audit_head": "감사 기록 헤드",
        "audit_head_note": "작성 시점의 감사 기록 헤드 (이 보고서의 기록 이전)",
        "filter": "조건",
        "none": "—",
        "everything": "기간 내 전체 항목",
        "summary": "요약",
        "summary_text": "전체 {total}건: 공개 게시물 {posts}건, 현장 경찰 보고 {field}건.",
        "map": "기간 내 지도",
        "no_map": "이 보고서에는 지도가 없습니다.",
        "timeline": "시간대별 추이",
        "timeline_note": "{step} 단위 건수이며, 가장 많은 구간은 빨간색으로 표시했습니다.",
        "busiest": "가장 많은 구간",
        "busiest_row": "{rank}. {when}: {n}건",
        "no_items": "기간 내 항목이 없습니다.",
        "areas_area": "구역별 건수",
        "areas_province": "시도별 건수",
        "exact": "정확",
        "place": "장소",
        "inferred": "추정",
        "possibly_in": "포함 가능",
        "possibly_note": "정확·장소·추정을 합하면 건수입니다. 포함 가능: 범위 원이 구역에 닿지만 너무 커서 "
                         "구역 안으로 세지 않은 장소·추정 항목이며 건수에 들어가지 않습니다.",
        "area": "구역",
        "province": "시도",
        "items": "건수",
        "share": "비율",
        "tags": "주요 해시태그",
        "tags_note": "전반: {mid} 이전, 후반: {mid} 이후.",
        "tag": "해시태그",
        "first_half": "전반",
        "second_half": "후반",
        "trend": "추세",
        "rising": "증가",
        "falling": "감소",
        "steady": "유지",
        "new": "신규",
        "no_tags": "기간 내 해시태그가 없습니다.",
        "incidents": "사건",
        "incident": "사건",
        "state": "상태",
        "priority": "우선순위",
        "created": "개시",
        "tasks": "지시 (부대, 상태, 확인까지 걸린 시간)",
        "no_tasks": "지시 없음",
        "not_acked": "미확인",
        "no_incidents": "사건이 없습니다.",
        "alerts": "발생한 경보",
        "time": "시각",
        "message": "내용",
        "status": "상태",
        "cleared": "{t} 해제",
        "acknowledged": "확인됨",
        "active": "진행 중",
        "no_alerts": "기간 내 발생한 경보가 없습니다.",
        "verified": "확인된 게시물",
        "field": "현장 경찰 보고",
        "who": "작성",
        "text": "내용",
        "place": "장소",
        "more": "전체 {total}건 중 {shown}건 (오래된 순).",
        "no_verified": "기간 내 확인된 게시물이 없습니다.",
        "no_field": "기간 내 현장 보고가 없습니다.",
        "min": "{n}분",
        "hour": "{n}시간",
        "day": "{n}일",
        "st_open": "진행", "st_monitoring": "관찰", "st_closed": "종료",
        "pr_routine": "일반", "pr_urgent": "긴급", "pr_critical": "최긴급",
        "ts_sent": "발송", "ts_delivered": "전달", "ts_acknowledged": "확인",
        "ts_on_scene": "현장 도착", "ts_done": "완료", "ts_cancelled": "취소",
    },
}

TEXT_LIMIT = 280  # characters of a post or update shown in a table
FONT = "nanum"
_NOT_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")

# A4 portrait, mm.
_MARGIN = 15
_WIDTH = 210 - 2 * _MARGIN
_INK = (30, 30, 30)
_MUTED = (110, 110, 110)
_ACCENT = (20, 70, 130)
_BAR = (120, 150, 190)
_HOT = (200, 40, 40)


def plain(text: str | None, limit: int | None = None) -> str:
    """One line of plain text: control and direction characters dropped, white space
    collapsed, cut to ``limit`` characters with an ellipsis."""
    s = _SPACE.sub(" ", _NOT_TEXT.sub(" ", text or "")).strip()
    if limit is not None and len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    return s


def _where(r) -> str:
    return "" if r.lat is None or r.lon is None else f"{r.lat:.4f}, {r.lon:.4f}"


def _duration(ms: int, L: dict[str, str]) -> str:
    minutes = ms / 60_000
    if minutes < 1:
        return f"{ms // 1000} s"
    if minutes < 120:
        return L["min"].format(n=int(round(minutes)))
    if minutes < 2880:
        return L["hour"].format(n=_num(minutes / 60))
    return L["day"].format(n=_num(minutes / 1440))


def _num(v: float) -> str:
    r = round(v, 1)
    return str(int(r)) if r == int(r) else str(r)


class _Doc:
    """fpdf2 with Sitmap's fonts, header and footer."""

    def __init__(self, lang: str, labels: dict[str, str] | None = None) -> None:
        from fpdf import FPDF

        L = {**LABELS[lang], **(labels or {})}  # another report (a campaign's) brings its own title and footer

        class Doc(FPDF):
            def footer(self) -> None:
                self.set_y(-12)
                self.set_font(FONT, size=8)
                self.set_text_color(*_MUTED)
                self.cell(_WIDTH / 2, 5, L["footer"], align="L")
                self.cell(_WIDTH / 2, 5, L["page"].format(n=self.page_no(), total="{nb}"), align="R")

        self.L = L
        self.pdf = Doc(orientation="P", unit="mm", format="A4")
        self.pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.pdf.set_auto_page_break(True, margin=18)
        self.pdf.set_title(L["title"])
        self.pdf.set_creator("Sitmap")
        self.pdf.set_lang("ko-KR" if lang == "ko" else "en")
        font = paths.resources_dir() / "fonts" / "NanumGothic-Regular.ttf"
        try:
            self.pdf.add_font(FONT, fname=str(font))
        except (OSError, RuntimeError, ValueError) as exc:
            raise ReportError(f"the report font {font} could not be read: {exc}") from None
        fallbacks = []
        for i, f in enumerate(sorted((paths.resources_dir() / "fonts" / "emoji").glob("*.woff2"))):
            try:  # emoji are a help: without them a post's emoji is left out, the text stays
                self.pdf.add_font(f"emoji{i}", fname=str(f))
                fallbacks.append(f"emoji{i}")
            except Exception:  # noqa: BLE001 (a damaged or unreadable emoji subset)
                continue
        if fallbacks:
            self.pdf.set_fallback_fonts(fallbacks)
        self.pdf.add_page()

    # -- text -----------------------------------------------------------------------------
    def heading(self, text: str) -> None:
        pdf = self.pdf
        if pdf.get_y() > 297 - 50:
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font(FONT, size=13)
        pdf.set_text_color(*_ACCENT)
        pdf.cell(_WIDTH, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_draw_color(*_ACCENT)
        pdf.line(_MARGIN, pdf.get_y(), _MARGIN + _WIDTH, pdf.get_y())
        pdf.ln(2)
        pdf.set_text_color(*_INK)

    def para(self, text: str, size: float = 10, color=_INK) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, size=size)
        pdf.set_text_color(*color)
        pdf.multi_cell(_WIDTH, size * 0.5, text, markdown=False, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*_INK)

    def field(self, label: str, value: str) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, size=10)
        pdf.set_text_color(*_MUTED)
        pdf.cell(32, 6, label)
        pdf.set_text_color(*_INK)
        pdf.multi_cell(_WIDTH - 32, 6, value or self.L["none"], markdown=False, new_x="LMARGIN", new_y="NEXT")

    def table(self, header: list[str], rows: list[list[str]], widths: tuple[float, ...], size: float = 8.5,
              align: tuple[str, ...] | None = None) -> None:
        from fpdf.fonts import FontFace

        pdf = self.pdf
        pdf.set_font(FONT, size=size)
        pdf.set_draw_color(190, 190, 190)
        pdf.set_fill_color(243, 246, 250)  # the table's row shading takes the current fill colour
        head = FontFace(family=FONT, emphasis="", color=(255, 255, 255), fill_color=_ACCENT)
        with pdf.table(col_widths=widths, width=_WIDTH, markdown=False, line_height=size * 0.5,
                       headings_style=head, text_align=align or "LEFT", padding=1, first_row_as_headings=True,
                       cell_fill_color=(243, 246, 250), cell_fill_mode="ROWS") as t:
            for r in [header] + rows:
                row = t.row()
                for c in r:
                    row.cell(c)
        pdf.ln(2)

    # -- drawings -------------------------------------------------------------------------
    def histogram(self, data: ReportData) -> None:
        L, pdf, h = self.L, self.pdf, data.histogram
        height, top = 55.0, pdf.get_y() + 4
        if top + height + 20 > 297 - 18:
            pdf.add_page()
            top = pdf.get_y() + 4
        left, width = _MARGIN + 12, _WIDTH - 12
        n = len(h.counts)
        peak = max(h.counts) if h.counts else 0
        bw = width / n
        pdf.set_draw_color(*_MUTED)
        pdf.line(left, top + height, left + width, top + height)
        pdf.line(left, top, left, top + height)
        pdf.set_font(FONT, size=7)
        pdf.set_text_color(*_MUTED)
        for frac in ((0, 0.5, 1) if peak else (0,)):
            y = top + height - frac * height
            pdf.set_xy(_MARGIN - 2, y - 2)
            pdf.cell(13, 4, str(int(round(peak * frac))), align="R")
        hot = {b: i + 1 for i, b in enumerate(h.busiest)}
        for i, c in enumerate(h.counts):
            if not c or not peak:
                continue
            bh = height * c / peak
            pdf.set_fill_color(*(_HOT if i in hot else _BAR))
            pdf.rect(left + i * bw + bw * 0.1, top + height - bh, bw * 0.8, bh, style="F")
            if i in hot:
                pdf.set_text_color(*_HOT)
                pdf.set_xy(left + i * bw - 3 + bw / 2, top + height - bh - 4.5)
                pdf.cell(6, 4, str(hot[i]), align="C")
        pdf.set_text_color(*_MUTED)
        ticks = max(1, n // 6)
        days = n * h.step_ms > 86_400_000  # ticks on several days say the date too
        for i in range(0, n + 1, ticks):
            x = left + i * bw
            pdf.line(x, top + height, x, top + height + 1.2)
            pdf.set_xy(x - 12, top + height + 1.5)
            t = h.start_ms + i * h.step_ms
            pdf.cell(24, 4, fmt(t)[5:10] + " " + fmt(t, date=False)[:5] if days else fmt(t, date=False)[:5],
                     align="C")
        pdf.set_text_color(*_INK)
        pdf.set_y(top + height + 8)
        step_min = h.step_ms // 60_000
        self.para(L["timeline_note"].format(step=_duration(step_min * 60_000, L)), size=8.5, color=_MUTED)
        if not h.busiest:
            self.para(L["no_items"])
            return
        pdf.ln(1)
        self.para(L["busiest"], size=10)
        for rank, b in enumerate(h.busiest, 1):
            a = h.start_ms + b * h.step_ms
            when = f"{fmt_range(a, a + h.step_ms)} ({fmt_range(a, a + h.step_ms, 'UTC').split(' ', 1)[1]})"
            self.para(L["busiest_row"].format(rank=rank, when=when, n=h.counts[b]), size=9)


def _render(data: ReportData, lang: str, *, operator: str, purpose: str, filter_text: str,
            map_png: Path | None, generated_ms: int, progress: Callable[[str], None],
            audit_head: str | None = None) -> bytes:
    doc = _Doc(lang)
    L, pdf = doc.L, doc.pdf
    pdf.set_font(FONT, size=20)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(_WIDTH, 12, L["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    doc.field(L["period"], fmt_range(data.start_ms, data.end_ms))
    doc.field(L["period_utc"], fmt_range(data.start_ms, data.end_ms, "UTC"))
    doc.field(L["generated"], f"{fmt(generated_ms)}  ({fmt(generated_ms, 'UTC')})")
    doc.field(L["operator"], plain(operator, 120))
    doc.field(L["purpose"], plain(purpose, 600))
    doc.field(L["filter"], plain(filter_text, 600) or L["everything"])
    if audit_head:  # SEQ:HASH before this report's own disclose entry, which follows it
        doc.field(L["audit_head"], f"{plain(audit_head, 120)}\n{L['audit_head_note']}")
    doc.heading(L["summary"])
    doc.para(L["summary_text"].format(total=f"{data.total:,}", posts=f"{data.posts:,}", field=f"{data.field_updates:,}"))

    progress("map")
    doc.heading(L["map"])
    if map_png is not None:
        try:
            from PIL import Image

            with Image.open(map_png) as im:
                w, h = im.size
            room = 297 - 18 - pdf.get_y() - 2
            iw = _WIDTH
            ih = iw * h / w
            if ih > room:
                ih, iw = room, room * w / h
            pdf.image(str(map_png), x=_MARGIN + (_WIDTH - iw) / 2, w=iw, h=ih)
        except (OSError, ValueError, SyntaxError) as exc:
            raise ReportError(f"the map image {map_png} could not be read: {exc}") from None
    else:
        doc.para(L["no_map"], color=_MUTED)

    progress("timeline")
    pdf.add_page()
    doc.heading(L["timeline"])
    doc.histogram(data)

    key = "areas_" + data.areas_by
    doc.heading(L[key])
    if data.areas:
        total = max(1, data.total)
        detail = getattr(data, "area_detail", None) or {}
        if data.areas_by == "area" and detail:
            rows = []
            for name, n in data.areas:
                d = detail.get(name, {})
                rows.append([plain(name, 80), f"{n:,}", f"{100 * n / total:.1f}%"]
                            + [f"{d.get(k, 0):,}" for k in ("exact", "place", "inferred", "possibly_in")])
            doc.table([L["area"], L["items"], L["share"], L["exact"], L["place"], L["inferred"], L["possibly_in"]],
                      rows, (62, 20, 18, 20, 20, 20, 20))
            doc.para(L["possibly_note"], size=8, color=_MUTED)
        else:
            rows = [[plain(name, 80), f"{n:,}", f"{100 * n / total:.1f}%"] for name, n in data.areas]
            doc.table([L["area" if data.areas_by == "area" else "province"], L["items"], L["share"]], rows,
                      (120, 30, 30))
    else:
        doc.para(L["no_items"], color=_MUTED)

    doc.heading(L["tags"])
    if data.tags:
        mid = data.start_ms + (data.end_ms - data.start_ms) // 2
        doc.para(L["tags_note"].format(mid=fmt(mid)), size=8.5, color=_MUTED)
        rows = []
        for t in data.tags:
            if t.first == 0:
                trend = L["new"]
            elif t.second > t.first * 1.2:
                trend = f"{L['rising']} +{100 * (t.second - t.first) / t.first:.0f}%"
            elif t.second < t.first / 1.2:
                trend = f"{L['falling']} -{100 * (t.first - t.second) / t.first:.0f}%"
            else:
                trend = L["steady"]
            rows.append(["#" + plain(t.tag, 60), f"{t.total:,}", f"{t.first:,}", f"{t.second:,}", trend])
        doc.table([L["tag"], L["items"], L["first_half"], L["second_half"], L["trend"]], rows, (70, 25, 25, 25, 35))
    else:
        doc.para(L["no_tags"], color=_MUTED)

    progress("incidents")
    doc.heading(L["incidents"])
    if data.incidents:
        rows = []
        for inc in data.incidents:
            tasks = "; ".join(
                f"{plain(t.unit, 40)} [{t.code}] {L.get('ts_' + t.state, t.state)}, "
                f"{_duration(t.ack_ms, L) if t.ack_ms is not None else L['not_acked']}" for t in inc.tasks)
            rows.append([f"{inc.id}. {plain(inc.name, 120)}", L.get("st_" + inc.state, inc.state),
                         L.get("pr_" + inc.priority, inc.priority), f"{inc.items:,}", fmt(inc.created_ms),
                         tasks or L["no_tasks"]])
        doc.table([L["incident"], L["state"], L["priority"], L["items"], L["created"], L["tasks"]], rows,
                  (42, 16, 16, 13, 28, 65))
    else:
        doc.para(L["no_incidents"], color=_MUTED)

    doc.heading(L["alerts"])
    if data.alerts:
        rows = []
        for a in data.alerts:
            status = (L["cleared"].format(t=fmt(a.cleared_ms, date=False)) if a.cleared_ms is not None
                      else L["active"])
            if a.acknowledged_ms is not None:
                status += f", {L['acknowledged']}"
            rows.append([fmt(a.t_ms), plain(a.area, 60) or L["none"], plain(a.message, 300), status])
        doc.table([L["time"], L["area"], L["message"], L["status"]], rows, (30, 30, 85, 35))
    else:
        doc.para(L["no_alerts"], color=_MUTED)

    progress("items")
    many_days = fmt(data.start_ms)[:10] != fmt(data.end_ms - 1)[:10]
    for key, rows_, total, empty in (("verified", data.verified, data.verified_total, "no_verified"),
                                     ("field", data.field, data.field_total, "no_field")):
        doc.heading(L[key])
        if not rows_:
            doc.para(L[empty], color=_MUTED)
            continue
        if total > len(rows_):
            doc.para(L["more"].format(shown=len(rows_), total=f"{total:,}"), size=8.5, color=_MUTED)
        rows = [[fmt(r.t_ms, date=many_days), plain(r.who, 40) or L["none"], plain(r.text, TEXT_LIMIT),
                 plain(r.place, 60) or _where(r)] for r in rows_]
        doc.table([L["time"], L["who"], L["text"], L["place"]], rows, (18, 32, 100, 30), size=8)

    progress("writing")
    try:
        return bytes(pdf.output())
    except Exception as exc:  # noqa: BLE001 (the library failing on content: said as one line)
        raise ReportError(f"the report could not be laid out: {type(exc).__name__}: {exc}") from None


def _write_atomic(out: Path, blob: bytes) -> None:
    write_atomic(out, blob, error=ReportError, what="the report ")


def build_report(conn: sqlite3.Connection, flt: Filter, out: str | os.PathLike, *, lang: str = "ko",
                 operator: str = "", purpose: str = "", map_png: str | os.PathLike | None = None,
                 generated_ms: int | None = None,
                 progress: Callable[[str], None] | None = None, audit_head: str | None = None) -> ReportData:
    """Write the situation report for ``flt`` over the cache ``conn`` to the PDF ``out``.

    ``lang`` is "ko" or "en"; ``map_png`` a rendered map of the filter (None: the report
    says it has no map). ``audit_head`` (``SEQ:HASH``), the audit trail's head as the report
    is written, is printed under the filter (the report's own disclose entry comes after it). ``progress`` hears the section being made ("data", "map",
    "timeline", "incidents", "items", "writing"). Returns what the report says. Raises
    :class:`ReportError`; the file appears only when complete.
    """
    if lang not in LANGS:
        raise ReportError(f"unknown report language {lang!r}: use ko or en")
    say = progress or (lambda _step: None)
    generated_ms = int(time.time() * 1000) if generated_ms is None else int(generated_ms)
    say("data")
    try:
        data = gather(conn, flt, english=lang == "en")
    except sqlite3.Error as exc:
        raise ReportError(f"the cache could not be read for the report: {exc}") from None
    logging.getLogger("fpdf").setLevel(logging.ERROR)  # glyphs no bundled font has are left out quietly
    bare = flt.with_(start_ms=None, end_ms=None)
    filter_text = "" if bare == Filter() else bare.describe()  # the period has its own lines
    blob = _render(data, lang, operator=operator, purpose=purpose, filter_text=filter_text,
                   map_png=Path(map_png) if map_png is not None else None, generated_ms=generated_ms, progress=say,
                   audit_head=audit_head)
    _write_atomic(Path(out), blob)
    return data
