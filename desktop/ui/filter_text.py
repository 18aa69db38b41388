"""The filter described in the window's language for the status line.

:meth:`desktop.core.filters.Filter.describe` is the English description the command
line prints; this says the same in the interface language (Korean or English) through
the translation catalogue, so the status line is never half English. Area names,
hashtags, search words, triage categories and incident names are data: they are put in
as they are, and the status label shows them as plain text. Triage states and priorities
read as the feed names them.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from desktop.core.filters import parse_text
from desktop.core.timefmt import fmt_range
from desktop.ui.feed_model import triage_names


def text_terms(text: str) -> tuple[list[str], list[str]]:
    """(quoted phrases, other words) of a search, as the filter itself reads them."""
    return parse_text(text)


class FilterText(QObject):
    """Holds the phrases (context ``FilterText`` in the catalogue)."""

    def describe(self, flt, zone: str = "Asia/Seoul") -> str:
        kinds = {"post": self.tr("posts"), "field_update": self.tr("field updates")}
        if flt.kinds:
            head = self.tr(" and ").join(kinds[k] for k in flt.kinds)
        else:
            head = self.tr("posts and field updates")
        parts = [head]
        if flt.areas:
            inc = [a.name for a in flt.areas if not a.exclude]
            exc = [a.name for a in flt.areas if a.exclude]
            where = flt.area_label or ", ".join(inc)
            if where:
                parts[0] = self.tr("{what} in {where}").format(what=parts[0], where=where)
            if exc:
                parts[0] = self.tr("{what} outside {where}").format(what=parts[0], where=", ".join(exc))
        if flt.bbox is not None:
            parts.append(self.tr("in box {box}").format(box=",".join(f"{v:.4f}" for v in flt.bbox)))
        if flt.start_ms is not None and flt.end_ms is not None:
            parts.append(fmt_range(flt.start_ms, flt.end_ms, zone))
        elif flt.start_ms is not None:
            parts.append(self.tr("from {time}").format(time=fmt_range(flt.start_ms, flt.start_ms, zone).split("–")[0]))
        elif flt.end_ms is not None:
            parts.append(self.tr("until {time}").format(time=fmt_range(flt.end_ms, flt.end_ms, zone).split("–")[0]))
        if flt.hashtags:
            parts.append(self.tr(" or ").join("#" + t for t in flt.hashtags))
        if flt.sources:
            parts.append(self.tr("from sources {names}").format(names=", ".join(flt.sources)))
        if flt.text:
            phrases, words = text_terms(flt.text)
            if phrases:
                parts.append(self.tr("text has the phrase {phrases}").format(
                    phrases=", ".join(f"“{p}”" for p in phrases)))
            if len(words) == 1:
                parts.append(self.tr("text has {word}").format(word=f"“{words[0]}”"))
            elif words:
                parts.append(self.tr("text has all of {words}").format(words=", ".join(words)))
        if flt.precisions:
            names = {"exact": self.tr("exact"), "place": self.tr("place"), "inferred": self.tr("inferred"), "unknown": self.tr("unknown")}
            parts.append(self.tr("position {kinds}").format(kinds="/".join(names[p] for p in flt.precisions)))
        if flt.min_confidence is not None:
            parts.append(self.tr("location confidence ≥ {value}").format(value=f"{flt.min_confidence:.2f}"))
        names = triage_names()
        if flt.states:
            parts.append(self.tr("state {states}").format(states="/".join(names.state(x) for x in flt.states)))
        if flt.priorities:
            parts.append(self.tr("priority {priorities}").format(
                priorities="/".join(names.priority(x) for x in flt.priorities)))
        if flt.triage_tags:
            parts.append(self.tr("tagged {tags}").format(tags=self.tr(" or ").join(flt.triage_tags)))
        if flt.incident is not None:
            name = flt.incident_name or f"#{flt.incident}"
            parts.append(self.tr("in incident {name}").format(name=name))
        return ", ".join(parts)


_texts: FilterText | None = None


def describe(flt, zone: str = "Asia/Seoul") -> str:
    """The status line's description of ``flt`` in the interface language."""
    global _texts
    if _texts is None:
        _texts = FilterText()
    return _texts.describe(flt, zone)
