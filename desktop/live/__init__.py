"""The live picture: network feeds, watched files and alert rules feeding the cache
while the window is open.

Everything here is Qt-free. Inputs (:mod:`cot_net`, :mod:`files`) parse on their own
threads and hand records to one :class:`~desktop.live.writer.LiveWriter`, which owns
the only live write connection, commits in small batches and only then tells its
listeners (the window, :class:`~desktop.live.alerts.AlertEngine`) what is new.

May import: :mod:`desktop.importers`, :mod:`desktop.cache`, :mod:`desktop.core`. No Qt.
"""
