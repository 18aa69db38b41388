"""Korean morphology from the kiwipiepy analyser (Apache-2.0), loaded lazily and once.

The model takes most of a second to load and tokenises a few thousand sentences a
second, so the parser asks it only about posts where a place name was found and the
characters around it do not already settle the question (see :mod:`parser`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from desktop.core.errors import SitmapError

_lock = threading.Lock()
_kiwi = None


class MorphologyUnavailable(SitmapError):
    """The Korean analyser is not installed or its model cannot be loaded."""


@dataclass(frozen=True, slots=True)
class Token:
    form: str
    tag: str
    start: int
    end: int


def analyser():
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                try:
                    from kiwipiepy import Kiwi
                except ImportError:
                    raise MorphologyUnavailable("the Korean analyser (kiwipiepy) is not installed: "
                                                "run scripts/bootstrap.sh") from None
                try:
                    kiwi = Kiwi()
                    kiwi.tokenize("광화문 앞에서")  # the first call finishes loading (seconds): done here, once
                except Exception as exc:  # a damaged model file
                    raise MorphologyUnavailable(f"the Korean analyser's model cannot be loaded: {exc}") from None
                _kiwi = kiwi
    return _kiwi


def tokens(text: str) -> list[Token]:
    """The analyser's best reading of ``text``; offsets in characters of ``text``."""
    kiwi = analyser()
    with _lock:  # one model shared by threads; calls are short
        toks = kiwi.tokenize(text)
    return [Token(t.form, t.tag, t.start, t.start + t.len) for t in toks]


def tag_alone(word: str) -> str:
    """The tag the analyser gives a word on its own ('NNP', 'NNG', …; '' when it splits it)."""
    toks = tokens(word)
    if len(toks) == 1 and toks[0].start == 0 and toks[0].end == len(word):
        return toks[0].tag
    return ""
