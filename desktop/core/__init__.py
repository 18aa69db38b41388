"""Core values: what every other part of Sitmap talks in.

Owns the record model (:mod:`model`), the filter a view or a query applies
(:mod:`filters`), areas and district boundaries (:mod:`geo`), time formatting in
Asia/Seoul and UTC (:mod:`timefmt`), the timeline's tick and bin arithmetic
(:mod:`timeline_math`), plain-Python events (:mod:`evented`), the pipe a worker process
sends back through (:mod:`pipes`) and where files live
(:mod:`paths`).

May import: the standard library and numeric/geometry libraries only. Nothing in
``desktop`` except itself; no Qt.
"""
