"""The offline geoparser: posts without coordinates placed from their text, in Korean
and English, with a confidence and the evidence, against the cache's gazetteer.

Owns the built-in gazetteer derived from the shipped KOSTAT boundaries (:mod:`builtin`),
the cache's gazetteer table and the agency's landmark files (:mod:`gazetteer`), the
Korean analyser, loaded once (:mod:`morph`), finding and deciding (:mod:`parser`),
applying it to imports, live batches and re-runs (:mod:`run`) and the labelled
evaluation (:mod:`evaluate`).

May import: :mod:`desktop.cache`, :mod:`desktop.core`. No Qt.
"""

from desktop.geoparse.gazetteer import Entry, GazetteerError
from desktop.geoparse.parser import Geoparser, Inference, Result

__all__ = ["Entry", "GazetteerError", "Geoparser", "Inference", "Result"]
