"""The labelled evaluation: posts with the place a person would give them, scored.

Each line of the file is a JSON object ``{"text": …, "truth": …}`` (optionally
``"lang"``, ``"note"``, ``"profile"``): ``truth`` is a landmark's name, a district
qualified by its parents as the gazetteer writes them ("서울특별시 종로구",
"부산광역시 해운대구 우동"), or "none" when a careful reader would not place the post.

- precision: of the posts placed, the share placed at the true place or inside it (a 동
  of the true 구 counts; the 시도 around a true 구 does not);
- recall: of the posts with a true place, the share placed there;
- the confusion cases: every post placed wrongly, placed when it should not be, or
  left unplaced, with what was found;
- speed: posts per CPU second (one core), the parser built and the analyser loaded.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from desktop.geoparse.gazetteer import Entry, GazetteerError
from desktop.geoparse.parser import Geoparser


def label(e: Entry) -> str:
    """How a placed post's entry is named in the evaluation file."""
    if e.origin == "user" or not e.parent:
        return e.name
    return f"{e.parent} {e.name}"


@dataclass
class Case:
    text: str
    truth: str
    got: str
    status: str
    confidence: float | None
    note: str = ""


@dataclass
class Report:
    posts: int = 0
    with_truth: int = 0
    placed: int = 0
    correct: int = 0
    false_placed: int = 0  # placed though the truth is none
    wrong: int = 0  # placed elsewhere than the truth
    missed: int = 0  # truth given, not placed
    cases: list[Case] = field(default_factory=list)
    methods: Counter = field(default_factory=Counter)
    posts_per_s: float = 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.placed if self.placed else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.with_truth if self.with_truth else 1.0

    def as_json(self) -> dict:
        return {"posts": self.posts, "with_place": self.with_truth, "placed": self.placed, "correct": self.correct,
                "wrong_place": self.wrong, "placed_but_none": self.false_placed, "missed": self.missed,
                "precision": round(self.precision, 3), "recall": round(self.recall, 3),
                "methods": dict(sorted(self.methods.items())), "posts_per_s": round(self.posts_per_s),
                "cases": [c.__dict__ for c in self.cases]}

    def table(self) -> str:
        lines = [
            "| measure | value |", "|---|---|",
            f"| posts | {self.posts} ({self.with_truth} naming a place, {self.posts - self.with_truth} none) |",
            f"| placed | {self.placed} (" + ", ".join(f"{k} {v}" for k, v in sorted(self.methods.items())) + ") |",
            f"| precision | {self.precision:.3f} |",
            f"| recall | {self.recall:.3f} |",
            f"| placed at the wrong place | {self.wrong} |",
            f"| placed though none | {self.false_placed} |",
            f"| not placed | {self.missed} |",
            f"| speed (one core) | {self.posts_per_s:,.0f} posts/s |",
        ]
        if self.cases:
            lines += ["", "confusion cases:"]
            for c in self.cases:
                conf = f" ({c.confidence:.2f})" if c.confidence is not None else ""
                lines.append(f"  {c.status}: {c.text!r}: expected {c.truth}, got {c.got}{conf}"
                             + (f"  [{c.note}]" if c.note else ""))
        return "\n".join(lines)


def load(path: str | Path) -> list[dict]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GazetteerError(f"{p}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except ValueError as exc:
            raise GazetteerError(f"{p}: line {n}: not JSON ({exc})") from None
        if not isinstance(d, dict) or not isinstance(d.get("text"), str) or not isinstance(d.get("truth"), str):
            raise GazetteerError(f'{p}: line {n}: expected {{"text": …, "truth": …}}')
        out.append(d)
    if not out:
        raise GazetteerError(f"{p}: no posts")
    return out


def evaluate(parser: Geoparser, posts: list[dict], *, min_seconds: float = 1.0) -> Report:
    rep = Report()
    for d in posts:
        res = parser.parse(d["text"], d.get("profile"))
        truth = d["truth"].strip()
        got = label(res.inference.entry) if res.inference else "none"
        rep.posts += 1
        if truth != "none":
            rep.with_truth += 1
        if res.status == "placed":
            rep.placed += 1
            rep.methods["profile" if res.inference.profile else res.inference.method] += 1
            if got == truth or got.startswith(truth + " "):  # at the true place, or inside it (종로구 → 사직동)
                rep.correct += 1
                continue
            if truth == "none":
                rep.false_placed += 1
                kind = "placed, none expected"
            else:
                rep.wrong += 1
                kind = "wrong place"
        elif truth == "none":
            continue
        else:
            rep.missed += 1
            kind = f"not placed ({res.status}" + (f": {', '.join(res.candidates)}" if res.candidates else "") + ")"
        rep.cases.append(Case(d["text"], truth, got, kind,
                              res.inference.confidence if res.inference else None, d.get("note", "")))
    # Speed: the same posts again until min_seconds have passed (the analyser loaded above).
    texts = [(d["text"], d.get("profile")) for d in posts]
    n = 0
    t0 = time.process_time()  # CPU seconds: one core's rate, however loaded the machine is
    while True:
        for t, prof in texts:
            parser.parse(t, prof)
        n += len(texts)
        dt = time.process_time() - t0
        if dt >= min_seconds:
            break
    rep.posts_per_s = n / dt
    return rep
