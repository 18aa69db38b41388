"""The map page: its static shell (built once with folium), the script that draws
what the engine sends, and the vendored assets it may load (no CDN).

May import: :mod:`desktop.core`. No Qt: the Qt side of the page is
:mod:`desktop.ui.map_view` and :mod:`desktop.ui.bridge`.
"""
