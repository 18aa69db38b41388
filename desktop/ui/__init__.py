"""The window: the only package that imports PySide6.

Owns the shell (:mod:`main_window`), the panels that plug into it (:mod:`panels`),
the map view and its one bridge to the page (:mod:`map_view`, :mod:`bridge`), and the
background workers. Panels observe and change the Qt-free
:class:`desktop.session.Session`; none reaches into another.

May import: :mod:`desktop.session` and everything below it. Never :mod:`desktop.cli`.
"""
